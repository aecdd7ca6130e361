-- Notes of visit, by the policy of the domain model: submitted by a link
-- partner (never a lead officer, headteacher or governor), returned or
-- quality-assured by a lead officer, read by a lead officer (all), a link
-- partner (the notes they wrote), the school's headteacher (once
-- quality-assured), never a governor; answered once by the headteacher.
-- Every role, every status, the refusals and their order, the history and
-- the events.
\ir fixture.psql

DO $$
BEGIN
	PERFORM admin.user_add('Ealing', 'lead.two', 'Leo Lead', 'lead_officer',
	    NULL, NULL, '$argon2id$lead2');
	PERFORM admin.user_add('Ealing', 'link.two', 'Lou Partner',
	    'link_partner', NULL, NULL, '$argon2id$link2');
	PERFORM admin.user_add('Ealing', 'head.elm', 'Eve Head', 'headteacher',
	    '100002', NULL, '$argon2id$helm');
	PERFORM admin.user_add('Hackney', 'head.hackney', 'Hugh Head',
	    'headteacher', '200001', NULL, '$argon2id$hhead');
	PERFORM t.login_rec('lead.ealing', '192.0.2.1', true, 'lead');
	PERFORM t.login_rec('lead.two', '192.0.2.1', true, 'lead2');
	PERFORM t.login_rec('lead.hackney', '192.0.2.1', true, 'hlead');
	PERFORM t.login_rec('head.oakfield', '192.0.2.1', true, 'head');
	PERFORM t.login_rec('head.elm', '192.0.2.1', true, 'helm');
	PERFORM t.login_rec('head.hackney', '192.0.2.1', true, 'hhead');
	PERFORM t.login_rec('gov.oakfield', '192.0.2.1', true, 'gov');
	PERFORM t.login_rec('link.ealing', '192.0.2.1', true, 'link');
	PERFORM t.login_rec('link.two', '192.0.2.1', true, 'link2');
END
$$;

CREATE TABLE t.ids (name text PRIMARY KEY, id bigint);

-- Events a user got of a kind, and audit entries of a kind.
CREATE FUNCTION t.events(p_login text, p_what text) RETURNS bigint
    LANGUAGE sql AS $$
	SELECT count(*) FROM scc.event e JOIN scc.app_user u ON u.id = e.user_id
	WHERE u.login = p_login AND e.what = p_what
$$;
CREATE FUNCTION t.audits(p_what text) RETURNS bigint LANGUAGE sql AS $$
	SELECT count(*) FROM scc.audit WHERE what = p_what
$$;
CREATE FUNCTION t.id(p_name text) RETURNS bigint LANGUAGE sql AS $$
	SELECT id FROM t.ids WHERE name = p_name
$$;

-- Oakfield has a case led by lead.ealing with link.ealing as its link
-- partner (who is thereby assigned to it); Elm a case of its own.
-- link.two is assigned to Elm and to Oakfield: on Oakfield they see none
-- of link.ealing's notes, only their own.
DO $$
DECLARE
	v_oak	bigint := (SELECT s.id FROM scc.school s WHERE s.urn = '100001');
	v_elm	bigint := (SELECT s.id FROM scc.school s WHERE s.urn = '100002');
	v_hack	bigint := (SELECT s.id FROM scc.school s WHERE s.urn = '200001');
BEGIN
	INSERT INTO t.ids VALUES ('oak', v_oak), ('elm', v_elm),
	    ('hack', v_hack);
	INSERT INTO t.ids SELECT 'oak_case', k.id FROM api.case_open(
	    t.tok('lead'), v_oak, 'ofsted_category', 'special measures',
	    'link.ealing', NULL) k;
	INSERT INTO t.ids SELECT 'elm_case', k.id FROM api.case_open(
	    t.tok('lead2'), v_elm, 'securing_good', 'two reds', NULL, NULL) k;
	PERFORM api.assign(t.tok('lead'), 'link.two', v_elm, NULL);
	PERFORM api.assign(t.tok('lead'), 'link.two', v_oak, NULL);
END
$$;

-- ---------------------------------------------------------------------------
-- VISIT SUBMIT

DO $$
DECLARE
	v_oak	 bigint := t.id('oak');
	v_elm	 bigint := t.id('elm');
	v_audit	 bigint := t.audits('visit.submit');
	v_events bigint := (SELECT count(*) FROM scc.event);
	v_rec	 record;
	v_text	 text := E'Met the head and the English lead.\nPhonics: '
		    'Year 1 groups now daily. \u00e9';
BEGIN
	SELECT * INTO v_rec FROM api.visit_submit(t.tok('link'), v_oak,
	    current_date - 3, v_text, NULL, NULL);
	PERFORM t.check('a link partner submits a note on a school of theirs',
	    v_rec.rec = 'VISIT' AND v_rec.school = v_oak AND v_rec."case" IS NULL
	    AND v_rec.date = scc.wire_date(current_date - 3)
	    AND v_rec."by" = 'link.ealing' AND v_rec.status = 'submitted'
	    AND v_rec.version = 1 AND v_rec."at" IS NOT NULL
	    AND v_rec.qa_by IS NULL AND v_rec.response IS NULL,
	    v_rec::text);
	PERFORM t.check('the answer to SUBMIT carries no text', v_rec.text IS NULL);
	INSERT INTO t.ids VALUES ('plain', v_rec.id);
	PERFORM t.check('the text is kept as version 1',
	    (SELECT v.text FROM scc.visit_version v WHERE v.visit_id = v_rec.id
	    AND v.version = 1) = v_text);
	PERFORM t.check('one audit entry, aimed at the school',
	    t.audits('visit.submit') = v_audit + 1
	    AND (SELECT a.target FROM scc.audit a WHERE a.what = 'visit.submit'
	    ORDER BY a.id DESC LIMIT 1) = 'school:' || v_oak);
	PERFORM t.check('without a case, every lead officer hears',
	    t.events('lead.ealing', 'visit.submit') = 1
	    AND t.events('lead.two', 'visit.submit') = 1);
	PERFORM t.check('and nobody else',
	    (SELECT count(*) FROM scc.event) = v_events + 2);
	PERFORM t.check('the event names the school',
	    (SELECT e.school_id FROM scc.event e JOIN scc.app_user u
	    ON u.id = e.user_id WHERE u.login = 'lead.two'
	    AND e.what = 'visit.submit') = v_oak);

	SELECT * INTO v_rec FROM api.visit_submit(t.tok('link'), v_oak,
	    current_date, 'Weekly visit: the statement of action', t.id('oak_case'),
	    NULL);
	PERFORM t.check('a note may name a case of its school, and may be of '
	    'today', v_rec."case" = t.id('oak_case') AND v_rec.status = 'submitted');
	INSERT INTO t.ids VALUES ('cased', v_rec.id);
	PERFORM t.check('with a case, its lead hears, not the other lead',
	    t.events('lead.ealing', 'visit.submit') = 2
	    AND t.events('lead.two', 'visit.submit') = 1);
	PERFORM t.check('and the audit entry is the case''s',
	    (SELECT a.target FROM scc.audit a WHERE a.what = 'visit.submit'
	    ORDER BY a.id DESC LIMIT 1) = 'case:' || t.id('oak_case'));

	SELECT * INTO v_rec FROM api.visit_submit(t.tok('link2'), v_elm,
	    current_date - 1, 'Elm: the science lead''s plan', NULL, NULL);
	PERFORM t.check('another link partner submits on their own school',
	    v_rec."by" = 'link.two' AND v_rec.school = v_elm);
	INSERT INTO t.ids VALUES ('elm_note', v_rec.id);
	PERFORM t.check('both lead officers hear of it',
	    t.events('lead.two', 'visit.submit') = 2
	    AND t.events('lead.ealing', 'visit.submit') = 3);
	SELECT * INTO v_rec FROM api.visit_submit(t.tok('link'), v_oak,
	    current_date - 7, 'For the headteacher to answer', NULL, NULL);
	INSERT INTO t.ids VALUES ('second', v_rec.id);
	PERFORM t.check('four notes, four audit entries',
	    t.audits('visit.submit') = v_audit + 4);
END
$$;

-- Refusals of SUBMIT, in their order: FORBIDDEN to every role but a link
-- partner whatever the arguments name; then NOTFOUND, INVALID.
DO $$
DECLARE
	v_oak	bigint := t.id('oak');
	v_elm	bigint := t.id('elm');
	v_hack	bigint := t.id('hack');
	v_audit	bigint := (SELECT count(*) FROM scc.audit);
	v_n	bigint := (SELECT count(*) FROM scc.visit);
	v_sql	text := 'SELECT api.visit_submit(t.tok(%L), %s, %L::date, %L, '
		    '%s, NULL)';
BEGIN
	PERFORM t.expect_error('a lead officer does not submit notes',
	    format(v_sql, 'lead', v_oak, current_date, 'x', 'NULL'), 'SC005');
	PERFORM t.expect_error('nor with a case of the school',
	    format(v_sql, 'lead', v_oak, current_date, 'x', t.id('oak_case')),
	    'SC005');
	PERFORM t.expect_error('whatever the school named: one that does not '
	    'exist',
	    format(v_sql, 'lead', '9000000000000000000', current_date, 'x',
	    'NULL'), 'SC005');
	PERFORM t.expect_error('another authority''s',
	    format(v_sql, 'hlead', v_oak, current_date, 'x', 'NULL'), 'SC005');
	PERFORM t.expect_error('and before any argument is judged',
	    format(v_sql, 'lead', v_oak, current_date + 5, ' ', t.id('elm_case')),
	    'SC005');
	PERFORM t.expect_error('a headteacher does not submit notes',
	    format(v_sql, 'head', v_oak, current_date, 'x', 'NULL'), 'SC005');
	PERFORM t.expect_error('nor a governor',
	    format(v_sql, 'gov', v_oak, current_date, 'x', 'NULL'), 'SC005');
	PERFORM t.expect_error('another school''s headteacher: FORBIDDEN too',
	    format(v_sql, 'helm', v_oak, current_date + 5, ' ', 'NULL'),
	    'SC005');
	PERFORM t.expect_error('and another authority''s',
	    format(v_sql, 'hhead', v_oak, current_date, 'x', 'NULL'), 'SC005');
	PERFORM t.expect_error('FORBIDDEN before INVALID',
	    format(v_sql, 'head', v_oak, current_date + 5, ' ', 'NULL'),
	    'SC005');
	PERFORM t.expect_error('a school not assigned to the link partner',
	    format(v_sql, 'link', v_elm, current_date, 'x', 'NULL'), 'SC004');
	PERFORM t.expect_error('another authority''s school is not found',
	    format(v_sql, 'link', v_hack, current_date, 'x', 'NULL'), 'SC004');
	PERFORM t.expect_error('a school that does not exist',
	    format(v_sql, 'link', '9000000000000000000', current_date, 'x',
	    'NULL'), 'SC004');
	PERFORM t.expect_error('NOTFOUND before INVALID',
	    format(v_sql, 'link', v_elm, current_date + 5, ' ', 'NULL'),
	    'SC004');
	PERFORM t.expect_error('a visit is not in the future',
	    format(v_sql, 'link', v_oak, current_date + 1, 'x', 'NULL'),
	    'SC006', 'date');
	PERFORM t.expect_error('a date is needed',
	    format(v_sql, 'link', v_oak, NULL, 'x', 'NULL'), 'SC006', 'date');
	PERFORM t.expect_error('the text is not blank',
	    format(v_sql, 'link', v_oak, current_date, E' \n\t', 'NULL'),
	    'SC006', 'text');
	PERFORM t.expect_error('nor missing',
	    format(v_sql, 'link', v_oak, current_date, NULL, 'NULL'),
	    'SC006', 'text');
	PERFORM t.expect_error('nor over 1 MiB',
	    format(v_sql, 'link', v_oak, current_date, repeat('x', 1048577),
	    'NULL'), 'SC006', 'text');
	PERFORM t.expect_error('a case of another school is INVALID',
	    format(v_sql, 'link', v_oak, current_date, 'x', t.id('elm_case')),
	    'SC006', 'case');
	PERFORM t.expect_error('as is a case that does not exist',
	    format(v_sql, 'link', v_oak, current_date, 'x',
	    '9000000000000000000'), 'SC006', 'case');

	-- A user still on the one-time password from USER ADD.
	PERFORM api.user_add(t.tok('lead'), 'link.new', 'New Partner',
	    'link_partner', NULL, NULL, '$argon2id$new');
	PERFORM api.assign(t.tok('lead'), 'link.new', v_oak, NULL);
	PERFORM t.login_rec('link.new', '192.0.2.1', true, 'new');
	v_audit := (SELECT count(*) FROM scc.audit);
	PERFORM t.expect_error('a one-time password is FORBIDDEN before all',
	    format(v_sql, 'new', '9000000000000000000', current_date, ' ',
	    'NULL'), 'SC005');
	PERFORM t.expect_error('even for what it may otherwise do',
	    format(v_sql, 'new', v_oak, current_date, 'x', 'NULL'), 'SC005');
	PERFORM t.expect_error('and to read',
	    format('SELECT api.visit_list(t.tok(%L), NULL, NULL, NULL, NULL)',
	    'new'), 'SC005');
	PERFORM t.check('no refusal wrote anything',
	    (SELECT count(*) FROM scc.visit) = v_n
	    AND (SELECT count(*) FROM scc.audit) = v_audit);
END
$$;

-- ---------------------------------------------------------------------------
-- Who reads what, before quality assurance.

DO $$
DECLARE
	v_oak	bigint := t.id('oak');
	v_elm	bigint := t.id('elm');
	v_audit	bigint := (SELECT count(*) FROM scc.audit);
	v_rec	record;
BEGIN
	PERFORM t.check('a lead officer lists every note of the authority',
	    (SELECT array_agg(v.id ORDER BY v.id) FROM api.visit_list(t.tok('lead2'),
	    NULL, NULL, NULL, NULL) v) = ARRAY[t.id('plain'), t.id('cased'),
	    t.id('elm_note'), t.id('second')]);
	PERFORM t.check('another authority''s lead lists none of them',
	    NOT EXISTS (SELECT 1 FROM api.visit_list(t.tok('hlead'), NULL, NULL,
	    NULL, NULL)));
	PERFORM t.check('a link partner lists the notes they wrote',
	    (SELECT array_agg(v.id ORDER BY v.id) FROM api.visit_list(t.tok('link'),
	    NULL, NULL, NULL, NULL) v) = ARRAY[t.id('plain'), t.id('cased'),
	    t.id('second')]);
	PERFORM t.check('and only those: not another''s notes of a school '
	    'assigned to them',
	    (SELECT array_agg(v.id) FROM api.visit_list(t.tok('link2'), NULL,
	    NULL, NULL, NULL) v) = ARRAY[t.id('elm_note')]
	    AND NOT EXISTS (SELECT 1 FROM api.visit_list(t.tok('link2'), v_oak,
	    NULL, NULL, NULL)));
	PERFORM t.check('the headteacher sees nothing submitted',
	    NOT EXISTS (SELECT 1 FROM api.visit_list(t.tok('head'), NULL, NULL,
	    NULL, NULL))
	    AND NOT EXISTS (SELECT 1 FROM api.visit_list(t.tok('head'), v_oak,
	    'submitted', NULL, NULL)));
	PERFORM t.expect_error('a submitted note is NOTFOUND to the headteacher',
	    format('SELECT api.visit_show(t.tok(%L), %s)', 'head',
	    t.id('plain')), 'SC004');
	PERFORM t.expect_error('and to another link partner, though assigned '
	    'to its school',
	    format('SELECT api.visit_show(t.tok(%L), %s)', 'link2',
	    t.id('plain')), 'SC004');
	PERFORM t.expect_error('and to another authority',
	    format('SELECT api.visit_show(t.tok(%L), %s)', 'hlead',
	    t.id('plain')), 'SC004');
	PERFORM t.expect_error('another link partner''s note is NOTFOUND',
	    format('SELECT api.visit_show(t.tok(%L), %s)', 'link',
	    t.id('elm_note')), 'SC004');

	-- A governor reads no note of visit, whatever the arguments name.
	PERFORM t.expect_error('a governor may not list notes',
	    format('SELECT api.visit_list(t.tok(%L), NULL, NULL, NULL, NULL)',
	    'gov'), 'SC005');
	PERFORM t.expect_error('nor their own school''s',
	    format('SELECT api.visit_list(t.tok(%L), %s, NULL, NULL, NULL)',
	    'gov', v_oak), 'SC005');
	PERFORM t.expect_error('nor name a school they cannot see',
	    format('SELECT api.visit_list(t.tok(%L), %s, NULL, NULL, NULL)',
	    'gov', t.id('hack')), 'SC005');
	PERFORM t.expect_error('FORBIDDEN before INVALID',
	    format('SELECT api.visit_list(t.tok(%L), NULL, %L, 1001, NULL)',
	    'gov', 'bogus'), 'SC005');
	PERFORM t.expect_error('a governor may not read a note',
	    format('SELECT api.visit_show(t.tok(%L), %s)', 'gov',
	    t.id('plain')), 'SC005');
	PERFORM t.expect_error('nor one that does not exist',
	    format('SELECT api.visit_show(t.tok(%L), %s)', 'gov',
	    '9000000000000000000'), 'SC005');

	PERFORM t.check('listing by school',
	    (SELECT array_agg(v.id ORDER BY v.id) FROM api.visit_list(t.tok('lead'),
	    v_elm, NULL, NULL, NULL) v) = ARRAY[t.id('elm_note')]);
	PERFORM t.check('listing by status',
	    (SELECT count(*) FROM api.visit_list(t.tok('lead'), NULL,
	    'submitted', NULL, NULL)) = 4
	    AND NOT EXISTS (SELECT 1 FROM api.visit_list(t.tok('lead'), NULL,
	    'QUALITY_ASSURED', NULL, NULL))
	    AND NOT EXISTS (SELECT 1 FROM api.visit_list(t.tok('lead'), NULL,
	    'returned', NULL, NULL)));
	PERFORM t.check('in pages',
	    (SELECT array_agg(v.id) FROM api.visit_list(t.tok('lead'), NULL,
	    NULL, 2, t.id('plain')) v) = ARRAY[t.id('cased'), t.id('elm_note')]);
	PERFORM t.check('listings carry no text',
	    NOT EXISTS (SELECT 1 FROM api.visit_list(t.tok('lead'), NULL, NULL,
	    NULL, NULL) v WHERE v.text IS NOT NULL));
	PERFORM t.expect_error('an unknown status is INVALID: assured is an '
	    'outcome of QA, not a status',
	    format('SELECT api.visit_list(t.tok(%L), NULL, %L, NULL, NULL)',
	    'lead', 'assured'), 'SC006', 'status');
	PERFORM t.expect_error('and there is no responded status',
	    format('SELECT api.visit_list(t.tok(%L), NULL, %L, NULL, NULL)',
	    'lead', 'responded'), 'SC006', 'status');
	PERFORM t.expect_error('a school the caller cannot see is NOTFOUND',
	    format('SELECT api.visit_list(t.tok(%L), %s, NULL, NULL, NULL)',
	    'link', v_elm), 'SC004');
	PERFORM t.expect_error('NOTFOUND before INVALID',
	    format('SELECT api.visit_list(t.tok(%L), %s, %L, NULL, NULL)',
	    'hlead', v_oak, 'bogus'), 'SC004');
	PERFORM t.expect_error('a limit over 1000 is INVALID',
	    format('SELECT api.visit_list(t.tok(%L), NULL, NULL, 1001, NULL)',
	    'lead'), 'SC006', 'limit');

	SELECT * INTO v_rec FROM api.visit_show(t.tok('link'), t.id('plain'))
	WHERE rec = 'VISIT';
	PERFORM t.check('SHOW carries the text',
	    v_rec.text = E'Met the head and the English lead.\nPhonics: '
	    'Year 1 groups now daily. \u00e9' AND v_rec.status = 'submitted');
	PERFORM t.check('and one step so far',
	    (SELECT array_agg(s.step || ':' || s."to" || ':' || s."by")
	    FROM api.visit_show(t.tok('lead'), t.id('plain')) s
	    WHERE s.rec = 'STEP') = '{submit:submitted:link.ealing}');
	PERFORM t.check('reading wrote no audit entry',
	    (SELECT count(*) FROM scc.audit) = v_audit);
END
$$;

-- ---------------------------------------------------------------------------
-- VISIT QA: returned, submitted again, quality-assured.

DO $$
DECLARE
	v_oak	 bigint := t.id('oak');
	v_elm	 bigint := t.id('elm');
	v_plain	 bigint := t.id('plain');
	v_rec	 record;
	v_audit	 bigint;
	v_sql	 text := 'SELECT api.visit_qa(t.tok(%L), %s, %L, %L)';
BEGIN
	v_audit := (SELECT count(*) FROM scc.audit);
	PERFORM t.expect_error('a link partner does not quality-assure',
	    format(v_sql, 'link', v_plain, 'assured', NULL), 'SC005');
	PERFORM t.expect_error('nor a headteacher, whatever the note',
	    format(v_sql, 'head', v_plain, 'assured', NULL), 'SC005');
	PERFORM t.expect_error('nor a governor',
	    format(v_sql, 'gov', v_plain, 'assured', NULL), 'SC005');
	PERFORM t.expect_error('FORBIDDEN even for a note that does not exist',
	    format(v_sql, 'link', '9000000000000000000', 'assured', NULL),
	    'SC005');
	PERFORM t.expect_error('another authority''s lead cannot see it',
	    format(v_sql, 'hlead', v_plain, 'assured', NULL), 'SC004');
	PERFORM t.expect_error('nor a note that does not exist',
	    format(v_sql, 'lead', '9000000000000000000', 'assured', NULL),
	    'SC004');
	PERFORM t.expect_error('NOTFOUND before INVALID',
	    format(v_sql, 'hlead', v_plain, 'bogus', NULL), 'SC004');
	PERFORM t.expect_error('a return says why',
	    format(v_sql, 'lead', v_plain, 'returned', NULL), 'SC006',
	    'comment');
	PERFORM t.expect_error('with more than blanks',
	    format(v_sql, 'lead', v_plain, 'returned', '  '), 'SC006',
	    'comment');
	PERFORM t.expect_error('the outcome is assured or returned',
	    format(v_sql, 'lead', v_plain, 'submitted', 'x'), 'SC006',
	    'outcome');
	PERFORM t.expect_error('not the status it leads to',
	    format(v_sql, 'lead', v_plain, 'quality_assured', 'x'), 'SC006',
	    'outcome');
	PERFORM t.expect_error('FORBIDDEN before INVALID',
	    format(v_sql, 'link', v_plain, 'returned', NULL), 'SC005');
	PERFORM t.check('nothing refused was written',
	    (SELECT count(*) FROM scc.audit) = v_audit
	    AND (SELECT status FROM scc.visit WHERE id = v_plain) = 'submitted');

	SELECT * INTO v_rec FROM api.visit_qa(t.tok('lead2'), v_plain,
	    'Returned', 'Say what you saw in Year 1, not what you were told');
	PERFORM t.check('a lead officer returns a note, with a comment',
	    v_rec.status = 'returned' AND v_rec.qa_by = 'lead.two'
	    AND v_rec.qa_at IS NOT NULL AND v_rec.qa_comment =
	    'Say what you saw in Year 1, not what you were told');
	PERFORM t.check('its author hears',
	    t.events('link.ealing', 'visit.return') = 1
	    AND t.events('head.oakfield', 'visit.return') = 0);
	PERFORM t.check('one audit entry, with the move',
	    (SELECT a.detail -> 'status' FROM scc.audit a
	    WHERE a.what = 'visit.return') = '["submitted", "returned"]');
	PERFORM t.expect_error('a returned note is still NOTFOUND to the school',
	    format('SELECT api.visit_show(t.tok(%L), %s)', 'head', v_plain),
	    'SC004');
	PERFORM t.expect_error('a returned note is not assured',
	    format(v_sql, 'lead', v_plain, 'assured', NULL), 'SC007');
	PERFORM t.expect_error('nor returned again',
	    format(v_sql, 'lead', v_plain, 'returned', 'again'), 'SC007');

	-- Submitted again, by its author only.
	PERFORM t.expect_error('a lead officer does not submit it again',
	    format('SELECT api.visit_submit(t.tok(%L), %s, %L::date, %L, NULL, '
	    '%s)', 'lead', v_oak, current_date, 'x', v_plain), 'SC005');
	PERFORM t.expect_error('nor the school',
	    format('SELECT api.visit_submit(t.tok(%L), %s, %L::date, %L, NULL, '
	    '%s)', 'head', v_oak, current_date, 'x', v_plain), 'SC005');
	PERFORM t.expect_error('another link partner, assigned to the school, '
	    'cannot see it to send it again',
	    format('SELECT api.visit_submit(t.tok(%L), %s, %L::date, %L, NULL, '
	    '%s)', 'link2', v_oak, current_date, 'x', v_plain), 'SC004');
	PERFORM t.expect_error('a submitted note is not submitted again',
	    format('SELECT api.visit_submit(t.tok(%L), %s, %L::date, %L, NULL, '
	    '%s)', 'link', v_oak, current_date, 'x', t.id('second')),
	    'SC007');
	PERFORM t.expect_error('INVALID before CONFLICT',
	    format('SELECT api.visit_submit(t.tok(%L), %s, %L::date, %L, NULL, '
	    '%s)', 'link', v_oak, current_date, '', t.id('second')),
	    'SC006', 'text');

	SELECT * INTO v_rec FROM api.visit_submit(t.tok('link'), v_oak,
	    current_date - 2, E'Observed two Year 1 phonics groups.\nBoth '
	    'were on the scheme.', t.id('oak_case'), v_plain);
	PERFORM t.check('its author sends it again: the same note, version 2',
	    v_rec.id = v_plain AND v_rec.version = 2
	    AND v_rec.status = 'submitted' AND v_rec."case" = t.id('oak_case')
	    AND v_rec.date = scc.wire_date(current_date - 2));
	PERFORM t.check('the last QA is cleared from the record',
	    v_rec.qa_by IS NULL AND v_rec.qa_comment IS NULL
	    AND v_rec.qa_at IS NULL);
	PERFORM t.check('every version is kept',
	    (SELECT array_agg(v.version ORDER BY v.version) FROM scc.visit_version v
	    WHERE v.visit_id = v_plain) = '{1,2}');
	PERFORM t.check('the case lead and the lead who returned it hear',
	    t.events('lead.ealing', 'visit.submit') = 5
	    AND t.events('lead.two', 'visit.submit') = 4);
	PERFORM t.check('the audit entry has the version before and after',
	    (SELECT a.detail -> 'version' FROM scc.audit a
	    WHERE a.what = 'visit.submit' ORDER BY a.id DESC LIMIT 1) = '[1, 2]');
	PERFORM t.expect_error('a version never changes',
	    format('UPDATE scc.visit_version SET text = %L WHERE visit_id = %s',
	    'rewritten', v_plain), 'SC007');

	-- A note sent again for another school of its author's.
	PERFORM api.visit_qa(t.tok('lead2'), t.id('elm_note'), 'returned',
	    'Date it');
	PERFORM t.expect_error('a note is submitted again for its own school',
	    format('SELECT api.visit_submit(t.tok(%L), %s, %L::date, %L, NULL, '
	    '%s)', 'link2', v_oak, current_date, 'x', t.id('elm_note')),
	    'SC006', 'visit');

	-- Quality-assured: the school sees it.
	SELECT * INTO v_rec FROM api.visit_qa(t.tok('lead'), v_plain,
	    'assured', NULL);
	PERFORM t.check('a lead officer assures a note: quality_assured; a '
	    'comment is optional',
	    v_rec.status = 'quality_assured' AND v_rec.qa_by = 'lead.ealing'
	    AND v_rec.qa_comment IS NULL AND v_rec.version = 2);
	PERFORM t.check('its author and the headteacher hear, the governor not',
	    t.events('link.ealing', 'visit.assure') = 1
	    AND t.events('head.oakfield', 'visit.assure') = 1
	    AND t.events('gov.oakfield', 'visit.assure') = 0
	    AND t.events('head.elm', 'visit.assure') = 0
	    AND t.events('link.two', 'visit.assure') = 0);
	PERFORM t.check('the audit entry names the status',
	    (SELECT a.detail -> 'status' FROM scc.audit a
	    WHERE a.what = 'visit.assure') = '["submitted", "quality_assured"]');
	PERFORM t.expect_error('a quality-assured note is not assured again',
	    format(v_sql, 'lead', v_plain, 'assured', NULL), 'SC007');
	PERFORM t.expect_error('nor returned',
	    format(v_sql, 'lead', v_plain, 'returned', 'late'), 'SC007');
	PERFORM t.expect_error('the school sees it now, but may not assure it',
	    format(v_sql, 'head', v_plain, 'assured', NULL), 'SC005');
	PERFORM t.expect_error('nor may its author, once assured, send it again',
	    format('SELECT api.visit_submit(t.tok(%L), %s, %L::date, %L, NULL, '
	    '%s)', 'link', v_oak, current_date, 'x', v_plain), 'SC007');

	PERFORM api.visit_qa(t.tok('lead'), t.id('second'), 'assured',
	    'Clear and evidenced');
	PERFORM t.check('an assurance may carry a comment',
	    (SELECT qa_comment FROM scc.visit WHERE id = t.id('second'))
	    = 'Clear and evidenced');
END
$$;

-- The school's headteacher reads what is quality-assured, and only that;
-- the governor nothing.
DO $$
DECLARE
	v_oak	bigint := t.id('oak');
	v_rec	record;
BEGIN
	PERFORM t.check('the headteacher lists the quality-assured notes of the '
	    'school',
	    (SELECT array_agg(v.id ORDER BY v.id) FROM api.visit_list(t.tok('head'),
	    NULL, NULL, NULL, NULL) v) = ARRAY[t.id('plain'), t.id('second')]
	    AND (SELECT array_agg(v.id ORDER BY v.id) FROM api.visit_list(
	    t.tok('head'), v_oak, 'quality_assured', NULL, NULL) v)
	    = ARRAY[t.id('plain'), t.id('second')]);
	PERFORM t.expect_error('the governor still reads none',
	    format('SELECT api.visit_list(t.tok(%L), %s, NULL, NULL, NULL)',
	    'gov', v_oak), 'SC005');
	PERFORM t.expect_error('not even one quality-assured',
	    format('SELECT api.visit_show(t.tok(%L), %s)', 'gov',
	    t.id('plain')), 'SC005');
	PERFORM t.check('another school''s headteacher none',
	    NOT EXISTS (SELECT 1 FROM api.visit_list(t.tok('helm'), NULL, NULL,
	    NULL, NULL)));
	PERFORM t.check('nor another link partner of the school',
	    NOT EXISTS (SELECT 1 FROM api.visit_list(t.tok('link2'), v_oak, NULL,
	    NULL, NULL)));
	SELECT * INTO v_rec FROM api.visit_show(t.tok('head'), t.id('plain'))
	WHERE rec = 'VISIT';
	PERFORM t.check('the school reads the version assured',
	    v_rec.text = E'Observed two Year 1 phonics groups.\nBoth were on '
	    'the scheme.' AND v_rec.version = 2
	    AND v_rec.status = 'quality_assured');
	PERFORM t.check('and its history: submitted, returned, submitted again, '
	    'quality-assured, with the return''s reason',
	    (SELECT array_agg(s.step || ':' || coalesce(s."from", '-') || '>'
	    || s."to" || ':' || s.version ORDER BY o)
	    FROM api.visit_show(t.tok('head'), t.id('plain')) WITH ORDINALITY
	    AS s(rec, id, school, "case", date, "by", "at", status, version,
	    qa_by, qa_at, qa_comment, response, response_by, response_at,
	    response_comment, text, visit, step, "from", "to", comment, o)
	    WHERE s.rec = 'STEP') = '{submit:->submitted:1,'
	    'return:submitted>returned:1,submit:returned>submitted:2,'
	    'assure:submitted>quality_assured:2}');
	PERFORM t.check('each step names the note',
	    (SELECT bool_and(s.visit = t.id('plain') AND s.id IS NULL)
	    FROM api.visit_show(t.tok('head'), t.id('plain')) s
	    WHERE s.rec = 'STEP'));
	PERFORM t.check('the return''s comment is in the history',
	    (SELECT s.comment FROM api.visit_show(t.tok('head'), t.id('plain')) s
	    WHERE s.rec = 'STEP' AND s.step = 'return')
	    = 'Say what you saw in Year 1, not what you were told');
	PERFORM t.expect_error('a note still submitted stays hidden',
	    format('SELECT api.visit_show(t.tok(%L), %s)', 'head',
	    t.id('cased')), 'SC004');
	PERFORM t.expect_error('another school''s headteacher cannot read it',
	    format('SELECT api.visit_show(t.tok(%L), %s)', 'helm',
	    t.id('plain')), 'SC004');
	PERFORM t.expect_error('nor another authority''s',
	    format('SELECT api.visit_show(t.tok(%L), %s)', 'hhead',
	    t.id('plain')), 'SC004');
END
$$;

-- ---------------------------------------------------------------------------
-- VISIT RESPOND

DO $$
DECLARE
	v_plain	 bigint := t.id('plain');
	v_second bigint := t.id('second');
	v_rec	 record;
	v_audit	 bigint := (SELECT count(*) FROM scc.audit);
	v_sql	 text := 'SELECT api.visit_respond(t.tok(%L), %s, %L, %L)';
BEGIN
	PERFORM t.expect_error('a lead officer does not respond for the school',
	    format(v_sql, 'lead', v_plain, 'accurate', NULL), 'SC005');
	PERFORM t.expect_error('nor its link partner, the note''s author',
	    format(v_sql, 'link', v_plain, 'accurate', NULL), 'SC005');
	PERFORM t.expect_error('nor the governor',
	    format(v_sql, 'gov', v_plain, 'accurate', NULL), 'SC005');
	PERFORM t.expect_error('whatever the note: another authority''s lead',
	    format(v_sql, 'hlead', v_plain, 'accurate', NULL), 'SC005');
	PERFORM t.expect_error('a lead officer, a note not yet assured',
	    format(v_sql, 'lead', t.id('cased'), 'accurate', NULL), 'SC005');
	PERFORM t.expect_error('a note that does not exist',
	    format(v_sql, 'link', '9000000000000000000', 'accurate', NULL),
	    'SC005');
	PERFORM t.expect_error('another school''s headteacher cannot see it',
	    format(v_sql, 'helm', v_plain, 'accurate', NULL), 'SC004');
	PERFORM t.expect_error('nor another authority''s',
	    format(v_sql, 'hhead', v_plain, 'accurate', NULL), 'SC004');
	PERFORM t.expect_error('a note not yet assured is NOTFOUND to the head',
	    format(v_sql, 'head', t.id('cased'), 'accurate', NULL), 'SC004');
	PERFORM t.expect_error('inaccurate says what is wrong',
	    format(v_sql, 'head', v_plain, 'inaccurate', NULL), 'SC006',
	    'comment');
	PERFORM t.expect_error('the response is accurate or inaccurate',
	    format(v_sql, 'head', v_plain, 'partly', 'x'), 'SC006',
	    'response');
	PERFORM t.expect_error('FORBIDDEN before INVALID',
	    format(v_sql, 'gov', v_plain, 'partly', NULL), 'SC005');
	PERFORM t.check('nothing refused was written',
	    (SELECT count(*) FROM scc.audit) = v_audit
	    AND (SELECT response FROM scc.visit WHERE id = v_plain) IS NULL);

	SELECT * INTO v_rec FROM api.visit_respond(t.tok('head'), v_plain,
	    'inaccurate', 'Two groups were observed, not three');
	PERFORM t.check('the headteacher answers: inaccurate, with a comment, '
	    'recorded on the note, which stays quality_assured',
	    v_rec.status = 'quality_assured' AND v_rec.response = 'inaccurate'
	    AND v_rec.response_by = 'head.oakfield'
	    AND v_rec.response_at IS NOT NULL
	    AND v_rec.response_comment = 'Two groups were observed, not three'
	    AND v_rec.qa_by = 'lead.ealing');
	PERFORM t.check('the author and the lead hear, once each',
	    t.events('link.ealing', 'visit.respond') = 1
	    AND t.events('lead.ealing', 'visit.respond') = 1
	    AND t.events('lead.two', 'visit.respond') = 0
	    AND t.events('gov.oakfield', 'visit.respond') = 0);
	PERFORM t.check('one audit entry, with the answer and no change of '
	    'status',
	    t.audits('visit.respond') = 1
	    AND (SELECT a.detail -> 'response' FROM scc.audit a
	    WHERE a.what = 'visit.respond') = '[null, "inaccurate"]'
	    AND NOT (SELECT a.detail ? 'status' FROM scc.audit a
	    WHERE a.what = 'visit.respond'));
	PERFORM t.expect_error('the school answers once',
	    format(v_sql, 'head', v_plain, 'accurate', NULL), 'SC007');
	PERFORM t.check('the school still reads a note it answered',
	    (SELECT v.response FROM api.visit_list(t.tok('head'), NULL,
	    'quality_assured', NULL, NULL) v WHERE v.id = v_plain)
	    = 'inaccurate');
	PERFORM t.check('the answer is the last step, and moves no status',
	    (SELECT s.step || ':' || s."from" || '>' || s."to" || ':'
	    || s.response || ':' || s.comment
	    FROM api.visit_show(t.tok('lead'), v_plain) WITH ORDINALITY
	    AS s(rec, id, school, "case", date, "by", "at", status, version,
	    qa_by, qa_at, qa_comment, response, response_by, response_at,
	    response_comment, text, visit, step, "from", "to", comment, o)
	    WHERE s.rec = 'STEP' ORDER BY o DESC LIMIT 1)
	    = 'respond:quality_assured>quality_assured:inaccurate:'
	    'Two groups were observed, not three');

	SELECT * INTO v_rec FROM api.visit_respond(t.tok('head'), v_second,
	    'ACCURATE', NULL);
	PERFORM t.check('accurate needs no comment',
	    v_rec.response = 'accurate' AND v_rec.response_comment IS NULL);
	PERFORM t.check('without a case, the author and the lead who assured '
	    'it hear',
	    t.events('link.ealing', 'visit.respond') = 2
	    AND t.events('lead.ealing', 'visit.respond') = 2);
END
$$;

-- A link partner no longer assigned keeps the notes they wrote; one still
-- assigned never sees another's.
DO $$
DECLARE
	v_oak	bigint := t.id('oak');
	v_other	bigint;
BEGIN
	v_other := (SELECT v.id FROM api.visit_submit(t.tok('link2'), v_oak,
	    current_date, 'link.two''s own visit', NULL, NULL) v);
	PERFORM t.check('while assigned, the link partner does not see '
	    'another''s note of the school',
	    NOT EXISTS (SELECT 1 FROM api.visit_list(t.tok('link'), NULL, NULL,
	    NULL, NULL) v WHERE v.id = v_other));
	PERFORM t.expect_error('it is NOTFOUND to them',
	    format('SELECT api.visit_show(t.tok(%L), %s)', 'link', v_other),
	    'SC004');
	PERFORM t.check('its author sees it',
	    (SELECT array_agg(v.id) FROM api.visit_list(t.tok('link2'), v_oak,
	    NULL, NULL, NULL) v) = ARRAY[v_other]);
	PERFORM api.assign(t.tok('lead'), 'link.ealing', v_oak, 'yes');
	PERFORM t.check('unassigned, a link partner still reads their own notes',
	    (SELECT array_agg(v.id ORDER BY v.id) FROM api.visit_list(t.tok('link'),
	    NULL, NULL, NULL, NULL) v) = ARRAY[t.id('plain'), t.id('cased'),
	    t.id('second')]);
	PERFORM t.check('with their text and history',
	    (SELECT count(*) FROM api.visit_show(t.tok('link'), t.id('plain'))
	    WHERE rec = 'STEP') = 5);
	PERFORM t.expect_error('but can no longer submit for the school',
	    format('SELECT api.visit_submit(t.tok(%L), %s, %L::date, %L, NULL, '
	    'NULL)', 'link', v_oak, current_date, 'x'), 'SC004');
	PERFORM t.check('a lead officer reads every note of it',
	    (SELECT count(*) FROM api.visit_list(t.tok('lead'), v_oak, NULL,
	    NULL, NULL)) = 4);
	PERFORM t.check('the audit chain holds',
	    (SELECT bool_and(x.broken IS NULL AND x.verified > 0)
	    FROM scc.authority a, LATERAL scc.audit_verify(a.id) x));
END
$$;
