"""The casework cycle end to end, as the seed documents describe it.

- TestSecuringGood: Ealing's Securing Good process (seeds/000) through the
  scc binary, each party logged in as themselves at a machine of their own
  (a lead officer, a link partner, the school's headteacher, its chair of
  governors, and the headteacher of another school): risks found and the
  school at red, the case opened, the engagement meeting with its four
  deadlines, held with the first Securing Good meeting agreed at its end,
  the minutes taken by the link partner through the whole chain (returned
  once by the chair, once by the headteacher), the actions agreed there,
  one of them late, and what each party sees at each point.
- TestIop: one meeting of Cheshire East's Improving Outcomes Programme
  (seeds/004) the same way: agenda a week ahead and minutes within a week,
  no other deadline, the next meeting two months on.
- TestMinutesChain: every step of the minutes chain (DRAFT, SUBMIT,
  APPROVE, RETURN, CONFIRM, ACKNOWLEDGE, CIRCULATE) by every role in every
  state of the minutes, over the raw protocol: the exact answer, that a
  refusal changes nothing, and that no step can be skipped.

Each class makes an authority of its own on the shared instance, so what
it lists is only its own.
"""

import calendar
import datetime
import hashlib
import json
import os
import re
import shlex
import unittest

import instance
import test_casework as cw
import test_client
from test_client import Home

inst = None
LEAD_PW = instance.ADMIN_PASSWORD
OWN_PW = "cycle pass phrase 7"
DAY = datetime.timedelta(days=1)


def setUpModule():
    global inst
    inst = instance.default()
    test_client.inst = inst
    cw.setUpModule()        # its raw-protocol helpers, on the same instance


def today():
    """The database's today: the day the clocks (minutes due, overdue)
    count from."""
    out = inst.psql("SELECT 'today=' || current_date")
    return datetime.date.fromisoformat(
        re.search(r"today=(\d{4}-\d\d-\d\d)", out).group(1))


def iso(day):
    return day.isoformat()


def at(day, hour=10):
    """A meeting time in UTC; 10:00 or 14:00 UTC is the same day in
    London, summer or winter."""
    return "%sT%02d:00:00Z" % (day.isoformat(), hour)


def add_months(day, n):
    """day plus n months as PostgreSQL adds them (clamped to the month's
    last day)."""
    y, m = divmod(day.month - 1 + n, 12)
    y += day.year
    m += 1
    return datetime.date(y, m, min(day.day, calendar.monthrange(y, m)[1]))


def sha256(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------
# People at their own machines, driving the scc binary.

class Party:
    """One person: a home of their own, logged in with scc login."""

    def __init__(self, login, password, name=None):
        self.login = login
        self.name = name
        self.home = Home(inst)
        r = self.home.login(login, password)
        if r.returncode != 0:
            raise AssertionError("scc login %s: exit %d: %s"
                                 % (login, r.returncode, r.err))

    def run(self, *args, stdin=None, env=None):
        return self.home.run(*[str(a) for a in args], stdin=stdin, env=env)

    def ok(self, *args, stdin=None, env=None):
        r = self.run(*args, stdin=stdin, env=env)
        if r.returncode != 0:
            raise AssertionError("%s: scc %s: exit %d\nstdout %s\nstderr %s"
                                 % (self.login, " ".join(map(str, args)),
                                    r.returncode, r.out, r.err))
        return r

    def json(self, *args, env=None):
        return json.loads(self.ok("--format", "json", *args, env=env).out)

    def refused(self, code, *args):
        """The server says NO [code]: scc exits 1 naming the code."""
        r = self.run(*args)
        if r.returncode != 1 or not re.search(r"\(%s[ )]" % code, r.err):
            raise AssertionError("%s: scc %s: expected NO [%s], got exit %d"
                                 "\nstdout %s\nstderr %s"
                                 % (self.login, " ".join(map(str, args)),
                                    code, r.returncode, r.out, r.err))
        return r

    def editor(self, name, script):
        """An environment whose $EDITOR runs script on the file given."""
        path = os.path.join(self.home.dir, name)
        with open(path, "w") as f:
            f.write("#!/bin/sh\n" + script)
        os.chmod(path, 0o755)
        return self.home.env(EDITOR=path, VISUAL="")

    def file(self, name, text):
        path = os.path.join(self.home.dir, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return shlex.quote(path)

    def remove(self):
        self.home.remove()


class CycleCase(unittest.TestCase):
    """An authority of its own: its lead officer, a school with its
    headteacher and chair of governors, a link partner, and another school
    with a headteacher of its own, each added with scc user add and their
    one-time password changed with scc password."""

    SCHOOL = "Cycle School"
    OTHER = "Other School"

    @classmethod
    def setUpClass(cls):
        cls.parties = []
        login = inst.add_authority(cw.uniq("cy."))
        cls.lead = cls.party(login, LEAD_PW, "Lead Officer")
        cls.school = cls.add_school(cls.SCHOOL)
        cls.other_school = cls.add_school(cls.OTHER)
        cls.lp = cls.new_user("link_partner", "Lin Partner")
        cls.head = cls.new_user("headteacher", "Ann Head", cls.school)
        cls.gov = cls.new_user("governor", "Renée Governor", cls.school)
        cls.other_head = cls.new_user("headteacher", "Olu Head",
                                      cls.other_school)

    @classmethod
    def tearDownClass(cls):
        for p in cls.parties:
            p.remove()

    @classmethod
    def party(cls, login, password, name):
        p = Party(login, password, name)
        cls.parties.append(p)
        return p

    @classmethod
    def add_school(cls, name):
        for _ in range(20):
            r = cls.lead.run("--format", "json", "school", "add", "--urn",
                             cw.fresh_urn(), "--name", name, "--phase",
                             "primary")
            if r.returncode == 1 and "CONFLICT" in r.err:
                continue            # a URN another test took
            if r.returncode != 0:
                raise AssertionError("school add: %s" % r.err)
            return json.loads(r.out)["school"][0]["id"]
        raise AssertionError("no free URN")

    @classmethod
    def new_user(cls, role, name, school=None):
        login = cw.uniq(role[:2] + ".")
        args = ["user", "add", "--login", login, "--name", name, "--role",
                role] + (["--school", school] if school else [])
        d = cls.lead.json(*args)
        assert d["user"][0]["one_time"] is True, d
        secret = d["secret"][0]["password"]
        p = cls.party(login, secret, name)
        r = p.ok("password", stdin="%s\n%s\n" % (secret, OWN_PW))
        assert "password changed" in r.out, r.out
        me = [u for u in test_client.find_dicts(p.json("whoami"))
              if u.get("login") == login]
        assert me and me[0]["role"] == role, me
        return p

    # -- what a party sees --

    def deadlines(self, party, days=None):
        args = ["deadlines"] + (["--days", days] if days is not None else [])
        return [(d["meeting"], d["what"], d["due"], d["owner"], d["overdue"])
                for d in party.json(*args)]

    def dashboard(self, party):
        return {s["id"]: s for s in party.json("dashboard")}

    def minutes(self, party, meeting):
        d = party.json("minutes", meeting)
        self.assertEqual(len(d["minutes"]), 1, d)
        return d["minutes"][0], d.get("step") or []

    def step(self, party, verb, meeting, *args):
        """A minutes step as party; the MINUTES record it answers with."""
        d = party.json("minutes", verb, meeting, *args)
        self.assertEqual(len(d["minutes"]), 1, d)
        self.assertEqual(d["minutes"][0]["meeting"], meeting)
        return d["minutes"][0]

    def sees_nothing_of(self, party, case, meetings, actions):
        """party (of another school) gets NOTFOUND on everything of case."""
        party.refused("NOTFOUND", "case", case)
        party.refused("NOTFOUND", "school", self.school)
        party.refused("NOTFOUND", "meeting", "list", "--case", case)
        party.refused("NOTFOUND", "actions", "--case", case)
        party.refused("NOTFOUND", "cases", "--school", self.school)
        for m in meetings:
            party.refused("NOTFOUND", "minutes", m)
            party.refused("NOTFOUND", "minutes", "confirm", m)
            party.refused("NOTFOUND", "minutes", "return", m, "--comment",
                          "not mine")
            party.refused("NOTFOUND", "minutes", "acknowledge", m)
            party.refused("NOTFOUND", "meeting", "held", m)
        for a in actions:
            party.refused("NOTFOUND", "action", "update", a, "--progress",
                          "red")
        for listing in ("meetings", "actions", "cases"):
            self.assertNotIn(case, [r.get("case", r.get("id")) for r in
                                    party.json(listing)], listing)
        self.assertEqual([s["id"] for s in party.json("schools")],
                         [self.other_school])
        self.assertEqual(list(self.dashboard(party)), [self.other_school])
        self.assertNotIn(case, [d[0] for d in self.deadlines(party, 366)])


# ---------------------------------------------------------------------------

class TestSecuringGood(CycleCase):
    """seeds/000: the Securing Good process, steps 1 to 12."""

    SCHOOL = "Oakfield Primary"
    OTHER = "Riverside Primary"

    def test_securing_good_cycle(self):
        L, P, H, G, X = (self.lead, self.lp, self.head, self.gov,
                         self.other_head)
        A = self.school
        t0 = today()

        # 1. Risk factors identified: two areas this term, the school at red.
        L.ok("risk", "set", A, "--area", "attainment", "--rating", "red",
             "--note", "KS2 reading well below the floor")
        L.ok("risk", "set", A, "--area", "leadership_governance",
             "--rating", "amber", "--note", "new headteacher, acting chair")
        L.ok("level", "set", A, "--level", "red", "--reason",
             "Securing Good: attainment red, leadership amber")
        shown = L.json("school", A)
        self.assertEqual(shown["school"][0]["level"], "red")
        self.assertIs(shown["school"][0]["shared_concern"], True)
        self.assertEqual(shown["level"][-1]["by"], L.login)
        self.assertEqual(H.json("school", A)["school"][0]["level"], "red")
        self.assertEqual([s["id"] for s in G.json("schools")], [A])
        self.assertEqual(P.json("schools"), [])        # not assigned yet

        # The case, at identified: the school is not told yet.
        case = L.json("case", "open", A, "--programme", "securing_good",
                      "--reason", "attainment red, leadership amber",
                      "--link_partner", P.login)["case"][0]
        C = case["id"]
        self.assertEqual((case["stage"], case["programme"], case["lead"],
                          case["link_partner"]),
                         ("identified", "securing_good", L.login, P.login))
        # The link partner now works with the school.
        self.assertEqual([s["id"] for s in P.json("schools")], [A])

        # 2. Letter to the headteacher and chair of governors.
        L.ok("case", "stage", C, "--stage", "engagement", "--reason",
             "engagement letter sent to the headteacher and the chair of "
             "governors")

        # 3. The engagement meeting, at Perceval House, and the deadlines
        # before it in calendar days: proforma 14, agenda 7, documents 2,
        # reception 1.
        day1 = t0 + 20 * DAY
        T1 = at(day1)
        d = L.json("meeting", "schedule", C, "--kind", "engagement", "--at",
                   T1, "--place", "Perceval House", "--attendees",
                   "%s, %s" % (H.login, G.login))
        m1 = d["meeting"][0]
        M1 = m1["id"]
        self.assertEqual(
            (m1["case"], m1["school"], m1["kind"], m1["at"], m1["place"],
             m1["status"], m1["chair"], m1["taker"], m1["attendees"]),
            (C, A, "engagement", T1, "Perceval House", "scheduled", L.login,
             P.login, "%s, %s" % (H.name, G.name)))
        self.assertEqual(
            [(x["meeting"], x["what"], x["due"], x["owner"], x["overdue"])
             for x in d["deadline"]],
            [(M1, "proforma", iso(day1 - 14 * DAY), L.login, False),
             (M1, "agenda", iso(day1 - 7 * DAY), L.login, False),
             (M1, "documents", iso(day1 - 2 * DAY), H.login, False),
             (M1, "reception", iso(day1 - DAY), H.login, False)])
        # Each owner sees their own: the proforma and agenda within the
        # default fortnight, the school's documents only further ahead.
        self.assertEqual(self.deadlines(L), [
            (M1, "proforma", iso(day1 - 14 * DAY), L.login, False),
            (M1, "agenda", iso(day1 - 7 * DAY), L.login, False)])
        self.assertEqual(self.deadlines(H), [])
        self.assertEqual(self.deadlines(H, 30), [
            (M1, "documents", iso(day1 - 2 * DAY), H.login, False),
            (M1, "reception", iso(day1 - DAY), H.login, False)])
        self.assertEqual(self.deadlines(P, 60), [])
        self.assertEqual(self.deadlines(G, 60), [])
        # The school sees its meeting; nobody takes minutes before it.
        for who in (H, G, P):
            self.assertEqual([m["id"] for m in who.json("meetings")], [M1])
        H.refused("NOTFOUND", "minutes", M1)
        P.refused("CONFLICT", "minutes", "draft", M1, "--text", "too early",
                  "--version", 0)
        H.refused("FORBIDDEN", "meeting", "held", M1)

        # 4/8. Held; the first Securing Good meeting agreed at its end,
        # half a term on (the school is red), scheduled like this one.
        day2 = day1 + 42 * DAY
        T2 = at(day2)
        held = L.json("meeting", "held", M1, "--next", T2)["meeting"]
        self.assertEqual([m["id"] for m in held][0], M1)
        self.assertEqual(len(held), 2, held)
        M2 = held[0]["next"]
        self.assertEqual(held[1]["id"], M2)
        self.assertEqual(held[0]["status"], "held")
        self.assertIsNone(held[0]["suggested_next"])
        self.assertRegex(held[0]["held"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(
            (held[1]["kind"], held[1]["at"], held[1]["status"],
             held[1]["place"], held[1]["chair"], held[1]["taker"],
             held[1]["attendees"]),
            ("monitoring", T2, "scheduled", "Perceval House", L.login,
             P.login, "%s, %s" % (H.name, G.name)))
        # The minute taker's clock: 10 days from the day it was held.
        self.assertEqual(self.deadlines(P), [
            (M1, "minutes", iso(t0 + 10 * DAY), P.login, False)])
        # The engagement meeting's own deadlines stop; the next one's run.
        self.assertEqual(self.deadlines(H, 30), [])
        self.assertEqual(self.deadlines(H, 70), [
            (M2, "documents", iso(day2 - 2 * DAY), H.login, False),
            (M2, "reception", iso(day2 - DAY), H.login, False)])
        self.assertEqual(self.deadlines(L, 70), [
            (M2, "proforma", iso(day2 - 14 * DAY), L.login, False),
            (M2, "agenda", iso(day2 - 7 * DAY), L.login, False)])

        # 10. The minutes: drafted by the link partner in their editor.
        text1 = ("Engagement meeting, Perceval House\n"
                 "Present: %s (chair), %s, %s. Minutes: %s.\n"
                 "Agreed: the school enters Securing Good; the first "
                 "meeting in six weeks.\n" % (L.name, H.name, G.name,
                                               P.name))
        for who in (H, G):
            who.refused("NOTFOUND", "minutes", M1)       # none yet
        r = P.ok("minutes", "edit", M1, env=P.editor(
            "v1.sh", "cp %s \"$1\"\n" % P.file("v1.txt", text1)))
        self.assertIn("version 1 drafted", r.out)
        for who in (H, G, X):
            who.refused("NOTFOUND", "minutes", M1)       # a draft
        m, steps = self.minutes(L, M1)
        self.assertEqual((m["version"], m["state"], m["by"], m["text"],
                          m["hash"]), (1, "draft", P.login, text1, None))
        # Submitted to the chair: the taker's clock stops.
        self.assertEqual(self.step(P, "submit", M1)["state"], "with_chair")
        self.assertEqual(self.deadlines(P), [])
        H.refused("NOTFOUND", "minutes", M1)
        H.refused("NOTFOUND", "minutes", "confirm", M1)
        G.refused("NOTFOUND", "minutes", "acknowledge", M1)
        P.refused("FORBIDDEN", "minutes", "approve", M1)
        # Returned once by the chair, saying why: a draft again, the clock
        # running again.
        why_chair = "Please say who owns each action and by when"
        back = self.step(L, "return", M1, "--comment", why_chair)
        self.assertEqual((back["state"], back["version"]), ("draft", 1))
        self.assertEqual(self.deadlines(P), [
            (M1, "minutes", iso(t0 + 10 * DAY), P.login, False)])
        # Drafted again; a draft from a stale version is refused.
        text2 = text1 + ("Actions: the headteacher publishes the reading "
                         "plan; the chair of governors sends the skills "
                         "audit; Lin arranges maths moderation.\n")
        P.refused("CONFLICT", "minutes", "draft", M1, "--text", "stale",
                  "--version", 0)
        v2 = self.step(P, "draft", M1, "--text", text2, "--version", 1)
        self.assertEqual((v2["version"], v2["state"], v2["text"]),
                         (2, "draft", text2))
        self.step(P, "submit", M1)
        self.assertEqual(self.step(L, "approve", M1)["state"],
                         "with_headteacher")
        # With the headteacher, the school sees them; nobody else confirms.
        for who in (H, G):
            m, _ = self.minutes(who, M1)
            self.assertEqual((m["state"], m["version"], m["text"]),
                             ("with_headteacher", 2, text2))
        X.refused("NOTFOUND", "minutes", M1)
        for who in (G, P, L):
            who.refused("FORBIDDEN", "minutes", "confirm", M1)
        G.refused("CONFLICT", "minutes", "acknowledge", M1)
        # The headteacher returns them: a figure is wrong.
        why_head = "Attendance was 94.1%, not 91.4%"
        self.assertEqual(self.step(H, "return", M1, "--comment",
                                   why_head)["state"], "draft")
        H.refused("NOTFOUND", "minutes", M1)
        extra = "Correction: attendance this term is 94.1% (Renée).\n"
        r = P.ok("minutes", "edit", M1, env=P.editor(
            "v3.sh", "cat %s >> \"$1\"\n" % P.file("extra.txt", extra)))
        self.assertIn("version 3 drafted", r.out)
        text3 = text2 + extra
        self.step(P, "submit", M1)
        self.step(L, "approve", M1)
        # Confirmed by the headteacher: the SHA-256 of the text is kept.
        conf = self.step(H, "confirm", M1)
        self.assertEqual((conf["state"], conf["version"], conf["text"],
                          conf["hash"]),
                         ("confirmed", 3, text3, sha256(text3)))
        # Confirmed minutes never change.
        P.refused("CONFLICT", "minutes", "draft", M1, "--text", "changed",
                  "--version", 3)
        H.refused("CONFLICT", "minutes", "return", M1, "--comment", "late")
        L.refused("CONFLICT", "minutes", "return", M1, "--comment", "late")
        H.refused("CONFLICT", "minutes", "confirm", M1)
        # Acknowledged by the chair of governors, once.
        H.refused("FORBIDDEN", "minutes", "acknowledge", M1)
        ack = self.step(G, "acknowledge", M1)
        self.assertEqual((ack["state"], ack["hash"]),
                         ("confirmed", sha256(text3)))
        G.refused("CONFLICT", "minutes", "acknowledge", M1)
        # 11. Circulated by the lead officer.
        P.refused("FORBIDDEN", "minutes", "circulate", M1)
        H.refused("FORBIDDEN", "minutes", "circulate", M1)
        circ = self.step(L, "circulate", M1)
        self.assertEqual((circ["state"], circ["version"], circ["text"],
                          circ["hash"]),
                         ("circulated", 3, text3, sha256(text3)))
        L.refused("CONFLICT", "minutes", "circulate", M1)
        # The history, every step in order, the same for the school.
        m, steps = self.minutes(L, M1)
        self.assertEqual(
            [(s["meeting"], s["step"], s["from"], s["to"], s["by"],
              s["version"], s["comment"]) for s in steps],
            [(M1, "draft", "draft", "draft", P.login, 1, None),
             (M1, "submit", "draft", "with_chair", P.login, 1, None),
             (M1, "return", "with_chair", "draft", L.login, 1, why_chair),
             (M1, "draft", "draft", "draft", P.login, 2, None),
             (M1, "submit", "draft", "with_chair", P.login, 2, None),
             (M1, "approve", "with_chair", "with_headteacher", L.login, 2,
              None),
             (M1, "return", "with_headteacher", "draft", H.login, 2,
              why_head),
             (M1, "draft", "draft", "draft", P.login, 3, None),
             (M1, "submit", "draft", "with_chair", P.login, 3, None),
             (M1, "approve", "with_chair", "with_headteacher", L.login, 3,
              None),
             (M1, "confirm", "with_headteacher", "confirmed", H.login, 3,
              None),
             (M1, "acknowledge", "confirmed", "confirmed", G.login, 3, None),
             (M1, "circulate", "confirmed", "circulated", L.login, 3,
              None)])
        self.assertEqual([s["at"] for s in steps],
                         sorted(s["at"] for s in steps))
        for who in (H, G, P):
            self.assertEqual(self.minutes(who, M1), (m, steps))
        # Each step is one audit entry of the case, in the same order.
        audit = L.json("audit", "--case", C)
        self.assertEqual([a["what"] for a in reversed(audit)
                          if a["what"].startswith("minutes.")],
                         ["minutes." + s["step"] for s in steps])
        self.assertIn("verified", L.ok("audit", "verify").out)

        # Actions agreed at the engagement meeting.
        a1 = L.json("action", "add", C, "--title",
                    "Publish the reading recovery plan", "--owner", H.login,
                    "--due", iso(t0 + 14 * DAY), "--detail",
                    "Phonics first, Year 2 and Year 3", "--meeting",
                    M1)["action"][0]
        a2 = L.json("action", "add", C, "--title",
                    "Send the governors' skills audit", "--owner", G.login,
                    "--due", iso(t0 + 7 * DAY), "--meeting", M1)["action"][0]
        a3 = P.json("action", "add", C, "--title",
                    "Arrange maths moderation with the cluster", "--owner",
                    P.login, "--due", iso(t0 + 30 * DAY), "--meeting",
                    M1)["action"][0]
        A1, A2, A3 = a1["id"], a2["id"], a3["id"]
        for a, owner in ((a1, H), (a2, G), (a3, P)):
            self.assertEqual((a["case"], a["school"], a["meeting"],
                              a["owner"], a["status"], a["overdue"]),
                             (C, A, M1, owner.login, "open", False))
        H.refused("FORBIDDEN", "action", "add", C, "--title", "mine",
                  "--owner", H.login, "--due", iso(t0 + 7 * DAY))
        # The school reports progress; who owns it and when are the
        # officers'.
        u = H.json("action", "update", A1, "--status", "in_progress",
                   "--progress", "amber", "--note",
                   "Year 2 groups started")["action"][0]
        self.assertEqual((u["status"], u["progress"], u["due"]),
                         ("in_progress", "amber", iso(t0 + 14 * DAY)))
        H.refused("FORBIDDEN", "action", "update", A1, "--due",
                  iso(t0 + 40 * DAY))
        G.refused("FORBIDDEN", "action", "update", A2, "--progress", "green")
        self.assertEqual([a["id"] for a in H.json("actions", "--mine", "yes")],
                         [A1])
        self.assertEqual([a["id"] for a in G.json("actions")], [A1, A2, A3])
        # One goes overdue: the skills audit was promised for yesterday.
        late = L.json("action", "update", A2, "--due", iso(t0 - DAY),
                      "--note", "promised for yesterday")["action"][0]
        self.assertEqual((late["due"], late["overdue"]),
                         (iso(t0 - DAY), True))
        self.assertEqual([(a["id"], a["overdue"]) for a in
                          L.json("actions", "--overdue", "yes")],
                         [(A2, True)])
        tsv = L.ok("--format", "tsv", "actions", "--overdue", "yes").out
        rows = [line.split("\t") for line in tsv.splitlines() if line]
        self.assertEqual(len(rows), 2, tsv)
        self.assertEqual(dict(zip(rows[0], rows[1]))["overdue"], "yes")
        self.assertEqual([a["id"] for a in G.json("actions", "--overdue",
                                                  "yes")], [A2])
        row = self.dashboard(L)[A]
        self.assertEqual((row["level"], row["case"], row["stage"],
                          row["overdue_actions"], row["next_meeting"]),
                         ("red", C, "engagement", 1, T2))
        self.assertEqual(self.dashboard(H)[A]["overdue_actions"], 1)
        # Done, it is overdue no more.
        done = H.json("action", "update", A2, "--status", "done", "--note",
                      "skills audit sent to the LA")["action"][0]
        self.assertEqual((done["status"], done["overdue"]), ("done", False))
        self.assertEqual(L.json("actions", "--overdue", "yes"), [])
        self.assertEqual(self.dashboard(L)[A]["overdue_actions"], 0)

        # 9. The next meeting, agreed at the end, for everyone to see.
        for who in (L, H, G, P):
            seen = {m["id"]: m for m in who.json("meetings")}
            self.assertEqual(sorted(seen), [M1, M2], who.login)
            self.assertEqual((seen[M1]["status"], seen[M1]["next"]),
                             ("held", M2))
            self.assertEqual((seen[M2]["status"], seen[M2]["at"]),
                             ("scheduled", T2))
            self.assertEqual(self.dashboard(who)[A]["next_meeting"], T2)
        self.assertIn(T2, L.ok("meetings").out)

        # The first Securing Good meeting decides entry; the next one is
        # agreed at its end.
        L.ok("case", "stage", C, "--stage", "in_programme", "--reason",
             "entry agreed at the first Securing Good meeting")
        day3 = day2 + 42 * DAY
        T3 = at(day3)
        held = L.json("meeting", "held", M2, "--next", T3)["meeting"]
        M3 = held[0]["next"]
        self.assertEqual((held[1]["id"], held[1]["at"], held[1]["kind"]),
                         (M3, T3, "monitoring"))
        k = L.json("case", C)
        self.assertEqual((k["case"][0]["stage"], k["case"][0]["entered"]),
                         ("in_programme", iso(t0)))
        self.assertEqual([x["to"] for x in k["decision"]],
                         ["identified", "engagement", "in_programme"])
        for who in (L, H):
            row = self.dashboard(who)[A]
            self.assertEqual((row["stage"], row["next_meeting"]),
                             ("in_programme", T3))
        self.assertEqual(self.deadlines(P), [
            (M2, "minutes", iso(t0 + 10 * DAY), P.login, False)])

        # The headteacher of another school sees none of it.
        self.sees_nothing_of(X, C, [M1, M2, M3], [A1, A2, A3])


class TestIop(CycleCase):
    """seeds/004 7.3: IOP meetings every two months, agendas a week ahead,
    minutes within a week."""

    SCHOOL = "St Mary's CE Primary"
    OTHER = "Hilltop Primary"

    def test_iop_cycle(self):
        L, P, H, G, X = (self.lead, self.lp, self.head, self.gov,
                         self.other_head)
        A = self.school
        t0 = today()

        prog = L.json("programme", "iop")["programme"][0]
        self.assertEqual((prog["agenda"], prog["agenda_days"],
                          prog["minutes"], prog["minutes_days"],
                          prog["cadence_red"]),
                         (7, "calendar", 7, "calendar", "two_monthly"))
        for unused in ("proforma", "documents", "reception"):
            self.assertIsNone(prog[unused], unused)

        L.ok("level", "set", A, "--level", "red", "--reason",
             "intensive support: standards unacceptably low")
        C = L.json("case", "open", A, "--programme", "iop", "--reason",
                   "standards unacceptably low", "--link_partner",
                   P.login)["case"][0]["id"]
        L.ok("case", "stage", C, "--stage", "engagement", "--reason",
             "school told; baseline review commissioned")
        L.ok("case", "stage", C, "--stage", "in_programme", "--reason",
             "entry agreed by the Children and Families SMT")

        # An IOP meeting at the school: only the agenda is due before it.
        day1 = t0 + 10 * DAY
        T1 = at(day1, 14)
        d = L.json("meeting", "schedule", C, "--kind", "monitoring", "--at",
                   T1, "--place", "St Mary's CE Primary", "--attendees",
                   "%s, %s, Diocesan adviser" % (H.login, G.login))
        M1 = d["meeting"][0]["id"]
        self.assertEqual(d["meeting"][0]["attendees"],
                         "%s, %s, Diocesan adviser" % (H.name, G.name))
        self.assertEqual(
            [(x["what"], x["due"], x["owner"], x["overdue"])
             for x in d["deadline"]],
            [("agenda", iso(day1 - 7 * DAY), L.login, False)])
        self.assertEqual(self.deadlines(L), [
            (M1, "agenda", iso(day1 - 7 * DAY), L.login, False)])
        self.assertEqual(self.deadlines(H, 60), [])
        self.assertEqual(self.deadlines(P, 60), [])

        # Held with no date agreed: the cadence suggests two months on.
        held = L.json("meeting", "held", M1)["meeting"]
        self.assertEqual(len(held), 1, held)
        self.assertEqual((held[0]["status"], held[0]["next"],
                          held[0]["suggested_next"]),
                         ("held", None, iso(add_months(t0, 2))))
        # Minutes within a week of the meeting.
        self.assertEqual(self.deadlines(P), [
            (M1, "minutes", iso(t0 + 7 * DAY), P.login, False)])
        self.assertEqual(self.deadlines(L), [])

        text = ("IOP meeting at St Mary's\nProgress report of the school "
                "management group received.\nRevised targets: Year 6 "
                "maths 70% at the expected standard by March.\n")
        r = P.ok("minutes", "edit", M1, env=P.editor(
            "iop.sh", "cp %s \"$1\"\n" % P.file("iop.txt", text)))
        self.assertIn("version 1 drafted", r.out)
        H.refused("NOTFOUND", "minutes", M1)
        self.step(P, "submit", M1)
        self.assertEqual(self.deadlines(P), [])
        self.step(L, "approve", M1)
        conf = self.step(H, "confirm", M1)
        self.assertEqual((conf["state"], conf["hash"]),
                         ("confirmed", sha256(text)))
        self.step(G, "acknowledge", M1)
        self.assertEqual(self.step(L, "circulate", M1)["state"],
                         "circulated")
        m, steps = self.minutes(G, M1)
        self.assertEqual((m["state"], m["text"], m["hash"]),
                         ("circulated", text, sha256(text)))
        self.assertEqual([(s["step"], s["by"]) for s in steps],
                         [("draft", P.login), ("submit", P.login),
                          ("approve", L.login), ("confirm", H.login),
                          ("acknowledge", G.login), ("circulate", L.login)])

        # Revised actions and targets agreed at the meeting; one was due
        # before it (a date in the past is taken as it is).
        A1 = L.json("action", "add", C, "--title",
                    "Year 6 maths: 70% at the expected standard", "--owner",
                    H.login, "--due", iso(t0 + 56 * DAY), "--meeting",
                    M1)["action"][0]["id"]
        late = L.json("action", "add", C, "--title",
                      "Send the management group's progress report",
                      "--owner", H.login, "--due", iso(t0 - 3 * DAY),
                      "--meeting", M1)["action"][0]
        A2 = late["id"]
        self.assertIs(late["overdue"], True)
        H.ok("action", "update", A1, "--status", "in_progress", "--progress",
             "green", "--note", "intervention groups running")
        self.assertEqual([a["id"] for a in H.json("actions", "--overdue",
                                                  "yes")], [A2])
        self.assertEqual(self.dashboard(L)[A]["overdue_actions"], 1)

        # A professionals' meeting after the IOP meeting, at three days'
        # notice: its agenda deadline is missed already.
        dp = L.json("meeting", "schedule", C, "--kind", "professionals",
                    "--at", at(t0 + 3 * DAY), "--place", "Westfields",
                    "--attendees", "HR adviser, Finance officer")
        MP = dp["meeting"][0]["id"]
        self.assertEqual([(x["what"], x["due"], x["overdue"])
                          for x in dp["deadline"]],
                         [("agenda", iso(t0 - 4 * DAY), True)])
        self.assertEqual(self.deadlines(L), [
            (MP, "agenda", iso(t0 - 4 * DAY), L.login, True)])
        # The next IOP meeting on the date suggested.
        day2 = add_months(t0, 2)
        T2 = at(day2, 14)
        M2 = L.json("meeting", "schedule", C, "--kind", "monitoring", "--at",
                    T2, "--place", "St Mary's CE Primary", "--attendees",
                    "%s, %s" % (H.login, G.login))["meeting"][0]["id"]
        self.assertEqual(self.dashboard(L)[A]["next_meeting"],
                         at(t0 + 3 * DAY))
        # The professionals' meeting is called off: its clock stops, and
        # the next IOP meeting is the next meeting.
        L.ok("meeting", "cancel", MP, "--reason",
             "services consulted by email instead")
        self.assertEqual(self.deadlines(L), [])
        self.assertEqual(self.deadlines(L, 70), [
            (M2, "agenda", iso(day2 - 7 * DAY), L.login, False)])
        for who in (L, H, G):
            self.assertEqual(self.dashboard(who)[A]["next_meeting"], T2)
        seen = {m["id"]: m for m in H.json("meetings")}
        self.assertEqual({k: (m["kind"], m["status"]) for k, m in
                          seen.items()},
                         {M1: ("monitoring", "held"),
                          MP: ("professionals", "cancelled"),
                          M2: ("monitoring", "scheduled")})
        self.assertEqual(seen[MP]["reason"],
                         "services consulted by email instead")

        self.sees_nothing_of(X, C, [M1, MP, M2], [A1, A2])


# ---------------------------------------------------------------------------
# The minutes chain, step by step, over the raw protocol.

LC, LN, PT, PN, HD, HX, GV = ("lead officer, chair", "lead officer, not chair",
                              "link partner, minute taker",
                              "link partner, not the taker",
                              "headteacher", "headteacher of another school",
                              "governor")
ROLES = (LC, LN, PT, PN, HD, HX, GV)
STEPS = ("DRAFT", "SUBMIT", "APPROVE", "RETURN", "CONFIRM", "ACKNOWLEDGE",
         "CIRCULATE")
# The states a meeting's minutes can be in, with how each is reached from
# a held meeting: D draft, S submit, A approve, C confirm, K acknowledge,
# I circulate.  "scheduled": the meeting is not held yet.
STATES = {
    "scheduled": None,
    "none": "",
    "draft": "D",
    "with_chair": "DS",
    "with_headteacher": "DSA",
    "confirmed": "DSAC",
    "confirmed, acknowledged": "DSACK",
    "circulated": "DSACI",
    "acknowledged, circulated": "DSACKI",
    "circulated, acknowledged": "DSACIK",
}
CODE = {"OK": "OK", "NF": "NOTFOUND", "FB": "FORBIDDEN", "CF": "CONFLICT"}
LATER = ("confirmed", "confirmed, acknowledged", "circulated",
         "acknowledged, circulated", "circulated, acknowledged")
ALL_NF = "NF NF NF NF NF NF NF"


def _expect():
    """EXPECT[step][state]: the answer for each of ROLES, as the SQL of
    sql/013_minutes.sql decides it: a meeting the caller cannot see is
    NOTFOUND; minutes not there yet, or not yet passed to the school (for
    a headteacher or governor), NOTFOUND; a role or person the step is not
    theirs FORBIDDEN; a step from another state CONFLICT."""
    e = {s: {} for s in STEPS}
    #                       LC LN PT PN HD HX GV
    e["DRAFT"]["scheduled"] = "CF CF CF FB FB NF FB"
    e["DRAFT"]["none"] = "OK OK OK FB FB NF FB"
    e["DRAFT"]["draft"] = "OK OK OK FB FB NF FB"
    for s in ("with_chair", "with_headteacher") + LATER:
        e["DRAFT"][s] = "CF CF CF FB FB NF FB"

    e["SUBMIT"]["draft"] = "OK OK OK FB NF NF NF"
    e["SUBMIT"]["with_chair"] = "CF CF CF FB NF NF NF"
    for s in ("with_headteacher",) + LATER:
        e["SUBMIT"][s] = "CF CF CF FB FB NF FB"

    e["APPROVE"]["draft"] = "CF FB FB FB NF NF NF"
    e["APPROVE"]["with_chair"] = "OK FB FB FB NF NF NF"
    for s in ("with_headteacher",) + LATER:
        e["APPROVE"][s] = "CF FB FB FB FB NF FB"

    e["RETURN"]["draft"] = "CF FB FB FB NF NF NF"
    e["RETURN"]["with_chair"] = "OK FB FB FB NF NF NF"
    e["RETURN"]["with_headteacher"] = "CF FB FB FB OK NF FB"
    for s in LATER:
        e["RETURN"][s] = "CF FB FB FB CF NF FB"

    for s in ("draft", "with_chair"):
        e["CONFIRM"][s] = "FB FB FB FB NF NF NF"
    e["CONFIRM"]["with_headteacher"] = "FB FB FB FB OK NF FB"
    for s in LATER:
        e["CONFIRM"][s] = "FB FB FB FB CF NF FB"

    for s in ("draft", "with_chair"):
        e["ACKNOWLEDGE"][s] = "FB FB FB FB NF NF NF"
    e["ACKNOWLEDGE"]["with_headteacher"] = "FB FB FB FB FB NF CF"
    e["ACKNOWLEDGE"]["confirmed"] = "FB FB FB FB FB NF OK"
    e["ACKNOWLEDGE"]["circulated"] = "FB FB FB FB FB NF OK"
    for s in ("confirmed, acknowledged", "acknowledged, circulated",
              "circulated, acknowledged"):
        e["ACKNOWLEDGE"][s] = "FB FB FB FB FB NF CF"

    for s in ("draft", "with_chair"):
        e["CIRCULATE"][s] = "CF CF FB FB NF NF NF"
    e["CIRCULATE"]["with_headteacher"] = "CF CF FB FB FB NF FB"
    for s in ("confirmed", "confirmed, acknowledged"):
        e["CIRCULATE"][s] = "OK OK FB FB FB NF FB"
    for s in ("circulated", "acknowledged, circulated",
              "circulated, acknowledged"):
        e["CIRCULATE"][s] = "CF CF FB FB FB NF FB"

    # No minutes yet (or no meeting held): nothing to take a step on.
    for step in STEPS[1:]:
        e[step]["scheduled"] = ALL_NF
        e[step]["none"] = ALL_NF
    return {step: {state: dict(zip(ROLES, answers.split()))
                   for state, answers in by_state.items()}
            for step, by_state in e.items()}


EXPECT = _expect()

# The workflow of domain.md, written out on its own: from each state, the
# steps that move it on, and who may take each step.
DOMAIN_STEPS = {
    "scheduled": set(),
    "none": {"DRAFT"},
    "draft": {"DRAFT", "SUBMIT"},
    "with_chair": {"APPROVE", "RETURN"},
    "with_headteacher": {"CONFIRM", "RETURN"},
    "confirmed": {"CIRCULATE", "ACKNOWLEDGE"},
    "confirmed, acknowledged": {"CIRCULATE"},
    "circulated": {"ACKNOWLEDGE"},
    "acknowledged, circulated": set(),
    "circulated, acknowledged": set(),
}
DOMAIN_WHO = {
    "DRAFT": {LC, LN, PT}, "SUBMIT": {LC, LN, PT}, "APPROVE": {LC},
    "RETURN": {LC, HD}, "CONFIRM": {HD}, "ACKNOWLEDGE": {GV},
    "CIRCULATE": {LC, LN},
}
AFTER = {"DRAFT": "draft", "SUBMIT": "with_chair",
         "APPROVE": "with_headteacher", "RETURN": "draft",
         "CONFIRM": "confirmed", "ACKNOWLEDGE": None,
         "CIRCULATE": "circulated"}


class TestMinutesChain(cw.CaseworkCase):
    """Authority M: school S with its headteacher and governor, a case of S
    whose lead officer chairs its meetings and whose link partner takes
    their minutes, a second lead officer, a second link partner assigned
    to S, and the headteacher of another school of M."""

    @classmethod
    def setUpClass(cls):
        cls.m = cw.Authority("mch")
        lead = cls.m.lead
        cls.S, _ = cw.add_school(lead, "Chain Primary")
        cls.T, _ = cw.add_school(lead, "Other Primary")
        users = {LN: (cw.L, None), PT: (cw.P, None), PN: (cw.P, None),
                 HD: (cw.H, cls.S), HX: (cw.H, cls.T), GV: (cw.G, cls.S)}
        cls.c = {LC: lead}
        for role, (kind, school) in users.items():
            login, secret = cw.make_user(lead, kind, school)
            cls.c[role] = cw.activate(login, secret, kind)
        lead.ok("ASSIGN %s school=%s" % (cls.c[PN].login, cls.S))
        cls.case = lead.ok("CASE OPEN %s programme=securing_good "
                           "reason=chain link_partner=%s"
                           % (cls.S, cls.c[PT].login))[0][1]["id"]

    @classmethod
    def tearDownClass(cls):
        for c in cls.c.values():
            c.close()

    # -- helpers --

    def make(self, state):
        """A new meeting of the case with its minutes in state."""
        c = self.c
        recs = c[LC].ok("MEETING SCHEDULE %s kind=monitoring "
                        "at=2027-03-01T10:00:00Z" % self.case)
        m = recs[0][1]["id"]
        self.assertEqual((recs[0][1]["chair"], recs[0][1]["taker"]),
                         (c[LC].login, c[PT].login))
        path = STATES[state]
        if path is None:
            return m
        c[LC].ok("MEETING HELD %s" % m)
        for s in path:
            c[{"D": PT, "S": PT, "A": LC, "C": HD, "K": GV,
               "I": LC}[s]].ok({
                   "D": 'MINUTES DRAFT %s text="first draft" version=0',
                   "S": "MINUTES SUBMIT %s", "A": "MINUTES APPROVE %s",
                   "C": "MINUTES CONFIRM %s", "K": "MINUTES ACKNOWLEDGE %s",
                   "I": "MINUTES CIRCULATE %s"}[s] % m)
        return m

    def show(self, m, role=LC):
        """MINUTES SHOW as role, the tag taken off: the whole answer."""
        lines = self.c[role].call("MINUTES SHOW %s" % m)
        return lines[:-1] + [lines[-1].split(" ", 1)[1]]

    def parsed(self, m):
        lines = self.c[LC].call("MINUTES SHOW %s" % m)
        if cw.answer(lines) != "OK":
            return None, []
        recs = cw.records(lines)
        self.assertEqual(recs[0][0], "MINUTES", recs)
        return recs[0][1], [f for t, f in recs[1:] if t == "STEP"]

    @staticmethod
    def request(step, m, version):
        if step == "DRAFT":
            return 'MINUTES DRAFT %s text="step by step" version=%d' % (
                m, version)
        if step == "RETURN":
            return 'MINUTES RETURN %s comment="step by step"' % m
        return "MINUTES %s %s" % (step, m)

    def check_step(self, step):
        for state in STATES:
            expect = EXPECT[step][state]
            with self.subTest(step=step, state=state):
                self.refusals(step, state, expect)
            for role in ROLES:
                if expect[role] == "OK":
                    with self.subTest(step=step, state=state, role=role):
                        self.allowed(step, state, role)

    def refusals(self, step, state, expect):
        m = self.make(state)
        before = self.show(m)
        rec, _ = self.parsed(m)
        version = int(rec["version"]) if rec else 0
        db = cw.state()
        newest = self.m.newest_audit()
        text = self.request(step, m, version)
        for role in ROLES:
            if expect[role] == "OK":
                continue
            lines = self.c[role].call(text)
            self.assertAnswer(lines, CODE[expect[role]], "%s by the %s, "
                              "minutes %s" % (step, role, state))
            self.assertEqual(self.show(m), before, "%s refused to the %s "
                             "changed the minutes (%s)" % (step, role, state))
        self.assertEqual(self.m.newest_audit(), newest,
                         "a refused %s wrote an audit entry (%s)"
                         % (step, state))
        self.assertEqual(cw.state(), db, "a refused %s changed the database "
                         "(%s)" % (step, state))

    def allowed(self, step, state, role):
        m = self.make(state)
        rec, steps = self.parsed(m)
        version = int(rec["version"]) if rec else 0
        from_state = rec["state"] if rec else "draft"
        lines = self.c[role].call(self.request(step, m, version))
        self.assertAnswer(lines, "OK", "%s by the %s, minutes %s"
                          % (step, role, state))
        after, after_steps = self.parsed(m)
        got = cw.records(lines)
        self.assertEqual([t for t, f in got], ["MINUTES"])
        self.assertEqual(got[0][1], after)
        to_state = AFTER[step] or from_state
        new_version = version + 1 if step == "DRAFT" else version
        self.assertEqual((after["state"], int(after["version"])),
                         (to_state, new_version))
        if to_state in ("confirmed", "circulated"):
            self.assertEqual((after["text"], after["hash"]),
                             ("first draft", sha256("first draft")))
        else:
            self.assertNotIn("hash", after)
        self.assertEqual(after_steps[:-1], steps)
        last = after_steps[-1]
        self.assertEqual((last["step"], last["from"], last["to"],
                          last["by"], int(last["version"]),
                          last.get("comment")),
                         (step.lower(), from_state, to_state,
                          self.c[role].login, new_version,
                          "step by step" if step == "RETURN" else None))

    # -- the tests --

    def test_table_follows_the_domain(self):
        """The table of answers says what domain.md says: from each state
        only its next steps can be taken, only by the people whose step it
        is. (A check of EXPECT itself; the tests below hold the server to
        EXPECT.)"""
        for state in STATES:
            moves = {step for step in STEPS
                     if "OK" in EXPECT[step][state].values()}
            self.assertEqual(moves, DOMAIN_STEPS[state], state)
        for step in STEPS:
            for state in STATES:
                for role, answer in EXPECT[step][state].items():
                    if answer == "OK":
                        self.assertIn(role, DOMAIN_WHO[step],
                                      (step, state))
                    # another school's headteacher sees nothing of it
                    if role == HX:
                        self.assertEqual(answer, "NF", (step, state))

    def test_draft(self):
        self.check_step("DRAFT")

    def test_submit(self):
        self.check_step("SUBMIT")

    def test_approve(self):
        self.check_step("APPROVE")

    def test_return(self):
        self.check_step("RETURN")

    def test_confirm(self):
        self.check_step("CONFIRM")

    def test_acknowledge(self):
        self.check_step("ACKNOWLEDGE")

    def test_circulate(self):
        self.check_step("CIRCULATE")

    def test_school_sees_from_with_headteacher(self):
        """MINUTES SHOW: the school sees the minutes once the chair has
        passed them on, and never before; another school never."""
        for state in STATES:
            m = self.make(state)
            hidden = STATES[state] in (None, "", "D", "DS")
            for role in ROLES:
                answer = cw.answer(self.c[role].call("MINUTES SHOW %s" % m))
                if role == HX or STATES[state] in (None, ""):
                    want = "NOTFOUND"
                elif role in (HD, GV) and hidden:
                    want = "NOTFOUND"
                else:
                    want = "OK"
                self.assertEqual(answer, want, "%s, minutes %s"
                                 % (role, state))

    def test_named_minute_taker_can_take_the_minutes(self):
        """A link partner accepted as a meeting's minute taker must be able
        to draft its minutes, or not be accepted as its taker at all."""
        lead = self.c[LC]
        login, secret = cw.make_user(lead, cw.P)
        other = cw.activate(login, secret, cw.P)
        self.addCleanup(other.close)
        lines = lead.call("MEETING SCHEDULE %s kind=monitoring "
                          "at=2027-03-01T10:00:00Z taker=%s"
                          % (self.case, login))
        if cw.answer(lines) != "OK":
            self.assertAnswer(lines, "INVALID", "taker not assigned")
            return
        m = cw.records(lines)[0][1]["id"]
        lead.ok("MEETING HELD %s" % m)
        lines = other.call('MINUTES DRAFT %s text="minutes" version=0' % m)
        self.assertAnswer(lines, "OK", "MEETING SCHEDULE took %s (a link "
                          "partner not assigned to the school) as minute "
                          "taker; their MINUTES DRAFT" % login)

    def test_next_meeting_keeps_its_people(self):
        """MEETING HELD next=: the next meeting is scheduled like this one,
        its attendees who are users still the same users (they are the
        people told of it)."""
        lead = self.c[LC]
        recs = lead.ok("MEETING SCHEDULE %s kind=engagement "
                       "at=2027-03-01T10:00:00Z attendees=\"%s, %s, "
                       "Diocesan adviser\"" % (self.case, self.c[HD].login,
                                               self.c[GV].login))
        m = recs[0][1]["id"]
        nxt = lead.ok("MEETING HELD %s next=2027-04-12T10:00:00Z"
                      % m)[1][1]["id"]

        def people(meeting):
            out = inst.psql("SELECT 'row=' || coalesce(user_id::text, '-') "
                            "|| ':' || name FROM scc.meeting_attendee "
                            "WHERE meeting_id = %s ORDER BY id" % meeting)
            return re.findall(r"row=(\S+:[^\n]*?)\s*$", out, re.M)

        first = people(m)
        self.assertEqual(len(first), 3, first)
        self.assertTrue(first[0].split(":")[0] != "-", first)
        self.assertEqual(people(nxt), first)


if __name__ == "__main__":
    unittest.main()
