-- 017 three corrections to meetings, found by the whole-cycle tests.
--
-- 1. "Today" is England's.  Dates of deadlines and actions are compared
--    with current_date, which follows the session's TimeZone; a database
--    or host set to another zone (or UTC during British Summer Time) moved
--    due dates and overdue flags by a day.  Every api and admin function
--    now runs in Europe/London, whatever the session says.  A function
--    created or replaced later must say so too: tests/sql/05_privileges
--    checks every one.
-- 2. A minute taker must be able to see the meeting's school: a link
--    partner not assigned to it could be named, and then could never
--    draft the minutes.
-- 3. The meeting agreed at the end of another keeps its people: its
--    attendees were copied by display name, which finds no user, so they
--    were no longer told of it.
-- 4. The minutes' clock starts on the day of the meeting, as the
--    programmes' documents count it, not on the day MEETING HELD happens
--    to be recorded (the earlier of the two, for a meeting brought
--    forward).

DO $$
DECLARE
	f	regprocedure;
BEGIN
	FOR f IN
		SELECT p.oid::regprocedure FROM pg_proc p
		WHERE p.pronamespace IN ('api'::regnamespace,
		    'admin'::regnamespace)
	LOOP
		EXECUTE format('ALTER FUNCTION %s SET TimeZone = %L', f,
		    'Europe/London');
	END LOOP;
END
$$;

CREATE FUNCTION scc.meeting_taker_check() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
DECLARE
	v_login	text;
BEGIN
	SELECT u.login INTO v_login
	FROM scc.app_user u, scc.school_case k
	WHERE u.id = NEW.taker_id AND k.id = NEW.case_id
	    AND u.role = 'link_partner'
	    AND NOT EXISTS (SELECT 1 FROM scc.assignment a
		WHERE a.user_id = u.id AND a.school_id = k.school_id);
	IF FOUND THEN
		PERFORM scc.raise_invalid('taker', format('taker: %s is not '
		    'assigned to this school', v_login));
	END IF;
	RETURN NEW;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.meeting_taker_check() FROM PUBLIC;
CREATE TRIGGER meeting_taker_check BEFORE INSERT OR UPDATE OF taker_id
	ON scc.meeting FOR EACH ROW EXECUTE FUNCTION scc.meeting_taker_check();

-- When MEETING HELD links the next meeting, its attendees take the user
-- of the attendee of the same name at the meeting held.
CREATE FUNCTION scc.meeting_next_people() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
BEGIN
	UPDATE scc.meeting_attendee n SET user_id = o.user_id
	FROM scc.meeting_attendee o
	WHERE o.meeting_id = NEW.id AND n.meeting_id = NEW.next_id
	    AND n.user_id IS NULL AND o.user_id IS NOT NULL
	    AND n.name = o.name;
	RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.meeting_next_people() FROM PUBLIC;
CREATE TRIGGER meeting_next_people AFTER UPDATE OF next_id ON scc.meeting
	FOR EACH ROW WHEN (NEW.next_id IS NOT NULL
	    AND OLD.next_id IS DISTINCT FROM NEW.next_id)
	EXECUTE FUNCTION scc.meeting_next_people();

-- Meetings already agreed that way get their people back.
UPDATE scc.meeting_attendee n SET user_id = o.user_id
FROM scc.meeting m, scc.meeting_attendee o
WHERE m.next_id = n.meeting_id AND o.meeting_id = m.id
    AND n.user_id IS NULL AND o.user_id IS NOT NULL AND n.name = o.name;

CREATE OR REPLACE FUNCTION scc.deadline_set(m scc.meeting,
    p_what scc.deadline_kind, p_from date, p_step int, p_owner bigint)
    RETURNS void
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
	IF p_what = 'minutes' THEN
		p_from := least(p_from, (m.at AT TIME ZONE 'Europe/London')::date);
	END IF;
	INSERT INTO scc.deadline (authority_id, meeting_id, what, due, owner_id)
	VALUES (m.authority_id, m.id, p_what, scc.day_offset(m.authority_id,
	    p_from, (v_days ->> p_what::text)::int,
	    (v_days ->> (p_what::text || '_days'))::scc.day_count, p_step),
	    p_owner)
	ON CONFLICT (meeting_id, what) DO UPDATE SET due = EXCLUDED.due;
END
$$;
