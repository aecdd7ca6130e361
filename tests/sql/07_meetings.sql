-- Meetings: the working-day calendar and the deadlines a meeting sets.
\ir fixture.psql

DO $$
BEGIN
	PERFORM t.login_rec('lead.ealing', '192.0.2.1', true, 'lead');
	PERFORM t.login_rec('head.oakfield', '192.0.2.1', true, 'head');
END
$$;

-- The calendar.
DO $$
DECLARE
	v_auth	bigint := (SELECT a.id FROM scc.authority a WHERE a.name = 'Ealing');
BEGIN
	PERFORM t.check('eight bank holidays a year, 2024 to 2030',
	    (SELECT count(*) = 56 AND count(DISTINCT extract(year FROM day)) = 7
	    FROM scc.bank_holiday));
	PERFORM t.check('Boxing Day 2026 falls on a Saturday: Monday 28th',
	    EXISTS (SELECT 1 FROM scc.bank_holiday WHERE day = '2026-12-28')
	    AND NOT EXISTS (SELECT 1 FROM scc.bank_holiday
	    WHERE day = '2026-12-26'));
	PERFORM t.check('Easter 2027: Good Friday 26 March, Monday 29 March',
	    (SELECT count(*) FROM scc.bank_holiday
	    WHERE day IN ('2027-03-26', '2027-03-29')) = 2);
	PERFORM t.check('no bank holiday on a weekend',
	    NOT EXISTS (SELECT 1 FROM scc.bank_holiday
	    WHERE extract(isodow FROM day) > 5));
	PERFORM t.check('a weekend is no working day',
	    NOT scc.is_working_day(v_auth, '2026-11-28'));
	PERFORM t.check('calendar days count every day',
	    scc.day_offset(v_auth, '2027-01-04', 7, 'calendar', -1) = '2026-12-28');
	PERFORM t.check('working days skip weekends and Christmas',
	    scc.day_offset(v_auth, '2027-01-04', 7, 'working', -1) = '2026-12-21');
	PERFORM t.check('and count forward too',
	    scc.day_offset(v_auth, '2026-12-24', 1, 'working', 1) = '2026-12-29');
	INSERT INTO scc.authority_holiday (authority_id, day, name)
	VALUES (v_auth, '2026-12-29', 'Closure day');
	PERFORM t.check('an authority''s own closure day is skipped',
	    scc.day_offset(v_auth, '2026-12-24', 1, 'working', 1) = '2026-12-30');
	PERFORM t.check('only by that authority',
	    scc.is_working_day((SELECT a.id FROM scc.authority a
	    WHERE a.name = 'Hackney'), '2026-12-29'));
END
$$;

-- A meeting's deadlines, from its case's programme, each with an owner.
DO $$
DECLARE
	v_school bigint := (SELECT s.id FROM scc.school s WHERE s.urn = '100001');
	v_case	 bigint;
	v_meet	 bigint;
BEGIN
	v_case := (SELECT k.id FROM api.case_open(t.tok('lead'), v_school,
	    'securing_good', 'test', 'link.ealing', NULL) k);
	v_meet := (SELECT m.id FROM api.meeting_schedule(t.tok('lead'), v_case,
	    'monitoring', '2027-01-04 10:00+00', NULL, NULL, NULL, NULL) m
	    WHERE m.rec = 'MEETING');
	PERFORM t.check('Securing Good sets four deadlines before a meeting',
	    (SELECT array_agg(d.what::text || '=' || d.due ORDER BY d.due)
	    FROM scc.deadline d WHERE d.meeting_id = v_meet)
	    = '{proforma=2026-12-21,agenda=2026-12-28,documents=2027-01-02,reception=2027-01-03}');
	PERFORM t.check('the proforma is the lead''s, the documents the head''s',
	    (SELECT bool_and(u.login = CASE WHEN d.what IN ('proforma', 'agenda')
	    THEN 'lead.ealing' ELSE 'head.oakfield' END) FROM scc.deadline d
	    JOIN scc.app_user u ON u.id = d.owner_id WHERE d.meeting_id = v_meet));
	PERFORM t.check('the headteacher sees their own deadlines',
	    (SELECT count(*) FROM api.deadlines(t.tok('head'), 60, NULL, NULL))
	    = 2);
	PERFORM api.meeting_held(t.tok('lead'), v_meet, NULL);
	PERFORM t.check('held: the draft minutes fall due, the taker''s',
	    (SELECT u.login = 'link.ealing' AND d.due = current_date + 10
	    FROM scc.deadline d JOIN scc.app_user u ON u.id = d.owner_id
	    WHERE d.meeting_id = v_meet AND d.what = 'minutes'));
	PERFORM t.expect_error('a meeting is held once',
	    format('SELECT api.meeting_held(t.tok(%L), %s, NULL)', 'lead',
	    v_meet), 'SC007');
	PERFORM t.expect_error('a headteacher cannot record it',
	    format('SELECT api.meeting_cancel(t.tok(%L), %s, %L)', 'head',
	    v_meet, 'x'), 'SC005');
END
$$;
