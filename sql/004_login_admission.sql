-- 004 login admission: a guess is counted as a failure when it is let in,
-- not when its password has been checked.
--
-- sccd checks the password (argon2id) between login_begin and login_finish,
-- outside the database and taking real time.  In 002 a failure was counted
-- only in login_finish, so any number of guesses sent at once all passed
-- login_begin before the first was counted: the limit per account held only
-- for guesses made one after another.  Now login_begin counts each guess it
-- admits, under the same per-key lock login_finish takes, so at most
-- p_max_account guesses for a name are ever admitted in a window, however
-- many arrive together.  login_finish takes the count back when the guess
-- turns out right (or was never checked), and otherwise only audits it.

-- Take back one provisionally counted failure.  Never below zero, and a
-- key with no row (swept, or cleared by a good login meanwhile) stays
-- without one.  The lock, if this admission set one, is left standing: the
-- key does not know which admission set it, and lifting a lock is never
-- what a throttle should do on a guess.
CREATE FUNCTION scc.throttle_unfail(p_key text) RETURNS void
	LANGUAGE sql
	SET search_path = scc, pg_temp
BEGIN ATOMIC
	UPDATE scc.login_throttle t SET failures = greatest(t.failures - 1, 0)
	WHERE t.key = p_key;
END;
REVOKE EXECUTE ON FUNCTION scc.throttle_unfail(text) FROM PUBLIC;

-- Failures counted against a key in its current window; 0 when it has no
-- row or the window is over (the next failure would start it again).
CREATE FUNCTION scc.throttle_failures(p_key text, p_window_s int) RETURNS int
	LANGUAGE sql STABLE
	SET search_path = scc, pg_temp
BEGIN ATOMIC
	SELECT coalesce((SELECT t.failures FROM scc.login_throttle t
	    WHERE t.key = p_key
	    AND t.window_start >= now() - make_interval(secs => p_window_s)), 0);
END;
REVOKE EXECUTE ON FUNCTION scc.throttle_failures(text, int) FROM PUBLIC;

-- A failed login that login_begin has already counted: audit it and give
-- the refusal row, touching no count.  scc.login_failed stays for
-- api.password_failed, where nothing was counted beforehand.
CREATE FUNCTION scc.login_failed_audit(p_login text, p_addr text,
    p_user scc.app_user, p_reason text)
    RETURNS TABLE (rec text, login text, name text, role text, expires text)
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
BEGIN
	PERFORM scc.audit_add(p_user.authority_id, p_user.id, 'login.failed',
	    left(p_login, 100),
	    jsonb_build_object('addr', p_addr, 'reason', p_reason));
	RETURN QUERY SELECT 'AUTHFAILED'::text, NULL::text, NULL::text,
	    NULL::text, NULL::text;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.login_failed_audit(text, text, scc.app_user,
    text) FROM PUBLIC;

-- Addresses people have logged in from, and when last.  Only the order in
-- which sccd checks passwords looks at it: under a flood of first guesses
-- from addresses never seen before (nothing tells one of those from a real
-- user), a user coming back from a familiar address is checked first.  It
-- grants nothing: admission, counting and penalties are the same for all.
CREATE TABLE scc.login_known_addr (
	addr		text PRIMARY KEY,
	last_ok		timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_known_addr_age_idx ON scc.login_known_addr (last_ok);

-- Remember a good login's address (a write at most once an hour for each),
-- and forget, a bounded batch at a time, those not used for 90 days.
CREATE FUNCTION scc.known_addr_touch(p_addr text) RETURNS void
	LANGUAGE sql
	SET search_path = scc, pg_temp
BEGIN ATOMIC
	INSERT INTO scc.login_known_addr AS k (addr) VALUES (left(p_addr, 100))
	ON CONFLICT (addr) DO UPDATE SET last_ok = now()
	    WHERE k.last_ok < now() - interval '1 hour';
	DELETE FROM scc.login_known_addr d
	WHERE d.addr IN (
		SELECT k.addr FROM scc.login_known_addr k
		WHERE k.last_ok < now() - interval '90 days'
		ORDER BY k.last_ok LIMIT 50
		FOR UPDATE SKIP LOCKED);
END;
REVOKE EXECUTE ON FUNCTION scc.known_addr_touch(text) FROM PUBLIC;

-- Admit one guess for an account from an address: 0 when admitted, and
-- then one failure is already counted against both keys (reaching a limit
-- locks the key for the next admission; this one is in); else the seconds
-- until both keys are free, and nothing is counted, so a flood against a
-- locked key does not prolong the lock.  The lock on both keys is held to
-- commit: admissions for one name (or one address) take turns, each seeing
-- the count the one before left.
CREATE FUNCTION scc.throttle_admit(p_user_key text, p_addr_key text,
    p_max_account int, p_max_address int, p_window_s int, p_lockout_s int)
    RETURNS int
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
DECLARE
	v_locked	int;
BEGIN
	-- NULL limits would quietly disable the throttle (NULL intervals
	-- compare as unknown); refuse them rather than admit unthrottled.
	IF p_max_account IS NULL OR p_max_address IS NULL THEN
		PERFORM scc.raise_invalid('max', 'failure limits must be given');
	END IF;
	IF p_window_s IS NULL OR p_window_s < 1 THEN
		PERFORM scc.raise_invalid('window', 'the window must be positive');
	END IF;
	IF p_lockout_s IS NULL OR p_lockout_s < 1 THEN
		PERFORM scc.raise_invalid('lockout', 'the lockout must be positive');
	END IF;
	PERFORM scc.throttle_lock(p_user_key, p_addr_key);
	v_locked := scc.throttle_locked_for(ARRAY[p_user_key, p_addr_key]);
	IF v_locked > 0 THEN
		RETURN v_locked;
	END IF;
	PERFORM scc.throttle_fail(p_user_key, p_max_account, p_window_s,
	    p_lockout_s);
	PERFORM scc.throttle_fail(p_addr_key, p_max_address, p_window_s,
	    p_lockout_s);
	RETURN 0;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.throttle_admit(text, text, int, int, int, int)
    FROM PUBLIC;

-- The old login_begin only read; leaving it callable would leave a way in
-- that counts nothing.
DROP FUNCTION api.login_begin(text, text, int);

-- Admit one guess, or refuse it because the account or the address is
-- locked.  Admitted: one failure is counted against both now, before sccd
-- queues the guess for hashing; the answer is the stored hash of an enabled
-- user (NULL for an unknown or disabled one: sccd checks against a dummy
-- hash, so time tells nothing either), locked_for 0, and how many failures
-- the address had in the window before this guess, which sccd uses to slow
-- down and deprioritise a source that keeps failing.  Refused: pwhash NULL,
-- the seconds until both keys are free, the same addr_failures, and nothing
-- is counted, so a flood against a locked key does not prolong the lock.
--
-- Nothing but pwhash depends on whether the login exists: unknown names are
-- counted and locked like known ones, and addr_failures is the address's.
CREATE FUNCTION api.login_begin(p_login text, p_addr text, p_max_account int,
    p_max_address int, p_window_s int, p_lockout_s int)
    RETURNS TABLE (pwhash text, locked_for int, addr_failures int,
    addr_known boolean)
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
#variable_conflict use_column
DECLARE
	v_user_key	text := scc.throttle_user_key(p_login);
	v_addr_key	text := scc.throttle_addr_key(p_addr);
	v_locked	int;
	v_addr_failures	int;
	v_addr_known	boolean;
BEGIN
	IF p_login IS NULL THEN
		PERFORM scc.raise_invalid('login', 'a login is needed');
	END IF;
	-- The address's history is read under the lock admission takes (a
	-- transaction may take an advisory lock it holds again), before this
	-- guess is counted.  The statements run in READ COMMITTED with a
	-- fresh snapshot each, which is why this function must not be STABLE.
	PERFORM scc.throttle_lock(v_user_key, v_addr_key);
	v_addr_failures := scc.throttle_failures(v_addr_key, p_window_s);
	v_addr_known := EXISTS (SELECT 1 FROM scc.login_known_addr k
	    WHERE k.addr = left(p_addr, 100)
	    AND k.last_ok > now() - interval '90 days');
	v_locked := scc.throttle_admit(v_user_key, v_addr_key, p_max_account,
	    p_max_address, p_window_s, p_lockout_s);
	IF v_locked > 0 THEN
		RETURN QUERY SELECT NULL::text, v_locked, v_addr_failures,
		    v_addr_known;
		RETURN;
	END IF;
	PERFORM scc.throttle_sweep(p_window_s);

	RETURN QUERY
	SELECT (SELECT u.pwhash FROM scc.app_user u
		WHERE u.login = lower(p_login) AND NOT u.disabled),
	    0, v_addr_failures, v_addr_known;
END
$$;
REVOKE EXECUTE ON FUNCTION api.login_begin(text, text, int, int, int, int)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.login_begin(text, text, int, int, int, int)
    TO scc_api;

-- After the password check of a guess login_begin admitted, which has
-- already been counted as a failure.  p_ok:
--   NULL   sccd could not check it (out of memory): the guess is taken back
--          on both keys and nothing else is written; rec = 'INTERNAL'.
--   false  wrong password (or an unknown or disabled user, whatever p_ok
--          says): audited, not counted again; rec = 'AUTHFAILED'.
--   true   a session, even if a lock was set since admission: the guess
--          was let in before the limit, and the count at admission is what
--          caps guesses in flight.  The account's count is cleared; the
--          address keeps its earlier failures but not this guess.
-- A refusal is a row, never an error, so the audit entry is kept.
-- The limit arguments are kept so the signature of 002 stands; counting is
-- login_begin's now and they are not used.
CREATE OR REPLACE FUNCTION api.login_finish(p_login text, p_addr text,
    p_ok boolean, p_token_hash bytea, p_idle_s int, p_absolute_s int,
    p_max_account int, p_max_address int, p_window_s int, p_lockout_s int)
    RETURNS TABLE (rec text, login text, name text, role text, expires text)
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
#variable_conflict use_column
DECLARE
	v_user		scc.app_user;
	v_user_key	text := scc.throttle_user_key(p_login);
	v_addr_key	text := scc.throttle_addr_key(p_addr);
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

	-- Held to commit, in the order login_begin takes them, so a take-back
	-- cannot interleave with an admission's read and write of a count.
	PERFORM scc.throttle_lock(v_user_key, v_addr_key);

	IF p_ok IS NULL THEN
		PERFORM scc.throttle_unfail(v_user_key);
		PERFORM scc.throttle_unfail(v_addr_key);
		RETURN QUERY SELECT 'INTERNAL'::text, NULL::text, NULL::text,
		    NULL::text, NULL::text;
		RETURN;
	END IF;

	SELECT u.* INTO v_user FROM scc.app_user u WHERE u.login = lower(p_login);
	IF NOT FOUND OR v_user.disabled OR NOT p_ok THEN
		RETURN QUERY SELECT * FROM scc.login_failed_audit(p_login, p_addr,
		    v_user, 'password');
		RETURN;
	END IF;

	-- The account is proven: its count, provisional or not, goes.  The
	-- address's earlier failures stay; only this guess is taken back.
	DELETE FROM scc.login_throttle t WHERE t.key = v_user_key;
	PERFORM scc.throttle_unfail(v_addr_key);
	IF p_addr IS NOT NULL AND p_addr <> '' THEN
		PERFORM scc.known_addr_touch(p_addr);
	END IF;
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
-- CREATE OR REPLACE keeps the grants of 002; stated again so this file
-- says on its own who may call it.
REVOKE EXECUTE ON FUNCTION api.login_finish(text, text, boolean, bytea, int,
    int, int, int, int, int) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.login_finish(text, text, boolean, bytea, int,
    int, int, int, int, int) TO scc_api;

-- ---------------------------------------------------------------------------
-- PASSWORD admits a guess of the old password the same way: counted when
-- admitted, before sccd checks it, so guesses sent in parallel over one
-- session stop at the account's limit too.

DROP FUNCTION api.password_begin(bytea, text);

-- The session's user's stored hash, and how long the account or the address
-- is locked (0: admitted, and one failure counted against both).
CREATE FUNCTION api.password_begin(p_token_hash bytea, p_addr text,
    p_max_account int, p_max_address int, p_window_s int, p_lockout_s int)
    RETURNS TABLE (pwhash text, locked_for int)
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
#variable_conflict use_column
DECLARE
	v_user		scc.app_user := scc.session_get(p_token_hash);
	v_user_key	text := scc.throttle_user_key(v_user.login);
	v_addr_key	text := scc.throttle_addr_key(p_addr);
BEGIN
	RETURN QUERY SELECT v_user.pwhash, scc.throttle_admit(v_user_key,
	    v_addr_key, p_max_account, p_max_address, p_window_s, p_lockout_s);
END
$$;
REVOKE EXECUTE ON FUNCTION api.password_begin(bytea, text, int, int, int, int)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.password_begin(bytea, text, int, int, int, int)
    TO scc_api;

-- A wrong old password: already counted by password_begin, so only
-- audited here.  The signature of 002 stands; the limits are not used.
CREATE OR REPLACE FUNCTION api.password_failed(p_token_hash bytea,
    p_addr text, p_max_account int, p_max_address int, p_window_s int,
    p_lockout_s int)
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
	PERFORM scc.login_failed_audit(v_user.login, p_addr, v_user,
	    'password change');
	RETURN QUERY SELECT 'AUTHFAILED'::text,
	    scc.throttle_locked_for(ARRAY[v_user_key, v_addr_key]);
END
$$;

-- The old password could not be checked (sccd ran out of memory): take
-- the guess back on both keys, as login_finish does.
CREATE FUNCTION api.password_abandon(p_token_hash bytea, p_addr text)
    RETURNS TABLE (rec text)
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
	PERFORM scc.throttle_unfail(v_user_key);
	PERFORM scc.throttle_unfail(v_addr_key);
	RETURN QUERY SELECT 'ABANDONED'::text;
END
$$;
REVOKE EXECUTE ON FUNCTION api.password_abandon(bytea, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.password_abandon(bytea, text) TO scc_api;

-- The right old password: as 002's password_set, and the guess is taken
-- back: the account's count goes (it is proven), the address's loses one.
DROP FUNCTION api.password_set(bytea, text);
CREATE FUNCTION api.password_set(p_token_hash bytea, p_newhash text,
    p_addr text)
    RETURNS TABLE (rec text, ended int)
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
#variable_conflict use_column
DECLARE
	v_user		scc.app_user := scc.session_get(p_token_hash);
	v_user_key	text := scc.throttle_user_key(v_user.login);
	v_addr_key	text := scc.throttle_addr_key(p_addr);
	v_ended		int;
BEGIN
	IF p_newhash IS NULL OR char_length(p_newhash) NOT BETWEEN 1 AND 512
	    OR p_newhash ~ '[[:cntrl:][:space:]]' THEN
		PERFORM scc.raise_invalid('new', 'not a password hash');
	END IF;
	PERFORM scc.throttle_lock(v_user_key, v_addr_key);
	DELETE FROM scc.login_throttle t WHERE t.key = v_user_key;
	PERFORM scc.throttle_unfail(v_addr_key);
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
REVOKE EXECUTE ON FUNCTION api.password_set(bytea, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.password_set(bytea, text, text) TO scc_api;
