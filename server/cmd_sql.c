/*
 * Commands carried out by one api function. The function decides everything
 * (who may, what changes, what is audited); here its rows become records:
 * the first column names the record, every other non-NULL column is a field
 * named after the column.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "db.h"
#include "dispatch.h"
#include "log.h"
#include "loop.h"
#include "request.h"

int
cmd_sql_row(struct scp_buf *b, const PGresult *res, int row)
{
	int	col, ncols = PQnfields(res);

	if (PQgetisnull(res, row, 0) ||
	    scp_put_data(b, PQgetvalue(res, row, 0)) == -1)
		return -1;
	for (col = 1; col < ncols; col++) {
		if (PQgetisnull(res, row, col))
			continue;
		if (scp_put_field(b, PQfname(res, col), PQgetvalue(res, row, col),
		    (size_t)PQgetlength(res, row, col)) == -1)
			return -1;
	}
	return scp_put_end(b);
}

/*
 * Every record is composed before anything is queued, so a row that cannot
 * be written (out of memory) leaves no half answer behind: the client gets
 * NO [INTERNAL id] and the connection carries on.
 */
static void
sql_done(void *arg, enum db_status st, const PGresult *res)
{
	struct request	*req = arg;
	struct conn	*c = req->c;
	struct scp_buf	*b;
	char		 what[80];
	int		 row, nrows;

	if (!request_rows(req, st, res))
		return;
	b = conn_scratch(c);
	nrows = PQntuples(res);
	for (row = 0; row < nrows; row++)
		if (cmd_sql_row(b, res, row) == -1)
			break;
	if (row < nrows) {
		scp_buf_reset(b);
		(void)snprintf(what, sizeof(what), "record %d of %d could not "
		    "be written", row + 1, nrows);
		request_internal(req, what);
		return;
	}
	conn_send(c, b);
	request_ok(req);
}

void
cmd_sql(struct request *req)
{
	const struct scp_cmd	*cmd = req->cmd;
	struct conn		*c = req->c;
	/* The session, then each declared argument. */
	const char		*vals[1 + REQUEST_ARGS_MAX];
	int			 lens[1 + REQUEST_ARGS_MAX] = { 0 };
	int			 fmts[1 + REQUEST_ARGS_MAX] = { 0 };
	size_t			 i;

	vals[0] = (const char *)c->token_hash;
	lens[0] = sizeof(c->token_hash);
	fmts[0] = 1;
	for (i = 0; i < cmd->nargs; i++) {
		vals[i + 1] = req->args[i] != NULL ? req->args[i]->value : NULL;
		lens[i + 1] = req->args[i] != NULL ? (int)req->args[i]->len : 0;
		/* Documents go as bytea: binary, so a NUL is just an octet. */
		fmts[i + 1] = cmd->args[i].type == SCP_T_BYTES;
	}
	if (db_query(c->loop->db, req->route->stmt, (int)cmd->nargs + 1,
	    vals, lens, fmts, sql_done, req) == -1)
		request_internal(req, "out of memory");
}
