-- 022 the demo's documents, notes of visit and support, made as people
-- would make them (through the api functions, with sessions of their
-- own), so their audit trail and events are real: Oakfield's improvement
-- plan in two versions, a document its next meeting asks for, a note of
-- visit quality-assured and one waiting, and a support package.

CREATE FUNCTION admin.demo_documents(p_authority text) RETURNS void
	LANGUAGE plpgsql
	SET search_path = scc, pg_temp
	SET TimeZone = 'Europe/London'
AS $$
DECLARE
	v_authority	bigint := scc.authority_by_name(p_authority);
	v_lead		bytea := sha256(convert_to(gen_random_uuid()::text,
			    'UTF8'));
	v_link		bytea := sha256(convert_to(gen_random_uuid()::text,
			    'UTF8'));
	v_oakfield	bigint := scc.demo_case(v_authority, '100101');
	v_school	bigint;
	v_meeting	bigint;
	v_text		text;
	v_data		bytea;
	v_upload	bigint;
	v_visit		bigint;
BEGIN
	INSERT INTO scc.session (token_hash, user_id, idle_seconds, expires_at)
	SELECT v_lead, u.id, 600, now() + interval '10 minutes'
	FROM scc.app_user u
	WHERE u.authority_id = v_authority AND u.role = 'lead_officer'
	ORDER BY u.id LIMIT 1;
	INSERT INTO scc.session (token_hash, user_id, idle_seconds, expires_at)
	SELECT v_link, u.id, 600, now() + interval '10 minutes'
	FROM scc.app_user u WHERE u.login = 'link.partner';
	SELECT k.school_id INTO v_school FROM scc.school_case k
	WHERE k.id = v_oakfield;

	-- The improvement plan, twice: the second version is the current one.
	FOREACH v_text IN ARRAY ARRAY[
	    E'Oakfield Primary: improvement plan (draft)\n\n1. Reading: '
	    'phonics first in Years 1 to 3.\n2. Leadership: a new assistant '
	    'head for curriculum.\n',
	    E'Oakfield Primary: improvement plan\n\n1. Reading: phonics '
	    'first in Years 1 to 3, reading recovery in Years 4 to 6.\n'
	    '2. Leadership: a new assistant head for curriculum.\n3. '
	    'Governance: a skills audit by the end of term.\n'] LOOP
		v_data := convert_to(v_text, 'UTF8');
		v_upload := (SELECT d.id FROM api.doc_begin(v_lead, v_oakfield,
		    'Improvement plan.txt', 'improvement_plan', 'text/plain',
		    octet_length(v_data), NULL, NULL) d);
		PERFORM api.doc_chunk(v_upload, 0, v_data);
		PERFORM api.doc_finish(v_lead, v_upload, sha256(v_data));
	END LOOP;

	-- The next meeting asks the school for its attendance figures.
	SELECT m.id INTO v_meeting FROM scc.meeting m
	WHERE m.case_id = v_oakfield AND m.status = 'scheduled'
	ORDER BY m.at LIMIT 1;
	IF v_meeting IS NOT NULL THEN
		PERFORM api.agenda_add(v_lead, v_meeting,
		    'Attendance figures for this term', 'document',
		    'By year group, with persistent absence');
	END IF;

	-- Notes of visit: one quality-assured, one waiting for it.
	v_visit := (SELECT v.id FROM api.visit_submit(v_link, v_school,
	    current_date - 14, E'Visited Years 2 and 3 phonics lessons. '
	    'Groups are set by assessment; two of five teachers follow the '
	    'scheme closely.\nAgreed next step: peer observation.',
	    v_oakfield, NULL) v);
	PERFORM api.visit_qa(v_lead, v_visit, 'assured',
	    'Clear and specific; shared with the school.');
	PERFORM api.visit_submit(v_link, v_school, current_date - 2,
	    E'Met the new assistant head. Curriculum map for reading is in '
	    'draft; governors see it next month.', v_oakfield, NULL);

	PERFORM api.support_add(v_lead, v_oakfield, 'Maths Hub',
	    250000, 'Mastery training for Years 5 and 6', 'active');

	DELETE FROM scc.session WHERE token_hash IN (v_lead, v_link);
END
$$;
REVOKE EXECUTE ON FUNCTION admin.demo_documents(text) FROM PUBLIC;
