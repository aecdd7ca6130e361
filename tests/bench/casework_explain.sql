-- casework_explain.sql: the plans of the queries inside the api functions
-- the casework benchmark measures, as the measured lead officer runs them.
-- Run by the database owner (auto_explain needs it), with -v hash='\x...'
-- (the session's token hash) and -v school=ID (the school SCHOOL SHOW asks
-- for); tests/bench/casework.sh does, and tests/bench/plans.py sorts what
-- comes out.
--
-- Each function is called five times unobserved first: PL/pgSQL plans its
-- queries with the values of the first calls and may then keep a generic
-- plan, and the sixth call is the one a long-lived connection of sccd's
-- runs. That call is explained with every nested statement, down to the
-- SQL functions called once per row, each reported as a NOTICE:
--   "#### NAME" opens a function's section; every "duration: ... plan:"
--   after it is one statement it ran.

\set QUIET on
\o /dev/null
LOAD 'auto_explain';
SET auto_explain.log_analyze = on;
SET auto_explain.log_buffers = on;
SET auto_explain.log_timing = on;
SET auto_explain.log_nested_statements = on;
SET auto_explain.log_level = notice;
SET client_min_messages = notice;
SET auto_explain.log_min_duration = -1;


-- SCHOOL LIST
SELECT * FROM api.school_list(:'hash', NULL, NULL, NULL, NULL);
SELECT * FROM api.school_list(:'hash', NULL, NULL, NULL, NULL);
SELECT * FROM api.school_list(:'hash', NULL, NULL, NULL, NULL);
SELECT * FROM api.school_list(:'hash', NULL, NULL, NULL, NULL);
SELECT * FROM api.school_list(:'hash', NULL, NULL, NULL, NULL);
SET auto_explain.log_min_duration = 0;
DO $$BEGIN RAISE NOTICE '#### SCHOOL LIST'; END$$;
SELECT * FROM api.school_list(:'hash', NULL, NULL, NULL, NULL);
SET auto_explain.log_min_duration = -1;

-- SCHOOL SHOW
SELECT * FROM api.school_show(:'hash', :school);
SELECT * FROM api.school_show(:'hash', :school);
SELECT * FROM api.school_show(:'hash', :school);
SELECT * FROM api.school_show(:'hash', :school);
SELECT * FROM api.school_show(:'hash', :school);
SET auto_explain.log_min_duration = 0;
DO $$BEGIN RAISE NOTICE '#### SCHOOL SHOW'; END$$;
SELECT * FROM api.school_show(:'hash', :school);
SET auto_explain.log_min_duration = -1;

-- CASE LIST
SELECT * FROM api.case_list(:'hash', NULL, NULL, NULL, NULL);
SELECT * FROM api.case_list(:'hash', NULL, NULL, NULL, NULL);
SELECT * FROM api.case_list(:'hash', NULL, NULL, NULL, NULL);
SELECT * FROM api.case_list(:'hash', NULL, NULL, NULL, NULL);
SELECT * FROM api.case_list(:'hash', NULL, NULL, NULL, NULL);
SET auto_explain.log_min_duration = 0;
DO $$BEGIN RAISE NOTICE '#### CASE LIST'; END$$;
SELECT * FROM api.case_list(:'hash', NULL, NULL, NULL, NULL);
SET auto_explain.log_min_duration = -1;

-- DASHBOARD
SELECT * FROM api.dashboard(:'hash', NULL, NULL);
SELECT * FROM api.dashboard(:'hash', NULL, NULL);
SELECT * FROM api.dashboard(:'hash', NULL, NULL);
SELECT * FROM api.dashboard(:'hash', NULL, NULL);
SELECT * FROM api.dashboard(:'hash', NULL, NULL);
SET auto_explain.log_min_duration = 0;
DO $$BEGIN RAISE NOTICE '#### DASHBOARD'; END$$;
SELECT * FROM api.dashboard(:'hash', NULL, NULL);
SET auto_explain.log_min_duration = -1;

-- AUDIT LIST
SELECT * FROM api.audit_list(:'hash', NULL, NULL, NULL, NULL, NULL);
SELECT * FROM api.audit_list(:'hash', NULL, NULL, NULL, NULL, NULL);
SELECT * FROM api.audit_list(:'hash', NULL, NULL, NULL, NULL, NULL);
SELECT * FROM api.audit_list(:'hash', NULL, NULL, NULL, NULL, NULL);
SELECT * FROM api.audit_list(:'hash', NULL, NULL, NULL, NULL, NULL);
SET auto_explain.log_min_duration = 0;
DO $$BEGIN RAISE NOTICE '#### AUDIT LIST'; END$$;
SELECT * FROM api.audit_list(:'hash', NULL, NULL, NULL, NULL, NULL);
SET auto_explain.log_min_duration = -1;
