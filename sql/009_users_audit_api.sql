-- 009 the api of users, assignments and the audit log.

CREATE TYPE scc.rec_user AS (rec text, id bigint, login text, name text,
    role text, school bigint, email text, schools text, disabled text,
    one_time text);
CREATE TYPE scc.rec_audit AS (rec text, id bigint, "at" text, "user" text,
    what text, target text, detail text, hash text);

CREATE FUNCTION scc.user_row(u scc.app_user) RETURNS scc.rec_user
	LANGUAGE sql STABLE
	SET search_path = scc, pg_temp
	RETURN ROW('USER', u.id, u.login, u.name::text, u.role, u.school_id,
	    u.email, (SELECT string_agg(a.school_id::text, ',' ORDER BY
	    a.school_id) FROM scc.assignment a WHERE a.user_id = u.id),
	    scc.yes(u.disabled), scc.yes(u.one_time))::scc.rec_user;
REVOKE EXECUTE ON FUNCTION scc.user_row(scc.app_user) FROM PUBLIC;

-- USER ADD.  sccd makes the one-time password and its hash, calls this,
-- and adds the password to the answer only when this succeeded.
CREATE FUNCTION api.user_add(p_token bytea, p_login text, p_name text,
    p_role text, p_school bigint, p_email text, p_pwhash text)
    RETURNS SETOF scc.rec_user
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
DECLARE
	c	scc.caller := scc.caller(p_token);
	v_role	text := lower(p_role);
	v_email	text := nullif(p_email, '');
	v_id	bigint;
	u	scc.app_user;
BEGIN
	PERFORM scc.require(scc.can_manage_users(c), 'manage users');
	IF p_school IS NOT NULL THEN
		PERFORM scc.school_get(c, p_school);
	END IF;
	IF p_login IS NULL OR lower(p_login) !~ '^[a-z0-9._-]{1,64}$' THEN
		PERFORM scc.raise_invalid('login',
		    'login: 1 to 64 of a-z, 0-9, ".", "_", "-"');
	END IF;
	PERFORM scc.check_label('name', p_name);
	IF v_role IS NULL OR v_role NOT IN ('lead_officer', 'link_partner',
	    'headteacher', 'governor') THEN
		PERFORM scc.raise_invalid('role', 'role: lead_officer, '
		    'link_partner, headteacher or governor');
	END IF;
	IF v_role IN ('headteacher', 'governor') AND p_school IS NULL THEN
		PERFORM scc.raise_invalid('school', format('school: a %s needs '
		    'one', v_role));
	ELSIF v_role NOT IN ('headteacher', 'governor')
	    AND p_school IS NOT NULL THEN
		PERFORM scc.raise_invalid('school', format('school: a %s has '
		    'none (ASSIGN gives a link partner schools)',
		    replace(v_role, '_', ' ')));
	END IF;
	IF v_email IS NOT NULL AND (char_length(v_email) > 254
	    OR v_email !~ '^[^@[:space:][:cntrl:]]+@[^@[:space:][:cntrl:]]+$') THEN
		PERFORM scc.raise_invalid('email', 'email: not an email address');
	END IF;
	PERFORM scc.check_pwhash(p_pwhash);
	IF EXISTS (SELECT 1 FROM scc.app_user x WHERE x.login = lower(p_login)) THEN
		PERFORM scc.raise_conflict(format('login %s is taken',
		    lower(p_login)));
	END IF;
	BEGIN
		INSERT INTO scc.app_user (authority_id, login, name, email, role,
		    school_id, pwhash, one_time)
		VALUES (c.authority_id, lower(p_login), p_name, v_email, v_role,
		    p_school, p_pwhash, true)
		RETURNING * INTO u;
	EXCEPTION WHEN unique_violation THEN
		PERFORM scc.raise_conflict(format('login %s is taken',
		    lower(p_login)));
	END;
	PERFORM scc.record_change(c, 'user.add', 'user:' || u.login, NULL,
	    jsonb_build_object('login', u.login, 'name', u.name, 'role',
	    u.role, 'school', u.school_id, 'email', u.email));
	RETURN NEXT scc.user_row(u);
END
$$;

CREATE FUNCTION api.user_list(p_token bytea, p_role text, p_school bigint,
    p_limit bigint, p_after bigint) RETURNS SETOF scc.rec_user
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
DECLARE
	c	scc.caller := scc.caller(p_token);
	v_limit	int := scc.page_limit(p_limit);
BEGIN
	PERFORM scc.require(scc.can_manage_users(c), 'manage users');
	IF p_school IS NOT NULL THEN
		PERFORM scc.school_get(c, p_school);
	END IF;
	IF p_role IS NOT NULL AND lower(p_role) NOT IN ('lead_officer',
	    'link_partner', 'headteacher', 'governor') THEN
		PERFORM scc.raise_invalid('role', 'role: lead_officer, '
		    'link_partner, headteacher or governor');
	END IF;
	RETURN QUERY
	SELECT r.* FROM scc.app_user u CROSS JOIN LATERAL scc.user_row(u) r
	WHERE u.authority_id = c.authority_id
	    AND (p_role IS NULL OR u.role = lower(p_role))
	    AND (p_school IS NULL OR u.school_id = p_school OR EXISTS (
		SELECT 1 FROM scc.assignment a
		WHERE a.user_id = u.id AND a.school_id = p_school))
	    AND u.id > coalesce(p_after, 0)
	ORDER BY u.id LIMIT v_limit;
END
$$;

-- The user's sessions go with the flag: their next request is EXPIRED.
CREATE FUNCTION api.user_disable(p_token bytea, p_login text)
    RETURNS SETOF scc.rec_user
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
DECLARE
	c	scc.caller := scc.caller(p_token);
	u	scc.app_user;
BEGIN
	PERFORM scc.require(scc.can_manage_users(c), 'manage users');
	u := scc.user_get(c, p_login, true);
	IF u.id = c.user_id THEN
		PERFORM scc.raise_conflict('you cannot disable yourself');
	END IF;
	IF u.disabled THEN
		PERFORM scc.raise_conflict(format('%s is already disabled',
		    u.login));
	END IF;
	UPDATE scc.app_user x SET disabled = true WHERE x.id = u.id
	RETURNING * INTO u;
	DELETE FROM scc.session s WHERE s.user_id = u.id;
	PERFORM scc.record_change(c, 'user.disable', 'user:' || u.login,
	    jsonb_build_object('disabled', false),
	    jsonb_build_object('disabled', true));
	RETURN NEXT scc.user_row(u);
END
$$;

CREATE FUNCTION api.assign(p_token bytea, p_login text, p_school bigint,
    p_remove text) RETURNS SETOF scc.rec_user
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
DECLARE
	c	 scc.caller := scc.caller(p_token);
	u	 scc.app_user;
	s	 scc.school;
	v_remove boolean := false;
	v_had	 boolean;
BEGIN
	PERFORM scc.require(scc.can_manage_users(c), 'manage assignments');
	u := scc.user_get(c, p_login, true);
	s := scc.school_get(c, p_school);
	IF p_remove IS NOT NULL THEN
		v_remove := scc.arg_yes('remove', p_remove);
	END IF;
	IF u.role <> 'link_partner' THEN
		PERFORM scc.raise_invalid('user', format('user: %s is a %s; only '
		    'link partners are assigned schools', u.login,
		    replace(u.role, '_', ' ')));
	END IF;
	v_had := EXISTS (SELECT 1 FROM scc.assignment a
	    WHERE a.user_id = u.id AND a.school_id = s.id);
	IF v_had = NOT v_remove THEN
		PERFORM scc.raise_conflict(format('%s is %s assigned to school %s',
		    u.login, CASE WHEN v_had THEN 'already' ELSE 'not' END, s.id));
	END IF;
	IF v_remove THEN
		DELETE FROM scc.assignment a
		WHERE a.user_id = u.id AND a.school_id = s.id;
	ELSE
		INSERT INTO scc.assignment (user_id, school_id, authority_id)
		VALUES (u.id, s.id, c.authority_id);
	END IF;
	PERFORM scc.record_change(c, CASE WHEN v_remove THEN 'user.unassign'
	    ELSE 'user.assign' END, 'user:' || u.login,
	    jsonb_build_object('school', CASE WHEN v_had THEN s.id END),
	    jsonb_build_object('school', CASE WHEN NOT v_remove THEN s.id END),
	    ARRAY[u.id]);
	RETURN NEXT scc.user_row(u);
END
$$;

-- ---------------------------------------------------------------------------
-- The audit log: newest first; after= continues below the id given.

CREATE FUNCTION api.audit_list(p_token bytea, p_case bigint, p_user text,
    p_from date, p_limit bigint, p_after bigint) RETURNS SETOF scc.rec_audit
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
DECLARE
	c	 scc.caller := scc.caller(p_token);
	v_limit	 int := scc.page_limit(p_limit);
	v_user	 bigint;
	v_target text;
BEGIN
	PERFORM scc.require(scc.can_read_audit(c), 'read the audit log');
	IF p_case IS NOT NULL THEN
		v_target := 'case:' || (scc.case_get(c, p_case)).id;
	END IF;
	IF p_user IS NOT NULL THEN
		v_user := (scc.user_get(c, p_user)).id;
	END IF;
	RETURN QUERY
	SELECT 'AUDIT'::text, a.id, scc.wire_time(a.at), u.login,
	    a.what, a.target, a.detail::text, encode(a.hash, 'hex')
	FROM scc.audit a LEFT JOIN scc.app_user u ON u.id = a.user_id
	WHERE a.authority_id = c.authority_id
	    AND (v_target IS NULL OR a.target = v_target)
	    AND (v_user IS NULL OR a.user_id = v_user)
	    AND (p_from IS NULL OR a.at >= p_from)
	    AND (p_after IS NULL OR a.id < p_after)
	ORDER BY a.id DESC LIMIT v_limit;
END
$$;

CREATE FUNCTION api.audit_verify(p_token bytea)
    RETURNS TABLE (rec text, verified bigint, first bigint, last bigint)
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
DECLARE
	c	scc.caller := scc.caller(p_token);
	v	record;
BEGIN
	PERFORM scc.require(scc.can_read_audit(c), 'read the audit log');
	SELECT * INTO v FROM scc.audit_verify(c.authority_id);
	IF v.broken IS NOT NULL THEN
		PERFORM scc.raise_conflict(format('audit entry %s does not hold: '
		    'its hash or its link to the entry before was changed',
		    v.broken), v.broken::text);
	END IF;
	RETURN QUERY SELECT 'AUDIT'::text, v.verified, v.first_id, v.last_id;
END
$$;

REVOKE EXECUTE ON FUNCTION
    api.user_add(bytea, text, text, text, bigint, text, text),
    api.user_list(bytea, text, bigint, bigint, bigint),
    api.user_disable(bytea, text), api.assign(bytea, text, bigint, text),
    api.audit_list(bytea, bigint, text, date, bigint, bigint),
    api.audit_verify(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    api.user_add(bytea, text, text, text, bigint, text, text),
    api.user_list(bytea, text, bigint, bigint, bigint),
    api.user_disable(bytea, text), api.assign(bytea, text, bigint, text),
    api.audit_list(bytea, bigint, text, date, bigint, bigint),
    api.audit_verify(bytea) TO scc_api;
