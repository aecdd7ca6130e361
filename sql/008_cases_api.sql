-- 008 the api of programmes and cases.

CREATE TYPE scc.rec_programme AS (rec text, id bigint, name text, title text,
    reviews text, max_months int, extension_months int, post_exit_terms int,
    cadence_green text, cadence_amber text, cadence_red text, visits text,
    warning_after_terms int, budget text,
    proforma int, proforma_days text, agenda int, agenda_days text,
    documents int, documents_days text, reception int, reception_days text,
    minutes int, minutes_days text);
CREATE TYPE scc.rec_case AS (rec text, id bigint, school bigint,
    programme text, stage text, lead text, link_partner text, opened text,
    entered text, review_due text, "limit" text, overdue text, extended text,
    monitoring_until text, reason text);

CREATE FUNCTION scc.programme_row(p scc.programme) RETURNS scc.rec_programme
	LANGUAGE sql IMMUTABLE
	SET search_path = scc, pg_temp
	RETURN ROW('PROGRAMME', p.id, p.name, p.title::text,
	    array_to_string(p.reviews, ','), p.max_months, p.extension_months,
	    p.post_exit_terms, p.cadence_green::text, p.cadence_amber::text,
	    p.cadence_red::text, p.visits::text, p.warning_after_terms,
	    scc.yes(p.budget), p.proforma, p.proforma_days::text, p.agenda,
	    p.agenda_days::text, p.documents, p.documents_days::text,
	    p.reception, p.reception_days::text, p.minutes,
	    p.minutes_days::text)::scc.rec_programme;
REVOKE EXECUTE ON FUNCTION scc.programme_row(scc.programme) FROM PUBLIC;

-- A programme of the caller's authority by name; p_argument names the
-- argument for INVALID, or NULL when the name is the command's target
-- (then it is NOTFOUND).
CREATE FUNCTION scc.programme_get(c scc.caller, p_name text,
    p_argument text DEFAULT NULL, p_lock boolean DEFAULT false)
    RETURNS scc.programme
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
DECLARE
	p	scc.programme;
BEGIN
	IF p_lock THEN
		SELECT * INTO p FROM scc.programme x
		WHERE x.authority_id = c.authority_id AND x.name = lower(p_name)
		FOR UPDATE;
	ELSE
		SELECT * INTO p FROM scc.programme x
		WHERE x.authority_id = c.authority_id AND x.name = lower(p_name);
	END IF;
	IF NOT FOUND THEN
		IF p_argument IS NULL THEN
			PERFORM scc.raise_notfound('programme');
		END IF;
		PERFORM scc.raise_invalid(p_argument, format('%s: no programme '
		    'named %s (PROGRAMME LIST)', p_argument, p_name));
	END IF;
	RETURN p;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.programme_get(scc.caller, text, text, boolean)
    FROM PUBLIC;

CREATE FUNCTION api.programme_list(p_token bytea, p_limit bigint,
    p_after bigint) RETURNS SETOF scc.rec_programme
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
DECLARE
	c	scc.caller := scc.caller(p_token);
	v_limit	int := scc.page_limit(p_limit);
BEGIN
	RETURN QUERY
	SELECT r.* FROM scc.programme p CROSS JOIN LATERAL scc.programme_row(p) r
	WHERE p.authority_id = c.authority_id AND p.id > coalesce(p_after, 0)
	ORDER BY p.id LIMIT v_limit;
END
$$;

CREATE FUNCTION api.programme_show(p_token bytea, p_name text)
    RETURNS SETOF scc.rec_programme
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
DECLARE
	c	scc.caller := scc.caller(p_token);
BEGIN
	RETURN NEXT scc.programme_row(scc.programme_get(c, p_name));
END
$$;

-- One setting, by the name of its column: a column added to
-- scc.programme is a setting with no more code.  Values come as on the
-- wire: numbers, "12,18,24" for the review points, yes/no, a cadence or
-- day count, and "none" to clear a deadline the programme does not use.
CREATE FUNCTION api.programme_set(p_token bytea, p_name text, p_setting text,
    p_value text) RETURNS SETOF scc.rec_programme
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
DECLARE
	c	  scc.caller := scc.caller(p_token);
	p	  scc.programme := scc.programme_get(c, p_name, NULL, true);
	v_setting text := lower(p_setting);
	v_type	  text;
	v_value	  text := p_value;
	v_old	  jsonb;
	v_new	  jsonb;
BEGIN
	PERFORM scc.require(scc.can_configure(c), 'change programmes');
	SELECT format_type(a.atttypid, a.atttypmod) INTO v_type
	FROM pg_catalog.pg_attribute a
	WHERE a.attrelid = 'scc.programme'::regclass AND a.attname = v_setting
	    AND a.attnum > 0 AND NOT a.attisdropped
	    AND a.attname NOT IN ('id', 'authority_id', 'name');
	IF NOT FOUND THEN
		PERFORM scc.raise_invalid('setting', 'setting: one of ' ||
		    (SELECT string_agg(a.attname, ', ' ORDER BY a.attnum)
		    FROM pg_catalog.pg_attribute a
		    WHERE a.attrelid = 'scc.programme'::regclass
		    AND a.attnum > 0 AND NOT a.attisdropped
		    AND a.attname NOT IN ('id', 'authority_id', 'name')));
	END IF;
	IF v_type = 'integer[]' THEN
		v_value := '{' || v_value || '}';
	ELSIF v_type = 'integer' AND lower(v_value) = 'none' THEN
		v_value := NULL;
	END IF;
	v_old := to_jsonb(p) -> v_setting;
	BEGIN
		EXECUTE format('UPDATE scc.programme SET %I = $1::%s '
		    'WHERE id = $2 RETURNING *', v_setting, v_type)
		USING v_value, p.id INTO p;
	EXCEPTION
		WHEN data_exception OR integrity_constraint_violation THEN
			PERFORM scc.raise_invalid('value', format('value: not a '
			    'valid %s for %s', v_type, v_setting));
	END;
	v_new := to_jsonb(p) -> v_setting;
	PERFORM scc.record_change(c, 'programme.set', 'programme:' || p.name,
	    jsonb_build_object(v_setting, v_old),
	    jsonb_build_object(v_setting, v_new));
	RETURN NEXT scc.programme_row(p);
END
$$;

CREATE FUNCTION api.programme_add(p_token bytea, p_name text, p_title text,
    p_from text) RETURNS SETOF scc.rec_programme
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
DECLARE
	c	scc.caller := scc.caller(p_token);
	v_name	text;
	p	scc.programme;
BEGIN
	PERFORM scc.require(scc.can_configure(c), 'add programmes');
	v_name := scc.arg_word('name', p_name);
	PERFORM scc.check_label('title', p_title);
	IF p_from IS NOT NULL THEN
		p := scc.programme_get(c, p_from, 'from');
	ELSE
		-- Securing Good's shape is the general case.
		p.reviews := '{12,18,24}';
		p.max_months := 24;
		p.extension_months := 6;
	END IF;
	IF EXISTS (SELECT 1 FROM scc.programme x
	    WHERE x.authority_id = c.authority_id AND x.name = v_name) THEN
		PERFORM scc.raise_conflict(format('a programme named %s exists',
		    v_name));
	END IF;
	INSERT INTO scc.programme (authority_id, name, title, reviews,
	    max_months, extension_months, post_exit_terms, cadence_green,
	    cadence_amber, cadence_red, visits, warning_after_terms, budget,
	    proforma, proforma_days, agenda, agenda_days, documents,
	    documents_days, reception, reception_days, minutes, minutes_days)
	VALUES (c.authority_id, v_name, p_title, p.reviews, p.max_months,
	    p.extension_months, coalesce(p.post_exit_terms, 0),
	    coalesce(p.cadence_green, 'none'), coalesce(p.cadence_amber, 'termly'),
	    coalesce(p.cadence_red, 'half_termly'), coalesce(p.visits, 'none'),
	    p.warning_after_terms, coalesce(p.budget, false),
	    p.proforma, coalesce(p.proforma_days, 'calendar'),
	    p.agenda, coalesce(p.agenda_days, 'calendar'),
	    p.documents, coalesce(p.documents_days, 'calendar'),
	    p.reception, coalesce(p.reception_days, 'calendar'),
	    p.minutes, coalesce(p.minutes_days, 'calendar'))
	RETURNING * INTO p;
	PERFORM scc.record_change(c, 'programme.add', 'programme:' || p.name,
	    NULL, to_jsonb(p) - 'id' - 'authority_id');
	RETURN NEXT scc.programme_row(p);
END
$$;

-- ---------------------------------------------------------------------------
-- Cases.

-- The dates a case's programme gives it, as of today.
CREATE FUNCTION scc.case_dates(k scc.school_case, p scc.programme,
    OUT review_due date, OUT limit_on date, OUT overdue boolean,
    OUT monitoring_until date)
	LANGUAGE plpgsql STABLE
	SET search_path = scc, pg_temp
AS $$
DECLARE
	v_next	int;
BEGIN
	overdue := false;
	IF k.entered_on IS NOT NULL THEN
		limit_on := (k.entered_on + make_interval(months => p.max_months
		    + CASE WHEN k.extended THEN p.extension_months ELSE 0 END))::date;
	END IF;
	IF k.stage IN ('in_programme', 'review', 'intervention')
	    AND k.entered_on IS NOT NULL THEN
		-- the review under way, or the next one not yet held
		v_next := k.reviews_held
		    + CASE WHEN k.stage = 'review' THEN 0 ELSE 1 END;
		SELECT (k.entered_on + make_interval(months => x))::date
		INTO review_due
		FROM unnest(p.reviews) x ORDER BY x OFFSET greatest(v_next - 1, 0)
		LIMIT 1;
		review_due := coalesce(review_due, limit_on);
	ELSIF k.stage = 'extended' THEN
		review_due := limit_on;
	END IF;
	IF k.stage IN ('in_programme', 'review', 'extended', 'intervention') THEN
		overdue := coalesce(current_date > limit_on, false);
	END IF;
	IF k.stage = 'exited' AND k.exited_on IS NOT NULL
	    AND p.post_exit_terms > 0 THEN
		monitoring_until := scc.term_end(scc.term_number(
		    scc.term_of(k.exited_on)) + p.post_exit_terms);
		IF current_date > monitoring_until THEN
			monitoring_until := NULL;
		END IF;
	END IF;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.case_dates(scc.school_case, scc.programme)
    FROM PUBLIC;

-- The records of the cases given, in the order given, in one query.
CREATE FUNCTION scc.case_rows(p_ids bigint[]) RETURNS SETOF scc.rec_case
	LANGUAGE sql STABLE
	SET search_path = scc, pg_temp
BEGIN ATOMIC
	SELECT 'CASE', k.id, k.school_id, p.name, k.stage::text, lead.login,
	    link.login, scc.wire_time(k.opened_at), scc.wire_date(k.entered_on),
	    scc.wire_date(d.review_due), scc.wire_date(d.limit_on),
	    scc.yes(d.overdue), scc.yes(k.extended),
	    scc.wire_date(d.monitoring_until), k.reason
	FROM unnest(p_ids) WITH ORDINALITY AS i(id, ord)
	JOIN scc.school_case k ON k.id = i.id
	JOIN scc.programme p ON p.id = k.programme_id
	JOIN scc.app_user lead ON lead.id = k.lead_id
	LEFT JOIN scc.app_user link ON link.id = k.link_partner_id
	CROSS JOIN LATERAL scc.case_dates(k, p) d
	ORDER BY i.ord;
END;
REVOKE EXECUTE ON FUNCTION scc.case_rows(bigint[]) FROM PUBLIC;

-- A case the caller can see (its school's rule), or NOTFOUND.
CREATE FUNCTION scc.case_get(c scc.caller, p_case bigint,
    p_lock boolean DEFAULT false) RETURNS scc.school_case
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
DECLARE
	k	scc.school_case;
BEGIN
	IF p_lock THEN
		SELECT * INTO k FROM scc.school_case x WHERE x.id = p_case
		FOR UPDATE;
	ELSE
		SELECT * INTO k FROM scc.school_case x WHERE x.id = p_case;
	END IF;
	IF NOT FOUND OR NOT scc.sees_school(c, k.school_id, k.authority_id) THEN
		PERFORM scc.raise_notfound('case');
	END IF;
	RETURN k;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.case_get(scc.caller, bigint, boolean)
    FROM PUBLIC;

-- A user of the caller's authority with the given role, named by an
-- argument: INVALID naming it when there is none.
CREATE FUNCTION scc.user_arg(c scc.caller, p_argument text, p_login text,
    p_role text) RETURNS bigint
	LANGUAGE plpgsql STABLE
	SET search_path = scc, pg_temp
AS $$
DECLARE
	v_id	bigint;
BEGIN
	SELECT u.id INTO v_id FROM scc.app_user u
	WHERE u.login = lower(p_login) AND u.authority_id = c.authority_id
	    AND u.role = p_role AND NOT u.disabled;
	IF NOT FOUND THEN
		PERFORM scc.raise_invalid(p_argument, format('%s: %s is not an '
		    'active %s of your authority', p_argument, p_login,
		    replace(p_role, '_', ' ')));
	END IF;
	RETURN v_id;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.user_arg(scc.caller, text, text, text)
    FROM PUBLIC;

-- Who hears of a case: its lead officer and link partner.
CREATE FUNCTION scc.case_people(k scc.school_case) RETURNS bigint[]
	LANGUAGE sql IMMUTABLE
	RETURN array_remove(ARRAY[k.lead_id, k.link_partner_id], NULL);
REVOKE EXECUTE ON FUNCTION scc.case_people(scc.school_case) FROM PUBLIC;

CREATE FUNCTION api.case_open(p_token bytea, p_school bigint,
    p_programme text, p_reason text, p_link_partner text, p_lead text)
    RETURNS SETOF scc.rec_case
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
DECLARE
	c	scc.caller := scc.caller(p_token);
	s	scc.school := scc.school_get(c, p_school, true);
	p	scc.programme;
	v_why	text;
	v_lead	bigint;
	v_link	bigint;
	k	scc.school_case;
BEGIN
	PERFORM scc.require(scc.can_steer_case(c), 'open cases');
	p := scc.programme_get(c, p_programme, 'programme');
	v_why := scc.arg_text('reason', p_reason);
	v_lead := CASE WHEN p_lead IS NULL THEN c.user_id
	    ELSE scc.user_arg(c, 'lead', p_lead, 'lead_officer') END;
	IF p_link_partner IS NOT NULL THEN
		v_link := scc.user_arg(c, 'link_partner', p_link_partner,
		    'link_partner');
	END IF;
	SELECT * INTO k FROM scc.school_case x
	WHERE x.school_id = s.id AND x.stage <> 'closed';
	IF FOUND THEN
		PERFORM scc.raise_conflict(format('the school already has case '
		    '%s, at stage %s', k.id, k.stage));
	END IF;
	INSERT INTO scc.school_case (authority_id, school_id, programme_id,
	    lead_id, link_partner_id, reason)
	VALUES (c.authority_id, s.id, p.id, v_lead, v_link, v_why)
	RETURNING * INTO k;
	INSERT INTO scc.case_decision (authority_id, case_id, from_stage,
	    to_stage, reason, by_id)
	VALUES (c.authority_id, k.id, NULL, k.stage, v_why, c.user_id);
	IF v_link IS NOT NULL THEN
		INSERT INTO scc.assignment (user_id, school_id, authority_id)
		VALUES (v_link, s.id, c.authority_id) ON CONFLICT DO NOTHING;
	END IF;
	PERFORM scc.record_change(c, 'case.open', 'case:' || k.id, NULL,
	    jsonb_build_object('school', s.id, 'programme', p.name,
	    'stage', k.stage, 'lead', scc.login_of(v_lead),
	    'link_partner', scc.login_of(v_link), 'reason', v_why),
	    scc.case_people(k));
	RETURN QUERY SELECT * FROM scc.case_rows(ARRAY[k.id]);
END
$$;

CREATE FUNCTION api.case_list(p_token bytea, p_stage text, p_school bigint,
    p_limit bigint, p_after bigint) RETURNS SETOF scc.rec_case
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
DECLARE
	c	scc.caller := scc.caller(p_token);
	v_stage	scc.case_stage;
	v_limit	int := scc.page_limit(p_limit);
BEGIN
	IF p_school IS NOT NULL THEN
		PERFORM scc.school_get(c, p_school);
	END IF;
	IF p_stage IS NOT NULL THEN
		v_stage := scc.arg_enum('stage', p_stage, NULL::scc.case_stage);
	END IF;
	RETURN QUERY
	SELECT * FROM scc.case_rows(ARRAY(SELECT k.id FROM scc.school_case k
	    WHERE k.authority_id = c.authority_id
		AND scc.sees_school(c, k.school_id, k.authority_id)
		AND (p_school IS NULL OR k.school_id = p_school)
		AND (v_stage IS NULL OR k.stage = v_stage)
		AND k.id > coalesce(p_after, 0)
	    ORDER BY k.id LIMIT v_limit));
END
$$;

CREATE FUNCTION api.case_show(p_token bytea, p_case bigint)
    RETURNS TABLE (rec text, id bigint, "case" bigint, school bigint,
    programme text, stage text, "from" text, "to" text, lead text,
    link_partner text, opened text, entered text, review_due text,
    "limit" text, overdue text, extended text, monitoring_until text,
    reason text, "by" text, "at" text)
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
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
	    NULL, NULL
	FROM scc.case_rows(ARRAY[k.id]) r;

	RETURN QUERY
	SELECT 'DECISION', NULL::bigint, d.case_id, NULL::bigint, NULL, NULL,
	    d.from_stage::text, d.to_stage::text, NULL, NULL, NULL, NULL, NULL,
	    NULL, NULL, NULL, NULL, d.reason, u.login, scc.wire_time(d.at)
	FROM scc.case_decision d JOIN scc.app_user u ON u.id = d.by_id
	WHERE d.case_id = k.id ORDER BY d.id;
END
$$;

CREATE FUNCTION api.case_stage(p_token bytea, p_case bigint, p_stage text,
    p_reason text) RETURNS SETOF scc.rec_case
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
AS $$
DECLARE
	c	scc.caller := scc.caller(p_token);
	k	scc.school_case := scc.case_get(c, p_case, true);
	v_from	scc.case_stage := k.stage;
	v_to	scc.case_stage;
	v_why	text;
BEGIN
	PERFORM scc.require(scc.can_steer_case(c), 'change a case''s stage');
	v_to := scc.arg_enum('stage', p_stage, NULL::scc.case_stage);
	v_why := scc.arg_text('reason', p_reason);
	IF NOT EXISTS (SELECT 1 FROM scc.stage_move m
	    WHERE m.from_stage = v_from AND m.to_stage = v_to) THEN
		PERFORM scc.raise_conflict(format('a case at %s cannot move to '
		    '%s', v_from, v_to));
	END IF;
	IF v_to = 'extended' AND k.extended THEN
		PERFORM scc.raise_conflict('the case has had its one extension');
	END IF;
	UPDATE scc.school_case x SET stage = v_to,
	    entered_on = CASE WHEN v_to = 'in_programme'
		THEN coalesce(x.entered_on, current_date) ELSE x.entered_on END,
	    reviews_held = x.reviews_held + (v_to = 'review')::int,
	    extended = x.extended OR v_to = 'extended',
	    exited_on = CASE WHEN v_to = 'exited' THEN current_date
		ELSE x.exited_on END
	WHERE x.id = k.id RETURNING * INTO k;
	INSERT INTO scc.case_decision (authority_id, case_id, from_stage,
	    to_stage, reason, by_id)
	VALUES (c.authority_id, k.id, v_from, v_to, v_why, c.user_id);
	PERFORM scc.record_change(c, 'case.stage', 'case:' || k.id,
	    jsonb_build_object('stage', v_from, 'reason', NULL),
	    jsonb_build_object('stage', v_to, 'reason', v_why),
	    scc.case_people(k));
	RETURN QUERY SELECT * FROM scc.case_rows(ARRAY[k.id]);
END
$$;

-- DASHBOARD is made in 012, where the meetings and actions it counts are.

REVOKE EXECUTE ON FUNCTION api.programme_list(bytea, bigint, bigint),
    api.programme_show(bytea, text),
    api.programme_set(bytea, text, text, text),
    api.programme_add(bytea, text, text, text),
    api.case_open(bytea, bigint, text, text, text, text),
    api.case_list(bytea, text, bigint, bigint, bigint),
    api.case_show(bytea, bigint),
    api.case_stage(bytea, bigint, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION api.programme_list(bytea, bigint, bigint),
    api.programme_show(bytea, text),
    api.programme_set(bytea, text, text, text),
    api.programme_add(bytea, text, text, text),
    api.case_open(bytea, bigint, text, text, text, text),
    api.case_list(bytea, text, bigint, bigint, bigint),
    api.case_show(bytea, bigint),
    api.case_stage(bytea, bigint, text, text) TO scc_api;
