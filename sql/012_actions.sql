-- 012 actions agreed for a case: owner, due date, status, the RAG of their
-- progress and a log of every update; and the dashboard, which shows them
-- beside each school's level, risks and case.

CREATE TYPE scc.action_status AS ENUM ('open', 'in_progress', 'done',
    'dropped');

CREATE TABLE scc.action (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	authority_id	bigint NOT NULL,
	case_id		bigint NOT NULL,
	meeting_id	bigint REFERENCES scc.meeting (id),
	title		scc.label NOT NULL,
	detail		text,
	owner_id	bigint NOT NULL,
	due		date NOT NULL,
	status		scc.action_status NOT NULL DEFAULT 'open',
	progress	scc.rag,
	by_id		bigint NOT NULL,
	at		timestamptz NOT NULL DEFAULT now(),
	FOREIGN KEY (case_id, authority_id)
	    REFERENCES scc.school_case (id, authority_id),
	FOREIGN KEY (owner_id, authority_id)
	    REFERENCES scc.app_user (id, authority_id),
	FOREIGN KEY (by_id, authority_id)
	    REFERENCES scc.app_user (id, authority_id)
);
CREATE INDEX action_authority_idx ON scc.action (authority_id, id);
CREATE INDEX action_case_idx ON scc.action (case_id, id);
CREATE INDEX action_owner_idx ON scc.action (owner_id, id);

-- Every update, as the people who made it said it.
CREATE TABLE scc.action_update (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	action_id	bigint NOT NULL REFERENCES scc.action (id),
	by_id		bigint NOT NULL REFERENCES scc.app_user (id),
	at		timestamptz NOT NULL DEFAULT now(),
	status		scc.action_status,
	progress	scc.rag,
	note		text
);
CREATE INDEX action_update_action_idx ON scc.action_update (action_id, id);

CREATE TYPE scc.rec_action AS (rec text, id bigint, "case" bigint,
    school bigint, title text, owner text, due text, status text,
    progress text, overdue text, meeting bigint, detail text);

-- Past its due date and neither done nor dropped.
CREATE FUNCTION scc.action_overdue(p_due date, p_status scc.action_status)
    RETURNS boolean
	LANGUAGE sql STABLE
	RETURN p_due < current_date AND p_status IN ('open', 'in_progress');
REVOKE EXECUTE ON FUNCTION scc.action_overdue(date, scc.action_status)
    FROM PUBLIC;

CREATE FUNCTION scc.action_rows(p_ids bigint[]) RETURNS SETOF scc.rec_action
	LANGUAGE sql STABLE
	SET search_path = scc, pg_temp
BEGIN ATOMIC
	SELECT 'ACTION', a.id, a.case_id, k.school_id, a.title::text, u.login,
	    scc.wire_date(a.due), a.status::text, a.progress::text,
	    scc.yes(scc.action_overdue(a.due, a.status)), a.meeting_id,
	    a.detail
	FROM unnest(p_ids) WITH ORDINALITY AS i(id, ord)
	JOIN scc.action a ON a.id = i.id
	JOIN scc.school_case k ON k.id = a.case_id
	JOIN scc.app_user u ON u.id = a.owner_id
	ORDER BY i.ord;
END;
REVOKE EXECUTE ON FUNCTION scc.action_rows(bigint[]) FROM PUBLIC;

-- The default policy's lines for actions.
CREATE FUNCTION scc.can_assign_actions(c scc.caller) RETURNS boolean
	LANGUAGE sql IMMUTABLE
	RETURN c.role IN ('lead_officer', 'link_partner');
CREATE FUNCTION scc.can_report_progress(c scc.caller) RETURNS boolean
	LANGUAGE sql IMMUTABLE
	RETURN c.role IN ('lead_officer', 'link_partner', 'headteacher');
REVOKE EXECUTE ON FUNCTION scc.can_assign_actions(scc.caller),
    scc.can_report_progress(scc.caller) FROM PUBLIC;

CREATE FUNCTION scc.action_get(c scc.caller, p_action bigint,
    p_lock boolean DEFAULT false) RETURNS scc.action
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
DECLARE
	a	scc.action;
BEGIN
	IF p_lock THEN
		SELECT * INTO a FROM scc.action x WHERE x.id = p_action
		FOR UPDATE;
	ELSE
		SELECT * INTO a FROM scc.action x WHERE x.id = p_action;
	END IF;
	IF NOT FOUND OR NOT scc.sees_case(c, a.case_id) THEN
		PERFORM scc.raise_notfound('action');
	END IF;
	RETURN a;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.action_get(scc.caller, bigint, boolean)
    FROM PUBLIC;

-- An owner named by login: an active user of the authority.
CREATE FUNCTION scc.owner_arg(c scc.caller, p_login text) RETURNS bigint
	LANGUAGE plpgsql STABLE
	SET search_path = scc, pg_temp
AS $$
DECLARE
	v_id	bigint;
BEGIN
	SELECT u.id INTO v_id FROM scc.app_user u
	WHERE u.login = lower(p_login) AND u.authority_id = c.authority_id
	    AND NOT u.disabled;
	IF NOT FOUND THEN
		PERFORM scc.raise_invalid('owner', format('owner: %s is not an '
		    'active user of your authority', p_login));
	END IF;
	RETURN v_id;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.owner_arg(scc.caller, text) FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- ACTION ADD / LIST / UPDATE

CREATE FUNCTION api.action_add(p_token bytea, p_case bigint, p_title text,
    p_owner text, p_due date, p_detail text, p_meeting bigint)
    RETURNS SETOF scc.rec_action
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
DECLARE
	c	scc.caller := scc.caller(p_token);
	k	scc.school_case := scc.case_get(c, p_case, true);
	v_owner	bigint;
	a	scc.action;
BEGIN
	PERFORM scc.require(scc.can_assign_actions(c), 'add actions');
	PERFORM scc.check_label('title', p_title);
	v_owner := scc.owner_arg(c, p_owner);
	IF p_due IS NULL THEN
		PERFORM scc.raise_invalid('due', 'due: the date it is due');
	END IF;
	IF p_meeting IS NOT NULL AND NOT EXISTS (SELECT 1 FROM scc.meeting m
	    WHERE m.id = p_meeting AND m.case_id = k.id) THEN
		PERFORM scc.raise_invalid('meeting', 'meeting: not a meeting of '
		    'this case');
	END IF;
	IF k.stage = 'closed' THEN
		PERFORM scc.raise_conflict('the case is closed');
	END IF;
	INSERT INTO scc.action (authority_id, case_id, meeting_id, title,
	    detail, owner_id, due, by_id)
	VALUES (c.authority_id, k.id, p_meeting, p_title,
	    scc.arg_text('detail', p_detail, false), v_owner, p_due, c.user_id)
	RETURNING * INTO a;
	PERFORM scc.record_change(c, 'action.add', 'case:' || k.id, NULL,
	    jsonb_build_object('action', a.id, 'title', a.title, 'owner',
	    p_owner, 'due', a.due, 'meeting', a.meeting_id),
	    ARRAY[v_owner, k.lead_id]);
	RETURN QUERY SELECT * FROM scc.action_rows(ARRAY[a.id]);
END
$$;

CREATE FUNCTION api.action_list(p_token bytea, p_case bigint, p_school bigint,
    p_mine text, p_status text, p_overdue text, p_limit bigint,
    p_after bigint) RETURNS SETOF scc.rec_action
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
DECLARE
	c	  scc.caller := scc.caller(p_token);
	v_limit	  int := scc.page_limit(p_limit);
	v_status  scc.action_status;
	v_mine	  boolean := false;
	v_overdue boolean := false;
BEGIN
	IF p_case IS NOT NULL THEN
		PERFORM scc.case_get(c, p_case);
	END IF;
	IF p_school IS NOT NULL THEN
		PERFORM scc.school_get(c, p_school);
	END IF;
	IF p_status IS NOT NULL THEN
		v_status := scc.arg_enum('status', p_status,
		    NULL::scc.action_status);
	END IF;
	IF p_mine IS NOT NULL THEN
		v_mine := scc.arg_yes('mine', p_mine);
	END IF;
	IF p_overdue IS NOT NULL THEN
		v_overdue := scc.arg_yes('overdue', p_overdue);
	END IF;
	RETURN QUERY
	SELECT * FROM scc.action_rows(ARRAY(SELECT a.id FROM scc.action a
	    JOIN scc.school_case k ON k.id = a.case_id
	    WHERE a.authority_id = c.authority_id
		AND scc.sees_school(c, k.school_id, k.authority_id)
		AND (p_case IS NULL OR a.case_id = p_case)
		AND (p_school IS NULL OR k.school_id = p_school)
		AND (NOT v_mine OR a.owner_id = c.user_id)
		AND (v_status IS NULL OR a.status = v_status)
		AND (NOT v_overdue OR scc.action_overdue(a.due, a.status))
		AND a.id > coalesce(p_after, 0)
	    ORDER BY a.id LIMIT v_limit));
END
$$;

-- Progress (status, RAG, a note) is the school's to report as well as the
-- officers'; who owns an action and when it is due are the officers'.
CREATE FUNCTION api.action_update(p_token bytea, p_action bigint,
    p_status text, p_progress text, p_note text, p_owner text, p_due date)
    RETURNS SETOF scc.rec_action
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
DECLARE
	c	  scc.caller := scc.caller(p_token);
	a	  scc.action := scc.action_get(c, p_action, true);
	v_new	  scc.action;
	v_status  scc.action_status;
	v_rag	  scc.rag;
	v_note	  text;
	v_owner	  bigint;
BEGIN
	PERFORM scc.require(scc.can_report_progress(c),
	    'update actions');
	IF (p_owner IS NOT NULL OR p_due IS NOT NULL) THEN
		PERFORM scc.require(scc.can_assign_actions(c),
		    'change who owns an action or when it is due');
	END IF;
	IF p_status IS NULL AND p_progress IS NULL AND p_note IS NULL
	    AND p_owner IS NULL AND p_due IS NULL THEN
		PERFORM scc.raise_invalid('status', 'status, progress, note, '
		    'owner or due: what changed');
	END IF;
	IF p_status IS NOT NULL THEN
		v_status := scc.arg_enum('status', p_status,
		    NULL::scc.action_status);
	END IF;
	IF p_progress IS NOT NULL THEN
		v_rag := scc.arg_enum('progress', p_progress, NULL::scc.rag);
	END IF;
	v_note := scc.arg_text('note', p_note, false);
	IF p_owner IS NOT NULL THEN
		v_owner := scc.owner_arg(c, p_owner);
	END IF;
	UPDATE scc.action x SET status = coalesce(v_status, x.status),
	    progress = coalesce(v_rag, x.progress),
	    owner_id = coalesce(v_owner, x.owner_id),
	    due = coalesce(p_due, x.due)
	WHERE x.id = a.id RETURNING * INTO v_new;
	INSERT INTO scc.action_update (action_id, by_id, status, progress, note)
	VALUES (a.id, c.user_id, v_status, v_rag, v_note);
	PERFORM scc.record_change(c, 'action.update', 'case:' || a.case_id,
	    jsonb_build_object('action', a.id, 'status', a.status, 'progress',
	    a.progress, 'owner', a.owner_id, 'due', a.due),
	    jsonb_build_object('action', a.id, 'status', v_new.status,
	    'progress', v_new.progress, 'owner', v_new.owner_id, 'due',
	    v_new.due, 'note', v_note),
	    ARRAY[v_new.owner_id, a.owner_id, a.by_id]);
	RETURN QUERY SELECT * FROM scc.action_rows(ARRAY[a.id]);
END
$$;

REVOKE EXECUTE ON FUNCTION
    api.action_add(bytea, bigint, text, text, date, text, bigint),
    api.action_list(bytea, bigint, bigint, text, text, text, bigint, bigint),
    api.action_update(bytea, bigint, text, text, text, text, date)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    api.action_add(bytea, bigint, text, text, date, text, bigint),
    api.action_list(bytea, bigint, bigint, text, text, text, bigint, bigint),
    api.action_update(bytea, bigint, text, text, text, text, date)
    TO scc_api;

-- ---------------------------------------------------------------------------
-- DASHBOARD: a line per visible school, by id: its level, risks, shared
-- concern, case and dates, overdue actions and next meeting.
CREATE TYPE scc.rec_dashboard AS (rec text, id bigint, urn text, name text,
    level text, risks int, alerts int, shared_concern text, "case" bigint,
    stage text, review_due text, overdue text, overdue_actions int,
    next_meeting text);

CREATE FUNCTION api.dashboard(p_token bytea, p_limit bigint, p_after bigint)
    RETURNS SETOF scc.rec_dashboard
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
DECLARE
	c	scc.caller := scc.caller(p_token);
	v_limit	int := scc.page_limit(p_limit);
	v_term	text := scc.term_current();
BEGIN
	RETURN QUERY
	SELECT 'SCHOOL'::text, s.id, s.urn, s.name::text, s.level::text,
	    rk.n::int, al.n::int,
	    scc.yes(scc.is_shared_concern(rk.n, al.areas)), k.id, k.stage::text,
	    scc.wire_date(d.review_due), scc.yes(d.overdue), ac.n::int,
	    scc.wire_time(nm.at)
	FROM (SELECT x.* FROM scc.school x
	    WHERE x.authority_id = c.authority_id
		AND scc.sees_school(c, x.id, x.authority_id)
		AND x.id > coalesce(p_after, 0)
	    ORDER BY x.id LIMIT v_limit) s
	CROSS JOIN LATERAL (SELECT count(*) AS n FROM scc.risk r
	    WHERE r.school_id = s.id AND r.term = v_term
	    AND r.rating <> 'green') rk
	CROSS JOIN LATERAL (SELECT count(*) AS n, count(DISTINCT a.area) AS areas
	    FROM scc.alert a WHERE a.school_id = s.id AND a.status = 'open') al
	LEFT JOIN scc.school_case k ON k.school_id = s.id AND k.stage <> 'closed'
	LEFT JOIN scc.programme p ON p.id = k.programme_id
	-- dates only where there is a case: the filter keeps the call from
	-- being made at all for the others
	LEFT JOIN LATERAL (SELECT * FROM scc.case_dates(k, p)
	    WHERE k.id IS NOT NULL) d ON true
	LEFT JOIN LATERAL (SELECT count(*) AS n FROM scc.action a
	    WHERE a.case_id = k.id
	    AND scc.action_overdue(a.due, a.status)) ac ON true
	LEFT JOIN LATERAL (SELECT min(m.at) AS at FROM scc.meeting m
	    WHERE m.case_id = k.id AND m.status = 'scheduled'
	    AND m.at >= now()) nm ON true
	ORDER BY s.id;
END
$$;
REVOKE EXECUTE ON FUNCTION api.dashboard(bytea, bigint, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.dashboard(bytea, bigint, bigint) TO scc_api;

-- The demo authority's actions (`sccd init --demo`): Oakfield's agreed at
-- its engagement meeting, one already late; St Mary's under way.
CREATE FUNCTION admin.demo_actions(p_authority text) RETURNS void
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
DECLARE
	v_authority	bigint := scc.authority_by_name(p_authority);
	v_token		bytea := sha256(convert_to(gen_random_uuid()::text,
			    'UTF8'));
	v_oakfield	bigint := scc.demo_case(v_authority, '100101');
	v_meeting	bigint;
	v_action	bigint;
BEGIN
	INSERT INTO scc.session (token_hash, user_id, idle_seconds, expires_at)
	SELECT v_token, u.id, 600, now() + interval '10 minutes'
	FROM scc.app_user u
	WHERE u.authority_id = v_authority AND u.role = 'lead_officer'
	ORDER BY u.id LIMIT 1;
	SELECT m.id INTO v_meeting FROM scc.meeting m
	WHERE m.case_id = v_oakfield AND m.status = 'held';

	PERFORM api.action_add(v_token, v_oakfield,
	    'Publish the reading recovery plan', 'head.oakfield',
	    (current_date + 12), 'Phonics first, Year 2 and Year 3',
	    v_meeting);
	v_action := (SELECT a.id FROM api.action_add(v_token, v_oakfield,
	    'Send the governors'' skills audit', 'chair.oakfield',
	    (current_date - 3), NULL, v_meeting) a);
	PERFORM api.action_add(v_token, v_oakfield,
	    'Arrange maths moderation with the cluster', 'link.partner',
	    (current_date + 30), NULL, v_meeting);
	v_action := (SELECT a.id FROM api.action_add(v_token,
	    scc.demo_case(v_authority, '100107'),
	    'Put the maths intervention groups in place', 'admin',
	    (current_date + 20), NULL, NULL) a);
	PERFORM api.action_update(v_token, v_action, 'in_progress', 'amber',
	    'Two of three groups running', NULL, NULL);

	DELETE FROM scc.session WHERE token_hash = v_token;
END
$$;
REVOKE EXECUTE ON FUNCTION admin.demo_actions(text) FROM PUBLIC;
