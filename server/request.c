/*
 * The life of one request: started by dispatch, carried out by its handler
 * (or an api function), answered once, then ended, which hands the
 * connection back to reading.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "conn.h"
#include "dberr.h"
#include "dispatch.h"
#include "log.h"
#include "request.h"

bool
request_alive(const struct request *req)
{
	return !req->aborted && conn_alive(req->c);
}

void
request_start(struct conn *c, const struct route *route,
    const struct scp_request *sreq, const struct scp_item **args)
{
	struct request	*req;

	if ((req = calloc(1, sizeof(*req))) == NULL) {
		conn_answer(c, sreq->tag, SCP_NO, SCP_CODE_INTERNAL, NULL,
		    "out of memory");
		return;
	}
	req->c = c;
	req->route = route;
	req->cmd = route->cmd;
	if (strlcpy(req->tag, sreq->tag, sizeof(req->tag)) >= sizeof(req->tag))
		req->tag[0] = '\0';	/* the parser never hands out longer tags */
	memcpy(req->args, args, route->cmd->nargs * sizeof(*args));
	conn_hold(c);
	c->req = req;
	conn_set_state(c, CONN_BUSY);
	if (route->handler != NULL)
		route->handler->start(req);
	else
		cmd_sql(req);
}

void
request_end(struct request *req)
{
	struct conn	*c = req->c;

	if (c->req == req)
		c->req = NULL;
	explicit_bzero(req->args, sizeof(req->args));
	free(req);
	conn_request_done(c);
	conn_release(c);
}

void
request_abort(struct request *req)
{
	if (req->aborted)
		return;
	req->aborted = true;
	if (req->route->handler != NULL && req->route->handler->abort != NULL)
		req->route->handler->abort(req);
}

void
request_complete(struct request *req, enum scp_status st, enum scp_code code,
    const char *args, const char *text)
{
	if (request_alive(req))
		conn_answer(req->c, req->tag, st, code, args, text);
	request_end(req);
}

void
request_ok(struct request *req)
{
	const struct handler	*h = req->route->handler;

	request_complete(req, SCP_OK, SCP_CODE_NONE, NULL,
	    h != NULL && h->ok_text != NULL ? h->ok_text : "done");
}

void
request_unavailable(struct request *req)
{
	request_complete(req, SCP_NO, SCP_CODE_UNAVAILABLE, NULL,
	    "database unavailable; nothing was done");
}

/*
 * A fault of ours: the log says what it was under an id, and the client
 * gets the id to quote, never the details.
 */
void
request_internal(struct request *req, const char *what)
{
	char	id[17];
	uint8_t	raw[8];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(id, sizeof(id), raw, sizeof(raw));
	log_warnx("conn %llu: %s: internal error %s: %s",
	    (unsigned long long)req->c->id, req->cmd->name, id, what);
	request_complete(req, SCP_NO, SCP_CODE_INTERNAL, id, "internal error");
}

void
request_sql_error(struct request *req, const PGresult *res)
{
	struct dberr	 e;
	char		 what[LOG_LINE_MAX];
	const char	*state;

	dberr_classify(res, &e);
	if (e.code == SCP_CODE_EXPIRED || e.code == SCP_CODE_AUTHREQUIRED)
		conn_forget_session(req->c);
	if (e.code != SCP_CODE_INTERNAL) {
		request_complete(req, SCP_NO, e.code, e.args, e.text);
		return;
	}
	/* Cut short if need be: the log line has a limit anyway. */
	state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	(void)snprintf(what, sizeof(what), "%s %s", state != NULL ? state : "-",
	    PQresultErrorMessage(res));
	request_internal(req, what);
}

bool
request_rows(struct request *req, enum db_status st, const PGresult *res)
{
	if (!request_alive(req)) {
		request_end(req);
		return false;
	}
	if (st == DB_UNAVAILABLE) {
		request_unavailable(req);
		return false;
	}
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		request_sql_error(req, res);
		return false;
	}
	return true;
}
