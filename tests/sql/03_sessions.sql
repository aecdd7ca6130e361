-- Sessions: expiry, resume, whoami, password change, logout.
\ir fixture.psql

DO $$
BEGIN
	PERFORM t.login_rec('head.oakfield', NULL, true, 'idle', 1, 3600);
	PERFORM t.login_rec('head.oakfield', NULL, true, 'short', 3600, 1);
	PERFORM t.login_rec('head.oakfield', NULL, true, 'long', 3600, 3600);
	PERFORM t.check('a fresh session resumes',
	    (SELECT rec FROM api.session_resume(t.tok('idle'))) = 'SESSION');
END
$$;

SELECT pg_sleep(1.2);

DO $$
BEGIN
	PERFORM t.expect_error('an idle session expires',
	    $q$SELECT api.session_resume(t.tok('idle'))$q$, 'SC003');
	PERFORM t.expect_error('a session past its lifetime expires',
	    $q$SELECT api.whoami(t.tok('short'))$q$, 'SC003');
	PERFORM t.check('a live session still works',
	    (SELECT login FROM api.whoami(t.tok('long'))) = 'head.oakfield');
	PERFORM t.expect_error('an unknown token is EXPIRED',
	    $q$SELECT api.whoami(t.tok('never-issued'))$q$, 'SC003');
	PERFORM t.expect_error('a NULL token is EXPIRED',
	    $q$SELECT api.whoami(NULL)$q$, 'SC003');
END
$$;

DO $$
DECLARE
	r	record;
BEGIN
	SELECT * INTO r FROM api.whoami(t.tok('long'));
	PERFORM t.check('whoami of a headteacher names the school',
	    r.rec = 'USER' AND r.login = 'head.oakfield' AND r.name = 'Ann Head'
	    AND r.role = 'headteacher' AND r.authority = 'Ealing'
	    AND r.school = (SELECT id FROM scc.school WHERE urn = '100001')
	    AND r.id = (SELECT id FROM scc.app_user WHERE login = 'head.oakfield'));
	PERFORM t.login_rec('lead.ealing', NULL, true, 'lead');
	SELECT * INTO r FROM api.whoami(t.tok('lead'));
	PERFORM t.check('whoami of a lead officer has no school',
	    r.role = 'lead_officer' AND r.school IS NULL);
	SELECT * INTO r FROM api.session_resume(t.tok('lead'));
	PERFORM t.check('resume answers like login',
	    r.rec = 'SESSION' AND r.login = 'lead.ealing' AND r.role = 'lead_officer'
	    AND r.expires ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$');
END
$$;

-- last_seen is written only when it has aged a tenth of the idle limit,
-- at most 60 s (3600 s here: 60 s).
UPDATE scc.session SET last_seen = now() - interval '30 s'
WHERE token_hash = t.tok('lead');
SELECT * FROM api.whoami(t.tok('lead'));
DO $$
BEGIN
	PERFORM t.check('a recent last_seen is not rewritten',
	    (SELECT last_seen < now() - interval '29 s' FROM scc.session
	     WHERE token_hash = t.tok('lead')));
END
$$;
UPDATE scc.session SET last_seen = now() - interval '400 s'
WHERE token_hash = t.tok('lead');
SELECT * FROM api.whoami(t.tok('lead'));
DO $$
BEGIN
	PERFORM t.check('an old last_seen is brought up to date',
	    (SELECT last_seen > now() - interval '60 s' FROM scc.session
	     WHERE token_hash = t.tok('lead')));
END
$$;
UPDATE scc.session SET last_seen = now() - interval '100 s'
WHERE token_hash = t.tok('lead');
SELECT * FROM api.session_resume(t.tok('lead'));
DO $$
BEGIN
	PERFORM t.check('resume brings an old last_seen up to date',
	    (SELECT last_seen > now() - interval '60 s' FROM scc.session
	     WHERE token_hash = t.tok('lead')));
END
$$;
-- RESUME follows the same rule, so a burst of resumes is not a burst of writes.
UPDATE scc.session SET last_seen = now() - interval '30 s'
WHERE token_hash = t.tok('lead');
SELECT * FROM api.session_resume(t.tok('lead'));
DO $$
BEGIN
	PERFORM t.check('resume leaves a recent last_seen alone',
	    (SELECT last_seen < now() - interval '29 s' FROM scc.session
	     WHERE token_hash = t.tok('lead')));
END
$$;

-- Disabling a user ends their sessions at once.
DO $$
BEGIN
	PERFORM t.login_rec('link.ealing', NULL, true, 'link');
	UPDATE scc.app_user SET disabled = true WHERE login = 'link.ealing';
	PERFORM t.expect_error('a disabled user''s session is EXPIRED',
	    $q$SELECT api.whoami(t.tok('link'))$q$, 'SC003');
END
$$;

-- PASSWORD ends every other session of the user.
DO $$
DECLARE
	r	record;
BEGIN
	PERFORM t.login_rec('gov.oakfield', NULL, true, 'gov1');
	PERFORM t.login_rec('gov.oakfield', NULL, true, 'gov2');
	PERFORM t.login_rec('gov.oakfield', NULL, true, 'gov3');
	PERFORM t.check('password_begin gives the stored hash, unlocked',
	    (SELECT pwhash = '$argon2id$gov' AND locked_for = 0
	     FROM api.password_begin(t.tok('gov1'), '10.9.9.9', 3, 5, 60, 30)));
	SELECT * INTO r FROM api.password_set(t.tok('gov1'), '$argon2id$new',
	    '10.9.9.9');
	PERFORM t.check('password_set reports the sessions it ended',
	    r.rec = 'PASSWORD' AND r.ended = 2);
	PERFORM t.check('the hash is changed',
	    (SELECT pwhash FROM scc.app_user WHERE login = 'gov.oakfield')
	    = '$argon2id$new');
	PERFORM t.check('the session that changed it goes on',
	    (SELECT login FROM api.whoami(t.tok('gov1'))) = 'gov.oakfield');
	PERFORM t.expect_error('the other sessions are over',
	    $q$SELECT api.whoami(t.tok('gov2'))$q$, 'SC003');
	PERFORM t.check('another user''s sessions are untouched',
	    (SELECT login FROM api.whoami(t.tok('long'))) = 'head.oakfield');
	PERFORM t.check('the change is audited without the hash',
	    (SELECT count(*) FROM scc.audit WHERE what = 'password'
	     AND target = 'gov.oakfield'
	     AND detail::text NOT LIKE '%argon2id%') = 1);
	PERFORM t.expect_error('password_set refuses an empty hash',
	    $q$SELECT api.password_set(t.tok('gov1'), '', '10.9.9.9')$q$, 'SC006',
	    'new');
	PERFORM t.expect_error('password_set needs a live session',
	    $q$SELECT api.password_set(t.tok('gov2'), 'x', '10.9.9.9')$q$, 'SC003');
END
$$;

-- LOGOUT, of one session and of all.
DO $$
DECLARE
	r	record;
BEGIN
	PERFORM t.login_rec('lead.hackney', NULL, true, 'h1');
	PERFORM t.login_rec('lead.hackney', NULL, true, 'h2');
	PERFORM t.login_rec('lead.hackney', NULL, true, 'h3');
	PERFORM t.login_rec('lead.hackney', NULL, true, 'h4');
	SELECT * INTO r FROM api.logout(t.tok('h1'), false);
	PERFORM t.check('logout ends this session', r.rec = 'LOGOUT' AND r.ended = 1);
	PERFORM t.expect_error('a logged-out session is over',
	    $q$SELECT api.whoami(t.tok('h1'))$q$, 'SC003');
	PERFORM t.check('the others go on',
	    (SELECT login FROM api.whoami(t.tok('h2'))) = 'lead.hackney');
	SELECT * INTO r FROM api.logout(t.tok('h2'), true);
	PERFORM t.check('logout all ends every session of the user', r.ended = 3);
	PERFORM t.check('none is left',
	    NOT EXISTS (SELECT 1 FROM scc.session s JOIN scc.app_user u
		ON u.id = s.user_id WHERE u.login = 'lead.hackney'));
	SELECT * INTO r FROM api.logout(t.tok('h3'), true);
	PERFORM t.check('logout of a dead session succeeds, ending nothing',
	    r.ended = 0);
	SELECT * INTO r FROM api.logout(NULL, false);
	PERFORM t.check('logout without a session succeeds', r.ended = 0);
	PERFORM t.check('logouts are audited',
	    (SELECT count(*) FROM scc.audit WHERE what = 'logout'
	     AND target = 'lead.hackney') = 2);
END
$$;

-- A dead session is cleared when its user next logs in.
DO $$
BEGIN
	PERFORM t.login_rec('head.oakfield', NULL, true, 'later');
	PERFORM t.check('expired sessions go at the next login',
	    NOT EXISTS (SELECT 1 FROM scc.session
		WHERE token_hash IN (t.tok('idle'), t.tok('short'))));
	PERFORM t.expect_error('a token cannot be issued twice',
	    $q$SELECT t.login_rec('head.oakfield', NULL, true, 'later')$q$,
	    '23505');
END
$$;

-- A wrong old password counts as a failed login, and locks like one.  The
-- guess is counted when password_begin admits it, before sccd checks it.
DO $$
DECLARE
	r	record;
BEGIN
	PERFORM admin.user_add('Ealing', 'chair.elm', 'Cass Chair', 'governor',
	    '100002', NULL, '$argon2id$chair');
	PERFORM t.login_rec('chair.elm', NULL, true, 'pwguess');
	-- (checks on a function's effects are separate statements: one
	-- SELECT does not see what a function it calls has written)
	PERFORM t.check('a guess is admitted',
	    (SELECT locked_for = 0 FROM api.password_begin(t.tok('pwguess'),
	     '10.8.8.8', 3, 5, 60, 30)));
	PERFORM t.check('and counted before it is checked',
	    (SELECT failures FROM scc.login_throttle
	     WHERE key = 'user:chair.elm') = 1);
	SELECT * INTO r FROM api.password_failed(t.tok('pwguess'), '10.8.8.8',
	    3, 5, 60, 30);
	PERFORM t.check('a wrong old password is refused, not yet locked',
	    r.rec = 'AUTHFAILED' AND r.locked_for = 0);
	PERFORM t.check('and not counted twice',
	    (SELECT failures FROM scc.login_throttle
	     WHERE key = 'user:chair.elm') = 1);
	PERFORM api.password_begin(t.tok('pwguess'), '10.8.8.8', 3, 5, 60, 30);
	PERFORM api.password_failed(t.tok('pwguess'), '10.8.8.8', 3, 5, 60, 30);
	PERFORM api.password_begin(t.tok('pwguess'), '10.8.8.8', 3, 5, 60, 30);
	SELECT * INTO r FROM api.password_failed(t.tok('pwguess'), '10.8.8.8',
	    3, 5, 60, 30);
	PERFORM t.check('the third wrong old password locks the account',
	    r.locked_for BETWEEN 1 AND 30, r.locked_for::text);
	PERFORM t.check('password_begin then says locked',
	    (SELECT locked_for > 0 FROM api.password_begin(t.tok('pwguess'),
	     '10.7.7.7', 3, 5, 60, 30)));
	PERFORM t.check('and so does login_begin',
	    (SELECT locked_for > 0 FROM api.login_begin('chair.elm', '10.7.7.7',
	     3, 5, 60, 30)));
	PERFORM t.check('each guess is audited as a failed login',
	    (SELECT count(*) FROM scc.audit WHERE what = 'login.failed'
	     AND target = 'chair.elm'
	     AND detail->>'reason' = 'password change') = 3);
END
$$;

-- Guesses of the old password sent together: each is counted as it is
-- admitted, so no more than the limit are ever checked.  A check that
-- could not run takes its guess back; the right password clears the count.
DO $$
DECLARE
	admitted	int := 0;
	i		int;
BEGIN
	PERFORM admin.user_add('Ealing', 'chair.par', 'Pat Parallel', 'governor',
	    '100002', NULL, '$argon2id$par');
	PERFORM t.login_rec('chair.par', NULL, true, 'pwpar');
	PERFORM api.password_begin(t.tok('pwpar'), '10.6.6.6', 3, 50, 60, 30);
	PERFORM t.check('a check that could not run is given up',
	    (SELECT rec FROM api.password_abandon(t.tok('pwpar'), '10.6.6.6'))
	    = 'ABANDONED');
	PERFORM t.check('and its guess taken back',
	    (SELECT failures FROM scc.login_throttle
	     WHERE key = 'user:chair.par') = 0);
	FOR i IN 1..10 LOOP
		IF (SELECT locked_for FROM api.password_begin(t.tok('pwpar'),
		    '10.6.6.6', 3, 50, 60, 30)) = 0 THEN
			admitted := admitted + 1;
		END IF;
	END LOOP;
	PERFORM t.check('of ten guesses in flight, three are admitted',
	    admitted = 3, admitted::text);
	PERFORM t.check('the right one, admitted before the lock, still works',
	    (SELECT rec FROM api.password_set(t.tok('pwpar'), '$argon2id$par2',
	     '10.6.6.6')) = 'PASSWORD');
	PERFORM t.check('and clears the account''s count',
	    NOT EXISTS (SELECT 1 FROM scc.login_throttle
	     WHERE key = 'user:chair.par'));
END
$$;
