-- The casework helpers of 005..008: terms, the record of a change, the
-- stage table, a programme's dates, the shared concern, one-time passwords
-- and the presets every authority gets.
\ir fixture.psql

DO $$
BEGIN
	PERFORM t.login_rec('lead.ealing', '192.0.2.1', true, 'lead');
	PERFORM t.login_rec('head.oakfield', '192.0.2.1', true, 'head');
END
$$;

-- Terms.
DO $$
BEGIN
	PERFORM t.check('1 September starts the autumn term',
	    scc.term_of('2026-09-01') = '2026-autumn');
	PERFORM t.check('31 August is still summer',
	    scc.term_of('2026-08-31') = '2026-summer');
	PERFORM t.check('January is spring of the calendar year',
	    scc.term_of('2027-01-04') = '2027-spring');
	PERFORM t.check('1 April starts the summer term',
	    scc.term_of('2027-04-01') = '2027-summer');
	PERFORM t.check('two terms after autumn 2026 is summer 2027',
	    scc.term_name(scc.term_number('2026-autumn') + 2) = '2027-summer');
	PERFORM t.check('a term ends on its last day',
	    scc.term_end(scc.term_number('2027-spring')) = '2027-03-31'
	    AND scc.term_end(scc.term_number('2026-autumn')) = '2026-12-31');
	PERFORM t.expect_error('a malformed term is INVALID term',
	    $q$SELECT scc.term_number('2026-winter')$q$, 'SC006', 'term');
END
$$;

-- Every authority has the presets; each has its own copy.
DO $$
BEGIN
	PERFORM t.check('each authority has the three programmes',
	    (SELECT count(*) FROM scc.programme) = 6
	    AND (SELECT count(DISTINCT p.authority_id) FROM scc.programme p) = 2);
	PERFORM t.check('and the nine Ealing risk areas',
	    (SELECT count(*) FROM scc.risk_area a JOIN scc.authority x
	    ON x.id = a.authority_id WHERE x.name = 'Hackney') = 9);
	PERFORM t.check('Securing Good reviews at 12, 18 and 24 months',
	    (SELECT bool_and(p.reviews = '{12,18,24}' AND p.max_months = 24
	    AND p.extension_months = 6 AND p.proforma = 14 AND p.minutes = 10)
	    FROM scc.programme p WHERE p.name = 'securing_good'));
	PERFORM t.check('the IOP meets every two months, agenda 7 days ahead',
	    (SELECT bool_and(p.cadence_amber = 'two_monthly' AND p.agenda = 7
	    AND p.minutes = 7 AND p.post_exit_terms = 2 AND p.budget)
	    FROM scc.programme p WHERE p.name = 'iop'));
END
$$;

-- The stage table is exactly the one of the protocol.
DO $$
BEGIN
	PERFORM t.check('twelve moves, as in PROTOCOL.md',
	    (SELECT count(*) FROM scc.stage_move) = 12);
	PERFORM t.check('nothing moves out of closed',
	    NOT EXISTS (SELECT 1 FROM scc.stage_move m
	    WHERE m.from_stage = 'closed'));
	PERFORM t.check('in_programme goes only to review',
	    (SELECT array_agg(m.to_stage) FROM scc.stage_move m
	    WHERE m.from_stage = 'in_programme') = '{review}');
END
$$;

-- The record of a change holds only the fields that changed.
DO $$
DECLARE
	c	scc.caller := scc.caller(t.tok('lead'));
	v_id	bigint;
	v	jsonb;
BEGIN
	v_id := scc.record_change(c, 'test.change', 'school:1',
	    '{"level": "green", "reason": null, "same": 1}',
	    '{"level": "amber", "reason": "why", "same": 1}');
	SELECT a.detail INTO v FROM scc.audit a WHERE a.id = v_id;
	PERFORM t.check('changed fields have [before, after]',
	    v = '{"level": ["green", "amber"], "reason": [null, "why"]}', v::text);
	PERFORM t.check('the entry names who and what',
	    (SELECT a.user_id = c.user_id AND a.what = 'test.change'
	    AND a.authority_id = c.authority_id FROM scc.audit a
	    WHERE a.id = v_id));
END
$$;

-- A case's dates come from its programme.
DO $$
DECLARE
	k	scc.school_case;
	p	scc.programme;
	d	record;
BEGIN
	SELECT * INTO p FROM scc.programme x JOIN scc.authority a
	    ON a.id = x.authority_id
	WHERE a.name = 'Ealing' AND x.name = 'securing_good';
	k.stage := 'in_programme';
	k.entered_on := '2026-01-15';
	k.reviews_held := 0;
	k.extended := false;
	d := scc.case_dates(k, p);
	PERFORM t.check('the first review is 12 months after entry',
	    d.review_due = '2027-01-15' AND d.limit_on = '2028-01-15', d::text);
	k.stage := 'review';
	k.reviews_held := 2;
	d := scc.case_dates(k, p);
	PERFORM t.check('the second review, while it is under way',
	    d.review_due = '2027-07-15', d::text);
	k.stage := 'extended';
	k.extended := true;
	d := scc.case_dates(k, p);
	PERFORM t.check('an extension adds its months to the limit',
	    d.review_due = '2028-07-15' AND d.limit_on = '2028-07-15', d::text);
	k.entered_on := current_date - 1000;
	d := scc.case_dates(k, p);
	PERFORM t.check('past the limit is overdue', d.overdue, d::text);
	k.stage := 'exited';
	k.exited_on := current_date;
	d := scc.case_dates(k, p);
	PERFORM t.check('after exit, two terms of monitoring',
	    d.monitoring_until = scc.term_end(scc.term_number(
	    scc.term_of(current_date)) + 2) AND NOT d.overdue, d::text);
END
$$;

-- The shared concern holds from two areas, by ratings or by alerts.
DO $$
DECLARE
	v_school bigint := (SELECT s.id FROM scc.school s WHERE s.urn = '100001');
BEGIN
	PERFORM api.risk_set(t.tok('lead'), v_school, 'finance', 'amber', NULL,
	    NULL);
	PERFORM t.check('one area amber is no shared concern',
	    NOT scc.shared_concern(v_school));
	PERFORM api.risk_set(t.tok('lead'), v_school, 'attainment', 'red', NULL,
	    NULL);
END
$$;
DO $$
DECLARE
	v_school bigint := (SELECT s.id FROM scc.school s WHERE s.urn = '100001');
BEGIN
	PERFORM t.check('two areas amber or red are',
	    scc.shared_concern(v_school));
	PERFORM t.check('and every lead officer heard of it once',
	    (SELECT count(*) FROM scc.event e WHERE e.what =
	    'school.shared_concern' AND e.target = 'school:' || v_school) = 1);
	PERFORM api.risk_set(t.tok('lead'), v_school, 'attainment', 'green',
	    NULL, NULL);
END
$$;
DO $$
DECLARE
	v_school bigint := (SELECT s.id FROM scc.school s WHERE s.urn = '100001');
BEGIN
	PERFORM t.check('a rating back to green ends it',
	    NOT scc.shared_concern(v_school));
	PERFORM t.check('a rating of another term does not count',
	    (SELECT count(*) FROM api.risk_set(t.tok('lead'), v_school,
	    'progress', 'red', '2025-summer', NULL)) = 1);
END
$$;
DO $$
DECLARE
	v_school bigint := (SELECT s.id FROM scc.school s WHERE s.urn = '100001');
BEGIN
	PERFORM t.check('still no shared concern', NOT scc.shared_concern(v_school));
	PERFORM api.alert_raise(t.tok('lead'), v_school, 'hr', 'x', 'low');
	PERFORM api.alert_raise(t.tok('lead'), v_school, 'property', 'y', 'low');
END
$$;
DO $$
DECLARE
	v_school bigint := (SELECT s.id FROM scc.school s WHERE s.urn = '100001');
BEGIN
	PERFORM t.check('open alerts from two areas are one',
	    scc.shared_concern(v_school));
	PERFORM t.check('heard of a second time, as it holds again',
	    (SELECT count(*) FROM scc.event e WHERE e.what =
	    'school.shared_concern' AND e.target = 'school:' || v_school) = 2);
END
$$;

-- The policy's order: NOTFOUND before FORBIDDEN.
DO $$
DECLARE
	v_other bigint := (SELECT s.id FROM scc.school s WHERE s.urn = '100002');
	v_own	bigint := (SELECT s.id FROM scc.school s WHERE s.urn = '100001');
	v_far	bigint := (SELECT s.id FROM scc.school s WHERE s.urn = '200001');
BEGIN
	PERFORM t.expect_error('a headteacher asking for another school',
	    format('SELECT api.level_set(t.tok(%L), %s, %L, %L)', 'head',
	    v_other, 'red', 'x'), 'SC004');
	PERFORM t.expect_error('a lead officer asking for another authority''s',
	    format('SELECT api.school_show(t.tok(%L), %s)', 'lead', v_far),
	    'SC004');
	PERFORM t.expect_error('a headteacher setting the level of their own',
	    format('SELECT api.level_set(t.tok(%L), %s, %L, %L)', 'head',
	    v_own, 'red', 'x'), 'SC005');
	PERFORM t.expect_error('an unknown enumeration names its argument',
	    format('SELECT api.level_set(t.tok(%L), %s, %L, %L)', 'lead',
	    v_own, 'purple', 'x'), 'SC006', 'level');
END
$$;

-- A one-time password allows nothing but changing it.
DO $$
BEGIN
	UPDATE scc.app_user SET one_time = true WHERE login = 'head.oakfield';
	PERFORM t.expect_error('a one-time password forbids work',
	    $q$SELECT api.dashboard(t.tok('head'), NULL, NULL)$q$, 'SC005');
	UPDATE scc.app_user SET pwhash = '$argon2id$new' WHERE login = 'head.oakfield';
	PERFORM t.check('a new password hash ends it',
	    NOT (SELECT u.one_time FROM scc.app_user u
	    WHERE u.login = 'head.oakfield'));
	PERFORM t.check('and work is allowed again',
	    (SELECT count(*) FROM api.dashboard(t.tok('head'), NULL, NULL)) = 1);
END
$$;

-- A programme setting is a column; bad values are INVALID value.
DO $$
BEGIN
	PERFORM t.check('review points are set from a list',
	    (SELECT r.reviews FROM api.programme_set(t.tok('lead'), 'iop',
	    'reviews', '3,6,9') r) = '3,6,9');
	PERFORM t.expect_error('a review point past the case limit is refused',
	    $q$SELECT api.programme_set(t.tok('lead'), 'iop', 'reviews', '200')$q$,
	    'SC006', 'value');
	PERFORM t.expect_error('the authority is not a setting',
	    $q$SELECT api.programme_set(t.tok('lead'), 'iop', 'authority_id', '2')$q$,
	    'SC006', 'setting');
	PERFORM t.check('the other authority''s copy is unchanged',
	    (SELECT p.reviews FROM scc.programme p JOIN scc.authority a
	    ON a.id = p.authority_id WHERE a.name = 'Hackney'
	    AND p.name = 'iop') = '{4,8,12}');
END
$$;
