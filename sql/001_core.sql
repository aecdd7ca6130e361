-- 001 core: schemas, the role sccd works through, tenants, schools, users,
-- and the append-only audit log.
--
-- Layout of privileges:
--   scc    tables and internal helpers; nobody but the owner (the role that
--          runs the migrations) has any right on it.
--   api    SECURITY DEFINER functions, one per command; the NOLOGIN role
--          scc_api may use the schema and execute them, nothing else.  The
--          role sccd logs in as is made a member of scc_api.
--   admin  functions for `sccd init` and `sccd authority add`; owner only.
--
-- Transaction advisory locks (two-key form), first key:
--   724101 audit chain of one authority, 724102 login throttle of an account,
--   724103 login throttle of an address.  sccd's migrator uses the one-key
--   form, a separate space.

CREATE SCHEMA IF NOT EXISTS scc;
CREATE SCHEMA api;
CREATE SCHEMA admin;

-- Roles belong to the cluster, not the database: a second database in the
-- same cluster finds scc_api already there.
DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'scc_api') THEN
		CREATE ROLE scc_api NOLOGIN;
	END IF;
END
$$;

REVOKE ALL ON SCHEMA scc, api, admin FROM PUBLIC;
GRANT USAGE ON SCHEMA api TO scc_api;

-- Functions are executable by PUBLIC unless told otherwise.  Per-schema
-- default privileges cannot take away that global default, so remove it for
-- every function the owner creates in this database; each function is also
-- revoked explicitly where it is made, so nothing depends on this alone.
ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

-- A name people read: not blank, no control characters, not a novel.
CREATE DOMAIN scc.label AS text
	CHECK (char_length(VALUE) BETWEEN 1 AND 200
	    AND VALUE !~ '[[:cntrl:]]'
	    AND btrim(VALUE) <> '');

CREATE TABLE scc.authority (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name		scc.label NOT NULL UNIQUE,
	created_at	timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE scc.school (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	authority_id	bigint NOT NULL REFERENCES scc.authority (id),
	urn		text NOT NULL UNIQUE CHECK (urn ~ '^[0-9]{6}$'),
	name		scc.label NOT NULL,
	phase		text NOT NULL CHECK (phase IN ('nursery', 'primary',
			    'secondary', 'all_through', 'special', 'pru')),
	ofsted		text NOT NULL DEFAULT 'none' CHECK (ofsted IN
			    ('outstanding', 'good', 'requires_improvement',
			    'serious_weaknesses', 'special_measures', 'none')),
	level		text NOT NULL DEFAULT 'green'
			    CHECK (level IN ('green', 'amber', 'red')),
	created_at	timestamptz NOT NULL DEFAULT now(),
	-- lets other tables require "a school of the same authority" by FK
	UNIQUE (id, authority_id)
);
-- lists are per authority and paged by id
CREATE INDEX school_authority_idx ON scc.school (authority_id, id);

CREATE TABLE scc.app_user (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	authority_id	bigint NOT NULL REFERENCES scc.authority (id),
	login		text NOT NULL UNIQUE
			    CHECK (login ~ '^[a-z0-9._-]{1,64}$'),
	name		scc.label NOT NULL,
	email		text CHECK (char_length(email) <= 254
			    AND email ~ '^[^@[:space:][:cntrl:]]+@[^@[:space:][:cntrl:]]+$'),
	role		text NOT NULL CHECK (role IN ('lead_officer',
			    'link_partner', 'headteacher', 'governor')),
	school_id	bigint,
	pwhash		text NOT NULL CHECK (char_length(pwhash) BETWEEN 1 AND 512),
	disabled	boolean NOT NULL DEFAULT false,
	created_at	timestamptz NOT NULL DEFAULT now(),
	-- a headteacher's or governor's school is one of their own authority
	FOREIGN KEY (school_id, authority_id)
	    REFERENCES scc.school (id, authority_id),
	-- exactly the school-bound roles have a school
	CONSTRAINT app_user_school_role CHECK
	    ((role IN ('headteacher', 'governor')) = (school_id IS NOT NULL))
);
CREATE INDEX app_user_authority_idx ON scc.app_user (authority_id, id);
CREATE INDEX app_user_school_idx ON scc.app_user (school_id)
	WHERE school_id IS NOT NULL;

-- Times on the wire: ISO 8601 in UTC, whole seconds.
CREATE FUNCTION scc.wire_time(p_at timestamptz) RETURNS text
	LANGUAGE sql STABLE
	SET search_path = scc, pg_temp
	RETURN to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"');
REVOKE EXECUTE ON FUNCTION scc.wire_time(timestamptz) FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- Audit: append-only, one hash chain per authority (plus one for events that
-- belong to no authority, such as a failed login with an unknown name).
-- A chain per tenant lets a lead officer verify everything they may read
-- without needing another authority's rows, and keeps tenants from queueing
-- behind each other's writes.

CREATE TABLE scc.audit (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at		timestamptz NOT NULL DEFAULT clock_timestamp(),
	authority_id	bigint REFERENCES scc.authority (id),
	user_id		bigint REFERENCES scc.app_user (id),
	what		text NOT NULL CHECK (what ~ '^[a-z_]+(\.[a-z_]+)*$'),
	target		text,
	detail		jsonb,
	prev_hash	bytea CHECK (octet_length(prev_hash) = 32),
	hash		bytea NOT NULL CHECK (octet_length(hash) = 32)
);
CREATE INDEX audit_authority_idx ON scc.audit (authority_id, id);
CREATE INDEX audit_user_idx ON scc.audit (user_id, id) WHERE user_id IS NOT NULL;

-- The text an entry's hash covers.  A JSON array gives every field an
-- unambiguous boundary; the time is spelt out in UTC to the microsecond so
-- the session's TimeZone cannot change it.
CREATE FUNCTION scc.audit_canonical(p_id bigint, p_at timestamptz,
    p_authority bigint, p_user bigint, p_what text, p_target text,
    p_detail jsonb) RETURNS text
	LANGUAGE sql STABLE
	SET search_path = scc, pg_temp
	RETURN jsonb_build_array(p_id,
	    to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
	    p_authority, p_user, p_what, p_target, p_detail)::text;
REVOKE EXECUTE ON FUNCTION scc.audit_canonical(bigint, timestamptz, bigint,
    bigint, text, text, jsonb) FROM PUBLIC;

CREATE FUNCTION scc.audit_hash(p_prev bytea, p_canonical text) RETURNS bytea
	LANGUAGE sql IMMUTABLE
	SET search_path = scc, pg_temp
	RETURN sha256(coalesce(p_prev, '\x'::bytea) || convert_to(p_canonical, 'UTF8'));
REVOKE EXECUTE ON FUNCTION scc.audit_hash(bytea, text) FROM PUBLIC;

-- The one way to write the audit log.
CREATE FUNCTION scc.audit_add(p_authority bigint, p_user bigint, p_what text,
    p_target text, p_detail jsonb DEFAULT NULL) RETURNS bigint
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
DECLARE
	v_id	bigint;
	v_at	timestamptz := clock_timestamp();
	v_prev	bytea;
BEGIN
	-- Under a snapshot taken at transaction start, an entry committed while
	-- we waited for the lock would be invisible and the chain would fork.
	IF current_setting('transaction_isolation') <> 'read committed' THEN
		RAISE EXCEPTION 'scc.audit_add needs READ COMMITTED isolation';
	END IF;
	-- Serialize the chain: held to commit, so the entry read below is the
	-- latest committed one and ours is the next.
	PERFORM pg_advisory_xact_lock(724101,
	    (coalesce(p_authority, 0) % 2147483647)::int);

	IF p_authority IS NULL THEN
		SELECT a.hash INTO v_prev FROM scc.audit a
		WHERE a.authority_id IS NULL ORDER BY a.id DESC LIMIT 1;
	ELSE
		SELECT a.hash INTO v_prev FROM scc.audit a
		WHERE a.authority_id = p_authority ORDER BY a.id DESC LIMIT 1;
	END IF;

	v_id := nextval(pg_get_serial_sequence('scc.audit', 'id'));
	INSERT INTO scc.audit (id, at, authority_id, user_id, what, target,
	    detail, prev_hash, hash)
	OVERRIDING SYSTEM VALUE
	VALUES (v_id, v_at, p_authority, p_user, p_what, p_target, p_detail,
	    v_prev, scc.audit_hash(v_prev, scc.audit_canonical(v_id, v_at,
	    p_authority, p_user, p_what, p_target, p_detail)));
	RETURN v_id;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.audit_add(bigint, bigint, text, text, jsonb)
    FROM PUBLIC;

-- Check one authority's chain (NULL: the chain of no authority).  verified
-- counts the entries; broken is the first entry whose link or hash does not
-- hold, NULL when the whole chain holds.
CREATE FUNCTION scc.audit_verify(p_authority bigint)
    RETURNS TABLE (verified bigint, first_id bigint, last_id bigint,
    broken bigint)
	LANGUAGE sql STABLE
	SET search_path = scc, pg_temp
BEGIN ATOMIC
	WITH chain AS (
		SELECT a.id, a.prev_hash, a.hash,
		    lag(a.hash) OVER (ORDER BY a.id) AS before,
		    scc.audit_hash(a.prev_hash, scc.audit_canonical(a.id, a.at,
		    a.authority_id, a.user_id, a.what, a.target, a.detail))
		    AS computed
		FROM scc.audit a
		WHERE a.authority_id = p_authority
		    OR (p_authority IS NULL AND a.authority_id IS NULL)
	)
	SELECT count(*), min(c.id), max(c.id),
	    min(c.id) FILTER (WHERE c.prev_hash IS DISTINCT FROM c.before
	    OR c.hash <> c.computed)
	FROM chain c;
END;
REVOKE EXECUTE ON FUNCTION scc.audit_verify(bigint) FROM PUBLIC;

-- The log is append-only.  The owner could drop these triggers; the hash
-- chain is what makes that visible.
CREATE FUNCTION scc.audit_refuse_change() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
BEGIN
	RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
	    MESSAGE = format('the audit log is append-only: %s refused', TG_OP);
END
$$;
REVOKE EXECUTE ON FUNCTION scc.audit_refuse_change() FROM PUBLIC;

CREATE TRIGGER audit_append_only
	BEFORE UPDATE OR DELETE OR TRUNCATE ON scc.audit
	FOR EACH STATEMENT EXECUTE FUNCTION scc.audit_refuse_change();

-- The version the database is at, for `sccd` and the tests.
CREATE FUNCTION api.schema_version() RETURNS int
	LANGUAGE sql STABLE SECURITY DEFINER
	SET search_path = scc, pg_temp
BEGIN ATOMIC
	SELECT coalesce(max(m.version), 0) FROM scc.schema_migrations m;
END;
REVOKE EXECUTE ON FUNCTION api.schema_version() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.schema_version() TO scc_api;
