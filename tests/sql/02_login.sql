-- LOGIN: admission (login_begin counts the guess), the password check's
-- outcome (login_finish), the throttle per account and per address, lockout.
-- Limits used: 3 per account, 5 per address, 60 s window, 30 s lock.
\ir fixture.psql

-- login_begin with the test limits.
CREATE FUNCTION t.begin(p_login text, p_addr text)
    RETURNS TABLE (pwhash text, locked_for int, addr_failures int,
    addr_known boolean)
    LANGUAGE sql AS $$
	SELECT * FROM api.login_begin(p_login, p_addr, 3, 5, 60, 30)
$$;

-- One whole attempt as sccd makes it: admission, then (if admitted) the
-- outcome of the check.  'LOCKED' when admission was refused.
CREATE FUNCTION t.attempt(p_login text, p_addr text, p_ok boolean,
    p_token text DEFAULT NULL) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	IF (SELECT lb.locked_for FROM t.begin(p_login, p_addr) lb) > 0 THEN
		RETURN 'LOCKED';
	END IF;
	RETURN t.login_rec(p_login, p_addr, p_ok, p_token);
END
$$;

-- The failure count of a throttle key; NULL when it has no row.
CREATE FUNCTION t.failures(p_key text) RETURNS int LANGUAGE sql AS $$
	SELECT failures FROM scc.login_throttle WHERE key = p_key
$$;

DO $$
BEGIN
	PERFORM t.check('the three-argument login_begin is gone',
	    to_regprocedure('api.login_begin(text, text, integer)') IS NULL);
END
$$;

-- What admission answers.
DO $$
DECLARE
	r	record;
BEGIN
	SELECT * INTO r FROM t.begin('lead.ealing', '192.0.2.1');
	PERFORM t.check('login_begin gives an enabled user''s hash',
	    r.pwhash = '$argon2id$lead' AND r.locked_for = 0
	    AND r.addr_failures = 0);
	SELECT * INTO r FROM t.begin('LEAD.Ealing', '192.0.2.1');
	PERFORM t.check('login_begin ignores case',
	    r.pwhash = '$argon2id$lead');
	SELECT * INTO r FROM t.begin('nobody', '192.0.2.11');
	PERFORM t.check('login_begin: unknown user has no hash, not locked',
	    r.pwhash IS NULL AND r.locked_for = 0 AND r.addr_failures = 0);
	UPDATE scc.app_user SET disabled = true WHERE login = 'gov.oakfield';
	SELECT * INTO r FROM t.begin('gov.oakfield', '192.0.2.12');
	PERFORM t.check('login_begin: disabled user has no hash',
	    r.pwhash IS NULL AND r.locked_for = 0 AND r.addr_failures = 0);
END
$$;

-- Admission counts the guess, before any password is checked.
DO $$
BEGIN
	PERFORM t.check('login_begin counts a failure against the account',
	    t.failures('user:lead.ealing') = 2);
	PERFORM t.check('and against the address',
	    t.failures('addr:192.0.2.1') = 2);
	PERFORM t.check('unknown names are counted like known ones',
	    t.failures('user:nobody') = 1 AND t.failures('addr:192.0.2.11') = 1);
	PERFORM t.check('admission is not audited (the outcome is)',
	    NOT EXISTS (SELECT 1 FROM scc.audit WHERE what LIKE 'login%'));
	PERFORM t.check('a disabled user cannot log in even when sccd says ok',
	    t.login_rec('gov.oakfield', '192.0.2.12', true) = 'AUTHFAILED');
	PERFORM t.check('an unknown user cannot log in even when sccd says ok',
	    t.login_rec('nobody', '192.0.2.11', true) = 'AUTHFAILED');
	PERFORM t.check('such a refusal does not count the guess twice',
	    t.failures('user:nobody') = 1 AND t.failures('addr:192.0.2.11') = 1
	    AND t.failures('user:gov.oakfield') = 1);
	PERFORM t.check('and no session is made for it',
	    NOT EXISTS (SELECT 1 FROM scc.session));
	PERFORM t.check('it is audited as a failed password',
	    (SELECT count(*) FROM scc.audit WHERE what = 'login.failed'
	     AND detail->>'reason' = 'password'
	     AND target IN ('nobody', 'gov.oakfield')) = 2);
	-- NULL limits would switch the throttle off rather than fail
	PERFORM t.expect_error('login_begin refuses a missing limit',
	    $q$SELECT api.login_begin('lead.ealing', '192.0.2.1', 3, NULL,
		60, 30)$q$, 'SC006', 'max');
	PERFORM t.expect_error('login_begin refuses an empty window',
	    $q$SELECT api.login_begin('lead.ealing', '192.0.2.1', 3, 5,
		0, 30)$q$, 'SC006', 'window');
END
$$;

-- A right password: a session, the account's count cleared, the address
-- left with what it had before this guess.
DO $$
DECLARE
	r	record;
BEGIN
	PERFORM t.begin('head.oakfield', '192.0.2.2');
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
	PERFORM t.check('a good login removes the account''s row',
	    t.failures('user:head.oakfield') IS NULL);
	PERFORM t.check('and takes its guess back from the address',
	    t.failures('addr:192.0.2.2') = 0);
	PERFORM t.expect_error('a token hash must be 32 octets',
	    $q$SELECT api.login_finish('head.oakfield', '192.0.2.2', true,
		'\x0102', 60, 60, 3, 5, 60, 30)$q$, 'SC006', 'token');
	PERFORM t.expect_error('the idle limit must be positive',
	    $q$SELECT api.login_finish('head.oakfield', '192.0.2.2', true,
		t.tok('x'), 0, 60, 3, 5, 60, 30)$q$, 'SC006', 'idle');
	PERFORM t.expect_error('the session lifetime must be positive',
	    $q$SELECT api.login_finish('head.oakfield', '192.0.2.2', false,
		NULL, 60, 0, 3, 5, 60, 30)$q$, 'SC006', 'absolute');
END
$$;

-- The probe: guesses sent together, each admitted before any is checked.
-- Only the account limit's worth get in; the rest are refused at the door.
DO $$
DECLARE
	r	record;
	i	int;
BEGIN
	FOR i IN 1..3 LOOP
		SELECT * INTO r FROM t.begin('link.ealing', '198.18.0.' || i);
		PERFORM t.check('admission ' || i || ' of 3 is let in',
		    r.pwhash = '$argon2id$link' AND r.locked_for = 0);
	END LOOP;
	SELECT * INTO r FROM t.begin('link.ealing', '198.18.0.4');
	PERFORM t.check('the next admission is refused: locked, no hash',
	    r.pwhash IS NULL AND r.locked_for BETWEEN 29 AND 30,
	    r::text);
	PERFORM t.check('a refused admission counts nothing',
	    t.failures('user:link.ealing') = 3
	    AND t.failures('addr:198.18.0.4') IS NULL);
	-- two of the three in flight were wrong
	PERFORM t.check('a wrong guess in flight is AUTHFAILED',
	    t.login_rec('link.ealing', '198.18.0.1', false) = 'AUTHFAILED');
	PERFORM t.login_rec('link.ealing', '198.18.0.2', false);
	PERFORM t.check('and is not counted a second time',
	    t.failures('user:link.ealing') = 3
	    AND t.failures('addr:198.18.0.1') = 1);
	PERFORM t.check('each is audited once, as a wrong password',
	    (SELECT count(*) FROM scc.audit WHERE what = 'login.failed'
	     AND target = 'link.ealing' AND detail->>'reason' = 'password') = 2);
	-- the third was the owner, with the right password
	PERFORM t.check('a right password admitted before the lock succeeds',
	    t.login_rec('link.ealing', '198.18.0.3', true, 'link-ok')
	    = 'SESSION');
	PERFORM t.check('it clears the account''s count and lock',
	    t.failures('user:link.ealing') IS NULL
	    AND (SELECT lb.locked_for FROM t.begin('link.ealing', '198.18.0.5') lb)
		= 0);
	PERFORM t.check('and takes its guess back from its address only',
	    t.failures('addr:198.18.0.3') = 0
	    AND t.failures('addr:198.18.0.2') = 1);
END
$$;

-- sccd could not check the password: the guess is taken back.
DO $$
DECLARE
	r		record;
	v_audit		bigint := (SELECT count(*) FROM scc.audit);
BEGIN
	PERFORM t.begin('lead.hackney', '198.18.1.1');
	PERFORM t.begin('lead.hackney', '198.18.1.1');
	SELECT * INTO r FROM t.login('lead.hackney', '198.18.1.1', NULL)
	    AS (rec text, login text, name text, role text, expires text);
	PERFORM t.check('p_ok NULL answers INTERNAL and nothing else',
	    r.rec = 'INTERNAL' AND r.login IS NULL AND r.name IS NULL
	    AND r.role IS NULL AND r.expires IS NULL, r::text);
	PERFORM t.check('it takes the guess back from account and address',
	    t.failures('user:lead.hackney') = 1
	    AND t.failures('addr:198.18.1.1') = 1);
	PERFORM t.login_rec('lead.hackney', '198.18.1.1', NULL);
	PERFORM t.login_rec('lead.hackney', '198.18.1.1', NULL);
	PERFORM t.check('a take-back never goes below zero',
	    t.failures('user:lead.hackney') = 0
	    AND t.failures('addr:198.18.1.1') = 0);
	PERFORM t.login_rec('lead.hackney', '198.18.1.2', NULL);
	PERFORM t.check('and makes no row where there was none',
	    t.failures('addr:198.18.1.2') IS NULL);
	PERFORM t.check('it writes no audit entry and no session',
	    (SELECT count(*) FROM scc.audit) = v_audit
	    AND NOT EXISTS (SELECT 1 FROM scc.session s JOIN scc.app_user u
		ON u.id = s.user_id WHERE u.login = 'lead.hackney'));
END
$$;

-- addr_failures: the address's failures before this guess, whoever's name
-- was tried; it does not tell a known name from an unknown one.
DO $$
DECLARE
	a	record;
	b	record;
BEGIN
	-- two addresses with the same history: two wrong guesses each
	PERFORM t.attempt('guess.a', '198.18.2.1', false);
	PERFORM t.attempt('guess.b', '198.18.2.1', false);
	PERFORM t.attempt('guess.c', '198.18.2.2', false);
	PERFORM t.attempt('guess.d', '198.18.2.2', false);
	SELECT * INTO a FROM t.begin('head.oakfield', '198.18.2.1');
	SELECT * INTO b FROM t.begin('no.such.name', '198.18.2.2');
	PERFORM t.check('addr_failures counts the address''s earlier failures',
	    a.addr_failures = 2, a::text);
	PERFORM t.check('but not the guess being admitted',
	    t.failures('addr:198.18.2.1') = 3);
	PERFORM t.check('a known and an unknown name get the same answer but the hash',
	    a.pwhash IS NOT NULL AND b.pwhash IS NULL
	    AND (a.locked_for, a.addr_failures) = (b.locked_for, b.addr_failures),
	    a::text || ' ' || b::text);
	PERFORM t.check('a right password does not count toward addr_failures',
	    t.login_rec('head.oakfield', '198.18.2.1', true) = 'SESSION'
	    AND (SELECT lb.addr_failures FROM t.begin('x', '198.18.2.1') lb) = 2);
	UPDATE scc.login_throttle SET window_start = now() - interval '2 min'
	WHERE key = 'addr:198.18.2.2';
	PERFORM t.check('failures of a window that is over are not reported',
	    (SELECT lb.addr_failures FROM t.begin('x', '198.18.2.2') lb) = 0);
	PERFORM t.check('an address-less login reports none',
	    (SELECT lb.addr_failures FROM t.begin('y', NULL) lb) = 0
	    AND (SELECT lb.addr_failures FROM t.begin('y', '') lb) = 0);
END
$$;

-- addr_known: an address someone logged in from lately.  It orders
-- password checks in sccd and decides nothing else.
DO $$
DECLARE
	a	record;
BEGIN
	SELECT * INTO a FROM t.begin('head.oakfield', '198.18.3.1');
	PERFORM t.check('an address never logged in from is not known',
	    a.addr_known IS FALSE, a::text);
	PERFORM t.check('a failed login does not make it known',
	    t.login_rec('head.oakfield', '198.18.3.1', false) = 'AUTHFAILED'
	    AND (SELECT lb.addr_known FROM t.begin('x', '198.18.3.1') lb)
	    IS FALSE);
	PERFORM t.check('a good login makes it known, for any name',
	    t.attempt('head.oakfield', '198.18.3.1', true) = 'SESSION'
	    AND (SELECT lb.addr_known FROM t.begin('no.such.name',
	    '198.18.3.1') lb));
	PERFORM t.check('known or not, a locked answer is the same',
	    (SELECT (lb.pwhash, lb.locked_for) FROM t.begin('x', '198.18.3.2') lb)
	    IS NOT DISTINCT FROM
	    (SELECT (lb.pwhash, lb.locked_for) FROM t.begin('x', '198.18.3.1') lb));
	UPDATE scc.login_known_addr SET last_ok = now() - interval '91 days'
	WHERE addr = '198.18.3.1';
	PERFORM t.check('an address unused for 90 days is not known',
	    (SELECT lb.addr_known FROM t.begin('y', '198.18.3.1') lb) IS FALSE);
	-- two statements: one SELECT would not see what the login deleted
	PERFORM t.check('a good login elsewhere',
	    t.attempt('head.oakfield', '198.18.3.9', true) = 'SESSION');
	PERFORM t.check('forgets addresses unused for 90 days',
	    NOT EXISTS (SELECT 1 FROM scc.login_known_addr
	    WHERE addr = '198.18.3.1'));
END
$$;

-- Account lockout: the third failure locks, from any address.
DO $$
DECLARE
	v_rec	text;
BEGIN
	-- the admissions at the top were never finished: start afresh
	DELETE FROM scc.login_throttle WHERE key = 'user:lead.ealing';
	v_rec := t.attempt('lead.ealing', '198.51.100.1', false);
	PERFORM t.check('a wrong password is AUTHFAILED, not an error',
	    v_rec = 'AUTHFAILED');
	PERFORM t.attempt('lead.ealing', '198.51.100.2', false);
	PERFORM t.check('two failures are counted against the account',
	    t.failures('user:lead.ealing') = 2);
	PERFORM t.attempt('lead.ealing', '198.51.100.3', false);
	PERFORM t.check('the third failure locks the account for the lockout',
	    (SELECT locked_for FROM t.begin('lead.ealing', '203.0.113.9'))
	    BETWEEN 29 AND 30);
	PERFORM t.check('a locked account refuses even the right password',
	    t.attempt('lead.ealing', '203.0.113.9', true) = 'LOCKED');
	PERFORM t.check('each address got one failure',
	    t.failures('addr:198.51.100.2') = 1);
	PERFORM t.check('refused admissions counted nothing',
	    t.failures('user:lead.ealing') = 3
	    AND t.failures('addr:203.0.113.9') IS NULL);
	PERFORM t.check('failures are audited under the account''s authority',
	    (SELECT count(*) FROM scc.audit a JOIN scc.authority au
	     ON au.id = a.authority_id WHERE a.what = 'login.failed'
	     AND au.name = 'Ealing' AND a.target = 'lead.ealing') = 3);
END
$$;

-- The lock ends; a window that is over starts again.
DO $$
BEGIN
	UPDATE scc.login_throttle SET locked_until = now() - interval '1 s',
	    window_start = now() - interval '2 min'
	WHERE key = 'user:lead.ealing';
	PERFORM t.check('an expired lock no longer locks',
	    t.attempt('lead.ealing', '203.0.113.9', false) = 'AUTHFAILED');
	PERFORM t.check('a failure after the window starts counting again',
	    t.failures('user:lead.ealing') = 1);
END
$$;

DO $$
BEGIN
	PERFORM t.check('a good login after failures succeeds',
	    t.attempt('lead.ealing', '203.0.113.9', true) = 'SESSION');
	PERFORM t.check('it clears the account''s failures',
	    t.failures('user:lead.ealing') IS NULL);
	PERFORM t.check('but not the address''s earlier ones',
	    t.failures('addr:203.0.113.9') = 1);
END
$$;

-- Address lockout: five failures from one address, over different names,
-- lock that address for everyone, and only that address.
DO $$
DECLARE
	i	int;
	k	record;
	u	record;
BEGIN
	FOR i IN 1..4 LOOP
		PERFORM t.attempt('guess' || i, '192.0.2.66', false);
	END LOOP;
	PERFORM t.check('four failures from an address do not lock it',
	    t.attempt('lead.hackney', '192.0.2.66', false) = 'AUTHFAILED');
	PERFORM t.check('the fifth locks it, for a known name',
	    t.attempt('lead.hackney', '192.0.2.66', true) = 'LOCKED');
	PERFORM t.check('and for an unknown one',
	    t.attempt('guess9', '192.0.2.66', false) = 'LOCKED');
	PERFORM t.check('other addresses are not locked',
	    (SELECT locked_for FROM t.begin('lead.hackney', '192.0.2.67')) = 0);
	PERFORM t.check('the guessed names are not locked',
	    t.failures('user:guess1') = 1);
	PERFORM t.check('unknown logins are audited without authority or user',
	    (SELECT count(*) FROM scc.audit WHERE what = 'login.failed'
	     AND target ~ '^guess[0-9]$' AND authority_id IS NULL
	     AND user_id IS NULL) = 4);
	SELECT * INTO k FROM t.begin('lead.hackney', '192.0.2.66');
	SELECT * INTO u FROM t.begin('guess1', '192.0.2.66');
	PERFORM t.check('a locked address answers the same for known and unknown names',
	    k.locked_for > 0 AND k.addr_failures = 5
	    AND (k.pwhash, k.locked_for, k.addr_failures)
	    IS NOT DISTINCT FROM (u.pwhash, u.locked_for, u.addr_failures),
	    k::text || ' ' || u::text);
END
$$;

-- A locked account answers the same whether the name exists or not.
DO $$
DECLARE
	i	int;
	k	record;
	u	record;
BEGIN
	FOR i IN 1..3 LOOP
		PERFORM t.begin('gov.oakfield', '198.18.3.' || i);
		PERFORM t.begin('not.a.user', '198.18.4.' || i);
	END LOOP;
	SELECT * INTO k FROM t.begin('gov.oakfield', '198.18.3.9');
	SELECT * INTO u FROM t.begin('not.a.user', '198.18.4.9');
	PERFORM t.check('a locked known name and a locked unknown one look alike',
	    k.locked_for > 0 AND (k.pwhash, k.locked_for, k.addr_failures)
	    IS NOT DISTINCT FROM (u.pwhash, u.locked_for, u.addr_failures),
	    k::text || ' ' || u::text);
	UPDATE scc.app_user SET disabled = false WHERE login = 'gov.oakfield';
	SELECT * INTO k FROM t.begin('gov.oakfield', '198.18.3.9');
	PERFORM t.check('a locked account gives no hash even when enabled',
	    k.pwhash IS NULL AND k.locked_for > 0);
END
$$;

-- Old rows are swept as guesses come in.
DO $$
BEGIN
	UPDATE scc.login_throttle SET window_start = now() - interval '1 hour',
	    locked_until = NULL WHERE key LIKE 'user:guess%';
	PERFORM t.begin('someone', '192.0.2.99');
	PERFORM t.check('stale throttle rows are swept on admission',
	    NOT EXISTS (SELECT 1 FROM scc.login_throttle WHERE key LIKE 'user:guess%'));
	PERFORM t.check('live ones are kept',
	    EXISTS (SELECT 1 FROM scc.login_throttle WHERE key = 'addr:192.0.2.66'));
END
$$;
