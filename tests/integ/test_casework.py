"""Casework I: who may do what, the stage machine, hostile text, the audit
chain and disabled users (issue 6).

Every test makes its own authority (add_authority) on the shared instance
and its own users, schools and cases, so it depends on no demo row and no
other test. Chains are per authority, so the test that breaks one breaks
only its own.

The authorization matrix is one table, MATRIX: every casework command of
protocol/commands.c, with the request to send for each target (own or
assigned school, another school of the same authority, another
authority's, an id that does not exist) and the exact answer for each role.
test_matrix_covers_command_table fails when a command of the table has no
row here.
"""

import json
import os
import random
import re
import string
import threading
import time
import unittest

import instance
from scc_driver import parse_completion, parse_fields, quote

HERE = os.path.dirname(os.path.abspath(__file__))
inst = None
ADMIN_PW = instance.ADMIN_PASSWORD
NEW_PW = "casework pass phrase 9"
MISSING = "9000000000000000000"     # a well-formed id no row has

# Commands of the table that are not casework.
SESSION_COMMANDS = {"CAPABILITY", "NOOP", "LOGIN", "RESUME", "WHOAMI",
                    "PASSWORD", "WATCH", "LOGOUT"}

L, P, H, G = "lead_officer", "link_partner", "headteacher", "governor"
ROLES = (L, P, H, G)
OK, NF, FB, CF = "OK", "NOTFOUND", "FORBIDDEN", "CONFLICT"
NONE_SEE = (NF, NF, NF, NF)


def setUpModule():
    global inst
    inst = instance.default()
    # URNs are unique nationally: keep clear of every school there is.
    _used_urns.update(re.findall(r"urn=(\d{6})",
                                 inst.psql("SELECT 'urn=' || urn "
                                           "FROM scc.school")))


# ---------------------------------------------------------------------------
# The matrix.
#
# MATRIX[command] is a list of rows (target, request, answers, extra):
#   target   what the request is aimed at: own (the school the link partner
#            is assigned to and the headteacher and governor belong to),
#            other (a school of the same authority), foreign (another
#            authority's), missing (no such id), "-" (no target), or a
#            named special case;
#   request  the request text; {placeholders} are filled by Fixture.resolve
#            for that target (see there);
#   answers  the answer for (lead_officer, link_partner, headteacher,
#            governor): OK or the code of NO;
#   extra    rec: the record type of an OK answer; audit: the `what` of the
#            one audit entry a successful change writes (no key: a read,
#            which writes none); rows: how to check a listing's rows.
#
# Order of refusals (PROTOCOL.md 4.2): a target the caller may not see is
# NOTFOUND before anything else; FORBIDDEN when the role may not do it to a
# target it sees; CONFLICT last. Commands only a lead officer may ever use
# (schools added, areas and programmes configured, users, assignments, the
# audit log) are FORBIDDEN to other roles whatever their arguments name.

MATRIX = {
    "SCHOOL LIST": [
        ("-", "SCHOOL LIST", (OK, OK, OK, OK), {"rows": "schools"}),
    ],
    "SCHOOL SHOW": [
        ("own", "SCHOOL SHOW {school}", (OK, OK, OK, OK),
         {"rec": "SCHOOL", "rows": "schools"}),
        ("other", "SCHOOL SHOW {school}", (OK, NF, NF, NF),
         {"rec": "SCHOOL", "rows": "schools"}),
        ("foreign", "SCHOOL SHOW {school}", NONE_SEE, {}),
        ("missing", "SCHOOL SHOW {school}", NONE_SEE, {}),
    ],
    "SCHOOL ADD": [
        ("new", 'SCHOOL ADD urn={urn} name="Matrix School" phase=primary',
         (OK, FB, FB, FB), {"rec": "SCHOOL", "audit": "school.add"}),
        ("own", 'SCHOOL ADD urn={urn} name="Matrix School" phase=primary',
         (CF, FB, FB, FB), {"audit": "school.add"}),
        ("foreign", 'SCHOOL ADD urn={urn} name="Matrix School" phase=primary',
         (CF, FB, FB, FB), {"audit": "school.add"}),
    ],
    "LEVEL SET": [
        ("own", 'LEVEL SET {school} level=amber reason="matrix"',
         (OK, FB, FB, FB), {"rec": "SCHOOL", "audit": "school.level"}),
        ("other", 'LEVEL SET {school} level=amber reason="matrix"',
         (OK, NF, NF, NF), {"rec": "SCHOOL", "audit": "school.level"}),
        ("foreign", 'LEVEL SET {school} level=amber reason="matrix"',
         NONE_SEE, {"audit": "school.level"}),
        ("missing", 'LEVEL SET {school} level=amber reason="matrix"',
         NONE_SEE, {"audit": "school.level"}),
    ],
    "RISK SET": [
        ("own", 'RISK SET {school} area=progress rating=amber note="matrix"',
         (OK, OK, FB, FB), {"rec": "RISK", "audit": "risk.set"}),
        ("other", 'RISK SET {school} area=progress rating=amber note="matrix"',
         (OK, NF, NF, NF), {"rec": "RISK", "audit": "risk.set"}),
        ("foreign", 'RISK SET {school} area=progress rating=red',
         NONE_SEE, {"audit": "risk.set"}),
        ("missing", 'RISK SET {school} area=progress rating=red',
         NONE_SEE, {"audit": "risk.set"}),
    ],
    "RISK LIST": [
        ("own", "RISK LIST {school}", (OK, OK, OK, OK),
         {"rec": "RISK", "rows": "schools"}),
        ("other", "RISK LIST {school}", (OK, NF, NF, NF),
         {"rec": "RISK", "rows": "schools"}),
        ("foreign", "RISK LIST {school}", NONE_SEE, {}),
        ("missing", "RISK LIST {school}", NONE_SEE, {}),
    ],
    "AREA LIST": [
        ("-", "AREA LIST", (OK, OK, OK, OK), {"rec": "AREA", "rows": "areas"}),
    ],
    "AREA PRESET": [
        ("-", "AREA PRESET preset=ealing", (OK, FB, FB, FB),
         {"rec": "AREA", "audit": "area.preset"}),
    ],
    "AREA ADD": [
        ("new", 'AREA ADD area={area} title="Matrix area"', (OK, FB, FB, FB),
         {"rec": "AREA", "audit": "area.add"}),
        ("own", "AREA ADD area={area}", (CF, FB, FB, FB),
         {"audit": "area.add"}),
        # A name another authority uses is free in this one.
        ("foreign", "AREA ADD area={area}", (OK, FB, FB, FB),
         {"rec": "AREA", "audit": "area.add"}),
    ],
    "ALERT RAISE": [
        ("own", 'ALERT RAISE {school} area=safeguarding text="matrix" '
         'severity=low', (OK, OK, FB, FB),
         {"rec": "ALERT", "audit": "alert.raise"}),
        ("other", 'ALERT RAISE {school} area=safeguarding text="matrix" '
         'severity=low', (OK, NF, NF, NF),
         {"rec": "ALERT", "audit": "alert.raise"}),
        ("foreign", 'ALERT RAISE {school} area=safeguarding text="matrix" '
         'severity=low', NONE_SEE, {"audit": "alert.raise"}),
        ("missing", 'ALERT RAISE {school} area=safeguarding text="matrix" '
         'severity=low', NONE_SEE, {"audit": "alert.raise"}),
    ],
    "ALERT LIST": [
        ("-", "ALERT LIST", (OK, OK, OK, OK),
         {"rec": "ALERT", "rows": "schools"}),
        ("own", "ALERT LIST school={school}", (OK, OK, OK, OK),
         {"rec": "ALERT", "rows": "schools"}),
        ("other", "ALERT LIST school={school}", (OK, NF, NF, NF),
         {"rec": "ALERT", "rows": "schools"}),
        ("foreign", "ALERT LIST school={school}", NONE_SEE, {}),
        ("missing", "ALERT LIST school={school}", NONE_SEE, {}),
    ],
    "ALERT RESOLVE": [
        ("own", 'ALERT RESOLVE {alert} note="matrix"', (OK, OK, FB, FB),
         {"rec": "ALERT", "audit": "alert.resolved"}),
        ("other", 'ALERT RESOLVE {alert} note="matrix"', (OK, NF, NF, NF),
         {"rec": "ALERT", "audit": "alert.resolved"}),
        ("foreign", 'ALERT RESOLVE {alert} note="matrix"', NONE_SEE,
         {"audit": "alert.resolved"}),
        ("missing", 'ALERT RESOLVE {alert} note="matrix"', NONE_SEE,
         {"audit": "alert.resolved"}),
        ("closed", 'ALERT RESOLVE {alert} note="matrix"', (CF, CF, FB, FB),
         {"audit": "alert.resolved"}),
    ],
    "PROGRAMME LIST": [
        ("-", "PROGRAMME LIST", (OK, OK, OK, OK),
         {"rec": "PROGRAMME", "rows": "programmes"}),
    ],
    "PROGRAMME SHOW": [
        ("own", "PROGRAMME SHOW {programme}", (OK, OK, OK, OK),
         {"rec": "PROGRAMME"}),
        ("foreign", "PROGRAMME SHOW {programme}", NONE_SEE, {}),
        ("missing", "PROGRAMME SHOW {programme}", NONE_SEE, {}),
    ],
    "PROGRAMME SET": [
        ("own", "PROGRAMME SET {programme} setting=max_months value=30",
         (OK, FB, FB, FB), {"rec": "PROGRAMME", "audit": "programme.set"}),
        ("foreign", "PROGRAMME SET {programme} setting=max_months value=30",
         NONE_SEE, {"audit": "programme.set"}),
        ("missing", "PROGRAMME SET {programme} setting=max_months value=30",
         NONE_SEE, {"audit": "programme.set"}),
    ],
    "PROGRAMME ADD": [
        ("new", 'PROGRAMME ADD name={progname} title="Matrix programme"',
         (OK, FB, FB, FB), {"rec": "PROGRAMME", "audit": "programme.add"}),
        ("own", 'PROGRAMME ADD name={progname} title="Matrix programme"',
         (CF, FB, FB, FB), {"audit": "programme.add"}),
        ("foreign", 'PROGRAMME ADD name={progname} title="Matrix programme"',
         (OK, FB, FB, FB), {"rec": "PROGRAMME", "audit": "programme.add"}),
    ],
    "CASE OPEN": [
        ("own", 'CASE OPEN {nocase} programme=securing_good reason="matrix"',
         (OK, FB, FB, FB), {"rec": "CASE", "audit": "case.open"}),
        ("other", 'CASE OPEN {nocase} programme=securing_good '
         'reason="matrix"', (OK, NF, NF, NF),
         {"rec": "CASE", "audit": "case.open"}),
        ("foreign", 'CASE OPEN {nocase} programme=securing_good '
         'reason="matrix"', NONE_SEE, {"audit": "case.open"}),
        ("missing", 'CASE OPEN {nocase} programme=securing_good '
         'reason="matrix"', NONE_SEE, {"audit": "case.open"}),
        # own school, with a case open: the second is CONFLICT.
        ("busy", 'CASE OPEN {nocase} programme=securing_good '
         'reason="matrix"', (CF, FB, FB, FB), {"audit": "case.open"}),
    ],
    "CASE LIST": [
        ("-", "CASE LIST", (OK, OK, OK, OK),
         {"rec": "CASE", "rows": "schools"}),
        ("own", "CASE LIST school={school}", (OK, OK, OK, OK),
         {"rec": "CASE", "rows": "schools"}),
        ("other", "CASE LIST school={school}", (OK, NF, NF, NF),
         {"rec": "CASE", "rows": "schools"}),
        ("foreign", "CASE LIST school={school}", NONE_SEE, {}),
        ("missing", "CASE LIST school={school}", NONE_SEE, {}),
    ],
    "CASE SHOW": [
        ("own", "CASE SHOW {case}", (OK, OK, OK, OK), {"rec": "CASE"}),
        ("other", "CASE SHOW {case}", (OK, NF, NF, NF), {"rec": "CASE"}),
        ("foreign", "CASE SHOW {case}", NONE_SEE, {}),
        ("missing", "CASE SHOW {case}", NONE_SEE, {}),
    ],
    "CASE STAGE": [
        ("own", 'CASE STAGE {freshcase} stage=engagement reason="matrix"',
         (OK, FB, FB, FB), {"rec": "CASE", "audit": "case.stage"}),
        ("other", 'CASE STAGE {freshcase} stage=engagement reason="matrix"',
         (OK, NF, NF, NF), {"rec": "CASE", "audit": "case.stage"}),
        ("foreign", 'CASE STAGE {freshcase} stage=engagement '
         'reason="matrix"', NONE_SEE, {"audit": "case.stage"}),
        ("missing", 'CASE STAGE {freshcase} stage=engagement '
         'reason="matrix"', NONE_SEE, {"audit": "case.stage"}),
    ],
    "DASHBOARD": [
        ("-", "DASHBOARD", (OK, OK, OK, OK),
         {"rec": "SCHOOL", "rows": "schools"}),
    ],
    "MEETING SCHEDULE": [
        ("own", "MEETING SCHEDULE {case} kind=monitoring "
         "at=2027-03-08T10:00:00Z", (OK, OK, FB, FB),
         {"rec": "MEETING", "audit": "meeting.schedule"}),
        ("other", "MEETING SCHEDULE {case} kind=monitoring "
         "at=2027-03-08T10:00:00Z", (OK, NF, NF, NF),
         {"rec": "MEETING", "audit": "meeting.schedule"}),
        ("foreign", "MEETING SCHEDULE {case} kind=monitoring "
         "at=2027-03-08T10:00:00Z", NONE_SEE, {"audit": "meeting.schedule"}),
        ("missing", "MEETING SCHEDULE {case} kind=monitoring "
         "at=2027-03-08T10:00:00Z", NONE_SEE, {"audit": "meeting.schedule"}),
    ],
    "MEETING LIST": [
        ("-", "MEETING LIST", (OK, OK, OK, OK),
         {"rec": "MEETING", "rows": "schools"}),
        ("own", "MEETING LIST case={case}", (OK, OK, OK, OK), {}),
        ("other", "MEETING LIST case={case}", (OK, NF, NF, NF), {}),
        ("foreign", "MEETING LIST case={case}", NONE_SEE, {}),
        ("missing", "MEETING LIST case={case}", NONE_SEE, {}),
    ],
    "MEETING HELD": [
        ("own", "MEETING HELD {meeting}", (OK, OK, FB, FB),
         {"rec": "MEETING", "audit": "meeting.held"}),
        ("other", "MEETING HELD {meeting}", (OK, NF, NF, NF),
         {"rec": "MEETING", "audit": "meeting.held"}),
        ("foreign", "MEETING HELD {meeting}", NONE_SEE,
         {"audit": "meeting.held"}),
        ("missing", "MEETING HELD {meeting}", NONE_SEE,
         {"audit": "meeting.held"}),
    ],
    "MEETING CANCEL": [
        ("own", 'MEETING CANCEL {meeting} reason="matrix"', (OK, OK, FB, FB),
         {"rec": "MEETING", "audit": "meeting.cancel"}),
        ("other", 'MEETING CANCEL {meeting} reason="matrix"',
         (OK, NF, NF, NF), {"rec": "MEETING", "audit": "meeting.cancel"}),
        ("foreign", 'MEETING CANCEL {meeting} reason="matrix"', NONE_SEE,
         {"audit": "meeting.cancel"}),
        ("missing", 'MEETING CANCEL {meeting} reason="matrix"', NONE_SEE,
         {"audit": "meeting.cancel"}),
    ],
    "DEADLINES": [
        ("-", "DEADLINES days=365", (OK, OK, OK, OK), {}),
    ],
    # Each role's own work; test_events.TestWaiting checks what is in it.
    "WAITING": [
        ("-", "WAITING", (OK, OK, OK, OK), {"rec": "WAITING"}),
    ],
    # The documents are the school's (its headteacher's) to bring, the
    # agenda the case lead's to send; a lead officer marks any of them met.
    "DEADLINE DONE": [
        ("own", "DEADLINE DONE {meeting} what=documents", (OK, FB, OK, FB),
         {"rec": "DEADLINE", "audit": "deadline.done"}),
        ("own", "DEADLINE DONE {meeting} what=agenda", (OK, FB, FB, FB),
         {"rec": "DEADLINE", "audit": "deadline.done"}),
        # a meeting not yet held has no minutes deadline
        ("own", "DEADLINE DONE {meeting} what=minutes", NONE_SEE,
         {"audit": "deadline.done"}),
        ("met", "DEADLINE DONE {metmeeting} what=documents", (CF, FB, CF, FB),
         {"audit": "deadline.done"}),
        ("other", "DEADLINE DONE {meeting} what=agenda", (OK, NF, NF, NF),
         {"rec": "DEADLINE", "audit": "deadline.done"}),
        ("foreign", "DEADLINE DONE {meeting} what=agenda", NONE_SEE,
         {"audit": "deadline.done"}),
        ("missing", "DEADLINE DONE {meeting} what=agenda", NONE_SEE,
         {"audit": "deadline.done"}),
    ],
    # Whoever sees the meeting reads its agenda: an open action carried
    # forward, then an item added by hand.
    "AGENDA": [
        ("own", "AGENDA {agenda}", (OK, OK, OK, OK), {"rec": "ITEM"}),
        ("other", "AGENDA {agenda}", (OK, NF, NF, NF), {"rec": "ITEM"}),
        ("foreign", "AGENDA {agenda}", NONE_SEE, {}),
        ("missing", "AGENDA {agenda}", NONE_SEE, {}),
    ],
    "AGENDA ADD": [
        ("own", 'AGENDA ADD {meeting} title="matrix"', (OK, OK, FB, FB),
         {"rec": "ITEM", "audit": "agenda.add"}),
        ("own", 'AGENDA ADD {meeting} title="matrix" kind=document '
         'detail="the attendance figures"', (OK, OK, FB, FB),
         {"rec": "ITEM", "audit": "agenda.add"}),
        # once held, the agenda is closed
        ("own", 'AGENDA ADD {mheld} title="matrix"', (CF, CF, FB, FB),
         {"audit": "agenda.add"}),
        ("other", 'AGENDA ADD {meeting} title="matrix"', (OK, NF, NF, NF),
         {"rec": "ITEM", "audit": "agenda.add"}),
        ("foreign", 'AGENDA ADD {meeting} title="matrix"', NONE_SEE,
         {"audit": "agenda.add"}),
        ("missing", 'AGENDA ADD {meeting} title="matrix"', NONE_SEE,
         {"audit": "agenda.add"}),
    ],
    # The minutes chain. The school sees minutes from when the chair passes
    # them on: before that they are NOTFOUND to a headteacher or governor.
    "MINUTES SHOW": [
        ("own", "MINUTES SHOW {mhead}", (OK, OK, OK, OK), {"rec": "MINUTES"}),
        ("own", "MINUTES SHOW {mdraft}", (OK, OK, NF, NF), {"rec": "MINUTES"}),
        ("other", "MINUTES SHOW {mhead}", (OK, NF, NF, NF),
         {"rec": "MINUTES"}),
        ("foreign", "MINUTES SHOW {mhead}", NONE_SEE, {}),
        ("missing", "MINUTES SHOW {mhead}", NONE_SEE, {}),
    ],
    "MINUTES DRAFT": [
        # the link partner is not this meeting's minute taker
        ("own", 'MINUTES DRAFT {mheld} text="matrix" version=0',
         (OK, FB, FB, FB), {"rec": "MINUTES", "audit": "minutes.draft"}),
        ("own", 'MINUTES DRAFT {mdraft} text="stale" version=0',
         (CF, FB, FB, FB), {"audit": "minutes.draft"}),
        ("other", 'MINUTES DRAFT {mheld} text="matrix" version=0',
         (OK, NF, NF, NF), {"rec": "MINUTES", "audit": "minutes.draft"}),
        ("foreign", 'MINUTES DRAFT {mheld} text="matrix" version=0',
         NONE_SEE, {"audit": "minutes.draft"}),
        ("missing", 'MINUTES DRAFT {mheld} text="matrix" version=0',
         NONE_SEE, {"audit": "minutes.draft"}),
    ],
    "MINUTES SUBMIT": [
        ("own", "MINUTES SUBMIT {mdraft}", (OK, FB, NF, NF),
         {"rec": "MINUTES", "audit": "minutes.submit"}),
        ("other", "MINUTES SUBMIT {mdraft}", (OK, NF, NF, NF),
         {"rec": "MINUTES", "audit": "minutes.submit"}),
        ("foreign", "MINUTES SUBMIT {mdraft}", NONE_SEE,
         {"audit": "minutes.submit"}),
        ("missing", "MINUTES SUBMIT {mdraft}", NONE_SEE,
         {"audit": "minutes.submit"}),
    ],
    "MINUTES APPROVE": [
        ("own", "MINUTES APPROVE {mchair}", (OK, FB, NF, NF),
         {"rec": "MINUTES", "audit": "minutes.approve"}),
        ("own", "MINUTES APPROVE {mdraft}", (CF, FB, NF, NF),
         {"audit": "minutes.approve"}),
        ("other", "MINUTES APPROVE {mchair}", (OK, NF, NF, NF),
         {"rec": "MINUTES", "audit": "minutes.approve"}),
        ("foreign", "MINUTES APPROVE {mchair}", NONE_SEE,
         {"audit": "minutes.approve"}),
        ("missing", "MINUTES APPROVE {mchair}", NONE_SEE,
         {"audit": "minutes.approve"}),
    ],
    "MINUTES RETURN": [
        ("own", 'MINUTES RETURN {mchair} comment="matrix"', (OK, FB, NF, NF),
         {"rec": "MINUTES", "audit": "minutes.return"}),
        ("other", 'MINUTES RETURN {mchair} comment="matrix"',
         (OK, NF, NF, NF), {"rec": "MINUTES", "audit": "minutes.return"}),
        ("foreign", 'MINUTES RETURN {mchair} comment="matrix"', NONE_SEE,
         {"audit": "minutes.return"}),
        ("missing", 'MINUTES RETURN {mchair} comment="matrix"', NONE_SEE,
         {"audit": "minutes.return"}),
    ],
    "MINUTES CONFIRM": [
        ("own", "MINUTES CONFIRM {mhead}", (FB, FB, OK, FB),
         {"rec": "MINUTES", "audit": "minutes.confirm"}),
        ("own", "MINUTES CONFIRM {mconf}", (FB, FB, CF, FB),
         {"audit": "minutes.confirm"}),
        ("other", "MINUTES CONFIRM {mhead}", (FB, NF, NF, NF),
         {"audit": "minutes.confirm"}),
        ("foreign", "MINUTES CONFIRM {mhead}", NONE_SEE,
         {"audit": "minutes.confirm"}),
        ("missing", "MINUTES CONFIRM {mhead}", NONE_SEE,
         {"audit": "minutes.confirm"}),
    ],
    "MINUTES ACKNOWLEDGE": [
        ("own", "MINUTES ACKNOWLEDGE {mconf}", (FB, FB, FB, OK),
         {"rec": "MINUTES", "audit": "minutes.acknowledge"}),
        ("foreign", "MINUTES ACKNOWLEDGE {mconf}", NONE_SEE,
         {"audit": "minutes.acknowledge"}),
        ("missing", "MINUTES ACKNOWLEDGE {mconf}", NONE_SEE,
         {"audit": "minutes.acknowledge"}),
    ],
    "MINUTES CIRCULATE": [
        ("own", "MINUTES CIRCULATE {mconf}", (OK, FB, FB, FB),
         {"rec": "MINUTES", "audit": "minutes.circulate"}),
        ("own", "MINUTES CIRCULATE {mhead}", (CF, FB, FB, FB),
         {"audit": "minutes.circulate"}),
        ("foreign", "MINUTES CIRCULATE {mconf}", NONE_SEE,
         {"audit": "minutes.circulate"}),
        ("missing", "MINUTES CIRCULATE {mconf}", NONE_SEE,
         {"audit": "minutes.circulate"}),
    ],
    # Anyone who sees the case may upload to it and read what it holds.
    "DOC PUT": [
        ("own", "DOC PUT {case} name=m.txt data={{3+}}\r\nabc",
         (OK, OK, OK, OK), {"rec": "DOC", "audit": "doc.put"}),
        ("other", "DOC PUT {case} name=m.txt data={{3+}}\r\nabc",
         (OK, NF, NF, NF), {"rec": "DOC", "audit": "doc.put"}),
        ("foreign", "DOC PUT {case} name=m.txt data={{3+}}\r\nabc",
         NONE_SEE, {"audit": "doc.put"}),
        ("missing", "DOC PUT {case} name=m.txt data={{3+}}\r\nabc",
         NONE_SEE, {"audit": "doc.put"}),
    ],
    "DOC LIST": [
        ("own", "DOC LIST {case} versions=all", (OK, OK, OK, OK), {}),
        ("other", "DOC LIST {case}", (OK, NF, NF, NF), {}),
        ("foreign", "DOC LIST {case}", NONE_SEE, {}),
        ("missing", "DOC LIST {case}", NONE_SEE, {}),
    ],
    "DOC GET": [
        ("own", "DOC GET {doc}", (OK, OK, OK, OK), {"rec": "DOC"}),
        ("other", "DOC GET {doc}", (OK, NF, NF, NF), {"rec": "DOC"}),
        ("foreign", "DOC GET {doc}", NONE_SEE, {}),
        ("missing", "DOC GET {doc}", NONE_SEE, {}),
    ],
    "ACTION ADD": [
        ("own", 'ACTION ADD {case} title="matrix" owner={lp} due=2027-01-31',
         (OK, OK, FB, FB), {"rec": "ACTION", "audit": "action.add"}),
        ("other", 'ACTION ADD {case} title="matrix" owner={lp} '
         'due=2027-01-31', (OK, NF, NF, NF),
         {"rec": "ACTION", "audit": "action.add"}),
        ("foreign", 'ACTION ADD {case} title="matrix" owner={lp} '
         'due=2027-01-31', NONE_SEE, {"audit": "action.add"}),
        ("missing", 'ACTION ADD {case} title="matrix" owner={lp} '
         'due=2027-01-31', NONE_SEE, {"audit": "action.add"}),
    ],
    "ACTION LIST": [
        ("-", "ACTION LIST", (OK, OK, OK, OK),
         {"rec": "ACTION", "rows": "schools"}),
        ("own", "ACTION LIST case={case}", (OK, OK, OK, OK), {}),
        ("other", "ACTION LIST case={case}", (OK, NF, NF, NF), {}),
        ("foreign", "ACTION LIST case={case}", NONE_SEE, {}),
        ("missing", "ACTION LIST case={case}", NONE_SEE, {}),
    ],
    "ACTION UPDATE": [
        # progress is the school's to report; owner and due the officers'
        ("own", 'ACTION UPDATE {action} progress=amber note="matrix"',
         (OK, OK, OK, FB), {"rec": "ACTION", "audit": "action.update"}),
        ("own", "ACTION UPDATE {action} due=2027-02-28",
         (OK, OK, FB, FB), {"rec": "ACTION", "audit": "action.update"}),
        ("other", 'ACTION UPDATE {action} progress=amber note="matrix"',
         (OK, NF, NF, NF), {"rec": "ACTION", "audit": "action.update"}),
        ("foreign", 'ACTION UPDATE {action} progress=amber', NONE_SEE,
         {"audit": "action.update"}),
        ("missing", 'ACTION UPDATE {action} progress=amber', NONE_SEE,
         {"audit": "action.update"}),
    ],
    # Notes of visit, by the policy table of the domain model: only a link
    # partner submits (on an assigned school); a lead officer reads all, a
    # link partner the notes they wrote, the headteacher the own school's
    # once quality-assured (before that NOTFOUND), a governor none; only a
    # lead officer quality-assures; only the headteacher responds. A role
    # that may never use a command is FORBIDDEN whatever it names. The own
    # school's notes are the link partner's; peer: a note of the own school
    # by another link partner assigned to it; the other school's notes are
    # that partner's too.
    "VISIT SUBMIT": [
        ("own", 'VISIT SUBMIT {school} date=2026-10-05 text="matrix"',
         (FB, OK, FB, FB), {"rec": "VISIT", "audit": "visit.submit"}),
        ("own", 'VISIT SUBMIT {school} date=2026-10-05 text="matrix" '
         'case={case}', (FB, OK, FB, FB),
         {"rec": "VISIT", "audit": "visit.submit"}),
        # sent again, by its author only, and only once returned
        ("own", 'VISIT SUBMIT {school} date=2026-10-06 text="again" '
         'visit={vreturned}', (FB, OK, FB, FB),
         {"rec": "VISIT", "audit": "visit.submit"}),
        ("own", 'VISIT SUBMIT {school} date=2026-10-06 text="again" '
         'visit={vsubmitted}', (FB, CF, FB, FB), {"audit": "visit.submit"}),
        ("peer", 'VISIT SUBMIT {school} date=2026-10-06 text="again" '
         'visit={vreturned}', (FB, NF, FB, FB), {"audit": "visit.submit"}),
        ("other", 'VISIT SUBMIT {school} date=2026-10-05 text="matrix"',
         (FB, NF, FB, FB), {"audit": "visit.submit"}),
        ("foreign", 'VISIT SUBMIT {school} date=2026-10-05 text="matrix"',
         (FB, NF, FB, FB), {"audit": "visit.submit"}),
        ("missing", 'VISIT SUBMIT {school} date=2026-10-05 text="matrix"',
         (FB, NF, FB, FB), {"audit": "visit.submit"}),
    ],
    "VISIT LIST": [
        ("-", "VISIT LIST", (OK, OK, OK, FB),
         {"rec": "VISIT", "rows": "schools"}),
        ("own", "VISIT LIST school={school}", (OK, OK, OK, FB),
         {"rec": "VISIT", "rows": "schools"}),
        ("own", "VISIT LIST school={school} status=quality_assured",
         (OK, OK, OK, FB), {"rec": "VISIT", "rows": "schools"}),
        ("other", "VISIT LIST school={school}", (OK, NF, NF, FB),
         {"rec": "VISIT", "rows": "schools"}),
        ("foreign", "VISIT LIST school={school}", (NF, NF, NF, FB), {}),
        ("missing", "VISIT LIST school={school}", (NF, NF, NF, FB), {}),
    ],
    "VISIT SHOW": [
        ("own", "VISIT SHOW {vassured}", (OK, OK, OK, FB), {"rec": "VISIT"}),
        ("own", "VISIT SHOW {vresponded}", (OK, OK, OK, FB),
         {"rec": "VISIT"}),
        ("own", "VISIT SHOW {vsubmitted}", (OK, OK, NF, FB),
         {"rec": "VISIT"}),
        ("own", "VISIT SHOW {vreturned}", (OK, OK, NF, FB), {"rec": "VISIT"}),
        # another's note of a school assigned to the link partner
        ("peer", "VISIT SHOW {vassured}", (OK, NF, OK, FB),
         {"rec": "VISIT"}),
        ("peer", "VISIT SHOW {vsubmitted}", (OK, NF, NF, FB),
         {"rec": "VISIT"}),
        ("other", "VISIT SHOW {vassured}", (OK, NF, NF, FB),
         {"rec": "VISIT"}),
        ("foreign", "VISIT SHOW {vassured}", (NF, NF, NF, FB), {}),
        ("missing", "VISIT SHOW {vassured}", (NF, NF, NF, FB), {}),
    ],
    "VISIT QA": [
        ("own", "VISIT QA {vsubmitted} outcome=assured", (OK, FB, FB, FB),
         {"rec": "VISIT", "audit": "visit.assure"}),
        ("own", 'VISIT QA {vsubmitted} outcome=returned comment="matrix"',
         (OK, FB, FB, FB), {"rec": "VISIT", "audit": "visit.return"}),
        ("own", "VISIT QA {vassured} outcome=assured", (CF, FB, FB, FB),
         {"audit": "visit.assure"}),
        ("other", "VISIT QA {vsubmitted} outcome=assured", (OK, FB, FB, FB),
         {"rec": "VISIT", "audit": "visit.assure"}),
        ("foreign", "VISIT QA {vsubmitted} outcome=assured",
         (NF, FB, FB, FB), {"audit": "visit.assure"}),
        ("missing", "VISIT QA {vsubmitted} outcome=assured",
         (NF, FB, FB, FB), {"audit": "visit.assure"}),
    ],
    "VISIT RESPOND": [
        ("own", "VISIT RESPOND {vassured} response=accurate",
         (FB, FB, OK, FB), {"rec": "VISIT", "audit": "visit.respond"}),
        ("own", 'VISIT RESPOND {vassured} response=inaccurate '
         'comment="matrix"', (FB, FB, OK, FB),
         {"rec": "VISIT", "audit": "visit.respond"}),
        # once only; and not before it is quality-assured
        ("own", "VISIT RESPOND {vresponded} response=accurate",
         (FB, FB, CF, FB), {"audit": "visit.respond"}),
        ("own", "VISIT RESPOND {vsubmitted} response=accurate",
         (FB, FB, NF, FB), {"audit": "visit.respond"}),
        ("other", "VISIT RESPOND {vassured} response=accurate",
         (FB, FB, NF, FB), {"audit": "visit.respond"}),
        ("foreign", "VISIT RESPOND {vassured} response=accurate",
         (FB, FB, NF, FB), {"audit": "visit.respond"}),
        ("missing", "VISIT RESPOND {vassured} response=accurate",
         (FB, FB, NF, FB), {"audit": "visit.respond"}),
    ],
    # Support packages: lead officers broker them, everyone who sees the
    # case reads them. closed: a closed case, or a cancelled package;
    # full: a case whose budget (0) is all committed.
    "SUPPORT ADD": [
        ("own", 'SUPPORT ADD {case} provider="Matrix provider" budget=0',
         (OK, FB, FB, FB), {"rec": "SUPPORT", "audit": "support.add"}),
        ("other", 'SUPPORT ADD {case} provider="Matrix provider" budget=0',
         (OK, NF, NF, NF), {"rec": "SUPPORT", "audit": "support.add"}),
        ("foreign", 'SUPPORT ADD {case} provider="Matrix provider" budget=0',
         NONE_SEE, {"audit": "support.add"}),
        ("missing", 'SUPPORT ADD {case} provider="Matrix provider" budget=0',
         NONE_SEE, {"audit": "support.add"}),
        ("closed", 'SUPPORT ADD {closedcase} provider="Matrix provider" '
         'budget=0', (CF, FB, FB, FB), {"audit": "support.add"}),
        ("full", 'SUPPORT ADD {fullcase} provider="Matrix provider" budget=1',
         (CF, FB, FB, FB), {"audit": "support.add"}),
    ],
    "SUPPORT LIST": [
        ("-", "SUPPORT LIST", (OK, OK, OK, OK),
         {"rec": "SUPPORT", "rows": "schools"}),
        ("own", "SUPPORT LIST case={case}", (OK, OK, OK, OK),
         {"rows": "schools"}),
        ("own", "SUPPORT LIST school={school} status=brokered",
         (OK, OK, OK, OK), {"rec": "SUPPORT", "rows": "schools"}),
        ("other", "SUPPORT LIST case={case}", (OK, NF, NF, NF),
         {"rows": "schools"}),
        ("foreign", "SUPPORT LIST case={case}", NONE_SEE, {}),
        ("missing", "SUPPORT LIST case={case}", NONE_SEE, {}),
        ("foreign", "SUPPORT LIST school={school}", NONE_SEE, {}),
    ],
    "SUPPORT UPDATE": [
        ("own", 'SUPPORT UPDATE {support} status=active note="matrix"',
         (OK, FB, FB, FB), {"rec": "SUPPORT", "audit": "support.update"}),
        ("other", 'SUPPORT UPDATE {support} status=active note="matrix"',
         (OK, NF, NF, NF), {"rec": "SUPPORT", "audit": "support.update"}),
        ("foreign", 'SUPPORT UPDATE {support} note="matrix"', NONE_SEE,
         {"audit": "support.update"}),
        ("missing", 'SUPPORT UPDATE {support} note="matrix"', NONE_SEE,
         {"audit": "support.update"}),
        ("closed", "SUPPORT UPDATE {support} status=active",
         (CF, FB, FB, FB), {"audit": "support.update"}),
    ],
    "SUPPORT BUDGET": [
        ("own", 'SUPPORT BUDGET {case} budget=500000 note="matrix"',
         (OK, FB, FB, FB), {"rec": "BUDGET", "audit": "support.budget"}),
        ("other", 'SUPPORT BUDGET {case} budget=500000 note="matrix"',
         (OK, NF, NF, NF), {"rec": "BUDGET", "audit": "support.budget"}),
        ("foreign", "SUPPORT BUDGET {case} budget=500000", NONE_SEE,
         {"audit": "support.budget"}),
        ("missing", "SUPPORT BUDGET {case} budget=500000", NONE_SEE,
         {"audit": "support.budget"}),
        ("closed", "SUPPORT BUDGET {closedcase} budget=500000",
         (CF, FB, FB, FB), {"audit": "support.budget"}),
    ],
    # Interventions: lead officers record them, everyone who sees the case
    # reads them. A power is refused until the school is eligible.
    "INTERVENE": [
        ("own", 'INTERVENE {case} power=additional_governors note="matrix"',
         (OK, FB, FB, FB),
         {"rec": "INTERVENTION", "audit": "intervention.add"}),
        ("own", "INTERVENE {freshcase} power=warning_notice "
         "grounds=standards,safety", (OK, FB, FB, FB),
         {"rec": "INTERVENTION", "audit": "intervention.add"}),
        ("own", 'INTERVENE {case} power=additional_governors status=approved '
         'approved_by="Matrix SMT"', (CF, FB, FB, FB),
         {"audit": "intervention.add"}),
        ("other", 'INTERVENE {case} power=additional_governors '
         'note="matrix"', (OK, NF, NF, NF),
         {"rec": "INTERVENTION", "audit": "intervention.add"}),
        ("foreign", "INTERVENE {case} power=additional_governors", NONE_SEE,
         {"audit": "intervention.add"}),
        ("missing", "INTERVENE {case} power=additional_governors", NONE_SEE,
         {"audit": "intervention.add"}),
        ("closed", "INTERVENE {closedcase} power=additional_governors",
         (CF, FB, FB, FB), {"audit": "intervention.add"}),
    ],
    "INTERVENTION LIST": [
        ("-", "INTERVENTION LIST", (OK, OK, OK, OK),
         {"rec": "INTERVENTION", "rows": "schools"}),
        ("own", "INTERVENTION LIST case={case}", (OK, OK, OK, OK), {}),
        ("other", "INTERVENTION LIST case={case}", (OK, NF, NF, NF), {}),
        ("foreign", "INTERVENTION LIST case={case}", NONE_SEE, {}),
        ("missing", "INTERVENTION LIST case={case}", NONE_SEE, {}),
    ],
    "INTERVENTION UPDATE": [
        ("own", 'INTERVENTION UPDATE {intervention} note="matrix"',
         (OK, FB, FB, FB),
         {"rec": "INTERVENTION", "audit": "intervention.update"}),
        ("own", "INTERVENTION UPDATE {intervention} status=approved "
         'approved_by="Matrix SMT"', (CF, FB, FB, FB),
         {"audit": "intervention.update"}),
        ("other", 'INTERVENTION UPDATE {intervention} note="matrix"',
         (OK, NF, NF, NF),
         {"rec": "INTERVENTION", "audit": "intervention.update"}),
        ("foreign", 'INTERVENTION UPDATE {intervention} note="matrix"',
         NONE_SEE, {"audit": "intervention.update"}),
        ("missing", 'INTERVENTION UPDATE {intervention} note="matrix"',
         NONE_SEE, {"audit": "intervention.update"}),
    ],
    "USER ADD": [
        ("-", 'USER ADD login={newlogin} name="Matrix User" role=link_partner',
         (OK, FB, FB, FB), {"rec": "USER", "audit": "user.add"}),
        ("own", 'USER ADD login={newlogin} name="Matrix User" '
         'role=headteacher school={school}', (OK, FB, FB, FB),
         {"rec": "USER", "audit": "user.add"}),
        ("other", 'USER ADD login={newlogin} name="Matrix User" '
         'role=governor school={school}', (OK, FB, FB, FB),
         {"rec": "USER", "audit": "user.add"}),
        ("foreign", 'USER ADD login={newlogin} name="Matrix User" '
         'role=headteacher school={school}', (NF, FB, FB, FB),
         {"audit": "user.add"}),
        ("missing", 'USER ADD login={newlogin} name="Matrix User" '
         'role=headteacher school={school}', (NF, FB, FB, FB),
         {"audit": "user.add"}),
    ],
    "USER LIST": [
        ("-", "USER LIST", (OK, FB, FB, FB), {"rec": "USER", "rows": "users"}),
        ("own", "USER LIST school={school}", (OK, FB, FB, FB),
         {"rec": "USER", "rows": "users"}),
        ("other", "USER LIST school={school}", (OK, FB, FB, FB),
         {"rows": "users"}),
        ("foreign", "USER LIST school={school}", (NF, FB, FB, FB), {}),
        ("missing", "USER LIST school={school}", (NF, FB, FB, FB), {}),
    ],
    "USER DISABLE": [
        ("own", "USER DISABLE {user}", (OK, FB, FB, FB),
         {"rec": "USER", "audit": "user.disable"}),
        ("self", "USER DISABLE {user}", (CF, FB, FB, FB),
         {"audit": "user.disable"}),
        ("foreign", "USER DISABLE {user}", (NF, FB, FB, FB),
         {"audit": "user.disable"}),
        ("missing", "USER DISABLE {user}", (NF, FB, FB, FB),
         {"audit": "user.disable"}),
    ],
    "ASSIGN": [
        ("own", "ASSIGN {lp2} school={school}", (OK, FB, FB, FB),
         {"rec": "USER", "audit": "user.assign"}),
        ("other", "ASSIGN {lp2} school={school}", (OK, FB, FB, FB),
         {"rec": "USER", "audit": "user.assign"}),
        ("foreign", "ASSIGN {lp2} school={school}", (NF, FB, FB, FB),
         {"audit": "user.assign"}),
        ("missing", "ASSIGN {lp2} school={school}", (NF, FB, FB, FB),
         {"audit": "user.assign"}),
        ("foreign_user", "ASSIGN {fuser} school={A}", (NF, FB, FB, FB),
         {"audit": "user.assign"}),
        # the link partner is already assigned to the own school
        ("assigned", "ASSIGN {lp} school={A}", (CF, FB, FB, FB),
         {"audit": "user.assign"}),
    ],
    "AUDIT LIST": [
        ("-", "AUDIT LIST limit=20", (OK, FB, FB, FB),
         {"rec": "AUDIT", "rows": "audit"}),
        ("own", "AUDIT LIST case={case}", (OK, FB, FB, FB),
         {"rec": "AUDIT", "rows": "audit"}),
        ("other", "AUDIT LIST case={case}", (OK, FB, FB, FB),
         {"rec": "AUDIT", "rows": "audit"}),
        ("foreign", "AUDIT LIST case={case}", (NF, FB, FB, FB), {}),
        ("missing", "AUDIT LIST case={case}", (NF, FB, FB, FB), {}),
    ],
    "AUDIT VERIFY": [
        ("-", "AUDIT VERIFY", (OK, FB, FB, FB), {"rec": "AUDIT"}),
    ],
}

# Everything a refusal must leave alone, in one value. Not what every
# sccd's look at the calendar (api.events_due) does on its own, at any
# moment: the flags by which it raises a due or missed event once, and
# those events (they have no by_id).
STATE_SQL = """SELECT 'state=' || md5(concat_ws('|',
 (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM scc.school t),
 (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM scc.level_change t),
 (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM scc.risk t),
 (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM scc.risk_area t),
 (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM scc.alert t),
 (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM scc.programme t),
 (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM scc.school_case t),
 (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM scc.case_decision t),
 (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM scc.app_user t),
 (SELECT string_agg(t::text, ',' ORDER BY t.user_id, t.school_id)
    FROM scc.assignment t),
 (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM scc.meeting t),
 (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM scc.meeting_attendee t),
 (SELECT string_agg((to_jsonb(t) - 'missed_raised')::text, ',' ORDER BY t.id)
    FROM scc.deadline t),
 (SELECT string_agg((to_jsonb(t) - 'due_soon_raised' - 'overdue_raised')::text,
    ',' ORDER BY t.id) FROM scc.action t),
 (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM scc.action_update t),
 (SELECT string_agg(t::text, ',' ORDER BY t.meeting_id) FROM scc.minutes t),
 (SELECT string_agg(t::text, ',' ORDER BY t.meeting_id, t.version)
    FROM scc.minutes_version t),
 (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM scc.minutes_step t),
 (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM scc.agenda_item t),
 (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM scc.document t),
 (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM scc.doc_version t),
 (SELECT string_agg(t::text, ',' ORDER BY t.version_id, t.seq)
    FROM scc.doc_chunk t),
 (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM scc.visit t),
 (SELECT string_agg(t::text, ',' ORDER BY t.visit_id, t.version)
    FROM scc.visit_version t),
 (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM scc.visit_step t),
 (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM scc.support t),
 (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM scc.support_update t),
 (SELECT string_agg(t::text, ',' ORDER BY t.case_id)
    FROM scc.support_budget t),
 (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM scc.intervention t),
 (SELECT string_agg(t::text, ',' ORDER BY t.id)
    FROM scc.intervention_step t),
 (SELECT count(*) || ':' || coalesce(max(t.id), 0) FROM scc.audit t),
 (SELECT count(*) || ':' || coalesce(max(t.id), 0) FROM scc.event t
    WHERE t.by_id IS NOT NULL)))"""


# ---------------------------------------------------------------------------
# Helpers.

_rng = random.Random()
_used_urns = set()


def uniq(prefix):
    """A login or word no other test (or run on this instance) uses."""
    return "%s%s" % (prefix, "".join(_rng.choice(string.ascii_lowercase +
                                                  string.digits)
                                     for _ in range(8)))


def fresh_urn():
    """A random 6-digit URN not yet used by this module (URNs are unique
    nationally; SCHOOL ADD retries on the rare clash with another test)."""
    while True:
        urn = "%06d" % _rng.randrange(200000, 1000000)
        if urn not in _used_urns:
            _used_urns.add(urn)
            return urn


def command_table():
    """The command names of protocol/commands.c."""
    src = os.environ.get("SRCDIR") or os.path.join(HERE, "..", "..")
    with open(os.path.join(src, "protocol", "commands.c")) as f:
        text = f.read()
    start = text.index("scp_commands[]")
    return re.findall(r'\{\s*"([A-Z][A-Z ]*)"\s*,', text[start:])


def state():
    out = inst.psql(STATE_SQL)
    m = re.search(r"state=([0-9a-f]{32})", out)
    assert m, out
    return m.group(1)


def authority_id(login):
    out = inst.psql("SELECT 'aid=' || authority_id FROM scc.app_user "
                    "WHERE login = '%s'" % login)
    return int(re.search(r"aid=(\d+)", out).group(1))


def audit_count(aid):
    out = inst.psql("SELECT 'n=' || count(*) || ' min=' || "
                    "coalesce(min(id), 0) || ' max=' || coalesce(max(id), 0) "
                    "FROM scc.audit WHERE authority_id = %d" % aid)
    m = re.search(r"n=(\d+) min=(\d+) max=(\d+)", out)
    return tuple(int(x) for x in m.groups())


class Text:
    """A text value: sent quoted, or as a literal when it must be."""

    def __init__(self, value, literal=None):
        self.value = value
        self.raw = value.encode("utf-8") if isinstance(value, str) else value
        if literal is None:
            literal = (b"\r" in self.raw or b"\n" in self.raw or
                       len(self.raw) > 2048)
        self.literal = literal


def records(lines):
    """(type, fields) of each data line of an answer."""
    out = []
    for line in lines[:-1]:
        m = re.match(r"\* ([A-Z]+)(?: |$)", line)
        assert m, "not a record: %r" % line[:200]
        out.append((m.group(1), parse_fields(line)))
    return out


def answer(lines):
    """OK, BAD or the code of NO."""
    c = parse_completion(lines[-1])
    assert c, "no completion: %r" % lines[-3:]
    if c["status"] == "NO":
        return c["code"] or "NO"
    return c["status"]


def short(lines, n=300):
    text = repr(lines)
    return text if len(text) <= n else text[:n] + "..."


class Client:
    """One logged-in connection: requests with their own tags, pipelined
    when asked."""

    WINDOW = 24      # below the server's 32 requests in flight

    def __init__(self, login, password, role=None):
        self.login = login
        self.conn, self.token = inst.login(login, password)
        self.conn.timeout = 60
        self.n = 0
        self.role = role

    def close(self):
        self.conn.close()

    def tag(self):
        self.n += 1
        return "c%d" % self.n

    def send(self, text):
        tag = self.tag()
        self.conn.send("%s %s\r\n" % (tag, text))
        return tag

    def read(self, tag):
        return self.conn.read_until_tag(tag, timeout=60)

    def call(self, text):
        return self.read(self.send(text))

    def pipeline(self, texts):
        """Send many requests ahead of their answers; the answers in order."""
        tags, out = [], []
        for text in texts:
            tags.append(self.send(text))
            if len(tags) - len(out) >= self.WINDOW:
                out.append(self.read(tags[len(out)]))
        while len(out) < len(tags):
            out.append(self.read(tags[len(out)]))
        return out

    def ok(self, text):
        lines = self.call(text)
        assert answer(lines) == "OK", "%s: %s" % (text[:80], short(lines))
        return records(lines)

    def request(self, cmd, *args, **named):
        """A request with Text values quoted or sent as literals; returns
        (tag, lines). {N+} up to 4096 octets, else {N} with its + OK."""
        tag = self.tag()
        chunks = [tag + " " + cmd]
        items = [(None, a) for a in args] + list(named.items())
        for name, value in items:
            prefix = "" if name is None else name + "="
            if isinstance(value, Text):
                if not value.literal:
                    chunks.append(prefix + quote(value.value))
                    continue
                n = len(value.raw)
                sync = n > 4096
                chunks.append(prefix + "{%d%s}" % (n, "" if sync else "+"))
                line = " ".join(chunks).encode("utf-8") + b"\r\n"
                self.conn.send(line)
                if sync:
                    cont = self.conn.read_line(timeout=30)
                    if not cont.startswith("+ "):
                        # refused before the octets: that is the answer
                        lines = [cont]
                        if parse_completion(cont) is None or \
                                parse_completion(cont)["tag"] != tag:
                            lines += self.read(tag)
                        return tag, lines
                self.conn.send(value.raw)
                chunks = [""]      # the request goes on after the octets
                continue
            chunks.append(prefix + str(value))
        rest = " ".join(chunks)
        self.conn.send(rest.encode("utf-8") + b"\r\n")
        return tag, self.read(tag)


def make_user(lead, role, school=None, login=None):
    """USER ADD; returns (login, one-time password)."""
    login = login or uniq(role[:2] + ".")
    text = 'USER ADD login=%s name="%s" role=%s' % (login, role, role)
    if school is not None:
        text += " school=%s" % school
    recs = lead.ok(text)
    assert [r[0] for r in recs] == ["USER", "SECRET"], recs
    assert recs[0][1]["one_time"] == "yes", recs
    return login, recs[1][1]["password"]


def activate(login, secret, role=None):
    """Log in with the one-time password and choose a new one."""
    c = Client(login, secret, role)
    lines = c.call("PASSWORD %s %s" % (quote(secret), quote(NEW_PW)))
    assert answer(lines) == "OK", lines
    return c


def add_school(lead, name="School", urn=None):
    for _ in range(20):
        u = urn or fresh_urn()
        lines = lead.call('SCHOOL ADD urn=%s name=%s phase=primary'
                          % (u, quote(name)))
        if answer(lines) == CF and urn is None:
            continue
        assert answer(lines) == OK, lines
        f = records(lines)[0][1]
        return f["id"], f["urn"]
    raise AssertionError("no free URN")


class Authority:
    """A fresh authority and its lead officer's connection."""

    def __init__(self, prefix):
        self.lead_login = inst.add_authority(uniq(prefix + "."))
        self.lead = Client(self.lead_login, ADMIN_PW, L)
        self.aid = authority_id(self.lead_login)

    def newest_audit(self):
        recs = self.lead.ok("AUDIT LIST limit=1")
        return int(recs[0][1]["id"]) if recs else 0

    def audit_since(self, after_id):
        recs = self.lead.ok("AUDIT LIST limit=50")
        return [f for t, f in recs if int(f["id"]) > after_id]


# ---------------------------------------------------------------------------
# The fixture the matrix runs against.

class Fixture:
    """Authority M with schools A (own) and B (other), a link partner P
    assigned to A, a headteacher H and a governor G of A, and a link
    partner lp3 assigned to A and B who writes the notes of visit that are
    not P's; authority F with school X and a case, an alert, areas,
    programmes, a note of visit and a user of its own."""

    def __init__(self):
        self.m = Authority("cwm")
        self.f = Authority("cwf")
        lead, flead = self.m.lead, self.f.lead
        self.A, self.A_urn = add_school(lead, "Own School")
        self.B, self.B_urn = add_school(lead, "Other School")
        self.X, self.X_urn = add_school(flead, "Foreign School")
        self.lp, lp_pw = make_user(lead, P)
        self.head, head_pw = make_user(lead, H, self.A)
        self.gov, gov_pw = make_user(lead, G, self.A)
        self.lp2, _ = make_user(lead, P)
        lead.ok("ASSIGN %s school=%s" % (self.lp, self.A))
        self.clients = {L: lead,
                        P: activate(self.lp, lp_pw, P),
                        H: activate(self.head, head_pw, H),
                        G: activate(self.gov, gov_pw, G)}
        # Only a link partner writes notes of visit: lp3 writes B's, and
        # A's that are not P's own.
        self.lp3, lp3_pw = make_user(lead, P)
        for s in (self.A, self.B):
            lead.ok("ASSIGN %s school=%s" % (self.lp3, s))
        self.lp3_client = activate(self.lp3, lp3_pw, P)

        # Authority F's own things, which M must never see.
        self.fuser, _ = make_user(flead, P)
        self.farea = uniq("fa")
        self.farea2 = uniq("fa")
        self.f_area_ids = set()
        for a in (self.farea, self.farea2):
            self.f_area_ids.add(flead.ok("AREA ADD area=%s" % a)[0][1]["id"])
        self.fprog = uniq("fp")
        self.fprog2 = uniq("fp")
        self.f_prog_ids = set()
        for p in (self.fprog, self.fprog2):
            recs = flead.ok('PROGRAMME ADD name=%s title="Foreign"' % p)
            self.f_prog_ids.add(recs[0][1]["id"])
        self.X_alert = flead.ok('ALERT RAISE %s area=finance text="f" '
                                'severity=high' % self.X)[0][1]["id"]
        self.X_case = flead.ok('CASE OPEN %s programme=securing_good '
                               'reason="f"' % self.X)[0][1]["id"]
        flead.ok('RISK SET %s area=finance rating=red' % self.X)
        self.X_meeting = self.new_meeting(self.X_case, flead)
        self.X_action = self.new_action(self.X_case, flead, self.fuser)
        self.X_doc = self.new_doc(self.X_case, flead)
        self.X_support = self.new_support(self.X_case, flead)
        self.X_intervention = self.new_intervention(self.X_case, flead)
        fpartner, fpartner_pw = make_user(flead, P)
        flead.ok("ASSIGN %s school=%s" % (fpartner, self.X))
        fp = activate(fpartner, fpartner_pw, P)
        self.X_visit = fp.ok('VISIT SUBMIT %s date=2026-10-05 text="f"'
                             % self.X)[0][1]["id"]
        fp.close()
        flead.ok("VISIT QA %s outcome=assured" % self.X_visit)

        # M's own: a programme, ratings, alerts and cases on A and B, and a
        # resolved alert on A.
        self.mprog = uniq("mp")
        lead.ok('PROGRAMME ADD name=%s title="Own programme"' % self.mprog)
        for s in (self.A, self.B):
            lead.ok("RISK SET %s area=attainment rating=green" % s)
            self.new_alert(s)
            case = self.open_case(s)
            self.new_meeting(case)
            self.new_action(case)
            self.new_support(case)
            self.new_intervention(case)
        self.closed_alert = self.new_alert(self.A)
        lead.ok('ALERT RESOLVE %s note="done"' % self.closed_alert)
        # A quality-assured note of visit of each school, for the lists.
        for s in (self.A, self.B):
            self.visit_at(s, "assured")
        self.school_of = {"own": self.A, "other": self.B,
                          "foreign": self.X, "missing": MISSING,
                          "peer": self.A}

    def m_schools(self):
        out = inst.psql("SELECT 'id=' || id FROM scc.school "
                        "WHERE authority_id = %d" % self.m.aid)
        return set(re.findall(r"id=(\d+)", out))

    # -- things made on demand, by M's lead officer --

    def new_alert(self, school):
        return self.m.lead.ok('ALERT RAISE %s area=attainment text="fixture" '
                              'severity=low' % school)[0][1]["id"]

    def current_case(self, school):
        recs = self.m.lead.ok("CASE LIST school=%s" % school)
        open_ = [f["id"] for t, f in recs if f["stage"] != "closed"]
        return open_[-1] if open_ else None

    def close_case(self, school):
        k = self.current_case(school)
        if k is not None:
            self.m.lead.ok('CASE STAGE %s stage=closed reason="fixture"' % k)

    def new_meeting(self, case, lead=None):
        return (lead or self.m.lead).ok(
            "MEETING SCHEDULE %s kind=monitoring at=2027-03-01T10:00:00Z"
            % case)[0][1]["id"]

    def minutes_at(self, school, state):
        """A held meeting of the school's case with minutes at state:
        held (none yet), draft, chair, head (with the headteacher) or conf
        (confirmed, by the headteacher of A)."""
        lead = self.m.lead
        case = self.current_case(school) or self.open_case(school)
        meeting = self.new_meeting(case)
        lead.ok("MEETING HELD %s" % meeting)
        steps = ["held", "draft", "chair", "head", "conf"]
        reached = steps.index(state)
        if reached >= 1:
            lead.ok('MINUTES DRAFT %s text="fixture" version=0' % meeting)
        if reached >= 2:
            lead.ok("MINUTES SUBMIT %s" % meeting)
        if reached >= 3:
            lead.ok("MINUTES APPROVE %s" % meeting)
        if reached >= 4:
            self.clients[H].ok("MINUTES CONFIRM %s" % meeting)
        return meeting

    def visit_at(self, school, status, author=None):
        """A note of visit of the school at status: submitted, returned,
        assured (quality_assured) or responded (quality_assured and
        answered by the headteacher of A). Link partners write them: P
        A's, lp3 B's (and A's when given as the author)."""
        lead = self.m.lead
        if author is None:
            author = self.clients[P] if school == self.A else self.lp3_client
        visit = author.ok('VISIT SUBMIT %s date=2026-10-05 text="fixture"'
                          % school)[0][1]["id"]
        if status == "returned":
            lead.ok('VISIT QA %s outcome=returned comment="fixture"' % visit)
        if status in ("assured", "responded"):
            lead.ok("VISIT QA %s outcome=assured" % visit)
        if status == "responded":
            self.clients[H].ok("VISIT RESPOND %s response=accurate" % visit)
        return visit

    def agenda_of(self, school):
        """A scheduled meeting of the school's case whose agenda carries
        an open action forward and has an item added by hand."""
        case = self.current_case(school) or self.open_case(school)
        self.new_action(case)
        meeting = self.new_meeting(case)
        self.m.lead.ok('AGENDA ADD %s title="fixture"' % meeting)
        return meeting

    def met_deadline(self, school):
        """A scheduled meeting whose documents deadline is met."""
        case = self.current_case(school) or self.open_case(school)
        meeting = self.new_meeting(case)
        self.m.lead.ok("DEADLINE DONE %s what=documents" % meeting)
        return meeting

    def new_doc(self, case, lead=None):
        """A stored document of three octets."""
        return (lead or self.m.lead).ok(
            "DOC PUT %s name=fixture.txt data={3+}\r\nabc" % case)[0][1]["id"]

    def new_action(self, case, lead=None, owner=None):
        return (lead or self.m.lead).ok(
            'ACTION ADD %s title="fixture" owner=%s due=2027-01-31'
            % (case, owner or self.lp))[0][1]["id"]

    def new_support(self, case, lead=None):
        """A package costing nothing, so that no budget ever refuses it."""
        return (lead or self.m.lead).ok(
            'SUPPORT ADD %s provider="fixture" budget=0' % case)[0][1]["id"]

    def new_intervention(self, case, lead=None):
        """A power proposed: the school is not eligible for it."""
        return (lead or self.m.lead).ok(
            'INTERVENE %s power=additional_governors note="fixture"'
            % case)[0][1]["id"]

    def open_case(self, school):
        return self.m.lead.ok('CASE OPEN %s programme=securing_good '
                              'reason="fixture"' % school)[0][1]["id"]

    def resolve(self, template, target, cache):
        """Fill a request's placeholders for target. cache holds what one
        row shares among its roles (a fresh case is made once per row)."""
        def value(key):
            if key in cache:
                return cache[key]
            v = self._value(key, target)
            if key not in ("alert", "meeting"):    # each role its own
                cache[key] = v
            return v

        class Lookup(dict):
            def __missing__(self, key):
                return value(key)
        return template.format_map(Lookup())

    def _value(self, key, target):
        own = target in ("own", "busy", "closed")
        school = self.A if own else self.school_of.get(target)
        if key == "school":
            return self.school_of[target]
        if key in ("A", "B", "X"):
            return getattr(self, key)
        if key == "lp":
            return self.lp
        if key == "lp2":
            return self.lp2
        if key == "fuser":
            return self.fuser
        if key == "urn":
            return {"new": None, "own": self.A_urn,
                    "foreign": self.X_urn}[target] or fresh_urn()
        if key == "area":
            return {"new": uniq("ma"), "own": "finance",
                    "foreign": self.farea2}[target]
        if key == "progname":
            return {"new": uniq("mp"), "own": "securing_good",
                    "foreign": self.fprog2}[target]
        if key == "programme":
            return {"own": self.mprog, "foreign": self.fprog,
                    "missing": uniq("none")}[target]
        if key == "newlogin":
            return uniq("mu.")
        if key == "user":
            if target == "own":
                return make_user(self.m.lead, P)[0]
            return {"self": self.m.lead_login, "foreign": self.fuser,
                    "missing": uniq("nobody.")}[target]
        if key == "alert":
            if target == "closed":
                return self.closed_alert
            if target in ("own", "other"):
                return self.new_alert(school)
            return {"foreign": self.X_alert, "missing": MISSING}[target]
        if key in ("mheld", "mdraft", "mchair", "mhead", "mconf"):
            if target in ("own", "other"):
                return self.minutes_at(school, key[1:])
            return {"foreign": self.X_meeting, "missing": MISSING}[target]
        if key in ("vsubmitted", "vreturned", "vassured", "vresponded"):
            if target in ("own", "other"):
                return self.visit_at(school, key[1:])
            if target == "peer":
                return self.visit_at(self.A, key[1:], self.lp3_client)
            return {"foreign": self.X_visit, "missing": MISSING}[target]
        if key == "agenda":
            if target in ("own", "other"):
                return self.agenda_of(school)
            return {"foreign": self.X_meeting, "missing": MISSING}[target]
        if key == "metmeeting":
            return self.met_deadline(self.A)
        if key == "doc":
            if target in ("own", "other"):
                case = self.current_case(school) or self.open_case(school)
                return self.new_doc(case)
            return {"foreign": self.X_doc, "missing": MISSING}[target]
        if key == "action":
            if target in ("own", "other"):
                case = self.current_case(school) or self.open_case(school)
                return self.new_action(case)
            return {"foreign": self.X_action, "missing": MISSING}[target]
        if key == "support":
            if target in ("own", "other", "closed"):
                case = self.current_case(school) or self.open_case(school)
                support = self.new_support(case)
                if target == "closed":
                    self.m.lead.ok("SUPPORT UPDATE %s status=cancelled"
                                   % support)
                return support
            return {"foreign": self.X_support, "missing": MISSING}[target]
        if key == "intervention":
            if target in ("own", "other"):
                case = self.current_case(school) or self.open_case(school)
                return self.new_intervention(case)
            return {"foreign": self.X_intervention,
                    "missing": MISSING}[target]
        if key == "closedcase":
            # the own school's case, closed (the next {case} opens another)
            case = self.current_case(self.A) or self.open_case(self.A)
            self.close_case(self.A)
            return case
        if key == "fullcase":
            # a new case of the own school whose budget is all committed
            self.close_case(self.A)
            case = self.open_case(self.A)
            self.m.lead.ok("SUPPORT BUDGET %s budget=0" % case)
            return case
        if key == "meeting":
            if target in ("own", "other"):
                case = self.current_case(school) or self.open_case(school)
                return self.new_meeting(case)
            return {"foreign": self.X_meeting, "missing": MISSING}[target]
        if key == "case":
            if target in ("own", "other"):
                return self.current_case(school) or self.open_case(school)
            return {"foreign": self.X_case, "missing": MISSING}[target]
        if key == "freshcase":
            if target in ("own", "other"):
                self.close_case(school)
                return self.open_case(school)
            return {"foreign": self.X_case, "missing": MISSING}[target]
        if key == "nocase":
            if target in ("own", "other"):
                self.close_case(school)
                return school
            if target == "busy":
                if self.current_case(self.A) is None:
                    self.open_case(self.A)
                return self.A
            return self.school_of[target]
        raise KeyError("no placeholder %r for target %r" % (key, target))


class StaticValues(dict):
    """Placeholders filled without making anything: for requests that must
    be refused whatever they name."""

    def __init__(self, school, login):
        super().__init__()
        self.school = school
        self.login = login

    def __missing__(self, key):
        if key in ("school", "nocase", "A", "B", "X"):
            return self.school
        if key in ("case", "freshcase", "alert", "meeting", "action", "doc",
                   "mheld", "mdraft", "mchair", "mhead", "mconf", "agenda",
                   "metmeeting", "vsubmitted", "vreturned", "vassured",
                   "vresponded"):
            return MISSING
        if key in ("support", "intervention", "closedcase", "fullcase"):
            return MISSING
        if key in ("lp", "lp2", "fuser", "user"):
            return self.login
        if key == "urn":
            return fresh_urn()
        if key in ("area", "progname"):
            return uniq("zz")
        if key == "programme":
            return "securing_good"
        if key == "newlogin":
            return uniq("zz.")
        raise KeyError(key)


# ---------------------------------------------------------------------------

class CaseworkCase(unittest.TestCase):

    def assertAnswer(self, lines, expected, msg=""):
        got = answer(lines)
        self.assertEqual(got, expected, "%s answered %s" % (msg, short(lines)))
        if got != OK:
            self.assertEqual(len(lines), 1, "%s: a refusal with data: %s"
                             % (msg, short(lines)))


class TestMatrix(CaseworkCase):

    @classmethod
    def setUpClass(cls):
        cls.fx = Fixture()

    @classmethod
    def tearDownClass(cls):
        for c in cls.fx.clients.values():
            c.close()
        cls.fx.lp3_client.close()
        cls.fx.f.lead.close()

    def test_matrix_covers_command_table(self):
        table = command_table()
        self.assertIn("CASE STAGE", table)      # the parse found the table
        work = [c for c in table if c not in SESSION_COMMANDS]
        self.assertEqual(sorted(set(work) - set(MATRIX)), [],
                         "commands of protocol/commands.c with no row in "
                         "the authorization matrix")
        self.assertEqual(sorted(set(MATRIX) - set(work)), [],
                         "matrix rows for commands not in the table")
        for cmd, rows in MATRIX.items():
            self.assertTrue(rows, cmd)
            for target, template, answers, extra in rows:
                self.assertEqual(len(answers), len(ROLES), (cmd, target))
                self.assertTrue(template.startswith(cmd + " ") or
                                template == cmd, (cmd, template))

    def test_matrix(self):
        for cmd, rows in MATRIX.items():
            for target, template, answers, extra in rows:
                self.run_row(cmd, target, template, answers, extra)

    def run_row(self, cmd, target, template, answers, extra):
        """The refusals first, on an unchanging state; then the roles that
        may, each writing exactly one audit entry if it is a change."""
        fx = self.fx
        cache = {}
        cells = [(role, fx.resolve(template, target, cache), expect)
                 for role, expect in zip(ROLES, answers)]
        refusals = [c for c in cells if c[2] != OK]
        allowed = [c for c in cells if c[2] == OK]
        if refusals:
            before = state() if "audit" in extra else None
            newest = fx.m.newest_audit()
            for role, text, expect in refusals:
                with self.subTest(cmd=cmd, target=target, role=role):
                    lines = fx.clients[role].call(text)
                    self.assertAnswer(lines, expect, "%s (%s) %r"
                                      % (role, target, text))
            with self.subTest(cmd=cmd, target=target, check="no change"):
                self.assertEqual(fx.m.newest_audit(), newest,
                                 "a refusal of %s wrote an audit entry" % cmd)
                if before is not None:
                    self.assertEqual(state(), before,
                                     "a refusal of %s (%s) changed the "
                                     "database" % (cmd, target))
        for role, text, expect in allowed:
            with self.subTest(cmd=cmd, target=target, role=role):
                newest = fx.m.newest_audit()
                lines = fx.clients[role].call(text)
                self.assertAnswer(lines, OK, "%s (%s) %r" % (role, target,
                                                            text))
                recs = records(lines)
                if "rec" in extra:
                    self.assertTrue(recs, "%s: no records" % text)
                    self.assertEqual(recs[0][0], extra["rec"], short(lines))
                if "rows" in extra:
                    self.check_rows(extra["rows"], role, target, recs, text)
                new = fx.m.audit_since(newest)
                if "audit" in extra:
                    self.assertEqual([f["what"] for f in new],
                                     [extra["audit"]],
                                     "%s: not exactly one audit entry" % text)
                    self.assertEqual(new[0]["user"], fx.clients[role].login)
                else:
                    self.assertEqual(new, [], "%s (a read) wrote an audit "
                                     "entry" % text)

    def check_rows(self, kind, role, target, recs, text):
        fx = self.fx
        if kind == "schools":
            ids = [f["id"] if t == "SCHOOL" else f["school"] for t, f in recs]
            if target == "-":
                if role == L:
                    self.assertLessEqual(set(ids), fx.m_schools(),
                                         "%s: another authority's rows: %r"
                                         % (text, recs))
                    self.assertLessEqual({fx.A, fx.B}, set(ids),
                                         "%s: %r" % (text, recs))
                else:
                    self.assertEqual(set(ids), {fx.A},
                                     "%s as %s: %r" % (text, role, recs))
            else:
                self.assertTrue(ids, "%s: no rows" % text)
                self.assertEqual(set(ids), {fx.school_of[target]},
                                 "%s: %r" % (text, recs))
        elif kind == "areas":
            ids = {f["id"] for t, f in recs}
            self.assertFalse(ids & fx.f_area_ids, "%s: another authority's "
                             "areas: %r" % (text, recs))
            self.assertIn("finance", {f["area"] for t, f in recs})
        elif kind == "programmes":
            ids = {f["id"] for t, f in recs}
            self.assertFalse(ids & fx.f_prog_ids, "%s: another authority's "
                             "programmes: %r" % (text, recs))
            self.assertIn(fx.mprog, {f["name"] for t, f in recs})
        elif kind == "users":
            logins = {f["login"] for t, f in recs}
            self.assertFalse(logins & {fx.fuser, fx.f.lead_login},
                             "%s: another authority's users" % text)
            if target == "-":
                self.assertLessEqual({fx.lp, fx.head, fx.gov}, logins, text)
            elif target == "own":
                self.assertLessEqual({fx.lp, fx.head, fx.gov}, logins, text)
        elif kind == "audit":
            users = {f.get("user") for t, f in recs}
            self.assertFalse(users & {fx.fuser, fx.f.lead_login},
                             "%s: another authority's audit entries" % text)
            if target != "-":
                self.assertTrue(recs, "%s: no entries" % text)
                self.assertEqual({f["target"] for t, f in recs},
                                 {"case:%s" % text.split("case=")[1]}, text)
        else:
            raise AssertionError("unknown row check %r" % kind)

    def test_order_of_refusals(self):
        """NOTFOUND before FORBIDDEN before INVALID before CONFLICT, for
        arguments only the database can judge."""
        fx = self.fx
        lead, lp, head = fx.clients[L], fx.clients[P], fx.clients[H]
        busy = fx.current_case(fx.B) or fx.open_case(fx.B)
        held = fx.minutes_at(fx.A, "held")
        own_case = fx.current_case(fx.A) or fx.open_case(fx.A)
        vsub = fx.visit_at(fx.A, "submitted")
        vass = fx.visit_at(fx.A, "assured")
        cases = [
            # a bad area: the role or the school's visibility wins
            (head, "RISK SET %s area=no_such_area rating=red" % fx.A, FB),
            (head, "RISK SET %s area=no_such_area rating=red" % fx.B, NF),
            (lp, "RISK SET %s area=no_such_area rating=red" % fx.B, NF),
            (lp, "RISK SET %s area=no_such_area rating=red" % fx.A,
             "INVALID area"),
            (lead, 'LEVEL SET %s level=red reason="   "' % fx.X, NF),
            (head, 'LEVEL SET %s level=red reason="   "' % fx.A, FB),
            (lead, 'LEVEL SET %s level=red reason="   "' % fx.A,
             "INVALID reason"),
            # an unknown programme on a school that has a case: INVALID
            (lead, 'CASE OPEN %s programme=no_such reason="x"' % fx.B,
             "INVALID programme"),
            (lead, 'CASE OPEN %s programme=securing_good reason="x"' % fx.B,
             CF),
            # a blank reason for a move the case cannot make: INVALID
            (lead, 'CASE STAGE %s stage=review reason=" "' % busy,
             "INVALID reason"),
            (lead, 'CASE STAGE %s stage=review reason="x"' % busy, CF),
            (head, 'CASE STAGE %s stage=review reason="x"' % busy, NF),
            # arguments only the database can judge
            (lead, "RISK SET %s area=finance rating=red term=2026-winter"
             % fx.A, "INVALID term"),
            (lead, "PROGRAMME SET %s setting=name value=x" % fx.mprog,
             "INVALID setting"),
            (lead, "PROGRAMME SET %s setting=max_months value=many"
             % fx.mprog, "INVALID value"),
            (lead, "ASSIGN %s school=%s" % (fx.head, fx.A), "INVALID user"),
            (lead, 'USER ADD login=%s name="x" role=headteacher'
             % uniq("ox."), "INVALID school"),
            (lead, 'USER ADD login=%s name="x" role=link_partner school=%s'
             % (uniq("ox."), fx.A), "INVALID school"),
            (lead, 'CASE OPEN %s programme=securing_good reason="x" '
             'link_partner=%s' % (fx.B, fx.head), "INVALID link_partner"),
            # logins are unique across authorities
            (lead, 'USER ADD login=%s name="x" role=link_partner'
             % fx.fuser, CF),
            # a blank title for a meeting already held: INVALID first
            (head, 'AGENDA ADD %s title="  "' % held, FB),
            (lp, 'AGENDA ADD %s title="  "' % held, "INVALID title"),
            (lp, 'AGENDA ADD %s title="late"' % held, CF),
            # the lead's deadline; another authority's meeting
            (head, "DEADLINE DONE %s what=agenda" % held, FB),
            (head, "DEADLINE DONE %s what=documents" % fx.X_meeting, NF),
            # support and interventions: who sees, who may, the arguments,
            # then the workflow (a package added cancelled, a power before
            # the school is eligible)
            (head, 'SUPPORT ADD %s provider=" " budget=-1' % busy, NF),
            (lp, 'SUPPORT ADD %s provider=" " budget=-1' % own_case, FB),
            (lead, 'SUPPORT ADD %s provider=" " budget=-1' % busy,
             "INVALID provider"),
            (lead, 'SUPPORT ADD %s provider="x" budget=-1' % busy,
             "INVALID budget"),
            (lead, 'SUPPORT ADD %s provider="x" budget=1 status=cancelled'
             % busy, CF),
            (head, "INTERVENE %s power=warning_notice" % own_case, FB),
            (lead, "INTERVENE %s power=warning_notice" % busy,
             "INVALID grounds"),
            (lead, "INTERVENE %s power=additional_governors status=approved"
             % busy, "INVALID approved_by"),
            (lead, 'INTERVENE %s power=additional_governors status=approved '
             'approved_by=" "' % busy, "INVALID approved_by"),
            (lead, 'INTERVENE %s power=additional_governors status=approved '
             'approved_by="SMT"' % busy, CF),
            # notes of visit: a visit is not in the future, a case is the
            # school's, a note is sent again only once returned; a role that
            # may never submit, assure or answer one is FORBIDDEN whatever
            # it names, and a governor reads none
            (head, 'VISIT SUBMIT %s date=2099-01-01 text=" "' % fx.A, FB),
            (head, 'VISIT SUBMIT %s date=2099-01-01 text=" "' % fx.B, FB),
            (lead, 'VISIT SUBMIT %s date=2099-01-01 text=" "' % fx.A, FB),
            (lead, 'VISIT SUBMIT %s date=2099-01-01 text=" "' % fx.X, FB),
            (lead, 'VISIT SUBMIT %s date=2026-10-05 text="x" visit=%s'
             % (MISSING, MISSING), FB),
            (lp, 'VISIT SUBMIT %s date=2099-01-01 text=" "' % fx.B, NF),
            (lp, 'VISIT SUBMIT %s date=2099-01-01 text="x"' % fx.A,
             "INVALID date"),
            (lp, 'VISIT SUBMIT %s date=2026-10-05 text="x" case=%s'
             % (fx.A, busy), "INVALID case"),
            (lp, 'VISIT SUBMIT %s date=2026-10-05 text=" " visit=%s'
             % (fx.A, vsub), "INVALID text"),
            (lp, 'VISIT SUBMIT %s date=2026-10-05 text="x" visit=%s'
             % (fx.A, vsub), CF),
            (head, "VISIT QA %s outcome=returned" % vsub, FB),
            (lp, "VISIT QA %s outcome=returned" % vsub, FB),
            (lp, "VISIT QA %s outcome=returned" % MISSING, FB),
            (lead, "VISIT QA %s outcome=returned" % MISSING, NF),
            (lead, "VISIT QA %s outcome=returned" % vsub, "INVALID comment"),
            (lead, 'VISIT QA %s outcome=returned comment=" "' % vass,
             "INVALID comment"),
            (lead, 'VISIT QA %s outcome=returned comment="x"' % vass, CF),
            (lead, "VISIT RESPOND %s response=inaccurate" % vass, FB),
            (head, "VISIT RESPOND %s response=inaccurate" % vass,
             "INVALID comment"),
            (head, "VISIT RESPOND %s response=accurate" % vsub, NF),
            (lead, "VISIT RESPOND %s response=inaccurate" % MISSING, FB),
            (fx.clients[G], "VISIT LIST school=%s limit=1001" % fx.X, FB),
            (fx.clients[G], "VISIT SHOW %s" % MISSING, FB),
            (head, "VISIT LIST school=%s" % fx.X, NF),
            (head, "VISIT LIST limit=1001", "INVALID limit"),
        ]
        before = state()
        for client, text, expect in cases:
            with self.subTest(role=client.role, text=text):
                lines = client.call(text)
                c = parse_completion(lines[-1])
                got = c["code"] if c["status"] == "NO" else c["status"]
                if c["args"] and expect.startswith("INVALID"):
                    got += " " + c["args"]
                self.assertEqual(got, expect, short(lines))
                self.assertEqual(len(lines), 1, short(lines))
        self.assertEqual(state(), before)


class TestOneTimePassword(CaseworkCase):

    def test_work_forbidden_until_password_changed(self):
        auth = Authority("cwo")
        lead = auth.lead
        school, _ = add_school(lead)
        try:
            for role in ROLES:
                with self.subTest(role=role):
                    self.check_role(auth, role, school)
        finally:
            lead.close()

    def check_role(self, auth, role, school):
        login, secret = make_user(auth.lead, role,
                                  school if role in (H, G) else None)
        c = Client(login, secret, role)
        try:
            texts = []
            static = StaticValues(school, auth.lead_login)
            for cmd, rows in MATRIX.items():
                for target, template, answers, extra in rows:
                    texts.append(template.format_map(static))
            before = state()
            answers = c.pipeline(texts)
            for text, lines in zip(texts, answers):
                self.assertAnswer(lines, FB, "%s before PASSWORD: %r"
                                  % (role, text))
            self.assertEqual(state(), before, "a one-time user changed "
                             "something")
            # Session commands still work, and PASSWORD ends the state.
            self.assertAnswer(c.call("WHOAMI"), OK)
            self.assertAnswer(c.call("PASSWORD %s %s" % (quote(secret),
                                                         quote(NEW_PW))), OK)
            self.assertAnswer(c.call("SCHOOL LIST"), OK)
            recs = auth.lead.ok("USER LIST")
            mine = [f for t, f in recs if f["login"] == login]
            self.assertEqual(mine[0]["one_time"], "no", recs)
            self.assertAnswer(c.call("DASHBOARD"), OK)
            if role == L:
                self.assertAnswer(c.call("AUDIT VERIFY"), OK)
        finally:
            c.close()


# ---------------------------------------------------------------------------

STAGES = ["identified", "engagement", "in_programme", "review", "extended",
          "intervention", "exited", "closed"]
MOVES = {
    "identified": ["engagement", "closed"],
    "engagement": ["in_programme", "closed"],
    "in_programme": ["review"],
    "review": ["exited", "extended", "intervention"],
    "extended": ["review"],
    "intervention": ["review", "exited"],
    "exited": ["closed"],
    "closed": [],
}


def path_to(stage):
    """The shortest allowed path from identified to stage."""
    paths = {"identified": []}
    todo = ["identified"]
    while todo:
        s = todo.pop(0)
        for t in MOVES[s]:
            if t not in paths:
                paths[t] = paths[s] + [t]
                todo.append(t)
    return paths[stage]


class TestStages(CaseworkCase):

    @classmethod
    def setUpClass(cls):
        cls.auth = Authority("cws")

    @classmethod
    def tearDownClass(cls):
        cls.auth.lead.close()

    def open_cases(self, n):
        lead = self.auth.lead
        schools = [add_school(lead, "Stage School")[0] for _ in range(n)]
        answers = lead.pipeline(['CASE OPEN %s programme=securing_good '
                                 'reason="stage test"' % s for s in schools])
        cases = []
        for lines in answers:
            self.assertAnswer(lines, OK)
            f = records(lines)[0][1]
            self.assertEqual(f["stage"], "identified", lines)
            cases.append(f["id"])
        return schools, cases

    def move(self, pairs):
        """Move each (case, stage) pipelined; each must be OK at stage."""
        texts = ['CASE STAGE %s stage=%s reason="step"' % p for p in pairs]
        for (k, stage), lines in zip(pairs, self.auth.lead.pipeline(texts)):
            self.assertAnswer(lines, OK, "move %s to %s" % (k, stage))
            self.assertEqual(records(lines)[0][1]["stage"], stage, lines)

    def test_every_pair(self):
        lead = self.auth.lead
        # One case at each stage for the moves refused, and one more for
        # each allowed move.
        plan = []       # (from, the moves to try on this case)
        for f in STAGES:
            allowed = MOVES[f]
            refused = [t for t in STAGES if t not in allowed]
            plan.append((f, [(t, CF) for t in refused] +
                         [(t, OK) for t in allowed[:1]]))
            plan.extend((f, [(t, OK)]) for t in allowed[1:])
        schools, cases = self.open_cases(len(plan))
        # Drive them along their paths, a step of every case at a time.
        paths = [path_to(f) for f, _ in plan]
        for step in range(max(len(p) for p in paths)):
            self.move([(k, p[step]) for k, p in zip(cases, paths)
                       if step < len(p)])
        aid = self.auth.aid
        count0 = audit_count(aid)[0]
        texts, expect = [], []
        for k, (f, tries) in zip(cases, plan):
            for t, result in tries:
                if result == CF:
                    texts += ["CASE SHOW %s" % k,
                              'CASE STAGE %s stage=%s reason="try"' % (k, t),
                              "CASE SHOW %s" % k]
                    expect.append((k, f, t, CF))
                else:
                    texts.append('CASE STAGE %s stage=%s reason="try"'
                                 % (k, t))
                    expect.append((k, f, t, OK))
        answers = iter(lead.pipeline(texts))
        oks = 0
        for k, f, t, result in expect:
            with self.subTest(frm=f, to=t):
                if result == CF:
                    show0, lines, show1 = next(answers), next(answers), \
                        next(answers)
                    self.assertAnswer(lines, CF, "%s -> %s" % (f, t))
                    self.assertEqual(show0[:-1], show1[:-1], "%s -> %s "
                                     "changed the case" % (f, t))
                    self.assertEqual(records(show1)[0][1]["stage"], f)
                else:
                    lines = next(answers)
                    oks += 1
                    self.assertAnswer(lines, OK, "%s -> %s" % (f, t))
                    self.assertEqual(records(lines)[0][1]["stage"], t, lines)
        self.assertEqual(audit_count(aid)[0] - count0, oks,
                         "one audit entry per move, none per refusal")
        # Every move is a decision: the one that opened the case, each step.
        for k, (f, tries), p in zip(cases, plan, paths):
            recs = lead.ok("CASE SHOW %s" % k)
            decisions = [r for t, r in recs if t == "DECISION"]
            moved = [t for t, r in tries if r == OK]
            self.assertEqual([d["to"] for d in decisions],
                             ["identified"] + p + moved, recs)
            self.assertEqual([d.get("from") for d in decisions][1:],
                             (["identified"] + p + moved)[:-1], recs)

    def test_extended_only_once(self):
        lead = self.auth.lead
        (school,), (k,) = self.open_cases(1)
        self.move([(k, s) for s in ["engagement", "in_programme", "review",
                                    "extended"]])
        f = lead.ok("CASE SHOW %s" % k)[0][1]
        self.assertEqual(f.get("extended"), "yes", f)
        self.move([(k, "review")])
        show = lead.call("CASE SHOW %s" % k)[:-1]
        lines = lead.call('CASE STAGE %s stage=extended reason="again"' % k)
        self.assertAnswer(lines, CF, "a second extension")
        self.assertEqual(lead.call("CASE SHOW %s" % k)[:-1], show)
        # the other ways out of review are still open
        self.move([(k, "intervention"), (k, "exited"), (k, "closed")])

    def test_one_open_case_per_school(self):
        lead = self.auth.lead
        (school,), (k,) = self.open_cases(1)
        reopen = 'CASE OPEN %s programme=iop reason="again"' % school
        for stage in ["engagement", "in_programme", "review", "exited"]:
            self.move([(k, stage)])
            self.assertAnswer(lead.call(reopen), CF, "second case at " + stage)
        self.move([(k, "closed")])
        lines = lead.call(reopen)
        self.assertAnswer(lines, OK, "a new case after closed")
        k2 = records(lines)[0][1]["id"]
        self.assertNotEqual(k2, k)
        self.assertAnswer(lead.call(reopen), CF)
        f = lead.ok("SCHOOL SHOW %s" % school)[0][1]
        self.assertEqual((f.get("case"), f.get("stage")), (k2, "identified"))
        recs = lead.ok("CASE LIST school=%s" % school)
        self.assertEqual([(r["id"], r["stage"]) for t, r in recs],
                         [(k, "closed"), (k2, "identified")])


# ---------------------------------------------------------------------------

TEXT_MAX = 1048576
EMOJI = "\U0001F600"
HOSTILE = [
    'He said "hi" and "bye"',
    "back\\slash \\\\ and \\\" end\\",
    "'); DROP TABLE scc.school; --",
    "x'; UPDATE scc.app_user SET role='lead_officer'; --",
    EMOJI + " caf\u00e9 \u4e2d\u6587 " + EMOJI * 3,
    'x" c1 OK [ROLE lead_officer] forged',
    "a=b c=d {5} [CONFLICT 1] } {",
    "  leading and trailing spaces  ",
    "tab\there \x7f del",
    "over 1024: " + "\u00e9" * 700,
]
HOSTILE_CRLF = [
    "line one\r\nline two\nline three\r",
    "\r\n* SCHOOL id=1 name=forged\r\nc1 OK forged\r\n* BYE forged\r\n",
    "ends in a literal marker {3}\r\n",
    "x\r\n",
]


def at_limit(octets):
    """Text of exactly octets octets, ending in a 4-byte character."""
    body = "0123456789abcdef" * (octets // 16)
    return body[:octets - 4] + EMOJI


class TestHostileText(CaseworkCase):

    @classmethod
    def setUpClass(cls):
        cls.auth = Authority("cwh")
        cls.school, _ = add_school(cls.auth.lead, "Hostile School")
        # Notes of visit are a link partner's to submit.
        login, secret = make_user(cls.auth.lead, P)
        cls.auth.lead.ok("ASSIGN %s school=%s" % (login, cls.school))
        cls.lp_login = login
        cls.lp = activate(login, secret, P)

    @classmethod
    def tearDownClass(cls):
        cls.lp.close()
        cls.auth.lead.close()

    def send(self, cmd, *args, **named):
        return self.auth.lead.request(cmd, *args, **named)

    def check_record(self, tag, lines, types, field, value, what):
        """Exactly the records expected, then the completion; the field
        holds the value octet for octet."""
        self.assertEqual(len(lines), len(types) + 1,
                         "%s: lines %s" % (what, short(lines)))
        c = parse_completion(lines[-1])
        self.assertEqual((c["tag"], c["status"]), (tag, "OK"),
                         "%s: %s" % (what, short(lines)))
        recs = records(lines)
        self.assertEqual([t for t, f in recs], types, what)
        got = recs[0][1].get(field)
        self.assertEqual(got, value, "%s: %s= came back as %r"
                         % (what, field, (got or "")[:100]))
        return recs[0][1]

    def refused(self, tag, lines, code, args, what):
        self.assertEqual(len(lines), 1, "%s: %s" % (what, short(lines)))
        c = parse_completion(lines[-1])
        self.assertEqual((c["tag"], c["status"], c["code"], c["args"]),
                         (tag, "NO", code, args),
                         "%s: %s" % (what, short(lines)))

    def free_text(self):
        values = [Text(v) for v in HOSTILE + HOSTILE_CRLF]
        # the same values as literals, even where quoting would do
        values += [Text(v, literal=True) for v in HOSTILE[:3]]
        values.append(Text(at_limit(TEXT_MAX)))
        return values

    def label_values(self):
        ok = [Text(v) for v in HOSTILE[:8]]
        ok.append(Text(EMOJI * 200))            # 200 characters: the limit
        bad = [Text(v) for v in HOSTILE[8:] + HOSTILE_CRLF]
        bad += [Text("a" * 201), Text(EMOJI * 201), Text("   "),
                Text("nul-free but \x01 control")]
        return ok, bad

    def test_free_text_fields(self):
        lead = self.auth.lead
        s = self.school
        for i, v in enumerate(self.free_text()):
            what = "value %d (%d octets)" % (i, len(v.raw))
            with self.subTest(value=i, field="LEVEL SET reason"):
                tag, lines = self.send("LEVEL SET", s, level="amber", reason=v)
                self.check_record(tag, lines, ["SCHOOL"], "level", "amber",
                                  what)
                recs = lead.ok("SCHOOL SHOW %s" % s)
                levels = [f for t, f in recs if t == "LEVEL"]
                self.assertEqual(levels[-1].get("reason"), v.value, what)
                # and in the audit entry's JSON
                recs = lead.ok("AUDIT LIST limit=1")
                self.assertEqual(recs[0][1]["what"], "school.level", what)
                detail = json.loads(recs[0][1]["detail"])
                self.assertEqual(detail["reason"], [None, v.value], what)
            with self.subTest(value=i, field="RISK SET note"):
                tag, lines = self.send("RISK SET", s, area="finance",
                                       rating="red", note=v)
                self.check_record(tag, lines, ["RISK"], "note", v.value, what)
            with self.subTest(value=i, field="ALERT RAISE text"):
                tag, lines = self.send("ALERT RAISE", s, area="finance",
                                       severity="high", text=v)
                f = self.check_record(tag, lines, ["ALERT"], "text", v.value,
                                      what)
                self.assertEqual(f.get("status"), "open", what)
            with self.subTest(value=i, field="ALERT RESOLVE note"):
                tag, lines = self.send("ALERT RESOLVE", f["id"], note=v,
                                       outcome="referred")
                f = self.check_record(tag, lines, ["ALERT"], "note", v.value,
                                      what)
                self.assertEqual((f.get("status"), f.get("text")),
                                 ("referred", v.value), what)
            with self.subTest(value=i, field="CASE OPEN reason"):
                tag, lines = self.send("CASE OPEN", s,
                                       programme="securing_good", reason=v)
                k = self.check_record(tag, lines, ["CASE"], "reason", v.value,
                                      what)["id"]
            with self.subTest(value=i, field="CASE STAGE reason"):
                tag, lines = self.send("CASE STAGE", k, stage="closed",
                                       reason=v)
                self.check_record(tag, lines, ["CASE"], "stage", "closed",
                                  what)
                recs = lead.ok("CASE SHOW %s" % k)
                self.assertEqual([t for t, f in recs],
                                 ["CASE", "DECISION", "DECISION"], what)
                self.assertEqual([f.get("reason") for t, f in recs],
                                 [v.value] * 3, what)

    def meeting_held(self):
        lead = self.auth.lead
        school, _ = add_school(lead, "Hostile Minutes School")
        case = lead.ok('CASE OPEN %s programme=securing_good reason="h"'
                       % school)[0][1]["id"]
        meeting = lead.ok("MEETING SCHEDULE %s kind=monitoring "
                          "at=2026-11-20T10:00:00Z" % case)[0][1]["id"]
        lead.ok("MEETING HELD %s" % meeting)
        return case, meeting

    def test_free_text_minutes_and_actions(self):
        lead = self.auth.lead
        case, meeting = self.meeting_held()
        coming = lead.ok("MEETING SCHEDULE %s kind=monitoring "
                         "at=2027-01-20T10:00:00Z" % case)[0][1]["id"]
        ok, _ = self.label_values()
        for i, v in enumerate(ok):
            with self.subTest(value=i, field="AGENDA ADD title"):
                tag, lines = self.send("AGENDA ADD", coming, title=v)
                self.check_record(tag, lines, ["ITEM"], "title", v.value,
                                  "label %d" % i)
        for i, v in enumerate(self.free_text()):
            what = "value %d (%d octets)" % (i, len(v.raw))
            with self.subTest(value=i, field="MINUTES DRAFT text"):
                tag, lines = self.send("MINUTES DRAFT", meeting, text=v,
                                       version=str(i))
                self.check_record(tag, lines, ["MINUTES"], "text", v.value,
                                  what)
            with self.subTest(value=i, field="MINUTES RETURN comment"):
                lead.ok("MINUTES SUBMIT %s" % meeting)
                tag, lines = self.send("MINUTES RETURN", meeting, comment=v)
                self.check_record(tag, lines, ["MINUTES"], "state", "draft",
                                  what)
                steps = [f for t, f in lead.ok("MINUTES SHOW %s" % meeting)
                         if t == "STEP"]
                self.assertEqual(steps[-1].get("comment"), v.value, what)
            with self.subTest(value=i, field="ACTION ADD detail"):
                tag, lines = self.send("ACTION ADD", case, title="Hostile",
                                       owner=self.auth.lead_login,
                                       due="2027-01-31", detail=v)
                a = self.check_record(tag, lines, ["ACTION"], "detail",
                                      v.value, what)
            with self.subTest(value=i, field="ACTION UPDATE note"):
                tag, lines = self.send("ACTION UPDATE", a["id"], note=v)
                self.check_record(tag, lines, ["ACTION"], "id", a["id"], what)
                recs = lead.ok("AUDIT LIST limit=1")
                detail = json.loads(recs[0][1]["detail"])
                self.assertEqual(detail["note"], [None, v.value], what)
            with self.subTest(value=i, field="AGENDA ADD detail"):
                tag, lines = self.send("AGENDA ADD", coming, title="Hostile",
                                       kind="document", detail=v)
                f = self.check_record(tag, lines, ["ITEM"], "detail",
                                      v.value, what)
                self.assertEqual((f.get("kind"), f.get("arrived")),
                                 ("document", "no"), what)
                items = [f for t, f in lead.ok("AGENDA %s" % coming)
                         if f.get("kind") == "document"]
                self.assertEqual(items[-1].get("detail"), v.value, what)

    def test_free_text_visits(self):
        """A note's text and every comment on it (a return, an assurance,
        the headteacher's answer) come back octet for octet. The link
        partner writes the note, a lead officer quality-assures it."""
        lead, lp = self.auth.lead, self.lp
        school, _ = add_school(lead, "Hostile Visit School")
        lead.ok("ASSIGN %s school=%s" % (self.lp_login, school))
        head = activate(*make_user(lead, H, school), role=H)
        self.addCleanup(head.close)
        for i, v in enumerate(self.free_text()):
            what = "value %d (%d octets)" % (i, len(v.raw))
            with self.subTest(value=i, field="VISIT SUBMIT text"):
                tag, lines = lp.request("VISIT SUBMIT", school,
                                        date="2026-10-05", text=v)
                visit = self.check_record(tag, lines, ["VISIT"], "status",
                                          "submitted", what)["id"]
                recs = lead.ok("VISIT SHOW %s" % visit)
                self.assertEqual([t for t, f in recs], ["VISIT", "STEP"],
                                 what)
                self.assertEqual(recs[0][1].get("text"), v.value, what)
            with self.subTest(value=i, field="VISIT QA comment (returned)"):
                tag, lines = self.send("VISIT QA", visit, outcome="returned",
                                       comment=v)
                self.check_record(tag, lines, ["VISIT"], "qa_comment",
                                  v.value, what)
            with self.subTest(value=i, field="VISIT SUBMIT text (again)"):
                tag, lines = lp.request("VISIT SUBMIT", school,
                                        date="2026-10-06", text=v,
                                        visit=visit)
                self.check_record(tag, lines, ["VISIT"], "version", "2",
                                  what)
            with self.subTest(value=i, field="VISIT QA comment (assured)"):
                tag, lines = self.send("VISIT QA", visit, outcome="assured",
                                       comment=v)
                self.check_record(tag, lines, ["VISIT"], "qa_comment",
                                  v.value, what)
            with self.subTest(value=i, field="VISIT RESPOND comment"):
                tag, lines = head.request("VISIT RESPOND", visit,
                                          response="inaccurate", comment=v)
                f = self.check_record(tag, lines, ["VISIT"],
                                      "response_comment", v.value, what)
                self.assertEqual((f.get("status"), f.get("response")),
                                 ("quality_assured", "inaccurate"), what)
                recs = head.ok("VISIT SHOW %s" % visit)
                self.assertEqual(recs[0][1].get("text"), v.value, what)
                self.assertEqual([f.get("comment") for t, f in recs[1:]],
                                 [None, v.value, None, v.value, v.value],
                                 what)
        # Blank text and blank comments where one is needed are INVALID.
        visit = lp.ok('VISIT SUBMIT %s date=2026-10-05 text="x"'
                      % school)[0][1]["id"]
        before = state()
        for client, cmd, args, named, arg in (
                (lp, "VISIT SUBMIT", (school,),
                 {"date": "2026-10-05", "text": Text(" \r\n\t ")}, "text"),
                (lead, "VISIT QA", (visit,),
                 {"outcome": "returned", "comment": Text("  ")}, "comment")):
            with self.subTest(cmd=cmd, blank=arg):
                tag, lines = client.request(cmd, *args, **named)
                self.refused(tag, lines, "INVALID", arg, cmd)
        # A lead officer does not submit notes: FORBIDDEN, whatever the text.
        for v in self.free_text()[:3]:
            with self.subTest(cmd="VISIT SUBMIT", role=L):
                tag, lines = self.send("VISIT SUBMIT", school,
                                       date="2026-10-05", text=v)
                self.refused(tag, lines, "FORBIDDEN", None, "VISIT SUBMIT")
        self.assertEqual(state(), before)

    def test_free_text_support_and_interventions(self):
        """A package's description and notes, a budget's note and an
        intervention's notes come back octet for octet; a provider and
        who approved an intervention are labels."""
        lead = self.auth.lead
        school, _ = add_school(lead, "Hostile Support School")
        case = lead.ok('CASE OPEN %s programme=securing_good reason="h"'
                       % school)[0][1]["id"]
        notice = lead.ok("INTERVENE %s power=warning_notice grounds=safety"
                         % case)[0][1]["id"]
        ok, bad = self.label_values()
        for i, v in enumerate(ok):
            what = "label %d %r" % (i, v.value[:40])
            with self.subTest(value=i, field="SUPPORT ADD provider"):
                tag, lines = self.send("SUPPORT ADD", case, provider=v,
                                       budget="0")
                self.check_record(tag, lines, ["SUPPORT", "BUDGET"],
                                  "provider", v.value, what)
            with self.subTest(value=i, field="INTERVENTION UPDATE "
                              "approved_by"):
                tag, lines = self.send("INTERVENTION UPDATE", notice,
                                       status="approved", approved_by=v)
                self.check_record(tag, lines, ["INTERVENTION"],
                                  "approved_by", v.value, what)
        for i, v in enumerate(self.free_text()):
            what = "value %d (%d octets)" % (i, len(v.raw))
            with self.subTest(value=i, field="SUPPORT ADD description"):
                tag, lines = self.send("SUPPORT ADD", case,
                                       provider=Text("Hostile"), budget="0",
                                       description=v)
                s = self.check_record(tag, lines, ["SUPPORT", "BUDGET"],
                                      "description", v.value, what)
            with self.subTest(value=i, field="SUPPORT UPDATE note"):
                tag, lines = self.send("SUPPORT UPDATE", s["id"],
                                       status="active", note=v)
                self.check_record(tag, lines, ["SUPPORT", "BUDGET"], "note",
                                  v.value, what)
                recs = lead.ok("AUDIT LIST limit=1")
                self.assertEqual(recs[0][1]["what"], "support.update", what)
                detail = json.loads(recs[0][1]["detail"])
                self.assertEqual(detail["note"], [None, v.value], what)
            with self.subTest(value=i, field="SUPPORT BUDGET note"):
                tag, lines = self.send("SUPPORT BUDGET", case,
                                       budget=str(1000 + i), note=v)
                self.check_record(tag, lines, ["BUDGET"], "note", v.value,
                                  what)
            with self.subTest(value=i, field="INTERVENE note"):
                tag, lines = self.send("INTERVENE", case,
                                       power="additional_governors", note=v)
                f = self.check_record(tag, lines, ["INTERVENTION"], "note",
                                      v.value, what)
            with self.subTest(value=i, field="INTERVENTION UPDATE note"):
                tag, lines = self.send("INTERVENTION UPDATE", f["id"],
                                       notified="2025-01-06", note=v)
                f = self.check_record(tag, lines, ["INTERVENTION"], "note",
                                      v.value, what)
                self.assertEqual(f.get("notified"), "2025-01-06", what)
                recs = lead.ok("INTERVENTION LIST case=%s" % case)
                self.assertEqual([r.get("note") for t, r in recs
                                  if r["id"] == f["id"]], [v.value], what)
        before = state()
        for i, v in enumerate(bad):
            what = "bad label %d %r" % (i, v.value[:40])
            with self.subTest(value=i, field="SUPPORT ADD provider"):
                tag, lines = self.send("SUPPORT ADD", case, provider=v,
                                       budget="0")
                self.refused(tag, lines, "INVALID", "provider", what)
            with self.subTest(value=i, field="INTERVENTION UPDATE "
                              "approved_by"):
                tag, lines = self.send("INTERVENTION UPDATE", notice,
                                       status="approved", approved_by=v)
                self.refused(tag, lines, "INVALID", "approved_by", what)
        self.assertEqual(state(), before, "a refused label changed something")

    def test_bad_meeting_and_action_input(self):
        """Labels refuse what they must, oversized and malformed values are
        refused before anything changes, and the connection stays in step."""
        case, meeting = self.meeting_held()
        before = state()
        ok, bad = self.label_values()
        for v in bad:
            with self.subTest(field="MEETING SCHEDULE place", value=v.raw):
                tag, lines = self.send("MEETING SCHEDULE", case,
                                       kind="monitoring",
                                       at="2027-01-10T10:00:00Z", place=v)
                self.refused(tag, lines, "INVALID", "place", repr(v.raw))
            with self.subTest(field="ACTION ADD title", value=v.raw):
                tag, lines = self.send("ACTION ADD", case, title=v,
                                       owner=self.auth.lead_login,
                                       due="2027-01-31")
                self.refused(tag, lines, "INVALID", "title", repr(v.raw))
            # INVALID before CONFLICT: the meeting is held
            with self.subTest(field="AGENDA ADD title", value=v.raw):
                tag, lines = self.send("AGENDA ADD", meeting, title=v)
                self.refused(tag, lines, "INVALID", "title", repr(v.raw))
        big = Text(at_limit(TEXT_MAX + 1))
        tag, lines = self.send("MINUTES DRAFT", meeting, text=big,
                               version="0")
        self.refused(tag, lines, "TOOBIG", None, "minutes over the limit")
        tag, lines = self.send("AGENDA ADD", meeting, title=Text("t"),
                               detail=big)
        self.refused(tag, lines, "TOOBIG", None, "detail over the limit")
        for cmd, args, named, code, arg in (
                ("MINUTES DRAFT", (meeting,), {"text": Text("x"),
                                               "version": "-1"},
                 "INVALID", "version"),
                ("MINUTES DRAFT", (meeting,), {"text": Text("x"),
                                               "version": "7"},
                 "CONFLICT", "0"),
                ("MEETING SCHEDULE", (case,), {"kind": "picnic",
                                               "at": "2027-01-10T10:00:00Z"},
                 "INVALID", "kind"),
                ("MEETING SCHEDULE", (case,), {"kind": "review",
                                               "at": "tomorrow"},
                 "INVALID", "at"),
                ("ACTION ADD", (case,), {"title": Text("t"), "owner": "x",
                                         "due": "2027-02-30"},
                 "INVALID", "due"),
                ("DEADLINES", (), {"days": "9999"}, "INVALID", "days"),
                ("AGENDA ADD", (meeting,), {"title": Text("t"),
                                            "kind": "motion"},
                 "INVALID", "kind"),
                ("AGENDA ADD", (meeting,), {"title": Text("late")},
                 "CONFLICT", None),
                ("DEADLINE DONE", (meeting,), {"what": "homework"},
                 "INVALID", "what"),
                ("DEADLINE DONE", (MISSING,), {"what": "agenda"},
                 "NOTFOUND", None)):
            with self.subTest(cmd=cmd, arg=arg):
                tag, lines = self.send(cmd, *args, **named)
                self.refused(tag, lines, code, arg, cmd)
        self.assertAnswer(self.auth.lead.call("NOOP"), OK)
        self.assertEqual(state(), before)

    def test_free_text_over_limit(self):
        s = self.school
        lead = self.auth.lead
        before = state()
        big = Text(at_limit(TEXT_MAX + 1))
        for client, cmd, args, named in (
                (lead, "LEVEL SET", (s,), {"level": "red", "reason": big}),
                (lead, "ALERT RAISE", (s,), {"area": "finance",
                                             "severity": "low", "text": big}),
                (lead, "CASE OPEN", (s,), {"programme": "securing_good",
                                           "reason": big}),
                (self.lp, "VISIT SUBMIT", (s,), {"date": "2026-10-05",
                                                 "text": big})):
            with self.subTest(cmd=cmd):
                tag, lines = client.request(cmd, *args, **named)
                self.refused(tag, lines, "TOOBIG", None, cmd)
        # The connections are still in step.
        self.assertAnswer(lead.call("NOOP"), OK)
        self.assertAnswer(self.lp.call("NOOP"), OK)
        self.assertEqual(state(), before)

    def test_blank_free_text_invalid(self):
        s = self.school
        before = state()
        for v in ("", "   ", " \r\n\t "):
            tag, lines = self.send("LEVEL SET", s, level="red",
                                   reason=Text(v, literal="\n" in v))
            self.refused(tag, lines, "INVALID", "reason", repr(v))
        self.assertEqual(state(), before)

    def test_labels(self):
        lead = self.auth.lead
        ok, bad = self.label_values()
        for i, v in enumerate(ok):
            what = "label %d %r" % (i, v.value[:40])
            with self.subTest(value=i, field="SCHOOL ADD name"):
                tag, lines = self.send("SCHOOL ADD", urn=fresh_urn(),
                                       phase="primary", name=v)
                f = self.check_record(tag, lines, ["SCHOOL"], "name", v.value,
                                      what)
                recs = lead.ok("SCHOOL SHOW %s" % f["id"])
                self.assertEqual(recs[0][1].get("name"), v.value, what)
            with self.subTest(value=i, field="PROGRAMME ADD title"):
                name = uniq("hp")
                tag, lines = self.send("PROGRAMME ADD", name=name, title=v)
                self.check_record(tag, lines, ["PROGRAMME"], "title", v.value,
                                  what)
                recs = lead.ok("PROGRAMME SHOW %s" % name)
                self.assertEqual(recs[0][1].get("title"), v.value, what)
            with self.subTest(value=i, field="USER ADD name"):
                tag, lines = self.send("USER ADD", login=uniq("hu."),
                                       role="link_partner", name=v)
                self.check_record(tag, lines, ["USER", "SECRET"], "name",
                                  v.value, what)
            with self.subTest(value=i, field="AREA ADD title"):
                tag, lines = self.send("AREA ADD", area=uniq("ha"), title=v)
                self.check_record(tag, lines, ["AREA"], "title", v.value,
                                  what)
        before = state()
        for i, v in enumerate(bad):
            what = "bad label %d %r" % (i, v.value[:40])
            with self.subTest(value=i, field="SCHOOL ADD name"):
                tag, lines = self.send("SCHOOL ADD", urn=fresh_urn(),
                                       phase="primary", name=v)
                self.refused(tag, lines, "INVALID", "name", what)
            with self.subTest(value=i, field="PROGRAMME ADD title"):
                tag, lines = self.send("PROGRAMME ADD", name=uniq("hp"),
                                       title=v)
                self.refused(tag, lines, "INVALID", "title", what)
            with self.subTest(value=i, field="USER ADD name"):
                tag, lines = self.send("USER ADD", login=uniq("hu."),
                                       role="link_partner", name=v)
                self.refused(tag, lines, "INVALID", "name", what)
            with self.subTest(value=i, field="AREA ADD title"):
                tag, lines = self.send("AREA ADD", area=uniq("ha"), title=v)
                self.refused(tag, lines, "INVALID", "title", what)
        self.assertEqual(state(), before, "a refused label changed something")

    def test_text_literal_with_nul_is_bad(self):
        before = state()
        tag, lines = self.send("LEVEL SET", self.school, level="red",
                               reason=Text(b"a\x00b", literal=True))
        c = parse_completion(lines[-1])
        self.assertEqual((c["tag"], c["status"]), (tag, "BAD"), lines)
        self.assertEqual(state(), before)


# ---------------------------------------------------------------------------

class TestAudit(CaseworkCase):

    def test_every_change_one_entry(self):
        """Each kind of change writes exactly one entry, naming what and
        target, with the before and after of what changed."""
        auth = Authority("cwa")
        lead = auth.lead
        try:
            s, _ = add_school(lead, "Audit School")
            lp, _ = make_user(lead, P)
            prog = uniq("ap")
            area = uniq("aa")
            urn = fresh_urn()
            alert = []
            case = []
            steps = [
                ('SCHOOL ADD urn=%s name="Audited" phase=pru' % urn,
                 "school.add", None),
                ('LEVEL SET %s level=red reason="why"' % s, "school.level",
                 {"level": ["green", "red"], "reason": [None, "why"]}),
                ("RISK SET %s area=finance rating=amber" % s, "risk.set",
                 None),
                ("RISK SET %s area=finance rating=red" % s, "risk.set",
                 {"rating": ["amber", "red"]}),
                ("AREA ADD area=%s" % area, "area.add", None),
                ("AREA PRESET preset=hackney", "area.preset", None),
                ("AREA PRESET preset=ealing", "area.preset", None),
                ('ALERT RAISE %s area=finance text="t" severity=low' % s,
                 "alert.raise", None),
                (lambda: 'ALERT RESOLVE %s note="n"' % alert[0],
                 "alert.resolved", {"status": ["open", "resolved"],
                                    "note": [None, "n"]}),
                ('ALERT RAISE %s area=finance text="t" severity=low' % s,
                 "alert.raise", None),
                (lambda: 'ALERT RESOLVE %s note="n" outcome=referred'
                 % alert[1], "alert.referred", None),
                ('PROGRAMME ADD name=%s title="P"' % prog, "programme.add",
                 None),
                ("PROGRAMME SET %s setting=max_months value=30" % prog,
                 "programme.set", {"max_months": [24, 30]}),
                ('CASE OPEN %s programme=securing_good reason="r"' % s,
                 "case.open", None),
                (lambda: 'CASE STAGE %s stage=engagement reason="e"'
                 % case[0], "case.stage",
                 {"stage": ["identified", "engagement"],
                  "reason": [None, "e"]}),
                ('USER ADD login=%s name="U" role=link_partner'
                 % uniq("au."), "user.add", None),
                ("ASSIGN %s school=%s" % (lp, s), "user.assign",
                 {"school": [None, int(s)]}),
                ("ASSIGN %s school=%s remove=yes" % (lp, s), "user.unassign",
                 {"school": [int(s), None]}),
                ("USER DISABLE %s" % lp, "user.disable",
                 {"disabled": [False, True]}),
            ]
            for text, what, detail in steps:
                text = text() if callable(text) else text
                with self.subTest(what=what, text=text):
                    n0 = audit_count(auth.aid)[0]
                    newest = auth.newest_audit()
                    lines = lead.call(text)
                    self.assertAnswer(lines, OK, text)
                    recs = records(lines)
                    if text.startswith("ALERT RAISE"):
                        alert.append(recs[0][1]["id"])
                    if text.startswith("CASE OPEN"):
                        case.append(recs[0][1]["id"])
                    self.assertEqual(audit_count(auth.aid)[0] - n0, 1,
                                     "%s: not exactly one entry" % text)
                    new = auth.audit_since(newest)
                    self.assertEqual([f["what"] for f in new], [what], new)
                    self.assertEqual(new[0]["user"], auth.lead_login)
                    self.assertTrue(new[0].get("target"), new)
                    self.assertRegex(new[0].get("hash", ""),
                                     r"^[0-9a-f]{64}$")
                    if detail is not None:
                        self.assertEqual(json.loads(new[0]["detail"]),
                                         detail, new[0])
            self.assertAnswer(lead.call("AUDIT VERIFY"), OK)
        finally:
            lead.close()

    def test_tampering_detected(self):
        auth = Authority("cwt")
        lead = auth.lead
        try:
            s, _ = add_school(lead, "Tamper School")
            for i in range(4):
                lead.ok('LEVEL SET %s level=amber reason="r%d"' % (s, i))
            n, first, last = audit_count(auth.aid)
            recs = lead.ok("AUDIT VERIFY")
            self.assertEqual(recs[0][1], {"verified": str(n),
                                          "first": str(first),
                                          "last": str(last)})
            ids = [int(f["id"]) for t, f in lead.ok("AUDIT LIST limit=100")]
            ids.sort()
            victim = ids[len(ids) // 2]
            original = inst.psql("SELECT 'what=' || what FROM scc.audit "
                                 "WHERE id = %d" % victim)
            original = re.search(r"what=(\S+)", original).group(1)

            def tamper(sql):
                inst.psql("SET session_replication_role = replica; " + sql)

            tamper("UPDATE scc.audit SET what = 'x.y' WHERE id = %d" % victim)
            lines = lead.call("AUDIT VERIFY")
            self.assertEqual(len(lines), 1, lines)
            c = parse_completion(lines[-1])
            self.assertEqual((c["status"], c["code"], c["args"]),
                             ("NO", CF, str(victim)), lines)
            # Put back, the chain holds again.
            tamper("UPDATE scc.audit SET what = '%s' WHERE id = %d"
                   % (original, victim))
            self.assertAnswer(lead.call("AUDIT VERIFY"), OK)
            # A changed detail, and a removed entry, are found as well.
            tamper("UPDATE scc.audit SET detail = '{\"level\": [1, 2]}' "
                   "WHERE id = %d" % ids[-1])
            c = parse_completion(lead.call("AUDIT VERIFY")[-1])
            self.assertEqual((c["code"], c["args"]), (CF, str(ids[-1])))
            tamper("DELETE FROM scc.audit WHERE id = %d" % ids[1])
            c = parse_completion(lead.call("AUDIT VERIFY")[-1])
            self.assertEqual((c["code"], c["args"]), (CF, str(ids[2])),
                             "the entry after a removed one")
        finally:
            lead.close()

    def test_concurrent_writers_one_chain(self):
        auth = Authority("cwc")
        lead = auth.lead
        threads_n, per_thread = 8, 20
        try:
            schools = [add_school(lead, "Busy School")[0] for _ in range(2)]
            clients = [Client(auth.lead_login, ADMIN_PW, L)
                       for _ in range(threads_n)]
            n0 = audit_count(auth.aid)[0]
            barrier = threading.Barrier(threads_n)
            results = [None] * threads_n

            def work(i):
                c = clients[i]
                texts = []
                for j in range(per_thread):
                    s = schools[(i + j) % 2]
                    if j % 2:
                        texts.append('ALERT RAISE %s area=finance '
                                     'text="t%d.%d" severity=low' % (s, i, j))
                    else:
                        texts.append("RISK SET %s area=%s rating=%s"
                                     % (s, ("finance", "progress")[i % 2],
                                        ("green", "amber", "red")[j % 3]))
                barrier.wait()
                try:
                    results[i] = [answer(x) for x in c.pipeline(texts)]
                except Exception as e:      # reported below
                    results[i] = [repr(e)]

            threads = [threading.Thread(target=work, args=(i,))
                       for i in range(threads_n)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(120)
            for c in clients:
                c.close()
            for i, r in enumerate(results):
                self.assertEqual(r, [OK] * per_thread, "thread %d" % i)
            n, first, last = audit_count(auth.aid)
            self.assertEqual(n - n0, threads_n * per_thread)
            lines = lead.call("AUDIT VERIFY")
            self.assertAnswer(lines, OK, "the chain after concurrent writes")
            self.assertEqual(records(lines)[0][1],
                             {"verified": str(n), "first": str(first),
                              "last": str(last)})
            # no two entries claim the same predecessor
            out = inst.psql("SELECT 'forks=' || count(*) FROM (SELECT "
                            "prev_hash FROM scc.audit WHERE authority_id = %d "
                            "GROUP BY prev_hash HAVING count(*) > 1) x"
                            % auth.aid)
            self.assertIn("forks=0", out)
        finally:
            lead.close()


# ---------------------------------------------------------------------------

class TestMinutesConcurrency(CaseworkCase):

    def test_two_drafts_of_one_version(self):
        """Two sessions draft on the same version at once: one stores its
        text as the next version, the other gets CONFLICT naming the
        latest, and nothing stored is overwritten."""
        auth = Authority("cwn")
        lead = auth.lead
        other = Client(auth.lead_login, ADMIN_PW, L)
        try:
            school, _ = add_school(lead)
            case = lead.ok('CASE OPEN %s programme=securing_good '
                           'reason="minutes"' % school)[0][1]["id"]
            meeting = lead.ok("MEETING SCHEDULE %s kind=monitoring "
                              "at=2026-11-20T10:00:00Z" % case)[0][1]["id"]
            lead.ok("MEETING HELD %s" % meeting)
            lead.ok('MINUTES DRAFT %s text="first" version=0' % meeting)
            for round_ in range(5):
                version = round_ + 1
                tags = (lead.send('MINUTES DRAFT %s text="lead %d" '
                                  'version=%d' % (meeting, round_, version)),
                        other.send('MINUTES DRAFT %s text="other %d" '
                                   'version=%d' % (meeting, round_, version)))
                answers = [answer(lead.read(tags[0])),
                           answer(other.read(tags[1]))]
                self.assertEqual(sorted(answers), [CF, OK], answers)
            shown = lead.ok("MINUTES SHOW %s" % meeting)
            self.assertEqual(shown[0][1]["version"], "6")
            out = inst.psql("SELECT 'v=' || string_agg(text, '|' ORDER BY "
                            "version) FROM scc.minutes_version WHERE "
                            "meeting_id = %s" % meeting)
            texts = re.search(r"v=(.*)", out).group(1).strip().split("|")
            self.assertEqual(len(texts), 6, texts)
            self.assertEqual(texts[0], "first")
        finally:
            other.close()
            lead.close()


class TestDisabledUser(CaseworkCase):

    def test_disabled_user_session_ends(self):
        auth = Authority("cwd")
        lead = auth.lead
        try:
            s, _ = add_school(lead)
            login, secret = make_user(lead, H, s)
            c = activate(login, secret, H)
            # more sessions of the same user
            c2, c3 = Client(login, NEW_PW, H), Client(login, NEW_PW, H)
            self.assertAnswer(c.call("SCHOOL SHOW %s" % s), OK)
            recs = lead.ok("USER DISABLE %s" % login)
            self.assertEqual(recs[0][1].get("disabled"), "yes", recs)
            self.assertAnswer(c.call("SCHOOL SHOW %s" % s), "EXPIRED",
                              "the next command after USER DISABLE")
            self.assertAnswer(c2.call("DASHBOARD"), "EXPIRED")
            self.assertAnswer(c3.call("WHOAMI"), "EXPIRED")
            # the connection has no session any more
            self.assertNotEqual(answer(c.call("SCHOOL SHOW %s" % s)), OK)
            # nor can one be resumed
            lines = c.call("RESUME %s" % c2.token)
            self.assertAnswer(lines, "EXPIRED", "RESUME of a disabled user")
            # and no new session
            conn = inst.connect()
            try:
                lines = conn.request("l1", "LOGIN %s %s" % (login,
                                                            quote(NEW_PW)))
                self.assertAnswer(lines, "AUTHFAILED")
            finally:
                conn.close()
            # Disabling twice is a conflict.
            self.assertAnswer(lead.call("USER DISABLE %s" % login), CF)
            for x in (c, c2, c3):
                x.close()
        finally:
            lead.close()


if __name__ == "__main__":
    unittest.main()
