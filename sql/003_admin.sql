-- 003 admin: what `sccd init` and `sccd authority add` do, run by the owner
-- of the database (never by scc_api).  Refusals use the same SQLSTATEs as
-- the api functions, so the command line can say what was wrong.

-- Checks shared by the functions below; each names the argument at fault.
CREATE FUNCTION scc.check_label(p_argument text, p_value text) RETURNS void
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
BEGIN
	IF p_value IS NULL OR char_length(p_value) NOT BETWEEN 1 AND 200
	    OR p_value ~ '[[:cntrl:]]' OR btrim(p_value) = '' THEN
		PERFORM scc.raise_invalid(p_argument,
		    p_argument || ': 1 to 200 characters, not blank, no control characters');
	END IF;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.check_label(text, text) FROM PUBLIC;

CREATE FUNCTION scc.check_login(p_login text) RETURNS void
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
BEGIN
	IF p_login IS NULL OR p_login !~ '^[a-z0-9._-]{1,64}$' THEN
		PERFORM scc.raise_invalid('login',
		    'login: 1 to 64 of a-z, 0-9, ".", "_", "-"');
	END IF;
	IF EXISTS (SELECT 1 FROM scc.app_user u WHERE u.login = p_login) THEN
		RAISE EXCEPTION USING ERRCODE = 'SC007',
		    MESSAGE = format('login %s is taken', p_login);
	END IF;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.check_login(text) FROM PUBLIC;

CREATE FUNCTION scc.check_pwhash(p_pwhash text) RETURNS void
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
BEGIN
	IF p_pwhash IS NULL OR char_length(p_pwhash) NOT BETWEEN 1 AND 512
	    OR p_pwhash ~ '[[:cntrl:][:space:]]' THEN
		PERFORM scc.raise_invalid('pwhash', 'not a password hash');
	END IF;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.check_pwhash(text) FROM PUBLIC;

CREATE FUNCTION scc.authority_by_name(p_authority text) RETURNS bigint
	LANGUAGE plpgsql STABLE
	SET search_path = scc, pg_temp
AS $$
DECLARE
	v_id	bigint;
BEGIN
	SELECT a.id INTO v_id FROM scc.authority a WHERE a.name = p_authority;
	IF NOT FOUND THEN
		RAISE EXCEPTION USING ERRCODE = 'SC004',
		    MESSAGE = format('no authority named %s', p_authority),
		    DETAIL = 'authority';
	END IF;
	RETURN v_id;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.authority_by_name(text) FROM PUBLIC;

-- Insert a user after the checks; unique violations lost to a concurrent
-- insert still come out as CONFLICT.
CREATE FUNCTION scc.user_insert(p_authority bigint, p_login text,
    p_person text, p_email text, p_role text, p_school bigint,
    p_pwhash text) RETURNS bigint
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
DECLARE
	v_id	bigint;
BEGIN
	INSERT INTO scc.app_user (authority_id, login, name, email, role,
	    school_id, pwhash)
	VALUES (p_authority, p_login, p_person, p_email, p_role, p_school,
	    p_pwhash)
	RETURNING id INTO v_id;
	PERFORM scc.audit_add(p_authority, NULL, 'user.add', p_login,
	    jsonb_build_object('name', p_person, 'role', p_role,
	    'school', p_school, 'email', p_email));
	RETURN v_id;
EXCEPTION WHEN unique_violation THEN
	RAISE EXCEPTION USING ERRCODE = 'SC007',
	    MESSAGE = format('login %s is taken', p_login);
END
$$;
REVOKE EXECUTE ON FUNCTION scc.user_insert(bigint, text, text, text, text,
    bigint, text) FROM PUBLIC;

-- A new authority and its first lead officer; returns the authority's id.
CREATE FUNCTION admin.authority_add(p_name text, p_login text, p_person text,
    p_pwhash text) RETURNS bigint
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
DECLARE
	v_id	bigint;
BEGIN
	PERFORM scc.check_label('name', p_name);
	PERFORM scc.check_login(p_login);
	PERFORM scc.check_label('person', p_person);
	PERFORM scc.check_pwhash(p_pwhash);
	BEGIN
		INSERT INTO scc.authority (name) VALUES (p_name)
		RETURNING id INTO v_id;
	EXCEPTION WHEN unique_violation THEN
		RAISE EXCEPTION USING ERRCODE = 'SC007',
		    MESSAGE = format('authority %s exists', p_name);
	END;
	PERFORM scc.audit_add(v_id, NULL, 'authority.add', p_name,
	    jsonb_build_object('lead', p_login));
	PERFORM scc.user_insert(v_id, p_login, p_person, NULL, 'lead_officer',
	    NULL, p_pwhash);
	RETURN v_id;
END
$$;
REVOKE EXECUTE ON FUNCTION admin.authority_add(text, text, text, text)
    FROM PUBLIC;

CREATE FUNCTION admin.school_add(p_authority text, p_urn text, p_name text,
    p_phase text) RETURNS bigint
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
DECLARE
	v_authority	bigint := scc.authority_by_name(p_authority);
	v_id		bigint;
BEGIN
	IF p_urn IS NULL OR p_urn !~ '^[0-9]{6}$' THEN
		PERFORM scc.raise_invalid('urn', 'a URN is six digits');
	END IF;
	PERFORM scc.check_label('name', p_name);
	IF p_phase IS NULL OR p_phase NOT IN ('nursery', 'primary', 'secondary',
	    'all_through', 'special', 'pru') THEN
		PERFORM scc.raise_invalid('phase', 'phase: nursery, primary, '
		    'secondary, all_through, special or pru');
	END IF;
	BEGIN
		INSERT INTO scc.school (authority_id, urn, name, phase)
		VALUES (v_authority, p_urn, p_name, p_phase)
		RETURNING id INTO v_id;
	EXCEPTION WHEN unique_violation THEN
		RAISE EXCEPTION USING ERRCODE = 'SC007',
		    MESSAGE = format('a school with URN %s exists', p_urn);
	END;
	PERFORM scc.audit_add(v_authority, NULL, 'school.add', p_urn,
	    jsonb_build_object('name', p_name, 'phase', p_phase));
	RETURN v_id;
END
$$;
REVOKE EXECUTE ON FUNCTION admin.school_add(text, text, text, text) FROM PUBLIC;

-- p_school_urn and p_email may be NULL or empty.  Headteachers and governors
-- need a school of the same authority; the other roles must not have one.
CREATE FUNCTION admin.user_add(p_authority text, p_login text, p_person text,
    p_role text, p_school_urn text, p_email text, p_pwhash text)
    RETURNS bigint
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
DECLARE
	v_authority	bigint := scc.authority_by_name(p_authority);
	v_urn		text := nullif(p_school_urn, '');
	v_email		text := nullif(p_email, '');
	v_school	bigint;
BEGIN
	PERFORM scc.check_login(p_login);
	PERFORM scc.check_label('person', p_person);
	PERFORM scc.check_pwhash(p_pwhash);
	IF p_role IS NULL OR p_role NOT IN ('lead_officer', 'link_partner',
	    'headteacher', 'governor') THEN
		PERFORM scc.raise_invalid('role', 'role: lead_officer, '
		    'link_partner, headteacher or governor');
	END IF;
	IF v_email IS NOT NULL AND (char_length(v_email) > 254
	    OR v_email !~ '^[^@[:space:][:cntrl:]]+@[^@[:space:][:cntrl:]]+$') THEN
		PERFORM scc.raise_invalid('email', 'not an email address');
	END IF;

	IF p_role IN ('headteacher', 'governor') THEN
		IF v_urn IS NULL THEN
			PERFORM scc.raise_invalid('school',
			    format('a %s needs a school', p_role));
		END IF;
		SELECT s.id INTO v_school FROM scc.school s
		WHERE s.urn = v_urn AND s.authority_id = v_authority;
		IF NOT FOUND THEN
			RAISE EXCEPTION USING ERRCODE = 'SC004',
			    MESSAGE = format('no school with URN %s in %s',
			    v_urn, p_authority),
			    DETAIL = 'school';
		END IF;
	ELSIF v_urn IS NOT NULL THEN
		PERFORM scc.raise_invalid('school',
		    format('a %s has no school', p_role));
	END IF;

	RETURN scc.user_insert(v_authority, p_login, p_person, v_email, p_role,
	    v_school, p_pwhash);
END
$$;
REVOKE EXECUTE ON FUNCTION admin.user_add(text, text, text, text, text, text,
    text) FROM PUBLIC;
