/*
 * The record types of PROTOCOL.md 4.2 and WHOAMI's USER. A type missing
 * here is printed generically (its fields as they come, all text); a field
 * missing from a description is not printed, as the protocol asks of
 * fields a client does not know.
 */
#include <strings.h>

#include "describe.h"

#define T	COL_TEXT
#define N	COL_NUMBER
#define B	COL_BOOL
#define RAG	COL_RAG
#define DESC(type, cols)	{ type, cols, sizeof(cols) / sizeof(cols[0]) }

/* DASHBOARD adds risks, alerts, review_due and overdue to SCHOOL LIST's. */
static const struct col school[] = {
	{ "id", N }, { "urn", T }, { "name", T }, { "phase", T },
	{ "level", RAG }, { "ofsted", T }, { "case", N }, { "stage", T },
	{ "shared_concern", B }, { "risks", N }, { "alerts", N },
	{ "review_due", T }, { "overdue", B }, { "overdue_actions", N },
	{ "next_meeting", T },
};

static const struct col level[] = {
	{ "school", N }, { "level", RAG }, { "reason", T }, { "by", T },
	{ "at", T },
};

static const struct col risk[] = {
	{ "id", N }, { "school", N }, { "term", T }, { "area", T },
	{ "rating", RAG }, { "note", T }, { "by", T }, { "at", T },
};

static const struct col area[] = {
	{ "id", N }, { "area", T }, { "title", T },
};

static const struct col alert[] = {
	{ "id", N }, { "school", N }, { "area", T }, { "severity", T },
	{ "text", T }, { "status", T }, { "note", T }, { "by", T }, { "at", T },
	{ "closed_by", T }, { "closed_at", T },
};

/* reviews is a list ("12,18,24"), so text; cadences and visits are words. */
static const struct col programme[] = {
	{ "id", N }, { "name", T }, { "title", T }, { "reviews", T },
	{ "max_months", N }, { "extension_months", N },
	{ "post_exit_terms", N }, { "cadence_green", T },
	{ "cadence_amber", T }, { "cadence_red", T }, { "visits", T },
	{ "warning_after_terms", N }, { "budget", B },
	{ "proforma", N }, { "proforma_days", T },
	{ "agenda", N }, { "agenda_days", T },
	{ "documents", N }, { "documents_days", T },
	{ "reception", N }, { "reception_days", T },
	{ "minutes", N }, { "minutes_days", T },
};

static const struct col casework[] = {
	{ "id", N }, { "school", N }, { "programme", T }, { "stage", T },
	{ "lead", T }, { "link_partner", T }, { "opened", T },
	{ "entered", T }, { "review_due", T }, { "limit", T },
	{ "overdue", B }, { "extended", B }, { "monitoring_until", T },
	{ "reason", T },
};

static const struct col decision[] = {
	{ "case", N }, { "from", T }, { "to", T }, { "reason", T },
	{ "by", T }, { "at", T },
};

/* authority comes in WHOAMI's answer only. */
static const struct col user[] = {
	{ "id", N }, { "login", T }, { "name", T }, { "role", T },
	{ "school", N }, { "email", T }, { "schools", T }, { "disabled", B },
	{ "one_time", B }, { "authority", T },
};

static const struct col secret[] = {
	{ "password", T },
};

/* AUDIT LIST's entries, then what AUDIT VERIFY answers in the same type. */
static const struct col audit[] = {
	{ "id", N }, { "at", T }, { "user", T }, { "what", T },
	{ "target", T }, { "detail", T }, { "hash", T },
	{ "verified", N }, { "first", N }, { "last", N },
};

static const struct col meeting[] = {
	{ "id", N }, { "case", N }, { "school", N }, { "kind", T },
	{ "at", T }, { "place", T }, { "status", T }, { "chair", T },
	{ "taker", T }, { "attendees", T }, { "held", T }, { "next", N },
	{ "suggested_next", T }, { "reason", T },
};

static const struct col deadline[] = {
	{ "id", N }, { "meeting", N }, { "case", N }, { "school", N },
	{ "what", T }, { "due", T }, { "owner", T }, { "overdue", B },
	{ "met", T }, { "met_by", T },
};

/*
 * AGENDA's lines: kind is action (an open action carried forward; id is
 * the action's), item or document (arrived is a document's alone).
 */
static const struct col item[] = {
	{ "meeting", N }, { "kind", T }, { "id", N }, { "title", T },
	{ "detail", T }, { "owner", T }, { "due", T }, { "status", T },
	{ "progress", RAG }, { "overdue", B }, { "arrived", B }, { "by", T },
	{ "at", T },
};

static const struct col action[] = {
	{ "id", N }, { "case", N }, { "school", N }, { "title", T },
	{ "owner", T }, { "due", T }, { "status", T }, { "progress", RAG },
	{ "overdue", B }, { "meeting", N }, { "detail", T },
};

/* Money is in pence, as a number; note is the latest note of an update. */
static const struct col support[] = {
	{ "id", N }, { "case", N }, { "school", N }, { "provider", T },
	{ "description", T }, { "budget", N }, { "status", T }, { "by", T },
	{ "at", T }, { "note", T },
};

/* A case's budget: no budget (none agreed) leaves no left either. */
static const struct col budget[] = {
	{ "case", N }, { "school", N }, { "programme", T }, { "budget", N },
	{ "committed", N }, { "left", N }, { "packages", N }, { "by", T },
	{ "at", T }, { "note", T },
};

/* eligible and missing: a power still proposed, and what it needs. */
static const struct col intervention[] = {
	{ "id", N }, { "case", N }, { "school", N }, { "power", T },
	{ "status", T }, { "grounds", T }, { "given", T }, { "due", T },
	{ "compliance_days", N }, { "expired", B }, { "approved_by", T },
	{ "approved", T }, { "notified", T }, { "eligible", B },
	{ "missing", T }, { "by", T }, { "at", T }, { "note", T },
};

static const struct col minutes[] = {
	{ "meeting", N }, { "version", N }, { "state", T }, { "by", T },
	{ "at", T }, { "hash", T }, { "text", T },
};

/* A step of the minutes (meeting) or of a note of visit (visit, response). */
static const struct col step[] = {
	{ "meeting", N }, { "visit", N }, { "version", N }, { "step", T },
	{ "from", T }, { "to", T }, { "response", T }, { "comment", T },
	{ "by", T }, { "at", T },
};

/* A note of visit: by/at its author and when last sent; text in SHOW. */
static const struct col visit[] = {
	{ "id", N }, { "school", N }, { "case", N }, { "date", T },
	{ "by", T }, { "at", T }, { "status", T }, { "version", N },
	{ "qa_by", T }, { "qa_at", T }, { "qa_comment", T },
	{ "response", T }, { "response_by", T }, { "response_at", T },
	{ "response_comment", T }, { "text", T },
};

/* Pushed while WATCH is on; the fields name what it is about. */
static const struct col event[] = {
	{ "id", N }, { "what", T }, { "case", N }, { "school", N },
	{ "meeting", N }, { "action", N }, { "by", T }, { "at", T },
};

/* What waits for the user; each kind fills its own fields. */
static const struct col waiting[] = {
	{ "what", T }, { "meeting", N }, { "case", N }, { "school", N },
	{ "action", N }, { "title", T }, { "state", T }, { "deadline", T },
	{ "due", T }, { "overdue", B }, { "unread", N },
};

/* A stored version of a document: size in octets, its SHA-256 in hex. */
static const struct col doc[] = {
	{ "id", N }, { "case", N }, { "name", T }, { "kind", T }, { "type", T },
	{ "size", N }, { "version", N }, { "sha256", T }, { "by", T },
	{ "at", T },
};

static const struct rec_desc descriptions[] = {
	DESC("SCHOOL", school),
	DESC("LEVEL", level),
	DESC("RISK", risk),
	DESC("AREA", area),
	DESC("ALERT", alert),
	DESC("PROGRAMME", programme),
	DESC("CASE", casework),
	DESC("DECISION", decision),
	DESC("USER", user),
	DESC("SECRET", secret),
	DESC("AUDIT", audit),
	DESC("MEETING", meeting),
	DESC("DEADLINE", deadline),
	DESC("ITEM", item),
	DESC("ACTION", action),
	DESC("SUPPORT", support),
	DESC("BUDGET", budget),
	DESC("INTERVENTION", intervention),
	DESC("MINUTES", minutes),
	DESC("STEP", step),
	DESC("VISIT", visit),
	DESC("DOC", doc),
	DESC("EVENT", event),
	DESC("WAITING", waiting),
};

const struct rec_desc *
describe_find(const char *type)
{
	size_t	 i;

	for (i = 0; i < sizeof(descriptions) / sizeof(descriptions[0]); i++)
		if (strcasecmp(descriptions[i].type, type) == 0)
			return &descriptions[i];
	return NULL;
}
