-- The minutes chain: versions, who takes each step, and confirmed minutes
-- that never change.
\ir fixture.psql

DO $$
BEGIN
	PERFORM t.login_rec('lead.ealing', '192.0.2.1', true, 'lead');
	PERFORM t.login_rec('head.oakfield', '192.0.2.1', true, 'head');
	PERFORM t.login_rec('gov.oakfield', '192.0.2.1', true, 'gov');
	PERFORM t.login_rec('link.ealing', '192.0.2.1', true, 'link');
END
$$;

DO $$
DECLARE
	v_school bigint := (SELECT s.id FROM scc.school s WHERE s.urn = '100001');
	v_case	 bigint;
	v_meet	 bigint;
	v_text	 text := E'Present: all.\nAgreed: the reading plan. \u00e9';
BEGIN
	v_case := (SELECT k.id FROM api.case_open(t.tok('lead'), v_school,
	    'securing_good', 'test', 'link.ealing', NULL) k);
	v_meet := (SELECT m.id FROM api.meeting_schedule(t.tok('lead'), v_case,
	    'monitoring', now(), NULL, NULL, NULL, NULL) m
	    WHERE m.rec = 'MEETING');
	PERFORM t.expect_error('no minutes before the meeting is held',
	    format('SELECT api.minutes_draft(t.tok(%L), %s, %L, 0)', 'link',
	    v_meet, 'x'), 'SC007');
	PERFORM api.meeting_held(t.tok('lead'), v_meet, NULL);
	PERFORM api.minutes_draft(t.tok('link'), v_meet, 'first', 0);
	PERFORM t.expect_error('a stale version is CONFLICT, naming the latest',
	    format('SELECT api.minutes_draft(t.tok(%L), %s, %L, 0)', 'link',
	    v_meet, 'lost?'), 'SC007', '1');
	PERFORM api.minutes_draft(t.tok('link'), v_meet, v_text, 1);
	PERFORM t.check('every version is kept',
	    (SELECT array_agg(v.text ORDER BY v.version) FROM scc.minutes_version v
	    WHERE v.meeting_id = v_meet) = ARRAY['first', v_text]);
	PERFORM t.expect_error('the school cannot see a draft',
	    format('SELECT api.minutes_show(t.tok(%L), %s)', 'head', v_meet),
	    'SC004');
	PERFORM t.expect_error('no step can be skipped',
	    format('SELECT api.minutes_approve(t.tok(%L), %s)', 'lead', v_meet),
	    'SC007');
	PERFORM api.minutes_submit(t.tok('link'), v_meet);
	PERFORM t.expect_error('only the chair approves',
	    format('SELECT api.minutes_approve(t.tok(%L), %s)', 'link', v_meet),
	    'SC005');
	PERFORM api.minutes_approve(t.tok('lead'), v_meet);
	PERFORM t.expect_error('only the headteacher confirms',
	    format('SELECT api.minutes_confirm(t.tok(%L), %s)', 'gov', v_meet),
	    'SC005');
	PERFORM api.minutes_confirm(t.tok('head'), v_meet);
	PERFORM t.check('the confirmation keeps the SHA-256 of the text',
	    (SELECT n.hash = sha256(convert_to(v_text, 'UTF8'))
	    FROM scc.minutes n WHERE n.meeting_id = v_meet));
	PERFORM t.expect_error('confirmed minutes are never drafted again',
	    format('SELECT api.minutes_draft(t.tok(%L), %s, %L, 2)', 'lead',
	    v_meet, 'changed'), 'SC007');
	PERFORM t.expect_error('nor returned',
	    format('SELECT api.minutes_return(t.tok(%L), %s, %L)', 'head',
	    v_meet, 'no'), 'SC007');
	PERFORM t.expect_error('and a version cannot be changed under them',
	    format('UPDATE scc.minutes_version SET text = %L WHERE meeting_id '
	    '= %s', 'forged', v_meet), 'SC007');
	PERFORM api.minutes_acknowledge(t.tok('gov'), v_meet);
	PERFORM t.expect_error('a governor acknowledges once',
	    format('SELECT api.minutes_acknowledge(t.tok(%L), %s)', 'gov',
	    v_meet), 'SC007');
	PERFORM api.minutes_circulate(t.tok('lead'), v_meet);
	PERFORM t.check('every step is recorded, in order',
	    (SELECT array_agg(s.step ORDER BY s.id) FROM scc.minutes_step s
	    WHERE s.meeting_id = v_meet) = '{draft,draft,submit,approve,confirm,acknowledge,circulate}');
	PERFORM t.check('the minutes clock stopped when they were submitted',
	    (SELECT count(*) FROM api.deadlines(t.tok('link'), 30, NULL, NULL))
	    = 0);
END
$$;
