-- 010 the casework of the demo authority (`sccd init --demo`): a dozen
-- schools across the three levels, this term's risk ratings with one
-- shared concern, alerts, and cases at several stages of each preset
-- programme.
--
-- It is done as the authority's first lead officer, through the same api
-- functions a person would use, so the demo's audit log and events are
-- the ones real work leaves.  Only the dates are then moved back, so that
-- cases look as if they had been running for a while.

CREATE FUNCTION admin.demo_casework(p_authority text) RETURNS void
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
AS $$
DECLARE
	v_authority	bigint := scc.authority_by_name(p_authority);
	v_token		bytea := sha256(convert_to(gen_random_uuid()::text,
			    'UTF8'));
	v_lead		bigint;
	v_school	bigint[];
	v_case		bigint;
	v_urn		text;
	i		int;
BEGIN
	SELECT u.id INTO v_lead FROM scc.app_user u
	WHERE u.authority_id = v_authority AND u.role = 'lead_officer'
	ORDER BY u.id LIMIT 1;
	IF NOT FOUND THEN
		RAISE EXCEPTION USING ERRCODE = 'SC004',
		    MESSAGE = format('%s has no lead officer', p_authority);
	END IF;
	INSERT INTO scc.session (token_hash, user_id, idle_seconds, expires_at)
	VALUES (v_token, v_lead, 600, now() + interval '10 minutes');

	-- Six more schools beside the six `sccd init --demo` adds.
	FOR i, v_urn IN SELECT * FROM unnest(ARRAY[1, 2, 3, 4, 5, 6],
	    ARRAY['100107', '100108', '100109', '100110', '100111', '100112'])
	LOOP
		PERFORM api.school_add(v_token, v_urn,
		    (ARRAY['St Mary''s CE Primary', 'Westfield High School',
		    'Kingsway Primary', 'Elm Tree Infants', 'Parkside Academy',
		    'Meadow Junior School'])[i],
		    (ARRAY['primary', 'secondary', 'primary', 'primary',
		    'secondary', 'primary'])[i],
		    (ARRAY['good', 'good', 'outstanding', 'requires_improvement',
		    'serious_weaknesses', 'good'])[i]);
	END LOOP;
	SELECT array_agg(s.id ORDER BY s.urn) INTO v_school
	FROM scc.school s WHERE s.authority_id = v_authority
	    AND s.urn BETWEEN '100101' AND '100112';

	-- Levels: four red, four amber, the rest green.
	PERFORM api.level_set(v_token, v_school[1], 'red',
	    'KS2 outcomes fell for a second year; governance concerns');
	PERFORM api.level_set(v_token, v_school[4], 'red',
	    'Ofsted: requires improvement, leadership judged inadequate');
	PERFORM api.level_set(v_token, v_school[11], 'red',
	    'Ofsted: serious weaknesses');
	PERFORM api.level_set(v_token, v_school[5], 'red',
	    'Safeguarding referral under review');
	PERFORM api.level_set(v_token, v_school[2], 'amber',
	    'Falling rolls and a budget deficit');
	PERFORM api.level_set(v_token, v_school[7], 'amber',
	    'New headteacher; progress in maths below floor');
	PERFORM api.level_set(v_token, v_school[10], 'amber',
	    'Attendance below 90% for two terms');
	PERFORM api.level_set(v_token, v_school[8], 'amber',
	    'Exited Securing Good; monitored for two terms');

	-- This term's ratings.  Oakfield has two areas red or amber: the
	-- shared concern of the demo.
	PERFORM api.risk_set(v_token, v_school[1], 'attainment', 'red', NULL,
	    'KS2 combined RWM 41%, national 61%');
	PERFORM api.risk_set(v_token, v_school[1], 'leadership_governance',
	    'amber', NULL, 'Chair of governors stepping down');
	PERFORM api.risk_set(v_token, v_school[1], 'safeguarding', 'green',
	    NULL, 'Audit completed in September');
	PERFORM api.risk_set(v_token, v_school[2], 'finance', 'amber', NULL,
	    'Deficit recovery plan agreed');
	PERFORM api.risk_set(v_token, v_school[4], 'teaching_learning', 'red',
	    NULL, 'Inconsistent teaching across key stage 3');
	PERFORM api.risk_set(v_token, v_school[7], 'progress', 'amber', NULL,
	    'Maths progress -1.2');
	PERFORM api.risk_set(v_token, v_school[10], 'attendance_behaviour',
	    'amber', NULL, 'Persistent absence 22%');
	PERFORM api.risk_set(v_token, v_school[3], 'staff_turnover', 'green',
	    NULL, NULL);

	-- Alerts from the service areas.
	PERFORM api.alert_raise(v_token, v_school[2], 'finance',
	    'Licensed deficit requested for 2026-27', 'medium');
	PERFORM api.alert_raise(v_token, v_school[2], 'hr',
	    'Two grievances raised by staff this half term', 'low');
	PERFORM api.alert_raise(v_token, v_school[5], 'safeguarding',
	    'LADO referral made on 3 November', 'high');
	PERFORM api.alert_resolve(v_token, (SELECT max(a.id) FROM scc.alert a
	    WHERE a.school_id = v_school[2] AND a.area = 'hr'),
	    'Resolved by HR business partner; no further action', 'resolved');

	-- Cases: at least one of each preset programme, at several stages.
	v_case := (api.case_open(v_token, v_school[1], 'securing_good',
	    'Attainment red and leadership amber this term', 'link.partner',
	    NULL)).id;
	PERFORM api.case_stage(v_token, v_case, 'engagement',
	    'Engagement letter sent to the headteacher and chair');
	PERFORM api.case_stage(v_token, v_case, 'in_programme',
	    'Entry agreed at the engagement meeting');
	UPDATE scc.school_case SET entered_on = current_date - 150,
	    opened_at = now() - interval '180 days' WHERE id = v_case;

	v_case := (api.case_open(v_token, v_school[4], 'ofsted_category',
	    'Ofsted: requires improvement with inadequate leadership',
	    'link.partner', NULL)).id;
	PERFORM api.case_stage(v_token, v_case, 'engagement',
	    'Meeting with the head of standards held');
	PERFORM api.case_stage(v_token, v_case, 'in_programme',
	    'Statement of action agreed');
	PERFORM api.case_stage(v_token, v_case, 'review',
	    'Termly review with all services');
	UPDATE scc.school_case SET entered_on = current_date - 125,
	    opened_at = now() - interval '140 days' WHERE id = v_case;

	v_case := (api.case_open(v_token, v_school[2], 'iop',
	    'Budget deficit and falling rolls', 'link.partner', NULL)).id;
	PERFORM api.case_stage(v_token, v_case, 'engagement',
	    'Engagement letter sent');

	v_case := (api.case_open(v_token, v_school[7], 'iop',
	    'Maths progress below floor under a new headteacher', NULL,
	    NULL)).id;
	PERFORM api.case_stage(v_token, v_case, 'engagement',
	    'Engagement letter sent');
	PERFORM api.case_stage(v_token, v_case, 'in_programme',
	    'Management group established');
	UPDATE scc.school_case SET entered_on = current_date - 60,
	    opened_at = now() - interval '75 days' WHERE id = v_case;

	PERFORM api.case_open(v_token, v_school[5], 'securing_good',
	    'Safeguarding concern raised by the LADO', NULL, NULL);

	v_case := (api.case_open(v_token, v_school[8], 'securing_good',
	    'Results fell in 2024', NULL, NULL)).id;
	PERFORM api.case_stage(v_token, v_case, 'engagement',
	    'Engagement letter sent');
	PERFORM api.case_stage(v_token, v_case, 'in_programme',
	    'Entry agreed');
	PERFORM api.case_stage(v_token, v_case, 'review', '12-month review');
	PERFORM api.case_stage(v_token, v_case, 'exited',
	    'Improvement shown and judged sustainable');
	UPDATE scc.school_case SET entered_on = current_date - 400,
	    exited_on = current_date - 30,
	    opened_at = now() - interval '430 days' WHERE id = v_case;

	v_case := (api.case_open(v_token, v_school[11], 'ofsted_category',
	    'Ofsted: serious weaknesses', 'link.partner', NULL)).id;
	PERFORM api.case_stage(v_token, v_case, 'engagement',
	    'Immediate meeting with the headteacher and chair');

	DELETE FROM scc.session WHERE token_hash = v_token;
END
$$;
REVOKE EXECUTE ON FUNCTION admin.demo_casework(text) FROM PUBLIC;
