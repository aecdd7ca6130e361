"""Make, start, stop and remove sccd instances for the integration tests.

sccd init is slow (initdb, argon2), so instances are shared: shared(name,
config) hands out one instance per name for the whole run, and everything is
stopped and removed at exit. Tests that need isolation create their own
authority and users with add_authority() instead of a new instance.
"""

import atexit
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

import scc_driver

SCCD = os.environ.get("SCCD", "sccd")
SCC = os.environ.get("SCC", "scc")

ADMIN_PASSWORD = "admin pass phrase 1"
DEMO_PASSWORD = "demo horse battery \u00e9"
DEMO_USERS = ("link.partner", "head.oakfield", "chair.oakfield",
              "head.riverside")

# Counted by runner.py's result class, so failures leave logs behind.
failures = [0]
_shared = {}


def pg_config():
    """The pg_config sccd uses: configure's while it exists, else PATH's."""
    path = os.environ.get("PG_CONFIG", "")
    return path if os.access(path, os.X_OK) else "pg_config"


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class WaitTimeout(AssertionError):
    """What a test waited for did not happen in time."""


def wait_until(predicate, timeout, what, interval=0.1, retry_on=()):
    """Call predicate until it returns something true, and return that.

    Tests wait for the condition they need rather than sleep a fixed time,
    which is too long on a quick machine and too short on a loaded one.
    Exceptions of the types in retry_on count as "not yet". After timeout
    seconds, raises WaitTimeout saying what was awaited (and the last
    exception, if any); a test that sees it fails rather than errs.
    """
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            value = predicate()
        except retry_on as e:
            value, last = None, e
        if value:
            return value
        if time.monotonic() >= deadline:
            raise WaitTimeout("waited %.1fs for %s%s"
                              % (timeout, what,
                                 "" if last is None else " (last: %r)" % last))
        time.sleep(interval)


def tail(path, lines=60):
    try:
        with open(path, "rb") as f:
            data = f.read().decode("utf-8", "replace").splitlines()
    except OSError as e:
        return "(%s: %s)" % (path, e)
    return "\n".join(data[-lines:])


class Instance:
    """One sccd instance directory and, while started, its server."""

    def __init__(self, config=None, demo=True, admin="admin"):
        self.dir = tempfile.mkdtemp(prefix="scc-integ-")
        self.admin = admin
        self.proc = None
        self.port = None
        self.logfile = None
        self._authorities = 0
        env = self.env(SCC_ADMIN_PASSWORD=ADMIN_PASSWORD,
                       SCC_DEMO_PASSWORD=DEMO_PASSWORD)
        argv = [SCCD, "init", self.dir, "--admin", admin]
        if demo:
            argv.append("--demo")
        r = subprocess.run(argv, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=180)
        if r.returncode != 0:
            out = r.stdout.decode("utf-8", "replace")
            self.remove()
            raise RuntimeError("sccd init failed (%d):\n%s"
                               % (r.returncode, out))
        if config:
            with open(self.conf, "a") as f:
                f.write("\n# integration test overrides\n")
                for name, value in config.items():
                    f.write("%s = %s\n" % (name, value))

    @property
    def conf(self):
        return os.path.join(self.dir, "sccd.conf")

    @property
    def ca(self):
        return os.path.join(self.dir, "tls", "ca.crt")

    @property
    def pgdata(self):
        return os.path.join(self.dir, "pgdata")

    @property
    def log(self):
        return os.path.join(self.dir, "sccd.log")

    @property
    def pglog(self):
        return os.path.join(self.dir, "log", "postgresql.log")

    @staticmethod
    def env(**extra):
        env = dict(os.environ)
        env.update(extra)
        return env

    # -- the server --

    def start(self, timeout=30.0):
        self.port = free_port()
        self.logfile = open(self.log, "ab")
        self.proc = subprocess.Popen(
            [SCCD, "serve", "-D", self.dir,
             "--listen", "127.0.0.1:%d" % self.port],
            stdin=subprocess.DEVNULL, stdout=self.logfile,
            stderr=subprocess.STDOUT)

        def greets():
            if self.proc.poll() is not None:
                raise RuntimeError("sccd serve exited with %d:\n%s"
                                   % (self.proc.returncode, self.logs()))
            self.connect(timeout=3).close()
            return True

        try:
            wait_until(greets, timeout, "sccd to greet", interval=0.2,
                       retry_on=(OSError, ssl.SSLError, AssertionError,
                                 scc_driver.Closed, TimeoutError))
        except WaitTimeout as e:
            self.stop()
            raise RuntimeError("%s:\n%s" % (e, self.logs()))
        return self

    def stop(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if self.logfile:
            self.logfile.close()
            self.logfile = None

    def logs(self):
        return ("--- %s ---\n%s\n--- %s ---\n%s\n"
                % (self.log, tail(self.log),
                   self.pglog, tail(self.pglog)))

    def log_mark(self):
        """Where sccd.log ends now: what wait_for_log looks beyond."""
        return os.path.getsize(self.log)

    def wait_for_log(self, needle, since=0, timeout=10.0):
        """Wait until sccd.log holds needle (bytes) after offset since."""
        def logged():
            with open(self.log, "rb") as f:
                f.seek(since)
                return needle in f.read()
        wait_until(logged, timeout, "%r in %s" % (needle, self.log))

    def remove(self):
        # A server killed with SIGKILL leaves its PostgreSQL behind.
        if os.path.exists(os.path.join(self.pgdata, "postmaster.pid")):
            self.pg_ctl("stop", "-m", "immediate", check=False)
        shutil.rmtree(self.dir, ignore_errors=True)

    # -- helpers --

    def connect(self, **kw):
        return scc_driver.connect(self.ca, self.port, **kw)

    def login(self, user, password, tag="l1", **kw):
        """A connection logged in as user; returns (conn, token)."""
        conn = self.connect(**kw)
        lines = conn.request(tag, "LOGIN %s %s" % (user,
                                                  scc_driver.quote(password)))
        if not lines[-1].startswith("%s OK [ROLE " % tag):
            conn.close()
            raise AssertionError("login %s failed: %r" % (user, lines))
        token = scc_driver.parse_fields(lines[0]).get("token")
        return conn, token

    def add_authority(self, login, password=ADMIN_PASSWORD):
        """A new authority whose lead officer is login (works while serving)."""
        self._authorities += 1
        name = "Test Authority %d %s" % (self._authorities, login)
        r = subprocess.run(
            [SCCD, "authority", "add", "-D", self.dir, name,
             "--admin", login],
            env=self.env(SCC_ADMIN_PASSWORD=password),
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
        if r.returncode != 0:
            raise RuntimeError("sccd authority add %s failed (%d):\n%s"
                               % (login, r.returncode,
                                  r.stdout.decode("utf-8", "replace")))
        return login

    def psql(self, sql, user="scc_owner"):
        """Run sql on the instance's database, as its owner by default."""
        bindir = subprocess.run([pg_config(), "--bindir"], check=True,
                                stdout=subprocess.PIPE,
                                text=True).stdout.strip()
        conninfo = "host=%s port=5432 dbname=scc user=%s" % (
            os.path.join(self.dir, "run"), user)
        r = subprocess.run([os.path.join(bindir, "psql"), "-X", "-q",
                            "-v", "ON_ERROR_STOP=1", "-c", sql, conninfo],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           cwd="/", timeout=60)
        if r.returncode != 0:
            raise RuntimeError("psql failed (%d): %s" % (
                r.returncode, r.stdout.decode("utf-8", "replace")))
        return r.stdout.decode("utf-8", "replace")

    def pg_ctl(self, *args, check=True):
        """Run pg_ctl on this instance's cluster as the cluster's owner."""
        bindir = subprocess.run([pg_config(), "--bindir"], check=True,
                                stdout=subprocess.PIPE,
                                text=True).stdout.strip()
        argv = [os.path.join(bindir, "pg_ctl"), "-D", self.pgdata] + list(args)
        if os.geteuid() == 0:
            owner = pwd.getpwuid(os.stat(self.pgdata).st_uid).pw_name
            argv = ["runuser", "-u", owner, "--"] + argv
        # cwd "/": the cluster owner may not be able to enter ours.
        r = subprocess.run(argv, stdout=subprocess.PIPE, cwd="/",
                           stderr=subprocess.STDOUT, timeout=60)
        if check and r.returncode != 0:
            raise RuntimeError("%s failed (%d):\n%s"
                               % (" ".join(argv), r.returncode,
                                  r.stdout.decode("utf-8", "replace")))
        return r

    def pg_stop(self):
        self.pg_ctl("-m", "fast", "-w", "stop")

    def pg_start(self):
        self.pg_ctl("-l", self.pglog, "-w", "start")


def shared(name="default", config=None, demo=True):
    """The run's instance called name, made and started on first use."""
    inst = _shared.get(name)
    if inst is None:
        inst = Instance(config=config, demo=demo)
        try:
            inst.start()
        except BaseException:
            inst.remove()
            raise
        inst.failures_at_start = failures[0]
        _shared[name] = inst
    elif inst.proc is None or inst.proc.poll() is not None:
        inst.stop()
        inst.start()
    return inst


# Shared instances never hit the per-address failed-login limit by accident.
# Every test connects from 127.0.0.1: its failures would slow the next
# test's logins. test_login_fairness covers the penalty on its own addresses.
DEFAULT_CONFIG = {"login_max_address": 500, "login_penalty": 0}


def default():
    return shared("default", DEFAULT_CONFIG)


def release(name):
    """Stop and remove a shared instance no later test needs."""
    inst = _shared.pop(name, None)
    if inst is None:
        return
    inst.stop()
    if failures[0] > inst.failures_at_start:
        sys.stderr.write("\n=== instance %s (%s) after failures ===\n%s"
                         % (name, inst.dir, inst.logs()))
    if os.environ.get("SCC_INTEG_KEEP"):
        sys.stderr.write("kept instance %s in %s\n" % (name, inst.dir))
    else:
        inst.remove()


def cleanup_all():
    """Stop and remove every shared instance; keep the logs of failures."""
    for name in list(_shared):
        release(name)


atexit.register(cleanup_all)
