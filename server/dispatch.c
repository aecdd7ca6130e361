/*
 * Checking a request is kept apart from carrying it out: everything the
 * command table can decide (does the command exist, may this session run
 * it, are its arguments well formed, is an announced literal too big) is
 * answered here, before any database or hashing work is queued.
 *
 * The table in libscp says what a command looks like; the routes below say
 * how this server runs it. A command with no handler of its own runs the
 * api function named after it ("MINUTES CONFIRM" -> api.minutes_confirm),
 * so a new command is one table row and one SQL function.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "db.h"
#include "dispatch.h"
#include "doc.h"
#include "log.h"
#include "loop.h"

static void	cmd_capability(struct request *);
static void	cmd_noop(struct request *);

static const struct handler handlers[] = {
	{ "CAPABILITY",	cmd_capability,	NULL,			"done" },
	{ "NOOP",	cmd_noop,	NULL,			"done" },
	{ "LOGIN",	cmd_login,	cmd_session_abort,	"welcome" },
	{ "RESUME",	cmd_resume,	cmd_session_abort,	"resumed" },
	{ "PASSWORD",	cmd_password,	cmd_session_abort,	"password changed" },
	{ "LOGOUT",	cmd_logout,	cmd_session_abort,	"logged out" },
	{ "USER ADD",	cmd_user_add,	NULL,			"user added" },
	{ "WATCH",	cmd_watch,	NULL,			"watching" },
	{ "DOC PUT",	cmd_doc_put,	NULL,			"stored" },
	{ "DOC GET",	cmd_doc_get,	NULL,			"sent" },
};

static struct route	*routes;	/* one per command, in table order */

/*
 * The api functions the session handlers call, and their arity; or, for
 * the two that hold a transaction open, the statement itself.
 */
static const struct {
	const char	*fn;
	int		 nparams;
	const char	*sql;
} session_fn[STMT_SESSION_COUNT] = {
	[STMT_LOGIN_BEGIN] =		{ "api.login_begin", 6 },
	[STMT_LOGIN_FINISH] =		{ "api.login_finish", 10 },
	[STMT_SESSION_RESUME] =		{ "api.session_resume", 1 },
	[STMT_PASSWORD_BEGIN] =		{ "api.password_begin", 6 },
	[STMT_PASSWORD_SET] =		{ "api.password_set", 3 },
	[STMT_PASSWORD_FAILED] =	{ "api.password_failed", 6 },
	[STMT_PASSWORD_ABANDON] =	{ "api.password_abandon", 2 },
	[STMT_LOGOUT] =			{ "api.logout", 2 },
	[STMT_USER_ADD] =		{ "api.user_add", 7 },
	[STMT_EVENTS_AFTER] =		{ "api.events_after", 4 },
	[STMT_EVENTS_SEEN] =		{ "api.events_seen", 2 },
	[STMT_EVENTS_LISTEN] =		{ "api.events_listen", 0 },
	[STMT_EVENTS_ROUTE] =		{ "api.events_route", 1 },
	[STMT_EVENTS_DUE] =		{ "api.events_due", 0 },
	[STMT_BEGIN] =			{ NULL, 0, "BEGIN" },
	[STMT_COMMIT] =			{ NULL, 0, "COMMIT" },
	[STMT_DOC_BEGIN] =		{ "api.doc_begin", 8 },
	[STMT_DOC_CHUNK] =		{ "api.doc_chunk", 3 },
	[STMT_DOC_FINISH] =		{ "api.doc_finish", 3 },
	[STMT_DOC_GET] =		{ "api.doc_get", 2 },
	[STMT_DOC_READ] =		{ "api.doc_read", 3 },
};

static const struct handler *
handler_for(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++)
		if (strcmp(handlers[i].name, name) == 0)
			return &handlers[i];
	return NULL;
}

/* "MINUTES CONFIRM" -> "api.minutes_confirm"; -1 if it does not fit. */
static int
sqlfn_for(const char *name, char *out, size_t outlen)
{
	size_t	i, n;

	if ((n = strlcpy(out, "api.", outlen)) >= outlen)
		return -1;
	for (i = 0; name[i] != '\0'; i++, n++) {
		if (n + 1 >= outlen)
			return -1;
		out[n] = name[i] == ' ' ? '_' :
		    (char)tolower((unsigned char)name[i]);
	}
	out[n] = '\0';
	return 0;
}

int
dispatch_init(char *err, size_t errlen)
{
	size_t	i;
	int	stmt = STMT_SESSION_COUNT;

	if ((routes = calloc(scp_ncommands, sizeof(*routes))) == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++)
		if (scp_cmd_byname(handlers[i].name) == NULL) {
			(void)snprintf(err, errlen, "handler %s has no command "
			    "in the table", handlers[i].name);
			return -1;
		}
	for (i = 0; i < scp_ncommands; i++) {
		routes[i].cmd = &scp_commands[i];
		routes[i].stmt = -1;
		if (scp_commands[i].nargs > REQUEST_ARGS_MAX) {
			(void)snprintf(err, errlen, "%s: over %d arguments",
			    scp_commands[i].name, REQUEST_ARGS_MAX);
			return -1;
		}
		if ((routes[i].handler = handler_for(scp_commands[i].name)) != NULL)
			continue;
		if (sqlfn_for(scp_commands[i].name, routes[i].sqlfn,
		    sizeof(routes[i].sqlfn)) == -1) {
			(void)snprintf(err, errlen, "%s: name too long",
			    scp_commands[i].name);
			return -1;
		}
		routes[i].stmt = stmt++;
	}
	return 0;
}

void
dispatch_free(void)
{
	free(routes);
	routes = NULL;
}

const struct route *
dispatch_route(const struct scp_cmd *cmd)
{
	return &routes[cmd - scp_commands];
}

/* Statement index: "SELECT * FROM fn($1, ..., $nparams)". */
static int
stmt_set(struct db_stmt *st, int index, const char *fn, int nparams)
{
	struct scp_buf	b = { NULL, 0, 0 };
	int		i;

	(void)snprintf(st->name, sizeof(st->name), "s%d", index);
	st->nparams = nparams;
	st->fn = fn;
	st->sql = NULL;
	if (scp_buf_printf(&b, "SELECT * FROM %s(", fn) == -1)
		goto fail;
	for (i = 1; i <= nparams; i++)
		if (scp_buf_printf(&b, i == 1 ? "$%d" : ", $%d", i) == -1)
			goto fail;
	if (scp_buf_addstr(&b, ")") == -1)
		goto fail;
	st->sql = b.data;
	return 0;
fail:
	scp_buf_free(&b);
	return -1;
}

/* A statement that calls no function (BEGIN, COMMIT): fn is NULL. */
static int
stmt_raw(struct db_stmt *st, int index, const char *sql)
{
	(void)snprintf(st->name, sizeof(st->name), "s%d", index);
	st->nparams = 0;
	st->fn = NULL;
	return (st->sql = strdup(sql)) == NULL ? -1 : 0;
}

/* Session statements first, then one per command without a handler. */
int
dispatch_statements(struct db_stmt **out, int *count)
{
	struct db_stmt	*st;
	size_t		 i;
	int		 n = 0;

	st = reallocarray(NULL, STMT_SESSION_COUNT + scp_ncommands, sizeof(*st));
	if (st == NULL)
		return -1;
	for (i = 0; i < STMT_SESSION_COUNT; i++, n++)
		if (session_fn[i].sql != NULL ? stmt_raw(&st[n], n,
		    session_fn[i].sql) == -1 : stmt_set(&st[n], n,
		    session_fn[i].fn, session_fn[i].nparams) == -1)
			goto fail;
	for (i = 0; i < scp_ncommands; i++) {
		if (routes[i].handler != NULL)
			continue;
		/* The session, then each declared argument. */
		if (stmt_set(&st[n], n, routes[i].sqlfn,
		    (int)scp_commands[i].nargs + 1) == -1)
			goto fail;
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

static void
cmd_capability(struct request *req)
{
	struct scp_buf	*b = conn_scratch(req->c);

	if (scp_buf_addstr(b, "* CAPABILITY " SCP_PROTOCOL " LITERAL+ WATCH\r\n")
	    == -1) {
		request_internal(req, "out of memory");
		return;
	}
	conn_send(req->c, b);
	request_ok(req);
}

static void
cmd_noop(struct request *req)
{
	request_ok(req);
}

/* May this session run cmd? Answers and returns false when not. */
static bool
dispatch_allowed(const struct conn *c, const struct scp_cmd *cmd,
    enum scp_code *code, const char **text)
{
	if (!c->authed && !(cmd->flags & SCP_CMD_PREAUTH)) {
		*code = SCP_CODE_AUTHREQUIRED;
		*text = "log in first";
		return false;
	}
	return true;
}

void
dispatch_request(struct conn *c, const struct scp_request *req)
{
	const struct scp_item	*args[REQUEST_ARGS_MAX];
	const struct scp_cmd	*cmd;
	const char		*bad = NULL, *text;
	enum scp_code		 code = SCP_CODE_INVALID;
	char			 err[160];
	size_t			 words;

	if ((cmd = scp_cmd_lookup(req, &words)) == NULL) {
		conn_answer(c, req->tag, SCP_BAD, SCP_CODE_NONE, NULL,
		    "unknown command");
		return;
	}
	if (!dispatch_allowed(c, cmd, &code, &text)) {
		conn_answer(c, req->tag, SCP_NO, code, NULL, text);
		return;
	}
	/* Binding also checks each value against its declared type. */
	if (scp_cmd_bind(cmd, req, words, args, &bad, &code, err,
	    sizeof(err)) == -1) {
		conn_answer(c, req->tag, code == SCP_CODE_TOOBIG ? SCP_BAD :
		    SCP_NO, code, bad, err);
		return;
	}
	request_start(c, dispatch_route(cmd), req, args);
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
	const char		*text;
	enum scp_code		 code;
	size_t			 words;

	if (strlcpy(c->tag, req->tag, sizeof(c->tag)) >= sizeof(c->tag))
		c->tag[0] = '\0';
	if (req->nitems == 0 || (cmd = scp_cmd_lookup(req, &words)) == NULL) {
		conn_refuse_literal(c, SCP_BAD, SCP_CODE_NONE, "unknown command");
		return;
	}
	if (!dispatch_allowed(c, cmd, &code, &text)) {
		conn_refuse_literal(c, SCP_NO, code, text);
		return;
	}
	if ((def = literal_target(cmd, req, words, lit)) == NULL) {
		conn_refuse_literal(c, SCP_NO, SCP_CODE_INVALID, "no such argument");
		return;
	}
	/*
	 * The argument's own limit (a password is at most 1 KiB), and for
	 * text the octets the request holds in all.
	 */
	if (lit->size > scp_arg_max(def, &cfg->limits) ||
	    (def->type != SCP_T_BYTES && scp_parser_held(c->parser) +
	    lit->size > 4 * cfg->limits.text_max)) {
		conn_refuse_literal(c, SCP_NO, SCP_CODE_TOOBIG, "literal too big");
		return;
	}
	/* A document streams into the database once it may (doc_put.c). */
	if (def->type == SCP_T_BYTES) {
		doc_upload_announced(c, cmd, req, words, lit);
		return;
	}
	scp_parser_accept(c->parser, SCP_LIT_TEXT);
	if (lit->sync) {
		b = conn_scratch(c);
		if (scp_put_continue(b, "OK") == -1) {
			conn_close(c, "out of memory");
			return;
		}
		conn_send(c, b);
	}
}
