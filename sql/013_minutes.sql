-- 013 the minutes of a meeting: versions with optimistic concurrency, and
-- the chain that takes them from the minute taker through the chair to the
-- school's headteacher, who confirms them, after which they never change.
--
--   draft --submit--> with_chair --approve--> with_headteacher --confirm-->
--   confirmed --circulate--> circulated; return (with a comment) goes back
--   to draft from with_chair (the chair) or with_headteacher (the head).
--   The chair of governors may acknowledge confirmed minutes.

CREATE TYPE scc.minutes_state AS ENUM ('draft', 'with_chair',
    'with_headteacher', 'confirmed', 'circulated');

CREATE TABLE scc.minutes (
	meeting_id	bigint PRIMARY KEY REFERENCES scc.meeting (id),
	authority_id	bigint NOT NULL REFERENCES scc.authority (id),
	state		scc.minutes_state NOT NULL DEFAULT 'draft',
	version		int NOT NULL CHECK (version >= 1),
	hash		bytea CHECK (octet_length(hash) = 32),
	CHECK ((state IN ('confirmed', 'circulated')) = (hash IS NOT NULL))
);

-- Every version kept, so nothing drafted is ever lost.
CREATE TABLE scc.minutes_version (
	meeting_id	bigint NOT NULL REFERENCES scc.minutes (meeting_id),
	version		int NOT NULL,
	text		text NOT NULL,
	by_id		bigint NOT NULL REFERENCES scc.app_user (id),
	at		timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (meeting_id, version)
);

CREATE TABLE scc.minutes_step (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	meeting_id	bigint NOT NULL REFERENCES scc.minutes (meeting_id),
	step		text NOT NULL CHECK (step IN ('draft', 'submit',
			    'approve', 'return', 'confirm', 'acknowledge',
			    'circulate')),
	from_state	scc.minutes_state,
	to_state	scc.minutes_state NOT NULL,
	version		int NOT NULL,
	comment		text,
	by_id		bigint NOT NULL REFERENCES scc.app_user (id),
	at		timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX minutes_step_meeting_idx ON scc.minutes_step (meeting_id, id);

-- Confirmed minutes never change: not through the api, and not by a slip
-- in a later migration either.
CREATE FUNCTION scc.minutes_version_frozen() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
BEGIN
	RAISE EXCEPTION USING ERRCODE = 'SC007',
	    MESSAGE = 'a version of the minutes never changes';
END
$$;
REVOKE EXECUTE ON FUNCTION scc.minutes_version_frozen() FROM PUBLIC;
CREATE TRIGGER minutes_version_frozen
	BEFORE UPDATE OR DELETE ON scc.minutes_version
	FOR EACH ROW EXECUTE FUNCTION scc.minutes_version_frozen();

CREATE TYPE scc.rec_minutes AS (rec text, meeting bigint, version int,
    state text, "by" text, "at" text, hash text, text text);

-- The MINUTES record of each meeting given: its latest version.
CREATE FUNCTION scc.minutes_rows(p_ids bigint[]) RETURNS SETOF scc.rec_minutes
	LANGUAGE sql STABLE
	SET search_path = scc, pg_temp
BEGIN ATOMIC
	SELECT 'MINUTES', n.meeting_id, n.version, n.state::text, u.login,
	    scc.wire_time(v.at), encode(n.hash, 'hex'), v.text
	FROM unnest(p_ids) WITH ORDINALITY AS i(id, ord)
	JOIN scc.minutes n ON n.meeting_id = i.id
	JOIN scc.minutes_version v ON v.meeting_id = n.meeting_id
	    AND v.version = n.version
	JOIN scc.app_user u ON u.id = v.by_id
	ORDER BY i.ord;
END;
REVOKE EXECUTE ON FUNCTION scc.minutes_rows(bigint[]) FROM PUBLIC;

-- The school's headteachers and governors, for the steps that are theirs.
CREATE FUNCTION scc.school_people(p_school bigint, p_role text)
    RETURNS bigint[]
	LANGUAGE sql STABLE
	SET search_path = scc, pg_temp
	RETURN ARRAY(SELECT u.id FROM scc.app_user u
	    WHERE u.school_id = p_school AND u.role = p_role AND NOT u.disabled);
REVOKE EXECUTE ON FUNCTION scc.school_people(bigint, text) FROM PUBLIC;

-- The minutes of a meeting the caller can see, or NOTFOUND.  The school
-- sees them once the chair has passed them on.
CREATE FUNCTION scc.minutes_get(c scc.caller, m scc.meeting,
    p_lock boolean) RETURNS scc.minutes
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
DECLARE
	n	scc.minutes;
BEGIN
	IF p_lock THEN
		SELECT * INTO n FROM scc.minutes x WHERE x.meeting_id = m.id
		FOR UPDATE;
	ELSE
		SELECT * INTO n FROM scc.minutes x WHERE x.meeting_id = m.id;
	END IF;
	IF NOT FOUND OR (c.role IN ('headteacher', 'governor')
	    AND n.state IN ('draft', 'with_chair')) THEN
		PERFORM scc.raise_notfound('minutes');
	END IF;
	RETURN n;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.minutes_get(scc.caller, scc.meeting, boolean)
    FROM PUBLIC;

-- One step of the chain: checks who and from which state, moves, logs,
-- audits and tells the next person.  p_allowed says whether the caller
-- holds the part the step needs (FORBIDDEN otherwise); a step from any
-- other state is CONFLICT.
CREATE FUNCTION scc.minutes_step_take(c scc.caller, m scc.meeting,
    p_step text, p_allowed boolean, p_what text, p_from scc.minutes_state[],
    p_to scc.minutes_state, p_comment text, p_notify bigint[])
    RETURNS void
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
DECLARE
	n	scc.minutes := scc.minutes_get(c, m, true);
	v_from	scc.minutes_state := n.state;
BEGIN
	PERFORM scc.require(p_allowed, p_what);
	IF NOT (v_from = ANY (p_from)) THEN
		PERFORM scc.raise_conflict(format('the minutes are %s: they '
		    'cannot be %s now', replace(v_from::text, '_', ' '),
		    replace(p_step, '_', ' ') || CASE p_step WHEN 'submit'
		    THEN 'ted' WHEN 'return' THEN 'ed' ELSE 'd' END));
	END IF;
	IF p_to IS DISTINCT FROM v_from THEN
		UPDATE scc.minutes x SET state = p_to,
		    hash = CASE WHEN p_to = 'confirmed' THEN
			sha256(convert_to(v.text, 'UTF8')) ELSE x.hash END
		FROM scc.minutes_version v
		WHERE x.meeting_id = n.meeting_id AND v.meeting_id = x.meeting_id
		    AND v.version = x.version
		RETURNING x.* INTO n;
	END IF;
	INSERT INTO scc.minutes_step (meeting_id, step, from_state, to_state,
	    version, comment, by_id)
	VALUES (n.meeting_id, p_step, v_from, p_to, n.version, p_comment,
	    c.user_id);
	PERFORM scc.record_change(c, 'minutes.' || p_step, 'case:' || m.case_id,
	    jsonb_build_object('meeting', m.id, 'state', v_from),
	    jsonb_build_object('meeting', m.id, 'state', p_to, 'comment',
	    p_comment, 'hash', encode(n.hash, 'hex')), p_notify);
END
$$;
REVOKE EXECUTE ON FUNCTION scc.minutes_step_take(scc.caller, scc.meeting,
    text, boolean, text, scc.minutes_state[], scc.minutes_state, text,
    bigint[]) FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- MINUTES SHOW / DRAFT / SUBMIT / APPROVE / RETURN / CONFIRM /
-- ACKNOWLEDGE / CIRCULATE

CREATE FUNCTION api.minutes_show(p_token bytea, p_meeting bigint)
    RETURNS TABLE (rec text, meeting bigint, version int, state text,
    "by" text, "at" text, hash text, text text, step text, "from" text,
    "to" text, comment text)
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
#variable_conflict use_column
DECLARE
	c	scc.caller := scc.caller(p_token);
	m	scc.meeting := scc.meeting_get(c, p_meeting);
BEGIN
	PERFORM scc.minutes_get(c, m, false);
	RETURN QUERY
	SELECT r.rec, r.meeting, r.version, r.state, r."by", r."at", r.hash,
	    r.text, NULL, NULL, NULL, NULL
	FROM scc.minutes_rows(ARRAY[m.id]) r;
	RETURN QUERY
	SELECT 'STEP'::text, s.meeting_id, s.version, NULL, u.login,
	    scc.wire_time(s.at), NULL, NULL, s.step, s.from_state::text,
	    s.to_state::text, s.comment
	FROM scc.minutes_step s JOIN scc.app_user u ON u.id = s.by_id
	WHERE s.meeting_id = m.id ORDER BY s.id;
END
$$;

-- A draft names the version it edits (0 for the first): a stale one is
-- CONFLICT and the text sent is not lost, only not stored.
CREATE FUNCTION api.minutes_draft(p_token bytea, p_meeting bigint,
    p_text text, p_version bigint) RETURNS SETOF scc.rec_minutes
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
DECLARE
	c	scc.caller := scc.caller(p_token);
	m	scc.meeting := scc.meeting_get(c, p_meeting, true);
	n	scc.minutes;
	v_text	text;
BEGIN
	PERFORM scc.require(c.role = 'lead_officer'
	    OR (c.role = 'link_partner' AND m.taker_id = c.user_id),
	    'draft these minutes (the minute taker does)');
	v_text := scc.arg_text('text', p_text);
	IF p_version IS NULL OR p_version < 0 THEN
		PERFORM scc.raise_invalid('version', 'version: the version this '
		    'draft edits, 0 for the first');
	END IF;
	IF m.status <> 'held' THEN
		PERFORM scc.raise_conflict(format('the meeting is %s: minutes '
		    'follow a meeting held', m.status));
	END IF;
	SELECT * INTO n FROM scc.minutes x WHERE x.meeting_id = m.id FOR UPDATE;
	IF coalesce(n.version, 0) <> p_version THEN
		PERFORM scc.raise_conflict(format('version %s is not the latest: '
		    'the minutes are at version %s', p_version,
		    coalesce(n.version, 0)), coalesce(n.version, 0)::text);
	END IF;
	IF n.state IS NOT NULL AND n.state <> 'draft' THEN
		PERFORM scc.raise_conflict(format('the minutes are %s: only a '
		    'draft can be edited', replace(n.state::text, '_', ' ')));
	END IF;
	IF n.meeting_id IS NULL THEN
		INSERT INTO scc.minutes (meeting_id, authority_id, version)
		VALUES (m.id, c.authority_id, 1) RETURNING * INTO n;
	ELSE
		UPDATE scc.minutes x SET version = x.version + 1
		WHERE x.meeting_id = m.id RETURNING * INTO n;
	END IF;
	INSERT INTO scc.minutes_version (meeting_id, version, text, by_id)
	VALUES (m.id, n.version, v_text, c.user_id);
	INSERT INTO scc.minutes_step (meeting_id, step, from_state, to_state,
	    version, by_id)
	VALUES (m.id, 'draft', 'draft', 'draft', n.version, c.user_id);
	PERFORM scc.record_change(c, 'minutes.draft', 'case:' || m.case_id,
	    jsonb_build_object('meeting', m.id, 'version', p_version),
	    jsonb_build_object('meeting', m.id, 'version', n.version));
	RETURN QUERY SELECT * FROM scc.minutes_rows(ARRAY[m.id]);
END
$$;

CREATE FUNCTION api.minutes_submit(p_token bytea, p_meeting bigint)
    RETURNS SETOF scc.rec_minutes
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
DECLARE
	c	scc.caller := scc.caller(p_token);
	m	scc.meeting := scc.meeting_get(c, p_meeting, true);
BEGIN
	PERFORM scc.minutes_step_take(c, m, 'submit',
	    c.role = 'lead_officer' OR (c.role = 'link_partner'
	    AND m.taker_id = c.user_id),
	    'submit these minutes (the minute taker does)',
	    '{draft}', 'with_chair', NULL, ARRAY[m.chair_id]);
	RETURN QUERY SELECT * FROM scc.minutes_rows(ARRAY[m.id]);
END
$$;

CREATE FUNCTION api.minutes_approve(p_token bytea, p_meeting bigint)
    RETURNS SETOF scc.rec_minutes
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
DECLARE
	c	scc.caller := scc.caller(p_token);
	m	scc.meeting := scc.meeting_get(c, p_meeting, true);
	k	scc.school_case := scc.case_get(c, m.case_id);
BEGIN
	PERFORM scc.minutes_step_take(c, m, 'approve',
	    m.chair_id = c.user_id, 'approve these minutes (the chair does)',
	    '{with_chair}', 'with_headteacher', NULL,
	    scc.school_people(k.school_id, 'headteacher') || m.taker_id);
	RETURN QUERY SELECT * FROM scc.minutes_rows(ARRAY[m.id]);
END
$$;

-- The chair returns what is with the chair; the headteacher what is with
-- the headteacher.  The comment says why.
CREATE FUNCTION api.minutes_return(p_token bytea, p_meeting bigint,
    p_comment text) RETURNS SETOF scc.rec_minutes
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
DECLARE
	c	scc.caller := scc.caller(p_token);
	m	scc.meeting := scc.meeting_get(c, p_meeting, true);
	k	scc.school_case := scc.case_get(c, m.case_id);
	n	scc.minutes := scc.minutes_get(c, m, false);
	v_why	text;
BEGIN
	PERFORM scc.require(m.chair_id = c.user_id OR (c.role = 'headteacher'
	    AND c.school_id = k.school_id), 'return these minutes (the chair '
	    'or the school''s headteacher does)');
	v_why := scc.arg_text('comment', p_comment);
	PERFORM scc.minutes_step_take(c, m, 'return', true, NULL,
	    CASE WHEN c.role = 'headteacher' THEN '{with_headteacher}'
	    ELSE '{with_chair}' END::scc.minutes_state[], 'draft', v_why,
	    ARRAY[m.taker_id, m.chair_id]);
	RETURN QUERY SELECT * FROM scc.minutes_rows(ARRAY[m.id]);
END
$$;

CREATE FUNCTION api.minutes_confirm(p_token bytea, p_meeting bigint)
    RETURNS SETOF scc.rec_minutes
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
DECLARE
	c	scc.caller := scc.caller(p_token);
	m	scc.meeting := scc.meeting_get(c, p_meeting, true);
	k	scc.school_case := scc.case_get(c, m.case_id);
BEGIN
	PERFORM scc.minutes_step_take(c, m, 'confirm',
	    c.role = 'headteacher' AND c.school_id = k.school_id,
	    'confirm minutes (the school''s headteacher does)',
	    '{with_headteacher}', 'confirmed', NULL,
	    ARRAY[m.chair_id, m.taker_id, k.lead_id]
	    || scc.school_people(k.school_id, 'governor'));
	RETURN QUERY SELECT * FROM scc.minutes_rows(ARRAY[m.id]);
END
$$;

CREATE FUNCTION api.minutes_acknowledge(p_token bytea, p_meeting bigint)
    RETURNS SETOF scc.rec_minutes
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
DECLARE
	c	scc.caller := scc.caller(p_token);
	m	scc.meeting := scc.meeting_get(c, p_meeting, true);
	k	scc.school_case := scc.case_get(c, m.case_id);
	n	scc.minutes := scc.minutes_get(c, m, false);
BEGIN
	PERFORM scc.require(c.role = 'governor' AND c.school_id = k.school_id,
	    'acknowledge minutes (the chair of governors does)');
	IF EXISTS (SELECT 1 FROM scc.minutes_step s WHERE s.meeting_id = m.id
	    AND s.step = 'acknowledge' AND s.by_id = c.user_id) THEN
		PERFORM scc.raise_conflict('you have acknowledged these minutes');
	END IF;
	PERFORM scc.minutes_step_take(c, m, 'acknowledge', true, NULL,
	    '{confirmed,circulated}', n.state, NULL, ARRAY[m.chair_id]);
	RETURN QUERY SELECT * FROM scc.minutes_rows(ARRAY[m.id]);
END
$$;

CREATE FUNCTION api.minutes_circulate(p_token bytea, p_meeting bigint)
    RETURNS SETOF scc.rec_minutes
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
DECLARE
	c	scc.caller := scc.caller(p_token);
	m	scc.meeting := scc.meeting_get(c, p_meeting, true);
	k	scc.school_case := scc.case_get(c, m.case_id);
BEGIN
	PERFORM scc.minutes_step_take(c, m, 'circulate',
	    c.role = 'lead_officer', 'circulate minutes',
	    '{confirmed}', 'circulated', NULL, scc.meeting_people(m, k)
	    || scc.school_people(k.school_id, 'governor'));
	RETURN QUERY SELECT * FROM scc.minutes_rows(ARRAY[m.id]);
END
$$;

-- The minutes clock stops once the minutes are submitted.
CREATE OR REPLACE FUNCTION api.deadlines(p_token bytea, p_days bigint,
    p_limit bigint, p_after bigint) RETURNS SETOF scc.rec_deadline
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
	    LEFT JOIN scc.minutes n ON n.meeting_id = m.id
	    WHERE d.owner_id = c.user_id
		AND m.status = CASE WHEN d.what = 'minutes' THEN 'held'
		    ELSE 'scheduled' END::scc.meeting_status
		AND NOT (d.what = 'minutes' AND n.state IS NOT NULL
		    AND n.state <> 'draft')
		AND d.due <= current_date + coalesce(p_days, 14)::int
		AND d.id > coalesce(p_after, 0)
	    ORDER BY d.id LIMIT v_limit));
END
$$;

REVOKE EXECUTE ON FUNCTION api.minutes_show(bytea, bigint),
    api.minutes_draft(bytea, bigint, text, bigint),
    api.minutes_submit(bytea, bigint), api.minutes_approve(bytea, bigint),
    api.minutes_return(bytea, bigint, text),
    api.minutes_confirm(bytea, bigint),
    api.minutes_acknowledge(bytea, bigint),
    api.minutes_circulate(bytea, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.minutes_show(bytea, bigint),
    api.minutes_draft(bytea, bigint, text, bigint),
    api.minutes_submit(bytea, bigint), api.minutes_approve(bytea, bigint),
    api.minutes_return(bytea, bigint, text),
    api.minutes_confirm(bytea, bigint),
    api.minutes_acknowledge(bytea, bigint),
    api.minutes_circulate(bytea, bigint) TO scc_api;
