-- 019 notes of visit: what a link partner writes after visiting a school
-- assigned to them, quality-assured by a lead officer before the school
-- sees it, and answered by the school's headteacher.
--
--   submitted --assure--> quality_assured (the headteacher answers, once)
--       ^  |
--       |  '--return (with a comment)--> returned
--       '------- submitted again by its author (a new version) ----'
--
-- The statuses are those of the domain model (submitted, quality_assured,
-- returned).  The headteacher's answer is recorded on the note (response,
-- by, at, comment), not as a status of its own: the note stays
-- quality_assured, and a second answer is CONFLICT.
--
-- Who may do what follows the policy table of the domain model:
--   submit: a link partner, on a school assigned to them; nobody else,
--     whatever the arguments name (FORBIDDEN before NOTFOUND);
--   read: a lead officer every note of the authority; a link partner the
--     notes they wrote (not others' notes of their schools); the school's
--     headteacher its notes once quality-assured (before that NOTFOUND);
--     a governor none (FORBIDDEN whatever the arguments name);
--   quality-assure: a lead officer only;
--   respond: the school's headteacher only.
-- A returned note is sent again by its author with VISIT SUBMIT visit=,
-- which keeps its id and adds a version: every version's text is kept.

CREATE TYPE scc.visit_status AS ENUM ('submitted', 'quality_assured',
    'returned');
CREATE TYPE scc.visit_response AS ENUM ('accurate', 'inaccurate');

-- A note's case is a case of the note's school.
ALTER TABLE scc.school_case ADD CONSTRAINT school_case_id_school_key
    UNIQUE (id, school_id);

CREATE TABLE scc.visit (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	authority_id	bigint NOT NULL,
	school_id	bigint NOT NULL,
	case_id		bigint,
	author_id	bigint NOT NULL,
	visit_date	date NOT NULL,
	status		scc.visit_status NOT NULL DEFAULT 'submitted',
	version		int NOT NULL DEFAULT 1 CHECK (version >= 1),
	submitted_at	timestamptz NOT NULL DEFAULT now(),
	-- the latest quality assurance of the version submitted
	qa_by		bigint,
	qa_at		timestamptz,
	qa_comment	text,
	-- the headteacher's answer
	response	scc.visit_response,
	response_by	bigint,
	response_at	timestamptz,
	response_comment text,
	FOREIGN KEY (school_id, authority_id)
	    REFERENCES scc.school (id, authority_id),
	FOREIGN KEY (case_id, school_id)
	    REFERENCES scc.school_case (id, school_id),
	FOREIGN KEY (author_id, authority_id)
	    REFERENCES scc.app_user (id, authority_id),
	FOREIGN KEY (qa_by, authority_id)
	    REFERENCES scc.app_user (id, authority_id),
	FOREIGN KEY (response_by, authority_id)
	    REFERENCES scc.app_user (id, authority_id),
	CHECK ((qa_by IS NULL) = (qa_at IS NULL)),
	CHECK ((status = 'submitted') = (qa_by IS NULL)),
	CHECK (status <> 'returned' OR qa_comment IS NOT NULL),
	-- the school answers only a quality-assured note
	CHECK (response IS NULL OR status = 'quality_assured'),
	CHECK ((response IS NULL) = (response_by IS NULL)
	    AND (response IS NULL) = (response_at IS NULL)),
	CHECK (response IS NOT NULL OR response_comment IS NULL),
	CHECK (response IS DISTINCT FROM 'inaccurate'
	    OR response_comment IS NOT NULL)
);
CREATE INDEX visit_authority_idx ON scc.visit (authority_id, id);
CREATE INDEX visit_school_idx ON scc.visit (school_id, id);
CREATE INDEX visit_author_idx ON scc.visit (author_id, id);

-- Every version's text, as its author sent it.
CREATE TABLE scc.visit_version (
	visit_id	bigint NOT NULL REFERENCES scc.visit (id),
	version		int NOT NULL,
	text		text NOT NULL,
	by_id		bigint NOT NULL REFERENCES scc.app_user (id),
	at		timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (visit_id, version)
);

-- A version sent never changes, like a version of the minutes.
CREATE FUNCTION scc.visit_version_frozen() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
BEGIN
	RAISE EXCEPTION USING ERRCODE = 'SC007',
	    MESSAGE = 'a version of a note of visit never changes';
END
$$;
REVOKE EXECUTE ON FUNCTION scc.visit_version_frozen() FROM PUBLIC;
CREATE TRIGGER visit_version_frozen
	BEFORE UPDATE OR DELETE ON scc.visit_version
	FOR EACH ROW EXECUTE FUNCTION scc.visit_version_frozen();

-- Every step: who, when, from which status to which, with the comment
-- (a return's reason, an assurance's remark, an inaccuracy's detail).  The
-- headteacher's respond step leaves the status as it was (quality_assured
-- to quality_assured) and carries the response.
CREATE TABLE scc.visit_step (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	visit_id	bigint NOT NULL REFERENCES scc.visit (id),
	step		text NOT NULL CHECK (step IN ('submit', 'assure',
			    'return', 'respond')),
	from_status	scc.visit_status,
	to_status	scc.visit_status NOT NULL,
	version		int NOT NULL,
	response	scc.visit_response,
	comment		text,
	by_id		bigint NOT NULL REFERENCES scc.app_user (id),
	at		timestamptz NOT NULL DEFAULT now(),
	CHECK ((step = 'respond') = (response IS NOT NULL))
);
CREATE INDEX visit_step_visit_idx ON scc.visit_step (visit_id, id);

-- ---------------------------------------------------------------------------
-- Records.

-- by/at: the author and when the latest version was sent; text only in
-- VISIT SHOW.
CREATE TYPE scc.rec_visit AS (rec text, id bigint, school bigint,
    "case" bigint, date text, "by" text, "at" text, status text,
    version int, qa_by text, qa_at text, qa_comment text, response text,
    response_by text, response_at text, response_comment text, text text);

CREATE FUNCTION scc.visit_rows(p_ids bigint[], p_text boolean DEFAULT false)
    RETURNS SETOF scc.rec_visit
	LANGUAGE sql STABLE
	SET search_path = scc, pg_temp
BEGIN ATOMIC
	SELECT 'VISIT', v.id, v.school_id, v.case_id, scc.wire_date(v.visit_date),
	    a.login, scc.wire_time(v.submitted_at), v.status::text, v.version,
	    q.login, scc.wire_time(v.qa_at), v.qa_comment, v.response::text,
	    r.login, scc.wire_time(v.response_at), v.response_comment,
	    CASE WHEN p_text THEN t.text END
	FROM unnest(p_ids) WITH ORDINALITY AS i(id, ord)
	JOIN scc.visit v ON v.id = i.id
	JOIN scc.app_user a ON a.id = v.author_id
	LEFT JOIN scc.app_user q ON q.id = v.qa_by
	LEFT JOIN scc.app_user r ON r.id = v.response_by
	LEFT JOIN scc.visit_version t ON t.visit_id = v.id
	    AND t.version = v.version AND p_text
	ORDER BY i.ord;
END;
REVOKE EXECUTE ON FUNCTION scc.visit_rows(bigint[], boolean) FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- Rules and helpers.

-- Which roles may ever use each command: any other role is FORBIDDEN
-- whatever the arguments name, before anything is looked up.
CREATE FUNCTION scc.can_submit_visits(c scc.caller) RETURNS boolean
	LANGUAGE sql IMMUTABLE
	RETURN c.role = 'link_partner';
CREATE FUNCTION scc.can_read_visits(c scc.caller) RETURNS boolean
	LANGUAGE sql IMMUTABLE
	RETURN c.role IN ('lead_officer', 'link_partner', 'headteacher');
CREATE FUNCTION scc.can_assure_visits(c scc.caller) RETURNS boolean
	LANGUAGE sql IMMUTABLE
	RETURN c.role = 'lead_officer';
CREATE FUNCTION scc.can_respond_visits(c scc.caller) RETURNS boolean
	LANGUAGE sql IMMUTABLE
	RETURN c.role = 'headteacher';
REVOKE EXECUTE ON FUNCTION scc.can_submit_visits(scc.caller),
    scc.can_read_visits(scc.caller), scc.can_assure_visits(scc.caller),
    scc.can_respond_visits(scc.caller) FROM PUBLIC;

-- May the caller read this note?  Its authority's lead officers all; a
-- link partner the notes they wrote (even of a school no longer assigned
-- to them), not others' notes of their schools; the school's headteacher
-- once the note is quality-assured; a governor none.
CREATE FUNCTION scc.sees_visit(c scc.caller, v scc.visit) RETURNS boolean
	LANGUAGE sql STABLE
	SET search_path = scc, pg_temp
	RETURN v.authority_id = c.authority_id AND CASE c.role
	    WHEN 'lead_officer' THEN true
	    WHEN 'link_partner' THEN v.author_id = c.user_id
	    WHEN 'headteacher' THEN v.school_id = c.school_id
		AND v.status = 'quality_assured'
	    ELSE false END;
REVOKE EXECUTE ON FUNCTION scc.sees_visit(scc.caller, scc.visit) FROM PUBLIC;

-- A note the caller may read, or NOTFOUND.
CREATE FUNCTION scc.visit_get(c scc.caller, p_visit bigint,
    p_lock boolean DEFAULT false) RETURNS scc.visit
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
DECLARE
	v	scc.visit;
BEGIN
	IF p_lock THEN
		SELECT * INTO v FROM scc.visit x WHERE x.id = p_visit
		FOR UPDATE;
	ELSE
		SELECT * INTO v FROM scc.visit x WHERE x.id = p_visit;
	END IF;
	IF NOT FOUND OR NOT scc.sees_visit(c, v) THEN
		PERFORM scc.raise_notfound('note of visit');
	END IF;
	RETURN v;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.visit_get(scc.caller, bigint, boolean)
    FROM PUBLIC;

-- The audit target of a note: its case's, when it has one, so that
-- AUDIT LIST case= shows it; else its school's.
CREATE FUNCTION scc.visit_target(v scc.visit) RETURNS text
	LANGUAGE sql IMMUTABLE
	RETURN CASE WHEN v.case_id IS NOT NULL THEN 'case:' || v.case_id
	    ELSE 'school:' || v.school_id END;
REVOKE EXECUTE ON FUNCTION scc.visit_target(scc.visit) FROM PUBLIC;

-- Who quality-assures a note: its case's lead, or without a case every
-- lead officer of the authority.
CREATE FUNCTION scc.visit_assurers(v scc.visit) RETURNS bigint[]
	LANGUAGE sql STABLE
	SET search_path = scc, pg_temp
	RETURN CASE WHEN v.case_id IS NOT NULL THEN ARRAY(SELECT k.lead_id
	    FROM scc.school_case k WHERE k.id = v.case_id)
	    ELSE scc.lead_officers(v.authority_id) END;
REVOKE EXECUTE ON FUNCTION scc.visit_assurers(scc.visit) FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- VISIT SUBMIT / LIST / SHOW / QA / RESPOND

-- A new note, or (visit=) a returned one sent again by its author with its
-- date, case and text as they now stand.  Only a link partner submits:
-- any other role is FORBIDDEN whatever the school or note named.  A link
-- partner sees only the notes they wrote, so a note sent again is always
-- the caller's own (another's is NOTFOUND).
CREATE FUNCTION api.visit_submit(p_token bytea, p_school bigint,
    p_date date, p_text text, p_case bigint, p_visit bigint)
    RETURNS SETOF scc.rec_visit
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
	SET TimeZone = 'Europe/London'
AS $$
DECLARE
	c	scc.caller := scc.caller(p_token);
	s	scc.school;
	v	scc.visit;
	v_old	scc.visit;
	v_text	text;
BEGIN
	PERFORM scc.require(scc.can_submit_visits(c),
	    'submit notes of visit (a link partner does)');
	s := scc.school_get(c, p_school);
	IF p_visit IS NOT NULL THEN
		v_old := scc.visit_get(c, p_visit, true);
	END IF;
	IF p_date IS NULL OR p_date > current_date THEN
		PERFORM scc.raise_invalid('date', 'date: the day of the visit, '
		    'not after today');
	END IF;
	v_text := scc.arg_text('text', p_text);
	IF p_case IS NOT NULL AND NOT EXISTS (SELECT 1 FROM scc.school_case k
	    WHERE k.id = p_case AND k.school_id = s.id) THEN
		PERFORM scc.raise_invalid('case', 'case: not a case of this '
		    'school');
	END IF;
	IF p_visit IS NOT NULL AND v_old.school_id <> s.id THEN
		PERFORM scc.raise_invalid('visit', 'visit: a note of another '
		    'school');
	END IF;
	IF p_visit IS NOT NULL AND v_old.status <> 'returned' THEN
		PERFORM scc.raise_conflict(format('the note is %s: only a '
		    'returned note is submitted again', v_old.status));
	END IF;

	IF p_visit IS NULL THEN
		INSERT INTO scc.visit (authority_id, school_id, case_id,
		    author_id, visit_date)
		VALUES (s.authority_id, s.id, p_case, c.user_id, p_date)
		RETURNING * INTO v;
	ELSE
		UPDATE scc.visit x SET case_id = p_case, visit_date = p_date,
		    status = 'submitted', version = x.version + 1,
		    submitted_at = now(), qa_by = NULL, qa_at = NULL,
		    qa_comment = NULL
		WHERE x.id = v_old.id RETURNING * INTO v;
	END IF;
	INSERT INTO scc.visit_version (visit_id, version, text, by_id)
	VALUES (v.id, v.version, v_text, c.user_id);
	INSERT INTO scc.visit_step (visit_id, step, from_status, to_status,
	    version, by_id)
	VALUES (v.id, 'submit', v_old.status, 'submitted', v.version,
	    c.user_id);
	PERFORM scc.record_change(c, 'visit.submit', scc.visit_target(v),
	    CASE WHEN v_old.id IS NOT NULL THEN jsonb_build_object('visit',
	    v_old.id, 'version', v_old.version, 'status', v_old.status,
	    'date', v_old.visit_date, 'case', v_old.case_id) END,
	    jsonb_build_object('visit', v.id, 'school', v.school_id,
	    'version', v.version, 'status', v.status, 'date', v.visit_date,
	    'case', v.case_id),
	    scc.visit_assurers(v) || v_old.qa_by);
	RETURN QUERY SELECT * FROM scc.visit_rows(ARRAY[v.id]);
END
$$;

CREATE FUNCTION api.visit_list(p_token bytea, p_school bigint,
    p_status text, p_limit bigint, p_after bigint)
    RETURNS SETOF scc.rec_visit
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
	SET TimeZone = 'Europe/London'
AS $$
DECLARE
	c	 scc.caller := scc.caller(p_token);
	v_limit	 int;
	v_status scc.visit_status;
BEGIN
	PERFORM scc.require(scc.can_read_visits(c), 'read notes of visit');
	v_limit := scc.page_limit(p_limit);
	IF p_school IS NOT NULL THEN
		PERFORM scc.school_get(c, p_school);
	END IF;
	IF p_status IS NOT NULL THEN
		v_status := scc.arg_enum('status', p_status,
		    NULL::scc.visit_status);
	END IF;
	RETURN QUERY
	SELECT * FROM scc.visit_rows(ARRAY(SELECT v.id FROM scc.visit v
	    WHERE v.authority_id = c.authority_id
		AND scc.sees_visit(c, v)
		AND (p_school IS NULL OR v.school_id = p_school)
		AND (v_status IS NULL OR v.status = v_status)
		AND v.id > coalesce(p_after, 0)
	    ORDER BY v.id LIMIT v_limit));
END
$$;

-- The note with the text of its latest version, then every step taken.
-- A governor reads no note: FORBIDDEN whatever the id.
CREATE FUNCTION api.visit_show(p_token bytea, p_visit bigint)
    RETURNS TABLE (rec text, id bigint, school bigint, "case" bigint,
    date text, "by" text, "at" text, status text, version int, qa_by text,
    qa_at text, qa_comment text, response text, response_by text,
    response_at text, response_comment text, text text, visit bigint,
    step text, "from" text, "to" text, comment text)
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
	SET TimeZone = 'Europe/London'
AS $$
#variable_conflict use_column
DECLARE
	c	scc.caller := scc.caller(p_token);
	v	scc.visit;
BEGIN
	PERFORM scc.require(scc.can_read_visits(c), 'read notes of visit');
	v := scc.visit_get(c, p_visit);
	RETURN QUERY
	SELECT r.*, NULL::bigint, NULL::text, NULL::text, NULL::text,
	    NULL::text
	FROM scc.visit_rows(ARRAY[v.id], true) r;
	RETURN QUERY
	SELECT 'STEP'::text, NULL::bigint, NULL::bigint, NULL::bigint, NULL,
	    u.login, scc.wire_time(s.at), NULL, s.version, NULL, NULL, NULL,
	    s.response::text, NULL, NULL, NULL, NULL, s.visit_id, s.step,
	    s.from_status::text, s.to_status::text, s.comment
	FROM scc.visit_step s JOIN scc.app_user u ON u.id = s.by_id
	WHERE s.visit_id = v.id ORDER BY s.id;
END
$$;

-- A lead officer assures a submitted note (quality_assured: the school
-- then sees it) or returns it to its author, saying why.  Any other role
-- is FORBIDDEN whatever the id.
CREATE FUNCTION api.visit_qa(p_token bytea, p_visit bigint,
    p_outcome text, p_comment text) RETURNS SETOF scc.rec_visit
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
	SET TimeZone = 'Europe/London'
AS $$
DECLARE
	c	  scc.caller := scc.caller(p_token);
	v	  scc.visit;
	v_new	  scc.visit;
	v_to	  scc.visit_status;
	v_comment text;
BEGIN
	PERFORM scc.require(scc.can_assure_visits(c),
	    'quality-assure notes of visit (a lead officer does)');
	v := scc.visit_get(c, p_visit, true);
	-- the argument is the outcome; the status it leads to is the model's
	IF lower(p_outcome) = 'assured' THEN
		v_to := 'quality_assured';
	ELSIF lower(p_outcome) = 'returned' THEN
		v_to := 'returned';
	ELSE
		PERFORM scc.raise_invalid('outcome', 'outcome: assured or '
		    'returned');
	END IF;
	v_comment := scc.arg_text('comment', p_comment, v_to = 'returned');
	IF v.status <> 'submitted' THEN
		PERFORM scc.raise_conflict(format('the note is %s: only a '
		    'submitted note is quality-assured', v.status));
	END IF;
	UPDATE scc.visit x SET status = v_to, qa_by = c.user_id, qa_at = now(),
	    qa_comment = v_comment
	WHERE x.id = v.id RETURNING * INTO v_new;
	INSERT INTO scc.visit_step (visit_id, step, from_status, to_status,
	    version, comment, by_id)
	VALUES (v.id, CASE v_to WHEN 'quality_assured' THEN 'assure'
	    ELSE 'return' END, v.status, v_to, v.version, v_comment, c.user_id);
	PERFORM scc.record_change(c, CASE v_to WHEN 'quality_assured'
	    THEN 'visit.assure' ELSE 'visit.return' END, scc.visit_target(v),
	    jsonb_build_object('visit', v.id, 'status', v.status),
	    jsonb_build_object('visit', v.id, 'status', v_to, 'version',
	    v.version, 'comment', v_comment),
	    ARRAY[v.author_id] || CASE WHEN v_to = 'quality_assured'
	    THEN scc.school_people(v.school_id, 'headteacher')
	    ELSE '{}'::bigint[] END);
	RETURN QUERY SELECT * FROM scc.visit_rows(ARRAY[v.id]);
END
$$;

-- The school's headteacher says, once, whether a quality-assured note is
-- accurate; an inaccurate one says what is wrong.  The answer is recorded
-- on the note, whose status stays quality_assured.  Any other role is
-- FORBIDDEN whatever the id.
CREATE FUNCTION api.visit_respond(p_token bytea, p_visit bigint,
    p_response text, p_comment text) RETURNS SETOF scc.rec_visit
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
	SET TimeZone = 'Europe/London'
AS $$
DECLARE
	c	   scc.caller := scc.caller(p_token);
	v	   scc.visit;
	v_new	   scc.visit;
	v_response scc.visit_response;
	v_comment  text;
BEGIN
	PERFORM scc.require(scc.can_respond_visits(c),
	    'respond to notes of visit (the school''s headteacher does)');
	-- a headteacher sees only their own school's notes
	v := scc.visit_get(c, p_visit, true);
	v_response := scc.arg_enum('response', p_response,
	    NULL::scc.visit_response);
	v_comment := scc.arg_text('comment', p_comment,
	    v_response = 'inaccurate');
	IF v.status <> 'quality_assured' OR v.response IS NOT NULL THEN
		PERFORM scc.raise_conflict(format('the note is %s%s: the school '
		    'responds once, to a quality-assured note', v.status,
		    CASE WHEN v.response IS NOT NULL THEN ' and answered'
		    ELSE '' END));
	END IF;
	UPDATE scc.visit x SET response = v_response,
	    response_by = c.user_id, response_at = now(),
	    response_comment = v_comment
	WHERE x.id = v.id RETURNING * INTO v_new;
	INSERT INTO scc.visit_step (visit_id, step, from_status, to_status,
	    version, response, comment, by_id)
	VALUES (v.id, 'respond', v.status, v_new.status, v.version, v_response,
	    v_comment, c.user_id);
	PERFORM scc.record_change(c, 'visit.respond', scc.visit_target(v),
	    jsonb_build_object('visit', v.id, 'status', v.status),
	    jsonb_build_object('visit', v.id, 'status', v_new.status,
	    'response', v_response, 'comment', v_comment),
	    ARRAY[v.author_id, v.qa_by] || CASE WHEN v.case_id IS NOT NULL
	    THEN ARRAY(SELECT k.lead_id FROM scc.school_case k
	    WHERE k.id = v.case_id) ELSE '{}'::bigint[] END);
	RETURN QUERY SELECT * FROM scc.visit_rows(ARRAY[v.id]);
END
$$;

REVOKE EXECUTE ON FUNCTION
    api.visit_submit(bytea, bigint, date, text, bigint, bigint),
    api.visit_list(bytea, bigint, text, bigint, bigint),
    api.visit_show(bytea, bigint),
    api.visit_qa(bytea, bigint, text, text),
    api.visit_respond(bytea, bigint, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    api.visit_submit(bytea, bigint, date, text, bigint, bigint),
    api.visit_list(bytea, bigint, text, bigint, bigint),
    api.visit_show(bytea, bigint),
    api.visit_qa(bytea, bigint, text, text),
    api.visit_respond(bytea, bigint, text, text) TO scc_api;
