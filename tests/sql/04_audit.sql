-- The audit log: a hash chain per authority, append-only.
\ir fixture.psql

DO $$
BEGIN
	PERFORM t.login_rec('lead.ealing', '192.0.2.1', true, 'a');
	PERFORM t.login_rec('lead.ealing', '192.0.2.1', false);
	PERFORM t.login_rec('nobody', '192.0.2.1', false);
	PERFORM t.login_rec('lead.hackney', '192.0.2.1', true, 'b');
	PERFORM api.logout(t.tok('a'), false);
	PERFORM scc.audit_add(NULL, NULL, 'test.odd', E'tab\there "q" \\ ü',
	    '{"z": 1, "a": [1, 2.50, null], "nested": {"k": "v"}}');
END
$$;

-- Recompute every hash here, independently of scc.audit_verify.
DO $$
DECLARE
	r		record;
	v_prev		bytea;
	v_chain		bigint := -1;
	v_rows		int := 0;
	v_chains	int := 0;
BEGIN
	FOR r IN SELECT * FROM scc.audit
	    ORDER BY coalesce(authority_id, 0), id LOOP
		IF coalesce(r.authority_id, 0) <> v_chain THEN
			v_chain := coalesce(r.authority_id, 0);
			v_prev := NULL;
			v_chains := v_chains + 1;
		END IF;
		IF r.prev_hash IS DISTINCT FROM v_prev THEN
			RAISE EXCEPTION 'FAILED entry % does not link to its predecessor', r.id;
		END IF;
		IF r.hash <> sha256(coalesce(v_prev, '') || convert_to(
		    jsonb_build_array(r.id, to_char(r.at AT TIME ZONE 'UTC',
		    'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), r.authority_id, r.user_id,
		    r.what, r.target, r.detail)::text, 'UTF8')) THEN
			RAISE EXCEPTION 'FAILED entry % has a wrong hash', r.id;
		END IF;
		v_prev := r.hash;
		v_rows := v_rows + 1;
	END LOOP;
	PERFORM t.check('every hash recomputes and links to its predecessor',
	    v_rows > 10 AND v_chains = 3, v_rows || ' rows, ' || v_chains || ' chains');
END
$$;

DO $$
DECLARE
	r	record;
BEGIN
	SELECT * INTO r FROM scc.audit_verify(
	    (SELECT id FROM scc.authority WHERE name = 'Ealing'));
	PERFORM t.check('audit_verify holds for Ealing',
	    r.broken IS NULL AND r.verified = (SELECT count(*) FROM scc.audit a
		JOIN scc.authority au ON au.id = a.authority_id
		WHERE au.name = 'Ealing')
	    AND r.first_id < r.last_id);
	SELECT * INTO r FROM scc.audit_verify(NULL);
	PERFORM t.check('audit_verify holds for the chain of no authority',
	    r.broken IS NULL AND r.verified = 2);
	PERFORM t.check('a chain starts with no predecessor',
	    (SELECT count(*) FROM scc.audit WHERE prev_hash IS NULL) = 3);
	PERFORM t.check('a time zone setting does not change the hashes',
	    (SELECT broken FROM scc.audit_verify(
		(SELECT id FROM scc.authority WHERE name = 'Hackney'))) IS NULL);
END
$$;

SET TimeZone = 'Pacific/Auckland';
DO $$
BEGIN
	PERFORM t.check('chains verify under another TimeZone',
	    (SELECT bool_and(v.broken IS NULL) FROM scc.authority a,
		scc.audit_verify(a.id) v));
END
$$;
RESET TimeZone;

DO $$
BEGIN
	PERFORM t.expect_error('UPDATE of the audit log is refused',
	    $q$UPDATE scc.audit SET target = 'x'$q$, '42501');
	PERFORM t.expect_error('DELETE from the audit log is refused',
	    $q$DELETE FROM scc.audit WHERE id = 1$q$, '42501');
	PERFORM t.expect_error('TRUNCATE of the audit log is refused',
	    $q$TRUNCATE scc.audit$q$, '42501');
	PERFORM t.check('the refusal says why',
	    t.expect_error('(refusal message)', $q$DELETE FROM scc.audit$q$,
		'42501') LIKE '%append-only%');
	PERFORM t.expect_error('UPDATE that matches nothing is refused too',
	    $q$UPDATE scc.audit SET target = 'x' WHERE false$q$, '42501');
END
$$;

-- Tampering behind the triggers' back is found.
BEGIN;
ALTER TABLE scc.audit DISABLE TRIGGER audit_append_only;
UPDATE scc.audit SET target = 'forged'
WHERE id = (SELECT a.id FROM scc.audit a JOIN scc.authority au
    ON au.id = a.authority_id WHERE au.name = 'Ealing'
    ORDER BY a.id OFFSET 1 LIMIT 1);
DO $$
BEGIN
	PERFORM t.check('an altered entry is found',
	    (SELECT broken FROM scc.audit_verify(
		(SELECT id FROM scc.authority WHERE name = 'Ealing')))
	    = (SELECT id FROM scc.audit WHERE target = 'forged'));
END
$$;
ROLLBACK;

BEGIN;
ALTER TABLE scc.audit DISABLE TRIGGER audit_append_only;
CREATE TEMP TABLE gone AS
SELECT a.id FROM scc.audit a JOIN scc.authority au ON au.id = a.authority_id
WHERE au.name = 'Ealing' ORDER BY a.id OFFSET 2 LIMIT 1;
DELETE FROM scc.audit WHERE id = (SELECT id FROM gone);
DO $$
BEGIN
	PERFORM t.check('a removed entry is found at its successor',
	    (SELECT broken FROM scc.audit_verify(
		(SELECT id FROM scc.authority WHERE name = 'Ealing')))
	    = (SELECT min(a.id) FROM scc.audit a JOIN scc.authority au
		ON au.id = a.authority_id
		WHERE au.name = 'Ealing' AND a.id > (SELECT id FROM gone)));
END
$$;
ROLLBACK;

BEGIN ISOLATION LEVEL REPEATABLE READ;
DO $$
BEGIN
	PERFORM t.expect_error('audit_add refuses a snapshot that could fork the chain',
	    $q$SELECT scc.audit_add(NULL, NULL, 'test.x', NULL, NULL)$q$, 'P0001');
END
$$;
ROLLBACK;

DO $$
BEGIN
	PERFORM t.check('the chains still hold after all that',
	    (SELECT bool_and(v.broken IS NULL) FROM scc.authority a,
		scc.audit_verify(a.id) v)
	    AND (SELECT broken FROM scc.audit_verify(NULL)) IS NULL);
END
$$;
