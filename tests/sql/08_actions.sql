-- Actions: overdue, the log of updates, who may change what, and the
-- dashboard's count.
\ir fixture.psql

DO $$
BEGIN
	PERFORM t.login_rec('lead.ealing', '192.0.2.1', true, 'lead');
	PERFORM t.login_rec('head.oakfield', '192.0.2.1', true, 'head');
	PERFORM t.login_rec('gov.oakfield', '192.0.2.1', true, 'gov');
END
$$;

DO $$
DECLARE
	v_school bigint := (SELECT s.id FROM scc.school s WHERE s.urn = '100001');
	v_case	 bigint;
	v_late	 bigint;
	v_soon	 bigint;
BEGIN
	v_case := (SELECT k.id FROM api.case_open(t.tok('lead'), v_school,
	    'iop', 'test', NULL, NULL) k);
	v_late := (SELECT a.id FROM api.action_add(t.tok('lead'), v_case,
	    'Late one', 'head.oakfield', current_date - 1, NULL, NULL) a);
	v_soon := (SELECT a.id FROM api.action_add(t.tok('lead'), v_case,
	    'Soon', 'head.oakfield', current_date + 3, NULL, NULL) a);
	PERFORM t.check('past due and open is overdue',
	    (SELECT a.overdue = 'yes' FROM api.action_list(t.tok('head'), NULL,
	    NULL, 'yes', NULL, 'yes', NULL, NULL) a));
	PERFORM t.check('the dashboard counts it',
	    (SELECT d.overdue_actions = 1 FROM api.dashboard(t.tok('lead'), NULL,
	    NULL) d WHERE d.id = v_school));
	PERFORM api.action_update(t.tok('head'), v_late, 'done', 'green',
	    'Published on the website', NULL, NULL);
	PERFORM t.check('done is never overdue',
	    (SELECT count(*) FROM api.action_list(t.tok('head'), NULL, NULL,
	    NULL, NULL, 'yes', NULL, NULL)) = 0);
	PERFORM t.check('every update is logged with who said what',
	    (SELECT u.note = 'Published on the website' AND u.status = 'done'
	    AND u.progress = 'green' FROM scc.action_update u
	    JOIN scc.app_user p ON p.id = u.by_id
	    WHERE u.action_id = v_late AND p.login = 'head.oakfield'));
	PERFORM t.expect_error('a headteacher cannot move the due date',
	    format('SELECT api.action_update(t.tok(%L), %s, NULL, NULL, NULL, '
	    'NULL, %L)', 'head', v_soon, current_date + 30), 'SC005');
	PERFORM t.expect_error('nor can a governor report progress',
	    format('SELECT api.action_update(t.tok(%L), %s, NULL, %L, NULL, '
	    'NULL, NULL)', 'gov', v_soon, 'amber'), 'SC005');
	PERFORM t.expect_error('an owner must be a user of the authority',
	    format('SELECT api.action_add(t.tok(%L), %s, %L, %L, %L, NULL, '
	    'NULL)', 'lead', v_case, 'x', 'lead.hackney', current_date),
	    'SC006', 'owner');
END
$$;
