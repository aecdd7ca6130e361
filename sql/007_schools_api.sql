-- 007 the api of schools, levels, risk areas, ratings and alerts.
--
-- A record type is declared once, as a composite type whose first column
-- names the record and whose other columns become its fields in order
-- (sccd leaves out the NULL ones); one *_row function fills it, and every
-- command answering that record uses it.

CREATE TYPE scc.rec_school AS (rec text, id bigint, urn text, name text,
    phase text, level text, ofsted text, "case" bigint, stage text,
    shared_concern text);
CREATE TYPE scc.rec_risk AS (rec text, id bigint, school bigint, term text,
    area text, rating text, note text, "by" text, "at" text);
CREATE TYPE scc.rec_area AS (rec text, id bigint, area text, title text);
CREATE TYPE scc.rec_alert AS (rec text, id bigint, school bigint, area text,
    severity text, text text, status text, note text, "by" text, "at" text,
    closed_by text, closed_at text);

CREATE FUNCTION scc.login_of(p_user bigint) RETURNS text
	LANGUAGE sql STABLE
	SET search_path = scc, pg_temp
	RETURN (SELECT u.login FROM scc.app_user u WHERE u.id = p_user);
REVOKE EXECUTE ON FUNCTION scc.login_of(bigint) FROM PUBLIC;

-- The shared-concern rule: two or more areas amber or red this term, or
-- open alerts from two or more areas; the lead officer should call a team
-- around the school.  Given the counts, so that listings count once per
-- page in one query and the rule is still written once.
CREATE FUNCTION scc.is_shared_concern(p_rated_areas bigint,
    p_alert_areas bigint) RETURNS boolean
	LANGUAGE sql IMMUTABLE
	RETURN p_rated_areas >= 2 OR p_alert_areas >= 2;
REVOKE EXECUTE ON FUNCTION scc.is_shared_concern(bigint, bigint) FROM PUBLIC;

-- Areas amber or red this term, and areas with open alerts, per school.
CREATE FUNCTION scc.concern_counts(p_school bigint, p_term text,
    OUT rated_areas bigint, OUT alert_areas bigint)
	LANGUAGE sql STABLE
	SET search_path = scc, pg_temp
BEGIN ATOMIC
	SELECT (SELECT count(*) FROM scc.risk r
	    WHERE r.school_id = p_school AND r.term = p_term
	    AND r.rating <> 'green'),
	    (SELECT count(DISTINCT a.area) FROM scc.alert a
	    WHERE a.school_id = p_school AND a.status = 'open');
END;
REVOKE EXECUTE ON FUNCTION scc.concern_counts(bigint, text) FROM PUBLIC;

CREATE FUNCTION scc.shared_concern(p_school bigint) RETURNS boolean
	LANGUAGE sql STABLE
	SET search_path = scc, pg_temp
BEGIN ATOMIC
	SELECT scc.is_shared_concern(n.rated_areas, n.alert_areas)
	FROM scc.concern_counts(p_school, scc.term_current()) n;
END;
REVOKE EXECUTE ON FUNCTION scc.shared_concern(bigint) FROM PUBLIC;

-- Tell the lead officers when a school's shared concern starts to hold.
CREATE FUNCTION scc.shared_concern_check(c scc.caller, p_school bigint,
    p_held boolean) RETURNS void
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
BEGIN
	IF NOT p_held AND scc.shared_concern(p_school) THEN
		PERFORM scc.notify(c, 'school.shared_concern',
		    'school:' || p_school, scc.lead_officers(c.authority_id),
		    NULL, true);
	END IF;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.shared_concern_check(scc.caller, bigint, boolean)
    FROM PUBLIC;

-- The records of the schools, risks and alerts given, in the order given.
-- One query for a whole page: a function called once per row would be
-- planned again for every row.
CREATE FUNCTION scc.school_rows(p_ids bigint[]) RETURNS SETOF scc.rec_school
	LANGUAGE sql STABLE
	SET search_path = scc, pg_temp
BEGIN ATOMIC
	SELECT 'SCHOOL', s.id, s.urn, s.name::text, s.phase, s.level::text,
	    s.ofsted, k.id, k.stage::text,
	    scc.yes(scc.is_shared_concern(rk.n, al.n))
	FROM unnest(p_ids) WITH ORDINALITY AS i(id, ord)
	JOIN scc.school s ON s.id = i.id
	CROSS JOIN LATERAL (SELECT count(*) AS n FROM scc.risk r
	    WHERE r.school_id = s.id AND r.term = scc.term_current()
	    AND r.rating <> 'green') rk
	CROSS JOIN LATERAL (SELECT count(DISTINCT a.area) AS n FROM scc.alert a
	    WHERE a.school_id = s.id AND a.status = 'open') al
	LEFT JOIN scc.school_case k ON k.school_id = s.id AND k.stage <> 'closed'
	ORDER BY i.ord;
END;
REVOKE EXECUTE ON FUNCTION scc.school_rows(bigint[]) FROM PUBLIC;

CREATE FUNCTION scc.risk_rows(p_ids bigint[]) RETURNS SETOF scc.rec_risk
	LANGUAGE sql STABLE
	SET search_path = scc, pg_temp
BEGIN ATOMIC
	SELECT 'RISK', r.id, r.school_id, r.term, r.area, r.rating::text,
	    r.note, u.login, scc.wire_time(r.at)
	FROM unnest(p_ids) WITH ORDINALITY AS i(id, ord)
	JOIN scc.risk r ON r.id = i.id
	JOIN scc.app_user u ON u.id = r.by_id
	ORDER BY i.ord;
END;
REVOKE EXECUTE ON FUNCTION scc.risk_rows(bigint[]) FROM PUBLIC;

CREATE FUNCTION scc.alert_rows(p_ids bigint[]) RETURNS SETOF scc.rec_alert
	LANGUAGE sql STABLE
	SET search_path = scc, pg_temp
BEGIN ATOMIC
	SELECT 'ALERT', a.id, a.school_id, a.area, a.severity::text, a.text,
	    a.status::text, a.note, u.login, scc.wire_time(a.at), x.login,
	    scc.wire_time(a.closed_at)
	FROM unnest(p_ids) WITH ORDINALITY AS i(id, ord)
	JOIN scc.alert a ON a.id = i.id
	JOIN scc.app_user u ON u.id = a.by_id
	LEFT JOIN scc.app_user x ON x.id = a.closed_by
	ORDER BY i.ord;
END;
REVOKE EXECUTE ON FUNCTION scc.alert_rows(bigint[]) FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- SCHOOL LIST / SHOW / ADD, LEVEL SET

CREATE FUNCTION api.school_list(p_token bytea, p_level text, p_at_risk text,
    p_limit bigint, p_after bigint) RETURNS SETOF scc.rec_school
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
DECLARE
	c	scc.caller := scc.caller(p_token);
	v_level	scc.rag;
	v_risk	boolean;
	v_limit	int := scc.page_limit(p_limit);
BEGIN
	IF p_level IS NOT NULL THEN
		v_level := scc.arg_enum('level', p_level, NULL::scc.rag);
	END IF;
	IF p_at_risk IS NOT NULL THEN
		v_risk := scc.arg_yes('at_risk', p_at_risk);
	END IF;
	RETURN QUERY
	SELECT * FROM scc.school_rows(ARRAY(
		SELECT s.id FROM scc.school s
		WHERE s.authority_id = c.authority_id
		    AND scc.sees_school(c, s.id, s.authority_id)
		    AND s.id > coalesce(p_after, 0)
		    AND (v_level IS NULL OR s.level = v_level)
		    AND (v_risk IS NULL OR (s.level <> 'green') = v_risk)
		ORDER BY s.id LIMIT v_limit));
END
$$;

CREATE FUNCTION api.school_show(p_token bytea, p_school bigint)
    RETURNS TABLE (rec text, id bigint, school bigint, urn text, name text,
    phase text, level text, ofsted text, "case" bigint, stage text,
    shared_concern text, term text, area text, rating text, severity text,
    text text, status text, reason text, note text, "by" text, "at" text)
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
#variable_conflict use_column
DECLARE
	c	scc.caller := scc.caller(p_token);
	s	scc.school := scc.school_get(c, p_school);
BEGIN
	RETURN QUERY
	SELECT r.rec, r.id, NULL::bigint, r.urn, r.name, r.phase, r.level,
	    r.ofsted, r."case", r.stage, r.shared_concern, NULL, NULL, NULL,
	    NULL, NULL, NULL, NULL, NULL, NULL, NULL
	FROM scc.school_rows(ARRAY[s.id]) r;

	RETURN QUERY
	SELECT 'LEVEL', NULL::bigint, l.school_id, NULL, NULL, NULL,
	    l.level::text, NULL, NULL::bigint, NULL, NULL, NULL, NULL, NULL,
	    NULL, NULL, NULL, l.reason, NULL, u.login, scc.wire_time(l.at)
	FROM scc.level_change l JOIN scc.app_user u ON u.id = l.by_id
	WHERE l.school_id = s.id ORDER BY l.id;

	RETURN QUERY
	SELECT r.rec, r.id, r.school, NULL, NULL, NULL, NULL, NULL,
	    NULL::bigint, NULL, NULL, r.term, r.area, r.rating, NULL, NULL,
	    NULL, NULL, r.note, r."by", r."at"
	FROM scc.risk_rows(ARRAY(SELECT k.id FROM scc.risk k
	    WHERE k.school_id = s.id AND k.term = scc.term_current()
	    ORDER BY k.id)) r;

	RETURN QUERY
	SELECT r.rec, r.id, r.school, NULL, NULL, NULL, NULL, NULL,
	    NULL::bigint, NULL, NULL, NULL, r.area, NULL, r.severity, r.text,
	    r.status, NULL, r.note, r."by", r."at"
	FROM scc.alert_rows(ARRAY(SELECT a.id FROM scc.alert a
	    WHERE a.school_id = s.id AND a.status = 'open'
	    ORDER BY a.id)) r;
END
$$;

CREATE FUNCTION api.school_add(p_token bytea, p_urn text, p_name text,
    p_phase text, p_ofsted text) RETURNS SETOF scc.rec_school
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
DECLARE
	c	scc.caller := scc.caller(p_token);
	s	scc.school;
BEGIN
	PERFORM scc.require(scc.can_add_school(c), 'add schools');
	IF p_urn IS NULL OR p_urn !~ '^[0-9]{6}$' THEN
		PERFORM scc.raise_invalid('urn', 'urn: six digits');
	END IF;
	PERFORM scc.check_label('name', p_name);
	IF p_phase IS NULL OR lower(p_phase) NOT IN ('nursery', 'primary',
	    'secondary', 'all_through', 'special', 'pru') THEN
		PERFORM scc.raise_invalid('phase', 'phase: nursery, primary, '
		    'secondary, all_through, special or pru');
	END IF;
	IF p_ofsted IS NOT NULL AND lower(p_ofsted) NOT IN ('outstanding',
	    'good', 'requires_improvement', 'serious_weaknesses',
	    'special_measures', 'none') THEN
		PERFORM scc.raise_invalid('ofsted', 'ofsted: outstanding, good, '
		    'requires_improvement, serious_weaknesses, special_measures '
		    'or none');
	END IF;
	BEGIN
		INSERT INTO scc.school (authority_id, urn, name, phase, ofsted)
		VALUES (c.authority_id, p_urn, p_name, lower(p_phase),
		    coalesce(lower(p_ofsted), 'none'))
		RETURNING * INTO s;
	EXCEPTION WHEN unique_violation THEN
		PERFORM scc.raise_conflict(format('a school with URN %s exists',
		    p_urn));
	END;
	PERFORM scc.record_change(c, 'school.add', 'school:' || s.id, NULL,
	    jsonb_build_object('urn', s.urn, 'name', s.name, 'phase', s.phase,
	    'ofsted', s.ofsted));
	RETURN QUERY SELECT * FROM scc.school_rows(ARRAY[s.id]);
END
$$;

CREATE FUNCTION api.level_set(p_token bytea, p_school bigint, p_level text,
    p_reason text) RETURNS SETOF scc.rec_school
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
DECLARE
	c	scc.caller := scc.caller(p_token);
	s	scc.school := scc.school_get(c, p_school, true);
	v_level	scc.rag;
	v_why	text;
BEGIN
	PERFORM scc.require(scc.can_set_level(c), 'set a school''s level');
	v_level := scc.arg_enum('level', p_level, NULL::scc.rag);
	v_why := scc.arg_text('reason', p_reason);
	INSERT INTO scc.level_change (authority_id, school_id, level, reason,
	    by_id)
	VALUES (c.authority_id, s.id, v_level, v_why, c.user_id);
	UPDATE scc.school SET level = v_level WHERE id = s.id;
	PERFORM scc.record_change(c, 'school.level', 'school:' || s.id,
	    jsonb_build_object('level', s.level, 'reason', NULL),
	    jsonb_build_object('level', v_level, 'reason', v_why),
	    scc.lead_officers(c.authority_id) || ARRAY(SELECT a.user_id
	    FROM scc.assignment a WHERE a.school_id = s.id));
	s.level := v_level;
	RETURN QUERY SELECT * FROM scc.school_rows(ARRAY[s.id]);
END
$$;

-- ---------------------------------------------------------------------------
-- Risk areas.

CREATE FUNCTION scc.area_rows(c scc.caller, p_limit bigint, p_after bigint)
    RETURNS SETOF scc.rec_area
	LANGUAGE sql STABLE
	SET search_path = scc, pg_temp
BEGIN ATOMIC
	SELECT 'AREA', a.id, a.area, a.title::text FROM scc.risk_area a
	WHERE a.authority_id = c.authority_id AND a.active
	    AND a.id > coalesce(p_after, 0)
	ORDER BY a.id LIMIT scc.page_limit(p_limit);
END;
REVOKE EXECUTE ON FUNCTION scc.area_rows(scc.caller, bigint, bigint)
    FROM PUBLIC;

CREATE FUNCTION api.area_list(p_token bytea, p_limit bigint, p_after bigint)
    RETURNS SETOF scc.rec_area
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
DECLARE
	c	scc.caller := scc.caller(p_token);
BEGIN
	RETURN QUERY SELECT * FROM scc.area_rows(c, p_limit, p_after);
END
$$;

CREATE FUNCTION api.area_add(p_token bytea, p_area text, p_title text)
    RETURNS SETOF scc.rec_area
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
DECLARE
	c	scc.caller := scc.caller(p_token);
	v_area	text;
	v_title	text;
	a	scc.risk_area;
BEGIN
	PERFORM scc.require(scc.can_configure(c), 'change the risk areas');
	v_area := scc.arg_word('area', p_area);
	v_title := coalesce(p_title, initcap(replace(v_area, '_', ' ')));
	PERFORM scc.check_label('title', v_title);
	SELECT * INTO a FROM scc.risk_area r
	WHERE r.authority_id = c.authority_id AND r.area = v_area FOR UPDATE;
	IF FOUND AND a.active THEN
		PERFORM scc.raise_conflict(format('%s is already a risk area',
		    v_area));
	ELSIF FOUND THEN
		UPDATE scc.risk_area SET active = true, title = v_title
		WHERE id = a.id RETURNING * INTO a;
	ELSE
		INSERT INTO scc.risk_area (authority_id, area, title)
		VALUES (c.authority_id, v_area, v_title) RETURNING * INTO a;
	END IF;
	PERFORM scc.record_change(c, 'area.add', 'area:' || v_area, NULL,
	    jsonb_build_object('area', v_area, 'title', v_title));
	RETURN NEXT ROW('AREA', a.id, a.area, a.title::text)::scc.rec_area;
END
$$;

-- Rate by a preset's areas from now on; ratings already given stay.
CREATE FUNCTION api.area_preset(p_token bytea, p_preset text)
    RETURNS SETOF scc.rec_area
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
DECLARE
	c		scc.caller := scc.caller(p_token);
	v_preset	text := lower(p_preset);
	v_before	jsonb;
BEGIN
	PERFORM scc.require(scc.can_configure(c), 'change the risk areas');
	IF NOT EXISTS (SELECT 1 FROM scc.area_preset p
	    WHERE p.preset = v_preset) THEN
		PERFORM scc.raise_invalid('preset', 'preset: ' ||
		    (SELECT string_agg(DISTINCT p.preset, ', ')
		    FROM scc.area_preset p));
	END IF;
	PERFORM 1 FROM scc.risk_area a WHERE a.authority_id = c.authority_id
	FOR UPDATE;
	SELECT jsonb_agg(a.area ORDER BY a.id) INTO v_before
	FROM scc.risk_area a WHERE a.authority_id = c.authority_id AND a.active;
	INSERT INTO scc.risk_area (authority_id, area, title)
	SELECT c.authority_id, p.area, p.title FROM scc.area_preset p
	WHERE p.preset = v_preset ORDER BY p.ord
	ON CONFLICT (authority_id, area) DO NOTHING;
	UPDATE scc.risk_area a SET active = EXISTS (SELECT 1
	    FROM scc.area_preset p WHERE p.preset = v_preset
	    AND p.area = a.area)
	WHERE a.authority_id = c.authority_id;
	PERFORM scc.record_change(c, 'area.preset', 'area:' || v_preset,
	    jsonb_build_object('areas', v_before),
	    jsonb_build_object('areas', (SELECT jsonb_agg(a.area ORDER BY a.id)
	    FROM scc.risk_area a WHERE a.authority_id = c.authority_id
	    AND a.active)));
	RETURN QUERY SELECT * FROM scc.area_rows(c, 1000, NULL);
END
$$;

-- ---------------------------------------------------------------------------
-- RISK SET / LIST

CREATE FUNCTION api.risk_set(p_token bytea, p_school bigint, p_area text,
    p_rating text, p_term text, p_note text) RETURNS SETOF scc.rec_risk
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
DECLARE
	c	scc.caller := scc.caller(p_token);
	s	scc.school := scc.school_get(c, p_school, true);
	v_area	text;
	v_term	text := coalesce(p_term, scc.term_current());
	v_rate	scc.rag;
	v_note	text;
	v_held	boolean;
	v_old	scc.risk;
	r	scc.risk;
BEGIN
	PERFORM scc.require(scc.can_rate_risk(c), 'rate risk');
	v_area := scc.arg_word('area', p_area);
	IF NOT EXISTS (SELECT 1 FROM scc.risk_area a
	    WHERE a.authority_id = c.authority_id AND a.area = v_area
	    AND a.active) THEN
		PERFORM scc.raise_invalid('area', format('area: %s is not one '
		    'of your authority''s risk areas (AREA LIST)', v_area));
	END IF;
	v_rate := scc.arg_enum('rating', p_rating, NULL::scc.rag);
	PERFORM scc.term_number(v_term);
	v_note := scc.arg_text('note', p_note, false);
	v_held := scc.shared_concern(s.id);

	SELECT * INTO v_old FROM scc.risk k
	WHERE k.school_id = s.id AND k.term = v_term AND k.area = v_area;
	INSERT INTO scc.risk (authority_id, school_id, term, area, rating,
	    note, by_id)
	VALUES (c.authority_id, s.id, v_term, v_area, v_rate, v_note, c.user_id)
	ON CONFLICT (school_id, term, area) DO UPDATE
	SET rating = EXCLUDED.rating, note = EXCLUDED.note,
	    by_id = EXCLUDED.by_id, at = now()
	RETURNING * INTO r;

	PERFORM scc.record_change(c, 'risk.set', 'school:' || s.id,
	    CASE WHEN v_old.id IS NOT NULL THEN jsonb_build_object('term',
	    v_term, 'area', v_area, 'rating', v_old.rating, 'note', v_old.note)
	    END,
	    jsonb_build_object('term', v_term, 'area', v_area, 'rating', v_rate,
	    'note', v_note));
	PERFORM scc.shared_concern_check(c, s.id, v_held);
	RETURN QUERY SELECT * FROM scc.risk_rows(ARRAY[r.id]);
END
$$;

CREATE FUNCTION api.risk_list(p_token bytea, p_school bigint, p_term text,
    p_limit bigint, p_after bigint) RETURNS SETOF scc.rec_risk
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
DECLARE
	c	scc.caller := scc.caller(p_token);
	s	scc.school := scc.school_get(c, p_school);
	v_term	text := coalesce(p_term, scc.term_current());
	v_limit	int := scc.page_limit(p_limit);
BEGIN
	PERFORM scc.term_number(v_term);
	RETURN QUERY
	SELECT * FROM scc.risk_rows(ARRAY(SELECT k.id FROM scc.risk k
	    WHERE k.school_id = s.id AND k.term = v_term
	    AND k.id > coalesce(p_after, 0)
	    ORDER BY k.id LIMIT v_limit));
END
$$;

-- ---------------------------------------------------------------------------
-- ALERT RAISE / LIST / RESOLVE

CREATE FUNCTION api.alert_raise(p_token bytea, p_school bigint, p_area text,
    p_text text, p_severity text) RETURNS SETOF scc.rec_alert
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
DECLARE
	c	scc.caller := scc.caller(p_token);
	s	scc.school := scc.school_get(c, p_school, true);
	v_area	text;
	v_text	text;
	v_sev	scc.severity;
	v_held	boolean;
	a	scc.alert;
BEGIN
	PERFORM scc.require(scc.can_raise_alert(c), 'raise alerts');
	v_area := scc.arg_word('area', p_area);
	v_text := scc.arg_text('text', p_text);
	v_sev := scc.arg_enum('severity', p_severity, NULL::scc.severity);
	v_held := scc.shared_concern(s.id);
	INSERT INTO scc.alert (authority_id, school_id, area, severity, text,
	    by_id)
	VALUES (c.authority_id, s.id, v_area, v_sev, v_text, c.user_id)
	RETURNING * INTO a;
	PERFORM scc.record_change(c, 'alert.raise', 'alert:' || a.id, NULL,
	    jsonb_build_object('school', s.id, 'area', v_area, 'severity',
	    v_sev, 'text', v_text), scc.lead_officers(c.authority_id));
	PERFORM scc.shared_concern_check(c, s.id, v_held);
	RETURN QUERY SELECT * FROM scc.alert_rows(ARRAY[a.id]);
END
$$;

CREATE FUNCTION api.alert_list(p_token bytea, p_school bigint, p_status text,
    p_limit bigint, p_after bigint) RETURNS SETOF scc.rec_alert
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
DECLARE
	c	 scc.caller := scc.caller(p_token);
	v_status scc.alert_status;
	v_limit	 int := scc.page_limit(p_limit);
BEGIN
	IF p_school IS NOT NULL THEN
		PERFORM scc.school_get(c, p_school);
	END IF;
	IF p_status IS NOT NULL THEN
		v_status := scc.arg_enum('status', p_status,
		    NULL::scc.alert_status);
	END IF;
	RETURN QUERY
	SELECT * FROM scc.alert_rows(ARRAY(SELECT a.id FROM scc.alert a
	    WHERE a.authority_id = c.authority_id
		AND scc.sees_school(c, a.school_id, a.authority_id)
		AND (p_school IS NULL OR a.school_id = p_school)
		AND (v_status IS NULL OR a.status = v_status)
		AND a.id > coalesce(p_after, 0)
	    ORDER BY a.id LIMIT v_limit));
END
$$;

CREATE FUNCTION api.alert_resolve(p_token bytea, p_alert bigint, p_note text,
    p_outcome text) RETURNS SETOF scc.rec_alert
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
DECLARE
	c	  scc.caller := scc.caller(p_token);
	a	  scc.alert;
	v_note	  text;
	v_outcome scc.alert_status;
BEGIN
	SELECT * INTO a FROM scc.alert x WHERE x.id = p_alert FOR UPDATE;
	IF NOT FOUND OR NOT scc.sees_school(c, a.school_id, a.authority_id) THEN
		PERFORM scc.raise_notfound('alert');
	END IF;
	PERFORM scc.require(scc.can_raise_alert(c), 'resolve alerts');
	v_note := scc.arg_text('note', p_note);
	v_outcome := scc.arg_enum('outcome', coalesce(p_outcome, 'resolved'),
	    NULL::scc.alert_status);
	IF v_outcome = 'open' THEN
		PERFORM scc.raise_invalid('outcome', 'outcome: resolved or referred');
	END IF;
	IF a.status <> 'open' THEN
		PERFORM scc.raise_conflict(format('the alert is already %s',
		    a.status));
	END IF;
	UPDATE scc.alert x SET status = v_outcome, note = v_note,
	    closed_by = c.user_id, closed_at = now()
	WHERE x.id = a.id RETURNING * INTO a;
	PERFORM scc.record_change(c, 'alert.' || v_outcome::text,
	    'alert:' || a.id, jsonb_build_object('status', 'open'),
	    jsonb_build_object('status', v_outcome, 'note', v_note),
	    ARRAY[a.by_id]);
	RETURN QUERY SELECT * FROM scc.alert_rows(ARRAY[a.id]);
END
$$;

REVOKE EXECUTE ON FUNCTION api.school_list(bytea, text, text, bigint, bigint),
    api.school_show(bytea, bigint),
    api.school_add(bytea, text, text, text, text),
    api.level_set(bytea, bigint, text, text),
    api.area_list(bytea, bigint, bigint), api.area_add(bytea, text, text),
    api.area_preset(bytea, text),
    api.risk_set(bytea, bigint, text, text, text, text),
    api.risk_list(bytea, bigint, text, bigint, bigint),
    api.alert_raise(bytea, bigint, text, text, text),
    api.alert_list(bytea, bigint, text, bigint, bigint),
    api.alert_resolve(bytea, bigint, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.school_list(bytea, text, text, bigint, bigint),
    api.school_show(bytea, bigint),
    api.school_add(bytea, text, text, text, text),
    api.level_set(bytea, bigint, text, text),
    api.area_list(bytea, bigint, bigint), api.area_add(bytea, text, text),
    api.area_preset(bytea, text),
    api.risk_set(bytea, bigint, text, text, text, text),
    api.risk_list(bytea, bigint, text, bigint, bigint),
    api.alert_raise(bytea, bigint, text, text, text),
    api.alert_list(bytea, bigint, text, bigint, bigint),
    api.alert_resolve(bytea, bigint, text, text) TO scc_api;
