-- 005 casework foundations: the vocabularies as enum types, the caller of a
-- work command, the permission rules of the default policy, terms, paging,
-- and the one helper every change goes through (audit entry and events).
--
-- Every work command's api function starts with scc.caller(), then finds
-- its target with a *_get helper (NOTFOUND for anything the caller may not
-- see), then asks one can_* rule (FORBIDDEN), then checks its arguments
-- (INVALID), then the workflow (CONFLICT), and only then changes anything,
-- ending with scc.record_change().  The order is what keeps an answer from
-- saying more than the caller may know.
--
-- The one-line helpers (RETURN expression) carry no SET search_path: a
-- body in SQL-standard form is bound to its objects when it is created, so
-- the setting would guard nothing, and without it the planner can inline
-- them into the queries that call them instead of calling them per row.

CREATE TYPE scc.rag AS ENUM ('green', 'amber', 'red');
CREATE TYPE scc.case_stage AS ENUM ('identified', 'engagement',
    'in_programme', 'review', 'extended', 'intervention', 'exited', 'closed');
CREATE TYPE scc.severity AS ENUM ('low', 'medium', 'high');
CREATE TYPE scc.alert_status AS ENUM ('open', 'resolved', 'referred');
CREATE TYPE scc.cadence AS ENUM ('none', 'weekly', 'monthly', 'half_termly',
    'two_monthly', 'termly');
CREATE TYPE scc.day_count AS ENUM ('calendar', 'working');

-- The level shipped as a CHECK list in 001; it is the same vocabulary as a
-- risk rating, so it becomes the same type.
ALTER TABLE scc.school DROP CONSTRAINT school_level_check;
ALTER TABLE scc.school ALTER COLUMN level DROP DEFAULT;
ALTER TABLE scc.school ALTER COLUMN level TYPE scc.rag USING level::scc.rag;
ALTER TABLE scc.school ALTER COLUMN level SET DEFAULT 'green';

-- A password given by a lead officer (USER ADD) is for one login only.
ALTER TABLE scc.app_user ADD COLUMN one_time boolean NOT NULL DEFAULT false;

-- Any new password hash ends the one-time state, unless the same statement
-- sets it again (a reset), so PASSWORD needs no change of its own.
CREATE FUNCTION scc.app_user_password_changed() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
BEGIN
	IF NEW.pwhash IS DISTINCT FROM OLD.pwhash
	    AND NEW.one_time IS NOT DISTINCT FROM OLD.one_time THEN
		NEW.one_time := false;
	END IF;
	RETURN NEW;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.app_user_password_changed() FROM PUBLIC;

CREATE TRIGGER app_user_password_changed
	BEFORE UPDATE OF pwhash ON scc.app_user
	FOR EACH ROW EXECUTE FUNCTION scc.app_user_password_changed();

-- A link partner's schools.
CREATE TABLE scc.assignment (
	user_id		bigint NOT NULL REFERENCES scc.app_user (id),
	school_id	bigint NOT NULL,
	authority_id	bigint NOT NULL,
	at		timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (user_id, school_id),
	FOREIGN KEY (school_id, authority_id)
	    REFERENCES scc.school (id, authority_id)
);
CREATE INDEX assignment_school_idx ON scc.assignment (school_id);

-- Something someone must hear of.  Delivery (WATCH) comes later; the rows
-- are kept from now on so nothing raised before then is lost.
CREATE TABLE scc.event (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	authority_id	bigint NOT NULL REFERENCES scc.authority (id),
	user_id		bigint NOT NULL REFERENCES scc.app_user (id),
	what		text NOT NULL,
	target		text,
	audit_id	bigint,		-- no foreign key: the audit log
					-- must stay a table nothing else holds
	at		timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX event_user_idx ON scc.event (user_id, id);

-- Audit entries are listed per authority, newest first, and by target.
CREATE INDEX audit_target_idx ON scc.audit (authority_id, target, id);

-- ---------------------------------------------------------------------------
-- Refusals, each with its response code (see protocol/codes.c).

CREATE FUNCTION scc.raise_notfound(p_what text) RETURNS void
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
BEGIN
	RAISE EXCEPTION USING ERRCODE = 'SC004',
	    MESSAGE = format('no such %s', p_what);
END
$$;
REVOKE EXECUTE ON FUNCTION scc.raise_notfound(text) FROM PUBLIC;

CREATE FUNCTION scc.raise_conflict(p_message text, p_detail text DEFAULT NULL)
    RETURNS void
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
BEGIN
	IF p_detail IS NULL THEN
		RAISE EXCEPTION USING ERRCODE = 'SC007', MESSAGE = p_message;
	END IF;
	RAISE EXCEPTION USING ERRCODE = 'SC007', MESSAGE = p_message,
	    DETAIL = p_detail;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.raise_conflict(text, text) FROM PUBLIC;

-- FORBIDDEN unless p_ok: "your role may not <p_what>".
CREATE FUNCTION scc.require(p_ok boolean, p_what text) RETURNS void
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
BEGIN
	IF NOT coalesce(p_ok, false) THEN
		RAISE EXCEPTION USING ERRCODE = 'SC005',
		    MESSAGE = format('your role may not %s', p_what);
	END IF;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.require(boolean, text) FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- The caller.

CREATE TYPE scc.caller AS (
	user_id		bigint,
	login		text,
	role		text,
	authority_id	bigint,
	school_id	bigint		-- a headteacher's or governor's
);

-- The user behind a session, for a work command.  A one-time password must
-- be replaced before any work is done with it.
CREATE FUNCTION scc.caller(p_token_hash bytea) RETURNS scc.caller
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
DECLARE
	v_user	scc.app_user := scc.session_get(p_token_hash);
BEGIN
	IF v_user.one_time THEN
		RAISE EXCEPTION USING ERRCODE = 'SC005',
		    MESSAGE = 'choose a new password with PASSWORD first';
	END IF;
	RETURN ROW(v_user.id, v_user.login, v_user.role, v_user.authority_id,
	    v_user.school_id)::scc.caller;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.caller(bytea) FROM PUBLIC;

-- May the caller see this school?  Listings first narrow by authority on
-- an index, then ask this of each row of the page.
CREATE FUNCTION scc.sees_school(c scc.caller, p_school bigint,
    p_authority bigint) RETURNS boolean
	LANGUAGE sql STABLE
	SET search_path = scc, pg_temp
	RETURN p_authority = c.authority_id AND CASE c.role
	    WHEN 'lead_officer' THEN true
	    WHEN 'link_partner' THEN EXISTS (SELECT 1 FROM scc.assignment a
		WHERE a.user_id = c.user_id AND a.school_id = p_school)
	    ELSE p_school = c.school_id END;
REVOKE EXECUTE ON FUNCTION scc.sees_school(scc.caller, bigint, bigint)
    FROM PUBLIC;

-- A school the caller can see, or NOTFOUND.  p_lock takes the row for
-- update, so changes to one school queue rather than overwrite.
CREATE FUNCTION scc.school_get(c scc.caller, p_school bigint,
    p_lock boolean DEFAULT false) RETURNS scc.school
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
DECLARE
	v	scc.school;
BEGIN
	IF p_lock THEN
		SELECT s.* INTO v FROM scc.school s WHERE s.id = p_school
		FOR UPDATE;
	ELSE
		SELECT s.* INTO v FROM scc.school s WHERE s.id = p_school;
	END IF;
	IF NOT FOUND OR NOT scc.sees_school(c, v.id, v.authority_id) THEN
		PERFORM scc.raise_notfound('school');
	END IF;
	RETURN v;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.school_get(scc.caller, bigint, boolean)
    FROM PUBLIC;

-- A user of the caller's authority, by login, or NOTFOUND.
CREATE FUNCTION scc.user_get(c scc.caller, p_login text, p_lock boolean
    DEFAULT false) RETURNS scc.app_user
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
DECLARE
	v	scc.app_user;
BEGIN
	IF p_lock THEN
		SELECT u.* INTO v FROM scc.app_user u
		WHERE u.login = lower(p_login) AND u.authority_id = c.authority_id
		FOR UPDATE;
	ELSE
		SELECT u.* INTO v FROM scc.app_user u
		WHERE u.login = lower(p_login) AND u.authority_id = c.authority_id;
	END IF;
	IF NOT FOUND THEN
		PERFORM scc.raise_notfound('user');
	END IF;
	RETURN v;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.user_get(scc.caller, text, boolean) FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- The default policy, one rule per line of its table.  Each is asked after
-- the target was found visible, so "assigned" and "own" already hold.

CREATE FUNCTION scc.can_set_level(c scc.caller) RETURNS boolean
	LANGUAGE sql IMMUTABLE
	RETURN c.role = 'lead_officer';
CREATE FUNCTION scc.can_rate_risk(c scc.caller) RETURNS boolean
	LANGUAGE sql IMMUTABLE
	RETURN c.role IN ('lead_officer', 'link_partner');
CREATE FUNCTION scc.can_raise_alert(c scc.caller) RETURNS boolean
	LANGUAGE sql IMMUTABLE
	RETURN c.role IN ('lead_officer', 'link_partner');
CREATE FUNCTION scc.can_add_school(c scc.caller) RETURNS boolean
	LANGUAGE sql IMMUTABLE
	RETURN c.role = 'lead_officer';
CREATE FUNCTION scc.can_steer_case(c scc.caller) RETURNS boolean
	LANGUAGE sql IMMUTABLE
	RETURN c.role = 'lead_officer';
CREATE FUNCTION scc.can_configure(c scc.caller) RETURNS boolean
	LANGUAGE sql IMMUTABLE
	RETURN c.role = 'lead_officer';
CREATE FUNCTION scc.can_read_audit(c scc.caller) RETURNS boolean
	LANGUAGE sql IMMUTABLE
	RETURN c.role = 'lead_officer';
CREATE FUNCTION scc.can_manage_users(c scc.caller) RETURNS boolean
	LANGUAGE sql IMMUTABLE
	RETURN c.role = 'lead_officer';
REVOKE EXECUTE ON FUNCTION scc.can_set_level(scc.caller),
    scc.can_rate_risk(scc.caller), scc.can_raise_alert(scc.caller),
    scc.can_add_school(scc.caller), scc.can_steer_case(scc.caller),
    scc.can_configure(scc.caller), scc.can_read_audit(scc.caller),
    scc.can_manage_users(scc.caller) FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- Arguments.

-- An enumerated argument, case folded; INVALID naming it otherwise.  sccd
-- has checked the choices already: this is for callers that are not sccd.
CREATE FUNCTION scc.arg_enum(p_argument text, p_value text, p_type anyenum)
    RETURNS anyenum
	LANGUAGE plpgsql STABLE
	SET search_path = scc, pg_temp
AS $$
DECLARE
	v	p_type%TYPE;
BEGIN
	FOREACH v IN ARRAY enum_range(p_type) LOOP
		IF v::text = lower(p_value) THEN
			RETURN v;
		END IF;
	END LOOP;
	PERFORM scc.raise_invalid(p_argument, format('%s: one of %s',
	    p_argument, array_to_string(enum_range(p_type)::text[], ', ')));
	RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.arg_enum(text, text, anyenum) FROM PUBLIC;

-- Free text a person typed: present, within the text limit, and no NUL
-- (which PostgreSQL text cannot hold anyway).
CREATE FUNCTION scc.arg_text(p_argument text, p_value text,
    p_required boolean DEFAULT true) RETURNS text
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = scc, pg_temp
AS $$
BEGIN
	IF p_value IS NULL OR btrim(p_value, E' \t\r\n') = '' THEN
		IF p_required THEN
			PERFORM scc.raise_invalid(p_argument,
			    format('%s: must not be blank', p_argument));
		END IF;
		RETURN NULL;
	END IF;
	IF octet_length(p_value) > 1048576 THEN
		PERFORM scc.raise_invalid(p_argument,
		    format('%s: over 1 MiB', p_argument));
	END IF;
	RETURN p_value;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.arg_text(text, text, boolean) FROM PUBLIC;

-- A name shown in lists (school, programme title): scc.label's rules.
CREATE FUNCTION scc.arg_label(p_argument text, p_value text) RETURNS text
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = scc, pg_temp
AS $$
BEGIN
	PERFORM scc.check_label(p_argument, p_value);
	RETURN p_value;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.arg_label(text, text) FROM PUBLIC;

-- A lower-case word naming something (an area, a programme).
CREATE FUNCTION scc.arg_word(p_argument text, p_value text) RETURNS text
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = scc, pg_temp
AS $$
BEGIN
	IF p_value IS NULL OR lower(p_value) !~ '^[a-z][a-z0-9_]{0,39}$' THEN
		PERFORM scc.raise_invalid(p_argument, format('%s: a lower-case '
		    'word of letters, digits and "_", up to 40', p_argument));
	END IF;
	RETURN lower(p_value);
END
$$;
REVOKE EXECUTE ON FUNCTION scc.arg_word(text, text) FROM PUBLIC;

-- A yes/no argument.
CREATE FUNCTION scc.arg_yes(p_argument text, p_value text) RETURNS boolean
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = scc, pg_temp
AS $$
BEGIN
	IF lower(p_value) = 'yes' THEN
		RETURN true;
	ELSIF lower(p_value) = 'no' THEN
		RETURN false;
	END IF;
	PERFORM scc.raise_invalid(p_argument, format('%s: yes or no',
	    p_argument));
	RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.arg_yes(text, text) FROM PUBLIC;

-- The page size of a listing.
CREATE FUNCTION scc.page_limit(p_limit bigint) RETURNS int
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = scc, pg_temp
AS $$
BEGIN
	IF p_limit IS NULL THEN
		RETURN 100;
	END IF;
	IF p_limit NOT BETWEEN 1 AND 1000 THEN
		PERFORM scc.raise_invalid('limit', 'limit: 1 to 1000');
	END IF;
	RETURN p_limit;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.page_limit(bigint) FROM PUBLIC;

CREATE FUNCTION scc.yes(p_flag boolean) RETURNS text
	LANGUAGE sql IMMUTABLE
	RETURN CASE WHEN p_flag THEN 'yes' WHEN NOT p_flag THEN 'no' END;
REVOKE EXECUTE ON FUNCTION scc.yes(boolean) FROM PUBLIC;

CREATE FUNCTION scc.wire_date(p_day date) RETURNS text
	LANGUAGE sql IMMUTABLE
	RETURN to_char(p_day, 'YYYY-MM-DD');
REVOKE EXECUTE ON FUNCTION scc.wire_date(date) FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- School terms: autumn from 1 September, spring from 1 January, summer from
-- 1 April.  A term is numbered year * 3 + (spring 0, summer 1, autumn 2),
-- so that "two terms later" is addition.

CREATE FUNCTION scc.term_number(p_term text) RETURNS int
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = scc, pg_temp
AS $$
BEGIN
	IF p_term IS NULL OR p_term !~ '^[0-9]{4}-(autumn|spring|summer)$' THEN
		PERFORM scc.raise_invalid('term',
		    'term: YYYY-autumn, YYYY-spring or YYYY-summer');
	END IF;
	RETURN split_part(p_term, '-', 1)::int * 3 + CASE split_part(p_term, '-', 2)
	    WHEN 'spring' THEN 0 WHEN 'summer' THEN 1 ELSE 2 END;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.term_number(text) FROM PUBLIC;

CREATE FUNCTION scc.term_name(p_number int) RETURNS text
	LANGUAGE sql IMMUTABLE
	RETURN (p_number / 3)::text || '-' ||
	    (ARRAY['spring', 'summer', 'autumn'])[p_number % 3 + 1];
REVOKE EXECUTE ON FUNCTION scc.term_name(int) FROM PUBLIC;

CREATE FUNCTION scc.term_of(p_day date) RETURNS text
	LANGUAGE sql IMMUTABLE
	RETURN scc.term_name(extract(year FROM p_day)::int * 3 + CASE
	    WHEN extract(month FROM p_day) >= 9 THEN 2
	    WHEN extract(month FROM p_day) >= 4 THEN 1 ELSE 0 END);
REVOKE EXECUTE ON FUNCTION scc.term_of(date) FROM PUBLIC;

CREATE FUNCTION scc.term_current() RETURNS text
	LANGUAGE sql STABLE
	RETURN scc.term_of(current_date);
REVOKE EXECUTE ON FUNCTION scc.term_current() FROM PUBLIC;

-- The last day of a term.
CREATE FUNCTION scc.term_end(p_number int) RETURNS date
	LANGUAGE sql IMMUTABLE
	RETURN make_date(p_number / 3, (ARRAY[3, 8, 12])[p_number % 3 + 1], 31);
REVOKE EXECUTE ON FUNCTION scc.term_end(int) FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- Every change goes through here: one audit entry holding the before and
-- after of each field that changed, and one event for each person named in
-- p_notify (never the caller, who knows).

CREATE FUNCTION scc.record_change(c scc.caller, p_what text, p_target text,
    p_before jsonb, p_after jsonb, p_notify bigint[] DEFAULT NULL)
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
	PERFORM scc.notify(c, p_what, p_target, p_notify, v_audit);
	RETURN v_audit;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.record_change(scc.caller, text, text, jsonb,
    jsonb, bigint[]) FROM PUBLIC;

-- Events alone, for what is noticed rather than done (a shared concern).
-- The caller is left out, having just seen it, unless p_self.
CREATE FUNCTION scc.notify(c scc.caller, p_what text, p_target text,
    p_users bigint[], p_audit bigint DEFAULT NULL, p_self boolean DEFAULT false)
    RETURNS void
	LANGUAGE sql
	SET search_path = scc, pg_temp
BEGIN ATOMIC
	INSERT INTO scc.event (authority_id, user_id, what, target, audit_id)
	SELECT c.authority_id, u.id, p_what, p_target, p_audit
	FROM scc.app_user u
	WHERE u.id = ANY (p_users) AND u.authority_id = c.authority_id
	    AND (p_self OR u.id <> c.user_id) AND NOT u.disabled
	ORDER BY u.id;
END;
REVOKE EXECUTE ON FUNCTION scc.notify(scc.caller, text, text, bigint[], bigint,
    boolean) FROM PUBLIC;

-- Who hears of things about a school: its authority's lead officers.
CREATE FUNCTION scc.lead_officers(p_authority bigint) RETURNS bigint[]
	LANGUAGE sql STABLE
	SET search_path = scc, pg_temp
	RETURN ARRAY(SELECT u.id FROM scc.app_user u
	    WHERE u.authority_id = p_authority AND u.role = 'lead_officer'
	    AND NOT u.disabled);
REVOKE EXECUTE ON FUNCTION scc.lead_officers(bigint) FROM PUBLIC;
