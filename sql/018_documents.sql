-- 018 documents: files of a case, in versions, streamed in chunks.
--
-- An upload is one transaction on a connection sccd holds for it:
-- api.doc_begin checks who may and makes the version, api.doc_chunk adds
-- the bytes piece by piece, api.doc_finish checks size and SHA-256 against
-- what sccd counted, numbers the version and files it under its name.  Until
-- the COMMIT nothing of it is visible, and a ROLLBACK (or a connection that
-- goes away) leaves nothing behind.  Reading is chunk by chunk too, from
-- any connection: a stored version never changes.

CREATE TYPE scc.doc_kind AS ENUM ('proforma', 'improvement_plan',
    'statement_of_action', 'evidence', 'letter', 'minutes', 'other');
CREATE TYPE scc.doc_versions AS ENUM ('latest', 'all');

-- One name in one case; its versions follow.  A name is data, never a
-- path: any text (quotes, CR/LF, "../") is kept as it was given.
CREATE TABLE scc.document (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	authority_id	bigint NOT NULL,
	case_id		bigint NOT NULL,
	name		text NOT NULL CHECK (octet_length(name) BETWEEN 1 AND 1024),
	UNIQUE (case_id, name),
	FOREIGN KEY (case_id, authority_id)
	    REFERENCES scc.school_case (id, authority_id)
);

-- A version is a DOC: its id is what DOC GET takes.  While uploading it
-- has no document and no number; both come at doc_finish.
CREATE TABLE scc.doc_version (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	authority_id	bigint NOT NULL,
	case_id		bigint NOT NULL,
	document_id	bigint REFERENCES scc.document (id),
	version		int,
	name		text NOT NULL,
	kind		scc.doc_kind NOT NULL,
	media_type	text NOT NULL,
	size		bigint NOT NULL CHECK (size >= 0),
	sha256		bytea CHECK (octet_length(sha256) = 32),
	upload_key	text,
	item_id		bigint REFERENCES scc.agenda_item (id),
	by_id		bigint NOT NULL,
	at		timestamptz NOT NULL DEFAULT now(),
	stored		boolean NOT NULL DEFAULT false,
	UNIQUE (document_id, version),
	FOREIGN KEY (case_id, authority_id)
	    REFERENCES scc.school_case (id, authority_id),
	FOREIGN KEY (by_id, authority_id)
	    REFERENCES scc.app_user (id, authority_id),
	CHECK (NOT stored OR (document_id IS NOT NULL AND version IS NOT NULL
	    AND sha256 IS NOT NULL))
);
CREATE INDEX doc_version_case_idx ON scc.doc_version (case_id, id);
CREATE UNIQUE INDEX doc_version_key_idx ON scc.doc_version (case_id, upload_key)
    WHERE upload_key IS NOT NULL;

CREATE TABLE scc.doc_chunk (
	version_id	bigint NOT NULL REFERENCES scc.doc_version (id),
	seq		int NOT NULL CHECK (seq >= 0),
	data		bytea NOT NULL,
	PRIMARY KEY (version_id, seq)
);

-- A stored version, like confirmed minutes, never changes.
CREATE FUNCTION scc.doc_version_frozen() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
BEGIN
	IF OLD.stored THEN
		PERFORM scc.raise_conflict('a stored document never changes');
	END IF;
	RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.doc_version_frozen() FROM PUBLIC;
CREATE TRIGGER doc_version_frozen BEFORE UPDATE OR DELETE ON scc.doc_version
	FOR EACH ROW EXECUTE FUNCTION scc.doc_version_frozen();

CREATE FUNCTION scc.doc_chunk_frozen() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
BEGIN
	IF (SELECT v.stored FROM scc.doc_version v WHERE v.id = OLD.version_id)
	THEN
		PERFORM scc.raise_conflict('a stored document never changes');
	END IF;
	RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.doc_chunk_frozen() FROM PUBLIC;
CREATE TRIGGER doc_chunk_frozen BEFORE UPDATE OR DELETE ON scc.doc_chunk
	FOR EACH ROW EXECUTE FUNCTION scc.doc_chunk_frozen();

-- ---------------------------------------------------------------------------
-- Records.

CREATE TYPE scc.rec_doc AS (rec text, id bigint, "case" bigint, name text,
    kind text, type text, size bigint, version int, sha256 text, "by" text,
    "at" text, chunks int);

CREATE FUNCTION scc.doc_rows(p_ids bigint[]) RETURNS SETOF scc.rec_doc
	LANGUAGE sql STABLE
	SET search_path = scc, pg_temp
BEGIN ATOMIC
	SELECT 'DOC', v.id, v.case_id, v.name, v.kind::text, v.media_type,
	    v.size, v.version, encode(v.sha256, 'hex'), u.login,
	    scc.wire_time(v.at), NULL::int
	FROM unnest(p_ids) WITH ORDINALITY AS i(id, ord)
	JOIN scc.doc_version v ON v.id = i.id
	JOIN scc.app_user u ON u.id = v.by_id
	ORDER BY i.ord;
END;
REVOKE EXECUTE ON FUNCTION scc.doc_rows(bigint[]) FROM PUBLIC;

-- A stored version the caller can see, or NOTFOUND.
CREATE FUNCTION scc.doc_get(c scc.caller, p_doc bigint) RETURNS scc.doc_version
	LANGUAGE plpgsql STABLE
	SET search_path = scc, pg_temp
AS $$
DECLARE
	v	scc.doc_version;
BEGIN
	SELECT x.* INTO v FROM scc.doc_version x WHERE x.id = p_doc AND x.stored;
	IF NOT FOUND THEN
		PERFORM scc.raise_notfound('document');
	END IF;
	PERFORM scc.case_get(c, v.case_id);
	RETURN v;
EXCEPTION WHEN SQLSTATE 'SC004' THEN
	PERFORM scc.raise_notfound('document');
END
$$;
REVOKE EXECUTE ON FUNCTION scc.doc_get(scc.caller, bigint) FROM PUBLIC;

-- The version being uploaded in this transaction.  Another transaction's
-- cannot be seen before its COMMIT, and after it the version is stored,
-- so an unstored one found here is ours.
CREATE FUNCTION scc.doc_upload(p_upload bigint) RETURNS scc.doc_version
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
DECLARE
	v	scc.doc_version;
BEGIN
	SELECT x.* INTO v FROM scc.doc_version x
	WHERE x.id = p_upload AND NOT x.stored;
	IF NOT FOUND THEN
		PERFORM scc.raise_notfound('upload');
	END IF;
	RETURN v;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.doc_upload(bigint) FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- DOC PUT, in three calls inside one transaction.

-- Who may upload to the case (anyone who sees it: domain.md), the
-- arguments, and the version row.  A key= already used in the case
-- answers that document (rec 'DOC', chunks NULL): sccd then reads and
-- drops the bytes and answers it.  Otherwise the answer is the new
-- upload's id (rec 'UPLOAD').
CREATE FUNCTION api.doc_begin(p_token bytea, p_case bigint, p_name text,
    p_kind text, p_type text, p_size bigint, p_key text, p_item bigint)
    RETURNS SETOF scc.rec_doc
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
	SET TimeZone = 'Europe/London'
AS $$
DECLARE
	c	scc.caller := scc.caller(p_token);
	k	scc.school_case := scc.case_get(c, p_case);
	v_kind	scc.doc_kind;
	v_id	bigint;
BEGIN
	IF p_name IS NULL OR p_name = '' OR octet_length(p_name) > 1024 THEN
		PERFORM scc.raise_invalid('name', 'name: 1 to 1024 octets');
	END IF;
	v_kind := CASE WHEN p_kind IS NULL THEN 'other'
	    ELSE scc.arg_enum('kind', p_kind, NULL::scc.doc_kind) END;
	IF p_type IS NOT NULL
	    AND p_type !~ '^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$' THEN
		PERFORM scc.raise_invalid('type', 'type: a media type, such as '
		    'application/pdf');
	END IF;
	IF p_size IS NULL OR p_size < 0 THEN
		PERFORM scc.raise_invalid('data', 'data: the document''s octets');
	END IF;
	IF p_key IS NOT NULL AND (p_key = '' OR octet_length(p_key) > 200) THEN
		PERFORM scc.raise_invalid('key', 'key: 1 to 200 octets');
	END IF;
	IF p_item IS NOT NULL AND NOT EXISTS (SELECT 1 FROM scc.agenda_item a
	    JOIN scc.meeting m ON m.id = a.meeting_id
	    WHERE a.id = p_item AND a.kind = 'document' AND m.case_id = k.id) THEN
		PERFORM scc.raise_invalid('item', 'item: a document asked for '
		    'on the agenda of a meeting of this case');
	END IF;
	IF p_key IS NOT NULL THEN
		SELECT x.id INTO v_id FROM scc.doc_version x
		WHERE x.case_id = k.id AND x.upload_key = p_key AND x.stored;
		IF FOUND THEN
			RETURN QUERY SELECT * FROM scc.doc_rows(ARRAY[v_id]);
			RETURN;
		END IF;
	END IF;
	INSERT INTO scc.doc_version (authority_id, case_id, name, kind,
	    media_type, size, upload_key, item_id, by_id)
	VALUES (k.authority_id, k.id, p_name, v_kind,
	    coalesce(p_type, 'application/octet-stream'), p_size, p_key, p_item,
	    c.user_id)
	RETURNING id INTO v_id;
	RETURN NEXT ROW('UPLOAD', v_id, k.id, NULL, NULL, NULL, p_size, NULL,
	    NULL, NULL, NULL, NULL)::scc.rec_doc;
END
$$;

CREATE FUNCTION api.doc_chunk(p_upload bigint, p_seq int, p_data bytea)
    RETURNS void
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
	SET TimeZone = 'Europe/London'
AS $$
BEGIN
	PERFORM scc.doc_upload(p_upload);
	INSERT INTO scc.doc_chunk (version_id, seq, data)
	VALUES (p_upload, p_seq, p_data);
END
$$;

-- The octets sccd counted and their SHA-256 must be what was stored.
CREATE FUNCTION api.doc_finish(p_token bytea, p_upload bigint,
    p_sha256 bytea) RETURNS SETOF scc.rec_doc
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
	SET TimeZone = 'Europe/London'
AS $$
DECLARE
	c	scc.caller := scc.caller(p_token);
	v	scc.doc_version := scc.doc_upload(p_upload);
	k	scc.school_case := scc.case_get(c, v.case_id);
	v_doc	bigint;
	v_size	bigint;
	v_sha	bytea;
	v_n	int;
BEGIN
	SELECT coalesce(sum(octet_length(x.data)), 0),
	    sha256(coalesce(string_agg(x.data, ''::bytea ORDER BY x.seq),
	    ''::bytea)), count(*)
	INTO v_size, v_sha, v_n
	FROM scc.doc_chunk x WHERE x.version_id = v.id;
	IF v_size <> v.size OR v_sha IS DISTINCT FROM p_sha256
	    OR (v_n > 0 AND (SELECT max(x.seq) FROM scc.doc_chunk x
		WHERE x.version_id = v.id) <> v_n - 1) THEN
		PERFORM scc.raise_conflict(format('the document stored is not '
		    'the one sent (%s octets of %s)', v_size, v.size));
	END IF;
	INSERT INTO scc.document (authority_id, case_id, name)
	VALUES (v.authority_id, v.case_id, v.name)
	ON CONFLICT (case_id, name) DO NOTHING;
	-- Two uploads of one name number their versions one after the other.
	SELECT d.id INTO v_doc FROM scc.document d
	WHERE d.case_id = v.case_id AND d.name = v.name FOR UPDATE;
	UPDATE scc.doc_version x SET document_id = v_doc, sha256 = v_sha,
	    stored = true, at = now(),
	    version = coalesce((SELECT max(y.version) FROM scc.doc_version y
		WHERE y.document_id = v_doc), 0) + 1
	WHERE x.id = v.id;
	-- A document asked for on an agenda has arrived; once every one a
	-- meeting asked for has, the school's documents deadline is met.
	IF v.item_id IS NOT NULL THEN
		UPDATE scc.agenda_item a SET doc_id = v.id, arrived_at = now()
		WHERE a.id = v.item_id;
		UPDATE scc.deadline d SET met_at = now(), met_by = c.user_id
		FROM scc.agenda_item a
		WHERE a.id = v.item_id AND d.meeting_id = a.meeting_id
		    AND d.what = 'documents' AND d.met_at IS NULL
		    AND NOT EXISTS (SELECT 1 FROM scc.agenda_item b
			WHERE b.meeting_id = a.meeting_id AND b.kind = 'document'
			    AND b.arrived_at IS NULL);
	END IF;
	PERFORM scc.record_change(c, 'doc.put', 'case:' || k.id, NULL,
	    jsonb_build_object('doc', v.id, 'name', v.name, 'kind', v.kind,
	    'size', v.size, 'sha256', encode(v_sha, 'hex'), 'item', v.item_id),
	    scc.case_people(k));
	RETURN QUERY SELECT * FROM scc.doc_rows(ARRAY[v.id]);
END
$$;

-- ---------------------------------------------------------------------------
-- DOC LIST and DOC GET.

CREATE FUNCTION api.doc_list(p_token bytea, p_case bigint, p_versions text,
    p_limit bigint, p_after bigint) RETURNS SETOF scc.rec_doc
	LANGUAGE plpgsql STABLE SECURITY DEFINER
	SET search_path = scc, pg_temp
	SET TimeZone = 'Europe/London'
AS $$
DECLARE
	c	scc.caller := scc.caller(p_token);
	k	scc.school_case := scc.case_get(c, p_case);
	v_all	boolean := p_versions IS NOT NULL AND scc.arg_enum('versions',
		    p_versions, NULL::scc.doc_versions) = 'all';
	v_limit	int := scc.page_limit(p_limit);
BEGIN
	RETURN QUERY
	SELECT * FROM scc.doc_rows(ARRAY(SELECT v.id FROM scc.doc_version v
	    WHERE v.case_id = k.id AND v.stored AND v.id > coalesce(p_after, 0)
		AND (v_all OR v.version = (SELECT max(y.version)
		    FROM scc.doc_version y WHERE y.document_id = v.document_id))
	    ORDER BY v.id LIMIT v_limit));
END
$$;

-- The DOC, with chunks= the number of pieces DOC GET then reads.
CREATE FUNCTION api.doc_get(p_token bytea, p_doc bigint)
    RETURNS SETOF scc.rec_doc
	LANGUAGE plpgsql STABLE SECURITY DEFINER
	SET search_path = scc, pg_temp
	SET TimeZone = 'Europe/London'
AS $$
DECLARE
	c	scc.caller := scc.caller(p_token);
	v	scc.doc_version := scc.doc_get(c, p_doc);
BEGIN
	RETURN QUERY SELECT r.rec, r.id, r."case", r.name, r.kind, r.type,
	    r.size, r.version, r.sha256, r."by", r."at",
	    (SELECT count(*)::int FROM scc.doc_chunk x WHERE x.version_id = v.id)
	FROM scc.doc_rows(ARRAY[v.id]) r;
END
$$;

-- One piece of a stored version, checked as DOC GET was.
CREATE FUNCTION api.doc_read(p_token bytea, p_doc bigint, p_seq int)
    RETURNS bytea
	LANGUAGE plpgsql STABLE SECURITY DEFINER
	SET search_path = scc, pg_temp
	SET TimeZone = 'Europe/London'
AS $$
DECLARE
	c	scc.caller := scc.caller(p_token);
	v	scc.doc_version := scc.doc_get(c, p_doc);
	v_data	bytea;
BEGIN
	SELECT x.data INTO v_data FROM scc.doc_chunk x
	WHERE x.version_id = v.id AND x.seq = p_seq;
	IF NOT FOUND THEN
		PERFORM scc.raise_notfound('piece of that document');
	END IF;
	RETURN v_data;
END
$$;

GRANT EXECUTE ON FUNCTION
    api.doc_begin(bytea, bigint, text, text, text, bigint, text, bigint),
    api.doc_chunk(bigint, int, bytea), api.doc_finish(bytea, bigint, bytea),
    api.doc_list(bytea, bigint, text, bigint, bigint),
    api.doc_get(bytea, bigint), api.doc_read(bytea, bigint, int)
    TO scc_api;
