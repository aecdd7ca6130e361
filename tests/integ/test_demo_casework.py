"""The demo authority of `sccd init --demo`: believable casework, seen
through each role.

It is what a person trying scc meets first, so it has to show the
product: a dozen schools across the three levels, this term's risk with
one shared concern, alerts, cases of every preset programme at several
stages, meetings with their deadlines, actions, and users of every role
who each see their own part of it.
"""

import unittest

import instance
from scc_driver import parse_fields

DEMO_PW = instance.DEMO_PASSWORD


def records(lines, kind):
    return [parse_fields(line) for line in lines
            if line.startswith("* %s " % kind)]


class TestDemoCasework(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.inst = instance.shared()

    def session(self, user, password=DEMO_PW):
        conn, _ = self.inst.login(user, password)
        self.addCleanup(conn.close)
        return conn

    def ok(self, conn, tag, text):
        lines = conn.request(tag, text)
        self.assertTrue(lines[-1].startswith(tag + " OK"), lines)
        return lines

    def test_lead_officer_sees_the_whole_authority(self):
        c = self.session(self.inst.admin, instance.ADMIN_PASSWORD)
        schools = records(self.ok(c, "d1", "DASHBOARD"), "SCHOOL")
        self.assertEqual(len(schools), 12)
        levels = {s["level"] for s in schools}
        self.assertEqual(levels, {"green", "amber", "red"})
        concerns = [s for s in schools if s["shared_concern"] == "yes"]
        self.assertEqual([s["name"] for s in concerns], ["Oakfield Primary"])

        cases = records(self.ok(c, "d2", "CASE LIST"), "CASE")
        programmes = {k["programme"] for k in cases}
        self.assertEqual(programmes, {"securing_good", "iop",
                                      "ofsted_category"})
        self.assertGreaterEqual(len({k["stage"] for k in cases}), 4)
        exited = [k for k in cases if k["stage"] == "exited"]
        self.assertTrue(exited and "monitoring_until" in exited[0], cases)

        alerts = records(self.ok(c, "d3", "ALERT LIST status=open"),
                         "ALERT")
        self.assertGreaterEqual(len(alerts), 2)
        verify = records(self.ok(c, "d4", "AUDIT VERIFY"), "AUDIT")
        self.assertGreater(int(verify[0]["verified"]), 50)

    def test_each_role_sees_its_part(self):
        seen = {}
        for user in ("link.partner", "head.oakfield", "chair.oakfield",
                     "head.riverside"):
            c = self.session(user)
            seen[user] = {s["urn"] for s in
                          records(self.ok(c, "s1", "SCHOOL LIST"), "SCHOOL")}
        self.assertEqual(seen["head.oakfield"], {"100101"})
        self.assertEqual(seen["chair.oakfield"], {"100101"})
        self.assertEqual(seen["head.riverside"], {"100102"})
        # The link partner has the schools of the cases they work on.
        self.assertIn("100101", seen["link.partner"])
        self.assertLess(len(seen["link.partner"]), 12)

    def test_headteacher_reads_their_case_history(self):
        c = self.session("head.oakfield")
        school = records(self.ok(c, "h1", "SCHOOL LIST"), "SCHOOL")[0]
        shown = self.ok(c, "h2", "SCHOOL SHOW %s" % school["id"])
        self.assertTrue(records(shown, "LEVEL"))
        self.assertEqual(len(records(shown, "RISK")), 3)
        case = self.ok(c, "h3", "CASE SHOW %s" % school["case"])
        stages = [d["to"] for d in records(case, "DECISION")]
        self.assertEqual(stages, ["identified", "engagement", "in_programme"])


    def test_meetings_and_deadlines(self):
        c = self.session(self.inst.admin, instance.ADMIN_PASSWORD)
        meetings = records(self.ok(c, "m1", "MEETING LIST"), "MEETING")
        self.assertEqual({m["status"] for m in meetings},
                         {"held", "scheduled"})
        held = [m for m in meetings if m["status"] == "held"][0]
        self.assertIn(held["next"], {m["id"] for m in meetings})
        mine = records(self.ok(c, "m2", "DEADLINES days=30"), "DEADLINE")
        self.assertTrue(mine)
        self.assertIn("yes", {d["overdue"] for d in mine})
        # The minute taker's clock runs from the meeting held.
        lp = self.session("link.partner")
        theirs = records(self.ok(lp, "m3", "DEADLINES"), "DEADLINE")
        self.assertEqual([d["what"] for d in theirs], ["minutes"])
        head = self.session("head.oakfield")
        seen = records(self.ok(head, "m4", "MEETING LIST"), "MEETING")
        self.assertEqual({m["school"] for m in seen},
                         {held["school"]})


    def test_agenda_carries_open_actions(self):
        c = self.session(self.inst.admin, instance.ADMIN_PASSWORD)
        meetings = records(self.ok(c, "g1", "MEETING LIST"), "MEETING")
        held = [m for m in meetings if m["status"] == "held"][0]
        # What Oakfield's engagement meeting agreed is on the next agenda.
        head = self.session("head.oakfield")
        items = records(self.ok(head, "g2", "AGENDA %s" % held["next"]),
                        "ITEM")
        self.assertEqual({i["kind"] for i in items}, {"action", "document"},
                         items)
        self.assertLessEqual({"Publish the reading recovery plan",
                              "Send the governors' skills audit"},
                             {i["title"] for i in items})
        # and the school is asked for a document, not yet arrived.
        asked = [i for i in items if i["kind"] == "document"]
        self.assertEqual([(i["title"], i["arrived"]) for i in asked],
                         [("Attendance figures for this term", "no")])

    def test_documents_visits_support(self):
        head = self.session("head.oakfield")
        cases = records(self.ok(head, "d1", "CASE LIST"), "CASE")
        case = cases[0]["id"]
        docs = records(self.ok(head, "d2", "DOC LIST %s" % case), "DOC")
        self.assertEqual([(d["name"], d["version"]) for d in docs],
                         [("Improvement plan.txt", "2")])
        lines = self.ok(head, "d3", "DOC GET %s" % docs[0]["id"])
        self.assertIn(b"3. Governance", lines[0].encode("utf-8",
                                                        "surrogateescape"))
        # The school reads the note that was quality-assured, not the other.
        notes = records(self.ok(head, "v1", "VISIT LIST"), "VISIT")
        self.assertEqual([n["status"] for n in notes], ["quality_assured"])
        lp = self.session("link.partner")
        notes = records(self.ok(lp, "v2", "VISIT LIST"), "VISIT")
        self.assertEqual(sorted(n["status"] for n in notes),
                         ["quality_assured", "submitted"])
        support = records(self.ok(head, "s1", "SUPPORT LIST case=%s" % case),
                          "SUPPORT")
        self.assertEqual([s["provider"] for s in support], ["Maths Hub"])

    def test_actions(self):
        head = self.session("head.oakfield")
        mine = records(self.ok(head, "a1", "ACTION LIST mine=yes"), "ACTION")
        self.assertEqual([a["owner"] for a in mine], ["head.oakfield"])
        chair = self.session("chair.oakfield")
        late = records(self.ok(chair, "a2", "ACTION LIST overdue=yes"),
                       "ACTION")
        self.assertEqual([a["owner"] for a in late], ["chair.oakfield"])
        c = self.session(self.inst.admin, instance.ADMIN_PASSWORD)
        oak = [s for s in records(self.ok(c, "a3", "DASHBOARD"), "SCHOOL")
               if s["urn"] == "100101"][0]
        self.assertEqual(oak["overdue_actions"], "1")
        self.assertIn("next_meeting", oak)


if __name__ == "__main__":
    unittest.main()
