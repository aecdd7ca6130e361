"""Documents (issue 8): DOC PUT streamed into one transaction, DOC GET
streamed out, versions, idempotent keys, names as data, and uploads cut
short in each way there is (the client goes, sccd is killed, PostgreSQL
restarts): nothing half-written is ever visible or left behind.

The module runs its own instance with a small document limit (1 MiB), so
"the limit" and "the limit + 1" are quick to send.
"""

import hashlib
import json
import os
import re
import signal
import socket
import time
import unittest

import instance
import scc_driver
import test_casework as cw
import test_client
from scc_driver import parse_completion, parse_fields, quote

inst = None
LIMIT = 1048576
CHUNK = 256 * 1024          # server/doc_put.c DOC_CHUNK
L, P, H, G = cw.L, cw.P, cw.H, cw.G


def setUpModule():
    global inst
    inst = instance.Instance(config={"doc_max": LIMIT}, demo=False)
    inst.start()
    cw.inst = inst


def tearDownModule():
    if inst is not None:
        inst.stop()
        inst.remove()


def scalar(sql):
    return re.search(r"v=(\S*)",
                     inst.psql("SELECT 'v=' || (%s)" % sql)).group(1)


def leftovers():
    """Versions never stored, and pieces of them: both must be none."""
    return scalar("(SELECT count(*) FROM scc.doc_version WHERE NOT stored)"
                  " + (SELECT count(*) FROM scc.doc_chunk k JOIN "
                  "scc.doc_version v ON v.id = k.version_id "
                  "WHERE NOT v.stored)")


class World:
    """An authority with a school, its case, its headteacher, and a second
    school with its own headteacher."""

    def __init__(self):
        self.a = cw.Authority("doc")
        self.sa, _ = cw.add_school(self.a.lead, "Doc School A")
        self.sb, _ = cw.add_school(self.a.lead, "Doc School B")
        self.case = self.a.lead.ok(
            "CASE OPEN %s programme=securing_good reason=test"
            % self.sa)[0][1]["id"]
        self.users = {}
        for key, role, school in (("head", H, self.sa), ("headb", H, self.sb),
                                  ("gov", G, self.sa), ("link", P, None)):
            login, secret = cw.make_user(self.a.lead, role, school)
            cw.activate(login, secret, role).close()
            self.users[key] = login
        self.a.lead.ok("ASSIGN %s school=%s" % (self.users["link"], self.sa))

    def conn(self, who="lead"):
        if who == "lead":
            c, _ = inst.login(self.a.lead_login, cw.ADMIN_PW)
        else:
            c, _ = inst.login(self.users[who], cw.NEW_PW)
        c.timeout = 60
        return c


def put(conn, case, name, data, tag="p1", extra="", sync=True):
    """DOC PUT: (lines of the answer, whether + OK came)."""
    n = len(data)
    if "\r" in name or "\n" in name:
        raw = name.encode("utf-8")
        named = "{%d+}\r\n" % len(raw) + name
    else:
        named = quote(name)
    head = "%s DOC PUT %s name=%s%s data={%d%s}\r\n" % (
        tag, case, named, extra, n, "" if sync else "+")
    conn.send(head.encode("utf-8"))
    if sync:
        line = conn.read_line(timeout=30)
        if not line.startswith("+ "):
            return [line], False
    conn.send(data + b"\r\n")
    return conn.read_until_tag(tag, timeout=120), True


def get(conn, doc, tag="g1"):
    """DOC GET: (the DOC record's fields, the octets, the completion)."""
    conn.send(("%s DOC GET %s\r\n" % (tag, doc)).encode())
    line = conn.read_line(timeout=120)
    if not line.startswith("* DOC "):
        return None, None, line
    raw = line.encode("utf-8", "surrogateescape")
    # data= comes last: the line ends with its octets.
    m = list(re.finditer(rb" data=\{(\d+)\}\r\n", raw))[-1]
    size = int(m.group(1))
    data = raw[m.end():]
    assert len(data) == size, (len(data), size)
    fields = parse_fields(raw[:m.start()].decode("utf-8", "surrogateescape"))
    done = conn.read_line(timeout=30)
    return fields, data, done


class TestRoundTrip(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.w = World()
        cls.lead = cls.w.conn()

    @classmethod
    def tearDownClass(cls):
        cls.lead.close()

    def roundtrip(self, data, name):
        lines, went = put(self.lead, self.w.case, name, data)
        self.assertTrue(went, lines)
        self.assertRegex(lines[-1], r"^p1 OK ")
        rec = parse_fields(lines[0])
        self.assertEqual(int(rec["size"]), len(data))
        self.assertEqual(rec["sha256"], hashlib.sha256(data).hexdigest())
        fields, got, done = get(self.lead, rec["id"])
        self.assertRegex(done, r"^g1 OK ")
        self.assertEqual(got, data)
        self.assertEqual(fields["sha256"], rec["sha256"])
        return rec

    def test_sizes(self):
        for n in (0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK + 7, LIMIT):
            with self.subTest(size=n):
                self.roundtrip(os.urandom(n), "size-%d.bin" % n)
        self.assertEqual(leftovers(), "0")

    def test_nul_bytes_and_crlf(self):
        data = b"\x00" * 1000 + b"\r\n.\r\n{5}\r\n" + b"\x00\xff" * 500
        self.roundtrip(data, "nul.bin")

    def test_non_synchronizing_literal(self):
        lines, _ = put(self.lead, self.w.case, "small.txt", b"hello",
                       sync=False)
        self.assertRegex(lines[-1], r"^p1 OK ")
        self.assertEqual(parse_fields(lines[0])["size"], "5")

    def test_over_the_limit_refused_before_any_octet(self):
        lines, went = put(self.lead, self.w.case, "big.bin",
                          b"x" * (LIMIT + 1))
        self.assertFalse(went)
        self.assertRegex(lines[0], r"^p1 NO \[TOOBIG\]")
        # Still in step.
        self.assertRegex(self.lead.request("n1", "NOOP")[-1], r"^n1 OK")

    def test_versions_and_listing(self):
        first = self.roundtrip(b"one", "plan.docx")
        second = self.roundtrip(b"two!", "plan.docx")
        self.assertEqual((first["version"], second["version"]), ("1", "2"))
        lines = self.lead.request("l1", "DOC LIST %s" % self.w.case)
        names = [(parse_fields(x)["name"], parse_fields(x)["version"])
                 for x in lines if x.startswith("* DOC ")]
        self.assertIn(("plan.docx", "2"), names)
        self.assertNotIn(("plan.docx", "1"), names)
        lines = self.lead.request("l2", "DOC LIST %s versions=all"
                                  % self.w.case)
        names = [(parse_fields(x)["name"], parse_fields(x)["version"])
                 for x in lines if x.startswith("* DOC ")]
        self.assertIn(("plan.docx", "1"), names)
        self.assertIn(("plan.docx", "2"), names)
        # Version 1 is still there, byte for byte.
        _, got, _ = get(self.lead, first["id"])
        self.assertEqual(got, b"one")

    def test_key_makes_a_retry_idempotent(self):
        lines, _ = put(self.lead, self.w.case, "retry.pdf", b"%PDF-1",
                       extra=" key=abc-123")
        first = parse_fields(lines[0])
        lines, _ = put(self.lead, self.w.case, "retry.pdf", b"%PDF-1",
                       tag="p2", extra=" key=abc-123")
        self.assertRegex(lines[-1], r"^p2 OK already stored")
        self.assertEqual(parse_fields(lines[0])["id"], first["id"])
        self.assertEqual(parse_fields(lines[0])["version"], "1")

    def test_names_are_data(self):
        for name in ('../../etc/passwd', 'a "quoted" name',
                     "line\r\nbreak", "back\\slash", "ünï.pdf", "{3}"):
            with self.subTest(name=name):
                lines, _ = put(self.lead, self.w.case, name, b"n")
                self.assertRegex(lines[-1], r"^p1 OK", lines)
                rec = parse_fields(lines[0])
                self.assertEqual(rec["name"], name)
                fields, _, _ = get(self.lead, rec["id"])
                self.assertEqual(fields["name"], name)

    def test_bad_arguments_refused_before_any_octet(self):
        for extra, code in ((" kind=poster", "INVALID"),
                            (" type=not-a-type", "INVALID"),
                            (" item=99999999", "INVALID")):
            with self.subTest(extra=extra):
                lines, went = put(self.lead, self.w.case, "x.bin", b"abc",
                                  extra=extra)
                self.assertFalse(went, lines)
                self.assertRegex(lines[0], r"^p1 NO \[%s" % code)
        lines, went = put(self.lead, "9000000000000000000", "x.bin", b"abc")
        self.assertFalse(went)
        self.assertRegex(lines[0], r"^p1 NO \[NOTFOUND\]")
        # An argument after the octets is refused, and nothing is stored.
        self.lead.send(b"p7 DOC PUT %s name=late.txt data={3+}\r\nabc "
                       b"kind=letter\r\n" % self.w.case.encode())
        line = self.lead.read_line(timeout=10)
        self.assertRegex(line, r"^p7 NO \[INVALID\] kind: must come before")
        self.assertEqual(scalar("(SELECT count(*) FROM scc.doc_version "
                                "WHERE name = 'late.txt')"), "0")
        # The document must come last.
        self.lead.send(b"p9 DOC PUT %s data={3}\r\n" % self.w.case.encode())
        line = self.lead.read_line(timeout=10)
        self.assertRegex(line, r"^p9 NO \[INVALID")
        self.assertEqual(leftovers(), "0")


class TestAgenda(unittest.TestCase):

    def test_a_requested_document_arrives(self):
        w = World()
        lead = w.conn()
        lines = lead.request("m1", "MEETING SCHEDULE %s kind=monitoring "
                             "at=2031-03-10T10:00:00Z" % w.case)
        meeting = parse_fields(lines[0])["id"]
        items = []
        for i, title in enumerate(("Improvement plan", "Attendance data")):
            lines = lead.request("a%d" % i, "AGENDA ADD %s kind=document "
                                 "title=%s" % (meeting, quote(title)))
            items.append(parse_fields(lines[0])["id"])
        head = w.conn("head")
        for n, item in enumerate(items):
            lines, _ = put(head, w.case, "doc%d.pdf" % n, b"%PDF-1",
                           extra=" item=%s" % item, tag="p%d" % n)
            self.assertRegex(lines[-1], r"^p%d OK" % n)
            lines = lead.request("g%d" % n, "AGENDA %s" % meeting)
            arrived = [parse_fields(x).get("arrived") for x in lines
                       if "kind=document" in x]
            self.assertEqual(arrived, ["yes"] * (n + 1) + ["no"] * (1 - n))
            # Met only once both have arrived.
            met = scalar("(SELECT count(*) FROM scc.deadline WHERE "
                         "meeting_id = %s AND what = 'documents' AND "
                         "met_at IS NOT NULL)" % meeting)
            self.assertEqual(met, str(n))
        head.close()
        lead.close()


class TestCaseShow(unittest.TestCase):

    def test_case_then_meetings_open_actions_documents(self):
        w = World()
        lead = w.conn()
        before = lead.request("s0", "CASE SHOW %s" % w.case)
        lines = lead.request("m1", "MEETING SCHEDULE %s kind=monitoring "
                             "at=2031-03-10T10:00:00Z" % w.case)
        meeting = parse_fields(lines[0])["id"]
        lines = lead.request("a1", "ACTION ADD %s title=Plan owner=%s "
                             "due=2031-01-10" % (w.case, w.users["head"]))
        action = parse_fields(lines[0])["id"]
        lines = lead.request("a2", "ACTION ADD %s title=Done owner=%s "
                             "due=2031-01-10" % (w.case, w.users["head"]))
        done = parse_fields(lines[0])["id"]
        lead.request("a3", "ACTION UPDATE %s status=done" % done)
        put(lead, w.case, "plan.pdf", b"one")
        lines, _ = put(lead, w.case, "plan.pdf", b"two")
        doc = parse_fields(lines[0])["id"]
        head = w.conn("head")
        for c in (lead, head):
            lines = c.request("s1", "CASE SHOW %s" % w.case)
            self.assertRegex(lines[-1], r"^s1 OK")
            recs = [(x.split()[1], parse_fields(x)) for x in lines[:-1]]
            kinds = [t for t, f in recs]
            self.assertEqual(kinds[0], "CASE")
            self.assertEqual(kinds[-3:], ["MEETING", "ACTION", "DOC"])
            self.assertEqual(recs[-3][1]["id"], meeting)
            self.assertEqual(recs[-2][1]["id"], action)    # not the done one
            self.assertEqual(recs[-2][1]["title"], "Plan")
            self.assertEqual((recs[-1][1]["id"], recs[-1][1]["version"]),
                             (doc, "2"))
        # The CASE line itself is written as it was.
        self.assertEqual(lines[0].split(" review_due")[0],
                         before[0].split(" review_due")[0])
        head.close()
        lead.close()


class TestWhoMay(unittest.TestCase):

    def test_roles(self):
        w = World()
        lead = w.conn()
        lines, _ = put(lead, w.case, "lead.txt", b"from the lead")
        doc = parse_fields(lines[0])["id"]
        for who in ("head", "gov", "link"):
            with self.subTest(who=who):
                c = w.conn(who)
                lines, went = put(c, w.case, who + ".txt", b"mine")
                self.assertTrue(went)
                self.assertRegex(lines[-1], r"^p1 OK")
                _, got, done = get(c, doc)
                self.assertEqual(got, b"from the lead")
                c.close()
        # Another school's headteacher: NOTFOUND, before any octet, and
        # for the download.
        c = w.conn("headb")
        lines, went = put(c, w.case, "no.txt", b"nope")
        self.assertFalse(went)
        self.assertRegex(lines[0], r"^p1 NO \[NOTFOUND\]")
        fields, data, done = get(c, doc)
        self.assertIsNone(fields)
        self.assertRegex(done, r"^g1 NO \[NOTFOUND\]")
        lines = c.request("l1", "DOC LIST %s" % w.case)
        self.assertRegex(lines[-1], r"^l1 NO \[NOTFOUND\]")
        c.close()
        lead.close()


class TestCutShort(unittest.TestCase):
    """An upload that never finishes leaves nothing."""

    def start_upload(self, w, name, total, sent):
        c = w.conn()
        c.send(("u1 DOC PUT %s name=%s data={%d}\r\n"
                % (w.case, name, total)).encode())
        self.assertTrue(c.read_line(timeout=30).startswith("+ "))
        c.send(os.urandom(sent))
        return c

    def wait_inside(self):
        """Until the upload's transaction has written a piece."""
        def busy():
            return int(scalar("(SELECT count(*) FROM pg_stat_activity "
                              "WHERE state = 'idle in transaction')")) > 0
        instance.wait_until(busy, 20, "an upload in its transaction")

    def assertNothingLeft(self, w, name):
        self.assertEqual(leftovers(), "0")
        self.assertEqual(scalar("(SELECT count(*) FROM scc.doc_version "
                                "WHERE name = '%s')" % name), "0")

    def test_client_goes(self):
        w = World()
        c = self.start_upload(w, "gone.bin", LIMIT, 3 * CHUNK)
        self.wait_inside()
        c.close()
        time.sleep(1)
        self.assertNothingLeft(w, "gone.bin")

    def test_database_restarts(self):
        w = World()
        c = self.start_upload(w, "pgrestart.bin", LIMIT, 2 * CHUNK)
        self.wait_inside()
        inst.pg_stop()
        inst.pg_start()
        try:
            c.send(os.urandom(LIMIT - 2 * CHUNK) + b"\r\n")
            lines = c.read_until_tag("u1", timeout=60)
            self.assertRegex(lines[-1], r"^u1 NO \[UNAVAILABLE\]")
        except (scc_driver.Closed, OSError):
            pass
        c.close()
        instance.wait_until(lambda: scalar("1") == "1", 30, "PostgreSQL",
                            retry_on=(RuntimeError,))
        self.assertNothingLeft(w, "pgrestart.bin")

    def test_sccd_killed(self):
        w = World()
        c = self.start_upload(w, "killed.bin", LIMIT, 2 * CHUNK)
        self.wait_inside()
        inst.proc.send_signal(signal.SIGKILL)
        inst.proc.wait()
        c.close()
        inst.proc = None
        inst.logfile.close()
        inst.logfile = None
        # PostgreSQL stays up (sccd started it); the session it held ends.
        instance.wait_until(lambda: scalar(
            "(SELECT count(*) FROM pg_stat_activity WHERE state = "
            "'idle in transaction')") == "0", 30, "the upload rolled back",
            retry_on=(RuntimeError,))
        self.assertNothingLeft(w, "killed.bin")
        inst.start()


class TestClient(unittest.TestCase):
    """scc doc put, scc docs, scc doc get."""

    def test_put_list_get(self):
        w = World()
        home = test_client.Home(inst)
        try:
            r = home.login(w.a.lead_login, cw.ADMIN_PW)
            self.assertEqual(r.returncode, 0, r.err)
            src = os.path.join(home.dir, "plan.pdf")
            data = b"%PDF-1.7\n" + os.urandom(3 * CHUNK + 11)
            with open(src, "wb") as f:
                f.write(data)
            r = home.run("--format", "json", "doc", "put", w.case, src,
                         "--kind", "improvement_plan")
            self.assertEqual(r.returncode, 0, r.err)
            doc = json.loads(r.out)["doc"][0]
            self.assertEqual((doc["name"], doc["type"], doc["size"],
                              doc["kind"]),
                             ("plan.pdf", "application/pdf", len(data),
                              "improvement_plan"))
            self.assertEqual(doc["sha256"], hashlib.sha256(data).hexdigest())
            r = home.run("--format", "json", "docs", w.case)
            self.assertEqual(r.returncode, 0, r.err)
            self.assertEqual([d["id"] for d in json.loads(r.out)],
                             [doc["id"]])
            out = os.path.join(home.dir, "copy.pdf")
            r = home.run("doc", "get", str(doc["id"]), "-o", out)
            self.assertEqual(r.returncode, 0, r.err)
            with open(out, "rb") as f:
                self.assertEqual(f.read(), data)
            # Named after the document, here; never over a file there.
            r = home.run("doc", "get", str(doc["id"]), cwd=home.dir)
            self.assertEqual(r.returncode, 1)
            self.assertIn("exists", r.err)
            os.unlink(src)
            r = home.run("doc", "get", str(doc["id"]), cwd=home.dir)
            self.assertEqual(r.returncode, 0, r.err)
            with open(src, "rb") as f:
                self.assertEqual(f.read(), data)
            # A document of another school is not there at all.
            r = home.run("doc", "get", "9000000000000000000")
            self.assertEqual(r.returncode, 1)
        finally:
            home.remove()


if __name__ == "__main__":
    unittest.main()
