-- 015 events delivered as they happen.  Each event row is for one person.
-- It now names its subject (school, case, meeting, action) so delivery can
-- ask, at the moment it delivers, whether the person may still see it.
-- Every insert is announced with NOTIFY carrying only the event's id; each
-- sccd LISTENs and asks which user it is for.  A per-user cursor says how
-- far that user has been sent their events, so WATCH on can start with
-- what they missed.

ALTER TABLE scc.event
	ADD COLUMN by_id bigint,		-- who did it; NULL: the calendar
	ADD COLUMN school_id bigint,
	ADD COLUMN case_id bigint,
	ADD COLUMN meeting_id bigint,
	ADD COLUMN action_id bigint;

UPDATE scc.event e SET by_id = a.user_id
FROM scc.audit a WHERE a.id = e.audit_id;
UPDATE scc.event e SET case_id = substr(e.target, 6)::bigint
WHERE e.target ~ '^case:[0-9]+$';
UPDATE scc.event e SET school_id = k.school_id
FROM scc.school_case k WHERE k.id = e.case_id;
UPDATE scc.event e SET school_id = substr(e.target, 8)::bigint
WHERE e.target ~ '^school:[0-9]+$';

-- How far each user has been sent their events.  The row is also the lock
-- that orders a user's events: whoever adds one holds it until commit, so a
-- user's events commit in the order of their ids and a cursor never passes
-- an event that is still to come.
CREATE TABLE scc.event_cursor (
	user_id		bigint PRIMARY KEY REFERENCES scc.app_user (id),
	seen		bigint NOT NULL DEFAULT 0
);
INSERT INTO scc.event_cursor (user_id) SELECT u.id FROM scc.app_user u;

CREATE FUNCTION scc.event_cursor_add() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
BEGIN
	INSERT INTO scc.event_cursor (user_id) VALUES (NEW.id);
	RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.event_cursor_add() FROM PUBLIC;
CREATE TRIGGER app_user_event_cursor AFTER INSERT ON scc.app_user
	FOR EACH ROW EXECUTE FUNCTION scc.event_cursor_add();

-- Only the id travels: what the event says stays behind the database's own
-- rules, and the payload stays far below NOTIFY's limit.
CREATE FUNCTION scc.event_announce() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
BEGIN
	PERFORM pg_notify('scc_event', NEW.id::text);
	RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.event_announce() FROM PUBLIC;
CREATE TRIGGER event_announce AFTER INSERT ON scc.event
	FOR EACH ROW EXECUTE FUNCTION scc.event_announce();

-- A session that ends (logout, a new password, a disabled user, expiry) is
-- announced by the hash of its token, so every sccd can close a connection
-- still holding it at once instead of at its next request.
CREATE FUNCTION scc.session_announce_end() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
BEGIN
	PERFORM pg_notify('scc_session_end', encode(OLD.token_hash, 'hex'));
	RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.session_announce_end() FROM PUBLIC;
CREATE TRIGGER session_announce_end AFTER DELETE ON scc.session
	FOR EACH ROW EXECUTE FUNCTION scc.session_announce_end();

-- ---------------------------------------------------------------------------
-- Adding events.

CREATE TYPE scc.event_subject AS (school_id bigint, case_id bigint,
    meeting_id bigint, action_id bigint);

-- What an event is about, from the audit target ('case:7', 'school:3',
-- 'alert:5') and the fields of the change ("meeting", "action").
CREATE FUNCTION scc.event_subject_of(p_target text, p_after jsonb)
    RETURNS scc.event_subject
	LANGUAGE plpgsql STABLE
	SET search_path = scc, pg_temp
AS $$
DECLARE
	v	scc.event_subject;
BEGIN
	IF p_target ~ '^case:[0-9]+$' THEN
		v.case_id := substr(p_target, 6)::bigint;
		SELECT k.school_id INTO v.school_id FROM scc.school_case k
		WHERE k.id = v.case_id;
	ELSIF p_target ~ '^school:[0-9]+$' THEN
		v.school_id := substr(p_target, 8)::bigint;
	ELSIF p_target ~ '^alert:[0-9]+$' THEN
		SELECT a.school_id INTO v.school_id FROM scc.alert a
		WHERE a.id = substr(p_target, 7)::bigint;
	END IF;
	IF jsonb_typeof(p_after -> 'meeting') = 'number' THEN
		v.meeting_id := (p_after ->> 'meeting')::bigint;
	END IF;
	IF jsonb_typeof(p_after -> 'action') = 'number' THEN
		v.action_id := (p_after ->> 'action')::bigint;
	END IF;
	RETURN v;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.event_subject_of(text, jsonb) FROM PUBLIC;

-- One event for each enabled user of the authority in p_users.  The
-- recipients' cursors are taken in id order (so two writers cannot
-- deadlock on them) and held to commit: see scc.event_cursor.
CREATE FUNCTION scc.event_add(p_authority bigint, p_users bigint[],
    p_what text, p_target text, p_subject scc.event_subject, p_by bigint,
    p_audit bigint) RETURNS void
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
BEGIN
	PERFORM 1 FROM scc.event_cursor ec
	WHERE ec.user_id = ANY (p_users)
	ORDER BY ec.user_id
	FOR NO KEY UPDATE;
	INSERT INTO scc.event (authority_id, user_id, what, target, audit_id,
	    by_id, school_id, case_id, meeting_id, action_id)
	SELECT p_authority, u.id, p_what, p_target, p_audit, p_by,
	    p_subject.school_id, p_subject.case_id, p_subject.meeting_id,
	    p_subject.action_id
	FROM scc.app_user u
	WHERE u.id = ANY (p_users) AND u.authority_id = p_authority
	    AND NOT u.disabled
	ORDER BY u.id;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.event_add(bigint, bigint[], text, text,
    scc.event_subject, bigint, bigint) FROM PUBLIC;

-- The caller is left out, having just seen it, unless p_self.
CREATE OR REPLACE FUNCTION scc.notify(c scc.caller, p_what text,
    p_target text, p_users bigint[], p_audit bigint DEFAULT NULL,
    p_self boolean DEFAULT false)
    RETURNS void
	LANGUAGE sql
	SET search_path = scc, pg_temp
BEGIN ATOMIC
	SELECT scc.event_add(c.authority_id, ARRAY(SELECT u FROM unnest(p_users) u
	    WHERE p_self OR u <> c.user_id), p_what, p_target,
	    scc.event_subject_of(p_target, NULL), c.user_id, p_audit);
END;

-- As before (005), and the event now knows the meeting or action changed.
CREATE OR REPLACE FUNCTION scc.record_change(c scc.caller, p_what text,
    p_target text, p_before jsonb, p_after jsonb, p_notify bigint[] DEFAULT NULL)
    RETURNS bigint
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
DECLARE
	v_detail	jsonb;
	v_audit		bigint;
BEGIN
	-- A field that is null on both sides did not change.
	p_before := jsonb_strip_nulls(p_before);
	p_after := jsonb_strip_nulls(p_after);
	SELECT jsonb_object_agg(k.key, jsonb_build_array(p_before -> k.key,
	    p_after -> k.key))
	INTO v_detail
	FROM (SELECT jsonb_object_keys(coalesce(p_before, '{}'::jsonb)) AS key
	    UNION
	    SELECT jsonb_object_keys(coalesce(p_after, '{}'::jsonb))) k
	WHERE (p_before -> k.key) IS DISTINCT FROM (p_after -> k.key);

	v_audit := scc.audit_add(c.authority_id, c.user_id, p_what, p_target,
	    v_detail);
	IF cardinality(p_notify) > 0 THEN
		PERFORM scc.event_add(c.authority_id,
		    ARRAY(SELECT u FROM unnest(p_notify) u WHERE u <> c.user_id),
		    p_what, p_target,
		    scc.event_subject_of(p_target, coalesce(p_after, p_before)),
		    c.user_id, v_audit);
	END IF;
	RETURN v_audit;
END
$$;

-- ---------------------------------------------------------------------------
-- Delivery.

-- For sccd's listener: whom each announced event is for.  Ids only; what
-- the event says is read through api.events_after, as its recipient.
CREATE FUNCTION api.events_route(p_ids bigint[])
    RETURNS TABLE (id bigint, user_id bigint)
	LANGUAGE sql STABLE SECURITY DEFINER
	SET search_path = scc, pg_temp
BEGIN ATOMIC
	SELECT e.id, e.user_id FROM scc.event e
	WHERE e.id = ANY (p_ids[1:10000])
	ORDER BY e.id;
END;

CREATE TYPE scc.rec_event AS (rec text, id bigint, what text, "case" bigint,
    school bigint, meeting bigint, action bigint, "by" text, "at" text,
    watcher bigint);

-- The caller's events after p_after (default: their cursor), at most
-- p_limit, in order.  Events about a school the caller can no longer see
-- are passed over, never sent.  The last row is not an event (rec is
-- NULL): its id is where the next call starts, its what is 'more' when
-- the page was full, and watcher is the caller's user id, by which sccd
-- routes their later events.  With p_advance the cursor moves past the
-- page at once (WATCH on, whose answer carries it); otherwise sccd moves
-- it with api.events_seen once it has written the events, so events read
-- for a connection that went away meanwhile are not lost.
CREATE FUNCTION api.events_after(p_token bytea, p_after bigint, p_limit int,
    p_advance boolean)
    RETURNS SETOF scc.rec_event
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
DECLARE
	c	scc.caller := scc.caller(p_token);
	v_from	bigint;
	v_last	bigint;
	v_n	int;
BEGIN
	IF p_limit IS NULL OR p_limit NOT BETWEEN 1 AND 1000 THEN
		RAISE EXCEPTION USING ERRCODE = 'SC006', MESSAGE = 'limit';
	END IF;
	IF p_after IS NULL THEN
		SELECT ec.seen INTO v_from FROM scc.event_cursor ec
		WHERE ec.user_id = c.user_id;
	END IF;
	v_from := coalesce(p_after, v_from, 0);

	SELECT max(p.id), count(*) INTO v_last, v_n
	FROM (SELECT e.id FROM scc.event e
	    WHERE e.user_id = c.user_id AND e.id > v_from
	    ORDER BY e.id LIMIT p_limit) p;

	IF v_n > 0 THEN
		RETURN QUERY
		SELECT 'EVENT', e.id, e.what, e.case_id, e.school_id,
		    e.meeting_id, e.action_id, b.login, scc.wire_time(e.at),
		    NULL::bigint
		FROM scc.event e
		LEFT JOIN scc.app_user b ON b.id = e.by_id
		WHERE e.user_id = c.user_id AND e.id > v_from AND e.id <= v_last
		    AND (e.school_id IS NULL
			OR scc.sees_school(c, e.school_id, e.authority_id))
		ORDER BY e.id;
		IF p_advance THEN
			PERFORM scc.event_seen(c.user_id, v_last);
		END IF;
	END IF;
	RETURN NEXT ROW(NULL, coalesce(v_last, v_from),
	    CASE WHEN v_n = p_limit THEN 'more' END, NULL, NULL, NULL, NULL,
	    NULL, NULL, c.user_id)::scc.rec_event;
END
$$;

CREATE FUNCTION scc.event_seen(p_user bigint, p_upto bigint) RETURNS void
	LANGUAGE sql
	SET search_path = scc, pg_temp
BEGIN ATOMIC
	UPDATE scc.event_cursor ec SET seen = p_upto
	WHERE ec.user_id = p_user AND ec.seen < p_upto;
END;
REVOKE EXECUTE ON FUNCTION scc.event_seen(bigint, bigint) FROM PUBLIC;

-- The caller has been sent their events up to p_upto.
CREATE FUNCTION api.events_seen(p_token bytea, p_upto bigint) RETURNS void
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
DECLARE
	c	scc.caller := scc.caller(p_token);
BEGIN
	PERFORM scc.event_seen(c.user_id, least(p_upto,
	    (SELECT max(e.id) FROM scc.event e WHERE e.user_id = c.user_id)));
END
$$;

GRANT EXECUTE ON FUNCTION api.events_route(bigint[]),
    api.events_after(bytea, bigint, int, boolean),
    api.events_seen(bytea, bigint) TO scc_api;

-- sccd's listener connection calls this once each time it connects.
CREATE FUNCTION api.events_listen() RETURNS void
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
BEGIN
	LISTEN scc_event;
	LISTEN scc_session_end;
END
$$;
GRANT EXECUTE ON FUNCTION api.events_listen() TO scc_api;
