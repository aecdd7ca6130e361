-- The role sccd logs in as (scc_app, a member of scc_api) may execute the
-- api functions and nothing else.
\ir fixture.psql

-- first, from the catalogue, as the owner
DO $$
BEGIN
	PERFORM t.check('every api function is SECURITY DEFINER with a safe search_path',
	    NOT EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace n
		ON n.oid = p.pronamespace WHERE n.nspname = 'api'
		AND (NOT p.prosecdef OR p.proconfig IS NULL
		    OR NOT 'search_path=scc, pg_temp' = ANY (p.proconfig))),
	    (SELECT string_agg(p.oid::regprocedure::text, ', ') FROM pg_proc p
	     JOIN pg_namespace n ON n.oid = p.pronamespace
	     WHERE n.nspname = 'api' AND (NOT p.prosecdef OR p.proconfig IS NULL
		OR NOT 'search_path=scc, pg_temp' = ANY (p.proconfig))));
	-- A SQL-standard body (BEGIN ATOMIC, RETURN) is bound when it is
	-- created, so one not run with its owner's rights may go without.
	PERFORM t.check('every function in scc, api and admin sets search_path '
	    'or has a body bound at creation',
	    NOT EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace n
		ON n.oid = p.pronamespace
		WHERE n.nspname IN ('scc', 'api', 'admin')
		AND NOT (p.prosqlbody IS NOT NULL AND NOT p.prosecdef)
		AND (p.proconfig IS NULL OR NOT EXISTS (SELECT 1
		    FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=%'))),
	    (SELECT string_agg(p.oid::regprocedure::text, ', ') FROM pg_proc p
	     JOIN pg_namespace n ON n.oid = p.pronamespace
	     WHERE n.nspname IN ('scc', 'api', 'admin')
		AND NOT (p.prosqlbody IS NOT NULL AND NOT p.prosecdef)
		AND (p.proconfig IS NULL OR NOT EXISTS (SELECT 1
		    FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=%'))));
	-- Dates are England's whatever the session's TimeZone (017).
	PERFORM t.check('every api and admin function runs in Europe/London',
	    NOT EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace n
		ON n.oid = p.pronamespace WHERE n.nspname IN ('api', 'admin')
		AND (p.proconfig IS NULL
		    OR NOT 'TimeZone=Europe/London' = ANY (p.proconfig))),
	    (SELECT string_agg(p.oid::regprocedure::text, ', ') FROM pg_proc p
	     JOIN pg_namespace n ON n.oid = p.pronamespace
	     WHERE n.nspname IN ('api', 'admin') AND (p.proconfig IS NULL
		OR NOT 'TimeZone=Europe/London' = ANY (p.proconfig))));
	PERFORM t.check('PUBLIC may execute none of our functions',
	    NOT EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace n
		ON n.oid = p.pronamespace
		WHERE n.nspname IN ('scc', 'api', 'admin')
		AND has_function_privilege('public', p.oid, 'EXECUTE')),
	    (SELECT string_agg(p.oid::regprocedure::text, ', ') FROM pg_proc p
	     JOIN pg_namespace n ON n.oid = p.pronamespace
	     WHERE n.nspname IN ('scc', 'api', 'admin')
	     AND has_function_privilege('public', p.oid, 'EXECUTE')));
	PERFORM t.check('scc_api may execute every api function',
	    (SELECT bool_and(has_function_privilege('scc_api', p.oid, 'EXECUTE'))
	     FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
	     WHERE n.nspname = 'api'));
	PERFORM t.check('scc_api may execute no scc or admin function',
	    NOT EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace n
		ON n.oid = p.pronamespace WHERE n.nspname IN ('scc', 'admin')
		AND has_function_privilege('scc_api', p.oid, 'EXECUTE')));
	PERFORM t.check('scc_app has no right on any table or sequence',
	    NOT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n
		ON n.oid = c.relnamespace
		WHERE n.nspname IN ('scc', 'api', 'admin')
		AND c.relkind IN ('r', 'S', 'v', 'p')
		AND (has_table_privilege('scc_app', c.oid,
		    'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
		    OR (c.relkind = 'S'
			AND has_sequence_privilege('scc_app', c.oid, 'USAGE')))));
	PERFORM t.check('scc_app may use schema api only',
	    has_schema_privilege('scc_app', 'api', 'USAGE')
	    AND NOT has_schema_privilege('scc_app', 'api', 'CREATE')
	    AND NOT has_schema_privilege('scc_app', 'scc', 'USAGE')
	    AND NOT has_schema_privilege('scc_app', 'admin', 'USAGE'));
	PERFORM t.check('scc_api cannot log in', NOT (SELECT rolcanlogin
	    FROM pg_roles WHERE rolname = 'scc_api'));
	-- The checks above cover whatever exists; these make sure the login
	-- functions sccd calls are the ones that exist, so a misspelt
	-- signature cannot pass by not being there.
	PERFORM t.check('login_begin is the counting one, callable by scc_api',
	    to_regprocedure('api.login_begin(text, text, integer)') IS NULL
	    AND has_function_privilege('scc_api',
		'api.login_begin(text, text, int, int, int, int)', 'EXECUTE')
	    AND NOT has_function_privilege('public',
		'api.login_begin(text, text, int, int, int, int)', 'EXECUTE'));
	PERFORM t.check('login_finish keeps its signature and grants',
	    has_function_privilege('scc_api', 'api.login_finish(text, text,
		boolean, bytea, int, int, int, int, int, int)', 'EXECUTE')
	    AND NOT has_function_privilege('public', 'api.login_finish(text,
		text, boolean, bytea, int, int, int, int, int, int)', 'EXECUTE'));
	PERFORM t.check('the throttle helpers of 004 are private',
	    NOT has_function_privilege('scc_api', 'scc.throttle_unfail(text)',
		'EXECUTE')
	    AND NOT has_function_privilege('public', 'scc.throttle_unfail(text)',
		'EXECUTE')
	    AND NOT has_function_privilege('scc_api',
		'scc.throttle_failures(text, int)', 'EXECUTE')
	    AND NOT has_function_privilege('scc_api',
		'scc.login_failed_audit(text, text, scc.app_user, text)',
		'EXECUTE'));
END
$$;

\connect - scc_app
\o /dev/null

DO $$
BEGIN
	PERFORM t.check('running as scc_app', current_user = 'scc_app');
	PERFORM t.expect_error('scc_app cannot read users',
	    $q$SELECT * FROM scc.app_user$q$, '42501');
	PERFORM t.expect_error('scc_app cannot read sessions',
	    $q$SELECT * FROM scc.session$q$, '42501');
	PERFORM t.expect_error('scc_app cannot write the audit log',
	    $q$INSERT INTO scc.audit (what, hash) VALUES ('x', '\x00')$q$, '42501');
	PERFORM t.expect_error('scc_app cannot call scc.audit_add',
	    $q$SELECT scc.audit_add(NULL, NULL, 'x', NULL, NULL)$q$, '42501');
	PERFORM t.expect_error('scc_app cannot add an authority',
	    $q$SELECT admin.authority_add('Evil', 'evil', 'E', 'h')$q$, '42501');
	PERFORM t.expect_error('scc_app cannot add a user',
	    $q$SELECT admin.user_add('Ealing', 'evil', 'E', 'lead_officer',
		NULL, NULL, 'h')$q$, '42501');
	PERFORM t.expect_error('scc_app cannot create in schema api',
	    $q$CREATE FUNCTION api.evil() RETURNS int LANGUAGE sql RETURN 1$q$,
	    '42501');
	PERFORM t.check('scc_app can ask the schema version',
	    api.schema_version() >= 3);
	PERFORM t.check('scc_app can begin a login',
	    (SELECT pwhash FROM api.login_begin('lead.ealing', '192.0.2.1',
	     3, 5, 60, 30)) = '$argon2id$lead');
	PERFORM t.expect_error('scc_app cannot take back a failure itself',
	    $q$SELECT scc.throttle_unfail('user:lead.ealing')$q$, '42501');
	PERFORM t.check('scc_app can finish one',
	    t.login_rec('lead.ealing', '192.0.2.1', true, 'app') = 'SESSION');
	PERFORM t.check('and use the session',
	    (SELECT authority FROM api.whoami(t.tok('app'))) = 'Ealing');
	PERFORM t.check('and end it',
	    (SELECT ended FROM api.logout(t.tok('app'), false)) = 1);
END
$$;

-- A temporary object cannot stand in for one of ours: pg_temp comes last.
CREATE TEMP TABLE app_user (id bigint, login text, pwhash text,
    disabled boolean);
INSERT INTO pg_temp.app_user VALUES (1, 'lead.ealing', 'forged', false);
DO $$
BEGIN
	PERFORM t.check('a temporary table does not shadow scc.app_user',
	    (SELECT pwhash FROM api.login_begin('lead.ealing', NULL,
	     3, 5, 60, 30)) = '$argon2id$lead');
END
$$;
