"""Live events (issue 7): WATCH, delivery across two sccd instances serving
one database, what a user missed, who may receive what, slow readers,
sessions ended elsewhere, events the calendar raises, and WAITING.

The module runs its own instance (no demo) with a short events_interval,
so due events are raised within a second, and a small watch_backlog, so a
client that stops reading is dropped soon. The second instance is started
as README.md says: `sccd serve -D DIR` on the same directory, another
port; it shares the cluster the first one started.
"""

import json
import os
import re
import socket
import ssl
import subprocess
import time
import unittest

import instance
import scc_driver
import test_casework as cw
import test_client
from scc_driver import parse_completion, parse_fields, quote

inst = None
second = None
L, P, H, G = cw.L, cw.P, cw.H, cw.G


class SecondServer:
    """Another sccd serving the same instance directory."""

    def __init__(self, first):
        self.first = first
        self.port = instance.free_port()
        self.log = os.path.join(first.dir, "sccd-second.log")
        self.logfile = open(self.log, "ab")
        self.proc = subprocess.Popen(
            [instance.SCCD, "serve", "-D", first.dir,
             "--listen", "127.0.0.1:%d" % self.port],
            stdin=subprocess.DEVNULL, stdout=self.logfile,
            stderr=subprocess.STDOUT)

        def greets():
            if self.proc.poll() is not None:
                raise RuntimeError("second sccd exited with %d"
                                   % self.proc.returncode)
            scc_driver.connect(first.ca, self.port, timeout=3).close()
            return True
        instance.wait_until(greets, 30, "the second sccd to greet",
                            interval=0.2,
                            retry_on=(OSError, ssl.SSLError, AssertionError,
                                      scc_driver.Closed, TimeoutError))

    def login(self, user, password):
        conn = scc_driver.connect(self.first.ca, self.port)
        lines = conn.request("l1", "LOGIN %s %s" % (user, quote(password)))
        assert lines[-1].startswith("l1 OK"), lines
        return conn

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(20)
        self.logfile.close()


def setUpModule():
    global inst, second
    inst = instance.Instance(config={"events_interval": 1,
                                     "watch_backlog": 4096}, demo=False)
    inst.start()
    cw.inst = inst
    second = SecondServer(inst)


def tearDownModule():
    if second is not None:
        second.stop()
    if inst is not None:
        inst.stop()
        inst.remove()


class Watcher:
    """A connection with WATCH on, reading EVENT lines as they come."""

    def __init__(self, conn):
        self.conn = conn
        self.n = 0

    def watch(self):
        lines = self.call("WATCH on")
        assert parse_completion(lines[-1])["status"] == "OK", lines
        return [parse_fields(x) for x in lines if x.startswith("* EVENT ")]

    def call(self, text):
        self.n += 1
        tag = "w%d" % self.n
        self.conn.send("%s %s\r\n" % (tag, text))
        return self.conn.read_until_tag(tag, timeout=30)

    def events(self, count, timeout=10.0):
        """The next count EVENT lines; nothing else may come meanwhile."""
        out = []
        deadline = time.monotonic() + timeout
        while len(out) < count:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("%d of %d events came: %r"
                                     % (len(out), count, out))
            line = self.conn.read_line(timeout=left)
            assert line.startswith("* EVENT "), line
            out.append(parse_fields(line))
        return out

    def quiet(self, seconds=1.0):
        """Nothing arrives for a while (NOOP's answer comes alone)."""
        time.sleep(seconds)
        lines = self.call("NOOP")
        assert len(lines) == 1, lines


def world():
    """A fresh authority: lead, a link partner assigned to school A, A's
    headteacher, and school B with its own headteacher."""
    a = cw.Authority("ev")
    sa, _ = cw.add_school(a.lead, "Event School A")
    sb, _ = cw.add_school(a.lead, "Event School B")
    users = {}
    for key, role, school in (("link", P, None), ("head", H, sa),
                              ("headb", H, sb)):
        login, secret = cw.make_user(a.lead, role, school)
        cw.activate(login, secret, role).close()
        users[key] = login
    a.lead.ok("ASSIGN %s school=%s" % (users["link"], sa))
    case = a.lead.ok("CASE OPEN %s programme=securing_good reason=test "
                     "link_partner=%s" % (sa, users["link"]))[0][1]["id"]
    return a, sa, sb, case, users


def password(login):
    return cw.ADMIN_PW if login.startswith("ev.") else cw.NEW_PW


def login_first(login):
    conn, _ = inst.login(login, password(login))
    return Watcher(conn)


def login_second(login):
    return Watcher(second.login(login, password(login)))


def scalar(sql):
    """One value from the database, as its owner sees it."""
    return re.search(r"v=(\S*)",
                     inst.psql("SELECT 'v=' || (%s)" % sql)).group(1)


def flood(login, case, school, n):
    """n events for login about school, straight into the database."""
    uid = scalar("SELECT id FROM scc.app_user WHERE login = '%s'" % login)
    inst.psql("SELECT scc.event_add(u.authority_id, ARRAY[u.id], "
              "'test.flood', 'case:%s', ROW(%s, %s, NULL, NULL)"
              "::scc.event_subject, NULL, NULL) "
              "FROM scc.app_user u, generate_series(1, %d) "
              "WHERE u.id = %s" % (case, school, case, n, uid))


def add_action(lead, case, owner, title="Publish plan", due="2031-01-10"):
    return lead.ok("ACTION ADD %s title=%s owner=%s due=%s"
                   % (case, quote(title), owner, due))[0][1]["id"]


class TestWatch(unittest.TestCase):

    def test_change_on_first_reaches_watcher_on_second(self):
        a, sa, sb, case, u = world()
        w = login_second(u["head"])
        self.assertEqual(w.watch(), [])
        t0 = time.monotonic()
        action = add_action(a.lead, case, u["head"])
        ev = w.events(1)[0]
        self.assertLess(time.monotonic() - t0, 5)
        self.assertEqual(ev["what"], "action.add")
        self.assertEqual(ev["case"], case)
        self.assertEqual(ev["school"], sa)
        self.assertEqual(ev["action"], action)
        self.assertEqual(ev["by"], a.lead_login)
        # ...and the other way round, to a watcher on the first.
        lw = login_first(a.lead_login)
        lw.watch()
        lines = w.call("ACTION UPDATE %s progress=amber note=started"
                       % action)
        self.assertEqual(parse_completion(lines[-1])["status"], "OK")
        self.assertEqual(lw.events(1)[0]["what"], "action.update")
        w.quiet(0.5)

    def test_missed_events_come_first_once_in_order(self):
        a, sa, sb, case, u = world()
        ids = [add_action(a.lead, case, u["head"], "Missed %d" % i)
               for i in range(5)]
        w = login_first(u["head"])
        got = w.watch()
        self.assertEqual([e["action"] for e in got], ids)
        self.assertEqual([int(e["id"]) for e in got],
                         sorted(int(e["id"]) for e in got))
        # Off, one more, and on again: only the new one.
        w.call("WATCH off")
        more = add_action(a.lead, case, u["head"], "After off")
        got = w.watch()
        self.assertEqual([e["action"] for e in got], [more])
        w.conn.close()
        # A new session, on the other instance: nothing again.
        w2 = login_second(u["head"])
        self.assertEqual(w2.watch(), [])
        w2.quiet(0.5)

    def test_more_than_a_page_missed(self):
        a, sa, sb, case, u = world()
        flood(u["head"], case, sa, 600)
        w = login_first(u["head"])
        got = w.watch()
        self.assertEqual(len(got), 600)
        self.assertEqual(len({e["id"] for e in got}), 600)
        w.quiet(0.5)

    def test_never_inside_an_answer(self):
        """Events arrive while the watcher keeps asking: each one falls
        between answers, never among one answer's records."""
        a, sa, sb, case, u = world()
        w = login_first(a.lead_login)
        w.watch()
        link = cw.Client(u["link"], cw.NEW_PW, P)
        for i in range(10):
            link.send("ACTION ADD %s title=%s owner=%s due=2031-02-01"
                      % (case, quote("Inside %d" % i), u["link"]))
        seen, inside = 0, 0
        for i in range(40):
            tag = "x%d" % i
            w.conn.send("%s SCHOOL LIST\r\n" % tag)
            in_answer = False
            while True:
                line = w.conn.read_line(timeout=30)
                if line.startswith("* EVENT "):
                    seen += 1
                    inside += in_answer
                    continue
                if line.startswith("* SCHOOL "):
                    in_answer = True
                    continue
                self.assertTrue(line.startswith(tag + " OK"), line)
                break
        for i in range(10):
            link.read("c%d" % (i + 1))
        seen += len(w.events(10 - seen)) if seen < 10 else 0
        self.assertEqual(inside, 0)
        link.close()

    def test_not_sent_what_the_user_may_not_see(self):
        a, sa, sb, case, u = world()
        # The other school's headteacher hears nothing of school A.
        wb = login_second(u["headb"])
        wb.watch()
        add_action(a.lead, case, u["head"])
        # A link partner unassigned meanwhile is not sent school A's events.
        add_action(a.lead, case, u["link"], "For the link partner")
        a.lead.ok("ASSIGN %s school=%s remove=yes" % (u["link"], sa))
        wl = login_first(u["link"])
        # Their own assignment and its end (about no school), but not the
        # action about school A.
        self.assertEqual([e["what"] for e in wl.watch()],
                         ["user.assign", "user.unassign"])
        wb.quiet(1.0)
        # The cursor moved past it: assigned again, it does not come back.
        a.lead.ok("ASSIGN %s school=%s" % (u["link"], sa))
        self.assertEqual([e["what"] for e in wl.events(1)], ["user.assign"])
        wl.quiet(0.5)

    def test_slow_reader_is_dropped(self):
        a, sa, sb, case, u = world()
        sock = socket.create_connection(("127.0.0.1", inst.port))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        ctx = scc_driver.client_context(inst.ca)
        tls = ctx.wrap_socket(sock, server_hostname="localhost")
        conn = scc_driver.Conn(tls)
        conn.read_line()                      # greeting
        conn.request("l1", "LOGIN %s %s" % (u["head"], quote(cw.NEW_PW)))
        conn.request("w1", "WATCH on")
        # Far more than the socket buffers and watch_backlog together hold.
        mark = inst.log_mark()
        for _ in range(4):
            flood(u["head"], case, sa, 20000)
        try:
            inst.wait_for_log(b"with events due; dropped", since=mark,
                              timeout=60)
        except instance.WaitTimeout:
            print(inst.logs())
            raise
        conn.close()
        # The server is still well.
        w = login_first(a.lead_login)
        w.call("NOOP")

    def test_session_ended_elsewhere_ends_the_watch(self):
        a, sa, sb, case, u = world()
        w = login_second(u["link"])
        w.watch()
        idle = login_first(u["link"])        # not watching
        a.lead.ok("USER DISABLE %s" % u["link"])
        # The watcher may never ask again: it is told at once.
        line = w.conn.read_line(timeout=10)
        self.assertTrue(line.startswith("* BYE [EXPIRED]"), line)
        w.conn.expect_closed()
        # One that asks hears it in the answer, as before.
        lines = idle.call("WHOAMI")
        self.assertEqual(len(lines), 1, lines)
        self.assertIn("NO [EXPIRED]", lines[0])
        # PASSWORD ends the user's other sessions, not its own.
        other = login_second(u["head"])
        other.watch()
        me = login_first(u["head"])
        me.watch()
        lines = me.call("PASSWORD %s %s" % (quote(cw.NEW_PW),
                                             quote(cw.NEW_PW + "x")))
        self.assertEqual(parse_completion(lines[-1])["status"], "OK", lines)
        line = other.conn.read_line(timeout=10)
        self.assertTrue(line.startswith("* BYE [EXPIRED]"), line)
        me.quiet(0.5)


    def test_bad_watch_requests(self):
        a, sa, sb, case, u = world()
        conn = inst.connect()
        lines = conn.request("p1", "WATCH on")
        self.assertIn("p1 NO [AUTHREQUIRED]", lines[-1])
        conn.close()
        w = login_first(u["head"])
        for text, want in (("WATCH", "NO [INVALID"),
                           ("WATCH maybe", "NO [INVALID"),
                           ("WATCH on off", "NO [INVALID] too many"),
                           ("WATCH on extra=1", "NO [INVALID"),
                           ("WATCH {3+}\r\non", "NO [INVALID")):
            lines = w.call(text)
            self.assertEqual(len(lines), 1, (text, lines))
            self.assertIn(want, lines[0], text)
        # Still in step, and watching works after all of it.
        self.assertEqual(w.watch(), [])
        add_action(a.lead, case, u["head"])
        self.assertEqual(w.events(1)[0]["what"], "action.add")
        # WATCH on again while on sends nothing new; off, then nothing comes.
        lines = w.call("WATCH ON")
        self.assertEqual(len(lines), 1, lines)
        self.assertIn("already watching", lines[0])
        w.call("watch off")
        add_action(a.lead, case, u["head"])
        w.quiet(1.0)

    def test_one_time_password_cannot_watch(self):
        a, sa, sb, case, u = world()
        login, secret = cw.make_user(a.lead, H, sa)
        conn, _ = inst.login(login, secret)
        lines = conn.request("w1", "WATCH on")
        self.assertIn("w1 NO [FORBIDDEN]", lines[-1])
        conn.close()


class TestDue(unittest.TestCase):

    def test_overdue_raised_once_across_instances(self):
        a, sa, sb, case, u = world()
        w = login_second(u["head"])
        w.watch()
        action = add_action(a.lead, case, u["head"], "Late", "2031-01-01")
        self.assertEqual(w.events(1)[0]["what"], "action.add")
        # The officer moves the due date into the past.
        a.lead.ok("ACTION UPDATE %s due=2020-01-01" % action)
        ev = w.events(2, timeout=15)
        self.assertEqual([e["what"] for e in ev],
                         ["action.update", "action.overdue"])
        self.assertEqual(ev[1]["action"], action)
        self.assertNotIn("by", ev[1])
        # Both instances keep looking; it is raised once per person.
        time.sleep(2.5)
        n = scalar("SELECT count(*) FROM scc.event WHERE what = "
                   "'action.overdue' AND action_id = %s" % action)
        self.assertEqual(n, "2")         # the owner and the case lead
        w.quiet(0.5)

    def test_due_soon_and_deadline_missed(self):
        a, sa, sb, case, u = world()
        lw = login_first(a.lead_login)
        lw.watch()
        hw = login_second(u["head"])
        hw.watch()
        soon = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 86400))
        action = add_action(a.lead, case, u["head"], "Soon", soon)
        got = hw.events(2, timeout=15)
        self.assertEqual([e["what"] for e in got],
                         ["action.add", "action.due_soon"])
        # A meeting whose deadlines are already past when it is scheduled.
        at = time.strftime("%Y-%m-%dT10:00:00Z",
                           time.gmtime(time.time() + 3 * 86400))
        meeting = a.lead.ok("MEETING SCHEDULE %s kind=monitoring at=%s "
                            "place=School chair=%s taker=%s"
                            % (case, at, a.lead_login,
                               u["link"]))[0][1]["id"]
        self.assertEqual(hw.events(1)[0]["what"], "meeting.schedule")
        # Three days ahead, the proforma (14 days before) and the agenda
        # (7) are missed at once: the lead officer owns both.
        got = lw.events(2, timeout=15)
        self.assertEqual([(e["what"], e["meeting"]) for e in got],
                         [("deadline.missed", meeting)] * 2)
        hw.quiet(0.5)


class TestWaiting(unittest.TestCase):

    def test_waiting(self):
        a, sa, sb, case, u = world()
        soon = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 86400))
        action = add_action(a.lead, case, u["head"], "Soon", soon)
        add_action(a.lead, case, u["head"], "Later", "2031-06-01")
        head = cw.Client(u["head"], cw.NEW_PW, H)
        recs = head.ok("WAITING")
        kinds = [f["what"] for t, f in recs]
        self.assertEqual(kinds, ["action", "events"])
        self.assertEqual(recs[0][1]["action"], action)
        self.assertEqual(recs[0][1]["overdue"], "no")
        self.assertGreaterEqual(int(recs[1][1]["unread"]), 2)
        # Once watched, nothing is unread.
        w = login_first(u["head"])
        w.watch()
        recs = head.ok("WAITING")
        self.assertEqual(recs[-1][1]["unread"], "0")
        # Another school's headteacher waits for none of it.
        other = cw.Client(u["headb"], cw.NEW_PW, H)
        self.assertEqual([f["what"] for t, f in other.ok("WAITING")],
                         ["events"])
        head.close()
        other.close()


class TestClient(unittest.TestCase):
    """scc waiting, scc watch, and what scc says at login on a terminal."""

    def setUp(self):
        self.a, self.sa, self.sb, self.case, self.u = world()
        self.home = test_client.Home(inst)
        r = self.home.login(self.u["head"], cw.NEW_PW)
        self.assertEqual(r.returncode, 0, r.err)

    def tearDown(self):
        self.home.remove()

    def test_waiting_listed(self):
        soon = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 86400))
        action = add_action(self.a.lead, self.case, self.u["head"], "Soon",
                            soon)
        r = self.home.run("--format", "json", "waiting")
        self.assertEqual(r.returncode, 0, r.err)
        got = json.loads(r.out)["waiting"]
        self.assertEqual([x["what"] for x in got], ["action", "events"])
        self.assertEqual(got[0]["action"], int(action))
        self.assertIs(got[0]["overdue"], False)
        self.assertIsInstance(got[1]["unread"], int)

    def test_bare_yes_no_options(self):
        late = add_action(self.a.lead, self.case, self.u["head"], "Late",
                          "2020-01-01")
        add_action(self.a.lead, self.case, self.u["head"], "Later")
        r = self.home.run("--format", "json", "actions", "--mine",
                          "--overdue")
        self.assertEqual(r.returncode, 0, r.err)
        self.assertEqual([a["id"] for a in json.loads(r.out)], [int(late)])
        r = self.home.run("--format", "json", "actions", "--overdue", "no",
                          "--mine")
        self.assertEqual(r.returncode, 0, r.err)
        self.assertEqual(len(json.loads(r.out)), 2)
        # An option that is not yes/no still needs its value.
        r = self.home.run("actions", "--case")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--case needs a value", r.err)

    def test_login_on_a_terminal_says_what_waits(self):
        add_action(self.a.lead, self.case, self.u["head"], "Late",
                   "2020-01-01")
        code, out = self.home.run_on_terminal(
            "-u", self.u["head"], "login", stdin=cw.NEW_PW + "\n")
        self.assertEqual(code, 0, out)
        self.assertIn("logged in as %s" % self.u["head"], out)
        self.assertIn("1 actions due (1 overdue)", out)
        # Not in a pipe: scripts get the one line they always got.
        r = self.home.login(self.u["head"], cw.NEW_PW)
        self.assertEqual(r.out.strip().count("\n"), 0, r.out)

    def test_watch_prints_missed_then_live(self):
        first = add_action(self.a.lead, self.case, self.u["head"], "Before")
        p = subprocess.Popen(
            [instance.SCC, "-H", "localhost", "-p", str(inst.port),
             "--ca", inst.ca, "--format", "tsv", "watch"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=self.home.env())
        try:
            header = p.stdout.readline().decode().rstrip("\n").split("\t")
            if p.poll() is not None:
                self.fail(p.stderr.read().decode())
            self.assertEqual(header[:2], ["id", "what"])
            row = dict(zip(header, p.stdout.readline().decode()
                           .rstrip("\n").split("\t")))
            self.assertEqual((row["what"], row["action"]),
                             ("action.add", first))
            live = add_action(self.a.lead, self.case, self.u["head"], "Live")
            row = dict(zip(header, p.stdout.readline().decode()
                           .rstrip("\n").split("\t")))
            self.assertEqual((row["what"], row["action"]),
                             ("action.add", live))
            # The session ends elsewhere: scc says so and exits 4.
            self.a.lead.ok("USER DISABLE %s" % self.u["head"])
            self.assertEqual(p.wait(10), 4)
            self.assertIn("session ended", p.stderr.read().decode())
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            p.stdout.close()
            p.stderr.close()


if __name__ == "__main__":
    unittest.main()
