"""SIGHUP: settings and certificate are read again; a bad new certificate
leaves the running one in place, and connections already open carry on."""

import os
import signal
import subprocess
import time
import unittest

import instance

inst = None


def setUpModule():
    global inst
    inst = instance.shared("reload", instance.DEFAULT_CONFIG)


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


def hup_and_wait(needle, timeout=10):
    with open(os.path.join(inst.dir, "sccd.log"), "rb") as f:
        seen = f.read().count(needle)
    inst.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(os.path.join(inst.dir, "sccd.log"), "rb") as f:
            if f.read().count(needle) > seen:
                return
        time.sleep(0.1)
    raise AssertionError("no %r in the log after SIGHUP" % needle)


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
            import ssl
            self.assertEqual(ssl.DER_cert_to_PEM_cert(after).strip(),
                             pem.strip())
            # The connection made before the reload is untouched.
            self.assertRegex(conn.request("w2", "WHOAMI")[-1], r"^w2 OK ")


if __name__ == "__main__":
    unittest.main()
