"""Logins under attack, and the deadlines a request lives under.

Guesses are counted before they are hashed, so parallel guesses cannot
slip past the account's limit together; an address with recent failures
waits its penalty on a timer and queues behind everybody else; a request
that takes long (a penalty, hashing, the database) is never cut by the
connection's idle or line deadline; a literal must keep arriving, but may
take as long as it keeps arriving.
"""

import threading
import time
import unittest

import instance
from scc_driver import Closed, parse_completion, quote

ADMIN_PW = instance.ADMIN_PASSWORD
MAX_FAILURES = 3
PENALTY_MS = 1500
IDLE = 2
LITERAL = 3
CONFIG = {"login_max_failures": MAX_FAILURES, "login_max_address": 1000,
          "login_penalty": PENALTY_MS, "login_penalty_max": 4000,
          "idle_timeout": IDLE, "line_timeout": IDLE,
          "literal_timeout": LITERAL}


def tearDownModule():
    instance.release("fairness")


def refusal_codes(test, conns, prefix):
    """The code of each connection's answer to request PREFIX<i>: all NO."""
    codes = []
    for i, c in enumerate(conns):
        done = parse_completion(c.read_until_tag("%s%d" % (prefix, i))[-1])
        test.assertEqual(done["status"], "NO", done)
        codes.append(done["code"])
    return codes


class TestLoginFairness(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.inst = instance.shared("fairness", CONFIG, demo=False)

    def login_line(self, conn, tag, user, password):
        return conn.request(tag, "LOGIN %s %s" % (user, quote(password)))[-1]

    def test_parallel_guesses_stop_at_the_limit(self):
        victim = self.inst.add_authority("victim.parallel")
        guessers = 12
        # One address each, so no penalty slows any of them down.
        conns = [self.inst.connect(source="127.0.1.%d" % (i + 1))
                 for i in range(guessers)]
        try:
            for i, c in enumerate(conns):
                c.send("g%d LOGIN %s %s\r\n" % (i, victim, quote("wrong %d" % i)))
            codes = refusal_codes(self, conns, "g")
        finally:
            for c in conns:
                c.close()
        self.assertLessEqual(codes.count("AUTHFAILED"), MAX_FAILURES, codes)
        self.assertEqual(codes.count("AUTHFAILED") + codes.count("LOCKED"),
                         guessers, codes)
        # The account is locked now, even for the right password.
        with self.inst.connect(source="127.0.1.200") as c:
            self.assertRegex(self.login_line(c, "r1", victim, ADMIN_PW),
                             r"^r1 NO \[LOCKED [1-9][0-9]*\] ")

    def test_parallel_old_password_guesses_stop_at_the_limit(self):
        # A stolen session used to guess its own password, on many
        # connections at once: PASSWORD admits guesses as LOGIN does.
        user = self.inst.add_authority("victim.pwchange")
        first, token = self.inst.login(user, ADMIN_PW,
                                       source="127.0.8.200")
        first.close()
        guessers = 10
        conns = []
        try:
            for i in range(guessers):
                c = self.inst.connect(source="127.0.8.%d" % (i + 1))
                conns.append(c)
                self.assertRegex(c.request("r%d" % i, "RESUME " + token)[-1],
                                 r"^r%d OK " % i)
            for i, c in enumerate(conns):
                c.send("p%d PASSWORD %s %s\r\n" % (
                    i, quote("wrong old %d" % i), quote("a new password 1")))
            codes = refusal_codes(self, conns, "p")
        finally:
            for c in conns:
                c.close()
        self.assertLessEqual(codes.count("AUTHFAILED"), MAX_FAILURES, codes)
        self.assertEqual(codes.count("AUTHFAILED") + codes.count("LOCKED"),
                         guessers, codes)

    def test_failing_source_waits_and_others_go_first(self):
        victim = self.inst.add_authority("victim.penalty")
        bad, good = "127.0.2.1", "127.0.2.2"
        with self.inst.connect(source=bad) as c:
            self.assertRegex(self.login_line(c, "w1", "ghost.one", "nope"),
                             r"^w1 NO \[AUTHFAILED\] ")
        finished = []

        def guess():
            with self.inst.connect(source=bad) as c:
                t0 = time.monotonic()
                line = self.login_line(c, "w2", "ghost.two", "nope")
                finished.append(("bad", time.monotonic() - t0, line))

        t = threading.Thread(target=guess)
        t.start()
        # Give the guess a moment to reach its penalty; nothing outside the
        # server can see it waiting. Were it late, the good login would
        # still finish first: the order checked below does not hang on it.
        time.sleep(0.2)
        with self.inst.connect(source=good) as c:
            line = self.login_line(c, "o1", victim, ADMIN_PW)
            finished.append(("good", None, line))
        t.join(30)
        self.assertRegex(finished[0][2], r"^o1 OK \[ROLE lead_officer\] ",
                         finished)
        self.assertEqual([f[0] for f in finished], ["good", "bad"], finished)
        self.assertRegex(finished[1][2], r"^w2 NO \[AUTHFAILED\] ")
        # One recent failure: the penalty is at least PENALTY_MS.
        self.assertGreaterEqual(finished[1][1], PENALTY_MS / 1000.0 - 0.1)

    def test_a_familiar_address_goes_before_new_ones(self):
        user = self.inst.add_authority("victim.familiar")
        home = "127.0.5.1"
        with self.inst.connect(source=home) as c:      # now a known address
            self.assertRegex(self.login_line(c, "h0", user, ADMIN_PW),
                             r"^h0 OK ")
        # A flood of first guesses, one new address each: nothing tells
        # them from real users, so they are all checked, in turn.
        guesses = 16
        conns = [self.inst.connect(source="127.0.6.%d" % (i + 1))
                 for i in range(guesses)]
        order = []
        lock = threading.Lock()

        def wait_for(c, tag, who):
            c.read_until_tag(tag, timeout=30)
            with lock:
                order.append(who)

        try:
            for i, c in enumerate(conns):
                c.send("n%d LOGIN ghost.new%d %s\r\n" % (i, i, quote("no")))
            threads = [threading.Thread(target=wait_for,
                                        args=(c, "n%d" % i, "new"))
                       for i, c in enumerate(conns)]
            for t in threads:
                t.start()
            # Let the guesses reach the queue (it holds more than half a
            # second of hashing); were they late, the user would only be
            # further ahead.
            time.sleep(0.2)
            with self.inst.connect(source=home) as c:
                line = self.login_line(c, "h1", user, ADMIN_PW)
                with lock:
                    order.append("home")
            for t in threads:
                t.join(30)
        finally:
            for c in conns:
                c.close()
        self.assertRegex(line, r"^h1 OK ")
        self.assertEqual(len(order), guesses + 1, order)
        self.assertLess(order.index("home"), guesses - 4, order)

    def test_a_long_request_outlives_the_idle_deadline(self):
        # The penalty (1.5 s, doubling) keeps LOGIN busy past IDLE seconds.
        addr = "127.0.3.1"
        for i in range(2):
            with self.inst.connect(source=addr) as c:
                line = self.login_line(c, "f%d" % i, "ghost.%d" % i, "nope")
                self.assertRegex(line, r"^f%d NO \[AUTHFAILED\] " % i)
        with self.inst.connect(source=addr) as c:
            t0 = time.monotonic()
            line = self.login_line(c, "x1", "ghost.x", "nope")
            self.assertGreater(time.monotonic() - t0, IDLE)
            self.assertRegex(line, r"^x1 NO \[AUTHFAILED\] ")
            self.assertRegex(c.request("x2", "NOOP")[-1], r"^x2 OK ")


class TestHashFailure(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.inst = instance.shared("fairness", CONFIG, demo=False)

    def test_a_check_that_cannot_run_is_no_failed_login(self):
        # A stored hash asking argon2 for 4 TB: the check cannot allocate
        # it, which is the server's trouble, not a wrong password.
        user = self.inst.add_authority("victim.memory")
        self.inst.psql(
            "UPDATE scc.app_user SET pwhash = '$argon2id$v=19$"
            "m=4000000000,t=1,p=1$c29tZXNhbHQxMjM0NTY3OA$"
            "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g' "
            "WHERE login = '%s'" % user)
        for i in range(MAX_FAILURES + 2):
            with self.inst.connect(source="127.0.7.%d" % (i + 1)) as c:
                line = c.request("m%d" % i, "LOGIN %s %s"
                                 % (user, quote(ADMIN_PW)))[-1]
            # Never AUTHFAILED, and never LOCKED: nothing was counted.
            self.assertRegex(line, r"^m%d NO \[INTERNAL [0-9a-f]+\] " % i)


class TestLiterals(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.inst = instance.shared("fairness", CONFIG, demo=False)

    def test_oversized_literal_refused_before_ok(self):
        with self.inst.connect() as c:
            c.send("a1 LOGIN someone {2000}\r\n")
            line = c.read_line()
            self.assertRegex(line, r"^a1 NO \[TOOBIG\] ", line)
            self.assertRegex(c.request("a2", "NOOP")[-1], r"^a2 OK ")

    def test_slow_literal_that_keeps_coming_is_read(self):
        secret = "x" * 600
        with self.inst.connect() as c:
            c.send("s1 LOGIN nobody.here {%d}\r\n" % len(secret))
            self.assertRegex(c.read_line(), r"^\+ ")
            # Longer in all than the line and idle deadlines, never stalled.
            chunks = [secret[i:i + 100] for i in range(0, len(secret), 100)]
            for chunk in chunks:
                c.send(chunk)
                time.sleep(0.8)     # slow on purpose: this is the test
            c.send("\r\n")
            line = c.read_until_tag("s1")[-1]
            self.assertRegex(line, r"^s1 NO \[AUTHFAILED\] ")

    def test_stalled_literal_is_cut_with_bye(self):
        with self.inst.connect() as c:
            c.send("t1 LOGIN nobody.here {500}\r\n")
            self.assertRegex(c.read_line(), r"^\+ ")
            c.send("y" * 10)
            t0 = time.monotonic()
            try:
                lines = c.expect_closed(timeout=LITERAL + 5)
            except Closed as e:
                lines = e.lines
            self.assertGreaterEqual(time.monotonic() - t0, LITERAL - 1)
            self.assertTrue(any(l.startswith("* BYE ") for l in lines), lines)


class TestStopWithWorkInFlight(unittest.TestCase):
    """SIGTERM lets a login waiting out its penalty finish; a second one
    stops at once. Either way sccd exits cleanly, with nothing leaked (the
    sanitizer build turns a leak into a failed exit)."""

    def start(self):
        inst = instance.Instance(config=CONFIG, demo=False)
        self.addCleanup(inst.remove)
        self.addCleanup(inst.stop)
        return inst.start()

    def penalised_login(self, inst, addr):
        """A connection whose LOGIN is waiting out a penalty of 3 s."""
        for i in range(2):
            with inst.connect(source=addr) as c:
                c.request("f%d" % i, "LOGIN ghost.%d %s" % (i, quote("no")))
        c = inst.connect(source=addr)
        c.send("w1 LOGIN ghost.w %s\r\n" % quote("no"))
        return c

    def test_first_sigterm_drains(self):
        inst = self.start()
        c = self.penalised_login(inst, "127.0.4.1")
        with c:
            inst.proc.terminate()
            lines = c.read_until_tag("w1", timeout=20)
            self.assertRegex(lines[-1], r"^w1 NO \[AUTHFAILED\] ", lines)
            c.expect_closed(timeout=5)
        self.assertEqual(inst.proc.wait(30), 0, inst.logs())

    def test_second_sigterm_stops_at_once(self):
        inst = self.start()
        c = self.penalised_login(inst, "127.0.4.2")
        with c:
            inst.proc.terminate()
            mark = inst.log_mark()
            instance.wait_until(
                lambda: b"finishing work in flight" in
                open(inst.log, "rb").read(), 10, "the drain to start")
            inst.proc.terminate()
            self.assertEqual(inst.proc.wait(30), 0, inst.logs())
            self.assertIn(b"stopping now", open(inst.log, "rb").read()[mark:])


if __name__ == "__main__":
    unittest.main()
