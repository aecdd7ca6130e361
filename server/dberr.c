/*
 * SQLSTATE to response code. Our own refusals (SC001..) carry their code;
 * the database's integrity checks are the client's mistake or a race it
 * lost; a statement that could not run at all did nothing, so the client
 * may simply try again later.
 */
#include <string.h>

#include "dberr.h"

static const struct {
	const char	*state;		/* a full SQLSTATE, or a class of two */
	enum scp_code	 code;
	const char	*text;
} sqlstate_map[] = {
	{ "23505", SCP_CODE_CONFLICT,	"that already exists" },
	{ "40001", SCP_CODE_CONFLICT,	"changed by someone else at the same time; nothing was done" },
	{ "40P01", SCP_CODE_CONFLICT,	"changed by someone else at the same time; nothing was done" },
	{ "23514", SCP_CODE_INVALID,	"not allowed by the rules for that record" },
	{ "23502", SCP_CODE_INVALID,	"a required value is missing" },
	{ "23503", SCP_CODE_INVALID,	"refers to something that does not exist" },
	{ "22",    SCP_CODE_INVALID,	"a value is out of range or malformed" },
	{ "57014", SCP_CODE_UNAVAILABLE, "took too long and was cancelled; nothing was done" },
	{ "57P",   SCP_CODE_UNAVAILABLE, "database unavailable; nothing was done" },
	{ "08",    SCP_CODE_UNAVAILABLE, "database unavailable; nothing was done" },
	{ "53",    SCP_CODE_UNAVAILABLE, "database busy; nothing was done" },
	{ "25006", SCP_CODE_UNAVAILABLE, "database is read-only; nothing was done" },
};

bool
dberr_retryable(const PGresult *res)
{
	const char	*state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

	return state != NULL &&
	    (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0);
}

void
dberr_classify(const PGresult *res, struct dberr *e)
{
	const char	*state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char	*msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	size_t		 i;

	e->code = SCP_CODE_INTERNAL;
	e->text = "internal error";
	e->args = NULL;
	if (state == NULL)
		return;
	/* Ours: the api function chose the code, the words and the detail. */
	if ((e->code = scp_code_from_sqlstate(state)) != SCP_CODE_NONE) {
		e->text = msg != NULL ? msg : "refused";
		e->args = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
		return;
	}
	e->code = SCP_CODE_INTERNAL;
	for (i = 0; i < sizeof(sqlstate_map) / sizeof(sqlstate_map[0]); i++) {
		if (strncmp(state, sqlstate_map[i].state,
		    strlen(sqlstate_map[i].state)) == 0) {
			e->code = sqlstate_map[i].code;
			e->text = sqlstate_map[i].text;
			return;
		}
	}
}
