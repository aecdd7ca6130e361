-- 014 the agenda of a meeting, and deadlines marked met.
--
-- A meeting's agenda is, in this order: the case's open actions carried
-- forward from earlier meetings (worked out when asked, never stored), the
-- items officers add by hand, and the documents the school is asked to
-- bring.  A deadline's owner, or a lead officer, marks it met, which stops
-- its clock.

CREATE TYPE scc.agenda_kind AS ENUM ('item', 'document');

-- An agenda item names its meeting together with the meeting's authority.
ALTER TABLE scc.meeting ADD CONSTRAINT meeting_id_authority_key
    UNIQUE (id, authority_id);

CREATE TABLE scc.agenda_item (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	authority_id	bigint NOT NULL,
	meeting_id	bigint NOT NULL,
	kind		scc.agenda_kind NOT NULL,
	title		scc.label NOT NULL,
	detail		text,
	added_by	bigint NOT NULL,
	at		timestamptz NOT NULL DEFAULT now(),
	-- A document requested arrives with DOC PUT, which comes in a later
	-- issue: it will set doc_id (then a foreign key to the document
	-- stored) and arrived_at.  Until then every document is arrived=no.
	doc_id		bigint,
	arrived_at	timestamptz,
	FOREIGN KEY (meeting_id, authority_id)
	    REFERENCES scc.meeting (id, authority_id),
	FOREIGN KEY (added_by, authority_id)
	    REFERENCES scc.app_user (id, authority_id),
	CHECK (kind = 'document' OR (doc_id IS NULL AND arrived_at IS NULL))
);
CREATE INDEX agenda_item_meeting_idx ON scc.agenda_item (meeting_id, id);

-- Who marked a deadline met, and when.
ALTER TABLE scc.deadline
	ADD COLUMN met_at timestamptz,
	ADD COLUMN met_by bigint,
	ADD FOREIGN KEY (met_by, authority_id)
	    REFERENCES scc.app_user (id, authority_id),
	ADD CHECK ((met_at IS NULL) = (met_by IS NULL));

-- ---------------------------------------------------------------------------
-- Records.

-- For a carried action, id is the ACTION's; for an item or a document, the
-- agenda item's.
CREATE TYPE scc.rec_item AS (rec text, meeting bigint, kind text, id bigint,
    title text, detail text, owner text, due text, status text,
    progress text, overdue text, arrived text, "by" text, "at" text);

-- DEADLINE gains, at its end, when it was marked met and by whom.
ALTER TYPE scc.rec_deadline ADD ATTRIBUTE met text,
    ADD ATTRIBUTE met_by text;

-- A deadline met is not overdue, whenever it was met.
CREATE OR REPLACE FUNCTION scc.deadline_rows(p_ids bigint[])
    RETURNS SETOF scc.rec_deadline
	LANGUAGE sql STABLE
	SET search_path = scc, pg_temp
BEGIN ATOMIC
	SELECT 'DEADLINE', d.id, d.meeting_id, m.case_id, k.school_id,
	    d.what::text, scc.wire_date(d.due), u.login,
	    scc.yes(d.due < current_date AND d.met_at IS NULL),
	    scc.wire_time(d.met_at), b.login
	FROM unnest(p_ids) WITH ORDINALITY AS i(id, ord)
	JOIN scc.deadline d ON d.id = i.id
	JOIN scc.meeting m ON m.id = d.meeting_id
	JOIN scc.school_case k ON k.id = m.case_id
	JOIN scc.app_user u ON u.id = d.owner_id
	LEFT JOIN scc.app_user b ON b.id = d.met_by
	ORDER BY i.ord;
END;

-- The ITEM records of a meeting's agenda: the actions given (carried
-- forward), then the agenda items given, each in the order given.
CREATE FUNCTION scc.item_rows(p_meeting bigint, p_actions bigint[],
    p_items bigint[]) RETURNS SETOF scc.rec_item
	LANGUAGE sql STABLE
	SET search_path = scc, pg_temp
BEGIN ATOMIC
	SELECT x.rec, x.meeting, x.kind, x.id, x.title, x.detail, x.owner,
	    x.due, x.status, x.progress, x.overdue, x.arrived, x."by", x."at"
	FROM (SELECT 'ITEM' AS rec, p_meeting AS meeting, 'action' AS kind,
		a.id, a.title, NULL AS detail, a.owner, a.due, a.status,
		a.progress, a.overdue, NULL AS arrived, NULL AS "by",
		NULL AS "at", 1 AS part, a.ord
	    FROM scc.action_rows(p_actions) WITH ORDINALITY AS a(rec, id,
		"case", school, title, owner, due, status, progress, overdue,
		meeting, detail, ord)
	    UNION ALL
	    SELECT 'ITEM', g.meeting_id, g.kind::text, g.id, g.title::text,
		g.detail, NULL, NULL, NULL, NULL, NULL,
		CASE WHEN g.kind = 'document' THEN
		    scc.yes(g.arrived_at IS NOT NULL) END,
		u.login, scc.wire_time(g.at), 2, i.ord
	    FROM unnest(p_items) WITH ORDINALITY AS i(id, ord)
	    JOIN scc.agenda_item g ON g.id = i.id
	    JOIN scc.app_user u ON u.id = g.added_by) x
	ORDER BY x.part, x.ord;
END;
REVOKE EXECUTE ON FUNCTION scc.item_rows(bigint, bigint[], bigint[])
    FROM PUBLIC;

-- The actions a meeting's agenda carries forward: those of its case
-- neither done nor dropped, agreed at an earlier meeting or at none.
CREATE FUNCTION scc.agenda_actions(m scc.meeting) RETURNS bigint[]
	LANGUAGE sql STABLE
	SET search_path = scc, pg_temp
	RETURN ARRAY(SELECT a.id FROM scc.action a
	    LEFT JOIN scc.meeting e ON e.id = a.meeting_id
	    WHERE a.case_id = m.case_id AND a.status IN ('open', 'in_progress')
		AND (a.meeting_id IS NULL OR e.at < m.at)
	    ORDER BY a.id);
REVOKE EXECUTE ON FUNCTION scc.agenda_actions(scc.meeting) FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- AGENDA / AGENDA ADD

-- Whoever can see the meeting can read its agenda; it is never long, so it
-- comes whole.
CREATE FUNCTION api.agenda(p_token bytea, p_meeting bigint)
    RETURNS SETOF scc.rec_item
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
DECLARE
	c	scc.caller := scc.caller(p_token);
	m	scc.meeting := scc.meeting_get(c, p_meeting);
BEGIN
	RETURN QUERY SELECT * FROM scc.item_rows(m.id, scc.agenda_actions(m),
	    ARRAY(SELECT g.id FROM scc.agenda_item g WHERE g.meeting_id = m.id
	    ORDER BY g.kind, g.id));
END
$$;

-- Added by those who run meetings, while the meeting is still to come.  A
-- document requested is the school's to bring: its headteacher hears.
CREATE FUNCTION api.agenda_add(p_token bytea, p_meeting bigint,
    p_title text, p_kind text, p_detail text) RETURNS SETOF scc.rec_item
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
DECLARE
	c	 scc.caller := scc.caller(p_token);
	m	 scc.meeting := scc.meeting_get(c, p_meeting, true);
	v_kind	 scc.agenda_kind := 'item';
	v_detail text;
	g	 scc.agenda_item;
BEGIN
	PERFORM scc.require(scc.can_run_meetings(c), 'add to agendas');
	PERFORM scc.check_label('title', p_title);
	IF p_kind IS NOT NULL THEN
		v_kind := scc.arg_enum('kind', p_kind, NULL::scc.agenda_kind);
	END IF;
	v_detail := scc.arg_text('detail', p_detail, false);
	IF m.status <> 'scheduled' THEN
		PERFORM scc.raise_conflict(format('the meeting is %s: its agenda '
		    'is closed', m.status));
	END IF;
	INSERT INTO scc.agenda_item (authority_id, meeting_id, kind, title,
	    detail, added_by)
	VALUES (m.authority_id, m.id, v_kind, p_title, v_detail, c.user_id)
	RETURNING * INTO g;
	PERFORM scc.record_change(c, 'agenda.add', 'case:' || m.case_id, NULL,
	    jsonb_build_object('meeting', m.id, 'item', g.id, 'kind', g.kind,
	    'title', g.title, 'detail', g.detail),
	    CASE WHEN g.kind = 'document' THEN scc.school_people((SELECT
	    k.school_id FROM scc.school_case k WHERE k.id = m.case_id),
	    'headteacher') END);
	RETURN QUERY SELECT * FROM scc.item_rows(m.id, '{}', ARRAY[g.id]);
END
$$;

-- ---------------------------------------------------------------------------
-- DEADLINE DONE, and DEADLINES without the deadlines met

-- Marked by the deadline's owner or a lead officer, once, while its meeting
-- is not cancelled (a cancelled meeting has stopped its clocks).  A what
-- that names no kind of deadline is INVALID only after who may has been
-- asked, as the order of refusals says; until then it finds no deadline.
CREATE FUNCTION api.deadline_done(p_token bytea, p_meeting bigint,
    p_what text) RETURNS SETOF scc.rec_deadline
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
DECLARE
	c	scc.caller := scc.caller(p_token);
	m	scc.meeting := scc.meeting_get(c, p_meeting, true);
	d	scc.deadline;
BEGIN
	SELECT * INTO d FROM scc.deadline x
	WHERE x.meeting_id = m.id AND x.what::text = lower(p_what)
	FOR UPDATE;
	IF NOT FOUND AND lower(p_what) = ANY
	    (enum_range(NULL::scc.deadline_kind)::text[]) THEN
		PERFORM scc.raise_notfound('deadline');
	END IF;
	PERFORM scc.require(c.role = 'lead_officer'
	    OR d.owner_id = c.user_id,
	    'mark this deadline met (its owner or a lead officer does)');
	PERFORM scc.arg_enum('what', p_what, NULL::scc.deadline_kind);
	IF d.met_at IS NOT NULL THEN
		PERFORM scc.raise_conflict(format('the %s deadline was met at %s',
		    d.what, scc.wire_time(d.met_at)));
	END IF;
	IF m.status = 'cancelled' THEN
		PERFORM scc.raise_conflict('the meeting is cancelled: its '
		    'deadlines have stopped');
	END IF;
	UPDATE scc.deadline x SET met_at = now(), met_by = c.user_id
	WHERE x.id = d.id RETURNING * INTO d;
	-- Being met is new: the whole of it is after.
	PERFORM scc.record_change(c, 'deadline.done', 'case:' || m.case_id,
	    NULL, jsonb_build_object('meeting', m.id, 'what', d.what, 'met',
	    d.met_at), ARRAY[d.owner_id]);
	RETURN QUERY SELECT * FROM scc.deadline_rows(ARRAY[d.id]);
END
$$;

-- As 013's, and a deadline marked met has stopped.
CREATE OR REPLACE FUNCTION api.deadlines(p_token bytea, p_days bigint,
    p_limit bigint, p_after bigint) RETURNS SETOF scc.rec_deadline
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
DECLARE
	c	scc.caller := scc.caller(p_token);
	v_limit	int := scc.page_limit(p_limit);
BEGIN
	IF p_days IS NOT NULL AND p_days NOT BETWEEN 0 AND 366 THEN
		PERFORM scc.raise_invalid('days', 'days: 0 to 366');
	END IF;
	RETURN QUERY
	SELECT * FROM scc.deadline_rows(ARRAY(SELECT d.id FROM scc.deadline d
	    JOIN scc.meeting m ON m.id = d.meeting_id
	    LEFT JOIN scc.minutes n ON n.meeting_id = m.id
	    WHERE d.owner_id = c.user_id
		AND d.met_at IS NULL
		AND m.status = CASE WHEN d.what = 'minutes' THEN 'held'
		    ELSE 'scheduled' END::scc.meeting_status
		AND NOT (d.what = 'minutes' AND n.state IS NOT NULL
		    AND n.state <> 'draft')
		AND d.due <= current_date + coalesce(p_days, 14)::int
		AND d.id > coalesce(p_after, 0)
	    ORDER BY d.id LIMIT v_limit));
END
$$;

REVOKE EXECUTE ON FUNCTION api.agenda(bytea, bigint),
    api.agenda_add(bytea, bigint, text, text, text),
    api.deadline_done(bytea, bigint, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.agenda(bytea, bigint),
    api.agenda_add(bytea, bigint, text, text, text),
    api.deadline_done(bytea, bigint, text) TO scc_api;
