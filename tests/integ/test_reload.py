"""SIGHUP: settings and certificate are read again; a bad new certificate
leaves the running one in place, and connections already open carry on.
Settings are read as on a restart, so a line taken out goes back to its
default, except those only a restart may change: those are named and keep
their running value. sccd cert renew makes the certificate SIGHUP serves."""

import contextlib
import os
import signal
import ssl
import stat
import subprocess
import time
import unittest

import instance
import scc_driver

inst = None
original_conf = None


def setUpModule():
    global inst, original_conf
    inst = instance.shared("reload", instance.DEFAULT_CONFIG)
    with open(inst.conf) as f:
        original_conf = f.read()


def tearDownModule():
    instance.release("reload")


def served_certificate():
    with inst.connect() as c:
        return c.sock.getpeercert(binary_form=True)


def owned_like_instance(path):
    st = os.stat(inst.dir)
    os.chown(path, st.st_uid, st.st_gid)


def set_tls(cert, key):
    """Point the instance's settings at another certificate and key."""
    with open(inst.conf, "a") as f:
        f.write("\ncert = %s\nkey = %s\n" % (cert, key))


def read_log():
    with open(os.path.join(inst.dir, "sccd.log"), "rb") as f:
        return f.read()


def hup_and_wait(needle, timeout=10):
    """SIGHUP, wait for needle in the log; return what the reload logged."""
    log = read_log()
    seen = log.count(needle)
    inst.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = read_log()
        if now.count(needle) > seen:
            return now[len(log):]
        time.sleep(0.1)
    raise AssertionError("no %r in the log after SIGHUP" % needle)


def reload_ok():
    return hup_and_wait(b"reloaded settings and certificate")


def restore_conf():
    """sccd.conf as the instance started with it, reloaded; returns what
    the reload logged."""
    with open(inst.conf, "w") as f:
        f.write(original_conf)
    return reload_ok()


def eventually(probe, expected, timeout=5):
    """probe() once it returns expected: every loop thread takes a reload
    in its own time, so a connection made at once may meet the old one."""
    deadline = time.monotonic() + timeout
    while True:
        got = probe()
        if got == expected or time.monotonic() > deadline:
            return got
        time.sleep(0.1)


@contextlib.contextmanager
def conf_lines(text):
    """text added to sccd.conf for the block, taken out again after it."""
    with open(inst.conf, "a") as f:
        f.write("\n" + text)
    try:
        yield
    finally:
        restore_conf()


def served_serial(**kw):
    with inst.connect(**kw) as c:
        return int(c.sock.getpeercert()["serialNumber"], 16)


def file_serial(path):
    r = subprocess.run(["openssl", "x509", "-in", path, "-noout", "-serial"],
                       check=True, stdout=subprocess.PIPE, text=True)
    return int(r.stdout.strip().split("=", 1)[1], 16)


def renew():
    return subprocess.run([instance.SCCD, "cert", "renew", "-D", inst.dir],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=60)


def long_line_fits():
    """Whether a 4000-octet line is read as a request, as under the default
    line_max (8192), rather than refused with BYE, as under 2048."""
    with inst.connect() as c:
        c.send(b"a1 NOOP " + b"x" * (4000 - 10) + b"\r\n")
        try:
            lines = c.read_until_tag("a1", timeout=5)
        except scc_driver.Closed as e:
            if e.lines and e.lines[-1].startswith("* BYE [TOOBIG]"):
                return False
            raise
        return bool(lines) and c.is_open()


def make_certificate(name):
    """A new server certificate for localhost signed by the instance's CA."""
    tls = os.path.join(inst.dir, "tls")
    key = os.path.join(tls, name + ".key")
    csr = os.path.join(tls, name + ".csr")
    crt = os.path.join(tls, name + ".crt")
    ext = os.path.join(tls, name + ".ext")
    with open(ext, "w") as f:
        f.write("subjectAltName = DNS:localhost, IP:127.0.0.1\n"
                "extendedKeyUsage = serverAuth\n")
    run = lambda *a: subprocess.run(a, check=True, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
    run("openssl", "req", "-new", "-newkey", "ec", "-pkeyopt",
        "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", csr,
        "-subj", "/CN=localhost")
    run("openssl", "x509", "-req", "-in", csr, "-CA",
        os.path.join(tls, "ca.crt"), "-CAkey", os.path.join(tls, "ca.key"),
        "-CAcreateserial", "-days", "30", "-extfile", ext, "-out", crt)
    for p in (key, crt):
        os.chmod(p, 0o600)
        owned_like_instance(p)
    return crt, key


class TestReload(unittest.TestCase):

    def test_a_broken_certificate_keeps_the_old_one(self):
        self.addCleanup(restore_conf)
        before = served_certificate()
        conn, _ = inst.login("head.oakfield", instance.DEMO_PASSWORD)
        broken = os.path.join(inst.dir, "tls", "broken.crt")
        with open(broken, "w") as f:
            f.write("-----BEGIN CERTIFICATE-----\nnot a certificate\n"
                    "-----END CERTIFICATE-----\n")
        owned_like_instance(broken)
        set_tls(broken, os.path.join(inst.dir, "tls", "server.key"))
        with conn:
            hup_and_wait(b"keeping the current certificate")
            self.assertIsNone(inst.proc.poll(), "sccd died on a bad reload")
            self.assertEqual(served_certificate(), before)
            self.assertRegex(conn.request("w1", "WHOAMI")[-1], r"^w1 OK ")

    def test_b_a_new_certificate_is_served(self):
        self.addCleanup(restore_conf)
        before = served_certificate()
        conn, _ = inst.login("head.oakfield", instance.DEMO_PASSWORD)
        crt, key = make_certificate("renewed")
        set_tls(crt, key)
        with conn:
            hup_and_wait(b"reloaded settings and certificate")
            after = served_certificate()
            self.assertNotEqual(after, before)
            with open(crt) as f:
                pem = f.read()
            self.assertEqual(ssl.DER_cert_to_PEM_cert(after).strip(),
                             pem.strip())
            # The connection made before the reload is untouched.
            self.assertRegex(conn.request("w2", "WHOAMI")[-1], r"^w2 OK ")

    def test_c_renewed_certificate_is_served_after_sighup(self):
        tls = os.path.join(inst.dir, "tls")
        crt = os.path.join(tls, "server.crt")
        key = os.path.join(tls, "server.key")
        before = {p: os.stat(p) for p in (crt, key)}
        if os.geteuid() == 0:
            # The case that matters: root renewing an account's instance.
            self.assertNotEqual(before[key].st_uid, 0)
        old = served_serial()
        self.assertEqual(old, file_serial(crt))
        conn, _ = inst.login("head.oakfield", instance.DEMO_PASSWORD)
        with conn:
            r = renew()
            self.assertEqual(r.returncode, 0, r.stdout)
            new = file_serial(crt)
            self.assertNotEqual(new, old)
            for path, st in before.items():
                now = os.stat(path)
                # Renamed into place, not rewritten where a reload could
                # read half of it; owner and mode as they were.
                self.assertNotEqual(now.st_ino, st.st_ino, path)
                self.assertEqual(
                    (now.st_uid, now.st_gid, stat.S_IMODE(now.st_mode)),
                    (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)), path)
            self.assertEqual([n for n in os.listdir(tls)
                              if n.startswith(".")], [])
            # Nothing changes until sccd is told.
            self.assertEqual(served_serial(), old)
            reload_ok()
            for name in ("localhost", "127.0.0.1"):
                self.assertEqual(
                    eventually(lambda: served_serial(server_hostname=name),
                               new), new, name)
            # The connection from before carries on with its certificate.
            self.assertEqual(int(conn.sock.getpeercert()["serialNumber"], 16),
                             old)
            self.assertRegex(conn.request("r1", "WHOAMI")[-1], r"^r1 OK ")

    def test_d_renew_leaves_another_cas_certificate_alone(self):
        tls = os.path.join(inst.dir, "tls")
        crt = os.path.join(tls, "foreign.crt")
        key = os.path.join(tls, "foreign.key")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec",
                        "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-subj", "/CN=localhost", "-days", "30",
                        "-keyout", key, "-out", crt], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for p in (crt, key):
            owned_like_instance(p)
        with open(crt, "rb") as f:
            pem = f.read()
        with conf_lines("cert = %s\nkey = %s\n" % (crt, key)):
            r = renew()
            self.assertEqual(r.returncode, 1, r.stdout)
            self.assertIn("not issued by this instance's CA", r.stdout)
            with open(crt, "rb") as f:
                self.assertEqual(f.read(), pem)

    def test_e_a_removed_line_is_back_at_its_default(self):
        self.assertTrue(long_line_fits())
        with open(inst.conf, "a") as f:
            f.write("\nline_max = 2048\nthreads = 3\n")
        try:
            logged = reload_ok()
            self.assertIn(b"threads changed, which needs a restart", logged)
            self.assertNotIn(b"line_max", logged)
            self.assertFalse(eventually(long_line_fits, False))
        finally:
            logged = restore_conf()
        # Back to the default, and threads was never taken from the file:
        # the running value is what the file now says, so no warning.
        self.assertTrue(eventually(long_line_fits, True))
        self.assertNotIn(b"needs a restart", logged)


if __name__ == "__main__":
    unittest.main()
