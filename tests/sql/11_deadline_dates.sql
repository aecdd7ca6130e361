-- Deadline dates across weekends, bank holidays, month and year ends and
-- the change of clocks (BST from the last Sunday of March, 01:00 UTC, to
-- the last Sunday of October): scc.day_offset on its own, then the
-- deadlines MEETING SCHEDULE sets for a programme counting working days
-- (set with PROGRAMME SET) and for Securing Good's calendar days, for
-- meetings given in Europe/London time and in UTC, whatever the session's
-- TimeZone.  07_meetings.sql has the first cases; these are the rest.
--
-- Every expected date below was counted by hand on a calendar (and checked
-- against the England and Wales list of 011_meetings.sql), never computed
-- with the function under test.
\ir fixture.psql

DO $$
BEGIN
	PERFORM t.login_rec('lead.ealing', '192.0.2.1', true, 'lead');
	PERFORM t.login_rec('head.oakfield', '192.0.2.1', true, 'head');
	PERFORM admin.school_add('Ealing', '100003', 'Ash Primary', 'primary');
END
$$;

-- A meeting's deadlines as one line, in the order of the kinds (volatile,
-- so that it sees a meeting scheduled in the same statement).
CREATE FUNCTION t.deadlines(p_meeting bigint) RETURNS text
    LANGUAGE sql VOLATILE RETURN (SELECT string_agg(d.what::text || '='
	|| to_char(d.due, 'YYYY-MM-DD'), ',' ORDER BY d.what)
	FROM scc.deadline d WHERE d.meeting_id = p_meeting);

-- Schedule a monitoring meeting of a case at p_at; its id.
CREATE FUNCTION t.meet(p_case bigint, p_at timestamptz) RETURNS bigint
    LANGUAGE sql RETURN (SELECT m.id FROM api.meeting_schedule(t.tok('lead'),
	p_case, 'monitoring', p_at, NULL, NULL, NULL, NULL) m
	WHERE m.rec = 'MEETING');

-- ---------------------------------------------------------------------------
-- The calendar: which days are working days.
DO $$
DECLARE
	v_auth	bigint := (SELECT a.id FROM scc.authority a WHERE a.name = 'Ealing');
	r	record;
BEGIN
	FOR r IN SELECT * FROM (VALUES
	    ('2026-01-01'::date, false, 'New Year''s Day 2026 (a Thursday)'),
	    ('2026-01-02', true, 'the day after New Year''s Day 2026'),
	    ('2026-03-29', false, 'the Sunday the clocks go forward'),
	    ('2026-03-30', true, 'the Monday after the clocks go forward'),
	    ('2026-04-03', false, 'Good Friday 2026'),
	    ('2026-04-06', false, 'Easter Monday 2026'),
	    ('2026-04-07', true, 'the Tuesday after Easter 2026'),
	    ('2026-05-25', false, 'Spring bank holiday 2026'),
	    ('2026-08-31', false, 'Summer bank holiday 2026, a month''s end'),
	    ('2026-09-01', true, '1 September 2026'),
	    ('2026-10-25', false, 'the Sunday the clocks go back'),
	    ('2026-10-26', true, 'the Monday after the clocks go back'),
	    ('2026-12-24', true, 'Christmas Eve 2026'),
	    ('2026-12-25', false, 'Christmas Day 2026 (a Friday)'),
	    ('2026-12-26', false, 'Boxing Day 2026 is a Saturday'),
	    ('2026-12-28', false, 'Boxing Day 2026''s substitute Monday'),
	    ('2026-12-29', true, 'the Tuesday after Christmas 2026'),
	    ('2026-12-31', true, 'New Year''s Eve 2026'),
	    ('2027-01-01', false, 'New Year''s Day 2027 (a Friday)'),
	    ('2027-01-04', true, 'the first Monday of 2027'),
	    ('2027-12-27', false, 'Christmas Day 2027''s substitute Monday'),
	    ('2027-12-28', false, 'Boxing Day 2027''s substitute Tuesday'),
	    ('2028-01-03', false, 'New Year''s Day 2028''s substitute Monday'),
	    ('2028-02-29', true, 'the leap day 2028 (a Tuesday)')
	    ) AS x(day, working, name) LOOP
		PERFORM t.check(format('%s (%s) is %sa working day', r.name,
		    r.day, CASE WHEN r.working THEN '' ELSE 'not ' END),
		    scc.is_working_day(v_auth, r.day) = r.working);
	END LOOP;
END
$$;

-- ---------------------------------------------------------------------------
-- scc.day_offset: p_days days before (-1) or after (+1) a day.
DO $$
DECLARE
	v_auth	bigint := (SELECT a.id FROM scc.authority a WHERE a.name = 'Ealing');
	v_got	date;
	r	record;
BEGIN
	FOR r IN SELECT * FROM (VALUES
	    -- weekends
	    ('2026-11-30'::date, 1, 'working', -1, '2026-11-27'::date,
		'1 working day before a Monday is the Friday'),
	    ('2026-11-30', 2, 'working', -1, '2026-11-26',
		'2 working days before a Monday is the Thursday'),
	    ('2026-11-27', 1, 'working', 1, '2026-11-30',
		'1 working day after a Friday is the Monday'),
	    ('2026-11-28', 0, 'working', -1, '2026-11-28',
		'0 working days before a Saturday is that Saturday'),
	    ('2026-11-30', 1, 'calendar', -1, '2026-11-29',
		'a calendar day before a Monday is the Sunday'),
	    -- Easter 2026: Good Friday 3 April, Easter Monday 6 April
	    ('2026-04-07', 2, 'working', -1, '2026-04-01',
		'2 working days before the Tuesday after Easter'),
	    ('2026-04-07', 2, 'calendar', -1, '2026-04-05',
		'2 calendar days before it: Easter Sunday'),
	    -- Christmas 2026: Friday 25th, Boxing Day on the Saturday, the
	    -- substitute day Monday 28th
	    ('2026-12-29', 1, 'working', -1, '2026-12-24',
		'1 working day before 29 December 2026 is Christmas Eve'),
	    ('2026-12-29', 7, 'working', -1, '2026-12-16',
		'7 working days before 29 December 2026'),
	    ('2026-12-29', 14, 'working', -1, '2026-12-07',
		'14 working days before 29 December 2026'),
	    ('2026-12-29', 7, 'calendar', -1, '2026-12-22',
		'7 calendar days before 29 December 2026'),
	    ('2026-12-24', 7, 'working', 1, '2027-01-07',
		'7 working days after Christmas Eve 2026, into the new year'),
	    -- New Year 2027: Friday 1 January
	    ('2027-01-04', 1, 'working', -1, '2026-12-31',
		'1 working day before 4 January 2027 is New Year''s Eve'),
	    ('2027-01-04', 2, 'working', -1, '2026-12-30',
		'2 working days before 4 January 2027'),
	    ('2027-01-04', 3, 'working', -1, '2026-12-29',
		'3 working days before 4 January 2027 skip Christmas'),
	    ('2027-01-04', 5, 'working', -1, '2026-12-23',
		'5 working days before 4 January 2027'),
	    ('2027-01-04', 14, 'working', -1, '2026-12-10',
		'14 working days before 4 January 2027'),
	    ('2027-01-04', 1, 'calendar', -1, '2027-01-03',
		'a calendar day before 4 January 2027 is the Sunday'),
	    ('2027-01-04', 14, 'calendar', -1, '2026-12-21',
		'14 calendar days before 4 January 2027'),
	    ('2026-12-23', 10, 'working', 1, '2027-01-11',
		'10 working days after 23 December 2026'),
	    ('2026-12-23', 10, 'calendar', 1, '2027-01-02',
		'10 calendar days after 23 December 2026'),
	    -- Christmas 2027 falls on a weekend: substitute 27th and 28th,
	    -- and New Year 2028 on the Monday 3rd
	    ('2027-12-29', 3, 'working', -1, '2027-12-22',
		'3 working days before 29 December 2027'),
	    ('2028-01-04', 1, 'working', -1, '2027-12-31',
		'1 working day before 4 January 2028'),
	    ('2028-01-04', 3, 'working', -1, '2027-12-29',
		'3 working days before 4 January 2028'),
	    ('2030-12-24', 3, 'working', 1, '2030-12-31',
		'3 working days after Christmas Eve 2030'),
	    -- month ends, and a leap day
	    ('2026-03-02', 2, 'working', -1, '2026-02-26',
		'2 working days before Monday 2 March 2026'),
	    ('2026-03-02', 2, 'calendar', -1, '2026-02-28',
		'2 calendar days before 2 March 2026 (not a leap year)'),
	    ('2026-03-02', 14, 'working', -1, '2026-02-10',
		'14 working days before 2 March 2026'),
	    ('2028-03-01', 1, 'calendar', -1, '2028-02-29',
		'a calendar day before 1 March 2028 is the leap day'),
	    ('2028-03-01', 1, 'working', -1, '2028-02-29',
		'a working day before 1 March 2028 is the leap day'),
	    ('2026-01-30', 1, 'working', 1, '2026-02-02',
		'1 working day after Friday 30 January 2026'),
	    ('2026-02-27', 10, 'calendar', 1, '2026-03-09',
		'10 calendar days after 27 February 2026'),
	    ('2026-02-27', 10, 'working', 1, '2026-03-13',
		'10 working days after 27 February 2026'),
	    ('2026-09-01', 1, 'working', -1, '2026-08-28',
		'1 working day before 1 September 2026 skips the August bank '
		'holiday'),
	    ('2026-09-01', 2, 'calendar', -1, '2026-08-30',
		'2 calendar days before 1 September 2026'),
	    ('2026-05-22', 1, 'working', 1, '2026-05-26',
		'1 working day after the Friday before Spring bank holiday'),
	    -- the weekends of the change of clocks
	    ('2026-03-30', 1, 'working', -1, '2026-03-27',
		'1 working day before the Monday after the clocks go forward'),
	    ('2026-03-30', 1, 'calendar', -1, '2026-03-29',
		'1 calendar day before it: the Sunday of the change'),
	    ('2026-10-26', 1, 'working', -1, '2026-10-23',
		'1 working day before the Monday after the clocks go back'),
	    ('2026-10-26', 7, 'calendar', -1, '2026-10-19',
		'7 calendar days before it')
	    ) AS x(day, days, count, step, expected, name) LOOP
		v_got := scc.day_offset(v_auth, r.day, r.days,
		    r.count::scc.day_count, r.step);
		PERFORM t.check(format('%s: %s', r.name, r.expected),
		    v_got = r.expected, format('got %s', v_got));
	END LOOP;
END
$$;

-- ---------------------------------------------------------------------------
-- Programmes: Securing Good counting working days, set with PROGRAMME SET.
DO $$
DECLARE
	v_set	text;
BEGIN
	PERFORM api.programme_add(t.tok('lead'), 'sg_working',
	    'Securing Good, working days', 'securing_good');
	FOREACH v_set IN ARRAY ARRAY['proforma_days', 'agenda_days',
	    'documents_days', 'reception_days', 'minutes_days'] LOOP
		PERFORM api.programme_set(t.tok('lead'), 'sg_working', v_set,
		    'working');
	END LOOP;
	PERFORM t.check('PROGRAMME SET counts every offset of sg_working in '
	    'working days, keeping Securing Good''s offsets',
	    (SELECT p.proforma = 14 AND p.agenda = 7 AND p.documents = 2
	    AND p.reception = 1 AND p.minutes = 10
	    AND p.proforma_days = 'working' AND p.agenda_days = 'working'
	    AND p.documents_days = 'working' AND p.reception_days = 'working'
	    AND p.minutes_days = 'working'
	    FROM api.programme_show(t.tok('lead'), 'sg_working') p));
	PERFORM t.check('Securing Good itself still counts calendar days',
	    (SELECT p.proforma_days = 'calendar' AND p.minutes_days = 'calendar'
	    FROM api.programme_show(t.tok('lead'), 'securing_good') p));
	PERFORM t.expect_error('a day count is calendar or working',
	    $q$SELECT api.programme_set(t.tok('lead'), 'sg_working',
	    'agenda_days', 'weekdays')$q$, 'SC006');
	PERFORM t.expect_error('a headteacher cannot change a programme',
	    $q$SELECT api.programme_set(t.tok('head'), 'sg_working',
	    'agenda_days', 'calendar')$q$, 'SC005');

	-- Oakfield in working days, Elm in Securing Good's calendar days.
	PERFORM api.case_open(t.tok('lead'), (SELECT s.id FROM scc.school s
	    WHERE s.urn = '100001'), 'sg_working', 'working days', 'link.ealing',
	    NULL);
	PERFORM api.case_open(t.tok('lead'), (SELECT s.id FROM scc.school s
	    WHERE s.urn = '100002'), 'securing_good', 'calendar days',
	    'link.ealing', NULL);
END
$$;

-- ---------------------------------------------------------------------------
-- Meetings across holidays and month ends: the four deadlines before each,
-- in working days (Oakfield) and in calendar days (Elm).
DO $$
DECLARE
	v_work	bigint := (SELECT k.id FROM scc.school_case k JOIN scc.school s
		    ON s.id = k.school_id WHERE s.urn = '100001');
	v_cal	bigint := (SELECT k.id FROM scc.school_case k JOIN scc.school s
		    ON s.id = k.school_id WHERE s.urn = '100002');
	v_got	text;
	r	record;
BEGIN
	FOR r IN SELECT * FROM (VALUES
	    ('2027-01-04 10:00 Europe/London'::timestamptz,
		'proforma=2026-12-10,agenda=2026-12-21,documents=2026-12-30,reception=2026-12-31',
		'proforma=2026-12-21,agenda=2026-12-28,documents=2027-01-02,reception=2027-01-03',
		'Monday 4 January 2027, after New Year'),
	    ('2026-12-29 10:00 Europe/London',
		'proforma=2026-12-07,agenda=2026-12-16,documents=2026-12-23,reception=2026-12-24',
		'proforma=2026-12-15,agenda=2026-12-22,documents=2026-12-27,reception=2026-12-28',
		'Tuesday 29 December 2026, after Christmas and Boxing Day''s '
		'substitute'),
	    ('2026-03-02 10:00 Europe/London',
		'proforma=2026-02-10,agenda=2026-02-19,documents=2026-02-26,reception=2026-02-27',
		'proforma=2026-02-16,agenda=2026-02-23,documents=2026-02-28,reception=2026-03-01',
		'Monday 2 March 2026, just after a month''s end'),
	    ('2028-03-01 10:00 Europe/London',
		'proforma=2028-02-10,agenda=2028-02-21,documents=2028-02-28,reception=2028-02-29',
		'proforma=2028-02-16,agenda=2028-02-23,documents=2028-02-28,reception=2028-02-29',
		'Wednesday 1 March 2028, after the leap day')
	    ) AS x(at, working, calendar, name) LOOP
		v_got := t.deadlines(t.meet(v_work, r.at));
		PERFORM t.check(format('working days: %s', r.name),
		    v_got = r.working, format('got %s', v_got));
		v_got := t.deadlines(t.meet(v_cal, r.at));
		PERFORM t.check(format('calendar days: %s', r.name),
		    v_got = r.calendar, format('got %s', v_got));
	END LOOP;
END
$$;

-- ---------------------------------------------------------------------------
-- The change of clocks.  A meeting's day is its day in London: 23:30 UTC
-- on Sunday 29 March 2026 is already 00:30 on Monday the 30th (BST), and
-- 23:30 UTC on Saturday 24 October 2026 is 00:30 on Sunday the 25th; once
-- the clocks are back, 23:30 UTC is 23:30 in London, the same day.  The
-- session's own TimeZone must not matter.
DO $$
DECLARE
	v_work	bigint := (SELECT k.id FROM scc.school_case k JOIN scc.school s
		    ON s.id = k.school_id WHERE s.urn = '100001');
	v_cal	bigint := (SELECT k.id FROM scc.school_case k JOIN scc.school s
		    ON s.id = k.school_id WHERE s.urn = '100002');
	v_zone	text;
	v_got	text;
	v_meet	bigint;
	r	record;
BEGIN
	FOREACH v_zone IN ARRAY ARRAY['Europe/London', 'UTC',
	    'America/New_York', 'Asia/Tokyo'] LOOP
		PERFORM set_config('TimeZone', v_zone, true);
		FOR r IN SELECT * FROM (VALUES
		    ('2026-03-30 09:00 Europe/London'::timestamptz,
			'proforma=2026-03-10,agenda=2026-03-19,documents=2026-03-26,reception=2026-03-27',
			'proforma=2026-03-16,agenda=2026-03-23,documents=2026-03-28,reception=2026-03-29',
			'09:00 London time on Monday 30 March 2026 (BST)'),
		    ('2026-03-30 09:00+00',
			'proforma=2026-03-10,agenda=2026-03-19,documents=2026-03-26,reception=2026-03-27',
			'proforma=2026-03-16,agenda=2026-03-23,documents=2026-03-28,reception=2026-03-29',
			'09:00 UTC on Monday 30 March 2026 (10:00 BST)'),
		    ('2026-03-29 23:30+00',
			'proforma=2026-03-10,agenda=2026-03-19,documents=2026-03-26,reception=2026-03-27',
			'proforma=2026-03-16,agenda=2026-03-23,documents=2026-03-28,reception=2026-03-29',
			'23:30 UTC on Sunday 29 March 2026: Monday in London'),
		    ('2026-03-28 23:30+00',
			'proforma=2026-03-10,agenda=2026-03-19,documents=2026-03-26,reception=2026-03-27',
			'proforma=2026-03-14,agenda=2026-03-21,documents=2026-03-26,reception=2026-03-27',
			'23:30 UTC on Saturday 28 March 2026, still GMT'),
		    ('2026-10-24 23:30+00',
			'proforma=2026-10-06,agenda=2026-10-15,documents=2026-10-22,reception=2026-10-23',
			'proforma=2026-10-11,agenda=2026-10-18,documents=2026-10-23,reception=2026-10-24',
			'23:30 UTC on Saturday 24 October 2026: Sunday in London'),
		    ('2026-10-25 23:30+00',
			'proforma=2026-10-06,agenda=2026-10-15,documents=2026-10-22,reception=2026-10-23',
			'proforma=2026-10-11,agenda=2026-10-18,documents=2026-10-23,reception=2026-10-24',
			'23:30 UTC on Sunday 25 October 2026, GMT again'),
		    ('2026-10-26 00:30 Europe/London',
			'proforma=2026-10-06,agenda=2026-10-15,documents=2026-10-22,reception=2026-10-23',
			'proforma=2026-10-12,agenda=2026-10-19,documents=2026-10-24,reception=2026-10-25',
			'00:30 London time on Monday 26 October 2026'),
		    ('2026-06-14 23:00+00',
			'proforma=2026-05-26,agenda=2026-06-04,documents=2026-06-11,reception=2026-06-12',
			'proforma=2026-06-01,agenda=2026-06-08,documents=2026-06-13,reception=2026-06-14',
			'midnight London time (BST) starting Monday 15 June 2026')
		    ) AS x(at, working, calendar, name) LOOP
			v_got := t.deadlines(t.meet(v_work, r.at));
			PERFORM t.check(format('working days, session in %s: %s',
			    v_zone, r.name), v_got = r.working,
			    format('got %s', v_got));
			v_meet := t.meet(v_cal, r.at);
			v_got := t.deadlines(v_meet);
			PERFORM t.check(format('calendar days, session in %s: %s',
			    v_zone, r.name), v_got = r.calendar,
			    format('got %s', v_got));
			PERFORM t.check(format('session in %s: the meeting''s time '
			    'is written in UTC (%s)', v_zone, r.name),
			    (SELECT m."at" = to_char(r.at AT TIME ZONE 'UTC',
			    'YYYY-MM-DD"T"HH24:MI:SS"Z"') FROM api.meeting_list(
			    t.tok('lead'), v_cal, NULL, NULL, 1000, v_meet - 1) m
			    WHERE m.id = v_meet));
		END LOOP;
	END LOOP;
END
$$;

-- ---------------------------------------------------------------------------
-- Mixed counts, and offsets a programme does not use: an IOP copy whose
-- agenda is 7 calendar days and whose documents are due 3 working days
-- before; an offset set to none sets no deadline.
DO $$
DECLARE
	v_case	bigint;
	v_got	text;
BEGIN
	PERFORM api.programme_add(t.tok('lead'), 'iop_mixed', 'IOP, mixed',
	    'iop');
	PERFORM api.programme_set(t.tok('lead'), 'iop_mixed', 'documents', '3');
	PERFORM api.programme_set(t.tok('lead'), 'iop_mixed', 'documents_days',
	    'working');
	v_case := (SELECT k.id FROM api.case_open(t.tok('lead'),
	    (SELECT s.id FROM scc.school s WHERE s.urn = '100003'), 'iop_mixed',
	    'mixed', NULL, NULL) k);
	v_got := t.deadlines(t.meet(v_case, '2027-01-04 10:00 Europe/London'));
	PERFORM t.check('IOP copy: agenda 7 calendar days, documents 3 working '
	    'days before 4 January 2027, nothing else',
	    v_got = 'agenda=2026-12-28,documents=2026-12-29',
	    format('got %s', v_got));
	v_got := t.deadlines(t.meet(v_case, '2026-04-07 10:00 Europe/London'));
	PERFORM t.check('IOP copy: before the Tuesday after Easter 2026',
	    v_got = 'agenda=2026-03-31,documents=2026-03-31',
	    format('got %s', v_got));
	PERFORM api.programme_set(t.tok('lead'), 'iop_mixed', 'agenda', 'none');
	v_got := t.deadlines(t.meet(v_case, '2026-04-07 10:00 Europe/London'));
	PERFORM t.check('an offset set to none sets no deadline',
	    v_got = 'documents=2026-03-31', format('got %s', v_got));
	PERFORM api.programme_set(t.tok('lead'), 'iop_mixed', 'agenda', '0');
	PERFORM api.programme_set(t.tok('lead'), 'iop_mixed', 'agenda_days',
	    'working');
	v_got := t.deadlines(t.meet(v_case, '2026-04-04 10:00 Europe/London'));
	PERFORM t.check('0 working days before a meeting on Easter Saturday '
	    'is that day', v_got = 'agenda=2026-04-04,documents=2026-03-31',
	    format('got %s', v_got));
END
$$;

-- ---------------------------------------------------------------------------
-- The minutes clock, counted from the day the meeting is held: 10 working
-- days for sg_working, 10 calendar days for Securing Good.  Counted here
-- without scc.day_offset: the due day is a working day with exactly 10
-- working days from the day after today to it.
DO $$
DECLARE
	v_auth	bigint := (SELECT a.id FROM scc.authority a WHERE a.name = 'Ealing');
	v_work	bigint := (SELECT k.id FROM scc.school_case k JOIN scc.school s
		    ON s.id = k.school_id WHERE s.urn = '100001');
	v_cal	bigint := (SELECT k.id FROM scc.school_case k JOIN scc.school s
		    ON s.id = k.school_id WHERE s.urn = '100002');
	v_meet	bigint;
	v_due	date;
BEGIN
	v_meet := t.meet(v_work, now());
	PERFORM api.meeting_held(t.tok('lead'), v_meet, NULL);
	v_due := (SELECT d.due FROM scc.deadline d WHERE d.meeting_id = v_meet
	    AND d.what = 'minutes');
	PERFORM t.check('working days: the minutes are due 10 working days '
	    'after the meeting is held', scc.is_working_day(v_auth, v_due)
	    AND (SELECT count(*) FROM generate_series(current_date + 1, v_due,
	    interval '1 day') g(day) WHERE extract(isodow FROM g.day) < 6
	    AND NOT EXISTS (SELECT 1 FROM scc.bank_holiday b
	    WHERE b.day = g.day::date)) = 10, format('got %s', v_due));
	v_meet := t.meet(v_cal, now());
	PERFORM api.meeting_held(t.tok('lead'), v_meet, NULL);
	v_due := (SELECT d.due FROM scc.deadline d WHERE d.meeting_id = v_meet
	    AND d.what = 'minutes');
	PERFORM t.check('calendar days: the minutes are due 10 days after',
	    v_due = current_date + 10, format('got %s', v_due));
END
$$;

-- ---------------------------------------------------------------------------
-- "Today", for the clocks, is London's today, as a meeting's day is its
-- day in London, whatever the session's TimeZone.  Two zones far from
-- London (UTC+14 and UTC-12) between them disagree with London's date at
-- every hour of the day, so this holds at any time the test runs:
--  - a meeting held today has its minutes due 10 days after London's today;
--  - a deadline due London's yesterday is overdue, one due today is not.
DO $$
DECLARE
	v_cal	 bigint := (SELECT k.id FROM scc.school_case k JOIN scc.school s
		     ON s.id = k.school_id WHERE s.urn = '100002');
	v_london date := (now() AT TIME ZONE 'Europe/London')::date;
	v_bad	 text[] := '{}';
	v_zone	 text;
	v_meet	 bigint;
	v_due	 date;
	v_over	 text;
BEGIN
	FOREACH v_zone IN ARRAY ARRAY['Pacific/Kiritimati', 'Etc/GMT+12'] LOOP
		PERFORM set_config('TimeZone', v_zone, true);
		v_meet := t.meet(v_cal, now());
		PERFORM api.meeting_held(t.tok('lead'), v_meet, NULL);
		v_due := (SELECT d.due FROM scc.deadline d
		    WHERE d.meeting_id = v_meet AND d.what = 'minutes');
		IF v_due IS DISTINCT FROM v_london + 10 THEN
			v_bad := v_bad || format('session in %s: minutes due %s, '
			    'not %s (London''s today %s + 10)', v_zone, v_due,
			    v_london + 10, v_london);
		END IF;
		-- reception is due 1 calendar day before the meeting's day
		SELECT m.overdue INTO v_over FROM api.meeting_schedule(
		    t.tok('lead'), v_cal, 'monitoring',
		    (v_london + time '10:00') AT TIME ZONE 'Europe/London', NULL,
		    NULL, NULL, NULL) m WHERE m.what = 'reception';
		IF v_over IS DISTINCT FROM 'yes' THEN
			v_bad := v_bad || format('session in %s: a deadline due '
			    'London''s yesterday (%s) overdue=%s', v_zone,
			    v_london - 1, v_over);
		END IF;
		SELECT m.overdue INTO v_over FROM api.meeting_schedule(
		    t.tok('lead'), v_cal, 'monitoring',
		    (v_london + 1 + time '10:00') AT TIME ZONE 'Europe/London',
		    NULL, NULL, NULL, NULL) m WHERE m.what = 'reception';
		IF v_over IS DISTINCT FROM 'no' THEN
			v_bad := v_bad || format('session in %s: a deadline due '
			    'London''s today (%s) overdue=%s', v_zone, v_london,
			    v_over);
		END IF;
	END LOOP;
	PERFORM t.check('the clocks count from London''s today whatever the '
	    'session''s TimeZone', cardinality(v_bad) = 0,
	    array_to_string(v_bad, '; '));
END
$$;

-- ---------------------------------------------------------------------------
-- A meeting recorded as held three days after it took place: its minutes
-- are due 10 days after the meeting, not after the recording.
DO $$
DECLARE
	v_cal	bigint := (SELECT k.id FROM scc.school_case k JOIN scc.school s
		    ON s.id = k.school_id WHERE s.urn = '100002');
	v_day	date := (now() AT TIME ZONE 'Europe/London')::date - 3;
	v_meet	bigint;
	v_due	date;
BEGIN
	v_meet := t.meet(v_cal, (v_day + time '10:00')
	    AT TIME ZONE 'Europe/London');
	PERFORM api.meeting_held(t.tok('lead'), v_meet, NULL);
	v_due := (SELECT d.due FROM scc.deadline d WHERE d.meeting_id = v_meet
	    AND d.what = 'minutes');
	PERFORM t.check('the minutes clock starts on the meeting''s day',
	    v_due = v_day + 10, format('got %s, meeting on %s', v_due, v_day));
END
$$;
