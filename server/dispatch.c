/*
 * Checking a request is kept apart from carrying it out: everything the
 * command table can decide (does the command exist, may this session run
 * it, are its arguments well formed) is answered here, before any database
 * or hashing work is queued.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "db.h"
#include "dispatch.h"
#include "log.h"
#include "loop.h"

static const struct {
	const char	*sql;
	int		 nparams;
} session_sql[STMT_SESSION_COUNT] = {
	[STMT_LOGIN_BEGIN] = { "SELECT * FROM api.login_begin($1, $2, $3)", 3 },
	[STMT_LOGIN_FINISH] = { "SELECT * FROM api.login_finish($1, $2, $3, $4, "
	    "$5, $6, $7, $8, $9, $10)", 10 },
	[STMT_SESSION_RESUME] = { "SELECT * FROM api.session_resume($1)", 1 },
	[STMT_PASSWORD_BEGIN] = { "SELECT * FROM api.password_begin($1, $2)", 2 },
	[STMT_PASSWORD_SET] = { "SELECT * FROM api.password_set($1, $2)", 2 },
	[STMT_PASSWORD_FAILED] = { "SELECT * FROM api.password_failed($1, $2, "
	    "$3, $4, $5, $6)", 6 },
	[STMT_LOGOUT] = { "SELECT * FROM api.logout($1, $2)", 2 },
};

static int
stmt_set(struct db_stmt *st, int index, const char *sql, int nparams)
{
	(void)snprintf(st->name, sizeof(st->name), "s%d", index);
	st->nparams = nparams;
	return (st->sql = strdup(sql)) == NULL ? -1 : 0;
}

/* "SELECT * FROM fn($1, ..., $n)": the session first, then each argument. */
static char *
stmt_sql_for(const struct scp_cmd *cmd)
{
	struct scp_buf	b = { NULL, 0, 0 };
	size_t		i;

	if (scp_buf_printf(&b, "SELECT * FROM %s($1", cmd->sqlfn) == -1)
		goto fail;
	for (i = 0; i < cmd->nargs; i++)
		if (scp_buf_printf(&b, ", $%zu", i + 2) == -1)
			goto fail;
	if (scp_buf_addstr(&b, ")") == -1)
		goto fail;
	return b.data;
fail:
	scp_buf_free(&b);
	return NULL;
}

int
dispatch_statements(struct db_stmt **out, int *count)
{
	struct db_stmt	*st;
	char		*sql;
	size_t		 i;
	int		 n = 0;

	st = reallocarray(NULL, STMT_SESSION_COUNT + scp_ncommands, sizeof(*st));
	if (st == NULL)
		return -1;
	for (i = 0; i < STMT_SESSION_COUNT; i++, n++)
		if (stmt_set(&st[n], n, session_sql[i].sql,
		    session_sql[i].nparams) == -1)
			goto fail;
	for (i = 0; i < scp_ncommands; i++) {
		if (scp_commands[i].exec != SCP_EXEC_SQL)
			continue;
		if (scp_commands[i].nargs > DISPATCH_ARGS_MAX ||
		    (sql = stmt_sql_for(&scp_commands[i])) == NULL)
			goto fail;
		if (stmt_set(&st[n], n, sql, (int)scp_commands[i].nargs + 1) == -1) {
			free(sql);
			goto fail;
		}
		free(sql);
		n++;
	}
	*out = st;
	*count = n;
	return 0;
fail:
	dispatch_statements_free(st, n);
	return -1;
}

void
dispatch_statements_free(struct db_stmt *st, int n)
{
	int	i;

	for (i = 0; i < n; i++)
		free(st[i].sql);
	free(st);
}

/* Statement index of an SQL command: session ones first, then table order. */
int
dispatch_stmt_of(const struct scp_cmd *cmd)
{
	size_t	i;
	int	n = STMT_SESSION_COUNT;

	for (i = 0; i < scp_ncommands; i++) {
		if (&scp_commands[i] == cmd)
			return n;
		if (scp_commands[i].exec == SCP_EXEC_SQL)
			n++;
	}
	return -1;
}

static void
cmd_capability(struct conn *c)
{
	struct scp_buf	*b = conn_scratch(c);

	if (scp_buf_addstr(b, "* CAPABILITY " SCP_PROTOCOL " LITERAL+ WATCH\r\n")
	    == -1) {
		conn_close(c, "out of memory");
		return;
	}
	conn_send(c, b);
	conn_complete(c, SCP_OK, SCP_CODE_NONE, NULL, c->cmd->ok_text);
}

/* May this session run cmd? Answers and returns false when not. */
static bool
dispatch_allowed(struct conn *c, const struct scp_cmd *cmd)
{
	if (!c->authed && !(cmd->flags & SCP_CMD_PREAUTH)) {
		conn_complete(c, SCP_NO, SCP_CODE_AUTHREQUIRED, NULL, "log in first");
		return false;
	}
	if (c->authed && !(cmd->roles & c->role)) {
		conn_complete(c, SCP_NO, SCP_CODE_FORBIDDEN, NULL,
		    "your role may not do that");
		return false;
	}
	return true;
}

static bool
dispatch_bind(struct conn *c, const struct scp_request *req, size_t words,
    const struct scp_item **args)
{
	const char		*bad = NULL;
	enum scp_code		 code = SCP_CODE_INVALID;
	char			 err[160];

	/* Binding also checks each value against its declared type. */
	if (scp_cmd_bind(c->cmd, req, words, args, &bad, &code, err,
	    sizeof(err)) == -1) {
		conn_complete(c, code == SCP_CODE_TOOBIG ? SCP_BAD : SCP_NO,
		    code, bad, err);
		return false;
	}
	return true;
}

void
dispatch_request(struct conn *c, const struct scp_request *req)
{
	const struct scp_item	*args[DISPATCH_ARGS_MAX];
	const struct scp_cmd	*cmd;
	size_t			 words;

	if (strlcpy(c->tag, req->tag, sizeof(c->tag)) >= sizeof(c->tag))
		c->tag[0] = '\0';
	if ((cmd = scp_cmd_lookup(req, &words)) == NULL) {
		conn_complete(c, SCP_BAD, SCP_CODE_NONE, NULL, "unknown command");
		return;
	}
	c->cmd = cmd;
	if (!dispatch_allowed(c, cmd) || !dispatch_bind(c, req, words, args))
		return;
	switch (cmd->exec) {
	case SCP_EXEC_CAPABILITY:
		cmd_capability(c);
		break;
	case SCP_EXEC_NOOP:
		conn_complete(c, SCP_OK, SCP_CODE_NONE, NULL, cmd->ok_text);
		break;
	case SCP_EXEC_LOGIN:
		cmd_login(c, args);
		break;
	case SCP_EXEC_RESUME:
		cmd_resume(c, args);
		break;
	case SCP_EXEC_PASSWORD:
		cmd_password(c, args);
		break;
	case SCP_EXEC_LOGOUT:
		cmd_logout(c, args);
		break;
	case SCP_EXEC_SQL:
		cmd_sql(c, args);
		break;
	}
}

static void
literal_refuse(struct conn *c, enum scp_status st, enum scp_code code,
    const char *text)
{
	c->refuse_status = st;
	c->refuse_code = code;
	c->refuse_text = text;
	scp_parser_refuse(c->parser);
}

static const struct scp_argdef *
literal_target(const struct scp_cmd *cmd, const struct scp_request *req,
    size_t words, const struct scp_literal *lit)
{
	size_t	i, pos = 0;

	for (i = words; i < req->nitems; i++)
		if (req->items[i].name == NULL)
			pos++;
	for (i = 0; i < cmd->nargs; i++) {
		if (lit->name != NULL) {
			if (!(cmd->args[i].flags & SCP_ARG_POSITIONAL) &&
			    strcmp(cmd->args[i].name, lit->name) == 0)
				return &cmd->args[i];
		} else if (cmd->args[i].flags & SCP_ARG_POSITIONAL) {
			if (pos-- == 0)
				return &cmd->args[i];
		}
	}
	return NULL;
}

/*
 * A literal is announced. A synchronizing one is refused before its octets
 * are sent whenever the request cannot succeed anyway.
 */
void
dispatch_literal(struct conn *c, const struct scp_request *req,
    const struct scp_literal *lit)
{
	const struct config	*cfg = c->loop->cfg;
	const struct scp_argdef	*def;
	const struct scp_cmd	*cmd;
	struct scp_buf		*b;
	size_t			 words;

	if (strlcpy(c->tag, req->tag, sizeof(c->tag)) >= sizeof(c->tag))
		c->tag[0] = '\0';
	if (req->nitems == 0 || (cmd = scp_cmd_lookup(req, &words)) == NULL) {
		literal_refuse(c, SCP_BAD, SCP_CODE_NONE, "unknown command");
		return;
	}
	if (!c->authed && !(cmd->flags & SCP_CMD_PREAUTH)) {
		literal_refuse(c, SCP_NO, SCP_CODE_AUTHREQUIRED, "log in first");
		return;
	}
	if ((def = literal_target(cmd, req, words, lit)) == NULL) {
		literal_refuse(c, SCP_NO, SCP_CODE_INVALID, "no such argument");
		return;
	}
	if (def->type == SCP_T_BYTES ? lit->size > cfg->limits.doc_max :
	    lit->size > cfg->limits.text_max ||
	    scp_parser_held(c->parser) + lit->size > 4 * cfg->limits.text_max) {
		literal_refuse(c, SCP_NO, SCP_CODE_TOOBIG, "literal too big");
		return;
	}
	/* Streaming is for documents, which no command of this version takes. */
	scp_parser_accept(c->parser, def->type == SCP_T_BYTES ? SCP_LIT_BYTES :
	    SCP_LIT_TEXT);
	if (lit->sync) {
		b = conn_scratch(c);
		if (scp_put_continue(b, "OK") == -1) {
			conn_close(c, "out of memory");
			return;
		}
		conn_send(c, b);
	}
}
