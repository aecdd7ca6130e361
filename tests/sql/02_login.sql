-- LOGIN: the two steps, the throttle per account and per address, lockout.
-- Limits used (t.login): 3 per account, 5 per address, 60 s window, 30 s lock.
\ir fixture.psql

DO $$
DECLARE
	r	record;
BEGIN
	SELECT * INTO r FROM api.login_begin('lead.ealing', '192.0.2.1', 60);
	PERFORM t.check('login_begin gives an enabled user''s hash',
	    r.pwhash = '$argon2id$lead' AND r.locked_for = 0);
	SELECT * INTO r FROM api.login_begin('LEAD.Ealing', '192.0.2.1', 60);
	PERFORM t.check('login_begin ignores case', r.pwhash = '$argon2id$lead');
	SELECT * INTO r FROM api.login_begin('nobody', '192.0.2.1', 60);
	PERFORM t.check('login_begin: unknown user has no hash, not locked',
	    r.pwhash IS NULL AND r.locked_for = 0);
	UPDATE scc.app_user SET disabled = true WHERE login = 'gov.oakfield';
	SELECT * INTO r FROM api.login_begin('gov.oakfield', '192.0.2.1', 60);
	PERFORM t.check('login_begin: disabled user has no hash',
	    r.pwhash IS NULL AND r.locked_for = 0);
	PERFORM t.check('a disabled user cannot log in even when sccd says ok',
	    t.login_rec('gov.oakfield', '192.0.2.1', true) = 'AUTHFAILED');
	PERFORM t.check('an unknown user cannot log in even when sccd says ok',
	    t.login_rec('nobody', '192.0.2.1', true) = 'AUTHFAILED');
	PERFORM t.check('login_begin writes nothing',
	    NOT EXISTS (SELECT 1 FROM scc.login_throttle
		WHERE key = 'user:lead.ealing'));
END
$$;

DO $$
DECLARE
	r	record;
BEGIN
	SELECT * INTO r FROM t.login('head.oakfield', '192.0.2.2', true, 'tok-a')
	    AS (rec text, login text, name text, role text, expires text);
	PERFORM t.check('a good login gives a SESSION record',
	    r.rec = 'SESSION' AND r.login = 'head.oakfield'
	    AND r.name = 'Ann Head' AND r.role = 'headteacher');
	PERFORM t.check('expires is UTC ISO 8601',
	    r.expires ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$', r.expires);
	PERFORM t.check('the session is stored by its hash',
	    (SELECT expires_at FROM scc.session WHERE token_hash = t.tok('tok-a'))
	    BETWEEN now() + interval '35999 s' AND now() + interval '36001 s');
	PERFORM t.check('the login is audited',
	    (SELECT count(*) FROM scc.audit a JOIN scc.app_user u ON u.id = a.user_id
	     WHERE a.what = 'login' AND u.login = 'head.oakfield'
	     AND a.detail->>'addr' = '192.0.2.2') = 1);
	PERFORM t.expect_error('a token hash must be 32 octets',
	    $q$SELECT api.login_finish('head.oakfield', '192.0.2.2', true,
		'\x0102', 60, 60, 3, 5, 60, 30)$q$, 'SC006', 'token');
	PERFORM t.expect_error('the idle limit must be positive',
	    $q$SELECT api.login_finish('head.oakfield', '192.0.2.2', true,
		t.tok('x'), 0, 60, 3, 5, 60, 30)$q$, 'SC006', 'idle');
END
$$;

-- Account lockout: the third failure locks, from any address.
DO $$
DECLARE
	v_rec	text;
BEGIN
	v_rec := t.login_rec('lead.ealing', '198.51.100.1', false);
	PERFORM t.check('a wrong password is AUTHFAILED, not an error',
	    v_rec = 'AUTHFAILED');
	PERFORM t.login_rec('lead.ealing', '198.51.100.2', false);
	PERFORM t.check('two failures are counted against the account',
	    (SELECT failures FROM scc.login_throttle
	     WHERE key = 'user:lead.ealing') = 2);
	PERFORM t.check('two failures do not lock',
	    (SELECT locked_for FROM api.login_begin('lead.ealing', '203.0.113.9', 60)) = 0);
	PERFORM t.login_rec('lead.ealing', '198.51.100.3', false);
	PERFORM t.check('the third failure locks the account for the lockout',
	    (SELECT locked_for FROM api.login_begin('lead.ealing', '203.0.113.9', 60))
	    BETWEEN 29 AND 30);
	PERFORM t.check('each address got one failure',
	    (SELECT failures FROM scc.login_throttle
	     WHERE key = 'addr:198.51.100.1') = 1);
	PERFORM t.check('failures are audited under the account''s authority',
	    (SELECT count(*) FROM scc.audit a JOIN scc.authority au
	     ON au.id = a.authority_id WHERE a.what = 'login.failed'
	     AND au.name = 'Ealing' AND a.target = 'lead.ealing') = 3);
END
$$;

-- A right password while locked (guesses sent in parallel) is still refused.
DO $$
DECLARE
	v_sessions	bigint := (SELECT count(*) FROM scc.session);
BEGIN
	PERFORM t.check('a locked account refuses the right password',
	    t.login_rec('lead.ealing', '203.0.113.9', true) = 'AUTHFAILED');
	PERFORM t.check('and no session is made',
	    (SELECT count(*) FROM scc.session) = v_sessions);
	PERFORM t.check('the refusal is audited as locked',
	    EXISTS (SELECT 1 FROM scc.audit WHERE what = 'login.failed'
		AND target = 'lead.ealing' AND detail->>'reason' = 'locked'));
	PERFORM t.check('a refusal while locked is not another failure',
	    (SELECT failures FROM scc.login_throttle
	     WHERE key = 'user:lead.ealing') = 3);
END
$$;

-- The lock ends; a window that is over starts again.
DO $$
BEGIN
	UPDATE scc.login_throttle SET locked_until = now() - interval '1 s',
	    window_start = now() - interval '2 min'
	WHERE key = 'user:lead.ealing';
	PERFORM t.check('an expired lock no longer locks',
	    (SELECT locked_for FROM api.login_begin('lead.ealing', '203.0.113.9', 60)) = 0);
	PERFORM t.login_rec('lead.ealing', '203.0.113.9', false);
	PERFORM t.check('a failure after the window starts counting again',
	    (SELECT failures FROM scc.login_throttle
	     WHERE key = 'user:lead.ealing') = 1);
END
$$;

DO $$
BEGIN
	PERFORM t.check('a good login after failures succeeds',
	    t.login_rec('lead.ealing', '203.0.113.9', true) = 'SESSION');
	PERFORM t.check('it clears the account''s failures',
	    NOT EXISTS (SELECT 1 FROM scc.login_throttle
		WHERE key = 'user:lead.ealing'));
	PERFORM t.check('but not the address''s',
	    (SELECT failures FROM scc.login_throttle
	     WHERE key = 'addr:203.0.113.9') = 1);
END
$$;

-- Address lockout: five failures from one address, over different names,
-- lock that address for everyone, and only that address.
DO $$
DECLARE
	i	int;
BEGIN
	FOR i IN 1..4 LOOP
		PERFORM t.login_rec('guess' || i, '192.0.2.66', false);
	END LOOP;
	PERFORM t.check('four failures from an address do not lock it',
	    (SELECT locked_for FROM api.login_begin('link.ealing', '192.0.2.66', 60)) = 0);
	PERFORM t.login_rec('guess5', '192.0.2.66', false);
	PERFORM t.check('the fifth failure locks the address',
	    (SELECT locked_for FROM api.login_begin('link.ealing', '192.0.2.66', 60)) > 0);
	PERFORM t.check('other addresses are not locked',
	    (SELECT locked_for FROM api.login_begin('link.ealing', '192.0.2.67', 60)) = 0);
	PERFORM t.check('the guessed names are not locked',
	    (SELECT failures FROM scc.login_throttle WHERE key = 'user:guess1') = 1);
	PERFORM t.check('unknown logins are audited without authority or user',
	    (SELECT count(*) FROM scc.audit WHERE what = 'login.failed'
	     AND target LIKE 'guess%' AND authority_id IS NULL
	     AND user_id IS NULL) = 5);
	PERFORM t.check('login_begin does not tell a locked unknown user from a known one',
	    (SELECT locked_for FROM api.login_begin('guess1', '192.0.2.66', 60))
	    = (SELECT locked_for FROM api.login_begin('link.ealing', '192.0.2.66', 60)));
END
$$;

-- Old rows are swept as failures come in.
DO $$
BEGIN
	UPDATE scc.login_throttle SET window_start = now() - interval '1 hour',
	    locked_until = NULL WHERE key LIKE 'user:guess%';
	PERFORM t.login_rec('someone', '192.0.2.99', false);
	PERFORM t.check('stale throttle rows are swept',
	    NOT EXISTS (SELECT 1 FROM scc.login_throttle WHERE key LIKE 'user:guess%'));
	PERFORM t.check('live ones are kept',
	    EXISTS (SELECT 1 FROM scc.login_throttle WHERE key = 'addr:192.0.2.66'));
END
$$;
