/*
 * The command table. Adding a command means one entry here, one api function
 * in sql/, and nothing else in C unless it needs more than one statement.
 */
#include <stddef.h>

#include "scp_cmd.h"

#define NARGS(a)	(sizeof(a) / sizeof((a)[0]))
#define REQ_POS		(SCP_ARG_REQUIRED | SCP_ARG_POSITIONAL)

static const struct scp_argdef login_args[] = {
	{ "user",	SCP_T_LOGIN,	REQ_POS,		NULL },
	{ "password",	SCP_T_SECRET,	REQ_POS,		NULL },
};

static const struct scp_argdef resume_args[] = {
	{ "token",	SCP_T_TOKEN,	REQ_POS,		NULL },
};

static const struct scp_argdef password_args[] = {
	{ "old",	SCP_T_SECRET,	REQ_POS,		NULL },
	{ "new",	SCP_T_SECRET,	REQ_POS,		NULL },
};

static const struct scp_argdef watch_args[] = {
	{ "mode",	SCP_T_ENUM,	REQ_POS,		"on|off" },
};

static const struct scp_argdef logout_args[] = {
	{ "scope",	SCP_T_ENUM,	SCP_ARG_POSITIONAL,	"all" },
};

/*
 * Every listing ends with these two, so a page is asked for the same way
 * everywhere and the api function always receives them last.
 */
#define PAGING \
	{ "limit",	SCP_T_INT,	0,	NULL }, \
	{ "after",	SCP_T_ID,	0,	NULL }

#define LEVELS		"green|amber|red"
#define YESNO		"yes|no"
#define PHASES		"nursery|primary|secondary|all_through|special|pru"
#define OFSTED		"outstanding|good|requires_improvement|" \
			"serious_weaknesses|special_measures|none"
#define STAGES		"identified|engagement|in_programme|review|extended|" \
			"intervention|exited|closed"
#define ROLES		"lead_officer|link_partner|headteacher|governor"

#define LEAD		SCP_ROLE_LEAD_OFFICER
#define LEAD_LINK	(SCP_ROLE_LEAD_OFFICER | SCP_ROLE_LINK_PARTNER)
#define ALL		SCP_ROLES_ALL

static const struct scp_argdef school_list_args[] = {
	{ "level",	SCP_T_ENUM,	0,		LEVELS },
	{ "at_risk",	SCP_T_ENUM,	0,		YESNO },
	PAGING
};

static const struct scp_argdef school_args[] = {
	{ "school",	SCP_T_ID,	REQ_POS,		NULL },
};

static const struct scp_argdef school_add_args[] = {
	{ "urn",	SCP_T_ATOM,	SCP_ARG_REQUIRED,	NULL },
	{ "name",	SCP_T_TEXT,	SCP_ARG_REQUIRED,	NULL },
	{ "phase",	SCP_T_ENUM,	SCP_ARG_REQUIRED,	PHASES },
	{ "ofsted",	SCP_T_ENUM,	0,			OFSTED },
};

static const struct scp_argdef level_set_args[] = {
	{ "school",	SCP_T_ID,	REQ_POS,		NULL },
	{ "level",	SCP_T_ENUM,	SCP_ARG_REQUIRED,	LEVELS },
	{ "reason",	SCP_T_TEXT,	SCP_ARG_REQUIRED,	NULL },
};

static const struct scp_argdef risk_set_args[] = {
	{ "school",	SCP_T_ID,	REQ_POS,		NULL },
	{ "area",	SCP_T_ATOM,	SCP_ARG_REQUIRED,	NULL },
	{ "rating",	SCP_T_ENUM,	SCP_ARG_REQUIRED,	LEVELS },
	{ "term",	SCP_T_ATOM,	0,			NULL },
	{ "note",	SCP_T_TEXT,	0,			NULL },
};

static const struct scp_argdef risk_list_args[] = {
	{ "school",	SCP_T_ID,	REQ_POS,		NULL },
	{ "term",	SCP_T_ATOM,	0,			NULL },
	PAGING
};

#define DOC_KINDS	"proforma|improvement_plan|statement_of_action|" \
			"evidence|letter|minutes|other"

/* The document's octets come last: everything else is checked first. */
static const struct scp_argdef doc_put_args[] = {
	{ "case",	SCP_T_ID,	REQ_POS,		NULL },
	{ "name",	SCP_T_TEXT,	SCP_ARG_REQUIRED,	NULL },
	{ "kind",	SCP_T_ENUM,	0,			DOC_KINDS },
	{ "type",	SCP_T_ATOM,	0,			NULL },
	{ "key",	SCP_T_TEXT,	0,			NULL },
	{ "item",	SCP_T_ID,	0,			NULL },
	{ "data",	SCP_T_BYTES,	SCP_ARG_REQUIRED,	NULL },
};

static const struct scp_argdef doc_list_args[] = {
	{ "case",	SCP_T_ID,	REQ_POS,	NULL },
	{ "versions",	SCP_T_ENUM,	0,		"latest|all" },
	PAGING
};

static const struct scp_argdef doc_args[] = {
	{ "doc",	SCP_T_ID,	REQ_POS,	NULL },
};

static const struct scp_argdef paging_args[] = {
	PAGING
};

static const struct scp_argdef area_add_args[] = {
	{ "area",	SCP_T_ATOM,	SCP_ARG_REQUIRED,	NULL },
	{ "title",	SCP_T_TEXT,	0,			NULL },
};

static const struct scp_argdef area_preset_args[] = {
	{ "preset",	SCP_T_ENUM,	SCP_ARG_REQUIRED,	"ealing|hackney" },
};

static const struct scp_argdef alert_raise_args[] = {
	{ "school",	SCP_T_ID,	REQ_POS,		NULL },
	{ "area",	SCP_T_ATOM,	SCP_ARG_REQUIRED,	NULL },
	{ "text",	SCP_T_TEXT,	SCP_ARG_REQUIRED,	NULL },
	{ "severity",	SCP_T_ENUM,	SCP_ARG_REQUIRED,	"low|medium|high" },
};

static const struct scp_argdef alert_list_args[] = {
	{ "school",	SCP_T_ID,	0,	NULL },
	{ "status",	SCP_T_ENUM,	0,	"open|resolved|referred" },
	PAGING
};

static const struct scp_argdef alert_resolve_args[] = {
	{ "alert",	SCP_T_ID,	REQ_POS,		NULL },
	{ "note",	SCP_T_TEXT,	SCP_ARG_REQUIRED,	NULL },
	{ "outcome",	SCP_T_ENUM,	0,			"resolved|referred" },
};

static const struct scp_argdef programme_args[] = {
	{ "programme",	SCP_T_ATOM,	REQ_POS,		NULL },
};

static const struct scp_argdef programme_set_args[] = {
	{ "programme",	SCP_T_ATOM,	REQ_POS,		NULL },
	{ "setting",	SCP_T_ATOM,	SCP_ARG_REQUIRED,	NULL },
	{ "value",	SCP_T_TEXT,	SCP_ARG_REQUIRED,	NULL },
};

static const struct scp_argdef programme_add_args[] = {
	{ "name",	SCP_T_ATOM,	SCP_ARG_REQUIRED,	NULL },
	{ "title",	SCP_T_TEXT,	SCP_ARG_REQUIRED,	NULL },
	{ "from",	SCP_T_ATOM,	0,			NULL },
};

static const struct scp_argdef case_open_args[] = {
	{ "school",	  SCP_T_ID,	REQ_POS,		NULL },
	{ "programme",	  SCP_T_ATOM,	SCP_ARG_REQUIRED,	NULL },
	{ "reason",	  SCP_T_TEXT,	SCP_ARG_REQUIRED,	NULL },
	{ "link_partner", SCP_T_LOGIN,	0,			NULL },
	{ "lead",	  SCP_T_LOGIN,	0,			NULL },
};

static const struct scp_argdef case_list_args[] = {
	{ "stage",	SCP_T_ENUM,	0,	STAGES },
	{ "school",	SCP_T_ID,	0,	NULL },
	PAGING
};

static const struct scp_argdef case_args[] = {
	{ "case",	SCP_T_ID,	REQ_POS,		NULL },
};

static const struct scp_argdef case_stage_args[] = {
	{ "case",	SCP_T_ID,	REQ_POS,		NULL },
	{ "stage",	SCP_T_ENUM,	SCP_ARG_REQUIRED,	STAGES },
	{ "reason",	SCP_T_TEXT,	SCP_ARG_REQUIRED,	NULL },
};

static const struct scp_argdef user_add_args[] = {
	{ "login",	SCP_T_LOGIN,	SCP_ARG_REQUIRED,	NULL },
	{ "name",	SCP_T_TEXT,	SCP_ARG_REQUIRED,	NULL },
	{ "role",	SCP_T_ENUM,	SCP_ARG_REQUIRED,	ROLES },
	{ "school",	SCP_T_ID,	0,			NULL },
	{ "email",	SCP_T_ATOM,	0,			NULL },
};

static const struct scp_argdef user_list_args[] = {
	{ "role",	SCP_T_ENUM,	0,	ROLES },
	{ "school",	SCP_T_ID,	0,	NULL },
	PAGING
};

static const struct scp_argdef user_args[] = {
	{ "user",	SCP_T_LOGIN,	REQ_POS,		NULL },
};

static const struct scp_argdef assign_args[] = {
	{ "user",	SCP_T_LOGIN,	REQ_POS,		NULL },
	{ "school",	SCP_T_ID,	SCP_ARG_REQUIRED,	NULL },
	{ "remove",	SCP_T_ENUM,	0,			YESNO },
};

#define MEETING_KINDS	"engagement|monitoring|review|team_around_school|" \
			"professionals"

static const struct scp_argdef meeting_schedule_args[] = {
	{ "case",	SCP_T_ID,	REQ_POS,		NULL },
	{ "kind",	SCP_T_ENUM,	SCP_ARG_REQUIRED,	MEETING_KINDS },
	{ "at",		SCP_T_TIME,	SCP_ARG_REQUIRED,	NULL },
	{ "place",	SCP_T_TEXT,	0,			NULL },
	{ "chair",	SCP_T_LOGIN,	0,			NULL },
	{ "taker",	SCP_T_LOGIN,	0,			NULL },
	{ "attendees",	SCP_T_TEXT,	0,			NULL },
};

static const struct scp_argdef meeting_list_args[] = {
	{ "case",	SCP_T_ID,	0,	NULL },
	{ "from",	SCP_T_DATE,	0,	NULL },
	{ "to",		SCP_T_DATE,	0,	NULL },
	PAGING
};

static const struct scp_argdef meeting_held_args[] = {
	{ "meeting",	SCP_T_ID,	REQ_POS,	NULL },
	{ "next",	SCP_T_TIME,	0,		NULL },
};

static const struct scp_argdef meeting_cancel_args[] = {
	{ "meeting",	SCP_T_ID,	REQ_POS,		NULL },
	{ "reason",	SCP_T_TEXT,	SCP_ARG_REQUIRED,	NULL },
};

static const struct scp_argdef deadlines_args[] = {
	{ "days",	SCP_T_INT,	0,	NULL },
	PAGING
};

#define DEADLINE_KINDS	"proforma|agenda|documents|reception|minutes"

static const struct scp_argdef deadline_done_args[] = {
	{ "meeting",	SCP_T_ID,	REQ_POS,		NULL },
	{ "what",	SCP_T_ENUM,	SCP_ARG_REQUIRED,	DEADLINE_KINDS },
};

static const struct scp_argdef agenda_add_args[] = {
	{ "meeting",	SCP_T_ID,	REQ_POS,		NULL },
	{ "title",	SCP_T_TEXT,	SCP_ARG_REQUIRED,	NULL },
	{ "kind",	SCP_T_ENUM,	0,			"item|document" },
	{ "detail",	SCP_T_TEXT,	0,			NULL },
};

#define ACTION_STATUSES	"open|in_progress|done|dropped"

static const struct scp_argdef action_add_args[] = {
	{ "case",	SCP_T_ID,	REQ_POS,		NULL },
	{ "title",	SCP_T_TEXT,	SCP_ARG_REQUIRED,	NULL },
	{ "owner",	SCP_T_LOGIN,	SCP_ARG_REQUIRED,	NULL },
	{ "due",	SCP_T_DATE,	SCP_ARG_REQUIRED,	NULL },
	{ "detail",	SCP_T_TEXT,	0,			NULL },
	{ "meeting",	SCP_T_ID,	0,			NULL },
};

static const struct scp_argdef action_list_args[] = {
	{ "case",	SCP_T_ID,	0,	NULL },
	{ "school",	SCP_T_ID,	0,	NULL },
	{ "mine",	SCP_T_ENUM,	0,	YESNO },
	{ "status",	SCP_T_ENUM,	0,	ACTION_STATUSES },
	{ "overdue",	SCP_T_ENUM,	0,	YESNO },
	PAGING
};

static const struct scp_argdef action_update_args[] = {
	{ "action",	SCP_T_ID,	REQ_POS,	NULL },
	{ "status",	SCP_T_ENUM,	0,		ACTION_STATUSES },
	{ "progress",	SCP_T_ENUM,	0,		LEVELS },
	{ "note",	SCP_T_TEXT,	0,		NULL },
	{ "owner",	SCP_T_LOGIN,	0,		NULL },
	{ "due",	SCP_T_DATE,	0,		NULL },
};

/* Support packages: money in whole pence. */
#define SUPPORT_STATUSES "brokered|active|completed|cancelled"

static const struct scp_argdef support_add_args[] = {
	{ "case",	 SCP_T_ID,	REQ_POS,		NULL },
	{ "provider",	 SCP_T_TEXT,	SCP_ARG_REQUIRED,	NULL },
	{ "budget",	 SCP_T_INT,	SCP_ARG_REQUIRED,	NULL },
	{ "description", SCP_T_TEXT,	0,			NULL },
	{ "status",	 SCP_T_ENUM,	0,			SUPPORT_STATUSES },
};

static const struct scp_argdef support_list_args[] = {
	{ "case",	SCP_T_ID,	0,	NULL },
	{ "school",	SCP_T_ID,	0,	NULL },
	{ "status",	SCP_T_ENUM,	0,	SUPPORT_STATUSES },
	PAGING
};

static const struct scp_argdef support_update_args[] = {
	{ "support",	SCP_T_ID,	REQ_POS,	NULL },
	{ "status",	SCP_T_ENUM,	0,		SUPPORT_STATUSES },
	{ "budget",	SCP_T_INT,	0,		NULL },
	{ "note",	SCP_T_TEXT,	0,		NULL },
};

static const struct scp_argdef support_budget_args[] = {
	{ "case",	SCP_T_ID,	REQ_POS,		NULL },
	{ "budget",	SCP_T_INT,	SCP_ARG_REQUIRED,	NULL },
	{ "note",	SCP_T_TEXT,	0,			NULL },
};

/* Interventions: the powers of the Education and Inspections Act 2006. */
#define POWERS		"warning_notice|additional_governors|" \
			"suspend_delegated_budget|interim_executive_board|" \
			"required_collaboration"
#define INTERVENTION_STATUSES "proposed|approved|issued|complied|" \
			"not_complied|lapsed"

static const struct scp_argdef intervene_args[] = {
	{ "case",	     SCP_T_ID,	  REQ_POS,		NULL },
	{ "power",	     SCP_T_ENUM,  SCP_ARG_REQUIRED,	POWERS },
	{ "status",	     SCP_T_ENUM,  0,	INTERVENTION_STATUSES },
	{ "due",	     SCP_T_DATE,  0,			NULL },
	{ "note",	     SCP_T_TEXT,  0,			NULL },
	{ "grounds",	     SCP_T_ATOM,  0,			NULL },
	{ "compliance_days", SCP_T_INT,	  0,			NULL },
	{ "given",	     SCP_T_DATE,  0,			NULL },
	{ "approved_by",     SCP_T_TEXT,  0,			NULL },
	{ "approved",	     SCP_T_DATE,  0,			NULL },
	{ "notified",	     SCP_T_DATE,  0,			NULL },
};

static const struct scp_argdef intervention_list_args[] = {
	{ "case",	SCP_T_ID,	0,	NULL },
	{ "school",	SCP_T_ID,	0,	NULL },
	{ "power",	SCP_T_ENUM,	0,	POWERS },
	{ "status",	SCP_T_ENUM,	0,	INTERVENTION_STATUSES },
	PAGING
};

static const struct scp_argdef intervention_update_args[] = {
	{ "intervention",    SCP_T_ID,	  REQ_POS,	NULL },
	{ "status",	     SCP_T_ENUM,  0,	INTERVENTION_STATUSES },
	{ "note",	     SCP_T_TEXT,  0,		NULL },
	{ "due",	     SCP_T_DATE,  0,		NULL },
	{ "compliance_days", SCP_T_INT,	  0,		NULL },
	{ "given",	     SCP_T_DATE,  0,		NULL },
	{ "approved_by",     SCP_T_TEXT,  0,		NULL },
	{ "approved",	     SCP_T_DATE,  0,		NULL },
	{ "notified",	     SCP_T_DATE,  0,		NULL },
};

static const struct scp_argdef meeting_args[] = {
	{ "meeting",	SCP_T_ID,	REQ_POS,	NULL },
};

static const struct scp_argdef minutes_draft_args[] = {
	{ "meeting",	SCP_T_ID,	REQ_POS,		NULL },
	{ "text",	SCP_T_TEXT,	SCP_ARG_REQUIRED,	NULL },
	{ "version",	SCP_T_INT,	SCP_ARG_REQUIRED,	NULL },
};

static const struct scp_argdef minutes_return_args[] = {
	{ "meeting",	SCP_T_ID,	REQ_POS,		NULL },
	{ "comment",	SCP_T_TEXT,	SCP_ARG_REQUIRED,	NULL },
};

static const struct scp_argdef audit_list_args[] = {
	{ "case",	SCP_T_ID,	0,	NULL },
	{ "user",	SCP_T_LOGIN,	0,	NULL },
	{ "from",	SCP_T_DATE,	0,	NULL },
	PAGING
};

#define VISIT_STATUSES	"submitted|quality_assured|returned"

/* visit= sends a returned note again, as its next version. */
static const struct scp_argdef visit_submit_args[] = {
	{ "school",	SCP_T_ID,	REQ_POS,		NULL },
	{ "date",	SCP_T_DATE,	SCP_ARG_REQUIRED,	NULL },
	{ "text",	SCP_T_TEXT,	SCP_ARG_REQUIRED,	NULL },
	{ "case",	SCP_T_ID,	0,			NULL },
	{ "visit",	SCP_T_ID,	0,			NULL },
};

static const struct scp_argdef visit_list_args[] = {
	{ "school",	SCP_T_ID,	0,	NULL },
	{ "status",	SCP_T_ENUM,	0,	VISIT_STATUSES },
	PAGING
};

static const struct scp_argdef visit_args[] = {
	{ "visit",	SCP_T_ID,	REQ_POS,	NULL },
};

static const struct scp_argdef visit_qa_args[] = {
	{ "visit",	SCP_T_ID,	REQ_POS,		NULL },
	{ "outcome",	SCP_T_ENUM,	SCP_ARG_REQUIRED,	"assured|returned" },
	{ "comment",	SCP_T_TEXT,	0,			NULL },
};

static const struct scp_argdef visit_respond_args[] = {
	{ "visit",	SCP_T_ID,	REQ_POS,		NULL },
	{ "response",	SCP_T_ENUM,	SCP_ARG_REQUIRED,	"accurate|inaccurate" },
	{ "comment",	SCP_T_TEXT,	0,			NULL },
};

const struct scp_cmd scp_commands[] = {
	{ "CAPABILITY", SCP_CMD_PREAUTH | SCP_CMD_SESSION, SCP_ROLES_ALL,
	    "list what this server speaks", NULL, 0,
	    NULL },
	{ "NOOP", SCP_CMD_PREAUTH | SCP_CMD_SESSION, SCP_ROLES_ALL,
	    "do nothing; keeps the connection alive", NULL, 0,
	    NULL },
	{ "LOGIN", SCP_CMD_PREAUTH | SCP_CMD_SESSION, SCP_ROLES_ALL,
	    "log in with a user name and password",
	    login_args, NARGS(login_args),
	    "SESSION" },
	{ "RESUME", SCP_CMD_PREAUTH | SCP_CMD_SESSION, SCP_ROLES_ALL,
	    "carry on a session with its token",
	    resume_args, NARGS(resume_args),
	    NULL },
	{ "WHOAMI", SCP_CMD_SESSION, SCP_ROLES_ALL,
	    "show who this session belongs to", NULL, 0,
	    "USER" },
	{ "PASSWORD", SCP_CMD_SESSION, SCP_ROLES_ALL,
	    "change your password; ends your other sessions",
	    password_args, NARGS(password_args),
	    NULL },
	{ "WATCH", SCP_CMD_SESSION, SCP_ROLES_ALL,
	    "receive events as they happen (on: those missed first), or stop",
	    watch_args, NARGS(watch_args),
	    "EVENT" },
	{ "LOGOUT", SCP_CMD_PREAUTH | SCP_CMD_SESSION, SCP_ROLES_ALL,
	    "end this session, or every session with 'all'",
	    logout_args, NARGS(logout_args),
	    NULL },

	/* Schools, levels, risk and alerts. */
	{ "SCHOOL LIST", SCP_CMD_PAGED, ALL,
	    "list the schools you can see",
	    school_list_args, NARGS(school_list_args),
	    "SCHOOL" },
	{ "SCHOOL SHOW", 0, ALL,
	    "one school with its level history, risks this term and open alerts",
	    school_args, NARGS(school_args),
	    "SCHOOL" },
	{ "SCHOOL ADD", 0, LEAD,
	    "add a school to your authority",
	    school_add_args, NARGS(school_add_args),
	    "SCHOOL" },
	{ "LEVEL SET", 0, LEAD,
	    "set a school's level of support, with the reason",
	    level_set_args, NARGS(level_set_args),
	    "SCHOOL" },
	{ "RISK SET", 0, LEAD_LINK,
	    "rate one risk area of a school for a term",
	    risk_set_args, NARGS(risk_set_args),
	    "RISK" },
	{ "RISK LIST", SCP_CMD_PAGED, ALL,
	    "a school's risk ratings for a term (default: this term)",
	    risk_list_args, NARGS(risk_list_args),
	    "RISK" },
	{ "AREA LIST", SCP_CMD_PAGED, ALL,
	    "the risk areas your authority rates",
	    paging_args, NARGS(paging_args),
	    "AREA" },
	{ "AREA ADD", 0, LEAD,
	    "add a risk area of your authority's own",
	    area_add_args, NARGS(area_add_args),
	    "AREA" },
	{ "AREA PRESET", 0, LEAD,
	    "rate by a preset set of areas (ealing: nine areas; hackney: services)",
	    area_preset_args, NARGS(area_preset_args),
	    "AREA" },
	{ "ALERT RAISE", 0, LEAD_LINK,
	    "raise a concern about a school from a service area",
	    alert_raise_args, NARGS(alert_raise_args),
	    "ALERT" },
	{ "ALERT LIST", SCP_CMD_PAGED, ALL,
	    "list alerts (default: all you can see)",
	    alert_list_args, NARGS(alert_list_args),
	    "ALERT" },
	{ "ALERT RESOLVE", 0, LEAD_LINK,
	    "resolve an alert, or refer it back to its source, with a note",
	    alert_resolve_args, NARGS(alert_resolve_args),
	    "ALERT" },

	/* Programmes and cases. */
	{ "PROGRAMME LIST", SCP_CMD_PAGED, ALL,
	    "the programmes your authority runs, with their settings",
	    paging_args, NARGS(paging_args),
	    "PROGRAMME" },
	{ "PROGRAMME SHOW", 0, ALL,
	    "one programme and its settings",
	    programme_args, NARGS(programme_args),
	    "PROGRAMME" },
	{ "PROGRAMME SET", 0, LEAD,
	    "change one setting of a programme",
	    programme_set_args, NARGS(programme_set_args),
	    "PROGRAMME" },
	{ "PROGRAMME ADD", 0, LEAD,
	    "add a programme of your own, optionally copying another's settings",
	    programme_add_args, NARGS(programme_add_args),
	    "PROGRAMME" },
	{ "CASE OPEN", 0, LEAD,
	    "open a case for a school in a programme",
	    case_open_args, NARGS(case_open_args),
	    "CASE" },
	{ "CASE LIST", SCP_CMD_PAGED, ALL,
	    "list the cases you can see",
	    case_list_args, NARGS(case_list_args),
	    "CASE" },
	{ "CASE SHOW", 0, ALL,
	    "one case and the decisions that moved it",
	    case_args, NARGS(case_args),
	    "CASE" },
	{ "CASE STAGE", 0, LEAD,
	    "move a case to its next stage, with the reason",
	    case_stage_args, NARGS(case_stage_args),
	    "CASE" },
	{ "DASHBOARD", SCP_CMD_PAGED, ALL,
	    "one line per school you can see: level, risks, concern, case",
	    paging_args, NARGS(paging_args),
	    "SCHOOL" },

	/* Meetings and their deadlines. */
	{ "MEETING SCHEDULE", 0, LEAD_LINK,
	    "schedule a meeting of a case; its deadlines follow from the programme",
	    meeting_schedule_args, NARGS(meeting_schedule_args),
	    "MEETING" },
	{ "MEETING LIST", SCP_CMD_PAGED, ALL,
	    "list the meetings you can see",
	    meeting_list_args, NARGS(meeting_list_args),
	    "MEETING" },
	{ "MEETING HELD", 0, LEAD_LINK,
	    "record a meeting as held, and the next one agreed at its end",
	    meeting_held_args, NARGS(meeting_held_args),
	    "MEETING" },
	{ "MEETING CANCEL", 0, LEAD_LINK,
	    "cancel a scheduled meeting, with the reason",
	    meeting_cancel_args, NARGS(meeting_cancel_args),
	    "MEETING" },
	{ "WAITING", 0, ALL,
	    "what waits for you now: minutes, actions, deadlines, unread events",
	    NULL, 0,
	    "WAITING" },
	{ "DEADLINES", SCP_CMD_PAGED, ALL,
	    "your deadlines: those missed and those due in the next days (14)",
	    deadlines_args, NARGS(deadlines_args),
	    "DEADLINE" },
	{ "DEADLINE DONE", 0, LEAD_LINK | SCP_ROLE_HEADTEACHER,
	    "mark a meeting's deadline met (its owner or a lead officer does)",
	    deadline_done_args, NARGS(deadline_done_args),
	    "DEADLINE" },
	{ "AGENDA", 0, ALL,
	    "a meeting's agenda: open actions carried forward, items, documents",
	    meeting_args, NARGS(meeting_args),
	    "ITEM" },
	{ "AGENDA ADD", 0, LEAD_LINK,
	    "add an item, or a document asked of the school, to a meeting's agenda",
	    agenda_add_args, NARGS(agenda_add_args),
	    "ITEM" },

	/* The minutes chain. */
	{ "MINUTES SHOW", 0, ALL,
	    "the latest version of a meeting's minutes and every step taken",
	    meeting_args, NARGS(meeting_args),
	    "MINUTES" },
	{ "MINUTES DRAFT", 0, LEAD_LINK,
	    "write the next version of the minutes (version= the one edited)",
	    minutes_draft_args, NARGS(minutes_draft_args),
	    "MINUTES" },
	{ "MINUTES SUBMIT", 0, LEAD_LINK,
	    "send the draft minutes to the chair",
	    meeting_args, NARGS(meeting_args),
	    "MINUTES" },
	{ "MINUTES APPROVE", 0, LEAD,
	    "approve the minutes as chair; they go to the headteacher",
	    meeting_args, NARGS(meeting_args),
	    "MINUTES" },
	{ "MINUTES RETURN", 0, LEAD | SCP_ROLE_HEADTEACHER,
	    "send the minutes back to the minute taker, saying why",
	    minutes_return_args, NARGS(minutes_return_args),
	    "MINUTES" },
	{ "MINUTES CONFIRM", 0, SCP_ROLE_HEADTEACHER,
	    "confirm the minutes as the school's headteacher; they never change after",
	    meeting_args, NARGS(meeting_args),
	    "MINUTES" },
	{ "MINUTES ACKNOWLEDGE", 0, SCP_ROLE_GOVERNOR,
	    "acknowledge confirmed minutes as chair of governors",
	    meeting_args, NARGS(meeting_args),
	    "MINUTES" },
	{ "MINUTES CIRCULATE", 0, LEAD,
	    "circulate confirmed minutes",
	    meeting_args, NARGS(meeting_args),
	    "MINUTES" },

	/* Actions. */
	{ "ACTION ADD", 0, LEAD_LINK,
	    "agree an action for a case: who, by when",
	    action_add_args, NARGS(action_add_args),
	    "ACTION" },
	{ "ACTION LIST", SCP_CMD_PAGED, ALL,
	    "list actions (mine=yes, overdue=yes, status=, case=, school=)",
	    action_list_args, NARGS(action_list_args),
	    "ACTION" },
	{ "ACTION UPDATE", 0, LEAD_LINK | SCP_ROLE_HEADTEACHER,
	    "report progress on an action, or change its owner or due date",
	    action_update_args, NARGS(action_update_args),
	    "ACTION" },

	/* Support packages and the case's budget. */
	{ "SUPPORT ADD", 0, LEAD,
	    "broker a support package for a case: provider, cost in pence",
	    support_add_args, NARGS(support_add_args),
	    "SUPPORT" },
	{ "SUPPORT LIST", SCP_CMD_PAGED, ALL,
	    "list support packages (case=: then the case's BUDGET)",
	    support_list_args, NARGS(support_list_args),
	    "SUPPORT" },
	{ "SUPPORT UPDATE", 0, LEAD,
	    "change a package's status or cost, or add a note",
	    support_update_args, NARGS(support_update_args),
	    "SUPPORT" },
	{ "SUPPORT BUDGET", 0, LEAD,
	    "agree a case's support budget, in pence",
	    support_budget_args, NARGS(support_budget_args),
	    "BUDGET" },

	/* Interventions. */
	{ "INTERVENE", 0, LEAD,
	    "record a formal power against a case (a warning notice first)",
	    intervene_args, NARGS(intervene_args),
	    "INTERVENTION" },
	{ "INTERVENTION LIST", SCP_CMD_PAGED, ALL,
	    "list interventions, with what a power still needs",
	    intervention_list_args, NARGS(intervention_list_args),
	    "INTERVENTION" },
	{ "INTERVENTION UPDATE", 0, LEAD,
	    "move an intervention on: approved, issued, complied, not complied",
	    intervention_update_args, NARGS(intervention_update_args),
	    "INTERVENTION" },

	/* Documents. */
	{ "DOC PUT", 0, ALL,
	    "upload a document to a case; the same name again is a new version",
	    doc_put_args, NARGS(doc_put_args),
	    "DOC" },
	{ "DOC LIST", SCP_CMD_PAGED, ALL,
	    "a case's documents, the latest version of each (versions=all: every one)",
	    doc_list_args, NARGS(doc_list_args),
	    "DOC" },
	{ "DOC GET", 0, ALL,
	    "download a document; its SHA-256 comes with it",
	    doc_args, NARGS(doc_args),
	    "DOC" },

	/* Notes of visit. */
	{ "VISIT SUBMIT", 0, SCP_ROLE_LINK_PARTNER,
	    "submit a note of a visit to a school (visit=: a returned one again)",
	    visit_submit_args, NARGS(visit_submit_args),
	    "VISIT" },
	{ "VISIT LIST", SCP_CMD_PAGED, LEAD_LINK | SCP_ROLE_HEADTEACHER,
	    "list the notes of visit you can see (school=, status=)",
	    visit_list_args, NARGS(visit_list_args),
	    "VISIT" },
	{ "VISIT SHOW", 0, LEAD_LINK | SCP_ROLE_HEADTEACHER,
	    "one note of visit with its text and every step taken",
	    visit_args, NARGS(visit_args),
	    "VISIT" },
	{ "VISIT QA", 0, LEAD,
	    "assure a note (the school then sees it) or return it, saying why",
	    visit_qa_args, NARGS(visit_qa_args),
	    "VISIT" },
	{ "VISIT RESPOND", 0, SCP_ROLE_HEADTEACHER,
	    "say whether a quality-assured note is accurate (inaccurate: say why)",
	    visit_respond_args, NARGS(visit_respond_args),
	    "VISIT" },

	/* Users and the audit log. */
	{ "USER ADD", 0, LEAD,
	    "add a user; their one-time password is shown once",
	    user_add_args, NARGS(user_add_args),
	    "USER" },
	{ "USER LIST", SCP_CMD_PAGED, LEAD,
	    "list your authority's users",
	    user_list_args, NARGS(user_list_args),
	    "USER" },
	{ "USER DISABLE", 0, LEAD,
	    "disable a user; their sessions end at once",
	    user_args, NARGS(user_args),
	    "USER" },
	{ "ASSIGN", 0, LEAD,
	    "assign a link partner to a school (remove=yes takes it back)",
	    assign_args, NARGS(assign_args),
	    "USER" },
	{ "AUDIT LIST", SCP_CMD_PAGED, LEAD,
	    "the audit log, newest first",
	    audit_list_args, NARGS(audit_list_args),
	    "AUDIT" },
	{ "AUDIT VERIFY", 0, LEAD,
	    "check your authority's audit chain from its first entry",
	    NULL, 0,
	    "AUDIT" },
};

const size_t scp_ncommands = NARGS(scp_commands);
