-- 011 meetings and their deadline clocks: the working-day calendar
-- (England and Wales bank holidays 2024 to 2030, and days an authority
-- adds), meetings of a case with their chair, minute taker and attendees,
-- and the deadlines each meeting sets from its case's programme, each
-- with an owner.

CREATE TYPE scc.meeting_kind AS ENUM ('engagement', 'monitoring', 'review',
    'team_around_school', 'professionals');
CREATE TYPE scc.meeting_status AS ENUM ('scheduled', 'held', 'cancelled');
CREATE TYPE scc.deadline_kind AS ENUM ('proforma', 'agenda', 'documents',
    'reception', 'minutes');

-- ---------------------------------------------------------------------------
-- The calendar.

CREATE TABLE scc.bank_holiday (
	day		date PRIMARY KEY,
	name		scc.label NOT NULL
);

INSERT INTO scc.bank_holiday (day, name) VALUES
	('2024-01-01', 'New Year''s Day'),
	('2024-03-29', 'Good Friday'),
	('2024-04-01', 'Easter Monday'),
	('2024-05-06', 'Early May bank holiday'),
	('2024-05-27', 'Spring bank holiday'),
	('2024-08-26', 'Summer bank holiday'),
	('2024-12-25', 'Christmas Day'),
	('2024-12-26', 'Boxing Day'),
	('2025-01-01', 'New Year''s Day'),
	('2025-04-18', 'Good Friday'),
	('2025-04-21', 'Easter Monday'),
	('2025-05-05', 'Early May bank holiday'),
	('2025-05-26', 'Spring bank holiday'),
	('2025-08-25', 'Summer bank holiday'),
	('2025-12-25', 'Christmas Day'),
	('2025-12-26', 'Boxing Day'),
	('2026-01-01', 'New Year''s Day'),
	('2026-04-03', 'Good Friday'),
	('2026-04-06', 'Easter Monday'),
	('2026-05-04', 'Early May bank holiday'),
	('2026-05-25', 'Spring bank holiday'),
	('2026-08-31', 'Summer bank holiday'),
	('2026-12-25', 'Christmas Day'),
	('2026-12-28', 'Boxing Day (substitute day)'),
	('2027-01-01', 'New Year''s Day'),
	('2027-03-26', 'Good Friday'),
	('2027-03-29', 'Easter Monday'),
	('2027-05-03', 'Early May bank holiday'),
	('2027-05-31', 'Spring bank holiday'),
	('2027-08-30', 'Summer bank holiday'),
	('2027-12-27', 'Christmas Day (substitute day)'),
	('2027-12-28', 'Boxing Day (substitute day)'),
	('2028-01-03', 'New Year''s Day (substitute day)'),
	('2028-04-14', 'Good Friday'),
	('2028-04-17', 'Easter Monday'),
	('2028-05-01', 'Early May bank holiday'),
	('2028-05-29', 'Spring bank holiday'),
	('2028-08-28', 'Summer bank holiday'),
	('2028-12-25', 'Christmas Day'),
	('2028-12-26', 'Boxing Day'),
	('2029-01-01', 'New Year''s Day'),
	('2029-03-30', 'Good Friday'),
	('2029-04-02', 'Easter Monday'),
	('2029-05-07', 'Early May bank holiday'),
	('2029-05-28', 'Spring bank holiday'),
	('2029-08-27', 'Summer bank holiday'),
	('2029-12-25', 'Christmas Day'),
	('2029-12-26', 'Boxing Day'),
	('2030-01-01', 'New Year''s Day'),
	('2030-04-19', 'Good Friday'),
	('2030-04-22', 'Easter Monday'),
	('2030-05-06', 'Early May bank holiday'),
	('2030-05-27', 'Spring bank holiday'),
	('2030-08-26', 'Summer bank holiday'),
	('2030-12-25', 'Christmas Day'),
	('2030-12-26', 'Boxing Day');

-- Days an authority closes beyond the bank holidays.
CREATE TABLE scc.authority_holiday (
	authority_id	bigint NOT NULL REFERENCES scc.authority (id),
	day		date NOT NULL,
	name		scc.label NOT NULL,
	PRIMARY KEY (authority_id, day)
);

CREATE FUNCTION scc.is_working_day(p_authority bigint, p_day date)
    RETURNS boolean
	LANGUAGE sql STABLE
	SET search_path = scc, pg_temp
	RETURN extract(isodow FROM p_day) < 6
	    AND NOT EXISTS (SELECT 1 FROM scc.bank_holiday b WHERE b.day = p_day)
	    AND NOT EXISTS (SELECT 1 FROM scc.authority_holiday h
		WHERE h.authority_id = p_authority AND h.day = p_day);
REVOKE EXECUTE ON FUNCTION scc.is_working_day(bigint, date) FROM PUBLIC;

-- p_days days before (p_step -1) or after (+1) p_from, counted as the
-- programme says: every day, or working days only.
CREATE FUNCTION scc.day_offset(p_authority bigint, p_from date, p_days int,
    p_count scc.day_count, p_step int) RETURNS date
	LANGUAGE plpgsql STABLE
	SET search_path = scc, pg_temp
AS $$
DECLARE
	v_day	date := p_from;
	v_left	int := p_days;
BEGIN
	IF p_count = 'calendar' THEN
		RETURN p_from + p_step * p_days;
	END IF;
	WHILE v_left > 0 LOOP
		v_day := v_day + p_step;
		IF scc.is_working_day(p_authority, v_day) THEN
			v_left := v_left - 1;
		END IF;
	END LOOP;
	RETURN v_day;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.day_offset(bigint, date, int, scc.day_count,
    int) FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- Meetings.

CREATE TABLE scc.meeting (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	authority_id	bigint NOT NULL,
	case_id		bigint NOT NULL,
	kind		scc.meeting_kind NOT NULL,
	at		timestamptz NOT NULL,
	place		text CHECK (char_length(place) <= 200),
	chair_id	bigint NOT NULL,
	taker_id	bigint NOT NULL,
	status		scc.meeting_status NOT NULL DEFAULT 'scheduled',
	held_at		timestamptz,
	reason		text,		-- why it was cancelled
	next_id		bigint REFERENCES scc.meeting (id),
	FOREIGN KEY (case_id, authority_id)
	    REFERENCES scc.school_case (id, authority_id),
	FOREIGN KEY (chair_id, authority_id)
	    REFERENCES scc.app_user (id, authority_id),
	FOREIGN KEY (taker_id, authority_id)
	    REFERENCES scc.app_user (id, authority_id),
	CHECK ((status = 'held') = (held_at IS NOT NULL))
);
CREATE INDEX meeting_authority_idx ON scc.meeting (authority_id, id);
CREATE INDEX meeting_case_idx ON scc.meeting (case_id, id);

-- Users of the authority, or people from outside named as typed.
CREATE TABLE scc.meeting_attendee (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	meeting_id	bigint NOT NULL REFERENCES scc.meeting (id),
	user_id		bigint REFERENCES scc.app_user (id),
	name		scc.label NOT NULL
);
CREATE INDEX meeting_attendee_meeting_idx ON scc.meeting_attendee (meeting_id);

CREATE TABLE scc.deadline (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	authority_id	bigint NOT NULL,
	meeting_id	bigint NOT NULL REFERENCES scc.meeting (id),
	what		scc.deadline_kind NOT NULL,
	due		date NOT NULL,
	owner_id	bigint NOT NULL,
	UNIQUE (meeting_id, what),
	FOREIGN KEY (owner_id, authority_id)
	    REFERENCES scc.app_user (id, authority_id)
);
CREATE INDEX deadline_owner_idx ON scc.deadline (owner_id, due, id);

-- ---------------------------------------------------------------------------
-- Records.

CREATE TYPE scc.rec_meeting AS (rec text, id bigint, "case" bigint,
    school bigint, kind text, "at" text, place text, status text,
    chair text, taker text, attendees text, held text, next bigint,
    suggested_next text, reason text);
CREATE TYPE scc.rec_deadline AS (rec text, id bigint, meeting bigint,
    "case" bigint, school bigint, what text, due text, owner text,
    overdue text);

-- The interval a cadence stands for, to suggest the next meeting.
CREATE FUNCTION scc.cadence_interval(p_cadence scc.cadence) RETURNS interval
	LANGUAGE sql IMMUTABLE
	RETURN CASE p_cadence WHEN 'weekly' THEN interval '7 days'
	    WHEN 'monthly' THEN interval '1 month'
	    WHEN 'half_termly' THEN interval '6 weeks'
	    WHEN 'two_monthly' THEN interval '2 months'
	    WHEN 'termly' THEN interval '3 months' END;
REVOKE EXECUTE ON FUNCTION scc.cadence_interval(scc.cadence) FROM PUBLIC;

CREATE FUNCTION scc.meeting_rows(p_ids bigint[]) RETURNS SETOF scc.rec_meeting
	LANGUAGE sql STABLE
	SET search_path = scc, pg_temp
BEGIN ATOMIC
	SELECT 'MEETING', m.id, m.case_id, k.school_id, m.kind::text,
	    scc.wire_time(m.at), m.place, m.status::text, ch.login, tk.login,
	    (SELECT string_agg(a.name::text, ', ' ORDER BY a.id)
	    FROM scc.meeting_attendee a WHERE a.meeting_id = m.id),
	    scc.wire_time(m.held_at), m.next_id,
	    CASE WHEN m.status = 'held' AND m.next_id IS NULL THEN
		scc.wire_date((m.held_at + scc.cadence_interval(CASE s.level
		WHEN 'red' THEN p.cadence_red WHEN 'amber' THEN p.cadence_amber
		ELSE p.cadence_green END))::date) END,
	    m.reason
	FROM unnest(p_ids) WITH ORDINALITY AS i(id, ord)
	JOIN scc.meeting m ON m.id = i.id
	JOIN scc.school_case k ON k.id = m.case_id
	JOIN scc.school s ON s.id = k.school_id
	JOIN scc.programme p ON p.id = k.programme_id
	JOIN scc.app_user ch ON ch.id = m.chair_id
	JOIN scc.app_user tk ON tk.id = m.taker_id
	ORDER BY i.ord;
END;
REVOKE EXECUTE ON FUNCTION scc.meeting_rows(bigint[]) FROM PUBLIC;

CREATE FUNCTION scc.deadline_rows(p_ids bigint[]) RETURNS SETOF scc.rec_deadline
	LANGUAGE sql STABLE
	SET search_path = scc, pg_temp
BEGIN ATOMIC
	SELECT 'DEADLINE', d.id, d.meeting_id, m.case_id, k.school_id,
	    d.what::text, scc.wire_date(d.due), u.login,
	    scc.yes(d.due < current_date)
	FROM unnest(p_ids) WITH ORDINALITY AS i(id, ord)
	JOIN scc.deadline d ON d.id = i.id
	JOIN scc.meeting m ON m.id = d.meeting_id
	JOIN scc.school_case k ON k.id = m.case_id
	JOIN scc.app_user u ON u.id = d.owner_id
	ORDER BY i.ord;
END;
REVOKE EXECUTE ON FUNCTION scc.deadline_rows(bigint[]) FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- Rules and helpers.

CREATE FUNCTION scc.can_run_meetings(c scc.caller) RETURNS boolean
	LANGUAGE sql IMMUTABLE
	RETURN c.role IN ('lead_officer', 'link_partner');
REVOKE EXECUTE ON FUNCTION scc.can_run_meetings(scc.caller) FROM PUBLIC;

-- May the caller see this case?  Its school's rule.
CREATE FUNCTION scc.sees_case(c scc.caller, p_case bigint) RETURNS boolean
	LANGUAGE sql STABLE
	SET search_path = scc, pg_temp
	RETURN EXISTS (SELECT 1 FROM scc.school_case k WHERE k.id = p_case
	    AND scc.sees_school(c, k.school_id, k.authority_id));
REVOKE EXECUTE ON FUNCTION scc.sees_case(scc.caller, bigint) FROM PUBLIC;

-- A meeting of a case the caller can see, or NOTFOUND.
CREATE FUNCTION scc.meeting_get(c scc.caller, p_meeting bigint,
    p_lock boolean DEFAULT false) RETURNS scc.meeting
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
DECLARE
	m	scc.meeting;
BEGIN
	IF p_lock THEN
		SELECT * INTO m FROM scc.meeting x WHERE x.id = p_meeting
		FOR UPDATE;
	ELSE
		SELECT * INTO m FROM scc.meeting x WHERE x.id = p_meeting;
	END IF;
	IF NOT FOUND OR NOT scc.sees_case(c, m.case_id) THEN
		PERFORM scc.raise_notfound('meeting');
	END IF;
	RETURN m;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.meeting_get(scc.caller, bigint, boolean)
    FROM PUBLIC;

-- Who hears of a meeting: its chair and minute taker, the case lead, the
-- school's headteacher and the attendees who are users.
CREATE FUNCTION scc.meeting_people(m scc.meeting, k scc.school_case)
    RETURNS bigint[]
	LANGUAGE sql STABLE
	SET search_path = scc, pg_temp
	RETURN ARRAY[m.chair_id, m.taker_id, k.lead_id] || ARRAY(SELECT u.id
	    FROM scc.app_user u WHERE u.school_id = k.school_id
	    AND u.role = 'headteacher') || ARRAY(SELECT a.user_id
	    FROM scc.meeting_attendee a WHERE a.meeting_id = m.id
	    AND a.user_id IS NOT NULL);
REVOKE EXECUTE ON FUNCTION scc.meeting_people(scc.meeting, scc.school_case)
    FROM PUBLIC;

-- Who answers for the school's part: its headteacher, else the case lead.
CREATE FUNCTION scc.school_owner(k scc.school_case) RETURNS bigint
	LANGUAGE sql STABLE
	SET search_path = scc, pg_temp
	RETURN coalesce((SELECT u.id FROM scc.app_user u
	    WHERE u.school_id = k.school_id AND u.role = 'headteacher'
	    AND NOT u.disabled ORDER BY u.id LIMIT 1), k.lead_id);
REVOKE EXECUTE ON FUNCTION scc.school_owner(scc.school_case) FROM PUBLIC;

-- One deadline of a meeting, if its programme sets that offset.
CREATE FUNCTION scc.deadline_set(m scc.meeting, p_what scc.deadline_kind,
    p_from date, p_step int, p_owner bigint) RETURNS void
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
DECLARE
	p	scc.programme;
	v_days	jsonb;
BEGIN
	SELECT x.* INTO p FROM scc.programme x JOIN scc.school_case k
	    ON k.programme_id = x.id WHERE k.id = m.case_id;
	v_days := to_jsonb(p);
	IF v_days -> p_what::text = 'null'::jsonb THEN
		RETURN;
	END IF;
	INSERT INTO scc.deadline (authority_id, meeting_id, what, due, owner_id)
	VALUES (m.authority_id, m.id, p_what, scc.day_offset(m.authority_id,
	    p_from, (v_days ->> p_what::text)::int,
	    (v_days ->> (p_what::text || '_days'))::scc.day_count, p_step),
	    p_owner)
	ON CONFLICT (meeting_id, what) DO UPDATE SET due = EXCLUDED.due;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.deadline_set(scc.meeting, scc.deadline_kind,
    date, int, bigint) FROM PUBLIC;

-- A new meeting and the deadlines before it; the caller records it.
CREATE FUNCTION scc.meeting_add(c scc.caller, k scc.school_case,
    p_kind scc.meeting_kind, p_at timestamptz, p_place text, p_chair bigint,
    p_taker bigint, p_attendees text) RETURNS scc.meeting
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
DECLARE
	m	scc.meeting;
	v_day	date := (p_at AT TIME ZONE 'Europe/London')::date;
	v_name	text;
BEGIN
	INSERT INTO scc.meeting (authority_id, case_id, kind, at, place,
	    chair_id, taker_id)
	VALUES (c.authority_id, k.id, p_kind, p_at, p_place, p_chair, p_taker)
	RETURNING * INTO m;
	FOREACH v_name IN ARRAY coalesce(string_to_array(p_attendees, ','),
	    '{}'::text[]) LOOP
		v_name := btrim(v_name);
		CONTINUE WHEN v_name = '';
		PERFORM scc.check_label('attendees', v_name);
		INSERT INTO scc.meeting_attendee (meeting_id, user_id, name)
		SELECT m.id, u.id, coalesce(u.name::text, v_name)
		FROM (SELECT 1) one LEFT JOIN scc.app_user u
		    ON u.login = lower(v_name) AND u.authority_id = c.authority_id;
	END LOOP;
	PERFORM scc.deadline_set(m, 'proforma', v_day, -1, k.lead_id);
	PERFORM scc.deadline_set(m, 'agenda', v_day, -1, k.lead_id);
	PERFORM scc.deadline_set(m, 'documents', v_day, -1, scc.school_owner(k));
	PERFORM scc.deadline_set(m, 'reception', v_day, -1, scc.school_owner(k));
	RETURN m;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.meeting_add(scc.caller, scc.school_case,
    scc.meeting_kind, timestamptz, text, bigint, bigint, text) FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- MEETING SCHEDULE / LIST / HELD / CANCEL, DEADLINES

CREATE FUNCTION api.meeting_schedule(p_token bytea, p_case bigint,
    p_kind text, p_at timestamptz, p_place text, p_chair text, p_taker text,
    p_attendees text) RETURNS TABLE (rec text, id bigint, "case" bigint,
    school bigint, kind text, "at" text, place text, status text,
    chair text, taker text, attendees text, meeting bigint, what text,
    due text, owner text, overdue text)
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
#variable_conflict use_column
DECLARE
	c	scc.caller := scc.caller(p_token);
	k	scc.school_case := scc.case_get(c, p_case, true);
	v_kind	scc.meeting_kind;
	v_chair	bigint;
	v_taker	bigint;
	m	scc.meeting;
BEGIN
	PERFORM scc.require(scc.can_run_meetings(c), 'schedule meetings');
	v_kind := scc.arg_enum('kind', p_kind, NULL::scc.meeting_kind);
	IF p_at IS NULL THEN
		PERFORM scc.raise_invalid('at', 'at: when the meeting is');
	END IF;
	IF p_place IS NOT NULL THEN
		PERFORM scc.check_label('place', p_place);
	END IF;
	v_chair := CASE WHEN p_chair IS NULL THEN k.lead_id
	    ELSE scc.user_arg(c, 'chair', p_chair, 'lead_officer') END;
	IF p_taker IS NULL THEN
		v_taker := coalesce(k.link_partner_id, c.user_id);
	ELSE
		SELECT u.id INTO v_taker FROM scc.app_user u
		WHERE u.login = lower(p_taker) AND u.authority_id = c.authority_id
		    AND u.role IN ('lead_officer', 'link_partner')
		    AND NOT u.disabled;
		IF NOT FOUND THEN
			PERFORM scc.raise_invalid('taker', format('taker: %s is '
			    'not an active lead officer or link partner of your '
			    'authority', p_taker));
		END IF;
	END IF;
	IF k.stage = 'closed' THEN
		PERFORM scc.raise_conflict('the case is closed');
	END IF;
	m := scc.meeting_add(c, k, v_kind, p_at, p_place, v_chair, v_taker,
	    p_attendees);
	PERFORM scc.record_change(c, 'meeting.schedule', 'case:' || k.id, NULL,
	    jsonb_build_object('meeting', m.id, 'kind', m.kind, 'at', m.at,
	    'place', m.place), scc.meeting_people(m, k));
	RETURN QUERY
	SELECT r.rec, r.id, r."case", r.school, r.kind, r."at", r.place,
	    r.status, r.chair, r.taker, r.attendees, NULL::bigint, NULL, NULL,
	    NULL, NULL
	FROM scc.meeting_rows(ARRAY[m.id]) r;
	RETURN QUERY
	SELECT d.rec, d.id, d."case", d.school, NULL, NULL, NULL, NULL, NULL,
	    NULL, NULL, d.meeting, d.what, d.due, d.owner, d.overdue
	FROM scc.deadline_rows(ARRAY(SELECT x.id FROM scc.deadline x
	    WHERE x.meeting_id = m.id ORDER BY x.due, x.id)) d;
END
$$;

CREATE FUNCTION api.meeting_list(p_token bytea, p_case bigint, p_from date,
    p_to date, p_limit bigint, p_after bigint) RETURNS SETOF scc.rec_meeting
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
DECLARE
	c	scc.caller := scc.caller(p_token);
	v_limit	int := scc.page_limit(p_limit);
BEGIN
	IF p_case IS NOT NULL THEN
		PERFORM scc.case_get(c, p_case);
	END IF;
	RETURN QUERY
	SELECT * FROM scc.meeting_rows(ARRAY(SELECT m.id FROM scc.meeting m
	    JOIN scc.school_case k ON k.id = m.case_id
	    WHERE m.authority_id = c.authority_id
		AND scc.sees_school(c, k.school_id, k.authority_id)
		AND (p_case IS NULL OR m.case_id = p_case)
		AND (p_from IS NULL OR m.at >= p_from)
		AND (p_to IS NULL OR m.at < p_to + 1)
		AND m.id > coalesce(p_after, 0)
	    ORDER BY m.id LIMIT v_limit));
END
$$;

-- Held: the draft minutes fall due, and the next meeting, when agreed at
-- the end of this one, is scheduled like it.
CREATE FUNCTION api.meeting_held(p_token bytea, p_meeting bigint,
    p_next timestamptz) RETURNS SETOF scc.rec_meeting
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
DECLARE
	c	scc.caller := scc.caller(p_token);
	m	scc.meeting := scc.meeting_get(c, p_meeting, true);
	k	scc.school_case := scc.case_get(c, m.case_id);
	v_next	scc.meeting;
BEGIN
	PERFORM scc.require(scc.can_run_meetings(c), 'record meetings held');
	IF m.status <> 'scheduled' THEN
		PERFORM scc.raise_conflict(format('the meeting is %s', m.status));
	END IF;
	IF p_next IS NOT NULL AND p_next <= m.at THEN
		PERFORM scc.raise_invalid('next', 'next: after this meeting');
	END IF;
	UPDATE scc.meeting x SET status = 'held', held_at = now()
	WHERE x.id = m.id RETURNING * INTO m;
	PERFORM scc.deadline_set(m, 'minutes', current_date, 1, m.taker_id);
	IF p_next IS NOT NULL THEN
		v_next := scc.meeting_add(c, k, 'monitoring', p_next, m.place,
		    m.chair_id, m.taker_id, (SELECT string_agg(a.name::text, ',')
		    FROM scc.meeting_attendee a WHERE a.meeting_id = m.id));
		UPDATE scc.meeting x SET next_id = v_next.id WHERE x.id = m.id;
	END IF;
	-- One entry for the command, naming the next meeting it scheduled.
	PERFORM scc.record_change(c, 'meeting.held', 'case:' || k.id,
	    jsonb_build_object('meeting', m.id, 'status', 'scheduled'),
	    jsonb_build_object('meeting', m.id, 'status', 'held',
	    'next', v_next.id, 'next_at', v_next.at),
	    scc.meeting_people(m, k));
	RETURN QUERY SELECT * FROM scc.meeting_rows(array_remove(ARRAY[m.id,
	    v_next.id], NULL));
END
$$;

CREATE FUNCTION api.meeting_cancel(p_token bytea, p_meeting bigint,
    p_reason text) RETURNS SETOF scc.rec_meeting
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
DECLARE
	c	scc.caller := scc.caller(p_token);
	m	scc.meeting := scc.meeting_get(c, p_meeting, true);
	v_why	text;
BEGIN
	PERFORM scc.require(scc.can_run_meetings(c), 'cancel meetings');
	v_why := scc.arg_text('reason', p_reason);
	IF m.status <> 'scheduled' THEN
		PERFORM scc.raise_conflict(format('the meeting is %s', m.status));
	END IF;
	UPDATE scc.meeting x SET status = 'cancelled', reason = v_why
	WHERE x.id = m.id;
	PERFORM scc.record_change(c, 'meeting.cancel', 'case:' || m.case_id,
	    jsonb_build_object('meeting', m.id, 'status', 'scheduled'),
	    jsonb_build_object('meeting', m.id, 'status', 'cancelled',
	    'reason', v_why), scc.meeting_people(m,
	    scc.case_get(c, m.case_id)));
	RETURN QUERY SELECT * FROM scc.meeting_rows(ARRAY[m.id]);
END
$$;

-- The caller's own running clocks: those missed, and those due in the
-- next p_days days.  The deadlines before a meeting run while it is
-- scheduled, and the minutes' once it is held; a cancelled meeting stops
-- them all.  Marking one met early comes with the work that meets it (the
-- minutes, the agenda, the documents).
CREATE FUNCTION api.deadlines(p_token bytea, p_days bigint, p_limit bigint,
    p_after bigint) RETURNS SETOF scc.rec_deadline
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
DECLARE
	c	scc.caller := scc.caller(p_token);
	v_limit	int := scc.page_limit(p_limit);
BEGIN
	IF p_days IS NOT NULL AND p_days NOT BETWEEN 0 AND 366 THEN
		PERFORM scc.raise_invalid('days', 'days: 0 to 366');
	END IF;
	RETURN QUERY
	SELECT * FROM scc.deadline_rows(ARRAY(SELECT d.id FROM scc.deadline d
	    JOIN scc.meeting m ON m.id = d.meeting_id
	    WHERE d.owner_id = c.user_id
		AND m.status = CASE WHEN d.what = 'minutes' THEN 'held'
		    ELSE 'scheduled' END::scc.meeting_status
		AND d.due <= current_date + coalesce(p_days, 14)::int
		AND d.id > coalesce(p_after, 0)
	    ORDER BY d.id LIMIT v_limit));
END
$$;

REVOKE EXECUTE ON FUNCTION
    api.meeting_schedule(bytea, bigint, text, timestamptz, text, text, text,
	text),
    api.meeting_list(bytea, bigint, date, date, bigint, bigint),
    api.meeting_held(bytea, bigint, timestamptz),
    api.meeting_cancel(bytea, bigint, text),
    api.deadlines(bytea, bigint, bigint, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    api.meeting_schedule(bytea, bigint, text, timestamptz, text, text, text,
	text),
    api.meeting_list(bytea, bigint, date, date, bigint, bigint),
    api.meeting_held(bytea, bigint, timestamptz),
    api.meeting_cancel(bytea, bigint, text),
    api.deadlines(bytea, bigint, bigint, bigint) TO scc_api;

-- The demo authority's meetings (`sccd init --demo`), made as its first
-- lead officer through the api, as admin.demo_casework makes the cases:
-- Oakfield's engagement meeting held, with the first monitoring meeting
-- agreed at its end; St Mary's next IOP meeting; Northgate's review.
CREATE FUNCTION admin.demo_meetings(p_authority text) RETURNS void
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
DECLARE
	v_authority	bigint := scc.authority_by_name(p_authority);
	v_token		bytea := sha256(convert_to(gen_random_uuid()::text,
			    'UTF8'));
	v_lead		bigint;
	v_meeting	bigint;
BEGIN
	SELECT u.id INTO v_lead FROM scc.app_user u
	WHERE u.authority_id = v_authority AND u.role = 'lead_officer'
	ORDER BY u.id LIMIT 1;
	INSERT INTO scc.session (token_hash, user_id, idle_seconds, expires_at)
	VALUES (v_token, v_lead, 600, now() + interval '10 minutes');

	v_meeting := (SELECT m.id FROM api.meeting_schedule(v_token,
	    scc.demo_case(v_authority, '100101'), 'engagement',
	    date_trunc('day', now()) - interval '2 days' + interval '10 hours',
	    'Oakfield Primary, meeting room', NULL, NULL,
	    'head.oakfield, chair.oakfield') m WHERE m.rec = 'MEETING');
	PERFORM api.meeting_held(v_token, v_meeting,
	    date_trunc('day', now()) + interval '23 days 10 hours');

	PERFORM api.meeting_schedule(v_token,
	    scc.demo_case(v_authority, '100107'), 'monitoring',
	    date_trunc('day', now()) + interval '16 days 14 hours',
	    'St Mary''s CE Primary', NULL, NULL, 'Diocesan adviser');
	PERFORM api.meeting_schedule(v_token,
	    scc.demo_case(v_authority, '100104'), 'review',
	    date_trunc('day', now()) + interval '5 days 9 hours 30 minutes',
	    'Northgate All-Through School', NULL, NULL, NULL);

	DELETE FROM scc.session WHERE token_hash = v_token;
END
$$;
REVOKE EXECUTE ON FUNCTION admin.demo_meetings(text) FROM PUBLIC;

-- The open case of a school of the authority, by URN.
CREATE FUNCTION scc.demo_case(p_authority bigint, p_urn text) RETURNS bigint
	LANGUAGE sql STABLE
	SET search_path = scc, pg_temp
	RETURN (SELECT k.id FROM scc.school_case k JOIN scc.school s
	    ON s.id = k.school_id WHERE s.authority_id = p_authority
	    AND s.urn = p_urn AND k.stage <> 'closed');
REVOKE EXECUTE ON FUNCTION scc.demo_case(bigint, text) FROM PUBLIC;
