"""sccd serve --db: a database sccd does not run itself.

Before serving, sccd checks that the database has every api function its
command table routes to, and that it was not given a role that can do more
than call them. A database that never answers is given up on after the
connect timeout, and the client hears UNAVAILABLE rather than waiting.
"""

import os
import re
import socket
import subprocess
import threading
import time
import unittest

import instance
from scc_driver import quote

ADMIN_PW = instance.ADMIN_PASSWORD
PG_PORT = 5432          # the embedded cluster's (server/pgctl.h)

inst = None


def setUpModule():
    global inst
    inst = instance.Instance(demo=False)
    inst.pg_start()


def tearDownModule():
    if inst is not None:
        inst.pg_ctl("-m", "fast", "-w", "stop", check=False)
        inst.remove()


def conninfo(user, extra=""):
    return "host=%s port=%d dbname=scc user=%s %s" % (
        os.path.join(inst.dir, "run"), PG_PORT, user, extra)


def psql(sql):
    inst.psql(sql)


class Served:
    """sccd serve --db CONNINFO on a free port, its output kept."""

    def __init__(self, db):
        self.port = instance.free_port()
        self.proc = subprocess.Popen(
            [instance.SCCD, "serve", "--db", db,
             "--cert", os.path.join(inst.dir, "tls", "server.crt"),
             "--key", os.path.join(inst.dir, "tls", "server.key"),
             "--listen", "127.0.0.1:%d" % self.port],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT)
        self.output = None

    def exit_output(self, timeout=60):
        """Wait for it to exit: (status, output)."""
        if self.output is None:
            out, _ = self.proc.communicate(timeout=timeout)
            self.output = out.decode("utf-8", "replace")
        return self.proc.returncode, self.output

    def connect(self, **kw):
        return instance.scc_driver.connect(inst.ca, self.port, **kw)

    def wait_greeting(self):
        def greets():
            if self.proc.poll() is not None:
                raise AssertionError("sccd exited: %s" % self.exit_output()[1])
            self.connect(timeout=3).close()
            return True
        instance.wait_until(greets, 30, "sccd --db to greet", interval=0.2,
                            retry_on=(OSError, TimeoutError))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.exit_output(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.exit_output()


class TestServeDb(unittest.TestCase):

    def test_serves_as_the_api_role_with_its_options(self):
        # The operator's options are kept alongside sccd's own.
        s = Served(conninfo("scc_app", "options='-c work_mem=8MB'"))
        try:
            s.wait_greeting()
            with s.connect() as c:
                line = c.request("a1", "LOGIN %s %s"
                                 % (inst.admin, quote(ADMIN_PW)))[-1]
                self.assertRegex(line, r"^a1 OK \[ROLE lead_officer\] ")
                self.assertRegex(c.request("a2", "WHOAMI")[-1], r"^a2 OK ")
        finally:
            s.stop()

    def test_an_event_crosses_instances(self):
        """Two sccd serving one database they do not run: a change made
        through one reaches a client watching on the other."""
        a, b = Served(conninfo("scc_app")), Served(conninfo("scc_app"))
        try:
            a.wait_greeting()
            b.wait_greeting()
            with a.connect() as ca, b.connect() as cb:
                ca.request("a1", "LOGIN %s %s" % (inst.admin, quote(ADMIN_PW)))
                lines = ca.request("a2", "USER ADD login=db.lead2 name=Two "
                                   "role=lead_officer")
                secret = [l for l in lines if l.startswith("* SECRET")][0]
                secret = secret.split("password=", 1)[1]
                cb.request("b1", "LOGIN db.lead2 %s" % quote(secret))
                self.assertRegex(cb.request("b2", "PASSWORD %s %s" % (
                    quote(secret), quote("second lead pass 9")))[-1],
                    r"^b2 OK")
                self.assertRegex(cb.request("b3", "WATCH on")[-1], r"^b3 OK")
                line = ca.request("a3", "SCHOOL ADD urn=990001 "
                                  "name=\"Db School\" phase=primary")[0]
                school = re.search(r" id=(\d+)", line).group(1)
                for i, area in enumerate(("attendance", "finance")):
                    self.assertRegex(ca.request(
                        "r%d" % i, "ALERT RAISE %s area=%s text=x "
                        "severity=high" % (school, area))[-1], r" OK")
                whats = []
                for _ in range(3):
                    line = cb.read_line(timeout=10)
                    self.assertRegex(line, r"^\* EVENT id=\d+ what=\S+ "
                                     r"school=%s " % school)
                    whats.append(line.split()[3])
                self.assertEqual(sorted(whats), [
                    "what=alert.raise", "what=alert.raise",
                    "what=school.shared_concern"])
        finally:
            a.stop()
            b.stop()

    def test_a_record_that_cannot_be_written_is_internal(self):
        # A record must start with its type; one whose type is NULL cannot
        # be written. The answer is NO [INTERNAL id], the connection goes on.
        psql("ALTER FUNCTION api.whoami(bytea) RENAME TO whoami_gone; "
             "CREATE FUNCTION api.whoami(p bytea) "
             "RETURNS TABLE (rec text, id bigint) LANGUAGE sql "
             "SECURITY DEFINER AS 'SELECT NULL::text, 1::bigint'; "
             "GRANT EXECUTE ON FUNCTION api.whoami(bytea) TO scc_api")
        s = Served(conninfo("scc_app"))
        try:
            s.wait_greeting()
            with s.connect() as c:
                line = c.request("a1", "LOGIN %s %s"
                                 % (inst.admin, quote(ADMIN_PW)))[-1]
                self.assertRegex(line, r"^a1 OK ")
                lines = c.request("a2", "WHOAMI")
                self.assertEqual(len(lines), 1, lines)
                self.assertRegex(lines[0], r"^a2 NO \[INTERNAL [0-9a-f]{16}\] ")
                self.assertRegex(c.request("a3", "NOOP")[-1], r"^a3 OK ")
        finally:
            s.stop()
            psql("DROP FUNCTION api.whoami(bytea); "
                 "ALTER FUNCTION api.whoami_gone(bytea) RENAME TO whoami")
        _, out = s.exit_output()
        self.assertRegex(out, r"WHOAMI: internal error [0-9a-f]{16}: record 1 "
                         r"of 1 could not be written")

    def test_refuses_the_owner_of_the_schema(self):
        code, out = Served(conninfo("scc_owner")).exit_output()
        self.assertNotEqual(code, 0, out)
        self.assertIn("refusing to serve", out)
        self.assertIn("superuser", out)
        self.assertIn("owns the scc or api schema", out)

    def test_refuses_a_database_missing_a_command(self):
        psql("ALTER FUNCTION api.whoami(bytea) RENAME TO whoami_gone")
        try:
            code, out = Served(conninfo("scc_app")).exit_output()
        finally:
            psql("ALTER FUNCTION api.whoami_gone(bytea) RENAME TO whoami")
        self.assertNotEqual(code, 0, out)
        self.assertIn("does not match the command table", out)
        self.assertIn("api.whoami is missing", out)

    def test_refuses_a_function_of_the_wrong_arity(self):
        psql("ALTER FUNCTION api.whoami(bytea) RENAME TO whoami_gone; "
             "CREATE FUNCTION api.whoami(bytea, int) RETURNS int "
             "LANGUAGE sql RETURN 1; "
             "GRANT EXECUTE ON FUNCTION api.whoami(bytea, int) TO scc_api")
        try:
            code, out = Served(conninfo("scc_app")).exit_output()
        finally:
            psql("DROP FUNCTION api.whoami(bytea, int); "
                 "ALTER FUNCTION api.whoami_gone(bytea) RENAME TO whoami")
        self.assertNotEqual(code, 0, out)
        self.assertIn("api.whoami does not take 1 arguments", out)


class Silent:
    """A TCP listener that accepts and never says a word: a database host
    that is there for TCP and gone for everything else."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.held = []
        self.stopping = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stopping:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self):
        self.stopping = True
        self.sock.close()
        for c in self.held:
            c.close()


class TestSilentDatabase(unittest.TestCase):

    def test_a_silent_database_is_given_up_on(self):
        silent = Silent()
        s = Served("host=127.0.0.1 port=%d dbname=scc user=scc_app "
                   "connect_timeout=2" % silent.port)
        try:
            # Start-up cannot check a database that does not answer: it
            # says so and serves (the pools keep trying).
            s.wait_greeting()
            with s.connect(timeout=40) as c:
                t0 = time.monotonic()
                lines = c.request("q1", "LOGIN someone %s" % quote("pw"))
                waited = time.monotonic() - t0
            self.assertRegex(lines[-1], r"^q1 NO \[UNAVAILABLE\] ", lines)
            # db_connect_timeout is 10 s by default: well before the
            # client's own patience runs out, and never a hang.
            self.assertLess(waited, 30)
        finally:
            s.stop()
            silent.close()
        _, out = s.exit_output()
        self.assertIn("not reachable yet", out)


if __name__ == "__main__":
    unittest.main()
