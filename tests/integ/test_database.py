"""PostgreSQL going away and coming back under a running sccd.

While the database is down, commands that need it answer NO [UNAVAILABLE]
and connections stay open; once it is back, the same connections work again
without the client doing anything. Runs last: it stops the shared cluster.
"""

import time
import unittest

import instance
from scc_driver import parse_completion, parse_fields, quote

inst = None
HEAD = "head.oakfield"
DEMO_PW = instance.DEMO_PASSWORD


def setUpModule():
    global inst
    inst = instance.default()


class TestRestart(unittest.TestCase):

    def test_database_restart(self):
        conn, token = inst.login(HEAD, DEMO_PW)
        spare = inst.connect()
        try:
            self.run_restart(conn, spare, token)
        finally:
            conn.close()
            spare.close()
            # Leave the cluster running for whoever comes next.
            if not inst.pg_ctl("status", check=False).returncode == 0:
                inst.pg_start()

    def run_restart(self, conn, spare, token):
        lines = conn.request("d1", "WHOAMI")
        self.assertEqual(parse_completion(lines[-1])["status"], "OK", lines)

        inst.pg_stop()

        lines = conn.request("d2", "WHOAMI")
        self.assertEqual(len(lines), 1, lines)
        self.assertRegex(lines[0], r"^d2 NO \[UNAVAILABLE\] \S")
        # The connection is still there and still answers what needs no
        # database.
        self.assertRegex(conn.request("d3", "NOOP")[-1], r"^d3 OK ")
        # A new connection is greeted; its login cannot be checked, which
        # must not look like (or count as) a wrong password.
        with inst.connect() as fresh:
            lines = fresh.request("d4", "LOGIN %s %s" % (HEAD, quote(DEMO_PW)))
            self.assertEqual(len(lines), 1, lines)
            self.assertRegex(lines[0], r"^d4 NO \[UNAVAILABLE\] \S")
            lines = fresh.request("d5", "RESUME " + token)
            self.assertRegex(lines[-1], r"^d5 NO \[UNAVAILABLE\] \S")

        # The outage lasting is the point: sccd's reconnect backoff (0.1 s,
        # doubling) grows to seconds, and the requests below must not wait
        # it out. There is nothing to poll for, so this is a fixed sleep.
        time.sleep(6)
        inst.pg_start()

        # pg_ctl start -w has returned: the database takes connections, so
        # the first request on any connection, on either loop thread, must
        # be served at once rather than after a reconnect backoff.
        lines = conn.request("e1", "WHOAMI")
        self.assertRegex(lines[-1], r"^e1 OK ", lines)
        self.assertEqual(parse_fields(lines[0]).get("login"), HEAD)
        # The session survived the outage; a connection opened during the
        # outage works too, and so do new ones.
        lines = spare.request("f1", "RESUME " + token)
        self.assertRegex(lines[-1], r"^f1 OK \[ROLE headteacher\] ")
        for i in range(6):
            with inst.connect() as fresh:
                lines = fresh.request("f%d" % (i + 2), "RESUME " + token)
                self.assertRegex(lines[-1],
                                 r"^f%d OK \[ROLE headteacher\] " % (i + 2))


class TestSignals(unittest.TestCase):

    def test_sighup_keeps_serving(self):
        import signal
        conn, _ = inst.login(HEAD, DEMO_PW)
        with conn:
            mark = inst.log_mark()
            inst.proc.send_signal(signal.SIGHUP)
            # Handled, whatever its outcome: "reloaded ..." or "reload: ...".
            inst.wait_for_log(b"reload", since=mark)
            self.assertIsNone(inst.proc.poll(), "sccd died on SIGHUP")
            self.assertRegex(conn.request("h1", "WHOAMI")[-1], r"^h1 OK ")
            with inst.connect() as fresh:
                self.assertTrue(fresh.is_open())

    def test_zz_sigterm_stops_cleanly(self):
        # Last test of the run on this instance: stop it for real.
        import os
        proc = inst.proc
        conn = inst.connect()
        with conn:
            proc.terminate()
            try:
                code = proc.wait(20)
            except Exception:
                proc.kill()
                raise
            self.assertEqual(code, 0, inst.logs())
            conn.expect_closed(timeout=5)
        inst.stop()
        # sccd stopped its PostgreSQL on the way out.
        pid = os.path.join(inst.pgdata, "postmaster.pid")
        instance.wait_until(lambda: not os.path.exists(pid), 10,
                            "PostgreSQL to stop (%s to go)" % pid)


if __name__ == "__main__":
    unittest.main()
