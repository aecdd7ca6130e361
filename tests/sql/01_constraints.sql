-- Schools and users: what the tables and the admin functions refuse.
\ir fixture.psql

DO $$
DECLARE
	v_ealing	bigint := (SELECT id FROM scc.authority WHERE name = 'Ealing');
	v_hackney_school bigint := (SELECT id FROM scc.school WHERE urn = '200001');
BEGIN
	-- URNs
	PERFORM t.expect_error('school_add refuses a 5-digit URN',
	    $q$SELECT admin.school_add('Ealing', '12345', 'X', 'primary')$q$,
	    'SC006', 'urn');
	PERFORM t.expect_error('school_add refuses a URN with letters',
	    $q$SELECT admin.school_add('Ealing', '12345a', 'X', 'primary')$q$,
	    'SC006', 'urn');
	PERFORM t.expect_error('school table refuses a bad URN',
	    format($q$INSERT INTO scc.school (authority_id, urn, name, phase)
		VALUES (%s, '1234567', 'X', 'primary')$q$, v_ealing),
	    '23514');
	PERFORM t.expect_error('school table refuses a URN with a newline',
	    format($q$INSERT INTO scc.school (authority_id, urn, name, phase)
		VALUES (%s, E'123456\n', 'X', 'primary')$q$, v_ealing),
	    '23514');
	PERFORM t.expect_error('a URN is unique nationally',
	    $q$SELECT admin.school_add('Hackney', '100001', 'Copy', 'primary')$q$,
	    'SC007');
	PERFORM t.expect_error('school_add refuses an unknown phase',
	    $q$SELECT admin.school_add('Ealing', '100003', 'X', 'all-through')$q$,
	    'SC006', 'phase');
	PERFORM t.expect_error('school_add refuses a blank name',
	    $q$SELECT admin.school_add('Ealing', '100003', '   ', 'primary')$q$,
	    'SC006', 'name');
	PERFORM t.expect_error('school_add refuses an unknown authority',
	    $q$SELECT admin.school_add('Nowhere', '100003', 'X', 'primary')$q$,
	    'SC004', 'authority');

	-- users and their schools
	PERFORM t.expect_error('a headteacher needs a school',
	    $q$SELECT admin.user_add('Ealing', 'head.none', 'H', 'headteacher',
		NULL, NULL, 'h')$q$, 'SC006', 'school');
	PERFORM t.expect_error('a governor needs a school',
	    $q$SELECT admin.user_add('Ealing', 'gov.none', 'G', 'governor',
		'', NULL, 'h')$q$, 'SC006', 'school');
	PERFORM t.expect_error('user table: headteacher without school',
	    format($q$INSERT INTO scc.app_user (authority_id, login, name, role,
		pwhash) VALUES (%s, 'head.none', 'H', 'headteacher', 'h')$q$,
		v_ealing), '23514');
	PERFORM t.expect_error('a link partner has no school',
	    $q$SELECT admin.user_add('Ealing', 'link.two', 'L', 'link_partner',
		'100001', NULL, 'h')$q$, 'SC006', 'school');
	PERFORM t.expect_error('user table: lead officer with a school',
	    format($q$INSERT INTO scc.app_user (authority_id, login, name, role,
		school_id, pwhash) VALUES (%s, 'lead.two', 'L', 'lead_officer',
		(SELECT id FROM scc.school WHERE urn = '100001'), 'h')$q$,
		v_ealing), '23514');
	PERFORM t.expect_error('user_add: school of another authority',
	    $q$SELECT admin.user_add('Ealing', 'head.x', 'H', 'headteacher',
		'200001', NULL, 'h')$q$, 'SC004', 'school');
	PERFORM t.expect_error('user table: school of another authority',
	    format($q$INSERT INTO scc.app_user (authority_id, login, name, role,
		school_id, pwhash) VALUES (%s, 'head.x', 'H', 'headteacher', %s,
		'h')$q$, v_ealing, v_hackney_school), '23503');
	PERFORM t.expect_error('user_add refuses an unknown role',
	    $q$SELECT admin.user_add('Ealing', 'x.y', 'X', 'admin', NULL, NULL,
		'h')$q$, 'SC006', 'role');
	PERFORM t.expect_error('user_add refuses an upper-case login',
	    $q$SELECT admin.user_add('Ealing', 'Lead.Two', 'X', 'lead_officer',
		NULL, NULL, 'h')$q$, 'SC006', 'login');
	PERFORM t.expect_error('user_add refuses a login with a space',
	    $q$SELECT admin.user_add('Ealing', 'a b', 'X', 'lead_officer',
		NULL, NULL, 'h')$q$, 'SC006', 'login');
	PERFORM t.expect_error('user_add refuses a taken login',
	    $q$SELECT admin.user_add('Hackney', 'lead.ealing', 'X',
		'lead_officer', NULL, NULL, 'h')$q$, 'SC007');
	PERFORM t.expect_error('user_add refuses a bad email',
	    $q$SELECT admin.user_add('Ealing', 'x.y', 'X', 'lead_officer',
		NULL, 'not-an-address', 'h')$q$, 'SC006', 'email');
	PERFORM t.expect_error('user_add refuses an empty hash',
	    $q$SELECT admin.user_add('Ealing', 'x.y', 'X', 'lead_officer',
		NULL, NULL, '')$q$, 'SC006', 'pwhash');

	-- authorities
	PERFORM t.expect_error('authority_add refuses a taken name',
	    $q$SELECT admin.authority_add('Ealing', 'lead.new', 'N', 'h')$q$,
	    'SC007');
	PERFORM t.expect_error('authority_add refuses a taken login',
	    $q$SELECT admin.authority_add('Kent', 'lead.ealing', 'N', 'h')$q$,
	    'SC007');
	PERFORM t.check('a refused authority_add leaves no authority',
	    NOT EXISTS (SELECT 1 FROM scc.authority WHERE name = 'Kent'));
	PERFORM t.expect_error('authority_add refuses a 201-character name',
	    format($q$SELECT admin.authority_add(%L, 'lead.new', 'N', 'h')$q$,
		repeat('x', 201)), 'SC006', 'name');

	-- sessions
	PERFORM t.expect_error('a token hash is 32 octets',
	    format($q$INSERT INTO scc.session (token_hash, user_id,
		idle_seconds, expires_at) VALUES ('\x00', %s, 60, now())$q$,
		(SELECT id FROM scc.app_user WHERE login = 'lead.ealing')),
	    '23514');
END
$$;

DO $$
BEGIN
	PERFORM t.check('user_add gives the headteacher the school',
	    (SELECT s.urn FROM scc.app_user u JOIN scc.school s ON s.id = u.school_id
	     WHERE u.login = 'head.oakfield') = '100001');
	PERFORM t.check('an empty email is stored as NULL',
	    (SELECT email IS NULL FROM scc.app_user WHERE login = 'gov.oakfield'));
	PERFORM t.check('levels start green, Ofsted at none',
	    (SELECT bool_and(level = 'green' AND ofsted = 'none') FROM scc.school));
	PERFORM t.check('each admin change is audited',
	    (SELECT count(*) FROM scc.audit WHERE what = 'authority.add') = 2
	    AND (SELECT count(*) FROM scc.audit WHERE what = 'school.add') = 3
	    AND (SELECT count(*) FROM scc.audit WHERE what = 'user.add') = 5);
	PERFORM t.check('audit rows carry their authority',
	    (SELECT count(*) FROM scc.audit a JOIN scc.authority au
	     ON au.id = a.authority_id WHERE au.name = 'Hackney') = 3);
END
$$;
