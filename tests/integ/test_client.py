"""The real scc client against a real sccd.

Exit codes: 0 ok, 1 refused, 2 usage, 3 connection/TLS failure, 4 not
logged in or session expired. Each test gets its own HOME and
XDG_STATE_HOME, so tokens never leak between tests.
"""

import json
import os
import pty
import shutil
import socket
import stat
import subprocess
import tempfile
import time
import unittest

import instance

inst = None
HEAD = "head.oakfield"
DEMO_PW = instance.DEMO_PASSWORD
ADMIN_PW = instance.ADMIN_PASSWORD


def setUpModule():
    global inst
    inst = instance.default()


def find_dicts(obj):
    """Every dict inside a parsed JSON value."""
    if isinstance(obj, dict):
        yield obj
        for v in obj.values():
            yield from find_dicts(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from find_dicts(v)


def loopback_alias():
    """A host name other than localhost that resolves to 127.0.0.1."""
    for name in (socket.gethostname(), "localhost.localdomain"):
        if name in ("localhost", "127.0.0.1", ""):
            continue
        try:
            addrs = {a[4][0] for a in socket.getaddrinfo(name, 1)}
        except OSError:
            continue
        if addrs == {"127.0.0.1"}:
            return name
    return None


class Home:
    """One user's machine: a home and state directory of its own."""

    def __init__(self, i):
        self.inst = i
        self.dir = tempfile.mkdtemp(prefix="scc-client-")
        self.state = os.path.join(self.dir, "state")
        os.mkdir(self.state)

    def env(self, **extra):
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("SCC_") or k in ("SCC_INTEG_KEEP",)}
        env.update(HOME=self.dir, XDG_STATE_HOME=self.state,
                   XDG_CONFIG_HOME=os.path.join(self.dir, "config"),
                   LC_ALL="C.UTF-8")
        env.update(extra)
        return env

    def run(self, *args, stdin=None, flags=True, env=None, timeout=30,
            cwd=None):
        argv = [instance.SCC]
        if flags:
            argv += ["-H", "localhost", "-p", str(self.inst.port),
                     "--ca", self.inst.ca]
        argv += list(args)
        r = subprocess.run(argv, input=(stdin or "").encode("utf-8"),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=env or self.env(), timeout=timeout, cwd=cwd)
        r.out = r.stdout.decode("utf-8", "replace")
        r.err = r.stderr.decode("utf-8", "replace")
        return r

    def login(self, user, password):
        return self.run("-u", user, "login", stdin=password + "\n")

    def run_on_terminal(self, *args, stdin=None, env=None, timeout=30):
        """scc with its standard output on a pseudo-terminal: (exit
        status, what it wrote there)."""
        master, slave = pty.openpty()
        try:
            argv = [instance.SCC, "-H", "localhost", "-p",
                    str(self.inst.port), "--ca", self.inst.ca] + list(args)
            p = subprocess.run(argv, stdout=slave, stderr=subprocess.PIPE,
                               input=(stdin or "").encode("utf-8"),
                               env=env or self.env(), timeout=timeout)
            os.close(slave)
            slave = None
            out = b""
            while True:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                out += chunk
            return p.returncode, out.decode("utf-8", "replace")
        finally:
            if slave is not None:
                os.close(slave)
            os.close(master)

    def token_files(self):
        found = []
        for root, dirs, files in os.walk(os.path.join(self.state, "scc")):
            found += [os.path.join(root, f) for f in files]
        return found

    def remove(self):
        shutil.rmtree(self.dir, ignore_errors=True)


class ClientCase(unittest.TestCase):

    def setUp(self):
        self.homes = []

    def tearDown(self):
        for h in self.homes:
            h.remove()

    def home(self, i=None):
        h = Home(i or inst)
        self.homes.append(h)
        return h

    def assertExit(self, r, code):
        self.assertEqual(r.returncode, code,
                         "exit %d, stdout %r, stderr %r"
                         % (r.returncode, r.out, r.err))

    def logged_in(self, user=HEAD, password=DEMO_PW, i=None):
        h = self.home(i)
        self.assertExit(h.login(user, password), 0)
        return h


class TestLogin(ClientCase):

    def test_login_whoami_table(self):
        h = self.logged_in()
        r = h.run("whoami")
        self.assertExit(r, 0)
        self.assertIn(HEAD, r.out)
        self.assertIn("headteacher", r.out)

    def test_login_user_as_argument(self):
        h = self.home()
        self.assertExit(h.run("login", HEAD, stdin=DEMO_PW + "\n"), 0)
        self.assertIn(HEAD, h.run("whoami").out)

    def test_login_from_environment(self):
        h = self.home()
        env = h.env(SCC_HOST="localhost", SCC_PORT=str(inst.port),
                    SCC_CA=inst.ca, SCC_USER=HEAD)
        r = h.run("login", stdin=DEMO_PW + "\n", flags=False, env=env)
        self.assertExit(r, 0)
        r = h.run("whoami", flags=False, env=env)
        self.assertExit(r, 0)
        self.assertIn(HEAD, r.out)

    def test_whoami_tsv(self):
        h = self.logged_in()
        r = h.run("--format", "tsv", "whoami")
        self.assertExit(r, 0)
        rows = [l.split("\t") for l in r.out.splitlines() if l]
        self.assertTrue(rows, r.out)
        self.assertTrue(any(HEAD in row for row in rows), r.out)
        self.assertTrue(any("headteacher" in row for row in rows), r.out)
        self.assertNotIn("\x1b", r.out)      # no colour in scripts

    def test_whoami_json(self):
        h = self.logged_in()
        r = h.run("--format", "json", "whoami")
        self.assertExit(r, 0)
        data = json.loads(r.out)
        users = [d for d in find_dicts(data) if d.get("login") == HEAD]
        self.assertTrue(users, r.out)
        self.assertEqual(users[0].get("role"), "headteacher")

    def test_token_file_private(self):
        h = self.logged_in()
        files = h.token_files()
        self.assertTrue(files, "no token file under %s/scc" % h.state)
        for f in files:
            mode = stat.S_IMODE(os.stat(f).st_mode)
            self.assertEqual(mode & 0o077, 0, "%s has mode %o" % (f, mode))
        for root, dirs, _ in os.walk(os.path.join(h.state, "scc")):
            mode = stat.S_IMODE(os.stat(root).st_mode)
            self.assertEqual(mode & 0o022, 0, "%s has mode %o" % (root, mode))
        # The password is never kept.
        for f in files:
            with open(f, "rb") as fh:
                self.assertNotIn(DEMO_PW.encode(), fh.read())

    def test_wrong_password_exit_1(self):
        user = inst.add_authority("cli.wrong")
        h = self.home()
        r = h.login(user, "not the password")
        self.assertExit(r, 1)
        self.assertFalse(h.token_files())
        self.assertExit(h.run("whoami"), 4)

    def test_not_logged_in_exit_4(self):
        self.assertExit(self.home().run("whoami"), 4)


class TestLogout(ClientCase):

    def test_logout(self):
        h = self.logged_in()
        self.assertExit(h.run("logout"), 0)
        self.assertExit(h.run("whoami"), 4)

    def test_logout_ends_session_on_server(self):
        h = self.logged_in()
        files = h.token_files()
        self.assertTrue(files, "no token file")
        saved = {}
        for f in files:
            with open(f, "rb") as fh:
                saved[f] = fh.read()
        self.assertExit(h.run("logout"), 0)
        # Put the old token back: the server must refuse it now.
        for f, data in saved.items():
            os.makedirs(os.path.dirname(f), exist_ok=True)
            with open(f, "wb") as fh:
                fh.write(data)
            os.chmod(f, 0o600)
        self.assertExit(h.run("whoami"), 4)

    def test_logout_all(self):
        user = inst.add_authority("cli.all")
        laptop = self.logged_in(user, ADMIN_PW)
        phone = self.logged_in(user, ADMIN_PW)
        other = self.logged_in()
        self.assertExit(phone.run("whoami"), 0)
        self.assertExit(laptop.run("logout", "--all"), 0)
        self.assertExit(phone.run("whoami"), 4)
        self.assertExit(laptop.run("whoami"), 4)
        self.assertExit(other.run("whoami"), 0)

    def test_expired_token_exit_4(self):
        idle = instance.shared("expiry", {"session_idle": 2,
                                          "login_max_address": 500},
                               demo=False)
        h = self.logged_in(idle.admin, ADMIN_PW, i=idle)
        self.assertExit(h.run("whoami"), 0)
        # Letting the session sit idle past session_idle is the test;
        # polling with whoami would keep it alive.
        time.sleep(3.2)
        r = h.run("whoami")
        self.assertExit(r, 4)


class TestErrors(ClientCase):

    def test_usage_exit_2(self):
        h = self.home()
        self.assertExit(h.run("--format", "xml", "whoami"), 2)
        self.assertExit(h.run("no-such-command-here"), 2)

    def test_connection_refused_exit_3(self):
        h = self.home()
        port = instance.free_port()
        r = h.run("-H", "localhost", "-p", str(port), "--ca", inst.ca,
                  "login", HEAD, stdin=DEMO_PW + "\n", flags=False)
        self.assertExit(r, 3)

    def test_untrusted_certificate_exit_3(self):
        h = self.home()
        other = self.home()
        # A CA that did not sign the server's certificate.
        ca = os.path.join(other.dir, "other-ca.crt")
        key = os.path.join(other.dir, "other-ca.key")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                        "-nodes", "-subj", "/CN=Other CA", "-days", "1",
                        "-keyout", key, "-out", ca], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        r = h.run("-H", "localhost", "-p", str(inst.port), "--ca", ca,
                  "login", HEAD, stdin=DEMO_PW + "\n", flags=False)
        self.assertExit(r, 3)
        self.assertFalse(h.token_files())

    def test_wrong_host_name_exit_3(self):
        # A name that reaches the server but is not in its certificate.
        name = loopback_alias()
        if name is None:
            self.skipTest("no other name for 127.0.0.1 on this machine")
        h = self.home()
        r = h.run("-H", name, "-p", str(inst.port), "--ca", inst.ca,
                  "login", HEAD, stdin=DEMO_PW + "\n", flags=False)
        self.assertExit(r, 3)

    def test_help(self):
        r = self.home().run("help")
        self.assertExit(r, 0)
        self.assertIn("login", r.out + r.err)


class TestRaw(ClientCase):

    def test_raw_capability(self):
        h = self.home()
        r = h.run("raw", stdin="t1 CAPABILITY\r\nt2 NOOP\r\n")
        self.assertExit(r, 0)
        lines = r.out.replace("\r\n", "\n").splitlines()
        self.assertTrue(any(l.startswith("* CAPABILITY scc/1")
                            for l in lines), r.out)
        self.assertTrue(any(l.startswith("t1 OK") for l in lines), r.out)
        self.assertTrue(any(l.startswith("t2 OK") for l in lines), r.out)

    def test_raw_login_and_whoami(self):
        h = self.home()
        r = h.run("raw", stdin='t1 LOGIN %s "%s"\nt2 WHOAMI\n'
                  % (HEAD, DEMO_PW))
        self.assertExit(r, 0)
        lines = r.out.replace("\r\n", "\n").splitlines()
        self.assertTrue(any(l.startswith("t1 OK [ROLE headteacher]")
                            for l in lines), r.out)
        self.assertTrue(any(l.startswith("* USER ") and HEAD in l
                            for l in lines), r.out)


if __name__ == "__main__":
    unittest.main()
