-- 016 the calendar's own events, and WAITING.
--
-- Actions due within three days, actions overdue and deadlines missed
-- become events when they fall due.  Every sccd asks (api.events_due, on a
-- timer); a flag on the row, set in the same statement that finds it,
-- makes each event happen once whichever instance asks first, and an
-- advisory lock lets one look at a time go ahead while the others return.
--
-- Advisory lock (two-key form), first key 724104: raising due events.

ALTER TABLE scc.action
	ADD COLUMN due_soon_raised boolean NOT NULL DEFAULT false,
	ADD COLUMN overdue_raised boolean NOT NULL DEFAULT false;
ALTER TABLE scc.deadline
	ADD COLUMN missed_raised boolean NOT NULL DEFAULT false;

-- Moving a due date starts its reminders afresh.
CREATE FUNCTION scc.action_due_moved() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
BEGIN
	IF NEW.due IS DISTINCT FROM OLD.due THEN
		NEW.due_soon_raised := false;
		NEW.overdue_raised := false;
	END IF;
	RETURN NEW;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.action_due_moved() FROM PUBLIC;
CREATE TRIGGER action_due_moved BEFORE UPDATE OF due ON scc.action
	FOR EACH ROW EXECUTE FUNCTION scc.action_due_moved();

-- Is a deadline's clock still running?  Those before a meeting run while
-- it is scheduled; the minutes' while it is held and the minutes are not
-- yet submitted.  A deadline marked met has stopped.
CREATE FUNCTION scc.deadline_running(d scc.deadline, m scc.meeting,
    p_minutes scc.minutes_state) RETURNS boolean
	LANGUAGE sql STABLE
	RETURN d.met_at IS NULL
	    AND m.status = CASE WHEN d.what = 'minutes' THEN 'held'
		ELSE 'scheduled' END::scc.meeting_status
	    AND NOT (d.what = 'minutes' AND p_minutes IS NOT NULL
		AND p_minutes <> 'draft');
REVOKE EXECUTE ON FUNCTION scc.deadline_running(scc.deadline, scc.meeting,
    scc.minutes_state) FROM PUBLIC;

CREATE FUNCTION api.events_due() RETURNS integer
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
DECLARE
	r	record;
	v_n	integer := 0;
BEGIN
	IF NOT pg_try_advisory_xact_lock(724104, 0) THEN
		RETURN 0;	-- another instance is looking right now
	END IF;

	FOR r IN
		UPDATE scc.action a SET due_soon_raised = true
		FROM scc.school_case k
		WHERE k.id = a.case_id AND NOT a.due_soon_raised
		    AND a.status IN ('open', 'in_progress')
		    AND a.due BETWEEN current_date AND current_date + 3
		RETURNING a.id, a.authority_id, a.case_id, k.school_id,
		    a.owner_id
	LOOP
		PERFORM scc.event_add(r.authority_id, ARRAY[r.owner_id],
		    'action.due_soon', 'action:' || r.id,
		    ROW(r.school_id, r.case_id, NULL, r.id)::scc.event_subject,
		    NULL, NULL);
		v_n := v_n + 1;
	END LOOP;

	FOR r IN
		UPDATE scc.action a SET overdue_raised = true,
		    due_soon_raised = true
		FROM scc.school_case k
		WHERE k.id = a.case_id AND NOT a.overdue_raised
		    AND scc.action_overdue(a.due, a.status)
		RETURNING a.id, a.authority_id, a.case_id, k.school_id,
		    a.owner_id, k.lead_id
	LOOP
		PERFORM scc.event_add(r.authority_id,
		    ARRAY[r.owner_id, r.lead_id], 'action.overdue',
		    'action:' || r.id,
		    ROW(r.school_id, r.case_id, NULL, r.id)::scc.event_subject,
		    NULL, NULL);
		v_n := v_n + 1;
	END LOOP;

	FOR r IN
		UPDATE scc.deadline d SET missed_raised = true
		FROM scc.meeting m
		JOIN scc.school_case k ON k.id = m.case_id
		LEFT JOIN scc.minutes n ON n.meeting_id = m.id
		WHERE m.id = d.meeting_id AND NOT d.missed_raised
		    AND d.due < current_date
		    AND scc.deadline_running(d, m, n.state)
		RETURNING d.id, d.what, d.authority_id, m.id AS meeting_id,
		    m.case_id, k.school_id, d.owner_id, k.lead_id
	LOOP
		PERFORM scc.event_add(r.authority_id,
		    ARRAY[r.owner_id, r.lead_id], 'deadline.missed',
		    'deadline:' || r.what,
		    ROW(r.school_id, r.case_id, r.meeting_id, NULL)
			::scc.event_subject, NULL, NULL);
		v_n := v_n + 1;
	END LOOP;
	RETURN v_n;
END
$$;
GRANT EXECUTE ON FUNCTION api.events_due() TO scc_api;

-- ---------------------------------------------------------------------------
-- WAITING: what the caller has to do now, newest need first within each
-- kind: minutes at the caller's step, the caller's actions due within three
-- days or overdue, the caller's deadlines of the next seven days or missed,
-- and how many events they have not been sent.

CREATE TYPE scc.rec_waiting AS (rec text, what text, meeting bigint,
    "case" bigint, school bigint, action bigint, title text, state text,
    deadline text, due text, overdue text, unread bigint);

CREATE FUNCTION api.waiting(p_token bytea) RETURNS SETOF scc.rec_waiting
	LANGUAGE plpgsql STABLE SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
DECLARE
	c	scc.caller := scc.caller(p_token);
	v_unread bigint;
BEGIN
	-- Minutes waiting at the caller's step of the chain.
	RETURN QUERY
	SELECT 'WAITING', 'minutes', m.id, k.id, k.school_id, NULL::bigint,
	    NULL::text, n.state::text, NULL::text, NULL::text, NULL::text,
	    NULL::bigint
	FROM scc.minutes n
	JOIN scc.meeting m ON m.id = n.meeting_id
	JOIN scc.school_case k ON k.id = m.case_id
	WHERE n.authority_id = c.authority_id
	    AND CASE n.state
		WHEN 'draft' THEN m.taker_id = c.user_id
		WHEN 'with_chair' THEN m.chair_id = c.user_id
		WHEN 'with_headteacher' THEN c.role = 'headteacher'
		    AND c.school_id = k.school_id
		WHEN 'confirmed' THEN (k.lead_id = c.user_id)
		    OR (c.role = 'governor' AND c.school_id = k.school_id
			AND NOT EXISTS (SELECT 1 FROM scc.minutes_step s
			    WHERE s.meeting_id = m.id AND s.step = 'acknowledge'
				AND s.by_id = c.user_id))
		ELSE false END
	ORDER BY m.id
	LIMIT 100;

	RETURN QUERY
	SELECT 'WAITING', 'action', a.meeting_id, a.case_id, k.school_id, a.id,
	    a.title::text, a.status::text, NULL::text, scc.wire_date(a.due),
	    scc.yes(scc.action_overdue(a.due, a.status)), NULL::bigint
	FROM scc.action a
	JOIN scc.school_case k ON k.id = a.case_id
	WHERE a.owner_id = c.user_id AND a.status IN ('open', 'in_progress')
	    AND a.due <= current_date + 3
	ORDER BY a.due, a.id
	LIMIT 100;

	RETURN QUERY
	SELECT 'WAITING', 'deadline', m.id, m.case_id, k.school_id,
	    NULL::bigint, NULL::text, NULL::text, d.what::text,
	    scc.wire_date(d.due), scc.yes(d.due < current_date), NULL::bigint
	FROM scc.deadline d
	JOIN scc.meeting m ON m.id = d.meeting_id
	JOIN scc.school_case k ON k.id = m.case_id
	LEFT JOIN scc.minutes n ON n.meeting_id = m.id
	WHERE d.owner_id = c.user_id AND d.due <= current_date + 7
	    AND scc.deadline_running(d, m, n.state)
	ORDER BY d.due, d.id
	LIMIT 100;

	SELECT count(*) INTO v_unread FROM scc.event e
	JOIN scc.event_cursor ec ON ec.user_id = e.user_id
	WHERE e.user_id = c.user_id AND e.id > ec.seen
	    AND (e.school_id IS NULL
		OR scc.sees_school(c, e.school_id, e.authority_id));
	RETURN NEXT ROW('WAITING', 'events', NULL, NULL, NULL, NULL, NULL,
	    NULL, NULL, NULL, NULL, v_unread)::scc.rec_waiting;
END
$$;
GRANT EXECUTE ON FUNCTION api.waiting(bytea) TO scc_api;
