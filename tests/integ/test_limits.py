"""Resource limits, each with small values in an instance of its own:
idle clients, slow senders, stalled handshakes, connections and failed
logins per address."""

import socket
import ssl
import time
import unittest

import instance
from scc_driver import Closed, parse_completion, quote

ADMIN_PW = instance.ADMIN_PASSWORD
IDLE = 5
LINE = 2
HANDSHAKE = 2
TIMEOUTS = {"idle_timeout": IDLE, "line_timeout": LINE,
            "handshake_timeout": HANDSHAKE, "login_max_address": 500}
PER_ADDRESS = {"max_per_address": 3, "login_max_address": 3}


def tearDownModule():
    instance.release("timeouts")
    instance.release("per-address")


def closed_within(conn, seconds):
    """Wait up to seconds for the server to close; (closed, lines)."""
    try:
        return True, conn.expect_closed(timeout=seconds)
    except AssertionError:
        return False, []


class TestTimeouts(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.inst = instance.shared("timeouts", TIMEOUTS, demo=False)

    def test_idle_client_disconnected_busy_one_kept(self):
        idle = self.inst.connect()
        # The idle clock starts at the connection, not after the login
        # (argon2id takes its time on a loaded machine).
        t0 = time.monotonic()
        busy, _ = self.inst.login(self.inst.admin, ADMIN_PW)
        closed_at = None
        seen = []
        n = 0
        try:
            while time.monotonic() - t0 < IDLE + 4:
                try:
                    seen.append(idle.read_line(timeout=1.0))
                except Closed:
                    closed_at = time.monotonic() - t0
                    break
                except TimeoutError:
                    pass
                n += 1
                self.assertRegex(busy.request("b%d" % n, "NOOP")[-1],
                                 r"^b%d OK " % n)
            self.assertIsNotNone(closed_at, "idle client still connected "
                                 "after %ds" % (IDLE + 4))
            self.assertGreaterEqual(closed_at, IDLE - 1)
            for line in seen:
                self.assertRegex(line, r"^\* BYE ")
            # The busy client outlived idle_timeout and still works.
            self.assertGreater(time.monotonic() - t0, IDLE - 1)
            self.assertRegex(busy.request("w1", "WHOAMI")[-1], r"^w1 OK ")
        finally:
            idle.close()
            busy.close()

    def test_slow_sender_disconnected(self):
        # One byte at a time, never a newline: active, so not idle, but the
        # line never ends.
        conn = self.inst.connect()
        t0 = time.monotonic()
        closed_at = None
        payload = b"a1 NOOP " + b"x" * 100
        try:
            for i in range(len(payload)):
                try:
                    conn.send(payload[i:i + 1])
                    conn.read_line(timeout=0.3)
                except TimeoutError:
                    continue
                except (Closed, OSError, ssl.SSLError):
                    closed_at = time.monotonic() - t0
                    break
                if time.monotonic() - t0 > IDLE + 2:
                    break
            self.assertIsNotNone(closed_at, "slow sender still connected")
            self.assertGreaterEqual(closed_at, LINE - 0.5)
            # Closed by the line deadline, well before idle_timeout could.
            self.assertLess(closed_at, LINE + 2.5)
        finally:
            conn.close()
        with self.inst.connect() as fresh:
            self.assertTrue(fresh.is_open())

    def test_slow_lines_that_end_are_fine(self):
        # Each line takes less than line_timeout; together they take more.
        with self.inst.connect() as conn:
            t0 = time.monotonic()
            for n in range(3):
                line = b"s%d NOOP\r\n" % n
                for i in range(len(line)):
                    conn.send(line[i:i + 1])
                    # Sending slowly is the test: each line takes 0.6 of
                    # line_timeout, all three together more than it.
                    time.sleep(LINE * 0.6 / len(line))
                lines = conn.read_until_tag("s%d" % n)
                self.assertRegex(lines[-1], r"^s%d OK " % n)
            self.assertGreater(time.monotonic() - t0, LINE)

    def test_stalled_handshake_disconnected(self):
        s = socket.create_connection(("127.0.0.1", self.inst.port), 5)
        t0 = time.monotonic()
        s.settimeout(HANDSHAKE + 3)
        try:
            data = s.recv(100)
        except socket.timeout:
            self.fail("no TLS handshake, still connected after %ds"
                      % (HANDSHAKE + 3))
        except ConnectionError:
            data = b""
        finally:
            s.close()
        elapsed = time.monotonic() - t0
        self.assertEqual(data, b"")
        self.assertGreaterEqual(elapsed, HANDSHAKE - 1)


class TestPerAddress(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.inst = instance.shared("per-address", PER_ADDRESS, demo=False)

    def connect_when_free(self, **kw):
        """Connect, retrying while earlier connections are being torn down."""
        return instance.wait_until(
            lambda: self.inst.connect(**kw), 10, "a connection slot",
            interval=0.3, retry_on=(OSError, ssl.SSLError, AssertionError,
                                    Closed, TimeoutError))

    def test_a_connections_per_address(self):
        conns = [self.connect_when_free() for _ in range(3)]
        try:
            refused = None
            try:
                extra = self.inst.connect(greeting=False)
            except (OSError, ssl.SSLError):
                refused = []       # closed during the handshake
            if refused is None:
                with extra:
                    try:
                        refused = extra.expect_closed(timeout=5)
                    except AssertionError:
                        self.fail("4th connection from one address open")
                if refused:
                    self.assertRegex(refused[0], r"^\* BYE \[LIMIT\] \S",
                                     refused)
                    self.assertEqual(len(refused), 1, refused)
            for c in conns:
                self.assertTrue(c.is_open())
            # Another address is not limited by this one's connections.
            with self.inst.connect(source="127.0.0.2") as other:
                self.assertTrue(other.is_open())
            conns.pop().close()
            with self.connect_when_free() as again:
                self.assertTrue(again.is_open())
        finally:
            for c in conns:
                c.close()

    def test_b_failed_logins_per_address(self):
        with self.connect_when_free() as conn:
            for i in range(3):
                lines = conn.request("a%d" % i, "LOGIN ghost%d %s"
                                     % (i, quote("nope")))
                self.assertRegex(lines[-1], r"^a%d NO \[AUTHFAILED\] " % i)
            lines = conn.request("b1", "LOGIN %s %s"
                                 % (self.inst.admin, quote(ADMIN_PW)))
            self.assertEqual(len(lines), 1, lines)
            self.assertRegex(lines[0],
                             r"^b1 NO \[(LOCKED [1-9][0-9]*|LIMIT)\] \S")
        # Only that address is held back.
        conn = self.connect_when_free(source="127.0.0.2")
        with conn:
            lines = conn.request("c1", "LOGIN %s %s"
                                 % (self.inst.admin, quote(ADMIN_PW)))
            self.assertRegex(lines[-1], r"^c1 OK \[ROLE lead_officer\] ")


if __name__ == "__main__":
    unittest.main()
