-- 021 CASE SHOW as the protocol describes it: the CASE and its decisions,
-- then the case's MEETINGs, its open ACTIONs and its DOCs (the latest
-- version of each).  The answer's columns are those it had, in the same
-- order, so a CASE and a DECISION are written exactly as before; the
-- fields the other records need follow them.  Anyone who sees the case
-- sees these too.

DROP FUNCTION api.case_show(bytea, bigint);

CREATE FUNCTION api.case_show(p_token bytea, p_case bigint)
    RETURNS TABLE (rec text, id bigint, "case" bigint, school bigint,
    programme text, stage text, "from" text, "to" text, lead text,
    link_partner text, opened text, entered text, review_due text,
    "limit" text, overdue text, extended text, monitoring_until text,
    reason text, "by" text, "at" text,
    kind text, place text, status text, chair text, taker text,
    attendees text, held text, next bigint, suggested_next text,
    title text, owner text, due text, progress text, meeting bigint,
    detail text, name text, type text, size bigint, version int,
    sha256 text)
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
	SET TimeZone = 'Europe/London'
AS $$
#variable_conflict use_column
DECLARE
	c	scc.caller := scc.caller(p_token);
	k	scc.school_case := scc.case_get(c, p_case);
BEGIN
	RETURN QUERY
	SELECT r.rec, r.id, NULL::bigint, r.school, r.programme, r.stage, NULL,
	    NULL, r.lead, r.link_partner, r.opened, r.entered, r.review_due,
	    r."limit", r.overdue, r.extended, r.monitoring_until, r.reason,
	    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL::bigint,
	    NULL, NULL, NULL, NULL, NULL, NULL::bigint, NULL, NULL, NULL,
	    NULL::bigint, NULL::int, NULL
	FROM scc.case_rows(ARRAY[k.id]) r;

	RETURN QUERY
	SELECT 'DECISION', NULL::bigint, d.case_id, NULL::bigint, NULL, NULL,
	    d.from_stage::text, d.to_stage::text, NULL, NULL, NULL, NULL, NULL,
	    NULL, NULL, NULL, NULL, d.reason, u.login, scc.wire_time(d.at),
	    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL::bigint, NULL, NULL,
	    NULL, NULL, NULL, NULL::bigint, NULL, NULL, NULL, NULL::bigint,
	    NULL::int, NULL
	FROM scc.case_decision d JOIN scc.app_user u ON u.id = d.by_id
	WHERE d.case_id = k.id ORDER BY d.id;

	RETURN QUERY
	SELECT m.rec, m.id, m."case", m.school, NULL, NULL, NULL, NULL, NULL,
	    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, m.reason, NULL,
	    m."at", m.kind, m.place, m.status, m.chair, m.taker, m.attendees,
	    m.held, m.next, m.suggested_next, NULL, NULL, NULL, NULL,
	    NULL::bigint, NULL, NULL, NULL, NULL::bigint, NULL::int, NULL
	FROM scc.meeting_rows(ARRAY(SELECT x.id FROM scc.meeting x
	    WHERE x.case_id = k.id ORDER BY x.at, x.id)) m;

	RETURN QUERY
	SELECT a.rec, a.id, a."case", a.school, NULL, NULL, NULL, NULL, NULL,
	    NULL, NULL, NULL, NULL, NULL, a.overdue, NULL, NULL, NULL, NULL,
	    NULL, NULL, NULL, a.status, NULL, NULL, NULL, NULL, NULL::bigint,
	    NULL, a.title, a.owner, a.due, a.progress, a.meeting, a.detail,
	    NULL, NULL, NULL::bigint, NULL::int, NULL
	FROM scc.action_rows(ARRAY(SELECT x.id FROM scc.action x
	    WHERE x.case_id = k.id AND x.status IN ('open', 'in_progress')
	    ORDER BY x.due, x.id)) a;

	RETURN QUERY
	SELECT d.rec, d.id, d."case", NULL::bigint, NULL, NULL, NULL, NULL,
	    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, d."by",
	    d."at", d.kind, NULL, NULL, NULL, NULL, NULL, NULL, NULL::bigint,
	    NULL, NULL, NULL, NULL, NULL, NULL::bigint, NULL, d.name, d.type,
	    d.size, d.version, d.sha256
	FROM scc.doc_rows(ARRAY(SELECT v.id FROM scc.doc_version v
	    WHERE v.case_id = k.id AND v.stored
		AND v.version = (SELECT max(y.version) FROM scc.doc_version y
		    WHERE y.document_id = v.document_id)
	    ORDER BY v.id)) d;
END
$$;
GRANT EXECUTE ON FUNCTION api.case_show(bytea, bigint) TO scc_api;
