-- 006 casework records: level history, risk areas and ratings, alerts,
-- programmes and cases.  Each authority gets the shipped presets (the
-- Ealing risk areas and the three programmes) when it is created; existing
-- authorities get them here.
--
-- Every table carries authority_id, and every reference to a school, a
-- programme or a user goes through a composite key with it, so a row can
-- never point across the tenant boundary whatever a function does.

ALTER TABLE scc.app_user ADD CONSTRAINT app_user_id_authority
	UNIQUE (id, authority_id);

CREATE TABLE scc.level_change (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	authority_id	bigint NOT NULL,
	school_id	bigint NOT NULL,
	level		scc.rag NOT NULL,
	reason		text NOT NULL,
	by_id		bigint NOT NULL,
	at		timestamptz NOT NULL DEFAULT now(),
	FOREIGN KEY (school_id, authority_id)
	    REFERENCES scc.school (id, authority_id),
	FOREIGN KEY (by_id, authority_id)
	    REFERENCES scc.app_user (id, authority_id)
);
CREATE INDEX level_change_school_idx ON scc.level_change (school_id, id);

-- ---------------------------------------------------------------------------
-- Risk areas.  The presets are data; an authority rates by its active areas.

CREATE TABLE scc.area_preset (
	preset		text NOT NULL,
	area		text NOT NULL CHECK (area ~ '^[a-z][a-z0-9_]{0,39}$'),
	title		scc.label NOT NULL,
	ord		int NOT NULL,
	PRIMARY KEY (preset, area)
);

INSERT INTO scc.area_preset (preset, ord, area, title) VALUES
	('ealing', 1, 'attainment', 'Attainment'),
	('ealing', 2, 'progress', 'Progress'),
	('ealing', 3, 'attendance_behaviour', 'Attendance and behaviour'),
	('ealing', 4, 'teaching_learning', 'Teaching and learning'),
	('ealing', 5, 'leadership_governance', 'Leadership and governance'),
	('ealing', 6, 'safeguarding', 'Safeguarding'),
	('ealing', 7, 'staff_turnover', 'Staff turnover'),
	('ealing', 8, 'parental_popularity', 'Parental popularity'),
	('ealing', 9, 'finance', 'Finance'),
	('hackney', 1, 'attendance', 'Attendance'),
	('hackney', 2, 'finance', 'Finance'),
	('hackney', 3, 'governance', 'Governance'),
	('hackney', 4, 'health_safety', 'Health and safety'),
	('hackney', 5, 'hr', 'Human resources'),
	('hackney', 6, 'property', 'Property'),
	('hackney', 7, 'parental_engagement', 'Parental engagement'),
	('hackney', 8, 'safeguarding', 'Safeguarding'),
	('hackney', 9, 'inclusion', 'Inclusion');

CREATE TABLE scc.risk_area (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	authority_id	bigint NOT NULL REFERENCES scc.authority (id),
	area		text NOT NULL CHECK (area ~ '^[a-z][a-z0-9_]{0,39}$'),
	title		scc.label NOT NULL,
	active		boolean NOT NULL DEFAULT true,
	UNIQUE (authority_id, area)
);
CREATE INDEX risk_area_authority_idx ON scc.risk_area (authority_id, id);

-- One rating per school, term and area; a new rating replaces the old, and
-- the audit log keeps what it was.
CREATE TABLE scc.risk (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	authority_id	bigint NOT NULL,
	school_id	bigint NOT NULL,
	term		text NOT NULL
			    CHECK (term ~ '^[0-9]{4}-(autumn|spring|summer)$'),
	area		text NOT NULL,
	rating		scc.rag NOT NULL,
	note		text,
	by_id		bigint NOT NULL,
	at		timestamptz NOT NULL DEFAULT now(),
	UNIQUE (school_id, term, area),
	FOREIGN KEY (school_id, authority_id)
	    REFERENCES scc.school (id, authority_id),
	FOREIGN KEY (authority_id, area)
	    REFERENCES scc.risk_area (authority_id, area),
	FOREIGN KEY (by_id, authority_id)
	    REFERENCES scc.app_user (id, authority_id)
);

CREATE TABLE scc.alert (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	authority_id	bigint NOT NULL,
	school_id	bigint NOT NULL,
	area		text NOT NULL CHECK (area ~ '^[a-z][a-z0-9_]{0,39}$'),
	severity	scc.severity NOT NULL,
	text		text NOT NULL,
	status		scc.alert_status NOT NULL DEFAULT 'open',
	by_id		bigint NOT NULL,
	at		timestamptz NOT NULL DEFAULT now(),
	note		text,
	closed_by	bigint,
	closed_at	timestamptz,
	FOREIGN KEY (school_id, authority_id)
	    REFERENCES scc.school (id, authority_id),
	FOREIGN KEY (by_id, authority_id)
	    REFERENCES scc.app_user (id, authority_id),
	FOREIGN KEY (closed_by, authority_id)
	    REFERENCES scc.app_user (id, authority_id),
	CHECK ((status = 'open') = (closed_at IS NULL))
);
CREATE INDEX alert_authority_idx ON scc.alert (authority_id, id);
CREATE INDEX alert_school_idx ON scc.alert (school_id, id);
CREATE INDEX alert_open_idx ON scc.alert (school_id, area) WHERE status = 'open';

-- ---------------------------------------------------------------------------
-- Programmes: each authority's own copy, so a setting changed by one
-- authority changes nothing for another.  Deadline offsets are days before
-- the meeting (after it, for minutes); NULL where the programme has none.

CREATE TABLE scc.programme (
	id			bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	authority_id		bigint NOT NULL REFERENCES scc.authority (id),
	name			text NOT NULL
				    CHECK (name ~ '^[a-z][a-z0-9_]{0,39}$'),
	title			scc.label NOT NULL,
	reviews			int[] NOT NULL CHECK (cardinality(reviews)
				    BETWEEN 1 AND 12 AND 0 < ALL (reviews)
				    AND 121 > ALL (reviews)),
	max_months		int NOT NULL CHECK (max_months BETWEEN 1 AND 120),
	extension_months	int NOT NULL DEFAULT 0
				    CHECK (extension_months BETWEEN 0 AND 60),
	post_exit_terms		int NOT NULL DEFAULT 0
				    CHECK (post_exit_terms BETWEEN 0 AND 12),
	cadence_green		scc.cadence NOT NULL DEFAULT 'none',
	cadence_amber		scc.cadence NOT NULL DEFAULT 'termly',
	cadence_red		scc.cadence NOT NULL DEFAULT 'half_termly',
	visits			scc.cadence NOT NULL DEFAULT 'none',
	warning_after_terms	int CHECK (warning_after_terms BETWEEN 1 AND 12),
	budget			boolean NOT NULL DEFAULT false,
	proforma		int CHECK (proforma BETWEEN 0 AND 365),
	proforma_days		scc.day_count NOT NULL DEFAULT 'calendar',
	agenda			int CHECK (agenda BETWEEN 0 AND 365),
	agenda_days		scc.day_count NOT NULL DEFAULT 'calendar',
	documents		int CHECK (documents BETWEEN 0 AND 365),
	documents_days		scc.day_count NOT NULL DEFAULT 'calendar',
	reception		int CHECK (reception BETWEEN 0 AND 365),
	reception_days		scc.day_count NOT NULL DEFAULT 'calendar',
	minutes			int CHECK (minutes BETWEEN 0 AND 365),
	minutes_days		scc.day_count NOT NULL DEFAULT 'calendar',
	UNIQUE (authority_id, name),
	UNIQUE (id, authority_id),
	-- the last review falls within the case's longest life
	CHECK (max_months + extension_months >= ALL (reviews))
);
CREATE INDEX programme_authority_idx ON scc.programme (authority_id, id);

-- The presets, as the seed documents describe them (day counts are
-- calendar days, as the documents count them).
CREATE FUNCTION scc.presets_add(p_authority bigint) RETURNS void
	LANGUAGE sql
	SET search_path = scc, pg_temp
BEGIN ATOMIC
	INSERT INTO scc.risk_area (authority_id, area, title)
	SELECT p_authority, ap.area, ap.title FROM scc.area_preset ap
	WHERE ap.preset = 'ealing' ORDER BY ap.ord
	ON CONFLICT DO NOTHING;

	INSERT INTO scc.programme (authority_id, name, title, reviews,
	    max_months, extension_months, post_exit_terms, cadence_green,
	    cadence_amber, cadence_red, visits, warning_after_terms, budget,
	    proforma, agenda, documents, reception, minutes)
	VALUES
	    -- Ealing: reviews at 12, 18 and 24 months, one 6-month extension,
	    -- amber termly and red half-termly meetings.
	    (p_authority, 'securing_good', 'Securing Good', '{12,18,24}',
	     24, 6, 2, 'none', 'termly', 'half_termly', 'none', NULL, false,
	     14, 7, 2, 1, 10),
	    -- Cheshire East: meetings every two months, agenda a week ahead,
	    -- minutes within 7 days, a warning notice possible after three
	    -- terms, two terms of monitoring after exit, a programme budget.
	    (p_authority, 'iop', 'Improving Outcomes Programme', '{4,8,12}',
	     24, 6, 2, 'none', 'two_monthly', 'two_monthly', 'none', 3, true,
	     NULL, 7, NULL, NULL, 7),
	    -- Kent, after an Ofsted category: weekly contact and notes of
	    -- visit, a termly review with all services.
	    (p_authority, 'ofsted_category', 'Ofsted category', '{4,8,12,16,20,24}',
	     24, 6, 0, 'termly', 'termly', 'termly', 'weekly', NULL, false,
	     NULL, 7, 2, NULL, 10)
	ON CONFLICT DO NOTHING;
END;
REVOKE EXECUTE ON FUNCTION scc.presets_add(bigint) FROM PUBLIC;

CREATE FUNCTION scc.authority_presets() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
BEGIN
	PERFORM scc.presets_add(NEW.id);
	RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION scc.authority_presets() FROM PUBLIC;

CREATE TRIGGER authority_presets AFTER INSERT ON scc.authority
	FOR EACH ROW EXECUTE FUNCTION scc.authority_presets();

DO $$
BEGIN
	PERFORM scc.presets_add(a.id) FROM scc.authority a;
END
$$;

-- ---------------------------------------------------------------------------
-- Cases.  A school has at most one case that is not closed.

CREATE TABLE scc.school_case (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	authority_id	bigint NOT NULL,
	school_id	bigint NOT NULL,
	programme_id	bigint NOT NULL,
	stage		scc.case_stage NOT NULL DEFAULT 'identified',
	lead_id		bigint NOT NULL,
	link_partner_id	bigint,
	reason		text NOT NULL,
	opened_at	timestamptz NOT NULL DEFAULT now(),
	entered_on	date,		-- moved to in_programme
	reviews_held	int NOT NULL DEFAULT 0,
	extended	boolean NOT NULL DEFAULT false,
	exited_on	date,
	FOREIGN KEY (school_id, authority_id)
	    REFERENCES scc.school (id, authority_id),
	FOREIGN KEY (programme_id, authority_id)
	    REFERENCES scc.programme (id, authority_id),
	FOREIGN KEY (lead_id, authority_id)
	    REFERENCES scc.app_user (id, authority_id),
	FOREIGN KEY (link_partner_id, authority_id)
	    REFERENCES scc.app_user (id, authority_id),
	UNIQUE (id, authority_id)
);
CREATE UNIQUE INDEX school_case_open_idx ON scc.school_case (school_id)
	WHERE stage <> 'closed';
CREATE INDEX school_case_authority_idx ON scc.school_case (authority_id, id);
CREATE INDEX school_case_school_idx ON scc.school_case (school_id, id);

-- The moves CASE STAGE accepts, as data.
CREATE TABLE scc.stage_move (
	from_stage	scc.case_stage NOT NULL,
	to_stage	scc.case_stage NOT NULL,
	PRIMARY KEY (from_stage, to_stage)
);
INSERT INTO scc.stage_move VALUES
	('identified', 'engagement'), ('identified', 'closed'),
	('engagement', 'in_programme'), ('engagement', 'closed'),
	('in_programme', 'review'),
	('review', 'exited'), ('review', 'extended'), ('review', 'intervention'),
	('extended', 'review'),
	('intervention', 'review'), ('intervention', 'exited'),
	('exited', 'closed');

-- Every move is a decision: who, when, why.
CREATE TABLE scc.case_decision (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	authority_id	bigint NOT NULL,
	case_id		bigint NOT NULL,
	from_stage	scc.case_stage,
	to_stage	scc.case_stage NOT NULL,
	reason		text NOT NULL,
	by_id		bigint NOT NULL,
	at		timestamptz NOT NULL DEFAULT now(),
	FOREIGN KEY (case_id, authority_id)
	    REFERENCES scc.school_case (id, authority_id),
	FOREIGN KEY (by_id, authority_id)
	    REFERENCES scc.app_user (id, authority_id)
);
CREATE INDEX case_decision_case_idx ON scc.case_decision (case_id, id);
