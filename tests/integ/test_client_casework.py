"""scc's generated commands against a real sccd: the work commands as a
person types them, listings in each format and across pages, usage errors
caught before connecting, and scc school import of a GIAS export.

Each test class works in an authority of its own (sccd authority add), so
its schools and cases are the only ones its lead officer sees.
"""

import json
import os
import tempfile
import unittest

import instance
import test_client
from test_client import ClientCase, Home

inst = None
PW = instance.ADMIN_PASSWORD

GIAS_HEADER = ("URN,LA (name),EstablishmentName,TypeOfEstablishment (name),"
               "EstablishmentTypeGroup (name),PhaseOfEducation (name)\r\n")


def setUpModule():
    global inst
    inst = instance.default()
    test_client.inst = inst      # ClientCase.home() makes homes for it


def gias_row(urn, name, type_, group, phase):
    def q(v):
        if any(c in v for c in ',"\r\n'):
            return '"' + v.replace('"', '""') + '"'
        return v
    return ",".join(q(v) for v in (str(urn), "Test Borough", name, type_,
                                   group, phase)) + "\r\n"


def write_csv(home, name, text, bom=True):
    path = os.path.join(home.dir, name)
    with open(path, "wb") as f:
        if bom:
            f.write(b"\xef\xbb\xbf")
        f.write(text.encode("utf-8"))
    return path


class Authority(ClientCase):
    """A lead officer of a new authority, logged in once for the class."""

    lead = None

    @classmethod
    def setUpClass(cls):
        cls.lead = inst.add_authority("cw.%s" % cls.__name__.lower()[:40])
        cls.lhome = Home(inst)
        r = cls.lhome.login(cls.lead, PW)
        assert r.returncode == 0, r.stderr

    @classmethod
    def tearDownClass(cls):
        cls.lhome.remove()

    def scc(self, *args, code=0, **kw):
        r = self.lhome.run(*args, **kw)
        self.assertExit(r, code)
        return r

    def json(self, *args):
        return json.loads(self.scc("--format", "json", *args).out)

    def add_school(self, urn, name, phase="primary"):
        d = self.json("school", "add", "--urn", str(urn), "--name", name,
                      "--phase", phase)
        return d["school"][0]["id"]


class TestListings(Authority):
    """150 schools: more than one page of the default limit (100)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        rows = "".join(gias_row(500000 + i, "Paged School %03d" % i,
                                "Community school",
                                "Local authority maintained schools",
                                "Primary") for i in range(150))
        path = write_csv(cls.lhome, "many.csv", GIAS_HEADER + rows)
        r = cls.lhome.run("school", "import", path, timeout=120)
        assert r.returncode == 0, (r.stdout, r.stderr)

    def test_follows_every_page(self):
        schools = self.json("schools")
        self.assertEqual(len(schools), 150)
        ids = [s["id"] for s in schools]
        self.assertEqual(ids, sorted(ids))
        self.assertEqual(len(set(ids)), 150)
        r = self.scc("schools")
        lines = [l for l in r.out.splitlines() if l.strip()]
        self.assertEqual(len(lines), 151, r.out[-500:])   # a header, 150 rows

    def test_one_page_when_asked(self):
        first = self.json("schools", "--limit", "7")
        self.assertEqual(len(first), 7)
        nxt = self.json("schools", "--limit=7", "--after", str(first[-1]["id"]))
        self.assertEqual(len(nxt), 7)
        self.assertGreater(nxt[0]["id"], first[-1]["id"])
        # --after alone is one page of the default limit.
        self.assertEqual(len(self.json("schools", "--after",
                                       str(first[-1]["id"]))), 100)

    def test_json_typed(self):
        s = self.json("schools")[0]
        self.assertIsInstance(s["id"], int)
        self.assertIsInstance(s["urn"], str)           # a code, not a number
        self.assertIn(s["shared_concern"], (True, False))
        self.assertEqual(s["level"], "green")
        # Described fields the server did not send are null.
        self.assertIn("case", s)
        self.assertIsNone(s["case"])

    def test_tsv(self):
        r = self.scc("--format", "tsv", "schools")
        lines = r.out.splitlines()
        header = lines[0].split("\t")
        self.assertEqual(header[:4], ["id", "urn", "name", "phase"])
        self.assertEqual(len(lines), 151)
        self.assertTrue(all(len(l.split("\t")) == len(header)
                            for l in lines[1:]))
        self.assertNotIn("\x1b", r.out)

    def test_table_no_colour_in_a_pipe(self):
        r = self.scc("schools")
        self.assertTrue(r.out.startswith("id "))
        self.assertNotIn("\x1b", r.out)

    def run_on_terminal(self, *args, **env):
        return self.lhome.run_on_terminal(*args, env=self.lhome.env(**env))

    def test_rag_colour_on_a_terminal(self):
        code, out = self.run_on_terminal("schools", "--limit", "3")
        self.assertEqual(code, 0, out)
        self.assertIn("\x1b[32mgreen\x1b[0m", out)
        env = {"NO_COLOR": "1"}
        code, out = self.run_on_terminal("schools", "--limit", "3", **env)
        self.assertEqual(code, 0, out)
        self.assertIn("green", out)
        self.assertNotIn("\x1b[", out)

    def test_audit_pages_newest_first(self):
        # 150 imports wrote 150 entries: AUDIT LIST pages backwards.
        audit = self.json("audit")
        ids = [a["id"] for a in audit]
        self.assertGreaterEqual(len(ids), 150)
        self.assertEqual(ids, sorted(set(ids), reverse=True))

    def test_dashboard(self):
        rows = self.json("dashboard")
        self.assertEqual(len(rows), 150)
        self.assertIsInstance(rows[0]["risks"], int)


class TestWork(Authority):
    """The aliases and verbs of the issue, one after another."""

    def test_school_level_risk(self):
        sid = self.add_school(610001, "Risky Primary")
        r = self.scc("school", str(sid))
        self.assertIn("Risky Primary", r.out)
        self.scc("level", "set", str(sid), "red", "--reason", "results fell")
        self.scc("risk", "set", str(sid), "attainment", "red",
                 "--note", "KS2 down")
        self.scc("risk", "set", str(sid), "finance", "amber")
        risks = self.json("risks", str(sid))
        self.assertEqual({(x["area"], x["rating"]) for x in risks},
                         {("attainment", "red"), ("finance", "amber")})
        term = risks[0]["term"]
        self.assertEqual(len(self.json("risks", str(sid), "--term", term)), 2)
        self.assertEqual(self.json("risks", str(sid), "--term",
                                   "2001-autumn"), [])
        shown = self.json("school", str(sid))
        self.assertEqual(shown["school"][0]["level"], "red")
        self.assertEqual(shown["level"][-1]["reason"], "results fell")
        self.assertEqual(len(shown["risk"]), 2)
        self.assertTrue(shown["school"][0]["shared_concern"])
        # In a table the other record types follow under their names.
        r = self.scc("school", str(sid))
        self.assertIn("\nLEVEL\n", r.out)
        self.assertIn("\nRISK\n", r.out)

    def test_case_open_stage_show(self):
        sid = self.add_school(610002, "Case Primary")
        d = self.json("case", "open", str(sid), "--programme",
                      "securing_good", "--reason", "two reds, one amber")
        cid = d["case"][0]["id"]
        self.assertEqual(d["case"][0]["stage"], "identified")
        self.scc("case", "stage", str(cid), "engagement", "--reason",
                 "head agreed")
        shown = self.json("case", str(cid))
        self.assertEqual(shown["case"][0]["stage"], "engagement")
        self.assertEqual([x["to"] for x in shown["decision"]],
                         ["identified", "engagement"])
        self.assertIn(cid, [c["id"] for c in self.json("cases")])
        self.assertEqual([c["id"] for c in
                          self.json("cases", "--stage", "engagement")], [cid])
        r = self.scc("case", str(cid))
        self.assertIn("\nDECISION\n", r.out)
        # A move the workflow forbids is the server's NO: exit 1.
        self.scc("case", "stage", str(cid), "exited", "--reason", "x",
                 code=1)

    def test_users_assign_and_one_time_password(self):
        sid = self.add_school(610003, "Assigned Primary")
        login = "lp.%s" % self.lead.replace(".", "")[:20]
        r = self.scc("user", "add", "--login", login, "--name",
                     "Link Partner", "--role", "link_partner")
        self.assertRegex(r.out, r"one-time password for %s: \S+"
                         % login.replace(".", r"\."))
        self.assertEqual(r.out.count("one-time password"), 1)
        self.assertIn(login, [u["login"] for u in self.json("users")])
        self.scc("assign", login, "--school", str(sid))
        users = {u["login"]: u for u in self.json("users")}
        self.assertEqual(users[login]["schools"], str(sid))
        self.scc("assign", login, "--school", str(sid), "--remove", "yes")
        # JSON keeps the secret as a record, for scripts.
        d = self.json("user", "add", "--login", login + "2", "--name", "Two",
                      "--role", "link_partner")
        self.assertTrue(d["secret"][0]["password"])
        self.assertIs(d["user"][0]["one_time"], True)

    def test_empty_listing(self):
        sid = self.add_school(610010, "Quiet Primary")
        args = ("risks", str(sid), "--term", "2020-autumn")
        r = self.scc(*args)
        self.assertEqual(r.out, "")
        self.assertIn("(none)", r.err)
        r = self.scc("--format", "tsv", *args)
        self.assertEqual(r.out.splitlines(),
                         ["id\tschool\tterm\tarea\trating\tnote\tby\tat"])
        self.assertEqual(self.json(*args), [])

    def editor(self, name, body):
        path = os.path.join(self.lhome.dir, name)
        with open(path, "w") as f:
            f.write("#!/bin/sh\n" + body)
        os.chmod(path, 0o755)
        return self.lhome.env(EDITOR=path, VISUAL="")

    def test_minutes_edit(self):
        sid = self.add_school(610011, "Minutes Primary")
        case = self.json("case", "open", str(sid), "--programme",
                         "securing_good", "--reason", "minutes")
        meeting = self.json("meeting", "schedule", str(case["case"][0]["id"]),
                            "monitoring", "2026-11-20T10:00:00Z")
        mid = str(meeting["meeting"][0]["id"])
        self.scc("meeting", "held", mid)
        # The first draft starts from nothing.
        env = self.editor("first.sh", "printf 'Present: all\\nAgreed: "
                          "the plan\\n' > \"$1\"\n")
        r = self.scc("minutes", "edit", mid, env=env)
        self.assertIn("version 1 drafted", r.out)
        # Saved unchanged: nothing is sent.
        r = self.scc("minutes", "edit", mid, env=self.editor("same.sh", ":\n"))
        self.assertIn("no change", r.out)
        # The next edit starts from the latest version.
        r = self.scc("minutes", "edit", mid, env=self.editor(
            "more.sh", "echo 'Next meeting: March' >> \"$1\"\n"))
        self.assertIn("version 2 drafted", r.out)
        d = self.json("minutes", "show", mid)
        self.assertEqual(d["minutes"][0]["text"],
                         "Present: all\nAgreed: the plan\n"
                         "Next meeting: March\n")
        self.assertEqual(d["minutes"][0]["version"], 2)
        # Someone drafts while the editor is open: CONFLICT, and the text
        # typed is kept in the file named.
        other = " ".join([instance.SCC, "-H", "localhost", "-p",
                          str(inst.port), "--ca", inst.ca])
        r = self.scc("minutes", "edit", mid, code=1, env=self.editor(
            "race.sh", "%s minutes draft %s --text other --version 2 "
            ">/dev/null || exit 1\necho mine >> \"$1\"\n" % (other, mid)))
        self.assertIn("CONFLICT", r.err)
        kept = r.err.split("kept in ")[1].strip()
        with open(kept) as f:
            self.assertTrue(f.read().endswith("mine\n"))
        os.unlink(kept)
        self.assertEqual(self.json("minutes", "show", mid)["minutes"][0]
                         ["text"], "other")

    def test_agenda(self):
        sid = self.add_school(610012, "Agenda Primary")
        case = self.json("case", "open", str(sid), "--programme",
                         "securing_good", "--reason", "agenda")
        cid = str(case["case"][0]["id"])
        first = self.json("meeting", "schedule", cid, "engagement",
                          "2026-10-05T10:00:00Z")
        fid = str(first["meeting"][0]["id"])
        self.scc("meeting", "held", fid)
        self.scc("action", "add", cid, "--title", "Publish the reading plan",
                 "--owner", self.lead, "--due", "2027-01-15",
                 "--meeting", fid)
        nxt = self.json("meeting", "schedule", cid, "monitoring",
                        "2027-02-01T10:00:00Z")
        nid = str(nxt["meeting"][0]["id"])
        self.scc("agenda", "add", nid, "Attendance since September")
        self.scc("agenda", "add", nid, "--title", "Governors' skills audit",
                 "--kind", "document")
        r = self.scc("agenda", nid)
        self.assertIn("Publish the reading plan", r.out)
        self.assertIn("Attendance since September", r.out)
        items = self.json("agenda", nid)["item"]
        self.assertEqual([(i["kind"], i["title"]) for i in items],
                         [("action", "Publish the reading plan"),
                          ("item", "Attendance since September"),
                          ("document", "Governors' skills audit")])
        self.assertIs(items[2]["arrived"], False)
        # The lead's own agenda deadline, marked met, leaves DEADLINES.
        d = self.json("deadline", "done", nid, "agenda")["deadline"][0]
        self.assertEqual((d["what"], d["met_by"]), ("agenda", self.lead))
        self.assertFalse([x for x in self.json("deadlines", "--days", "366")
                          if x["meeting"] == int(nid)
                          and x["what"] == "agenda"])

    def user_home(self, login, name, role, *more):
        """A new user of this authority, logged in on a machine of their
        own with a password they chose."""
        d = self.json("user", "add", "--login", login, "--name", name,
                      "--role", role, *more)
        secret = d["secret"][0]["password"]
        home = Home(inst)
        self.addCleanup(home.remove)
        self.assertExit(home.login(login, secret), 0)
        self.assertExit(home.run("password", stdin="%s\nvisit pass phrase\n"
                                 % secret), 0)
        return home

    def script(self, home, name, body):
        path = os.path.join(home.dir, name)
        with open(path, "w") as f:
            f.write("#!/bin/sh\n" + body)
        os.chmod(path, 0o755)
        return home.env(EDITOR=path, VISUAL="", TMPDIR=home.dir)

    def test_visits(self):
        sid = str(self.add_school(610091, "Visited Primary"))
        suffix = self.lead.replace(".", "")[:20]
        lp, head = "vl." + suffix, "vh." + suffix
        phome = self.user_home(lp, "Val Partner", "link_partner")
        self.scc("assign", lp, "--school", sid)
        hhome = self.user_home(head, "Hal Head", "headteacher", "--school",
                               sid)
        ghome = self.user_home("vg." + suffix, "Gil Governor", "governor",
                               "--school", sid)

        def partner(*args, code=0, **kw):
            r = phome.run(*args, **kw)
            self.assertExit(r, code)
            return r

        # From a file, and from standard input.
        path = os.path.join(phome.dir, "note.txt")
        with open(path, "w") as f:
            f.write("Saw Year 2 reading groups.\nAll on the scheme.\n")
        v1 = json.loads(partner("--format", "json", "visit", "submit", sid,
                                "--date", "2026-10-05", "--file",
                                path).out)["visit"][0]
        self.assertEqual((v1["school"], v1["by"], v1["status"],
                          v1["date"], v1["version"]),
                         (int(sid), lp, "submitted", "2026-10-05", 1))
        v2 = json.loads(partner("--format", "json", "visit", "submit", sid,
                                "--date", "2026-10-06", "--file", "-",
                                stdin="From standard input\n").out)
        v2 = v2["visit"][0]
        # Written in $EDITOR, on an empty file of its own.
        env = self.script(phome, "write.sh", "test -s \"$1\" && exit 1\n"
                          "printf 'Written in the editor\\n' > \"$1\"\n")
        r = partner("visit", "submit", sid, "--date", "2026-10-07", env=env)
        self.assertIn("submitted", r.out)
        # Saved empty: nothing is sent.
        r = partner("visit", "submit", sid, "--date", "2026-10-07", code=1,
                    env=self.script(phome, "nothing.sh", ":\n"))
        self.assertIn("empty; nothing sent", r.err)
        # Arguments are checked before anyone writes a word.
        r = partner("visit", "submit", sid, code=2, env=self.script(
            phome, "never.sh", "touch \"$HOME/editor-ran\"\n"))
        self.assertIn("missing --date", r.err)
        self.assertFalse(os.path.exists(os.path.join(phome.dir,
                                                     "editor-ran")))
        partner("visit", "submit", sid, "--date", "2026-10-07", "--file",
                path, "--text", "x", code=2)
        # Only a link partner submits: a lead officer is refused, whatever
        # the school.
        for school in (sid, "9000000000000000000"):
            r = self.scc("visit", "submit", school, "--date", "2026-10-07",
                         "--text", "x", code=1)
            self.assertIn("FORBIDDEN", r.err)
        # Refused by the server (a visit is not in the future): the note
        # written is kept, and named.
        r = partner("visit", "submit", sid, "--date", "2099-01-01", code=1,
                    env=env)
        self.assertIn("INVALID", r.err)
        kept = r.err.split("kept in ")[1].strip()
        with open(kept) as f:
            self.assertEqual(f.read(), "Written in the editor\n")
        os.unlink(kept)

        # scc visits: everyone sees what is theirs to see.
        mine = [v["id"] for v in self.json("visits")]
        self.assertEqual(len(mine), 3)
        self.assertEqual(mine, sorted(mine))
        self.assertEqual([v["id"] for v in json.loads(partner(
            "--format", "json", "visits").out)], mine)
        r = hhome.run("--format", "json", "visits")
        self.assertExit(r, 0)
        self.assertEqual(json.loads(r.out), [])
        r = self.scc("visits", "--status", "submitted")
        self.assertEqual(len(r.out.strip().splitlines()), 4, r.out)
        # A governor reads no notes of visit.
        for args in (("visits",), ("visit", str(v1["id"]))):
            r = ghome.run(*args)
            self.assertExit(r, 1)
            self.assertIn("FORBIDDEN", r.err)

        # scc visit qa: returned, sent again from a file, then assured.
        one, two = str(v1["id"]), str(v2["id"])
        r = self.scc("visit", "qa", one, "--outcome", "returned", code=1)
        self.assertIn("INVALID comment", r.err)     # a return says why
        r = self.scc("visit", "qa", one, "--outcome", "returned",
                     "--comment", "Say what the children read")
        self.assertIn("returned", r.out)
        with open(path, "w") as f:
            f.write("Saw Year 2 reading groups: Oxford Level 4 books.\n")
        d = json.loads(partner("--format", "json", "visit", "submit", sid,
                               "--date", "2026-10-05", "--visit", one,
                               "--file", path).out)["visit"][0]
        self.assertEqual((d["id"], d["version"], d["status"]),
                         (v1["id"], 2, "submitted"))
        self.scc("visit", "qa", one, "assured")
        self.scc("visit", "qa", two, "--outcome", "assured", "--comment",
                 "Clear")

        # scc visit respond, by the school's headteacher, who now reads
        # the quality-assured notes (the governor still none).
        r = hhome.run("--format", "json", "visits")
        self.assertEqual(sorted(v["id"] for v in json.loads(r.out)),
                         sorted([v1["id"], v2["id"]]))
        self.assertEqual({v["status"] for v in json.loads(r.out)},
                         {"quality_assured"})
        self.assertExit(ghome.run("visit", one), 1)
        r = hhome.run("visit", "respond", one, "--response", "inaccurate")
        self.assertExit(r, 1)
        self.assertIn("INVALID", r.err)
        r = hhome.run("visit", "respond", one, "inaccurate", "--comment",
                      "Level 5 books, not 4")
        self.assertExit(r, 0)
        self.assertExit(hhome.run("visit", "respond", two, "accurate"), 0)
        self.assertExit(hhome.run("visit", "respond", two, "accurate"), 1)
        r = hhome.run("--format", "json", "visit", one)
        self.assertExit(r, 0)
        shown = json.loads(r.out)
        v = shown["visit"][0]
        self.assertEqual((v["status"], v["response"], v["response_comment"],
                          v["text"]),
                         ("quality_assured", "inaccurate",
                          "Level 5 books, not 4",
                          "Saw Year 2 reading groups: Oxford Level 4 "
                          "books.\n"))
        self.assertEqual([(s["step"], s["version"]) for s in shown["step"]],
                         [("submit", 1), ("return", 1), ("submit", 2),
                          ("assure", 2), ("respond", 2)])
        self.assertEqual(shown["step"][1]["comment"],
                         "Say what the children read")
        # In a table the steps follow under their name.
        r = self.scc("visit", one)
        self.assertIn("\nSTEP\n", r.out)
        # Help shows the hand-written visit submit alone.
        r = self.scc("help", "visit")
        self.assertEqual(r.out.count("scc visit submit"), 1, r.out)
        self.assertIn("--file FILE", r.out)

    def test_support_and_intervene(self):
        sid = self.add_school(610021, "Supported Primary")
        case = self.json("case", "open", str(sid), "--programme", "iop",
                         "--reason", "support")
        cid = str(case["case"][0]["id"])
        # Cheshire East's programme has a budget per school, agreed first.
        r = self.scc("support", "add", cid, "--provider", "Alliance",
                     "--budget", "100", code=1)
        self.assertIn("SUPPORT BUDGET", r.err)
        b = self.json("support", "budget", cid, "500000")["budget"][0]
        self.assertEqual((b["budget"], b["committed"], b["left"]),
                         (500000, 0, 500000))
        # Operands: the case, the provider, the cost in pence.
        d = self.json("support", "add", cid, "Teaching School Alliance",
                      "200000", "--description", "Maths leadership")
        self.assertEqual((d["support"][0]["budget"],
                          d["support"][0]["status"]), (200000, "brokered"))
        self.assertEqual(d["budget"][0]["left"], 300000)
        rows = self.json("support", "list", "--case", cid)
        self.assertEqual([(s["provider"], s["budget"]) for s in rows],
                         [("Teaching School Alliance", 200000)])
        self.assertEqual(self.json("supports", "--case", cid), rows)
        # A table follows the packages with the case's budget.
        r = self.scc("supports", "--case", cid)
        self.assertIn("Teaching School Alliance", r.out)
        self.assertIn("\nBUDGET\n", r.out)
        self.assertIn("300000", r.out)
        r = self.scc("support", "add", cid, "--provider", "Too much",
                     "--budget", "300001", code=1)
        self.assertIn("CONFLICT 1)", r.err)
        # A warning notice proposed; a power waits for eligibility.
        wn = self.json("intervene", cid, "--power", "warning_notice",
                       "--grounds", "standards,management", "--note",
                       "three terms without progress")["intervention"][0]
        self.assertEqual((wn["power"], wn["status"], wn["grounds"]),
                         ("warning_notice", "proposed", "standards,management"))
        ag = self.json("intervene", cid,
                       "additional_governors")["intervention"][0]
        self.assertIs(ag["eligible"], False)
        self.assertEqual(ag["missing"], "warning_notice,compliance_expired,"
                         "not_complied,written_notice")
        r = self.scc("intervention", "update", str(ag["id"]), "--status",
                     "approved", "--approved_by", "Children & Families SMT",
                     code=1)
        self.assertIn("CONFLICT warning_notice compliance_expired "
                      "not_complied written_notice", r.err)
        rows = self.json("interventions", "--case", cid)
        self.assertEqual([(i["id"], i["power"]) for i in rows],
                         [(wn["id"], "warning_notice"),
                          (ag["id"], "additional_governors")])
        self.assertIsInstance(rows[0]["id"], int)

    def test_new_user_changes_the_one_time_password(self):
        sid = self.add_school(610009, "New Head Primary")
        login = "nh.%s" % self.lead.replace(".", "")[:20]
        d = self.json("user", "add", "--login", login, "--name", "New Head",
                      "--role", "headteacher", "--school", str(sid))
        secret = d["secret"][0]["password"]
        home = Home(inst)
        self.addCleanup(home.remove)
        r = home.login(login, secret)
        self.assertExit(r, 0)
        r = home.run("schools")
        self.assertExit(r, 1)
        self.assertIn("FORBIDDEN", r.err)
        self.assertIn("PASSWORD", r.err)
        # A script gives each password once; too short is refused unsent.
        r = home.run("password", stdin="%s\nshort\n" % secret)
        self.assertExit(r, 2)
        r = home.run("password", stdin="%s\nmy own new password\n" % secret)
        self.assertExit(r, 0)
        self.assertIn("password changed", r.out)
        # The session that changed it goes on, now allowed to work.
        r = home.run("--format", "json", "schools")
        self.assertExit(r, 0)
        self.assertEqual([s["id"] for s in json.loads(r.out)], [sid])
        r = home.run("password", stdin="wrong old one\nanother new one\n")
        self.assertExit(r, 1)
        self.assertIn("AUTHFAILED", r.err)

    def test_programmes_areas_alerts_audit(self):
        names = [p["name"] for p in self.json("programmes")]
        self.assertIn("securing_good", names)
        p = self.json("programme", "securing_good")
        self.assertIsInstance(p["programme"][0]["max_months"], int)
        self.assertIn("attainment", [a["area"] for a in self.json("areas")])
        sid = self.add_school(610004, "Alert Primary")
        self.scc("alert", "raise", str(sid), "--area", "safeguarding",
                 "--text", "a concern, with a comma", "--severity", "high")
        alerts = self.json("alerts", "--school", str(sid))
        self.assertEqual(alerts[0]["text"], "a concern, with a comma")
        audit = self.json("audit")
        self.assertTrue(audit)
        self.assertIsInstance(audit[0]["id"], int)
        self.assertGreater(audit[0]["id"], audit[-1]["id"])   # newest first
        v = self.json("audit", "verify")
        self.assertIsInstance(v["audit"][0]["verified"], int)
        self.assertIn("verified", self.scc("audit", "verify").out)

    def test_text_values_with_quotes_and_lines(self):
        name = 'St "Quoted" School\\ with a backslash'
        sid = self.add_school(610005, name)
        self.assertEqual(self.json("school", str(sid))["school"][0]["name"],
                         name)
        reason = "line one\nline two"
        self.scc("level", "set", str(sid), "amber", "--reason", reason)
        levels = self.json("school", str(sid))["level"]
        self.assertEqual(levels[-1]["reason"], reason)


class TestUsage(ClientCase):
    """Usage errors are found before connecting: a dead port proves it."""

    def run_dead(self, *args):
        h = self.home()
        r = h.run("-H", "localhost", "-p", str(instance.free_port()),
                  "--ca", inst.ca, *args, flags=False)
        return r

    def test_usage_errors_exit_2(self):
        cases = [
            (("school", "add", "--urn", "1", "--name", "X"), "missing --phase"),
            (("school", "add", "--urn", "1", "--name", "X", "--phase",
              "university"), "--phase: one of"),
            (("schools", "--colour", "red"), "no option --colour"),
            (("case", "stage", "7", "engagement", "why", "extra"),
             "too many operands"),
            (("case", "stage", "seven", "engagement", "--reason", "x"),
             "not an id"),
            (("level", "set", "3", "--level", "red", "--level", "amber",
              "--reason", "x"), "given twice"),
            (("frobnicate",), "unknown command"),
            (("school",), "needs a verb"),
            (("schools", "--limit", "many"), "not an integer"),
            (("whoami", "--urn", "1"), "no option --urn"),
        ]
        for args, message in cases:
            r = self.run_dead(*args)
            self.assertExit(r, 2)
            self.assertIn(message, r.err, args)

    def test_valid_command_goes_on(self):
        # The same with a valid command gets past the checks, to the
        # session (none is kept for that port): not a usage error.
        r = self.run_dead("school", "add", "--urn", "1", "--name", "X",
                          "--phase", "primary")
        self.assertExit(r, 4)
        self.assertIn("not logged in", r.err)

    def test_help(self):
        h = self.home()
        r = h.run("help")
        self.assertExit(r, 0)
        for words in ("school add --urn", "schools", "case stage CASE",
                      "audit verify", "school import FILE.csv"):
            self.assertIn(words, r.out)
        r = h.run("help", "school", "add")
        self.assertExit(r, 0)
        self.assertIn("--phase", r.out)
        self.assertIn("nursery|primary|secondary", r.out)
        r = h.run("school", "add", "--help")
        self.assertExit(r, 0)
        self.assertIn("SCHOOL ADD", r.out)
        r = h.run("help", "risk")
        self.assertExit(r, 0)
        self.assertIn("RISK SET", r.out)
        self.assertIn("RISK LIST", r.out)
        self.assertExit(h.run("help", "nothing", "here"), 2)


class TestImport(Authority):

    def test_gias_export(self):
        text = GIAS_HEADER + "".join([
            gias_row(700001, "Smith, Jones and \"Partners\" Primary",
                     "Community school", "Local authority maintained schools",
                     "Primary"),
            gias_row(700002, "Hill Special School", "Community special school",
                     "Special schools", "Not applicable"),
            gias_row(700003, "Valley Unit", "Pupil referral unit",
                     "Local authority maintained schools", "Not applicable"),
            gias_row(700004, "Middle School", "Academy converter",
                     "Academies", "Middle deemed secondary"),
            gias_row(700005, "Northgate All-Through", "Academy converter",
                     "Academies", "All-through"),
            gias_row(700001, "Smith Again", "Community school",
                     "Local authority maintained schools", "Primary"),
            gias_row("70000x", "Bad URN", "Community school", "x", "Primary"),
            gias_row(700006, "College", "Further education", "Colleges",
                     "16 plus"),
            "700007,Short row\r\n",
            '700008,Test Borough,"Unclosed,x,y,Primary\r\n',
        ])
        h = self.lhome
        path = write_csv(h, "gias.csv", text)
        r = h.run("school", "import", path)
        self.assertExit(r, 1)
        self.assertIn("line 7: URN 700001 already present", r.out)
        self.assertIn("line 8: malformed: URN \"70000x\"", r.out)
        self.assertIn("line 9: malformed: phase \"16 plus\"", r.out)
        self.assertIn("line 10: malformed: 2 fields where the header has 6",
                      r.out)
        self.assertIn("line 11: malformed: a quoted field is not closed",
                      r.out)
        self.assertIn("added 5, already present 1, malformed 4", r.out)
        # Reported in the file's order.
        lines = [l for l in r.out.splitlines() if l.startswith("line ")]
        self.assertEqual(lines, sorted(lines, key=lambda l:
                                       int(l.split()[1].rstrip(":"))))
        schools = {s["urn"]: s for s in self.json("schools")}
        self.assertEqual(schools["700001"]["name"],
                         'Smith, Jones and "Partners" Primary')
        self.assertEqual(schools["700002"]["phase"], "special")
        self.assertEqual(schools["700003"]["phase"], "pru")
        self.assertEqual(schools["700004"]["phase"], "secondary")
        self.assertEqual(schools["700005"]["phase"], "all_through")
        # Again: everything there already is not a failure.
        clean = GIAS_HEADER + gias_row(700001, "Same", "Community school",
                                       "x", "Primary")
        r = h.run("school", "import", write_csv(h, "again.csv", clean))
        self.assertExit(r, 0)
        self.assertIn("added 0, already present 1, malformed 0", r.out)

    def test_simple_headers_no_bom(self):
        h = self.lhome
        path = write_csv(h, "simple.csv", "Urn,Name,Phase\n"
                         "710001,Simple Nursery,nursery\n"
                         "710002,\"Simple, Secondary\",Secondary\n", bom=False)
        r = h.run("school", "import", path)
        self.assertExit(r, 0)
        self.assertIn("added 2, already present 0, malformed 0", r.out)

    def test_not_an_export(self):
        h = self.lhome
        self.assertExit(h.run("school", "import",
                              os.path.join(h.dir, "missing.csv")), 2)
        r = h.run("school", "import", write_csv(h, "bad.csv", "a,b\n1,2\n"))
        self.assertExit(r, 2)
        self.assertIn("no URN column", r.err)


if __name__ == "__main__":
    unittest.main()
