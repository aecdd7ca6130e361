-- Support packages against a case's budget, and interventions under the
-- statutory frame: the four conditions of eligibility, each missing in
-- turn, and approval recorded (Cheshire East's senior management team).
\ir fixture.psql

DO $$
BEGIN
	PERFORM t.login_rec('lead.ealing', '192.0.2.1', true, 'lead');
	PERFORM t.login_rec('lead.hackney', '192.0.2.1', true, 'hlead');
	PERFORM t.login_rec('head.oakfield', '192.0.2.1', true, 'head');
	PERFORM t.login_rec('gov.oakfield', '192.0.2.1', true, 'gov');
	PERFORM t.login_rec('link.ealing', '192.0.2.1', true, 'link');
END
$$;

CREATE TABLE t.ids (name text PRIMARY KEY, id bigint);
CREATE FUNCTION t.id(p_name text) RETURNS bigint LANGUAGE sql STABLE
    RETURN (SELECT id FROM t.ids WHERE name = p_name);

-- The api calls with their arguments by name.
CREATE FUNCTION t.add(p_tok text, p_case bigint, p_provider text,
    p_budget bigint, p_status text DEFAULT NULL,
    p_description text DEFAULT NULL) RETURNS SETOF scc.rec_support_answer
    LANGUAGE sql AS $$
	SELECT * FROM api.support_add(t.tok(p_tok), p_case, p_provider,
	    p_budget, p_description, p_status)
$$;
CREATE FUNCTION t.upd(p_tok text, p_support bigint, p_status text DEFAULT NULL,
    p_budget bigint DEFAULT NULL, p_note text DEFAULT NULL)
    RETURNS SETOF scc.rec_support_answer LANGUAGE sql AS $$
	SELECT * FROM api.support_update(t.tok(p_tok), p_support, p_status,
	    p_budget, p_note)
$$;
CREATE FUNCTION t.budget(p_tok text, p_case bigint, p_budget bigint,
    p_note text DEFAULT NULL) RETURNS SETOF scc.rec_support_answer
    LANGUAGE sql AS $$
	SELECT * FROM api.support_budget(t.tok(p_tok), p_case, p_budget, p_note)
$$;
CREATE FUNCTION t.list(p_tok text, p_case bigint DEFAULT NULL,
    p_school bigint DEFAULT NULL, p_status text DEFAULT NULL,
    p_limit bigint DEFAULT NULL, p_after bigint DEFAULT NULL)
    RETURNS SETOF scc.rec_support_answer LANGUAGE sql AS $$
	SELECT * FROM api.support_list(t.tok(p_tok), p_case, p_school, p_status,
	    p_limit, p_after)
$$;
CREATE FUNCTION t.iv(p_tok text, p_case bigint, p_power text,
    p_status text DEFAULT NULL, p_due date DEFAULT NULL,
    p_note text DEFAULT NULL, p_grounds text DEFAULT NULL,
    p_days bigint DEFAULT NULL, p_given date DEFAULT NULL,
    p_approved_by text DEFAULT NULL, p_approved date DEFAULT NULL,
    p_notified date DEFAULT NULL) RETURNS SETOF scc.rec_intervention
    LANGUAGE sql AS $$
	SELECT * FROM api.intervene(t.tok(p_tok), p_case, p_power, p_status,
	    p_due, p_note, p_grounds, p_days, p_given, p_approved_by,
	    p_approved, p_notified)
$$;
CREATE FUNCTION t.ivu(p_tok text, p_id bigint, p_status text DEFAULT NULL,
    p_note text DEFAULT NULL, p_due date DEFAULT NULL,
    p_days bigint DEFAULT NULL, p_given date DEFAULT NULL,
    p_approved_by text DEFAULT NULL, p_approved date DEFAULT NULL,
    p_notified date DEFAULT NULL) RETURNS SETOF scc.rec_intervention
    LANGUAGE sql AS $$
	SELECT * FROM api.intervention_update(t.tok(p_tok), p_id, p_status,
	    p_note, p_due, p_days, p_given, p_approved_by, p_approved,
	    p_notified)
$$;
CREATE FUNCTION t.audits(p_what text) RETURNS bigint LANGUAGE sql STABLE
    RETURN (SELECT count(*) FROM scc.audit WHERE what = p_what);
CREATE FUNCTION t.heard(p_login text, p_what text) RETURNS bigint
    LANGUAGE sql STABLE
    RETURN (SELECT count(*) FROM scc.event e JOIN scc.app_user u
	ON u.id = e.user_id WHERE u.login = p_login AND e.what = p_what);

-- Oakfield in Cheshire East's programme (a budget per school, a warning
-- notice only after three terms), with the link partner assigned; Elm in
-- Securing Good, which has no programme budget, and no link partner.
DO $$
BEGIN
	INSERT INTO t.ids
	SELECT 'oak', k.id FROM api.case_open(t.tok('lead'), (SELECT s.id
	    FROM scc.school s WHERE s.urn = '100001'), 'iop', 'three reds',
	    'link.ealing', NULL) k;
	INSERT INTO t.ids
	SELECT 'elm', k.id FROM api.case_open(t.tok('lead'), (SELECT s.id
	    FROM scc.school s WHERE s.urn = '100002'), 'securing_good',
	    'attendance', NULL, NULL) k;
	INSERT INTO t.ids SELECT 'oak_school', s.id FROM scc.school s
	WHERE s.urn = '100001';
END
$$;

-- ---------------------------------------------------------------------------
-- Budgets: agreed, committed, left, and never overrun.

DO $$
DECLARE
	v_oak	bigint := t.id('oak');
	v_rec	record;
	v_first	bigint;
	v_msg	text;
BEGIN
	v_msg := t.expect_error('a programme with a budget needs the case''s '
	    'agreed before any package',
	    format('SELECT t.add(%L, %s, %L, 1000)', 'lead', v_oak, 'Provider'),
	    'SC007');
	PERFORM t.check('and says how to agree it',
	    v_msg LIKE '%iop%SUPPORT BUDGET%', v_msg);

	SELECT * INTO v_rec FROM t.budget('lead', v_oak, 500000,
	    'agreed with the school at the engagement meeting');
	PERFORM t.check('SUPPORT BUDGET answers the case''s BUDGET',
	    v_rec.rec = 'BUDGET' AND v_rec."case" = v_oak
	    AND v_rec.programme = 'iop' AND v_rec.budget = 500000
	    AND v_rec.committed = 0 AND v_rec."left" = 500000
	    AND v_rec.packages = 0 AND v_rec."by" = 'lead.ealing'
	    AND v_rec.id IS NULL AND v_rec.provider IS NULL, v_rec::text);

	PERFORM t.check('SUPPORT ADD answers the package, then the budget',
	    (SELECT array_agg(r.rec || ':' || coalesce(r.status, '-') || ':'
	    || r.budget || ':' || coalesce(r.committed::text, '-') || ':'
	    || coalesce(r."left"::text, '-'))
	    FROM t.add('lead', v_oak, 'Cheshire Teaching School Alliance',
	    200000, NULL, 'Maths leadership, ten days') r)
	    = '{SUPPORT:brokered:200000:-:-,BUDGET:-:500000:200000:300000}');
	v_first := (SELECT max(s.id) FROM scc.support s WHERE s.case_id = v_oak);
	INSERT INTO t.ids VALUES ('first', v_first);
	SELECT * INTO v_rec FROM t.add('lead', v_oak, 'NLE support', 300000,
	    'active') r WHERE r.rec = 'BUDGET';
	PERFORM t.check('committing the whole budget leaves nothing',
	    v_rec.committed = 500000 AND v_rec."left" = 0
	    AND v_rec.packages = 2, v_rec::text);
	INSERT INTO t.ids SELECT 'second', max(s.id) FROM scc.support s
	WHERE s.case_id = v_oak;

	v_msg := t.expect_error('a penny over the budget is CONFLICT naming '
	    'the overrun', format('SELECT t.add(%L, %s, %L, 1)', 'lead', v_oak,
	    'One more'), 'SC007', '1');
	PERFORM t.check('in pence, with the budget and what is committed',
	    v_msg LIKE '%by 1 pence%500000%500000%', v_msg);

	SELECT * INTO v_rec FROM t.upd('lead', v_first, 'cancelled', NULL,
	    'the alliance could not staff it') r WHERE r.rec = 'BUDGET';
	PERFORM t.check('a cancelled package is no longer committed',
	    v_rec.committed = 300000 AND v_rec."left" = 200000
	    AND v_rec.packages = 1, v_rec::text);
	PERFORM t.check('its note is on the package',
	    (SELECT r.note FROM t.list('lead', v_oak) r WHERE r.id = v_first)
	    = 'the alliance could not staff it');
	PERFORM t.expect_error('a cancelled package does not come back',
	    format('SELECT t.upd(%L, %s, %L)', 'lead', v_first, 'active'),
	    'SC007');
	PERFORM t.expect_error('nor does its budget change',
	    format('SELECT t.upd(%L, %s, p_budget => 5)', 'lead', v_first),
	    'SC007');
	PERFORM t.expect_error('raising a package past the budget is CONFLICT '
	    'naming the overrun',
	    format('SELECT t.upd(%L, %s, p_budget => 600000)', 'lead',
	    t.id('second')), 'SC007', '100000');
	SELECT * INTO v_rec FROM t.upd('lead', t.id('second'), NULL, 500000)
	    r WHERE r.rec = 'BUDGET';
	PERFORM t.check('up to the budget is allowed',
	    v_rec.committed = 500000 AND v_rec."left" = 0, v_rec::text);
	PERFORM t.expect_error('a budget below what is committed is CONFLICT '
	    'naming the shortfall',
	    format('SELECT t.budget(%L, %s, 100000)', 'lead', v_oak), 'SC007',
	    '400000');
	SELECT * INTO v_rec FROM t.budget('lead', v_oak, 750000, 'top-up');
	PERFORM t.check('a budget raised leaves more',
	    v_rec."left" = 250000 AND v_rec.note = 'top-up', v_rec::text);
	PERFORM t.expect_error('a package moves only forward',
	    format('SELECT t.upd(%L, %s, %L)', 'lead', t.id('second'),
	    'brokered'), 'SC007');
	PERFORM t.upd('lead', t.id('second'), 'completed');
	PERFORM t.check('a completed package still counts',
	    (SELECT r.committed FROM t.list('lead', v_oak) r
	    WHERE r.rec = 'BUDGET') = 500000);
	PERFORM t.expect_error('a package is not added cancelled',
	    format('SELECT t.add(%L, %s, %L, 5, %L)', 'lead', v_oak, 'x',
	    'cancelled'), 'SC007');

	PERFORM t.check('each change wrote one audit entry',
	    t.audits('support.add') = 2 AND t.audits('support.update') = 3
	    AND t.audits('support.budget') = 2);
	PERFORM t.check('the audit keeps the budget before and after',
	    (SELECT a.detail -> 'budget' FROM scc.audit a
	    WHERE a.what = 'support.budget' ORDER BY a.id DESC LIMIT 1)
	    = '[500000, 750000]');
	PERFORM t.check('the school''s headteacher and the link partner hear '
	    'of packages; the governor does not',
	    t.heard('head.oakfield', 'support.add') = 2
	    AND t.heard('link.ealing', 'support.add') = 2
	    AND t.heard('gov.oakfield', 'support.add') = 0);
END
$$;

-- Listings and pages; the budget of a programme without one.
DO $$
DECLARE
	v_oak	bigint := t.id('oak');
	v_elm	bigint := t.id('elm');
	v_rec	record;
BEGIN
	PERFORM t.check('SUPPORT LIST case= gives the packages, then BUDGET',
	    (SELECT array_agg(r.rec ORDER BY o) FROM t.list('lead', v_oak)
	    WITH ORDINALITY AS r(rec, id, "case", school, programme, provider,
	    description, budget, committed, "left", packages, status, "by",
	    "at", note, o)) = '{SUPPORT,SUPPORT,BUDGET}');
	PERFORM t.check('a page that is not the last has no BUDGET',
	    (SELECT array_agg(r.rec) FROM t.list('lead', v_oak, p_limit => 1) r)
	    = '{SUPPORT}');
	PERFORM t.check('the last page has it',
	    (SELECT array_agg(r.rec) FROM t.list('lead', v_oak, p_limit => 1,
	    p_after => t.id('first')) r) = '{SUPPORT,BUDGET}');
	PERFORM t.check('a full page that is the last has it too',
	    (SELECT array_agg(r.rec) FROM t.list('lead', v_oak, p_limit => 2) r)
	    = '{SUPPORT,SUPPORT,BUDGET}');
	PERFORM t.check('status= filters the packages',
	    (SELECT array_agg(r.rec || ':' || coalesce(r.status, '-'))
	    FROM t.list('lead', v_oak, p_status => 'cancelled') r)
	    = '{SUPPORT:cancelled,BUDGET:-}');
	PERFORM t.check('without case= there is no BUDGET',
	    (SELECT count(*) FROM t.list('lead') r WHERE r.rec = 'BUDGET') = 0);

	SELECT * INTO v_rec FROM t.add('lead', v_elm, 'Ealing Learning '
	    'Partnership', 900000000) r WHERE r.rec = 'BUDGET';
	PERFORM t.check('Securing Good has no budget: no limit, nothing left '
	    'shown', v_rec.budget IS NULL AND v_rec."left" IS NULL
	    AND v_rec.committed = 900000000 AND v_rec.programme = 'securing_good',
	    v_rec::text);
	PERFORM t.budget('lead', v_elm, 900000000);
	PERFORM t.expect_error('once one is agreed it holds there too',
	    format('SELECT t.add(%L, %s, %L, 1)', 'lead', v_elm, 'x'), 'SC007',
	    '1');
	PERFORM t.check('school= lists one school''s packages',
	    (SELECT count(*) FROM t.list('lead', p_school => t.id('oak_school')))
	    = 2);
END
$$;

-- Who may: lead officers manage; the rest read what they see.
DO $$
DECLARE
	v_oak	bigint := t.id('oak');
	v_elm	bigint := t.id('elm');
	v_audit	bigint := (SELECT count(*) FROM scc.audit);
	v_sum	text := (SELECT string_agg(s::text, ',' ORDER BY s.id)
		    FROM scc.support s);
BEGIN
	PERFORM t.check('the headteacher reads the school''s packages and budget',
	    (SELECT count(*) FROM t.list('head', v_oak)) = 3);
	PERFORM t.check('so does the governor',
	    (SELECT count(*) FROM t.list('gov', v_oak)) = 3);
	PERFORM t.check('and the assigned link partner',
	    (SELECT count(*) FROM t.list('link', v_oak)) = 3);
	PERFORM t.check('a school sees only its own packages',
	    (SELECT array_agg(DISTINCT r."case") FROM t.list('head') r)
	    = ARRAY[v_oak]);
	PERFORM t.check('a link partner only its schools''',
	    (SELECT array_agg(DISTINCT r."case") FROM t.list('link') r)
	    = ARRAY[v_oak]);
	PERFORM t.expect_error('another school''s case is NOTFOUND to a '
	    'headteacher', format('SELECT t.list(%L, %s)', 'head', v_elm),
	    'SC004');
	PERFORM t.expect_error('and to a link partner not assigned',
	    format('SELECT t.list(%L, %s)', 'link', v_elm), 'SC004');
	PERFORM t.expect_error('another authority sees nothing',
	    format('SELECT t.list(%L, %s)', 'hlead', v_oak), 'SC004');
	PERFORM t.expect_error('nor changes a package',
	    format('SELECT t.upd(%L, %s, p_note => %L)', 'hlead',
	    t.id('second'), 'x'), 'SC004');
	PERFORM t.expect_error('nor agrees a budget',
	    format('SELECT t.budget(%L, %s, 1)', 'hlead', v_oak), 'SC004');
	PERFORM t.expect_error('a link partner does not broker',
	    format('SELECT t.add(%L, %s, %L, 1)', 'link', v_oak, 'x'), 'SC005');
	PERFORM t.expect_error('a headteacher does not',
	    format('SELECT t.add(%L, %s, %L, 1)', 'head', v_oak, 'x'), 'SC005');
	PERFORM t.expect_error('nor a governor',
	    format('SELECT t.add(%L, %s, %L, 1)', 'gov', v_oak, 'x'), 'SC005');
	PERFORM t.expect_error('a link partner does not change packages',
	    format('SELECT t.upd(%L, %s, p_note => %L)', 'link',
	    t.id('second'), 'x'), 'SC005');
	PERFORM t.expect_error('nor agree budgets',
	    format('SELECT t.budget(%L, %s, 1)', 'link', v_oak), 'SC005');
	PERFORM t.expect_error('nor the headteacher',
	    format('SELECT t.budget(%L, %s, 1)', 'head', v_oak), 'SC005');
	PERFORM t.expect_error('FORBIDDEN before INVALID',
	    format('SELECT t.add(%L, %s, %L, -1)', 'head', v_oak, ' '), 'SC005');
	PERFORM t.expect_error('NOTFOUND before FORBIDDEN',
	    format('SELECT t.add(%L, %s, %L, 1)', 'head', v_elm, 'x'), 'SC004');

	PERFORM t.expect_error('a provider is a label',
	    format('SELECT t.add(%L, %s, %L, 1)', 'lead', v_oak, '  '), 'SC006',
	    'provider');
	PERFORM t.expect_error('a budget is whole pence, not negative',
	    format('SELECT t.add(%L, %s, %L, -1)', 'lead', v_oak, 'x'), 'SC006',
	    'budget');
	PERFORM t.expect_error('nor absurd',
	    format('SELECT t.budget(%L, %s, 100000000001)', 'lead', v_oak),
	    'SC006', 'budget');
	PERFORM t.expect_error('a status is one of the four',
	    format('SELECT t.add(%L, %s, %L, 1, %L)', 'lead', v_oak, 'x',
	    'paid'), 'SC006', 'status');
	PERFORM t.expect_error('an update says what changed',
	    format('SELECT t.upd(%L, %s)', 'lead', t.id('second')), 'SC006',
	    'status');
	PERFORM t.expect_error('INVALID before CONFLICT',
	    format('SELECT t.add(%L, %s, %L, 99999999, %L)', 'lead', v_oak, 'x',
	    'paid'), 'SC006', 'status');
	PERFORM t.check('nothing refused changed anything',
	    (SELECT count(*) FROM scc.audit) = v_audit
	    AND (SELECT string_agg(s::text, ',' ORDER BY s.id)
	    FROM scc.support s) = v_sum);
END
$$;

-- ---------------------------------------------------------------------------
-- Interventions.

-- A warning notice, approved by the senior management team, given only
-- after the programme's three terms.
DO $$
DECLARE
	v_oak	bigint := t.id('oak');
	v_wn	bigint;
	v_rec	record;
	v_msg	text;
BEGIN
	SELECT * INTO v_rec FROM t.iv('lead', v_oak, 'warning_notice',
	    p_grounds => 'management,standards',
	    p_note => 'insufficient progress after three terms');
	v_wn := v_rec.id;
	INSERT INTO t.ids VALUES ('wn', v_wn);
	PERFORM t.check('INTERVENE answers the INTERVENTION, proposed',
	    v_rec.rec = 'INTERVENTION' AND v_rec."case" = v_oak
	    AND v_rec.power = 'warning_notice' AND v_rec.status = 'proposed'
	    AND v_rec.grounds = 'standards,management' AND v_rec."by" = 'lead.ealing'
	    AND v_rec.note = 'insufficient progress after three terms'
	    AND v_rec.given IS NULL AND v_rec.eligible IS NULL, v_rec::text);
	PERFORM t.expect_error('one warning notice at a time',
	    format('SELECT t.iv(%L, %s, %L, p_grounds => %L)', 'lead', v_oak,
	    'warning_notice', 'safety'), 'SC007');
	PERFORM t.expect_error('approval names who approved',
	    format('SELECT t.ivu(%L, %s, %L)', 'lead', v_wn, 'approved'),
	    'SC006', 'approved_by');
	SELECT * INTO v_rec FROM t.ivu('lead', v_wn, 'approved',
	    p_approved_by => 'Children & Families SMT',
	    p_approved => current_date - 35, p_note => 'SMT minute 14');
	PERFORM t.check('the SMT''s approval is recorded',
	    v_rec.status = 'approved'
	    AND v_rec.approved_by = 'Children & Families SMT'
	    AND v_rec.approved = scc.wire_date(current_date - 35)
	    AND v_rec.note = 'SMT minute 14', v_rec::text);
	PERFORM t.check('in the step log and the audit entry',
	    (SELECT x.to_status = 'approved' AND x.note = 'SMT minute 14'
	    FROM scc.intervention_step x WHERE x.intervention_id = v_wn
	    ORDER BY x.id DESC LIMIT 1)
	    AND (SELECT a.detail -> 'approved_by' FROM scc.audit a
	    WHERE a.what = 'intervention.update' ORDER BY a.id DESC LIMIT 1)
	    = '[null, "Children & Families SMT"]');
	PERFORM t.expect_error('a notice given sets its compliance period',
	    format('SELECT t.ivu(%L, %s, %L)', 'lead', v_wn, 'issued'),
	    'SC006', 'due');
	v_msg := t.expect_error('Cheshire East gives one only after three terms '
	    'in the programme',
	    format('SELECT t.ivu(%L, %s, %L, p_days => 15)', 'lead', v_wn,
	    'issued'), 'SC007');
	PERFORM t.check('and says so', v_msg LIKE '%after 3 terms%', v_msg);
	UPDATE scc.school_case SET stage = 'in_programme',
	    entered_on = current_date - 500 WHERE id = v_oak;
	SELECT * INTO v_rec FROM t.ivu('lead', v_wn, 'issued', p_days => 15,
	    p_given => current_date - 30, p_note => 'letter to the chair');
	PERFORM t.check('issued: given, its period set, and already expired',
	    v_rec.status = 'issued' AND v_rec.given = scc.wire_date(current_date - 30)
	    AND v_rec.due = scc.wire_date(current_date - 15)
	    AND v_rec.compliance_days = 15 AND v_rec.expired = 'yes', v_rec::text);
	PERFORM t.check('the school hears of a notice given, not of a proposal',
	    t.heard('head.oakfield', 'intervention.update') = 1
	    AND t.heard('gov.oakfield', 'intervention.update') = 1
	    AND t.heard('head.oakfield', 'intervention.add') = 0
	    AND t.heard('link.ealing', 'intervention.add') = 1);
END
$$;

-- Each condition of eligibility missing in turn, then all four.
DO $$
DECLARE
	v_oak	bigint := t.id('oak');
	v_elm	bigint := t.id('elm');
	v_wn	bigint := t.id('wn');
	v_ag	bigint;
	v_ieb	bigint;
	v_rec	record;
	v_msg	text;
	v_audit	bigint;
BEGIN
	SELECT * INTO v_rec FROM t.iv('lead', v_oak, 'additional_governors',
	    p_note => 'two governors with finance experience');
	v_ag := v_rec.id;
	INSERT INTO t.ids VALUES ('ag', v_ag);
	PERFORM t.check('a power proposed shows what it still needs',
	    v_rec.status = 'proposed' AND v_rec.eligible = 'no'
	    AND v_rec.missing = 'not_complied,written_notice', v_rec::text);
	PERFORM t.expect_error('not complied and written notice missing',
	    format('SELECT t.ivu(%L, %s, %L, p_approved_by => %L)', 'lead',
	    v_ag, 'approved', 'Children & Families SMT'), 'SC007',
	    'not_complied written_notice');
	PERFORM t.expect_error('the written notice comes with its evidence',
	    format('SELECT t.ivu(%L, %s, p_notified => %L)', 'lead', v_ag,
	    current_date - 10), 'SC006', 'note');
	PERFORM t.ivu('lead', v_ag, p_notified => current_date - 10,
	    p_note => 'letter of notice: additional governors');
	v_msg := t.expect_error('not complied missing alone',
	    format('SELECT t.ivu(%L, %s, %L, p_approved_by => %L)', 'lead',
	    v_ag, 'approved', 'Children & Families SMT'), 'SC007',
	    'not_complied');
	PERFORM t.check('the text names it too', v_msg LIKE '%not_complied%',
	    v_msg);
	PERFORM t.expect_error('non-compliance comes with its evidence',
	    format('SELECT t.ivu(%L, %s, %L)', 'lead', v_wn, 'not_complied'),
	    'SC006', 'note');
	PERFORM t.ivu('lead', v_wn, 'not_complied',
	    p_note => 'no action plan received by the due date');
	PERFORM t.check('with all four the power shows eligible',
	    (SELECT r.eligible = 'yes' AND r.missing IS NULL
	    FROM t.ivu('lead', v_ag, p_note => 'ready') r));

	-- Take each of the others away in turn.
	UPDATE scc.intervention SET due = current_date + 5 WHERE id = v_wn;
	PERFORM t.expect_error('compliance period not expired, alone',
	    format('SELECT t.ivu(%L, %s, %L, p_approved_by => %L)', 'lead',
	    v_ag, 'approved', 'Children & Families SMT'), 'SC007',
	    'compliance_expired');
	UPDATE scc.intervention SET due = current_date - 15 WHERE id = v_wn;
	SELECT * INTO v_rec FROM t.iv('lead', v_oak, 'interim_executive_board',
	    p_note => 'if governors cannot be found');
	v_ieb := v_rec.id;
	PERFORM t.expect_error('written notice missing, alone',
	    format('SELECT t.ivu(%L, %s, %L, p_approved_by => %L)', 'lead',
	    v_ieb, 'issued', 'Secretary of State'), 'SC007', 'written_notice');
	PERFORM t.expect_error('a power used at once is checked the same',
	    format('SELECT t.iv(%L, %s, %L, %L, p_approved_by => %L)', 'lead',
	    v_oak, 'suspend_delegated_budget', 'issued', 'SMT'), 'SC007',
	    'written_notice');
	-- No warning notice given at all (a proposed one is not given).
	PERFORM t.iv('lead', v_elm, 'warning_notice', p_grounds => 'safety');
	SELECT * INTO v_rec FROM t.iv('lead', v_elm, 'required_collaboration',
	    p_notified => current_date, p_note => 'notice with the letter');
	PERFORM t.expect_error('no warning notice given',
	    format('SELECT t.ivu(%L, %s, %L, p_approved_by => %L)', 'lead',
	    v_rec.id, 'approved', 'SMT'), 'SC007',
	    'warning_notice compliance_expired not_complied');
	PERFORM t.check('and the record says the same', v_rec.missing
	    = 'warning_notice,compliance_expired,not_complied', v_rec::text);

	-- All four: approved by the SMT, then used.
	v_audit := t.audits('intervention.update');
	SELECT * INTO v_rec FROM t.ivu('lead', v_ag, 'approved',
	    p_approved_by => 'Children & Families SMT');
	PERFORM t.check('all four on record: the power is approved',
	    v_rec.status = 'approved' AND v_rec.approved = scc.wire_date(current_date)
	    AND v_rec.notified = scc.wire_date(current_date - 10)
	    AND v_rec.eligible IS NULL, v_rec::text);
	SELECT * INTO v_rec FROM t.ivu('lead', v_ag, 'issued',
	    p_note => 'two governors appointed');
	PERFORM t.check('and used', v_rec.status = 'issued'
	    AND v_rec.given = scc.wire_date(current_date), v_rec::text);
	PERFORM t.check('two steps, two audit entries',
	    t.audits('intervention.update') = v_audit + 2);
	PERFORM t.check('the school hears of the notice not complied with and '
	    'the power used', t.heard('head.oakfield', 'intervention.update') = 3);
	PERFORM t.check('every step is logged',
	    (SELECT array_agg(coalesce(x.from_status::text, '-') || '>'
	    || x.to_status ORDER BY x.id) FROM scc.intervention_step x
	    WHERE x.intervention_id = v_ag)
	    = '{->proposed,proposed>proposed,proposed>proposed,proposed>approved,approved>issued}');
END
$$;

-- The workflow's other refusals, who may, and arguments.
DO $$
DECLARE
	v_oak	bigint := t.id('oak');
	v_elm	bigint := t.id('elm');
	v_wn	bigint := t.id('wn');
	v_ag	bigint := t.id('ag');
	v_elm_wn bigint;
	v_audit	bigint;
	v_sum	text;
	v_msg	text;
BEGIN
	PERFORM t.expect_error('a notice not complied with is final',
	    format('SELECT t.ivu(%L, %s, %L)', 'lead', v_wn, 'lapsed'),
	    'SC007');
	PERFORM t.check('but takes a note',
	    (SELECT r.note FROM t.ivu('lead', v_wn, p_note => 'IEB next') r)
	    = 'IEB next');
	v_elm_wn := (SELECT i.id FROM scc.intervention i
	    WHERE i.case_id = v_elm AND i.power = 'warning_notice');
	PERFORM t.ivu('lead', v_elm_wn, 'issued', p_approved_by => 'SMT',
	    p_days => 28);
	v_msg := t.expect_error('non-compliance only once the period has run',
	    format('SELECT t.ivu(%L, %s, %L, %L)', 'lead', v_elm_wn,
	    'not_complied', 'nothing yet'), 'SC007');
	PERFORM t.check('saying when it runs to',
	    v_msg LIKE '%' || scc.wire_date(current_date + 28) || '%', v_msg);
	PERFORM t.check('complied may be recorded at any time',
	    (SELECT r.status FROM t.ivu('lead', v_elm_wn, 'complied',
	    'plan received') r) = 'complied');

	PERFORM t.check('everyone who sees the case reads its interventions',
	    (SELECT count(*) FROM api.intervention_list(t.tok('head'), v_oak,
	    NULL, NULL, NULL, NULL, NULL)) = 3
	    AND (SELECT count(*) FROM api.intervention_list(t.tok('gov'), v_oak,
	    NULL, NULL, NULL, NULL, NULL)) = 3
	    AND (SELECT count(*) FROM api.intervention_list(t.tok('link'), v_oak,
	    NULL, NULL, NULL, NULL, NULL)) = 3);
	PERFORM t.check('listed by power and status, in id order',
	    (SELECT array_agg(r.id) FROM api.intervention_list(t.tok('lead'),
	    NULL, NULL, 'warning_notice', NULL, NULL, NULL) r)
	    = ARRAY[v_wn, v_elm_wn]
	    AND (SELECT array_agg(r.id) FROM api.intervention_list(t.tok('lead'),
	    NULL, NULL, NULL, 'issued', NULL, NULL) r) = ARRAY[v_ag]);
	PERFORM t.check('a school reads only its own',
	    NOT EXISTS (SELECT 1 FROM api.intervention_list(t.tok('head'),
	    NULL, NULL, NULL, NULL, NULL, NULL) r WHERE r."case" <> v_oak));

	v_audit := (SELECT count(*) FROM scc.audit);
	v_sum := (SELECT string_agg(i::text, ',' ORDER BY i.id)
	    FROM scc.intervention i);
	PERFORM t.expect_error('another authority sees none',
	    format('SELECT api.intervention_list(t.tok(%L), %s, NULL, NULL, '
	    'NULL, NULL, NULL)', 'hlead', v_oak), 'SC004');
	PERFORM t.expect_error('nor intervenes',
	    format('SELECT t.iv(%L, %s, %L)', 'hlead', v_oak,
	    'additional_governors'), 'SC004');
	PERFORM t.expect_error('nor updates',
	    format('SELECT t.ivu(%L, %s, p_note => %L)', 'hlead', v_ag, 'x'),
	    'SC004');
	PERFORM t.expect_error('a link partner not assigned sees none',
	    format('SELECT api.intervention_list(t.tok(%L), %s, NULL, NULL, '
	    'NULL, NULL, NULL)', 'link', v_elm), 'SC004');
	PERFORM t.expect_error('a link partner does not intervene',
	    format('SELECT t.iv(%L, %s, %L)', 'link', v_oak,
	    'additional_governors'), 'SC005');
	PERFORM t.expect_error('nor a headteacher',
	    format('SELECT t.iv(%L, %s, %L)', 'head', v_oak,
	    'additional_governors'), 'SC005');
	PERFORM t.expect_error('nor a governor update',
	    format('SELECT t.ivu(%L, %s, p_note => %L)', 'gov', v_ag, 'x'),
	    'SC005');
	PERFORM t.expect_error('nor a link partner',
	    format('SELECT t.ivu(%L, %s, p_note => %L)', 'link', v_ag, 'x'),
	    'SC005');
	PERFORM t.expect_error('FORBIDDEN before INVALID',
	    format('SELECT t.iv(%L, %s, %L)', 'head', v_oak, 'detention'),
	    'SC005');
	PERFORM t.expect_error('a power is one of the five',
	    format('SELECT t.iv(%L, %s, %L)', 'lead', v_oak, 'detention'),
	    'SC006', 'power');
	PERFORM t.expect_error('a warning notice has grounds',
	    format('SELECT t.iv(%L, %s, %L)', 'lead', v_elm, 'warning_notice'),
	    'SC006', 'grounds');
	PERFORM t.expect_error('of the three',
	    format('SELECT t.iv(%L, %s, %L, p_grounds => %L)', 'lead', v_elm,
	    'warning_notice', 'standards,weather'), 'SC006', 'grounds');
	PERFORM t.expect_error('and only it',
	    format('SELECT t.iv(%L, %s, %L, p_grounds => %L)', 'lead', v_oak,
	    'additional_governors', 'standards'), 'SC006', 'grounds');
	PERFORM t.expect_error('written notice is of a power, not of the '
	    'warning notice', format('SELECT t.iv(%L, %s, %L, p_grounds => %L, '
	    'p_notified => %L, p_note => %L)', 'lead', v_elm, 'warning_notice',
	    'safety', current_date, 'x'), 'SC006', 'notified');
	PERFORM t.expect_error('a compliance period of days',
	    format('SELECT t.iv(%L, %s, %L, p_grounds => %L, p_days => 0)',
	    'lead', v_elm, 'warning_notice', 'safety'), 'SC006',
	    'compliance_days');
	PERFORM t.expect_error('or a due date, not both',
	    format('SELECT t.iv(%L, %s, %L, p_grounds => %L, p_days => 5, '
	    'p_due => %L)', 'lead', v_elm, 'warning_notice', 'safety',
	    current_date + 5), 'SC006', 'compliance_days');
	PERFORM t.expect_error('not given in the future',
	    format('SELECT t.iv(%L, %s, %L, %L, p_grounds => %L, p_days => 5, '
	    'p_approved_by => %L, p_given => %L)', 'lead', v_elm,
	    'warning_notice', 'issued', 'safety', 'SMT', current_date + 1),
	    'SC006', 'given');
	PERFORM t.expect_error('due after the day given',
	    format('SELECT t.iv(%L, %s, %L, %L, p_grounds => %L, '
	    'p_due => %L, p_approved_by => %L, p_given => %L)', 'lead', v_elm,
	    'warning_notice', 'issued', 'safety', current_date - 3, 'SMT',
	    current_date - 2), 'SC006', 'due');
	PERFORM t.expect_error('an approver is a label',
	    format('SELECT t.iv(%L, %s, %L, %L, p_approved_by => %L)', 'lead',
	    v_oak, 'additional_governors', 'approved', ' '), 'SC006',
	    'approved_by');
	PERFORM t.expect_error('an update says what changed',
	    format('SELECT t.ivu(%L, %s)', 'lead', v_ag), 'SC006', 'status');
	PERFORM t.expect_error('a new intervention is not already complied',
	    format('SELECT t.iv(%L, %s, %L, %L)', 'lead', v_oak,
	    'required_collaboration', 'complied'), 'SC007');
	PERFORM t.expect_error('a power used moves on, not back',
	    format('SELECT t.ivu(%L, %s, %L)', 'lead', v_ag, 'proposed'),
	    'SC007');
	PERFORM t.expect_error('notice of a power comes before it is used',
	    format('SELECT t.ivu(%L, %s, p_notified => %L, p_note => %L)',
	    'lead', v_ag, current_date, 'late'), 'SC007');
	PERFORM t.expect_error('approval goes with a step that needs it',
	    format('SELECT t.iv(%L, %s, %L, p_approved_by => %L)', 'lead',
	    v_oak, 'required_collaboration', 'SMT'), 'SC007');
	PERFORM t.check('nothing refused changed anything',
	    (SELECT count(*) FROM scc.audit) = v_audit
	    AND (SELECT string_agg(i::text, ',' ORDER BY i.id)
	    FROM scc.intervention i) = v_sum);

	-- A closed case takes neither.
	PERFORM api.case_stage(t.tok('lead'), v_elm, 'closed', 'moved away');
	PERFORM t.expect_error('no package for a closed case',
	    format('SELECT t.add(%L, %s, %L, 1)', 'lead', v_elm, 'x'), 'SC007');
	PERFORM t.expect_error('no intervention either',
	    format('SELECT t.iv(%L, %s, %L)', 'lead', v_elm,
	    'additional_governors'), 'SC007');
END
$$;
