"""Transport: TLS from the first byte, 1.2 minimum, 1.3 by default, a
certificate that verifies against the instance's CA for localhost and
127.0.0.1 only and lasts at most 397 days, and no session resumption."""

import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import unittest

import instance
import scc_driver

inst = None


def setUpModule():
    global inst
    inst = instance.default()


def old_tls_context(verify=True):
    """A client context that can only speak TLS 1.0/1.1."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    ctx.minimum_version = ssl.TLSVersion.TLSv1
    ctx.maximum_version = ssl.TLSVersion.TLSv1_1
    if verify:
        ctx.load_verify_locations(inst.ca)
    else:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def can_speak_tls11():
    """Whether this machine's OpenSSL can complete a TLS 1.1 handshake at
    all; if not, a refused handshake would prove nothing about sccd."""
    if shutil.which("openssl") is None:
        return False
    d = tempfile.mkdtemp()
    try:
        key, crt = os.path.join(d, "k.pem"), os.path.join(d, "c.pem")
        r = subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
             "-subj", "/CN=localhost", "-days", "1", "-keyout", key,
             "-out", crt], stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        if r.returncode != 0:
            return False
        sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        sctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        sctx.minimum_version = ssl.TLSVersion.TLSv1
        sctx.maximum_version = ssl.TLSVersion.TLSv1_1
        sctx.load_cert_chain(crt, key)
        lsock = socket.socket()
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(1)
        port = lsock.getsockname()[1]

        def serve():
            try:
                c, _ = lsock.accept()
                c.settimeout(5)
                with sctx.wrap_socket(c, server_side=True) as s:
                    s.sendall(b"x")
            except (OSError, ssl.SSLError):
                pass

        t = threading.Thread(target=serve, daemon=True)
        t.start()
        try:
            with socket.create_connection(("127.0.0.1", port), 5) as raw:
                with old_tls_context(verify=False).wrap_socket(raw) as s:
                    ok = s.version() in ("TLSv1.1", "TLSv1")
        except (OSError, ssl.SSLError):
            ok = False
        t.join(5)
        lsock.close()
        return ok
    finally:
        shutil.rmtree(d, ignore_errors=True)


def certificate_dates(path):
    """notBefore and notAfter of a PEM certificate file, in seconds."""
    r = subprocess.run(["openssl", "x509", "-in", path, "-noout",
                        "-startdate", "-enddate"], check=True,
                       stdout=subprocess.PIPE, text=True)
    dates = dict(line.split("=", 1) for line in r.stdout.splitlines())
    return (ssl.cert_time_to_seconds(dates["notBefore"]),
            ssl.cert_time_to_seconds(dates["notAfter"]))


class TestTLS(unittest.TestCase):

    def test_tls13_by_default(self):
        with inst.connect() as c:
            self.assertEqual(c.sock.version(), "TLSv1.3")

    def test_tls12_still_accepted(self):
        ctx = scc_driver.client_context(
            inst.ca, maximum_version=ssl.TLSVersion.TLSv1_2)
        with inst.connect(context=ctx) as c:
            self.assertEqual(c.sock.version(), "TLSv1.2")
            self.assertTrue(c.is_open())

    def test_tls11_refused(self):
        if not can_speak_tls11():
            self.skipTest("local OpenSSL cannot speak TLS 1.1 at all")
        with self.assertRaises((ssl.SSLError, OSError)):
            c = inst.connect(context=old_tls_context(), greeting=False)
            try:
                # Should not get here; if it did, prove it by reading.
                c.read_line(timeout=3)
            finally:
                c.close()

    def test_verifies_for_localhost_and_ip(self):
        for name in ("localhost", "127.0.0.1"):
            with inst.connect(server_hostname=name) as c:
                self.assertTrue(c.is_open())

    def test_wrong_host_name_fails_verification(self):
        with self.assertRaises(ssl.SSLCertVerificationError):
            inst.connect(server_hostname="not-this-host.example",
                         greeting=False)

    def test_unknown_ca_fails_verification(self):
        ctx = ssl.create_default_context()     # system store, not our CA
        with self.assertRaises(ssl.SSLCertVerificationError):
            inst.connect(context=ctx, greeting=False)

    def test_plaintext_gets_no_protocol(self):
        # No plaintext port: a cleartext request must never be answered
        # in cleartext with a greeting or a completion.
        with socket.create_connection(("127.0.0.1", inst.port), 5) as s:
            s.sendall(b"a1 CAPABILITY\r\n")
            s.settimeout(5)
            data = b""
            try:
                while True:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    data += chunk
            except (socket.timeout, ConnectionError):
                pass
        self.assertNotIn(b"CAPABILITY", data)
        self.assertNotIn(b"a1 ", data)

    def test_greeting_exact(self):
        c = inst.connect(greeting=False)
        with c:
            self.assertEqual(c.read_line(), scc_driver.GREETING)

    def test_server_certificate_lasts_at_most_397_days(self):
        path = os.path.join(inst.dir, "tls", "server.crt")
        start, end = certificate_dates(path)
        self.assertLessEqual(end - start, 397 * 86400)
        self.assertGreater(end - start, 390 * 86400)
        with open(path) as f:
            on_disk = f.read().strip()
        with inst.connect() as c:
            served = ssl.DER_cert_to_PEM_cert(
                c.sock.getpeercert(binary_form=True)).strip()
        self.assertEqual(served, on_disk)
        # The CA is what clients hold on to; it stays long-lived.
        start, end = certificate_dates(inst.ca)
        self.assertGreater(end - start, 9 * 365 * 86400)


class TestNoResumption(unittest.TestCase):
    """No session tickets and no resumption, in either version: a resumed
    session skips the certificate, and a ticket is only as safe as a key
    that lives as long as the server."""

    def no_ticket_and_no_resumption(self, version):
        ctx = scc_driver.client_context(inst.ca, minimum_version=version,
                                        maximum_version=version)
        # With the greeting read, a TLS 1.3 ticket (sent after the
        # handshake) would have arrived before it.
        with inst.connect(context=ctx) as c:
            session = c.sock.session
            self.assertIsNotNone(session)
            self.assertFalse(session.has_ticket,
                             "%s session came with a ticket" % version.name)
        raw = socket.create_connection(("127.0.0.1", inst.port), 10)
        with ctx.wrap_socket(raw, server_hostname="localhost",
                             session=session) as s:
            self.assertFalse(s.session_reused,
                             "%s session was resumed" % version.name)

    def test_tls12(self):
        self.no_ticket_and_no_resumption(ssl.TLSVersion.TLSv1_2)

    def test_tls13(self):
        self.no_ticket_and_no_resumption(ssl.TLSVersion.TLSv1_3)


if __name__ == "__main__":
    unittest.main()
