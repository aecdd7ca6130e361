"""Framing: malformed and hostile input.

Each hostile request is followed by a check that the server is still
sane: the same connection still answers (or, after a BYE, a new connection
does) and the data is unchanged (the user still logs in and is who they
were).
"""

import os
import re
import unittest

import instance
import scc_driver
from scc_driver import Closed, parse_completion, quote

inst = None
USER = "head.oakfield"
PASSWORD = instance.DEMO_PASSWORD


def setUpModule():
    global inst
    inst = instance.default()


class FramingCase(unittest.TestCase):

    def setUp(self):
        self.conn = inst.connect()

    def tearDown(self):
        self.conn.close()

    def assertLine(self, line, pattern):
        self.assertRegex(line, pattern)

    def assertCompletion(self, lines, tag, status, code=None):
        c = parse_completion(lines[-1])
        self.assertIsNotNone(c, "not a completion: %r" % lines)
        self.assertEqual((c["tag"], c["status"]), (tag, status),
                         "lines: %r" % lines)
        if code is not None:
            self.assertEqual(c["code"], code, "lines: %r" % lines)
        self.assertTrue(c["text"], "completion without text: %r" % lines)
        return c

    def assertStillWorks(self, conn=None):
        """The connection answers, and the user's data is as it was."""
        conn = conn or self.conn
        lines = conn.request("ok1", "NOOP")
        self.assertCompletion(lines, "ok1", "OK")
        lines = conn.request("ok2", "LOGIN %s %s" % (USER, quote(PASSWORD)))
        self.assertCompletion(lines, "ok2", "OK", "ROLE")
        lines = conn.request("ok3", "WHOAMI")
        self.assertCompletion(lines, "ok3", "OK")
        self.assertEqual(len(lines), 2, lines)
        f = scc_driver.parse_fields(lines[0])
        self.assertTrue(lines[0].startswith("* USER "), lines)
        self.assertEqual(f.get("login"), USER)
        self.assertEqual(f.get("role"), "headteacher")

    def assertBye(self, pattern=r"^\* BYE \[TOOBIG\] \S"):
        """The server says BYE and closes; then a new connection works."""
        lines = self.conn.expect_closed(timeout=10)
        self.assertTrue(lines, "closed without a BYE")
        self.assertRegex(lines[-1], pattern, "lines: %r" % lines)
        with inst.connect() as fresh:
            self.assertStillWorks(fresh)


class TestSyntax(FramingCase):

    def test_unknown_command_is_bad(self):
        lines = self.conn.request("a1", "FROBNICATE now")
        self.assertEqual(len(lines), 1, lines)
        self.assertCompletion(lines, "a1", "BAD")
        self.assertStillWorks()

    def test_command_is_case_insensitive(self):
        lines = self.conn.request("a1", "noop")
        self.assertCompletion(lines, "a1", "OK")
        lines = self.conn.request("a2", "CapaBility")
        self.assertRegex(lines[0], r"^\* CAPABILITY scc/1( |$)")
        self.assertCompletion(lines, "a2", "OK")

    def test_bare_lf_accepted(self):
        self.conn.send("a1 NOOP\n")
        self.assertCompletion(self.conn.read_until_tag("a1"), "a1", "OK")

    def test_tag_only_is_bad(self):
        self.conn.send("a1\r\n")
        lines = self.conn.read_until_tag("a1")
        self.assertCompletion(lines, "a1", "BAD")
        self.assertStillWorks()

    def test_unterminated_quote_is_bad(self):
        lines = self.conn.request("a1", 'LOGIN %s "no end' % USER)
        self.assertCompletion(lines, "a1", "BAD")
        self.assertStillWorks()

    def test_bad_tag_gets_untagged_bad(self):
        for tag in ("a" * 33, "a!b", "{3}"):
            self.conn.send("%s NOOP\r\n" % tag)
            line = self.conn.read_line()
            self.assertRegex(line, r"^\* BAD \S", "tag %r" % tag)
        self.assertStillWorks()

    def test_longest_tag_accepted(self):
        tag = "A.b-C_9" * 4 + "abcd"       # 32 characters
        self.assertEqual(len(tag), 32)
        self.assertCompletion(self.conn.request(tag, "NOOP"), tag, "OK")

    def test_invalid_utf8_is_bad(self):
        for bad in (b"\xff\xfe", b"\xc0\xaf", b"\xed\xa0\x80", b"\xe2\x82"):
            self.conn.send(b"a1 LOGIN " + USER.encode() + b' "x' + bad
                           + b'y"\r\n')
            lines = self.conn.read_until_tag("a1")
            self.assertEqual(len(lines), 1, lines)
            self.assertCompletion(lines, "a1", "BAD")
        self.assertStillWorks()

    def test_invalid_utf8_in_tag_position(self):
        self.conn.send(b"\xff\xfe NOOP\r\n")
        self.assertRegex(self.conn.read_line(), r"^\* BAD \S")
        self.assertStillWorks()

    def test_bare_cr_is_bad(self):
        self.conn.send(b"a1 NOOP\rX\r\n")
        lines = self.conn.read_until_tag("a1")
        self.assertCompletion(lines, "a1", "BAD")
        self.assertStillWorks()

    def test_nul_is_bad(self):
        self.conn.send(b"a1 LOGIN " + USER.encode() + b" pass\x00word\r\n")
        lines = self.conn.read_until_tag("a1")
        self.assertCompletion(lines, "a1", "BAD")
        self.conn.send(b"a2 NO\x00OP\r\n")
        lines = self.conn.read_until_tag("a2")
        self.assertCompletion(lines, "a2", "BAD")
        self.assertStillWorks()

    def test_missing_argument_named(self):
        lines = self.conn.request("a1", "LOGIN %s" % USER)
        self.assertEqual(len(lines), 1, lines)
        c = self.assertCompletion(lines, "a1", "NO", "INVALID")
        self.assertEqual(c["args"], "password")
        self.assertStillWorks()

    def test_malformed_argument_named(self):
        lines = self.conn.request("a1", "RESUME not-a-token")
        c = self.assertCompletion(lines, "a1", "NO", "INVALID")
        self.assertEqual(c["args"], "token")

    def test_unknown_named_argument(self):
        lines = self.conn.request(
            "a1", "LOGIN %s %s colour=blue" % (USER, quote(PASSWORD)))
        self.assertEqual(len(lines), 1, lines)
        c = self.assertCompletion(lines, "a1", "NO", "INVALID")
        self.assertEqual(c["args"], "colour")
        # Refused: nothing happened, so we are not logged in.
        lines = self.conn.request("a2", "WHOAMI")
        self.assertCompletion(lines, "a2", "NO", "AUTHREQUIRED")

    def test_too_many_arguments(self):
        args = " ".join("x%d" % i for i in range(65))
        lines = self.conn.request("a1", "LOGIN " + args)
        self.assertEqual(len(lines), 1, lines)
        self.assertCompletion(lines, "a1", "BAD", "TOOBIG")
        self.assertStillWorks()

    def test_quoted_escapes_roundtrip_password(self):
        # A password with quote, backslash, space and non-ASCII: quoting
        # must be undone exactly, else this user could not log in.
        login = "quote.officer"
        password = 'p "q" \\ r \u00e9\u4e2d'
        inst.add_authority(login, password)
        lines = self.conn.request("a1", "LOGIN %s %s" % (login,
                                                         quote(password)))
        self.assertCompletion(lines, "a1", "OK", "ROLE")


class TestLiterals(FramingCase):

    def test_sync_literal_login(self):
        pw = PASSWORD.encode()
        self.conn.send("a1 LOGIN %s {%d}\r\n" % (USER, len(pw)))
        self.assertRegex(self.conn.read_line(), r"^\+ ")
        self.conn.send(pw + b"\r\n")
        lines = self.conn.read_until_tag("a1")
        self.assertCompletion(lines, "a1", "OK", "ROLE")

    def test_nonsync_literal_login(self):
        pw = PASSWORD.encode()
        self.conn.send(b"a1 LOGIN {%d+}\r\n%s {%d+}\r\n%s\r\n"
                       % (len(USER), USER.encode(), len(pw), pw))
        lines = self.conn.read_until_tag("a1")
        self.assertCompletion(lines, "a1", "OK", "ROLE")

    def test_literal_smuggling_unknown_command(self):
        # The 5 octets "a2 X\r" are literal data of a1, never a request.
        self.conn.send(b"a1 FOO {5+}\r\na2 X\r\n")
        self.conn.send(b"a3 NOOP\r\n")
        lines = self.conn.read_until_tag("a3")
        tags = [l.split(" ", 1)[0] for l in lines]
        self.assertNotIn("a2", tags, lines)
        self.assertEqual(tags, ["a1", "a3"], lines)
        self.assertCompletion(lines[:1], "a1", "BAD")
        self.assertCompletion(lines, "a3", "OK")
        self.assertStillWorks()

    def test_literal_smuggling_logout(self):
        # A refused command's {N+} octets hold a whole request: it must be
        # swallowed, so the connection stays open and logged in.
        self.assertCompletion(
            self.conn.request("a0", "LOGIN %s %s" % (USER, quote(PASSWORD))),
            "a0", "OK", "ROLE")
        smuggled = b"a2 LOGOUT all\r\n"
        self.conn.send(b"a1 NOOP {%d+}\r\n%s\r\n" % (len(smuggled), smuggled))
        lines = self.conn.read_until_tag("a1")
        self.assertEqual(len(lines), 1, lines)
        c = parse_completion(lines[0])
        self.assertIn(c["status"], ("NO", "BAD"), lines)
        lines = self.conn.request("a3", "WHOAMI")
        self.assertTrue(lines[0].startswith("* USER "), lines)
        self.assertCompletion(lines, "a3", "OK")

    def test_refused_sync_literal_then_next_request(self):
        self.conn.send("a1 LOGIN %s {5000000}\r\n" % USER)
        lines = self.conn.read_until_tag("a1", timeout=5)
        self.assertEqual(len(lines), 1, lines)     # no "+ OK" first
        self.assertCompletion(lines, "a1", "NO", "TOOBIG")
        # The client sends no octets; the next line is a new request.
        self.assertCompletion(self.conn.request("a2", "NOOP"), "a2", "OK")
        self.assertStillWorks()

    def test_largest_nonsync_literal_consumed(self):
        data = b"a9 LOGOUT\r\n" * 372 + b"abcd"
        self.assertEqual(len(data), 4096)
        self.conn.send(b"a1 NOOP {4096+}\r\n" + data + b"\r\n")
        lines = self.conn.read_until_tag("a1")
        self.assertEqual(len(lines), 1, lines)
        self.assertIn(parse_completion(lines[0])["status"], ("NO", "BAD"))
        self.assertStillWorks()

    def test_nonsync_literal_over_limit_bye(self):
        self.conn.send(b"a1 LOGIN x {4097+}\r\n")
        self.assertBye()

    def test_nonsync_literal_count_overflow_bye(self):
        self.conn.send(b"a1 LOGIN x {18446744073709551616+}\r\n")
        self.assertBye()

    def test_nonsync_literal_huge_count_bye(self):
        self.conn.send(b"a1 LOGIN x {99999999999999999999999999999+}\r\n")
        self.assertBye()

    def test_sync_literal_count_overflow_bye(self):
        self.conn.send(b"a1 LOGIN x {18446744073709551616}\r\n")
        self.assertBye()


class TestHostile(FramingCase):

    def test_line_at_limit_accepted(self):
        head = b"a1 NOOP "
        line = head + b"x" * (8192 - len(head) - 2) + b"\r\n"
        self.assertEqual(len(line), 8192)
        self.conn.send(line)
        lines = self.conn.read_until_tag("a1")
        self.assertEqual(len(lines), 1, lines)
        self.assertRegex(lines[0], r"^a1 (NO|BAD) ")
        self.assertStillWorks()

    def test_line_over_limit_bye(self):
        head = b"a1 NOOP "
        line = head + b"x" * (8193 - len(head) - 2) + b"\r\n"
        self.assertEqual(len(line), 8193)
        self.conn.send(line)
        self.assertBye()

    def test_long_line_without_newline_bye(self):
        # The server must not wait for the end of a line it will refuse.
        self.conn.send(b"a1 NOOP " + b"x" * 12000)
        self.assertBye()

    def test_http_get_probe(self):
        self.conn.send(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        self.assertBye(r"^\* BYE (\[[A-Z]+\] )?\S")

    def test_http_post_probe(self):
        self.conn.send(b"POST /x HTTP/1.1\r\nHost: localhost\r\n"
                       b"Content-Length: 0\r\n\r\n")
        self.assertBye(r"^\* BYE (\[[A-Z]+\] )?\S")

    def test_pipelining_order(self):
        pw = quote(PASSWORD)
        plan = [("p00", "NOOP"), ("p01", "WHOAMI"),
                ("p02", "LOGIN %s %s" % (USER, pw)), ("p03", "WHOAMI"),
                ("p04", "CAPABILITY"), ("p05", "FROB"), ("p06", "WHOAMI"),
                ("p07", "LOGIN %s wrong-password" % USER),
                ("p08", "WHOAMI"), ("p09", "NOOP"),
                ("p10", "LOGIN %s %s" % (USER, pw)), ("p11", "CAPABILITY"),
                ("p12", "WHOAMI"), ("p13", "RESUME " + "A" * 43),
                ("p14", "WHOAMI"), ("p15", "NOOP"), ("p16", "CAPABILITY"),
                ("p17", "LOGIN %s" % USER), ("p18", "WHOAMI"),
                ("p19", "NOOP")]
        self.assertEqual(len(plan), 20)
        self.conn.send("".join("%s %s\r\n" % p for p in plan))
        lines = self.conn.read_until_tag("p19", timeout=30)
        groups = []
        cur = []
        for line in lines:
            cur.append(line)
            if parse_completion(line):
                groups.append(cur)
                cur = []
        self.assertEqual([g[-1].split(" ")[0] for g in groups],
                         [t for t, _ in plan], lines)
        untagged = {t: [l.split(" ")[1] for l in g[:-1]]
                    for (t, _), g in zip(plan, groups)}
        status = {t: parse_completion(g[-1])["status"]
                  for (t, _), g in zip(plan, groups)}
        for t, cmd in plan:
            word = cmd.split(" ")[0]
            if word == "CAPABILITY":
                self.assertEqual(untagged[t], ["CAPABILITY"], t)
            elif word == "LOGIN" and status[t] == "OK":
                self.assertEqual(untagged[t], ["SESSION"], t)
            elif word == "WHOAMI" and status[t] == "OK":
                self.assertEqual(untagged[t], ["USER"], t)
            else:
                self.assertEqual(untagged[t], [], t)
        # A failed LOGIN changes nothing, so the session from p02 carries
        # on through p07; a bad RESUME leaves the p10 session in place.
        self.assertEqual(
            [status[t] for t, _ in plan],
            ["OK", "NO", "OK", "OK", "OK", "BAD", "OK", "NO", "OK", "OK",
             "OK", "OK", "OK", "NO", "OK", "OK", "OK", "NO", "OK", "OK"],
            lines)


if __name__ == "__main__":
    unittest.main()


class TestEagerClient(unittest.TestCase):
    """Requests that arrive together with the end of the TLS handshake,
    before the greeting was read, are answered all the same."""

    def read_until(self, proc, prefix, timeout=10):
        import select
        import time
        lines, buf = [], b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r, _, _ = select.select([proc.stdout], [], [], 0.2)
            if not r:
                continue
            chunk = os.read(proc.stdout.fileno(), 4096)
            if not chunk:
                break
            buf += chunk
            while b"\r\n" in buf:
                line, buf = buf.split(b"\r\n", 1)
                lines.append(line.decode())
                if line.decode().startswith(prefix):
                    return lines
        self.fail("no %r within %ds: %r" % (prefix, timeout, lines))

    def test_requests_sent_with_the_handshake(self):
        import subprocess
        script = ("a1 NOOP\r\na2 LOGIN %s %s\r\na3 WHOAMI\r\n"
                  % (USER, quote(PASSWORD)))
        # s_client writes its standard input as soon as the handshake is
        # done, in the same flight as its Finished message.
        for _ in range(3):
            p = subprocess.Popen(
                ["openssl", "s_client", "-quiet", "-connect",
                 "127.0.0.1:%d" % inst.port, "-CAfile", inst.ca,
                 "-verify_hostname", "localhost", "-verify_return_error"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL)
            try:
                p.stdin.write(script.encode())
                p.stdin.flush()
                lines = self.read_until(p, "a3 ")
            finally:
                p.kill()
                p.wait()
            self.assertEqual(lines[0], scc_driver.GREETING)
            self.assertIn("a1 OK done", lines)
            self.assertRegex(lines[-1], r"^a3 OK ")
