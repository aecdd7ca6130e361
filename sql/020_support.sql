-- 020 support packages and interventions.
--
-- A support package is brokered for a case: a provider, what it is and
-- what it costs, in pence.  A case may have a budget agreed with its school
-- (Cheshire East's "specific budget for the IOP programme will be agreed
-- with the school"); a programme whose `budget` setting is yes needs one
-- before any package is brokered.  Where there is a budget, the packages
-- not cancelled are what is committed, and committing past the budget is
-- refused, naming by how much.
--
-- An intervention is a formal power recorded against a case: a warning
-- notice (Education and Inspections Act 2006, s.60), or one of the powers
-- a school eligible for intervention may face (s.63 to s.66).  Every step
-- beyond a proposal is approved by someone named (Cheshire East: the
-- Children & Families senior management team), and a power other than the
-- warning notice can be approved or used only when the four conditions of
-- eligibility are on record: a warning notice given, its compliance period
-- expired, the governing body's failure to comply, and written notice of
-- the power proposed.  A refusal names the conditions missing.
--
-- Lead officers manage both; everyone else reads what they can see of the
-- case (domain.md: "manage | read assigned | read own | read own").

CREATE TYPE scc.support_status AS ENUM ('brokered', 'active', 'completed',
    'cancelled');
CREATE TYPE scc.power AS ENUM ('warning_notice', 'additional_governors',
    'suspend_delegated_budget', 'interim_executive_board',
    'required_collaboration');
-- not_complied: the compliance period has run out and the governing body
-- did not comply (one of the conditions of eligibility); lapsed: ended, or
-- never taken further, without effect.
CREATE TYPE scc.intervention_status AS ENUM ('proposed', 'approved',
    'issued', 'complied', 'not_complied', 'lapsed');
-- The three grounds of s.60: standards unacceptably low; a serious
-- breakdown of management or governance; the safety of pupils or staff
-- threatened.
CREATE TYPE scc.warning_grounds AS ENUM ('standards', 'management', 'safety');

-- ---------------------------------------------------------------------------
-- Tables.

-- The budget agreed for a case, at most one; changing it keeps the old
-- value in the audit log.
CREATE TABLE scc.support_budget (
	case_id		bigint PRIMARY KEY,
	authority_id	bigint NOT NULL,
	budget		bigint NOT NULL
			    CHECK (budget BETWEEN 0 AND 100000000000),
	note		text,
	by_id		bigint NOT NULL,
	at		timestamptz NOT NULL DEFAULT now(),
	FOREIGN KEY (case_id, authority_id)
	    REFERENCES scc.school_case (id, authority_id),
	FOREIGN KEY (by_id, authority_id)
	    REFERENCES scc.app_user (id, authority_id)
);

CREATE TABLE scc.support (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	authority_id	bigint NOT NULL,
	case_id		bigint NOT NULL,
	provider	scc.label NOT NULL,
	description	text,
	budget		bigint NOT NULL
			    CHECK (budget BETWEEN 0 AND 100000000000),
	status		scc.support_status NOT NULL DEFAULT 'brokered',
	by_id		bigint NOT NULL,
	at		timestamptz NOT NULL DEFAULT now(),
	FOREIGN KEY (case_id, authority_id)
	    REFERENCES scc.school_case (id, authority_id),
	FOREIGN KEY (by_id, authority_id)
	    REFERENCES scc.app_user (id, authority_id)
);
CREATE INDEX support_authority_idx ON scc.support (authority_id, id);
CREATE INDEX support_case_idx ON scc.support (case_id, id);

-- Every change to a package, with who, when and the note.
CREATE TABLE scc.support_update (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	support_id	bigint NOT NULL REFERENCES scc.support (id),
	by_id		bigint NOT NULL REFERENCES scc.app_user (id),
	at		timestamptz NOT NULL DEFAULT now(),
	status		scc.support_status,
	budget		bigint,
	note		text
);
CREATE INDEX support_update_support_idx ON scc.support_update (support_id, id);

-- The moves SUPPORT UPDATE accepts.
CREATE TABLE scc.support_move (
	from_status	scc.support_status NOT NULL,
	to_status	scc.support_status NOT NULL,
	PRIMARY KEY (from_status, to_status)
);
INSERT INTO scc.support_move VALUES
	('brokered', 'active'), ('brokered', 'completed'),
	('brokered', 'cancelled'),
	('active', 'completed'), ('active', 'cancelled');

-- by_id and at: who made the latest step, and when; note: the latest
-- note given.  Each step is in scc.intervention_step as well.
CREATE TABLE scc.intervention (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	authority_id	bigint NOT NULL,
	case_id		bigint NOT NULL,
	power		scc.power NOT NULL,
	status		scc.intervention_status NOT NULL DEFAULT 'proposed',
	grounds		scc.warning_grounds[],
	given_on	date,		-- the notice given, the power used
	due		date,		-- the end of the compliance period
	compliance_days	int CHECK (compliance_days BETWEEN 1 AND 366),
	approved_by	scc.label,	-- a person or a body, as typed
	approved_on	date,
	notified_on	date,		-- written notice of this power given
	note		text,
	by_id		bigint NOT NULL,
	at		timestamptz NOT NULL DEFAULT now(),
	FOREIGN KEY (case_id, authority_id)
	    REFERENCES scc.school_case (id, authority_id),
	FOREIGN KEY (by_id, authority_id)
	    REFERENCES scc.app_user (id, authority_id),
	CHECK ((power = 'warning_notice') = (grounds IS NOT NULL)),
	CHECK (grounds IS NULL OR cardinality(grounds) BETWEEN 1 AND 3),
	CHECK (power <> 'warning_notice' OR notified_on IS NULL),
	CHECK (status IN ('proposed', 'lapsed') OR approved_by IS NOT NULL),
	CHECK (status NOT IN ('issued', 'complied', 'not_complied')
	    OR given_on IS NOT NULL),
	CHECK (power <> 'warning_notice'
	    OR status NOT IN ('issued', 'complied', 'not_complied')
	    OR due IS NOT NULL),
	CHECK (due IS NULL OR given_on IS NULL OR due > given_on)
);
CREATE INDEX intervention_authority_idx ON scc.intervention (authority_id, id);
CREATE INDEX intervention_case_idx ON scc.intervention (case_id, id);

CREATE TABLE scc.intervention_step (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	intervention_id	bigint NOT NULL REFERENCES scc.intervention (id),
	by_id		bigint NOT NULL REFERENCES scc.app_user (id),
	at		timestamptz NOT NULL DEFAULT now(),
	from_status	scc.intervention_status,
	to_status	scc.intervention_status NOT NULL,
	note		text
);
CREATE INDEX intervention_step_idx ON scc.intervention_step
    (intervention_id, id);

-- The moves INTERVENTION UPDATE accepts.  A new intervention starts
-- proposed, approved or issued.
CREATE TABLE scc.intervention_move (
	from_status	scc.intervention_status NOT NULL,
	to_status	scc.intervention_status NOT NULL,
	PRIMARY KEY (from_status, to_status)
);
INSERT INTO scc.intervention_move VALUES
	('proposed', 'approved'), ('proposed', 'issued'),
	('proposed', 'lapsed'),
	('approved', 'issued'), ('approved', 'lapsed'),
	('issued', 'complied'), ('issued', 'not_complied'),
	('issued', 'lapsed');

-- ---------------------------------------------------------------------------
-- Records.

CREATE TYPE scc.rec_support AS (rec text, id bigint, "case" bigint,
    school bigint, provider text, description text, budget bigint,
    status text, "by" text, "at" text, note text);
CREATE TYPE scc.rec_budget AS (rec text, "case" bigint, school bigint,
    programme text, budget bigint, committed bigint, "left" bigint,
    packages int, "by" text, "at" text, note text);
-- What the SUPPORT commands answer: SUPPORT records, then BUDGET.
CREATE TYPE scc.rec_support_answer AS (rec text, id bigint, "case" bigint,
    school bigint, programme text, provider text, description text,
    budget bigint, committed bigint, "left" bigint, packages int,
    status text, "by" text, "at" text, note text);
CREATE TYPE scc.rec_intervention AS (rec text, id bigint, "case" bigint,
    school bigint, power text, status text, grounds text, given text,
    due text, compliance_days int, expired text, approved_by text,
    approved text, notified text, eligible text, missing text, "by" text,
    "at" text, note text);

-- What is committed of a case's budget: its packages not cancelled.
CREATE FUNCTION scc.support_committed(p_case bigint) RETURNS bigint
	LANGUAGE sql STABLE
	SET search_path = scc, pg_temp
	RETURN (SELECT coalesce(sum(s.budget), 0)::bigint FROM scc.support s
	    WHERE s.case_id = p_case AND s.status <> 'cancelled');
REVOKE EXECUTE ON FUNCTION scc.support_committed(bigint) FROM PUBLIC;

CREATE FUNCTION scc.support_rows(p_ids bigint[]) RETURNS SETOF scc.rec_support
	LANGUAGE sql STABLE
	SET search_path = scc, pg_temp
BEGIN ATOMIC
	SELECT 'SUPPORT', s.id, s.case_id, k.school_id, s.provider::text,
	    s.description, s.budget, s.status::text, u.login,
	    scc.wire_time(s.at),
	    (SELECT x.note FROM scc.support_update x
	    WHERE x.support_id = s.id AND x.note IS NOT NULL
	    ORDER BY x.id DESC LIMIT 1)
	FROM unnest(p_ids) WITH ORDINALITY AS i(id, ord)
	JOIN scc.support s ON s.id = i.id
	JOIN scc.school_case k ON k.id = s.case_id
	JOIN scc.app_user u ON u.id = s.by_id
	ORDER BY i.ord;
END;
REVOKE EXECUTE ON FUNCTION scc.support_rows(bigint[]) FROM PUBLIC;

-- One BUDGET per case given: the budget agreed (none: no field, and no
-- left), what is committed, what is left, how many packages count.
CREATE FUNCTION scc.budget_rows(p_cases bigint[]) RETURNS SETOF scc.rec_budget
	LANGUAGE sql STABLE
	SET search_path = scc, pg_temp
BEGIN ATOMIC
	SELECT 'BUDGET', k.id, k.school_id, p.name, b.budget,
	    coalesce(t.committed, 0)::bigint,
	    b.budget - coalesce(t.committed, 0)::bigint, t.n::int, u.login,
	    scc.wire_time(b.at), b.note
	FROM unnest(p_cases) WITH ORDINALITY AS i(id, ord)
	JOIN scc.school_case k ON k.id = i.id
	JOIN scc.programme p ON p.id = k.programme_id
	LEFT JOIN scc.support_budget b ON b.case_id = k.id
	LEFT JOIN scc.app_user u ON u.id = b.by_id
	CROSS JOIN LATERAL (SELECT sum(s.budget) AS committed, count(*) AS n
	    FROM scc.support s
	    WHERE s.case_id = k.id AND s.status <> 'cancelled') t
	ORDER BY i.ord;
END;
REVOKE EXECUTE ON FUNCTION scc.budget_rows(bigint[]) FROM PUBLIC;

-- The answer of a SUPPORT command: the packages given, then the budgets
-- of the cases given.
CREATE FUNCTION scc.support_answer(p_supports bigint[], p_cases bigint[])
    RETURNS SETOF scc.rec_support_answer
	LANGUAGE sql STABLE
	SET search_path = scc, pg_temp
BEGIN ATOMIC
	SELECT x.rec, x.id, x."case", x.school, x.programme, x.provider,
	    x.description, x.budget, x.committed, x."left", x.packages,
	    x.status, x."by", x."at", x.note
	FROM (SELECT s.rec, s.id, s."case", s.school, NULL::text AS programme,
		s.provider, s.description, s.budget, NULL::bigint AS committed,
		NULL::bigint AS "left", NULL::int AS packages, s.status,
		s."by", s."at", s.note, 1 AS part, s.ord
	    FROM scc.support_rows(p_supports) WITH ORDINALITY AS s(rec, id,
		"case", school, provider, description, budget, status, "by",
		"at", note, ord)
	    UNION ALL
	    SELECT b.rec, NULL, b."case", b.school, b.programme, NULL, NULL,
		b.budget, b.committed, b."left", b.packages, NULL, b."by",
		b."at", b.note, 2, b.ord
	    FROM scc.budget_rows(p_cases) WITH ORDINALITY AS b(rec, "case",
		school, programme, budget, committed, "left", packages, "by",
		"at", note, ord)) x
	ORDER BY x.part, x.ord;
END;
REVOKE EXECUTE ON FUNCTION scc.support_answer(bigint[], bigint[]) FROM PUBLIC;

-- The conditions of eligibility for intervention not on record, for a
-- power of the case whose written notice was given on p_notified (NULL:
-- not given), as the atoms a refusal names:
--   warning_notice	no warning notice was given (issued, complied or
--			not_complied: the latest such is the one that counts)
--   compliance_expired	its compliance period has not run out
--   not_complied	the governing body's failure to comply is not recorded
--   written_notice	no written notice of this power was given
CREATE FUNCTION scc.intervention_missing(p_case bigint, p_notified date)
    RETURNS text[]
	LANGUAGE sql STABLE
	SET search_path = scc, pg_temp
	RETURN (SELECT array_remove(ARRAY[
	    CASE WHEN w.id IS NULL THEN 'warning_notice' END,
	    CASE WHEN w.id IS NULL OR NOT coalesce(w.due < current_date, false)
		THEN 'compliance_expired' END,
	    CASE WHEN w.id IS NULL OR w.status <> 'not_complied'
		THEN 'not_complied' END,
	    CASE WHEN p_notified IS NULL THEN 'written_notice' END], NULL)
	    FROM (SELECT 1) one
	    LEFT JOIN LATERAL (SELECT x.id, x.due, x.status
		FROM scc.intervention x
		WHERE x.case_id = p_case AND x.power = 'warning_notice'
		    AND x.status IN ('issued', 'complied', 'not_complied')
		ORDER BY x.id DESC LIMIT 1) w ON true);
REVOKE EXECUTE ON FUNCTION scc.intervention_missing(bigint, date) FROM PUBLIC;

-- expired: a warning notice's compliance period has run out; eligible and
-- missing: for a power still proposed, whether the school is eligible for
-- it now and which conditions are not on record.
CREATE FUNCTION scc.intervention_rows(p_ids bigint[])
    RETURNS SETOF scc.rec_intervention
	LANGUAGE sql STABLE
	SET search_path = scc, pg_temp
BEGIN ATOMIC
	SELECT 'INTERVENTION', i.id, i.case_id, k.school_id, i.power::text,
	    i.status::text, array_to_string(i.grounds, ','),
	    scc.wire_date(i.given_on), scc.wire_date(i.due), i.compliance_days,
	    CASE WHEN i.power = 'warning_notice' AND i.due IS NOT NULL
		AND i.given_on IS NOT NULL THEN scc.yes(i.due < current_date) END,
	    i.approved_by::text, scc.wire_date(i.approved_on),
	    scc.wire_date(i.notified_on),
	    CASE WHEN m.missing IS NOT NULL
		THEN scc.yes(cardinality(m.missing) = 0) END,
	    nullif(array_to_string(m.missing, ','), ''),
	    u.login, scc.wire_time(i.at), i.note
	FROM unnest(p_ids) WITH ORDINALITY AS x(id, ord)
	JOIN scc.intervention i ON i.id = x.id
	JOIN scc.school_case k ON k.id = i.case_id
	JOIN scc.app_user u ON u.id = i.by_id
	LEFT JOIN LATERAL (SELECT scc.intervention_missing(i.case_id,
	    i.notified_on) AS missing
	    WHERE i.power <> 'warning_notice' AND i.status = 'proposed') m
	    ON true
	ORDER BY x.ord;
END;
REVOKE EXECUTE ON FUNCTION scc.intervention_rows(bigint[]) FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- The default policy's line for both: lead officers manage.

CREATE FUNCTION scc.can_manage_support(c scc.caller) RETURNS boolean
	LANGUAGE sql IMMUTABLE
	RETURN c.role = 'lead_officer';
CREATE FUNCTION scc.can_intervene(c scc.caller) RETURNS boolean
	LANGUAGE sql IMMUTABLE
	RETURN c.role = 'lead_officer';
REVOKE EXECUTE ON FUNCTION scc.can_manage_support(scc.caller),
    scc.can_intervene(scc.caller) FROM PUBLIC;

-- An amount of money: whole pence, 0 to 100000000000 (a thousand million
-- pounds).
CREATE FUNCTION scc.arg_money(p_argument text, p_value bigint) RETURNS bigint
	LANGUAGE plpgsql IMMUTABLE
	SET search_path = scc, pg_temp
AS $$
BEGIN
	IF p_value IS NULL OR p_value NOT BETWEEN 0 AND 100000000000 THEN
		PERFORM scc.raise_invalid(p_argument, format('%s: whole pence, '
		    '0 to 100000000000', p_argument));
	END IF;
	RETURN p_value;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.arg_money(text, bigint) FROM PUBLIC;

-- A package the caller can see (its case's rule), or NOTFOUND.
CREATE FUNCTION scc.support_get(c scc.caller, p_support bigint,
    p_lock boolean DEFAULT false) RETURNS scc.support
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
DECLARE
	s	scc.support;
BEGIN
	IF p_lock THEN
		SELECT * INTO s FROM scc.support x WHERE x.id = p_support
		FOR UPDATE;
	ELSE
		SELECT * INTO s FROM scc.support x WHERE x.id = p_support;
	END IF;
	IF NOT FOUND OR NOT scc.sees_case(c, s.case_id) THEN
		PERFORM scc.raise_notfound('support package');
	END IF;
	RETURN s;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.support_get(scc.caller, bigint, boolean)
    FROM PUBLIC;

CREATE FUNCTION scc.intervention_get(c scc.caller, p_intervention bigint,
    p_lock boolean DEFAULT false) RETURNS scc.intervention
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
DECLARE
	v	scc.intervention;
BEGIN
	IF p_lock THEN
		SELECT * INTO v FROM scc.intervention x WHERE x.id = p_intervention
		FOR UPDATE;
	ELSE
		SELECT * INTO v FROM scc.intervention x
		WHERE x.id = p_intervention;
	END IF;
	IF NOT FOUND OR NOT scc.sees_case(c, v.case_id) THEN
		PERFORM scc.raise_notfound('intervention');
	END IF;
	RETURN v;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.intervention_get(scc.caller, bigint, boolean)
    FROM PUBLIC;

-- The case of a package, locked: every change to what a case commits
-- holds its case's row, so two at once cannot both pass the budget.
CREATE FUNCTION scc.case_locked(p_case bigint) RETURNS scc.school_case
	LANGUAGE sql
	SET search_path = scc, pg_temp
BEGIN ATOMIC
	SELECT * FROM scc.school_case k WHERE k.id = p_case FOR UPDATE;
END;
REVOKE EXECUTE ON FUNCTION scc.case_locked(bigint) FROM PUBLIC;

-- CONFLICT unless the case can commit p_more pence more: a programme with
-- a budget needs one agreed for the case first; an agreed budget is never
-- passed, and the refusal names the overrun in pence.
CREATE FUNCTION scc.support_budget_check(k scc.school_case, p_more bigint)
    RETURNS void
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
DECLARE
	v_budget	bigint;
	v_committed	bigint;
	p		scc.programme;
BEGIN
	SELECT b.budget INTO v_budget FROM scc.support_budget b
	WHERE b.case_id = k.id;
	IF v_budget IS NULL THEN
		SELECT * INTO p FROM scc.programme x WHERE x.id = k.programme_id;
		IF p.budget THEN
			PERFORM scc.raise_conflict(format('the %s programme has a '
			    'budget per school: agree this case''s first '
			    '(SUPPORT BUDGET)', p.name));
		END IF;
		RETURN;
	END IF;
	v_committed := scc.support_committed(k.id);
	IF v_committed + p_more > v_budget THEN
		PERFORM scc.raise_conflict(format('over the case''s budget by %s '
		    'pence: the budget is %s, %s is committed and this adds %s',
		    v_committed + p_more - v_budget, v_budget, v_committed,
		    p_more), (v_committed + p_more - v_budget)::text);
	END IF;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.support_budget_check(scc.school_case, bigint)
    FROM PUBLIC;

-- Who hears of support: the case's lead and link partner, and the
-- school's headteacher.
CREATE FUNCTION scc.support_people(k scc.school_case) RETURNS bigint[]
	LANGUAGE sql STABLE
	SET search_path = scc, pg_temp
	RETURN scc.case_people(k) || scc.school_people(k.school_id,
	    'headteacher');
REVOKE EXECUTE ON FUNCTION scc.support_people(scc.school_case) FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- SUPPORT ADD / LIST / UPDATE / BUDGET

CREATE FUNCTION api.support_add(p_token bytea, p_case bigint,
    p_provider text, p_budget bigint, p_description text, p_status text)
    RETURNS SETOF scc.rec_support_answer
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
	SET TimeZone = 'Europe/London'
AS $$
DECLARE
	c	 scc.caller := scc.caller(p_token);
	k	 scc.school_case := scc.case_get(c, p_case, true);
	v_status scc.support_status := 'brokered';
	v_desc	 text;
	s	 scc.support;
BEGIN
	PERFORM scc.require(scc.can_manage_support(c),
	    'broker support packages');
	PERFORM scc.check_label('provider', p_provider);
	v_desc := scc.arg_text('description', p_description, false);
	PERFORM scc.arg_money('budget', p_budget);
	IF p_status IS NOT NULL THEN
		v_status := scc.arg_enum('status', p_status,
		    NULL::scc.support_status);
	END IF;
	IF k.stage = 'closed' THEN
		PERFORM scc.raise_conflict('the case is closed');
	END IF;
	IF v_status = 'cancelled' THEN
		PERFORM scc.raise_conflict('a package is added brokered, active '
		    'or completed');
	END IF;
	PERFORM scc.support_budget_check(k, p_budget);
	INSERT INTO scc.support (authority_id, case_id, provider, description,
	    budget, status, by_id)
	VALUES (k.authority_id, k.id, p_provider, v_desc, p_budget, v_status,
	    c.user_id)
	RETURNING * INTO s;
	PERFORM scc.record_change(c, 'support.add', 'case:' || k.id, NULL,
	    jsonb_build_object('support', s.id, 'provider', s.provider,
	    'description', s.description, 'budget', s.budget,
	    'status', s.status), scc.support_people(k));
	RETURN QUERY SELECT * FROM scc.support_answer(ARRAY[s.id],
	    ARRAY[k.id]);
END
$$;

-- With case=, the last page ends with the case's BUDGET.
CREATE FUNCTION api.support_list(p_token bytea, p_case bigint,
    p_school bigint, p_status text, p_limit bigint, p_after bigint)
    RETURNS SETOF scc.rec_support_answer
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
	SET TimeZone = 'Europe/London'
AS $$
DECLARE
	c	 scc.caller := scc.caller(p_token);
	v_limit	 int := scc.page_limit(p_limit);
	v_status scc.support_status;
	v_ids	 bigint[];
BEGIN
	IF p_case IS NOT NULL THEN
		PERFORM scc.case_get(c, p_case);
	END IF;
	IF p_school IS NOT NULL THEN
		PERFORM scc.school_get(c, p_school);
	END IF;
	IF p_status IS NOT NULL THEN
		v_status := scc.arg_enum('status', p_status,
		    NULL::scc.support_status);
	END IF;
	-- one more than the page: whether this page is the last
	v_ids := ARRAY(SELECT s.id FROM scc.support s
	    JOIN scc.school_case k ON k.id = s.case_id
	    WHERE s.authority_id = c.authority_id
		AND scc.sees_school(c, k.school_id, k.authority_id)
		AND (p_case IS NULL OR s.case_id = p_case)
		AND (p_school IS NULL OR k.school_id = p_school)
		AND (v_status IS NULL OR s.status = v_status)
		AND s.id > coalesce(p_after, 0)
	    ORDER BY s.id LIMIT v_limit + 1);
	RETURN QUERY SELECT * FROM scc.support_answer(v_ids[1:v_limit],
	    CASE WHEN p_case IS NOT NULL AND cardinality(v_ids) <= v_limit
	    THEN ARRAY[p_case] ELSE '{}'::bigint[] END);
END
$$;

-- Status along scc.support_move; the budget while not cancelled; a note
-- at any time.
CREATE FUNCTION api.support_update(p_token bytea, p_support bigint,
    p_status text, p_budget bigint, p_note text)
    RETURNS SETOF scc.rec_support_answer
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
	SET TimeZone = 'Europe/London'
AS $$
DECLARE
	c	 scc.caller := scc.caller(p_token);
	s	 scc.support := scc.support_get(c, p_support);
	k	 scc.school_case;
	v_new	 scc.support;
	v_status scc.support_status;
	v_note	 text;
	v_more	 bigint;
BEGIN
	PERFORM scc.require(scc.can_manage_support(c),
	    'change support packages');
	IF p_status IS NULL AND p_budget IS NULL AND p_note IS NULL THEN
		PERFORM scc.raise_invalid('status', 'status, budget or note: '
		    'what changed');
	END IF;
	IF p_status IS NOT NULL THEN
		v_status := scc.arg_enum('status', p_status,
		    NULL::scc.support_status);
	END IF;
	IF p_budget IS NOT NULL THEN
		PERFORM scc.arg_money('budget', p_budget);
	END IF;
	v_note := scc.arg_text('note', p_note, false);
	-- the case first, then the package: the order SUPPORT ADD takes
	k := scc.case_locked(s.case_id);
	s := scc.support_get(c, s.id, true);
	IF v_status IS NOT NULL AND v_status <> s.status
	    AND NOT EXISTS (SELECT 1 FROM scc.support_move m
	    WHERE m.from_status = s.status AND m.to_status = v_status) THEN
		PERFORM scc.raise_conflict(format('a package %s cannot become %s',
		    s.status, v_status));
	END IF;
	IF p_budget IS NOT NULL AND p_budget <> s.budget
	    AND s.status = 'cancelled' THEN
		PERFORM scc.raise_conflict('the package is cancelled: its budget '
		    'no longer counts');
	END IF;
	v_more := CASE WHEN coalesce(v_status, s.status) = 'cancelled'
	    THEN 0 ELSE coalesce(p_budget, s.budget) - s.budget END;
	IF v_more > 0 THEN
		PERFORM scc.support_budget_check(k, v_more);
	END IF;
	UPDATE scc.support x SET status = coalesce(v_status, x.status),
	    budget = coalesce(p_budget, x.budget)
	WHERE x.id = s.id RETURNING * INTO v_new;
	INSERT INTO scc.support_update (support_id, by_id, status, budget, note)
	VALUES (s.id, c.user_id, v_status, p_budget, v_note);
	PERFORM scc.record_change(c, 'support.update', 'case:' || k.id,
	    jsonb_build_object('support', s.id, 'status', s.status,
	    'budget', s.budget),
	    jsonb_build_object('support', s.id, 'status', v_new.status,
	    'budget', v_new.budget, 'note', v_note), scc.support_people(k));
	RETURN QUERY SELECT * FROM scc.support_answer(ARRAY[s.id],
	    ARRAY[k.id]);
END
$$;

-- The budget agreed for a case, set or changed; never below what is
-- committed.
CREATE FUNCTION api.support_budget(p_token bytea, p_case bigint,
    p_budget bigint, p_note text) RETURNS SETOF scc.rec_support_answer
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
	SET TimeZone = 'Europe/London'
AS $$
DECLARE
	c	    scc.caller := scc.caller(p_token);
	k	    scc.school_case := scc.case_get(c, p_case, true);
	v_note	    text;
	v_old	    bigint;
	v_committed bigint;
BEGIN
	PERFORM scc.require(scc.can_manage_support(c),
	    'agree a case''s budget');
	PERFORM scc.arg_money('budget', p_budget);
	v_note := scc.arg_text('note', p_note, false);
	IF k.stage = 'closed' THEN
		PERFORM scc.raise_conflict('the case is closed');
	END IF;
	v_committed := scc.support_committed(k.id);
	IF p_budget < v_committed THEN
		PERFORM scc.raise_conflict(format('%s is committed: a budget of '
		    '%s is short by %s pence', v_committed, p_budget,
		    v_committed - p_budget), (v_committed - p_budget)::text);
	END IF;
	SELECT b.budget INTO v_old FROM scc.support_budget b
	WHERE b.case_id = k.id;
	INSERT INTO scc.support_budget (case_id, authority_id, budget, note,
	    by_id)
	VALUES (k.id, k.authority_id, p_budget, v_note, c.user_id)
	ON CONFLICT (case_id) DO UPDATE SET budget = EXCLUDED.budget,
	    note = EXCLUDED.note, by_id = EXCLUDED.by_id, at = now();
	PERFORM scc.record_change(c, 'support.budget', 'case:' || k.id,
	    jsonb_build_object('budget', v_old),
	    jsonb_build_object('budget', p_budget, 'note', v_note),
	    scc.support_people(k));
	RETURN QUERY SELECT * FROM scc.support_answer('{}', ARRAY[k.id]);
END
$$;

-- ---------------------------------------------------------------------------
-- INTERVENE / INTERVENTION LIST / INTERVENTION UPDATE

-- grounds=standards,management: one or more of the s.60 grounds.
CREATE FUNCTION scc.arg_grounds(p_value text) RETURNS scc.warning_grounds[]
	LANGUAGE plpgsql STABLE
	SET search_path = scc, pg_temp
AS $$
DECLARE
	v_out	scc.warning_grounds[];
BEGIN
	BEGIN
		SELECT array_agg(DISTINCT lower(btrim(g))::scc.warning_grounds)
		INTO v_out FROM unnest(string_to_array(p_value, ',')) g;
	EXCEPTION WHEN invalid_text_representation THEN
		v_out := NULL;
	END;
	IF v_out IS NULL OR cardinality(v_out) = 0 THEN
		PERFORM scc.raise_invalid('grounds', 'grounds: one or more of '
		    'standards, management, safety, comma-separated');
	END IF;
	RETURN v_out;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.arg_grounds(text) FROM PUBLIC;

-- One step of an intervention, new (v.id NULL) or recorded: the arguments
-- checked (INVALID), then the workflow (CONFLICT); the row as it will be.
-- The caller has found the case and asked who may.
CREATE FUNCTION scc.intervention_apply(k scc.school_case, v scc.intervention,
    p_status text, p_due date, p_note text, p_grounds text, p_days bigint,
    p_given date, p_approved_by text, p_approved date, p_notified date)
    RETURNS scc.intervention
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
DECLARE
	v_new	  boolean := v.id IS NULL;
	v_from	  scc.intervention_status := v.status;
	v_to	  scc.intervention_status;
	v_warn	  boolean := v.power = 'warning_notice';
	v_note	  text;
	v_missing text[];
	v_open	  scc.intervention;
	p	  scc.programme;
	v_terms	  int;
BEGIN
	-- Arguments.
	IF p_status IS NOT NULL THEN
		v_to := scc.arg_enum('status', p_status,
		    NULL::scc.intervention_status);
	END IF;
	v_to := coalesce(v_to, v_from, 'proposed');
	IF p_grounds IS NOT NULL THEN
		IF NOT v_warn THEN
			PERFORM scc.raise_invalid('grounds', 'grounds: only a '
			    'warning notice has grounds');
		END IF;
		v.grounds := scc.arg_grounds(p_grounds);
	ELSIF v_warn AND v_new THEN
		PERFORM scc.raise_invalid('grounds', 'grounds: why the warning '
		    'notice is given: standards, management or safety '
		    '(comma-separated)');
	END IF;
	IF p_days IS NOT NULL AND p_days NOT BETWEEN 1 AND 366 THEN
		PERFORM scc.raise_invalid('compliance_days',
		    'compliance_days: 1 to 366');
	END IF;
	IF p_days IS NOT NULL AND p_due IS NOT NULL THEN
		PERFORM scc.raise_invalid('compliance_days', 'compliance_days: '
		    'give it or due=, not both');
	END IF;
	IF p_given > current_date THEN
		PERFORM scc.raise_invalid('given', 'given: the day it was given, '
		    'not after today');
	END IF;
	IF p_approved_by IS NOT NULL THEN
		PERFORM scc.check_label('approved_by', p_approved_by);
		v.approved_by := p_approved_by;
	END IF;
	IF p_approved IS NOT NULL AND v.approved_by IS NULL THEN
		PERFORM scc.raise_invalid('approved_by', 'approved_by: who '
		    'approved it, with approved=');
	END IF;
	IF p_approved > current_date THEN
		PERFORM scc.raise_invalid('approved', 'approved: the day it was '
		    'approved, not after today');
	END IF;
	IF p_notified IS NOT NULL AND v_warn THEN
		PERFORM scc.raise_invalid('notified', 'notified: written notice '
		    'of a power is recorded on the power proposed, not on the '
		    'warning notice');
	END IF;
	IF p_notified > current_date THEN
		PERFORM scc.raise_invalid('notified', 'notified: the day the '
		    'notice was given in writing, not after today');
	END IF;
	v_note := scc.arg_text('note', p_note, false);
	-- What the step needs, and the evidence of each condition.
	IF v_to IN ('approved', 'issued') AND v.approved_by IS NULL THEN
		PERFORM scc.raise_invalid('approved_by', 'approved_by: who '
		    'approved it (a person, or a body such as the senior '
		    'management team)');
	END IF;
	IF p_notified IS NOT NULL AND v_note IS NULL THEN
		PERFORM scc.raise_invalid('note', 'note: the written notice '
		    'given (its reference, or what it said)');
	END IF;
	IF v_to = 'not_complied' AND v_from IS DISTINCT FROM 'not_complied'
	    AND v_note IS NULL THEN
		PERFORM scc.raise_invalid('note', 'note: the evidence that the '
		    'governing body did not comply');
	END IF;
	IF p_days IS NOT NULL THEN
		v.compliance_days := p_days;
	END IF;
	IF p_due IS NOT NULL THEN
		v.due := p_due;
		v.compliance_days := NULL;
	END IF;
	v.given_on := coalesce(p_given, v.given_on);
	IF v_to = 'issued' AND v.given_on IS NULL THEN
		v.given_on := current_date;
	END IF;
	IF v.given_on IS NOT NULL AND v.compliance_days IS NOT NULL THEN
		v.due := v.given_on + v.compliance_days;
	END IF;
	IF v_warn AND v_to = 'issued' AND v.due IS NULL THEN
		PERFORM scc.raise_invalid('due', 'due: the last day of the '
		    'compliance period the notice sets (or compliance_days=)');
	END IF;
	IF v.due <= v.given_on THEN
		PERFORM scc.raise_invalid('due', 'due: after the day it was '
		    'given');
	END IF;
	IF v_to IN ('approved', 'issued') THEN
		v.approved_on := coalesce(p_approved, v.approved_on,
		    least(current_date, v.given_on));
	ELSIF p_approved IS NOT NULL THEN
		v.approved_on := p_approved;
	END IF;
	IF v.approved_on > v.given_on THEN
		PERFORM scc.raise_invalid('approved', 'approved: on or before '
		    'the day it was given');
	END IF;
	v.notified_on := coalesce(p_notified, v.notified_on);

	-- The workflow.
	IF k.stage = 'closed' THEN
		PERFORM scc.raise_conflict('the case is closed');
	END IF;
	IF v_from IN ('complied', 'not_complied', 'lapsed') AND (v_to <> v_from
	    OR p_due IS NOT NULL OR p_days IS NOT NULL OR p_given IS NOT NULL
	    OR p_approved_by IS NOT NULL OR p_approved IS NOT NULL
	    OR p_notified IS NOT NULL OR p_grounds IS NOT NULL) THEN
		PERFORM scc.raise_conflict(format('the %s is %s: only a note can '
		    'be added', replace(v.power::text, '_', ' '), v_from));
	END IF;
	IF v_new THEN
		IF v_to NOT IN ('proposed', 'approved', 'issued') THEN
			PERFORM scc.raise_conflict(format('a new intervention is '
			    'proposed, approved or issued, not %s', v_to));
		END IF;
		SELECT * INTO v_open FROM scc.intervention x
		WHERE x.case_id = k.id AND x.power = 'warning_notice'
		    AND x.status IN ('proposed', 'approved', 'issued')
		ORDER BY x.id LIMIT 1;
		IF v_warn AND FOUND THEN
			PERFORM scc.raise_conflict(format('the case has warning '
			    'notice %s, still %s', v_open.id, v_open.status));
		END IF;
	ELSIF v_to <> v_from AND NOT EXISTS (SELECT 1
	    FROM scc.intervention_move m
	    WHERE m.from_status = v_from AND m.to_status = v_to) THEN
		PERFORM scc.raise_conflict(format('an intervention %s cannot '
		    'become %s', v_from, v_to));
	END IF;
	IF p_given IS NOT NULL AND v_to IN ('proposed', 'approved', 'lapsed')
	    AND v_from IS DISTINCT FROM 'issued' THEN
		PERFORM scc.raise_conflict(format('the %s is %s: it has not been '
		    'given', replace(v.power::text, '_', ' '), v_to));
	END IF;
	IF (p_approved_by IS NOT NULL OR p_approved IS NOT NULL)
	    AND v_to = 'proposed' THEN
		PERFORM scc.raise_conflict('approval is recorded with '
		    'status=approved or status=issued');
	END IF;
	IF p_notified IS NOT NULL AND v_from IN ('issued', 'complied',
	    'not_complied', 'lapsed') THEN
		PERFORM scc.raise_conflict(format('the power is %s: notice of it '
		    'comes before it is used', v_from));
	END IF;
	IF v_to = 'not_complied' AND v_from IS DISTINCT FROM 'not_complied'
	    AND NOT coalesce(v.due < current_date, false) THEN
		PERFORM scc.raise_conflict(format('the compliance period runs to '
		    '%s: that the governing body did not comply can be recorded '
		    'once it has passed', coalesce(scc.wire_date(v.due),
		    'a day not yet set')));
	END IF;
	-- A programme may allow a warning notice only after so many terms in
	-- it (Cheshire East: three).
	IF v_warn AND v_to = 'issued' AND v_from IS DISTINCT FROM 'issued' THEN
		SELECT * INTO p FROM scc.programme x WHERE x.id = k.programme_id;
		IF k.entered_on IS NOT NULL THEN
			v_terms := scc.term_number(scc.term_current())
			    - scc.term_number(scc.term_of(k.entered_on));
		END IF;
		IF p.warning_after_terms IS NOT NULL
		    AND coalesce(v_terms, -1) < p.warning_after_terms THEN
			PERFORM scc.raise_conflict(format('the %s programme gives '
			    'a warning notice only after %s terms in it; this '
			    'case has had %s', p.name, p.warning_after_terms,
			    coalesce(v_terms, 0)));
		END IF;
	END IF;
	-- Eligibility: the four conditions, before a power is approved or
	-- used.
	IF NOT v_warn AND v_to IN ('approved', 'issued')
	    AND v_from IS DISTINCT FROM v_to THEN
		v_missing := scc.intervention_missing(k.id, v.notified_on);
		IF cardinality(v_missing) > 0 THEN
			PERFORM scc.raise_conflict(format('the school is not yet '
			    'eligible for intervention: %s not on record',
			    array_to_string(v_missing, ', ')),
			    array_to_string(v_missing, ' '));
		END IF;
	END IF;
	v.status := v_to;
	v.note := coalesce(v_note, v.note);
	RETURN v;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.intervention_apply(scc.school_case,
    scc.intervention, text, date, text, text, bigint, date, text, date, date)
    FROM PUBLIC;

-- The fields of an intervention as the audit log keeps them.
CREATE FUNCTION scc.intervention_fields(v scc.intervention) RETURNS jsonb
	LANGUAGE sql IMMUTABLE
	RETURN jsonb_build_object('intervention', v.id, 'power', v.power,
	    'status', v.status, 'grounds', v.grounds, 'given', v.given_on,
	    'due', v.due, 'compliance_days', v.compliance_days,
	    'approved_by', v.approved_by, 'approved', v.approved_on,
	    'notified', v.notified_on);
REVOKE EXECUTE ON FUNCTION scc.intervention_fields(scc.intervention)
    FROM PUBLIC;

-- Who hears: the case's lead and link partner; once it has been given
-- (issued), the school's headteacher and governors too.
CREATE FUNCTION scc.intervention_people(k scc.school_case,
    v scc.intervention) RETURNS bigint[]
	LANGUAGE sql STABLE
	SET search_path = scc, pg_temp
	RETURN scc.case_people(k) || CASE WHEN v.given_on IS NOT NULL
	    THEN scc.school_people(k.school_id,
	    'headteacher') || scc.school_people(k.school_id, 'governor')
	    ELSE '{}'::bigint[] END;
REVOKE EXECUTE ON FUNCTION scc.intervention_people(scc.school_case,
    scc.intervention) FROM PUBLIC;

CREATE FUNCTION api.intervene(p_token bytea, p_case bigint, p_power text,
    p_status text, p_due date, p_note text, p_grounds text,
    p_compliance_days bigint, p_given date, p_approved_by text,
    p_approved date, p_notified date)
    RETURNS SETOF scc.rec_intervention
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
	SET TimeZone = 'Europe/London'
AS $$
DECLARE
	c	scc.caller := scc.caller(p_token);
	k	scc.school_case := scc.case_get(c, p_case, true);
	v	scc.intervention;
BEGIN
	PERFORM scc.require(scc.can_intervene(c), 'record interventions');
	v.power := scc.arg_enum('power', p_power, NULL::scc.power);
	v := scc.intervention_apply(k, v, p_status, p_due, p_note, p_grounds,
	    p_compliance_days, p_given, p_approved_by, p_approved, p_notified);
	INSERT INTO scc.intervention (authority_id, case_id, power, status,
	    grounds, given_on, due, compliance_days, approved_by, approved_on,
	    notified_on, note, by_id)
	VALUES (k.authority_id, k.id, v.power, v.status, v.grounds, v.given_on,
	    v.due, v.compliance_days, v.approved_by, v.approved_on,
	    v.notified_on, v.note, c.user_id)
	RETURNING * INTO v;
	INSERT INTO scc.intervention_step (intervention_id, by_id, from_status,
	    to_status, note)
	VALUES (v.id, c.user_id, NULL, v.status, v.note);
	PERFORM scc.record_change(c, 'intervention.add', 'case:' || k.id, NULL,
	    scc.intervention_fields(v) || jsonb_build_object('note', v.note),
	    scc.intervention_people(k, v));
	RETURN QUERY SELECT * FROM scc.intervention_rows(ARRAY[v.id]);
END
$$;

CREATE FUNCTION api.intervention_list(p_token bytea, p_case bigint,
    p_school bigint, p_power text, p_status text, p_limit bigint,
    p_after bigint) RETURNS SETOF scc.rec_intervention
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
	SET TimeZone = 'Europe/London'
AS $$
DECLARE
	c	 scc.caller := scc.caller(p_token);
	v_limit	 int := scc.page_limit(p_limit);
	v_power	 scc.power;
	v_status scc.intervention_status;
BEGIN
	IF p_case IS NOT NULL THEN
		PERFORM scc.case_get(c, p_case);
	END IF;
	IF p_school IS NOT NULL THEN
		PERFORM scc.school_get(c, p_school);
	END IF;
	IF p_power IS NOT NULL THEN
		v_power := scc.arg_enum('power', p_power, NULL::scc.power);
	END IF;
	IF p_status IS NOT NULL THEN
		v_status := scc.arg_enum('status', p_status,
		    NULL::scc.intervention_status);
	END IF;
	RETURN QUERY
	SELECT * FROM scc.intervention_rows(ARRAY(SELECT i.id
	    FROM scc.intervention i
	    JOIN scc.school_case k ON k.id = i.case_id
	    WHERE i.authority_id = c.authority_id
		AND scc.sees_school(c, k.school_id, k.authority_id)
		AND (p_case IS NULL OR i.case_id = p_case)
		AND (p_school IS NULL OR k.school_id = p_school)
		AND (v_power IS NULL OR i.power = v_power)
		AND (v_status IS NULL OR i.status = v_status)
		AND i.id > coalesce(p_after, 0)
	    ORDER BY i.id LIMIT v_limit));
END
$$;

CREATE FUNCTION api.intervention_update(p_token bytea, p_intervention bigint,
    p_status text, p_note text, p_due date, p_compliance_days bigint,
    p_given date, p_approved_by text, p_approved date, p_notified date)
    RETURNS SETOF scc.rec_intervention
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = scc, pg_temp
	SET TimeZone = 'Europe/London'
AS $$
DECLARE
	c	scc.caller := scc.caller(p_token);
	v	scc.intervention := scc.intervention_get(c, p_intervention);
	k	scc.school_case;
	v_new	scc.intervention;
	v_note	text;
BEGIN
	PERFORM scc.require(scc.can_intervene(c), 'record interventions');
	IF p_status IS NULL AND p_note IS NULL AND p_due IS NULL
	    AND p_compliance_days IS NULL AND p_given IS NULL
	    AND p_approved_by IS NULL AND p_approved IS NULL
	    AND p_notified IS NULL THEN
		PERFORM scc.raise_invalid('status', 'status, note, due, '
		    'compliance_days, given, approved_by, approved or notified: '
		    'what changed');
	END IF;
	-- the case first: eligibility reads its other interventions
	k := scc.case_locked(v.case_id);
	v := scc.intervention_get(c, v.id, true);
	v_new := scc.intervention_apply(k, v, p_status, p_due, p_note, NULL,
	    p_compliance_days, p_given, p_approved_by, p_approved, p_notified);
	v_note := scc.arg_text('note', p_note, false);
	UPDATE scc.intervention x SET status = v_new.status,
	    given_on = v_new.given_on, due = v_new.due,
	    compliance_days = v_new.compliance_days,
	    approved_by = v_new.approved_by, approved_on = v_new.approved_on,
	    notified_on = v_new.notified_on, note = v_new.note,
	    by_id = c.user_id, at = now()
	WHERE x.id = v.id RETURNING * INTO v_new;
	INSERT INTO scc.intervention_step (intervention_id, by_id, from_status,
	    to_status, note)
	VALUES (v.id, c.user_id, v.status, v_new.status, v_note);
	PERFORM scc.record_change(c, 'intervention.update', 'case:' || k.id,
	    scc.intervention_fields(v),
	    scc.intervention_fields(v_new) || jsonb_build_object('note', v_note),
	    scc.intervention_people(k, v_new));
	RETURN QUERY SELECT * FROM scc.intervention_rows(ARRAY[v.id]);
END
$$;

REVOKE EXECUTE ON FUNCTION
    api.support_add(bytea, bigint, text, bigint, text, text),
    api.support_list(bytea, bigint, bigint, text, bigint, bigint),
    api.support_update(bytea, bigint, text, bigint, text),
    api.support_budget(bytea, bigint, bigint, text),
    api.intervene(bytea, bigint, text, text, date, text, text, bigint, date,
	text, date, date),
    api.intervention_list(bytea, bigint, bigint, text, text, bigint, bigint),
    api.intervention_update(bytea, bigint, text, text, date, bigint, date,
	text, date, date)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    api.support_add(bytea, bigint, text, bigint, text, text),
    api.support_list(bytea, bigint, bigint, text, bigint, bigint),
    api.support_update(bytea, bigint, text, bigint, text),
    api.support_budget(bytea, bigint, bigint, text),
    api.intervene(bytea, bigint, text, text, date, text, text, bigint, date,
	text, date, date),
    api.intervention_list(bytea, bigint, bigint, text, text, bigint, bigint),
    api.intervention_update(bytea, bigint, text, text, date, bigint, date,
	text, date, date)
    TO scc_api;
