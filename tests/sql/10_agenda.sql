-- The agenda of a meeting (open actions carried forward, items, documents
-- requested) and deadlines marked met.
\ir fixture.psql

DO $$
BEGIN
	PERFORM t.login_rec('lead.ealing', '192.0.2.1', true, 'lead');
	PERFORM t.login_rec('lead.hackney', '192.0.2.1', true, 'hlead');
	PERFORM t.login_rec('head.oakfield', '192.0.2.1', true, 'head');
	PERFORM t.login_rec('gov.oakfield', '192.0.2.1', true, 'gov');
	PERFORM t.login_rec('link.ealing', '192.0.2.1', true, 'link');
END
$$;

CREATE TABLE t.ids (name text PRIMARY KEY, id bigint);

-- A case with a meeting held, the next one scheduled, and actions agreed
-- at each, or at none.
DO $$
DECLARE
	v_school bigint := (SELECT s.id FROM scc.school s WHERE s.urn = '100001');
	v_case	 bigint;
	v_first	 bigint;
	v_next	 bigint;
	v_later	 bigint;
	v_done	 bigint;
	v_drop	 bigint;
BEGIN
	v_case := (SELECT k.id FROM api.case_open(t.tok('lead'), v_school,
	    'securing_good', 'test', 'link.ealing', NULL) k);
	v_first := (SELECT m.id FROM api.meeting_schedule(t.tok('lead'), v_case,
	    'engagement', now() - interval '10 days', NULL, NULL, NULL, NULL) m
	    WHERE m.rec = 'MEETING');
	PERFORM api.meeting_held(t.tok('lead'), v_first, NULL);
	v_next := (SELECT m.id FROM api.meeting_schedule(t.tok('lead'), v_case,
	    'monitoring', now() + interval '30 days', NULL, NULL, NULL, NULL) m
	    WHERE m.rec = 'MEETING');
	v_later := (SELECT m.id FROM api.meeting_schedule(t.tok('lead'), v_case,
	    'monitoring', now() + interval '60 days', NULL, NULL, NULL, NULL) m
	    WHERE m.rec = 'MEETING');
	INSERT INTO t.ids VALUES ('case', v_case), ('first', v_first),
	    ('next', v_next), ('later', v_later);
	INSERT INTO t.ids
	SELECT 'open_first', a.id FROM api.action_add(t.tok('lead'), v_case,
	    'Agreed at the first, open', 'head.oakfield', current_date + 5,
	    NULL, v_first) a;
	v_done := (SELECT a.id FROM api.action_add(t.tok('lead'), v_case,
	    'Agreed at the first, done', 'head.oakfield', current_date + 5,
	    NULL, v_first) a);
	PERFORM api.action_update(t.tok('head'), v_done, 'done', NULL, NULL,
	    NULL, NULL);
	INSERT INTO t.ids
	SELECT 'no_meeting', a.id FROM api.action_add(t.tok('link'), v_case,
	    'Agreed between meetings', 'link.ealing', current_date - 1, NULL,
	    NULL) a;
	PERFORM api.action_update(t.tok('link'), (SELECT id FROM t.ids
	    WHERE name = 'no_meeting'), 'in_progress', 'amber', NULL, NULL,
	    NULL);
	v_drop := (SELECT a.id FROM api.action_add(t.tok('lead'), v_case,
	    'Dropped', 'head.oakfield', current_date + 5, NULL, NULL) a);
	PERFORM api.action_update(t.tok('lead'), v_drop, 'dropped', NULL, NULL,
	    NULL, NULL);
	PERFORM api.action_add(t.tok('lead'), v_case, 'Agreed at this one',
	    'head.oakfield', current_date + 40, NULL, v_next);
	PERFORM api.action_add(t.tok('lead'), v_case, 'Agreed at a later one',
	    'head.oakfield', current_date + 70, NULL, v_later);
END
$$;

-- The agenda: who adds to it, and what it shows.
DO $$
DECLARE
	v_next	bigint := (SELECT id FROM t.ids WHERE name = 'next');
	v_first	bigint := (SELECT id FROM t.ids WHERE name = 'first');
	v_audit	bigint := (SELECT count(*) FROM scc.audit
		    WHERE what = 'agenda.add');
	v_rec	record;
BEGIN
	PERFORM t.check('an empty agenda still carries the open actions',
	    (SELECT array_agg(i.kind || ':' || i.id ORDER BY i.id)
	    FROM api.agenda(t.tok('lead'), v_next) i)
	    = ARRAY['action:' || (SELECT id FROM t.ids WHERE name = 'open_first'),
	    'action:' || (SELECT id FROM t.ids WHERE name = 'no_meeting')]);
	SELECT * INTO v_rec FROM api.agenda_add(t.tok('lead'), v_next,
	    'Reading recovery plan', NULL, 'Progress since the last meeting');
	PERFORM t.check('an item added by hand is answered as an ITEM',
	    v_rec.rec = 'ITEM' AND v_rec.meeting = v_next
	    AND v_rec.kind = 'item' AND v_rec."by" = 'lead.ealing'
	    AND v_rec.detail = 'Progress since the last meeting'
	    AND v_rec.arrived IS NULL AND v_rec."at" IS NOT NULL);
	PERFORM api.agenda_add(t.tok('link'), v_next, 'Attendance figures',
	    'document', NULL);
	PERFORM api.agenda_add(t.tok('link'), v_next, 'Any other business',
	    'item', NULL);
	PERFORM t.check('each addition wrote one audit entry',
	    (SELECT count(*) FROM scc.audit WHERE what = 'agenda.add')
	    = v_audit + 3);
	PERFORM t.check('the headteacher hears of the document requested, '
	    'and only of it',
	    (SELECT count(*) FROM scc.event e JOIN scc.app_user u
	    ON u.id = e.user_id WHERE u.login = 'head.oakfield'
	    AND e.what = 'agenda.add') = 1);

	PERFORM t.check('carried actions, then items, then documents',
	    (SELECT array_agg(i.kind || ':' || i.title ORDER BY o)
	    FROM api.agenda(t.tok('lead'), v_next) WITH ORDINALITY AS i(rec,
	    meeting, kind, id, title, detail, owner, due, status, progress,
	    overdue, arrived, "by", "at", o))
	    = '{"action:Agreed at the first, open","action:Agreed between meetings","item:Reading recovery plan","item:Any other business","document:Attendance figures"}');
	PERFORM t.check('a carried action comes with its owner, due date, '
	    'status, progress and overdue flag',
	    (SELECT i.owner = 'link.ealing' AND i.due = scc.wire_date(current_date - 1)
	    AND i.status = 'in_progress' AND i.progress = 'amber'
	    AND i.overdue = 'yes' AND i.meeting = v_next
	    FROM api.agenda(t.tok('lead'), v_next) i
	    WHERE i.title = 'Agreed between meetings'));
	PERFORM t.check('a document requested has not arrived',
	    (SELECT i.arrived = 'no' FROM api.agenda(t.tok('lead'), v_next) i
	    WHERE i.kind = 'document'));
	PERFORM t.check('the headteacher and the governor read the same agenda',
	    (SELECT count(*) FROM api.agenda(t.tok('head'), v_next)) = 5
	    AND (SELECT count(*) FROM api.agenda(t.tok('gov'), v_next)) = 5);
	PERFORM t.check('the earlier meeting''s agenda carries only what was '
	    'agreed at no meeting',
	    (SELECT array_agg(i.title) FROM api.agenda(t.tok('lead'), v_first) i)
	    = '{"Agreed between meetings"}');
	PERFORM t.check('a later meeting carries what was agreed at this one',
	    (SELECT count(*) FROM api.agenda(t.tok('lead'), (SELECT id FROM t.ids
	    WHERE name = 'later')) i WHERE i.title = 'Agreed at this one') = 1);

	PERFORM t.expect_error('another authority cannot see the agenda',
	    format('SELECT api.agenda(t.tok(%L), %s)', 'hlead', v_next),
	    'SC004');
	PERFORM t.expect_error('nor add to it',
	    format('SELECT api.agenda_add(t.tok(%L), %s, %L, NULL, NULL)',
	    'hlead', v_next, 'x'), 'SC004');
	PERFORM t.expect_error('a headteacher cannot add to the agenda',
	    format('SELECT api.agenda_add(t.tok(%L), %s, %L, NULL, NULL)',
	    'head', v_next, 'x'), 'SC005');
	PERFORM t.expect_error('nor a governor',
	    format('SELECT api.agenda_add(t.tok(%L), %s, %L, NULL, NULL)',
	    'gov', v_next, 'x'), 'SC005');
	PERFORM t.expect_error('a title is a label',
	    format('SELECT api.agenda_add(t.tok(%L), %s, %L, NULL, NULL)',
	    'lead', v_next, '   '), 'SC006', 'title');
	PERFORM t.expect_error('a kind is item or document',
	    format('SELECT api.agenda_add(t.tok(%L), %s, %L, %L, NULL)',
	    'lead', v_next, 'x', 'motion'), 'SC006', 'kind');
	PERFORM t.expect_error('a detail over 1 MiB is refused',
	    format('SELECT api.agenda_add(t.tok(%L), %s, %L, NULL, %L)',
	    'lead', v_next, 'x', repeat('x', 1048577)), 'SC006', 'detail');

	PERFORM api.meeting_held(t.tok('lead'), v_next, NULL);
	PERFORM t.expect_error('once held, the agenda is closed',
	    format('SELECT api.agenda_add(t.tok(%L), %s, %L, NULL, NULL)',
	    'link', v_next, 'late'), 'SC007');
	PERFORM t.expect_error('FORBIDDEN before CONFLICT',
	    format('SELECT api.agenda_add(t.tok(%L), %s, %L, NULL, NULL)',
	    'head', v_next, 'late'), 'SC005');
	PERFORM api.meeting_cancel(t.tok('lead'), (SELECT id FROM t.ids
	    WHERE name = 'later'), 'not needed');
	PERFORM t.expect_error('and a cancelled meeting''s is too',
	    format('SELECT api.agenda_add(t.tok(%L), %s, %L, NULL, NULL)',
	    'lead', (SELECT id FROM t.ids WHERE name = 'later'), 'x'), 'SC007');
	PERFORM t.check('a held meeting''s agenda can still be read',
	    (SELECT count(*) FROM api.agenda(t.tok('gov'), v_next)) = 5);
END
$$;

-- Deadlines marked met.
DO $$
DECLARE
	v_case	bigint := (SELECT id FROM t.ids WHERE name = 'case');
	v_meet	bigint;
	v_audit	bigint := (SELECT count(*) FROM scc.audit
		    WHERE what = 'deadline.done');
	v_rec	record;
	v_msg	text;
BEGIN
	v_meet := (SELECT m.id FROM api.meeting_schedule(t.tok('lead'), v_case,
	    'review', now() + interval '20 days', NULL, NULL, NULL, NULL) m
	    WHERE m.rec = 'MEETING');
	PERFORM t.check('the headteacher has the documents and reception to do',
	    (SELECT array_agg(d.what ORDER BY d.id) FROM api.deadlines(t.tok('head'),
	    366, NULL, NULL) d WHERE d.meeting = v_meet)
	    = '{documents,reception}');

	SELECT * INTO v_rec FROM api.deadline_done(t.tok('head'), v_meet,
	    'documents');
	PERFORM t.check('the owner marks a deadline met',
	    v_rec.rec = 'DEADLINE' AND v_rec.what = 'documents'
	    AND v_rec.met IS NOT NULL AND v_rec.met_by = 'head.oakfield'
	    AND v_rec.overdue = 'no' AND v_rec.owner = 'head.oakfield');
	PERFORM t.expect_error('not the lead''s own deadlines',
	    format('SELECT api.deadline_done(t.tok(%L), %s, %L)', 'head',
	    v_meet, 'agenda'), 'SC005');
	PERFORM t.expect_error('nor a governor',
	    format('SELECT api.deadline_done(t.tok(%L), %s, %L)', 'gov',
	    v_meet, 'reception'), 'SC005');
	PERFORM t.expect_error('nor a link partner who does not own it',
	    format('SELECT api.deadline_done(t.tok(%L), %s, %L)', 'link',
	    v_meet, 'proforma'), 'SC005');
	PERFORM t.expect_error('nor another authority',
	    format('SELECT api.deadline_done(t.tok(%L), %s, %L)', 'hlead',
	    v_meet, 'proforma'), 'SC004');
	SELECT * INTO v_rec FROM api.deadline_done(t.tok('lead'), v_meet,
	    'reception');
	PERFORM t.check('a lead officer marks anyone''s',
	    v_rec.met_by = 'lead.ealing' AND v_rec.owner = 'head.oakfield');
	PERFORM t.check('and its owner hears',
	    (SELECT count(*) FROM scc.event e JOIN scc.app_user u
	    ON u.id = e.user_id WHERE u.login = 'head.oakfield'
	    AND e.what = 'deadline.done') = 1);
	PERFORM api.deadline_done(t.tok('lead'), v_meet, 'agenda');
	PERFORM t.check('each mark wrote one audit entry',
	    (SELECT count(*) FROM scc.audit WHERE what = 'deadline.done')
	    = v_audit + 3);
	PERFORM t.check('met deadlines leave DEADLINES',
	    NOT EXISTS (SELECT 1 FROM api.deadlines(t.tok('head'), 366, NULL,
	    NULL) d WHERE d.meeting = v_meet)
	    AND (SELECT array_agg(d.what) FROM api.deadlines(t.tok('lead'), 366,
	    NULL, NULL) d WHERE d.meeting = v_meet) = '{proforma}');
	PERFORM t.check('and were stored with who and when',
	    (SELECT count(*) FROM scc.deadline d WHERE d.meeting_id = v_meet
	    AND d.met_at IS NOT NULL AND d.met_by IS NOT NULL) = 3);

	PERFORM t.expect_error('a deadline is met once',
	    format('SELECT api.deadline_done(t.tok(%L), %s, %L)', 'lead',
	    v_meet, 'documents'), 'SC007');
	PERFORM t.expect_error('not even by its owner',
	    format('SELECT api.deadline_done(t.tok(%L), %s, %L)', 'head',
	    v_meet, 'documents'), 'SC007');
	v_msg := t.expect_error('a deadline the meeting does not have',
	    format('SELECT api.deadline_done(t.tok(%L), %s, %L)', 'lead',
	    v_meet, 'minutes'), 'SC004');
	PERFORM t.check('is no such deadline', v_msg = 'no such deadline', v_msg);
	PERFORM t.expect_error('an unknown what is INVALID for a lead officer',
	    format('SELECT api.deadline_done(t.tok(%L), %s, %L)', 'lead',
	    v_meet, 'homework'), 'SC006', 'what');
	PERFORM t.expect_error('and FORBIDDEN first for whoever owns none',
	    format('SELECT api.deadline_done(t.tok(%L), %s, %L)', 'gov',
	    v_meet, 'homework'), 'SC005');

	PERFORM api.meeting_cancel(t.tok('lead'), v_meet, 'moved');
	PERFORM t.expect_error('a cancelled meeting''s clocks have stopped',
	    format('SELECT api.deadline_done(t.tok(%L), %s, %L)', 'lead',
	    v_meet, 'proforma'), 'SC007');
	PERFORM t.check('nothing refused was marked',
	    (SELECT count(*) FROM scc.deadline d WHERE d.meeting_id = v_meet
	    AND d.met_at IS NOT NULL) = 3);
END
$$;

-- A missed deadline, once met, is no longer overdue; the minute taker
-- marks the minutes' own.
DO $$
DECLARE
	v_first	bigint := (SELECT id FROM t.ids WHERE name = 'first');
	v_rec	record;
BEGIN
	UPDATE scc.deadline SET due = current_date - 3
	WHERE meeting_id = v_first AND what = 'minutes';
	PERFORM t.check('the minutes are late',
	    (SELECT d.overdue = 'yes' FROM api.deadlines(t.tok('link'), 0, NULL,
	    NULL) d WHERE d.meeting = v_first AND d.what = 'minutes'));
	SELECT * INTO v_rec FROM api.deadline_done(t.tok('link'), v_first,
	    'minutes');
	PERFORM t.check('met late, no longer overdue',
	    v_rec.overdue = 'no' AND v_rec.met_by = 'link.ealing');
	PERFORM t.check('and gone from the taker''s deadlines',
	    NOT EXISTS (SELECT 1 FROM api.deadlines(t.tok('link'), 366, NULL,
	    NULL) d WHERE d.meeting = v_first));
END
$$;
