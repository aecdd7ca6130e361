-- 002 sessions: login throttling, sessions, and the api functions of the
-- Session commands (LOGIN, RESUME, WHOAMI, PASSWORD, LOGOUT).
--
-- Refusals are raised with our own SQLSTATEs, which sccd maps to response
-- codes: SC001 AUTHFAILED, SC002 LOCKED, SC003 EXPIRED, SC004 NOTFOUND,
-- SC005 FORBIDDEN, SC006 INVALID (DETAIL: the argument), SC007 CONFLICT,
-- SC008 TOOBIG, SC009 LIMIT, SC010 AUTHREQUIRED.
--
-- api functions returning records give the record type first (rec), then
-- its fields named as on the wire; NULL fields are left out by sccd.

-- Only hashes of tokens are kept: a copy of this table opens no session.
CREATE TABLE scc.session (
	token_hash	bytea PRIMARY KEY CHECK (octet_length(token_hash) = 32),
	user_id		bigint NOT NULL REFERENCES scc.app_user (id)
			    ON DELETE CASCADE,
	created_at	timestamptz NOT NULL DEFAULT now(),
	last_seen	timestamptz NOT NULL DEFAULT now(),
	idle_seconds	int NOT NULL CHECK (idle_seconds > 0),
	expires_at	timestamptz NOT NULL
);
CREATE INDEX session_user_idx ON scc.session (user_id);

-- Failed logins per account ('user:<login>') and per client address
-- ('addr:<address>'), counted over a window.
CREATE TABLE scc.login_throttle (
	key		text PRIMARY KEY,
	failures	int NOT NULL DEFAULT 0 CHECK (failures >= 0),
	window_start	timestamptz NOT NULL DEFAULT now(),
	locked_until	timestamptz
);
-- old rows are swept by age
CREATE INDEX login_throttle_window_idx ON scc.login_throttle (window_start);

-- ---------------------------------------------------------------------------
-- Internal helpers.

CREATE FUNCTION scc.raise_invalid(p_argument text, p_message text)
    RETURNS void
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
BEGIN
	RAISE EXCEPTION USING ERRCODE = 'SC006', MESSAGE = p_message,
	    DETAIL = p_argument;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.raise_invalid(text, text) FROM PUBLIC;

-- Keys are cut short: logins are at most 64 octets, and an attacker's
-- garbage should not make big rows.
CREATE FUNCTION scc.throttle_user_key(p_login text) RETURNS text
	LANGUAGE sql IMMUTABLE
	SET search_path = scc, pg_temp
	RETURN 'user:' || left(lower(p_login), 100);
REVOKE EXECUTE ON FUNCTION scc.throttle_user_key(text) FROM PUBLIC;

CREATE FUNCTION scc.throttle_addr_key(p_addr text) RETURNS text
	LANGUAGE sql IMMUTABLE
	SET search_path = scc, pg_temp
	RETURN 'addr:' || left(nullif(p_addr, ''), 100);
REVOKE EXECUTE ON FUNCTION scc.throttle_addr_key(text) FROM PUBLIC;

-- Seconds until every given key is unlocked; 0 when none is locked.
CREATE FUNCTION scc.throttle_locked_for(p_keys text[]) RETURNS int
	LANGUAGE sql STABLE
	SET search_path = scc, pg_temp
BEGIN ATOMIC
	SELECT coalesce(ceil(extract(epoch FROM max(t.locked_until) - now()))::int, 0)
	FROM scc.login_throttle t
	WHERE t.key = ANY (p_keys) AND t.locked_until > now();
END;
REVOKE EXECUTE ON FUNCTION scc.throttle_locked_for(text[]) FROM PUBLIC;

-- Count one failure against a key.  A window older than p_window_s starts
-- again; reaching p_max failures locks the key for p_lockout_s (p_max < 1:
-- never lock).
CREATE FUNCTION scc.throttle_fail(p_key text, p_max int, p_window_s int,
    p_lockout_s int) RETURNS void
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
DECLARE
	v_window	interval := make_interval(secs => p_window_s);
	v_failures	int;
BEGIN
	IF p_key IS NULL THEN
		RETURN;
	END IF;
	INSERT INTO scc.login_throttle AS t (key, failures, window_start)
	VALUES (p_key, 1, now())
	ON CONFLICT (key) DO UPDATE SET
	    failures = CASE WHEN t.window_start < now() - v_window
		THEN 1 ELSE t.failures + 1 END,
	    window_start = CASE WHEN t.window_start < now() - v_window
		THEN now() ELSE t.window_start END
	RETURNING t.failures INTO v_failures;

	IF p_max >= 1 AND v_failures >= p_max THEN
		UPDATE scc.login_throttle t
		SET locked_until = greatest(t.locked_until,
		    now() + make_interval(secs => p_lockout_s))
		WHERE t.key = p_key;
	END IF;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.throttle_fail(text, int, int, int) FROM PUBLIC;

-- Take the account's and the address's turn, always in that order.  Row
-- locks alone cannot do this: a key with no row yet locks nothing, and a
-- row inserted meanwhile would then be taken in the other order.
CREATE FUNCTION scc.throttle_lock(p_user_key text, p_addr_key text)
    RETURNS void
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
BEGIN
	PERFORM pg_advisory_xact_lock(724102, hashtext(p_user_key));
	IF p_addr_key IS NOT NULL THEN
		PERFORM pg_advisory_xact_lock(724103, hashtext(p_addr_key));
	END IF;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.throttle_lock(text, text) FROM PUBLIC;

-- Forget keys whose window and lock are both over, a bounded batch at a
-- time, so the table follows recent attacks rather than all of history.
CREATE FUNCTION scc.throttle_sweep(p_window_s int) RETURNS void
	LANGUAGE sql
	SET search_path = scc, pg_temp
BEGIN ATOMIC
	DELETE FROM scc.login_throttle d
	WHERE d.key IN (
		SELECT t.key FROM scc.login_throttle t
		WHERE t.window_start < now() - make_interval(secs => p_window_s)
		    AND (t.locked_until IS NULL OR t.locked_until < now())
		ORDER BY t.window_start
		LIMIT 50
		FOR UPDATE SKIP LOCKED);
END;
REVOKE EXECUTE ON FUNCTION scc.throttle_sweep(int) FROM PUBLIC;

-- The user a live session belongs to, or EXPIRED.  Every api function that
-- takes a session starts here.  last_seen is written only when it has aged
-- a tenth of the idle limit, so ordinary requests do not each write a row.
CREATE FUNCTION scc.session_get(p_token_hash bytea) RETURNS scc.app_user
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
DECLARE
	v_session	scc.session;
	v_user		scc.app_user;
BEGIN
	SELECT s.* INTO v_session FROM scc.session s
	WHERE s.token_hash = p_token_hash;
	IF NOT FOUND
	    OR now() >= v_session.expires_at
	    OR now() >= v_session.last_seen
		+ make_interval(secs => v_session.idle_seconds) THEN
		RAISE EXCEPTION USING ERRCODE = 'SC003',
		    MESSAGE = 'session expired';
	END IF;

	SELECT u.* INTO v_user FROM scc.app_user u WHERE u.id = v_session.user_id;
	IF NOT FOUND OR v_user.disabled THEN
		RAISE EXCEPTION USING ERRCODE = 'SC003',
		    MESSAGE = 'session expired';
	END IF;

	-- Writing last_seen on every request would make every read a write;
	-- a tenth of the idle time (at most a minute) is close enough.
	IF now() - v_session.last_seen
	    >= make_interval(secs => least(60, v_session.idle_seconds / 10.0)) THEN
		UPDATE scc.session s SET last_seen = now()
		WHERE s.token_hash = p_token_hash;
	END IF;
	RETURN v_user;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.session_get(bytea) FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- LOGIN, in two steps around the password check, which sccd does outside the
-- database (argon2id on its hashing threads).

-- The stored hash of an enabled user (NULL for an unknown or disabled one:
-- sccd then checks against a dummy hash, so time tells nothing either), and
-- how long the account or the address is locked.  p_window_s is accepted for
-- symmetry with login_finish; a lock is absolute, so it is not needed here.
CREATE FUNCTION api.login_begin(p_login text, p_addr text, p_window_s int)
    RETURNS TABLE (pwhash text, locked_for int)
	LANGUAGE plpgsql STABLE SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
#variable_conflict use_column
BEGIN
	RETURN QUERY
	SELECT (SELECT u.pwhash FROM scc.app_user u
		WHERE u.login = lower(p_login) AND NOT u.disabled),
	    scc.throttle_locked_for(ARRAY[scc.throttle_user_key(p_login),
		scc.throttle_addr_key(p_addr)]);
END
$$;
REVOKE EXECUTE ON FUNCTION api.login_begin(text, text, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.login_begin(text, text, int) TO scc_api;

-- Record a failed login.  Not raised: an exception would roll back the
-- failure count and the audit entry that this exists to keep.
CREATE FUNCTION scc.login_failed(p_login text, p_addr text, p_user scc.app_user,
    p_reason text, p_max_account int, p_max_address int, p_window_s int,
    p_lockout_s int)
    RETURNS TABLE (rec text, login text, name text, role text, expires text)
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
BEGIN
	-- the caller holds scc.throttle_lock for both keys
	IF p_reason <> 'locked' THEN
		PERFORM scc.throttle_fail(scc.throttle_user_key(p_login),
		    p_max_account, p_window_s, p_lockout_s);
		PERFORM scc.throttle_fail(scc.throttle_addr_key(p_addr),
		    p_max_address, p_window_s, p_lockout_s);
	END IF;
	PERFORM scc.throttle_sweep(greatest(p_window_s, 1));
	PERFORM scc.audit_add(p_user.authority_id, p_user.id, 'login.failed',
	    left(p_login, 100),
	    jsonb_build_object('addr', p_addr, 'reason', p_reason));
	RETURN QUERY SELECT 'AUTHFAILED'::text, NULL::text, NULL::text,
	    NULL::text, NULL::text;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.login_failed(text, text, scc.app_user, text,
    int, int, int, int) FROM PUBLIC;

-- After the password check: p_ok says whether it matched.  A refusal comes
-- back as one row with rec = 'AUTHFAILED', never as an error, so that the
-- failure is counted and audited.
CREATE FUNCTION api.login_finish(p_login text, p_addr text, p_ok boolean,
    p_token_hash bytea, p_idle_s int, p_absolute_s int, p_max_account int,
    p_max_address int, p_window_s int, p_lockout_s int)
    RETURNS TABLE (rec text, login text, name text, role text, expires text)
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
#variable_conflict use_column
DECLARE
	v_user		scc.app_user;
	v_user_key	text := scc.throttle_user_key(p_login);
	v_addr_key	text := scc.throttle_addr_key(p_addr);
	v_locked	boolean := false;
	v_expires	timestamptz;
BEGIN
	IF p_ok AND (p_token_hash IS NULL OR octet_length(p_token_hash) <> 32) THEN
		PERFORM scc.raise_invalid('token', 'a session token hash is 32 octets');
	END IF;
	IF p_idle_s IS NULL OR p_idle_s < 1 THEN
		PERFORM scc.raise_invalid('idle', 'idle timeout must be positive');
	END IF;
	IF p_absolute_s IS NULL OR p_absolute_s < 1 THEN
		PERFORM scc.raise_invalid('absolute', 'session lifetime must be positive');
	END IF;

	-- Held to commit.  Guesses sent in parallel all pass login_begin
	-- before any failure is counted; taking turns here, and looking at the
	-- lock again below, keeps them to the limit.
	PERFORM scc.throttle_lock(v_user_key, v_addr_key);

	SELECT u.* INTO v_user FROM scc.app_user u WHERE u.login = lower(p_login);
	IF NOT FOUND OR v_user.disabled OR p_ok IS NOT TRUE THEN
		RETURN QUERY SELECT * FROM scc.login_failed(p_login, p_addr,
		    v_user, 'password', p_max_account, p_max_address,
		    p_window_s, p_lockout_s);
		RETURN;
	END IF;

	IF scc.throttle_locked_for(ARRAY[v_user_key, v_addr_key]) > 0 THEN
		RETURN QUERY SELECT * FROM scc.login_failed(p_login, p_addr,
		    v_user, 'locked', p_max_account, p_max_address,
		    p_window_s, p_lockout_s);
		RETURN;
	END IF;

	-- the account is proven; the address keeps its count
	DELETE FROM scc.login_throttle t WHERE t.key = v_user_key;
	-- the user's dead sessions go now, so the table does not grow forever
	DELETE FROM scc.session s WHERE s.user_id = v_user.id
	    AND (s.expires_at <= now()
	    OR s.last_seen + make_interval(secs => s.idle_seconds) <= now());

	v_expires := now() + make_interval(secs => p_absolute_s);
	INSERT INTO scc.session (token_hash, user_id, idle_seconds, expires_at)
	VALUES (p_token_hash, v_user.id, p_idle_s, v_expires);
	PERFORM scc.audit_add(v_user.authority_id, v_user.id, 'login',
	    v_user.login, jsonb_build_object('addr', p_addr));

	RETURN QUERY SELECT 'SESSION'::text, v_user.login, v_user.name::text,
	    v_user.role, scc.wire_time(v_expires);
END
$$;
REVOKE EXECUTE ON FUNCTION api.login_finish(text, text, boolean, bytea, int,
    int, int, int, int, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.login_finish(text, text, boolean, bytea, int,
    int, int, int, int, int) TO scc_api;

-- RESUME: carry on a session; it counts as activity.
CREATE FUNCTION api.session_resume(p_token_hash bytea)
    RETURNS TABLE (rec text, login text, name text, role text, expires text)
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
#variable_conflict use_column
DECLARE
	v_user		scc.app_user := scc.session_get(p_token_hash);
	v_expires	timestamptz;
BEGIN
	-- session_get has already refreshed last_seen if it was due.
	SELECT s.expires_at INTO v_expires FROM scc.session s
	WHERE s.token_hash = p_token_hash;

	RETURN QUERY SELECT 'SESSION'::text, v_user.login, v_user.name::text,
	    v_user.role, scc.wire_time(v_expires);
END
$$;
REVOKE EXECUTE ON FUNCTION api.session_resume(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.session_resume(bytea) TO scc_api;

CREATE FUNCTION api.whoami(p_token_hash bytea)
    RETURNS TABLE (rec text, id bigint, login text, name text, role text,
    authority text, school bigint)
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
#variable_conflict use_column
DECLARE
	v_user	scc.app_user := scc.session_get(p_token_hash);
BEGIN
	RETURN QUERY
	SELECT 'USER'::text, v_user.id, v_user.login, v_user.name::text,
	    v_user.role, a.name::text, v_user.school_id
	FROM scc.authority a
	WHERE a.id = v_user.authority_id;
END
$$;
REVOKE EXECUTE ON FUNCTION api.whoami(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.whoami(bytea) TO scc_api;

-- PASSWORD, in two steps around the check of the old password in sccd.
-- A locked account or address is told so before any check is made.
CREATE FUNCTION api.password_begin(p_token_hash bytea, p_addr text)
    RETURNS TABLE (pwhash text, locked_for int)
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
#variable_conflict use_column
DECLARE
	v_user	scc.app_user := scc.session_get(p_token_hash);
BEGIN
	RETURN QUERY SELECT v_user.pwhash, scc.throttle_locked_for(ARRAY[
	    scc.throttle_user_key(v_user.login), scc.throttle_addr_key(p_addr)]);
END
$$;
REVOKE EXECUTE ON FUNCTION api.password_begin(bytea, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.password_begin(bytea, text) TO scc_api;

-- A wrong old password counts as a failed login: otherwise a session left
-- open on a shared computer would let anyone guess the password at leisure.
CREATE FUNCTION api.password_failed(p_token_hash bytea, p_addr text,
    p_max_account int, p_max_address int, p_window_s int, p_lockout_s int)
    RETURNS TABLE (rec text, locked_for int)
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
#variable_conflict use_column
DECLARE
	v_user		scc.app_user := scc.session_get(p_token_hash);
	v_user_key	text := scc.throttle_user_key(v_user.login);
	v_addr_key	text := scc.throttle_addr_key(p_addr);
BEGIN
	PERFORM scc.throttle_lock(v_user_key, v_addr_key);
	PERFORM scc.login_failed(v_user.login, p_addr, v_user, 'password change',
	    p_max_account, p_max_address, p_window_s, p_lockout_s);
	RETURN QUERY SELECT 'AUTHFAILED'::text,
	    scc.throttle_locked_for(ARRAY[v_user_key, v_addr_key]);
END
$$;
REVOKE EXECUTE ON FUNCTION api.password_failed(bytea, text, int, int, int, int)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.password_failed(bytea, text, int, int, int, int)
    TO scc_api;

-- A new password ends every other session: whoever may have learnt the old
-- one is put out.
CREATE FUNCTION api.password_set(p_token_hash bytea, p_newhash text)
    RETURNS TABLE (rec text, ended int)
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
#variable_conflict use_column
DECLARE
	v_user	scc.app_user := scc.session_get(p_token_hash);
	v_ended	int;
BEGIN
	IF p_newhash IS NULL OR char_length(p_newhash) NOT BETWEEN 1 AND 512
	    OR p_newhash ~ '[[:cntrl:][:space:]]' THEN
		PERFORM scc.raise_invalid('new', 'not a password hash');
	END IF;
	UPDATE scc.app_user u SET pwhash = p_newhash WHERE u.id = v_user.id;
	DELETE FROM scc.session s
	WHERE s.user_id = v_user.id AND s.token_hash <> p_token_hash;
	GET DIAGNOSTICS v_ended = ROW_COUNT;
	-- never the hash itself: the audit log is readable by lead officers
	PERFORM scc.audit_add(v_user.authority_id, v_user.id, 'password',
	    v_user.login, jsonb_build_object('sessions_ended', v_ended));
	RETURN QUERY SELECT 'PASSWORD'::text, v_ended;
END
$$;
REVOKE EXECUTE ON FUNCTION api.password_set(bytea, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.password_set(bytea, text) TO scc_api;

-- LOGOUT always succeeds: with a dead or unknown session there is nothing
-- left to end.
CREATE FUNCTION api.logout(p_token_hash bytea, p_all boolean)
    RETURNS TABLE (rec text, ended int)
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
#variable_conflict use_column
DECLARE
	v_user	scc.app_user;
	v_ended	int;
BEGIN
	BEGIN
		v_user := scc.session_get(p_token_hash);
	EXCEPTION WHEN SQLSTATE 'SC003' THEN
		DELETE FROM scc.session s WHERE s.token_hash = p_token_hash;
		RETURN QUERY SELECT 'LOGOUT'::text, 0;
		RETURN;
	END;

	IF p_all IS TRUE THEN
		DELETE FROM scc.session s WHERE s.user_id = v_user.id;
	ELSE
		DELETE FROM scc.session s WHERE s.token_hash = p_token_hash;
	END IF;
	GET DIAGNOSTICS v_ended = ROW_COUNT;
	PERFORM scc.audit_add(v_user.authority_id, v_user.id, 'logout',
	    v_user.login, jsonb_build_object('all', p_all IS TRUE,
	    'sessions_ended', v_ended));
	RETURN QUERY SELECT 'LOGOUT'::text, v_ended;
END
$$;
REVOKE EXECUTE ON FUNCTION api.logout(bytea, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.logout(bytea, boolean) TO scc_api;
