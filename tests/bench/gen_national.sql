-- gen_national.sql: a national-scale casework database for the listing
-- benchmark (tests/bench/casework.sh). Run by the database owner on an
-- instance made by `sccd init` (the demo authority may be there or not):
--
--   psql -h INST/run -U scc_owner -v ON_ERROR_STOP=1 -f gen_national.sql scc
--
-- What it makes, by default (every count can be set with -v name=value):
--
--   authorities  150 ("Bench 001" .. "Bench 150"), each through INSERT INTO
--                scc.authority, so the presets trigger gives each its nine
--                risk areas and three programmes
--   schools      25,000; "Bench 001" has exactly measured_schools (400), the
--                others share the rest unevenly (about 60 to 280 each)
--   users        per authority two lead officers (lead.001, lead2.001), a
--                link partner per 40 schools (link.001.01 ..), and a
--                headteacher per school (head.<urn>); every one of them has
--                the password of the instance's first user (admin), whose
--                hash is copied, so the benchmark can log in as lead.001
--   assignments  every school to one link partner of its authority
--   risk         every active area of every school rated in each of three
--                terms, 2026-spring, 2026-summer and 2026-autumn (the
--                current term on 28 November 2026): 675,000 ratings
--   level        the schools not green, with their level changes
--   alerts       two per school on average, a fifth of them open
--   cases        5,000, on every fifth school, at every stage, each with
--                the case_decision rows of the path that led there
--   audit        1,000,000 entries over the last year, interleaved across
--                authorities in proportion to their schools; the hash chain
--                is computed in bulk exactly as scc.audit_add does it
--                (scc.audit_canonical, then scc.audit_hash as the step of a
--                running aggregate per authority), and checked afterwards
--                with scc.audit_verify for the measured authority
--
-- Nothing here changes the schema; the only objects created are temporary
-- (pg_temp.audit_chain among them). It takes about 65 s on the 2-core VM.

\set ON_ERROR_STOP on
\if :{?authorities}
\else
\set authorities 150
\endif
\if :{?schools}
\else
\set schools 25000
\endif
\if :{?measured_schools}
\else
\set measured_schools 400
\endif
\if :{?cases}
\else
\set cases 5000
\endif
\if :{?audit}
\else
\set audit 1000000
\endif

SELECT clock_timestamp() AS gen_started \gset
SET client_min_messages = warning;
-- Deterministic figures: random() is seeded, and no parallel plan may
-- change the order it is drawn in.
SET max_parallel_workers_per_gather = 0;
SET work_mem = '256MB';
SET maintenance_work_mem = '512MB';

BEGIN;
SET LOCAL synchronous_commit = off;
SELECT setseed(0.6) \gset

-- ---------------------------------------------------------------------------
-- Authorities. The presets trigger (006) runs for each row.

CREATE TEMP TABLE g_auth (
	n		int PRIMARY KEY,
	id		bigint NOT NULL,
	lo		int,		-- its schools are numbered lo .. hi
	hi		int,
	nlp		int,		-- link partners
	lead		bigint,
	lead2		bigint
) ON COMMIT DROP;

WITH ins AS (
	INSERT INTO scc.authority (name, created_at)
	SELECT format('Bench %s', lpad(n::text, 3, '0')),
	    timestamptz '2025-09-01 09:00+00' + n * interval '1 minute'
	FROM generate_series(1, :authorities) n
	ORDER BY n
	RETURNING id, name
)
INSERT INTO g_auth (n, id)
SELECT substr(name, 7)::int, id FROM ins;

-- Sizes: the measured authority gets exactly measured_schools; the others
-- share the rest by weights from 1 to 5, rounded on running totals so the
-- sizes add up exactly.
WITH w AS (
	SELECT n, 1 + (n * 37) % 5 AS w FROM g_auth WHERE n > 1
), c AS (
	SELECT n, :measured_schools + round((:schools - :measured_schools)
	    * sum(w) OVER (ORDER BY n) / sum(w) OVER ())::int AS hi
	FROM w
)
UPDATE g_auth a SET hi = c.hi FROM c WHERE c.n = a.n;
UPDATE g_auth SET hi = :measured_schools WHERE n = 1;
UPDATE g_auth a SET lo = coalesce((SELECT b.hi FROM g_auth b
    WHERE b.n = a.n - 1), 0) + 1;
UPDATE g_auth SET nlp = greatest(2, (hi - lo + 1 + 39) / 40);

-- ---------------------------------------------------------------------------
-- Schools: URN 200000 + k, contiguous per authority, as an authority's
-- schools arrive together when it joins.

CREATE TEMP TABLE g_school (
	k		int PRIMARY KEY,
	id		bigint NOT NULL,
	an		int NOT NULL,	-- authority number
	authority_id	bigint NOT NULL,
	idx		int NOT NULL,	-- 0 .. within the authority
	level		scc.rag NOT NULL,
	lp		bigint,		-- its link partner
	head		bigint
) ON COMMIT DROP;

CREATE TEMP TABLE g_school_src ON COMMIT DROP AS
SELECT k, a.n AS an, a.id AS authority_id, k - a.lo AS idx,
    (ARRAY['Oakfield', 'Riverside', 'St Mary''s', 'Hillcrest', 'Northgate',
     'Brookside', 'Greenway', 'Kingsmead', 'Ashford', 'Elmwood', 'Fairfield',
     'Highbury', 'Larkrise', 'Millbrook', 'Newlands', 'Orchard', 'Parkside',
     'Queensway', 'Ravenscroft', 'Sandhurst', 'Thornhill', 'Westfield',
     'Willowbank', 'Yewtree'])[1 + (k * 7) % 24] AS stem,
    random() AS r_phase, random() AS r_ofsted, random() AS r_level
FROM g_auth a, generate_series(a.lo, a.hi) k;

WITH ins AS (
	INSERT INTO scc.school (authority_id, urn, name, phase, ofsted, level,
	    created_at)
	SELECT s.authority_id, (200000 + s.k)::text,
	    format('%s %s %s', s.stem, CASE
		WHEN s.r_phase < 0.75 THEN 'Primary School'
		WHEN s.r_phase < 0.90 THEN 'Academy'
		WHEN s.r_phase < 0.94 THEN 'Special School'
		WHEN s.r_phase < 0.96 THEN 'Nursery'
		WHEN s.r_phase < 0.98 THEN 'All-Through School'
		ELSE 'Learning Centre' END, s.k),
	    CASE WHEN s.r_phase < 0.75 THEN 'primary'
		WHEN s.r_phase < 0.90 THEN 'secondary'
		WHEN s.r_phase < 0.94 THEN 'special'
		WHEN s.r_phase < 0.96 THEN 'nursery'
		WHEN s.r_phase < 0.98 THEN 'all_through'
		ELSE 'pru' END,
	    CASE WHEN s.r_ofsted < 0.15 THEN 'outstanding'
		WHEN s.r_ofsted < 0.75 THEN 'good'
		WHEN s.r_ofsted < 0.93 THEN 'requires_improvement'
		WHEN s.r_ofsted < 0.96 THEN 'serious_weaknesses'
		WHEN s.r_ofsted < 0.98 THEN 'special_measures'
		ELSE 'none' END,
	    CASE WHEN s.r_level < 0.85 THEN 'green'
		WHEN s.r_level < 0.96 THEN 'amber'
		ELSE 'red' END::scc.rag,
	    timestamptz '2025-09-01 10:00+00' + s.an * interval '1 minute'
	FROM g_school_src s
	ORDER BY s.k
	RETURNING id, authority_id, urn, level
)
INSERT INTO g_school (k, id, an, authority_id, idx, level)
SELECT src.k, ins.id, src.an, ins.authority_id, src.idx, ins.level
FROM ins JOIN g_school_src src ON src.k = ins.urn::int - 200000;

-- ---------------------------------------------------------------------------
-- Users. Everyone gets the hash of the instance's first user's password.

CREATE TEMP TABLE g_pw ON COMMIT DROP AS
SELECT pwhash FROM scc.app_user ORDER BY id LIMIT 1;

INSERT INTO scc.app_user (authority_id, login, name, email, role, pwhash,
    created_at)
SELECT a.id, v.login, v.name, v.login || '@bench.example', 'lead_officer',
    (SELECT pwhash FROM g_pw), timestamptz '2025-09-01 09:30+00'
FROM g_auth a
CROSS JOIN LATERAL (VALUES
    ('lead.' || lpad(a.n::text, 3, '0'), 'Lead Officer ' || a.n),
    ('lead2.' || lpad(a.n::text, 3, '0'), 'Deputy Lead Officer ' || a.n)) v(login, name)
ORDER BY a.n, v.login;

INSERT INTO scc.app_user (authority_id, login, name, email, role, pwhash,
    created_at)
SELECT a.id, format('link.%s.%s', lpad(a.n::text, 3, '0'),
    lpad(j::text, 2, '0')), format('Link Partner %s/%s', a.n, j),
    format('link.%s.%s@bench.example', lpad(a.n::text, 3, '0'),
    lpad(j::text, 2, '0')), 'link_partner', (SELECT pwhash FROM g_pw),
    timestamptz '2025-09-01 09:40+00'
FROM g_auth a, generate_series(1, a.nlp) j
ORDER BY a.n, j;

INSERT INTO scc.app_user (authority_id, login, name, email, role, school_id,
    pwhash, created_at)
SELECT s.authority_id, 'head.' || (200000 + s.k), 'Headteacher ' || s.k,
    'head.' || (200000 + s.k) || '@bench.example', 'headteacher', s.id,
    (SELECT pwhash FROM g_pw), timestamptz '2025-09-02 09:00+00'
FROM g_school s ORDER BY s.k;

UPDATE g_auth a SET lead = u.id FROM scc.app_user u
WHERE u.login = 'lead.' || lpad(a.n::text, 3, '0');
UPDATE g_auth a SET lead2 = u.id FROM scc.app_user u
WHERE u.login = 'lead2.' || lpad(a.n::text, 3, '0');
UPDATE g_school s SET lp = u.id FROM scc.app_user u
WHERE u.login = format('link.%s.%s', lpad(s.an::text, 3, '0'),
    lpad((1 + s.idx % (SELECT a.nlp FROM g_auth a WHERE a.n = s.an))::text,
    2, '0'));
UPDATE g_school s SET head = u.id FROM scc.app_user u
WHERE u.login = 'head.' || (200000 + s.k);

INSERT INTO scc.assignment (user_id, school_id, authority_id, at)
SELECT s.lp, s.id, s.authority_id, timestamptz '2025-09-03 09:00+00'
FROM g_school s ORDER BY s.lp, s.id;

-- ---------------------------------------------------------------------------
-- Risk ratings: every active area, three terms. A school's level makes
-- amber and red more likely.

CREATE TEMP TABLE g_term (term text, starts timestamptz, days int)
    ON COMMIT DROP;
INSERT INTO g_term VALUES
	('2026-spring', '2026-01-05 09:00+00', 80),
	('2026-summer', '2026-04-13 09:00+00', 100),
	('2026-autumn', '2026-09-07 09:00+00', 80);

INSERT INTO scc.risk (authority_id, school_id, term, area, rating, note,
    by_id, at)
SELECT s.authority_id, s.id, t.term, ra.area,
    CASE WHEN x.r < CASE s.level WHEN 'green' THEN 0.02
	WHEN 'amber' THEN 0.15 ELSE 0.40 END THEN 'red'
	WHEN x.r < CASE s.level WHEN 'green' THEN 0.10
	WHEN 'amber' THEN 0.45 ELSE 0.75 END THEN 'amber'
	ELSE 'green' END::scc.rag,
    CASE WHEN x.r < 0.05 THEN 'Raised at the termly review' END,
    s.lp, t.starts + (x.r * t.days) * interval '1 day'
FROM g_school s
JOIN scc.risk_area ra ON ra.authority_id = s.authority_id AND ra.active
CROSS JOIN g_term t
-- (the outer columns make random() run again for every row)
CROSS JOIN LATERAL (SELECT random() + 0 * (s.k + ra.id + t.days) AS r) x
ORDER BY t.term, s.id, ra.id;

-- ---------------------------------------------------------------------------
-- Levels: a school not green got there by one or two changes.

INSERT INTO scc.level_change (authority_id, school_id, level, reason, by_id,
    at)
SELECT s.authority_id, s.id, v.level, v.reason, a.lead, v.at
FROM g_school s
JOIN g_auth a ON a.n = s.an
CROSS JOIN LATERAL (VALUES
    (1, 'amber'::scc.rag, 'Concerns from the spring review',
     timestamptz '2026-03-20 14:00+00' + (s.k % 10) * interval '1 day'),
    (2, 'red'::scc.rag, 'Safeguarding concerns confirmed',
     timestamptz '2026-10-01 14:00+00' + (s.k % 30) * interval '1 day')) v(o, level, reason, at)
WHERE s.level <> 'green' AND (v.o = 1 OR s.level = 'red')
ORDER BY v.at, s.id;

-- ---------------------------------------------------------------------------
-- Alerts: two per school on average; the recent fifth still open.

INSERT INTO scc.alert (authority_id, school_id, area, severity, text, status,
    by_id, at, note, closed_by, closed_at)
SELECT s.authority_id, s.id, ra.area,
    (ARRAY['low', 'medium', 'high'])[1 + (x.j % 3)]::scc.severity,
    'Concern raised by the ' || ra.title || ' service',
    CASE WHEN x.open THEN 'open' WHEN x.j % 4 = 0 THEN 'referred'
	ELSE 'resolved' END::scc.alert_status,
    s.lp, x.at,
    CASE WHEN NOT x.open THEN 'Followed up with the school' END,
    CASE WHEN NOT x.open THEN a.lead END,
    CASE WHEN NOT x.open THEN x.at + interval '12 days' END
FROM g_school s
JOIN g_auth a ON a.n = s.an
CROSS JOIN LATERAL generate_series(1, (s.k * 13) % 5) j
CROSS JOIN LATERAL (SELECT j + s.k AS j, random() AS r) y
CROSS JOIN LATERAL (SELECT y.j, timestamptz '2025-12-01 09:00+00'
    + (y.r * 360) * interval '1 day' AS at, y.r > 0.80 AS open) x
JOIN scc.risk_area ra ON ra.authority_id = s.authority_id
    AND ra.area = (ARRAY['attainment', 'progress', 'attendance_behaviour',
    'teaching_learning', 'leadership_governance', 'safeguarding',
    'staff_turnover', 'parental_popularity', 'finance'])[1 + (x.j * 7) % 9]
ORDER BY x.at, s.id;

-- ---------------------------------------------------------------------------
-- Cases: every fifth school (k = 5, 10, ...), so the measured authority
-- has 80. Stages in twentieths: identified 2, engagement 2, in_programme 5,
-- review 2, extended 1, intervention 1, exited 2, closed 5 (half closed
-- from engagement, half after exiting).

CREATE TEMP TABLE g_path (stage text, variant int, ord int, from_stage text,
    to_stage text) ON COMMIT DROP;
INSERT INTO g_path
SELECT p.stage, p.variant, o.ord, lag(o.st) OVER (PARTITION BY p.stage,
    p.variant ORDER BY o.ord), o.st
FROM (VALUES
    ('identified', 0, ARRAY['identified']),
    ('engagement', 0, ARRAY['identified', 'engagement']),
    ('in_programme', 0, ARRAY['identified', 'engagement', 'in_programme']),
    ('review', 0, ARRAY['identified', 'engagement', 'in_programme',
	'review']),
    ('extended', 0, ARRAY['identified', 'engagement', 'in_programme',
	'review', 'review', 'review', 'extended']),
    ('intervention', 0, ARRAY['identified', 'engagement', 'in_programme',
	'review', 'intervention']),
    ('exited', 0, ARRAY['identified', 'engagement', 'in_programme', 'review',
	'exited']),
    ('closed', 0, ARRAY['identified', 'engagement', 'closed']),
    ('closed', 1, ARRAY['identified', 'engagement', 'in_programme', 'review',
	'exited', 'closed'])) p(stage, variant, path)
CROSS JOIN LATERAL unnest(p.path) WITH ORDINALITY o(st, ord);
-- review, review, review in the extended path is review, then the second
-- and third review points; the moves between them go through in_programme
-- in real life, which a path of three reviews does not need to show.
UPDATE g_path SET from_stage = 'in_programme'
WHERE stage = 'extended' AND to_stage = 'review' AND ord IN (5, 6);

CREATE TEMP TABLE g_case ON COMMIT DROP AS
SELECT row_number() OVER (ORDER BY s.k)::int AS j, s.*
FROM g_school s WHERE s.k % (:schools / :cases) = 0
ORDER BY s.k LIMIT :cases;

CREATE TEMP TABLE g_case2 ON COMMIT DROP AS
SELECT c.*, st.stage, (c.j / 20) % 2 AS variant,
    (SELECT max(ord) FROM g_path p WHERE p.stage = st.stage
	AND p.variant = CASE WHEN st.stage = 'closed' THEN (c.j / 20) % 2
	ELSE 0 END) AS steps,
    timestamptz '2024-12-01 10:00+00' + ((c.j * 7919) % 600) * interval '1 day'
	AS opened_at
FROM g_case c
CROSS JOIN LATERAL (SELECT (ARRAY['identified', 'identified', 'engagement',
    'engagement', 'in_programme', 'in_programme', 'in_programme',
    'in_programme', 'in_programme', 'review', 'review', 'extended',
    'intervention', 'exited', 'exited', 'closed', 'closed', 'closed',
    'closed', 'closed'])[1 + c.j % 20] AS stage) st;
UPDATE g_case2 SET variant = 0 WHERE stage <> 'closed';

-- Decisions are spread evenly between opening and 28 November 2026.
CREATE TEMP TABLE g_decision ON COMMIT DROP AS
SELECT c.j, p.ord, p.from_stage, p.to_stage,
    c.opened_at + (timestamptz '2026-11-20 12:00+00' - c.opened_at)
	* ((p.ord - 1)::float8 / c.steps) AS at
FROM g_case2 c
JOIN g_path p ON p.stage = c.stage AND p.variant = c.variant;

WITH ins AS (
	INSERT INTO scc.school_case (authority_id, school_id, programme_id,
	    stage, lead_id, link_partner_id, reason, opened_at, entered_on,
	    reviews_held, extended, exited_on)
	SELECT c.authority_id, c.id, pr.id, c.stage::scc.case_stage, a.lead,
	    c.lp, 'Identified at the termly risk review', c.opened_at,
	    dd.entered_on, dd.reviews_held, c.stage = 'extended', dd.exited_on
	FROM g_case2 c
	JOIN g_auth a ON a.n = c.an
	JOIN (SELECT d.j,
		min(d.at::date) FILTER (WHERE d.to_stage = 'in_programme')
		    AS entered_on,
		count(*) FILTER (WHERE d.to_stage = 'review') AS reviews_held,
		min(d.at::date) FILTER (WHERE d.to_stage = 'exited')
		    AS exited_on
	    FROM g_decision d GROUP BY d.j) dd ON dd.j = c.j
	JOIN scc.programme pr ON pr.authority_id = c.authority_id
	    AND pr.name = (ARRAY['securing_good', 'iop',
	    'ofsted_category'])[1 + c.j % 3]
	ORDER BY c.opened_at, c.j
	RETURNING id, school_id
)
UPDATE g_case2 c SET id = ins.id FROM ins WHERE ins.school_id = c.id;
-- (g_case2.id held the school's id until now; from here it is the case's)
ALTER TABLE g_case2 RENAME COLUMN id TO case_id;

INSERT INTO scc.case_decision (authority_id, case_id, from_stage, to_stage,
    reason, by_id, at)
SELECT c.authority_id, c.case_id, d.from_stage::scc.case_stage,
    d.to_stage::scc.case_stage,
    CASE d.to_stage WHEN 'identified' THEN 'Identified at the termly risk review'
	ELSE 'Agreed at the case meeting: ' || replace(d.to_stage, '_', ' ')
	END, a.lead, d.at
FROM g_decision d
JOIN g_case2 c ON c.j = d.j
JOIN g_auth a ON a.n = c.an
ORDER BY d.at, c.case_id, d.ord;

-- ---------------------------------------------------------------------------
-- Audit: audit rows drawn uniformly over schools, so each authority's
-- share follows its size; ids in time order across authorities, as they
-- would be written. Ids come from the audit table's own sequence.

SELECT nextval(pg_get_serial_sequence('scc.audit', 'id')) AS audit_base \gset
SELECT setval(pg_get_serial_sequence('scc.audit', 'id'),
    :audit_base + :audit) \gset

CREATE TEMP TABLE g_case_of ON COMMIT DROP AS
SELECT k, case_id FROM g_case2 WHERE stage <> 'closed';
CREATE UNIQUE INDEX ON g_case_of (k);

CREATE TEMP TABLE g_audit ON COMMIT DROP AS
SELECT :audit_base + q.q AS id,
    now() - interval '365 days' + (q.q::float8 / :audit) * interval '365 days'
	AS at,
    s.authority_id, s.an, s.id AS school, s.lp, a.lead, co.case_id,
    x.r, x.r2
FROM generate_series(0, :audit - 1) q
CROSS JOIN LATERAL (SELECT random() + 0 * q.q AS r, random() + 0 * q.q AS r2,
    1 + floor(random() * :schools)::int AS k) x
JOIN g_school s ON s.k = x.k
JOIN g_auth a ON a.n = s.an
LEFT JOIN g_case_of co ON co.k = s.k;

CREATE TEMP TABLE g_audit2 ON COMMIT DROP AS
SELECT g.id, g.at, g.authority_id,
    CASE WHEN g.r < 0.55 THEN g.lp ELSE g.lead END AS user_id,
    CASE WHEN g.r < 0.55 THEN 'risk.set'
	WHEN g.r < 0.65 THEN 'alert.raise'
	WHEN g.r < 0.70 THEN 'school.level'
	WHEN g.r < 0.80 AND g.case_id IS NOT NULL THEN 'case.stage'
	ELSE 'login' END AS what,
    CASE WHEN g.r < 0.55 THEN 'school:' || g.school
	WHEN g.r < 0.65 THEN 'alert:' || (g.id % 100000)
	WHEN g.r < 0.70 THEN 'school:' || g.school
	WHEN g.r < 0.80 AND g.case_id IS NOT NULL THEN 'case:' || g.case_id
	ELSE 'lead.' || lpad(g.an::text, 3, '0') END
	AS target,
    CASE WHEN g.r < 0.55 THEN jsonb_build_object(
	'term', jsonb_build_array(NULL, CASE
	    WHEN g.at < '2026-01-01' THEN '2025-autumn'
	    WHEN g.at < '2026-04-01' THEN '2026-spring'
	    WHEN g.at < '2026-09-01' THEN '2026-summer'
	    ELSE '2026-autumn' END),
	'area', jsonb_build_array(NULL, (ARRAY['attainment', 'progress',
	    'attendance_behaviour', 'teaching_learning',
	    'leadership_governance', 'safeguarding', 'staff_turnover',
	    'parental_popularity', 'finance'])[1 + floor(g.r2 * 9)::int]),
	'rating', jsonb_build_array(NULL, (ARRAY['green', 'green', 'green',
	    'amber', 'red'])[1 + floor(g.r2 * 5)::int]))
	WHEN g.r < 0.65 THEN jsonb_build_object(
	'school', jsonb_build_array(NULL, g.school),
	'severity', jsonb_build_array(NULL, 'medium'),
	'text', jsonb_build_array(NULL, 'Concern raised by a service'))
	WHEN g.r < 0.70 THEN jsonb_build_object(
	'level', jsonb_build_array('green', 'amber'),
	'reason', jsonb_build_array(NULL, 'Concerns from the termly review'))
	WHEN g.r < 0.80 AND g.case_id IS NOT NULL THEN jsonb_build_object(
	'stage', jsonb_build_array('in_programme', 'review'),
	'reason', jsonb_build_array(NULL, 'Review point reached'))
	ELSE jsonb_build_object('addr', '10.20.' || floor(g.r2 * 250)::int
	    || '.' || (g.id % 250)) END AS detail
FROM g_audit g;

-- The chain, as scc.audit_add builds it one entry at a time: each entry's
-- hash is scc.audit_hash(previous hash of the authority, its canonical
-- text). scc.audit_hash is exactly the step of a running aggregate, and a
-- window ordered by id per authority runs it along the chain.
CREATE AGGREGATE pg_temp.audit_chain(text) (
	SFUNC = scc.audit_hash,
	STYPE = bytea
);

INSERT INTO scc.audit (id, at, authority_id, user_id, what, target, detail,
    prev_hash, hash)
OVERRIDING SYSTEM VALUE
SELECT c.id, c.at, c.authority_id, c.user_id, c.what, c.target, c.detail,
    lag(c.hash) OVER (PARTITION BY c.authority_id ORDER BY c.id), c.hash
FROM (SELECT g.*, pg_temp.audit_chain(scc.audit_canonical(g.id, g.at,
	g.authority_id, g.user_id, g.what, g.target, g.detail))
	OVER (PARTITION BY g.authority_id ORDER BY g.id) AS hash
    FROM g_audit2 g) c
ORDER BY c.id;

SELECT n AS measured_n, id AS measured_id, hi - lo + 1 AS measured_schools
FROM g_auth WHERE n = 1 \gset

COMMIT;

VACUUM (ANALYZE) scc.authority, scc.school, scc.app_user, scc.assignment,
    scc.risk_area, scc.programme, scc.risk, scc.level_change, scc.alert,
    scc.school_case, scc.case_decision, scc.audit;
CHECKPOINT;

SELECT round(extract(epoch FROM clock_timestamp() - :'gen_started'::timestamptz)::numeric, 1)
    AS gen_seconds \gset

-- The measured authority's chain must hold, as AUDIT VERIFY checks it.
SELECT v.verified AS verify_count, v.first_id AS verify_first,
    v.last_id AS verify_last, coalesce(v.broken::text, 'none') AS verify_broken
FROM scc.audit_verify(:measured_id) v \gset

\echo
\echo 'generated in' :gen_seconds 's; measured authority Bench 001 (id' :measured_id') with' :measured_schools 'schools, lead officer lead.001'
\echo 'audit chain of Bench 001:' :verify_count 'entries,' :verify_first 'to' :verify_last', first broken:' :verify_broken
SELECT 'authorities' AS what, count(*) AS n FROM scc.authority
UNION ALL SELECT 'schools', count(*) FROM scc.school
UNION ALL SELECT 'users', count(*) FROM scc.app_user
UNION ALL SELECT 'assignments', count(*) FROM scc.assignment
UNION ALL SELECT 'risk ratings', count(*) FROM scc.risk
UNION ALL SELECT 'level changes', count(*) FROM scc.level_change
UNION ALL SELECT 'alerts', count(*) FROM scc.alert
UNION ALL SELECT 'cases', count(*) FROM scc.school_case
UNION ALL SELECT 'case decisions', count(*) FROM scc.case_decision
UNION ALL SELECT 'audit entries', count(*) FROM scc.audit
UNION ALL SELECT 'database MB', pg_database_size(current_database()) / 1048576;
SELECT 'Bench 001' AS authority,
    (SELECT count(*) FROM scc.school WHERE authority_id = :measured_id) AS schools,
    (SELECT count(*) FROM scc.school_case WHERE authority_id = :measured_id) AS cases,
    (SELECT count(*) FROM scc.risk WHERE authority_id = :measured_id) AS risks,
    (SELECT count(*) FROM scc.alert WHERE authority_id = :measured_id) AS alerts,
    (SELECT count(*) FROM scc.audit WHERE authority_id = :measured_id) AS audit;
