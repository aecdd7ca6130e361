/*
 * Commands carried out by one api function. The function decides everything
 * (who may, what changes, what is audited); here its rows become records:
 * the first column names the record, every other non-NULL column is a field
 * named after the column.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "conn.h"
#include "db.h"
#include "dispatch.h"
#include "log.h"
#include "loop.h"

void
cmd_unavailable(struct conn *c)
{
	conn_complete(c, SCP_NO, SCP_CODE_UNAVAILABLE, NULL,
	    "database unavailable; nothing was done");
}

void
cmd_sql_error(struct conn *c, const PGresult *res)
{
	const char	*state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char	*msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	const char	*detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
	enum scp_code	 code;
	char		 id[17];
	uint8_t		 raw[8];

	code = state != NULL ? scp_code_from_sqlstate(state) : SCP_CODE_NONE;
	if (code != SCP_CODE_NONE) {
		if (code == SCP_CODE_EXPIRED || code == SCP_CODE_AUTHREQUIRED) {
			c->authed = false;
			explicit_bzero(c->token_hash, sizeof(c->token_hash));
		}
		conn_complete(c, SCP_NO, code, detail,
		    msg != NULL ? msg : "refused");
		return;
	}
	/* Not ours: log it in full under an id the user can quote. */
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(id, sizeof(id), raw, sizeof(raw));
	log_warnx("conn %llu: internal error %s: %s %s", (unsigned long long)c->id,
	    id, state != NULL ? state : "-", PQresultErrorMessage(res));
	conn_complete(c, SCP_NO, SCP_CODE_INTERNAL, id, "internal error");
}

static int
write_row(struct scp_buf *b, const PGresult *res, int row)
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

static void
sql_done(void *arg, enum db_status st, const PGresult *res)
{
	struct conn	*c = arg;
	struct scp_buf	*b;
	int		 row, nrows;

	if (!conn_alive(c))
		goto out;
	if (st == DB_UNAVAILABLE)
		cmd_unavailable(c);
	else if (PQresultStatus(res) != PGRES_TUPLES_OK)
		cmd_sql_error(c, res);
	else {
		nrows = PQntuples(res);
		for (row = 0; row < nrows && conn_alive(c); row++) {
			b = conn_scratch(c);
			if (write_row(b, res, row) == -1) {
				log_warnx("conn %llu: %s: row %d not written",
				    (unsigned long long)c->id, c->cmd->name, row);
				conn_close(c, "cannot write a record");
				goto out;
			}
			conn_send(c, b);
		}
		conn_complete(c, SCP_OK, SCP_CODE_NONE, NULL, c->cmd->ok_text);
	}
	conn_done(c);
out:
	conn_release(c);
}

void
cmd_sql(struct conn *c, const struct scp_item **args)
{
	const struct scp_cmd	*cmd = c->cmd;
	/* The session, then each declared argument. */
	const char		*vals[1 + DISPATCH_ARGS_MAX];
	int			 lens[1 + DISPATCH_ARGS_MAX] = { 0 };
	int			 fmts[1 + DISPATCH_ARGS_MAX] = { 0 };
	size_t			 i;

	vals[0] = (const char *)c->token_hash;
	lens[0] = sizeof(c->token_hash);
	fmts[0] = 1;
	for (i = 0; i < cmd->nargs; i++) {
		vals[i + 1] = args[i] != NULL ? args[i]->value : NULL;
		lens[i + 1] = args[i] != NULL ? (int)args[i]->len : 0;
	}
	conn_hold(c);
	c->state = CONN_BUSY;
	if (db_query(c->loop->db, dispatch_stmt_of(cmd), (int)cmd->nargs + 1,
	    vals, lens, fmts, sql_done, c) == -1) {
		c->state = CONN_READY;
		conn_release(c);
		cmd_unavailable(c);
	}
}
