"""A raw TLS driver for the scc wire protocol, for the integration tests.

It speaks bytes, not meaning: tests write exactly what a hostile or a
careful client would send and look at exactly what comes back. Only the
standard library is used.
"""

import re
import socket
import ssl
import time

GREETING = "* OK [CAPABILITY scc/1 LITERAL+ WATCH] sccd ready"

# tag SP status [SP "[" code args "]"] SP text
COMPLETION_RE = re.compile(
    r"^(?P<tag>\S+) (?P<status>OK|NO|BAD)"
    r"(?: \[(?P<code>[A-Z]+)(?: (?P<args>[^\]]*))?\])? (?P<text>.*)$")
LITERAL_TAIL_RE = re.compile(rb"\{(\d+)\}$")
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")
ISO_TIME_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})$")


class Closed(Exception):
    """The server closed the connection; lines holds what came before."""

    def __init__(self, lines, why="closed"):
        super().__init__("connection %s after %r" % (why, lines[-5:]))
        self.lines = lines


def quote(value):
    """Write value as a quoted string of the protocol."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def client_context(ca=None, **kw):
    """A verifying client context trusting only ca (or the system store)."""
    ctx = ssl.create_default_context(cafile=ca) if ca else \
        ssl.create_default_context()
    for name, value in kw.items():
        setattr(ctx, name, value)
    return ctx


def parse_completion(line):
    """Split a completion line; None when it is not one."""
    m = COMPLETION_RE.match(line)
    return m.groupdict() if m else None


def parse_fields(line):
    """The name=value fields of a data line as a dict (values unquoted).

    Positional words (the record type) are skipped. Literal values are
    returned as the text that followed the {N} marker.
    """
    fields = {}
    i = 0
    n = len(line)
    while i < n:
        while i < n and line[i] == " ":
            i += 1
        m = re.compile(r"([A-Za-z0-9_]+)=").match(line, i)
        if not m:
            while i < n and line[i] != " ":
                i += 1
            continue
        name = m.group(1).lower()
        i = m.end()
        if i < n and line[i] == '"':
            i += 1
            out = []
            while i < n and line[i] != '"':
                if line[i] == "\\" and i + 1 < n:
                    i += 1
                out.append(line[i])
                i += 1
            i += 1
            fields[name] = "".join(out)
            continue
        lm = re.compile(r"\{(\d+)\}\r\n").match(line, i)
        if lm:
            size = int(lm.group(1))
            raw = line[lm.end():].encode("utf-8", "surrogateescape")
            fields[name] = raw[:size].decode("utf-8", "surrogateescape")
            i = lm.end() + len(fields[name])
            continue
        j = i
        while j < n and line[j] != " ":
            j += 1
        fields[name] = line[i:j]
        i = j
    return fields


class Conn:
    """One TLS connection to sccd."""

    def __init__(self, sock, timeout=10.0):
        self.sock = sock
        self.timeout = timeout
        self.buf = b""
        self.eof = False

    # -- sending --

    def send(self, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        self.sock.settimeout(self.timeout)
        self.sock.sendall(data)

    def request(self, tag, text):
        """Send one request line and return all its lines."""
        self.send("%s %s\r\n" % (tag, text))
        return self.read_until_tag(tag)

    # -- receiving --

    def _fill(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("no data from the server in time; have %r"
                               % self.buf[:200])
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(65536)
        except (socket.timeout, TimeoutError):
            raise TimeoutError("no data from the server in time; have %r"
                               % self.buf[:200])
        except (ssl.SSLError, ConnectionError, OSError):
            data = b""
        if not data:
            self.eof = True
        self.buf += data

    def _raw_line(self, deadline):
        while True:
            i = self.buf.find(b"\n")
            if i >= 0:
                line, self.buf = self.buf[:i + 1], self.buf[i + 1:]
                return line
            if self.eof:
                return None
            self._fill(deadline)

    def _raw_bytes(self, size, deadline):
        while len(self.buf) < size:
            if self.eof:
                return None
            self._fill(deadline)
        data, self.buf = self.buf[:size], self.buf[size:]
        return data

    def read_line(self, timeout=None):
        """One logical response line, CRLF removed, as str.

        A data line may carry literals: "... name={N}\\r\\n" then N octets,
        then the line goes on. Those are kept inside the returned line
        exactly as they came. Raises Closed at end of stream and
        TimeoutError when nothing complete arrives in time.
        """
        deadline = time.monotonic() + (timeout or self.timeout)
        out = b""
        while True:
            raw = self._raw_line(deadline)
            if raw is None:
                if out or self.buf:
                    raise Closed([(out + self.buf).decode("utf-8", "replace")],
                                 "closed mid-line")
                raise Closed([])
            body = raw[:-2] if raw.endswith(b"\r\n") else raw[:-1]
            m = LITERAL_TAIL_RE.search(body)
            first = out + body
            is_data = first.startswith(b"* ") and not re.match(
                rb"^\* (OK|NO|BAD|BYE)\b", first)
            if m and is_data:
                data = self._raw_bytes(int(m.group(1)), deadline)
                if data is None:
                    raise Closed([first.decode("utf-8", "replace")],
                                 "closed inside a literal")
                out = out + raw + data
                continue
            return (out + body).decode("utf-8", "surrogateescape")

    def read_until_tag(self, tag, timeout=None):
        """All lines up to and including tag's completion line."""
        lines = []
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            try:
                line = self.read_line(max(deadline - time.monotonic(), 0.01))
            except Closed as e:
                raise Closed(lines + e.lines)
            lines.append(line)
            c = parse_completion(line)
            if c and c["tag"] == tag:
                return lines

    def expect_closed(self, timeout=5.0):
        """Read until the server closes; return the lines it sent first.

        Raises AssertionError if the connection is still open after timeout.
        """
        lines = []
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("connection still open after %.1fs; "
                                     "got %r" % (timeout, lines))
            try:
                lines.append(self.read_line(left))
            except Closed as e:
                return lines + e.lines
            except TimeoutError:
                raise AssertionError("connection still open after %.1fs; "
                                     "got %r" % (timeout, lines))

    def is_open(self):
        """True when the connection answers a NOOP."""
        try:
            self.send("zz9 NOOP\r\n")
            lines = self.read_until_tag("zz9", timeout=5)
        except (Closed, OSError, TimeoutError):
            return False
        return lines[-1].startswith("zz9 OK")

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def connect(ca, port, host="127.0.0.1", server_hostname="localhost",
            context=None, timeout=10.0, greeting=True, source=None):
    """Open a TLS connection; with greeting, read and check the greeting.

    source is a local address to connect from (e.g. "127.0.0.2").
    """
    ctx = context or client_context(ca)
    raw = socket.create_connection((host, port), timeout=timeout,
                                   source_address=(source, 0) if source
                                   else None)
    try:
        sock = ctx.wrap_socket(raw, server_hostname=server_hostname)
    except BaseException:
        raw.close()
        raise
    conn = Conn(sock, timeout)
    if greeting:
        line = conn.read_line()
        if line != GREETING:
            conn.close()
            raise AssertionError("bad greeting %r" % line)
    return conn
