"""Sessions: LOGIN, RESUME, WHOAMI, PASSWORD, LOGOUT, lockout, expiry."""

import re
import statistics
import time
import unittest

import instance
import scc_driver
from scc_driver import (Closed, ISO_TIME_RE, TOKEN_RE, parse_completion,
                        parse_fields, quote)

inst = None
HEAD = "head.oakfield"
DEMO_PW = instance.DEMO_PASSWORD
ADMIN_PW = instance.ADMIN_PASSWORD
NEW_PW = "a brand new pass phrase 2"


def setUpModule():
    global inst
    inst = instance.default()


class SessionCase(unittest.TestCase):

    def setUp(self):
        self.conns = []

    def tearDown(self):
        for c in self.conns:
            c.close()

    def connect(self, i=None):
        c = (i or inst).connect()
        self.conns.append(c)
        return c

    def completion(self, lines, tag, status, code=None, args=None):
        c = parse_completion(lines[-1])
        self.assertIsNotNone(c, "not a completion: %r" % lines)
        self.assertEqual((c["tag"], c["status"], c["code"]),
                         (tag, status, code), "lines: %r" % lines)
        if args is not None:
            self.assertEqual(c["args"], args, "lines: %r" % lines)
        self.assertTrue(c["text"], lines)
        return c

    def login(self, conn, user, password, tag="a1"):
        return conn.request(tag, "LOGIN %s %s" % (user, quote(password)))

    def assertLoggedIn(self, lines, tag, role):
        """LOGIN answer: one SESSION line, then OK [ROLE role] welcome."""
        self.assertEqual(len(lines), 2, lines)
        self.assertRegex(lines[0], r"^\* SESSION token=\S+ expires=\S+$")
        f = parse_fields(lines[0])
        self.assertRegex(f["token"], TOKEN_RE)
        self.assertRegex(f["expires"], ISO_TIME_RE)
        self.assertRegex(lines[1], r"^%s OK \[ROLE %s\] welcome, \S"
                         % (re.escape(tag), role))
        return f["token"]

    def whoami(self, conn, tag="w1"):
        lines = conn.request(tag, "WHOAMI")
        return lines, parse_completion(lines[-1])

    def assertExpired(self, conn, tag="x1"):
        lines = conn.request(tag, "WHOAMI")
        self.assertEqual(len(lines), 1, lines)
        self.completion(lines, tag, "NO", "EXPIRED")


class TestBeforeLogin(SessionCase):

    def test_greeting(self):
        c = inst.connect(greeting=False)
        self.conns.append(c)
        self.assertEqual(c.read_line(), scc_driver.GREETING)

    def test_capability(self):
        c = self.connect()
        lines = c.request("c1", "CAPABILITY")
        self.assertEqual(len(lines), 2, lines)
        self.assertRegex(lines[0], r"^\* CAPABILITY scc/1( \S+)*$")
        self.assertIn("LITERAL+", lines[0].split())
        self.completion(lines, "c1", "OK")

    def test_noop(self):
        c = self.connect()
        lines = c.request("n1", "NOOP")
        self.assertEqual(len(lines), 1, lines)
        self.completion(lines, "n1", "OK")

    def test_auth_required(self):
        c = self.connect()
        for tag, cmd in (("r1", "WHOAMI"), ("r2", "PASSWORD old new1234567")):
            lines = c.request(tag, cmd)
            self.assertEqual(len(lines), 1, lines)
            self.completion(lines, tag, "NO", "AUTHREQUIRED")
        # Still allowed, and the connection is still usable.
        self.completion(c.request("r4", "NOOP"), "r4", "OK")

    def test_logout_before_login(self):
        c = self.connect()
        c.send("o1 LOGOUT\r\n")
        lines = c.expect_closed()
        self.assertEqual(len(lines), 2, lines)
        self.assertRegex(lines[0], r"^\* BYE \S")
        self.completion(lines, "o1", "OK")


class TestLogin(SessionCase):

    def test_login_headteacher_and_whoami(self):
        c = self.connect()
        self.assertLoggedIn(self.login(c, HEAD, DEMO_PW), "a1", "headteacher")
        lines, comp = self.whoami(c)
        self.assertEqual(len(lines), 2, lines)
        self.assertTrue(lines[0].startswith("* USER "), lines)
        f = parse_fields(lines[0])
        self.assertRegex(f.get("id", ""), r"^[1-9][0-9]*$")
        self.assertEqual(f.get("login"), HEAD)
        self.assertEqual(f.get("role"), "headteacher")
        self.assertTrue(f.get("name"))
        self.assertTrue(f.get("authority"))
        self.assertTrue(f.get("school"), "a headteacher has a school")
        self.completion(lines, "w1", "OK")

    def test_login_lead_officer_has_no_school(self):
        c = self.connect()
        self.assertLoggedIn(self.login(c, inst.admin, ADMIN_PW), "a1",
                            "lead_officer")
        lines, comp = self.whoami(c)
        f = parse_fields(lines[0])
        self.assertEqual(f.get("login"), inst.admin)
        self.assertEqual(f.get("role"), "lead_officer")
        self.assertNotIn("school", f)
        self.completion(lines, "w1", "OK")

    def test_demo_roles(self):
        for user, role in (("link.partner", "link_partner"),
                           ("chair.oakfield", "governor"),
                           ("head.riverside", "headteacher")):
            c = self.connect()
            self.assertLoggedIn(self.login(c, user, DEMO_PW), "a1", role)

    def test_two_logins_give_different_tokens(self):
        c1, c2 = self.connect(), self.connect()
        t1 = self.assertLoggedIn(self.login(c1, HEAD, DEMO_PW), "a1",
                                 "headteacher")
        t2 = self.assertLoggedIn(self.login(c2, HEAD, DEMO_PW), "a1",
                                 "headteacher")
        self.assertNotEqual(t1, t2)
        # Both sessions live.
        for c in (c1, c2):
            self.assertEqual(self.whoami(c)[1]["status"], "OK")

    def test_wrong_and_unknown_identical(self):
        user = inst.add_authority("same.officer")
        c = self.connect()
        wrong = self.login(c, user, "not the password", "t1")
        unknown = self.login(c, "nobody.here", "not the password", "t1")
        self.assertEqual(len(wrong), 1, wrong)
        self.completion(wrong, "t1", "NO", "AUTHFAILED")
        self.assertEqual(wrong, unknown)
        # Still not logged in after either.
        self.completion(c.request("t2", "WHOAMI"), "t2", "NO", "AUTHREQUIRED")
        # And the right password works on the same connection.
        self.assertLoggedIn(self.login(c, user, ADMIN_PW, "t3"), "t3",
                            "lead_officer")

    def test_unknown_user_timing(self):
        user = inst.add_authority("timing.officer")
        c = self.connect()
        # Warm up the hashing path once (not counted).
        self.login(c, "nobody.warmup", "x")
        times = {"wrong": [], "unknown": []}
        for i in range(4):      # fewer than login_max_failures per login
            for kind, login in (("wrong", user),
                                ("unknown", "nobody.timing%d" % i)):
                t0 = time.monotonic()
                lines = self.login(c, login, "not the password %d" % i)
                times[kind].append(time.monotonic() - t0)
                self.completion(lines, "a1", "NO", "AUTHFAILED")
        # Medians: one login held up by a busy machine says nothing about
        # what the server does with unknown names.
        wrong = statistics.median(times["wrong"])
        unknown = statistics.median(times["unknown"])
        self.assertLess(unknown, wrong * 3, times)
        self.assertLess(wrong, unknown * 3, times)

    def test_lockout(self):
        user = inst.add_authority("lock.officer")
        c = self.connect()
        for i in range(5):
            lines = self.login(c, user, "wrong %d" % i)
            self.completion(lines, "a1", "NO", "AUTHFAILED")
        lines = self.login(c, user, ADMIN_PW, "a2")
        self.assertEqual(len(lines), 1, lines)
        comp = self.completion(lines, "a2", "NO", "LOCKED")
        self.assertRegex(comp["args"] or "", r"^[1-9][0-9]*$", lines)
        self.assertLessEqual(int(comp["args"]), 86400)
        # A new connection is locked out too (it is the login, not the
        # connection), and other users are not affected.
        c2 = self.connect()
        self.completion(self.login(c2, user, ADMIN_PW, "a3"), "a3", "NO",
                        "LOCKED")
        self.assertLoggedIn(self.login(c2, HEAD, DEMO_PW, "a4"), "a4",
                            "headteacher")

    def test_lockout_does_not_reveal_unknown_logins(self):
        c = self.connect()
        for i in range(5):
            self.completion(self.login(c, "nobody.locked", "wrong %d" % i),
                            "a1", "NO", "AUTHFAILED")
        self.completion(self.login(c, "nobody.locked", "wrong", "a2"), "a2",
                        "NO", "LOCKED")


class TestResume(SessionCase):

    def test_resume_on_new_connection(self):
        c1 = self.connect()
        token = self.assertLoggedIn(self.login(c1, HEAD, DEMO_PW), "a1",
                                    "headteacher")
        c2 = self.connect()
        lines = c2.request("r1", "RESUME " + token)
        self.assertEqual(len(lines), 1, lines)
        self.assertRegex(lines[0], r"^r1 OK \[ROLE headteacher\] \S")
        lines, comp = self.whoami(c2)
        self.assertEqual(parse_fields(lines[0]).get("login"), HEAD)
        self.assertEqual(comp["status"], "OK")

    def test_resume_unknown_token(self):
        c = self.connect()
        lines = c.request("r1", "RESUME " + "Q" * 43)
        self.assertEqual(len(lines), 1, lines)
        self.completion(lines, "r1", "NO", "EXPIRED")
        self.completion(c.request("r2", "WHOAMI"), "r2", "NO",
                        "AUTHREQUIRED")

    def test_resume_malformed_token(self):
        c = self.connect()
        for tag, tok in (("r1", "short"), ("r2", "Q" * 44),
                         ("r3", "Q" * 42 + "+")):
            self.completion(c.request(tag, "RESUME " + tok), tag, "NO",
                            "INVALID", "token")


class TestPasswordAndLogout(SessionCase):

    def test_password_ends_other_sessions(self):
        user = inst.add_authority("pw.officer")
        a, b, r = self.connect(), self.connect(), self.connect()
        self.assertLoggedIn(self.login(a, user, ADMIN_PW), "a1",
                            "lead_officer")
        tb = self.assertLoggedIn(self.login(b, user, ADMIN_PW), "a1",
                                 "lead_officer")
        self.assertRegex(r.request("r1", "RESUME " + tb)[-1],
                         r"^r1 OK \[ROLE lead_officer\] ")
        # Wrong old password: refused, nothing changes.
        lines = a.request("p0", "PASSWORD %s %s" % (quote("wrong old"),
                                                   quote(NEW_PW)))
        self.assertEqual(parse_completion(lines[-1])["status"], "NO", lines)
        self.assertEqual(self.whoami(b)[1]["status"], "OK")
        lines = a.request("p1", "PASSWORD %s %s" % (quote(ADMIN_PW),
                                                   quote(NEW_PW)))
        self.assertEqual(len(lines), 1, lines)
        self.completion(lines, "p1", "OK")
        self.assertExpired(b)
        self.assertExpired(r)
        self.assertEqual(self.whoami(a)[1]["status"], "OK")
        # The token of an ended session stays dead.
        c = self.connect()
        self.completion(c.request("r2", "RESUME " + tb), "r2", "NO",
                        "EXPIRED")
        self.completion(self.login(c, user, ADMIN_PW, "a2"), "a2", "NO",
                        "AUTHFAILED")
        self.assertLoggedIn(self.login(c, user, NEW_PW, "a3"), "a3",
                            "lead_officer")

    def test_wrong_old_passwords_lock_the_account(self):
        user = inst.add_authority("pwguess.officer")
        a = self.connect()
        self.assertLoggedIn(self.login(a, user, ADMIN_PW), "a1",
                            "lead_officer")
        for i in range(5):
            lines = a.request("p%d" % i, "PASSWORD %s %s" % (
                quote("guess %d" % i), quote(NEW_PW)))
            self.completion(lines, "p%d" % i, "NO", "AUTHFAILED")
        # Now even the right old password is refused, and so is LOGIN.
        lines = a.request("p9", "PASSWORD %s %s" % (quote(ADMIN_PW),
                                                   quote(NEW_PW)))
        comp = self.completion(lines, "p9", "NO", "LOCKED")
        self.assertRegex(comp["args"] or "", r"^[1-9][0-9]*$", lines)
        c = self.connect()
        self.completion(self.login(c, user, ADMIN_PW, "a2"), "a2", "NO",
                        "LOCKED")
        # The session itself goes on, and the password is unchanged.
        self.assertEqual(self.whoami(a)[1]["status"], "OK")

    def test_logout(self):
        c = self.connect()
        token = self.assertLoggedIn(self.login(c, HEAD, DEMO_PW), "a1",
                                    "headteacher")
        c.send("o1 LOGOUT\r\n")
        lines = c.expect_closed()
        self.assertEqual(len(lines), 2, lines)
        self.assertRegex(lines[0], r"^\* BYE \S")
        self.completion(lines, "o1", "OK")
        c2 = self.connect()
        self.completion(c2.request("r1", "RESUME " + token), "r1", "NO",
                        "EXPIRED")

    def test_logout_all(self):
        user = inst.add_authority("out.officer")
        a, b, c = self.connect(), self.connect(), self.connect()
        ta = self.assertLoggedIn(self.login(a, user, ADMIN_PW), "a1",
                                 "lead_officer")
        self.assertLoggedIn(self.login(b, user, ADMIN_PW), "a1",
                            "lead_officer")
        # Another user's session must survive.
        h = self.connect()
        self.assertLoggedIn(self.login(h, HEAD, DEMO_PW), "a1",
                            "headteacher")
        self.assertLoggedIn(self.login(c, user, ADMIN_PW), "a1",
                            "lead_officer")
        c.send("o1 LOGOUT all\r\n")
        lines = c.expect_closed()
        self.assertRegex(lines[0], r"^\* BYE \S")
        self.completion(lines, "o1", "OK")
        self.assertExpired(a)
        self.assertExpired(b)
        self.assertEqual(self.whoami(h)[1]["status"], "OK")
        d = self.connect()
        self.completion(d.request("r1", "RESUME " + ta), "r1", "NO",
                        "EXPIRED")


class TestExpiry(SessionCase):
    """session_idle = 2 in an instance of its own."""

    @classmethod
    def setUpClass(cls):
        cls.inst = instance.shared("expiry", {"session_idle": 2,
                                              "login_max_address": 500},
                                   demo=False)

    def test_idle_session_expires(self):
        c = self.connect(self.inst)
        token = self.assertLoggedIn(self.login(c, self.inst.admin, ADMIN_PW),
                                    "a1", "lead_officer")
        self.assertEqual(self.whoami(c)[1]["status"], "OK")
        # Idle time is what is under test, so there is nothing to poll:
        # a request on the session would count as activity and keep it.
        time.sleep(3.2)
        self.assertExpired(c)
        c2 = self.connect(self.inst)
        self.completion(c2.request("r1", "RESUME " + token), "r1", "NO",
                        "EXPIRED")

    def test_activity_keeps_session(self):
        c = self.connect(self.inst)
        self.assertLoggedIn(self.login(c, self.inst.admin, ADMIN_PW), "a1",
                            "lead_officer")
        # Requests spaced out over twice session_idle: the time passing is
        # the point, so these are fixed sleeps, not waits.
        for i in range(4):
            time.sleep(1.0)
            self.assertEqual(self.whoami(c, "w%d" % i)[1]["status"], "OK")


if __name__ == "__main__":
    unittest.main()
