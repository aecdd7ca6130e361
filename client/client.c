/*
 * The connection and the session every command builds on. One-shot
 * commands use them once; the shell keeps them between commands.
 */
#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "output.h"
#include "request.h"
#include "scc.h"
#include "token.h"

void
client_warn_text(const char *prefix, const char *text)
{
	char	*safe;

	safe = output_escape(text != NULL ? text : "", 1024);
	if (prefix != NULL)
		warnx("%s%s", prefix, safe != NULL ? safe : "?");
	else
		warnx("%s", safe != NULL ? safe : "?");
	free(safe);
}

void
client_disconnect(struct client *cl)
{
	conn_close(cl->conn);
	cl->conn = NULL;
	cl->has_session = false;
}

int
client_connect(struct client *cl)
{
	if (cl->conn != NULL && conn_closed(cl->conn))
		client_disconnect(cl);
	if (cl->conn != NULL)
		return SCC_EXIT_OK;
	cl->has_session = false;
	if ((cl->conn = conn_open(cl->set, NULL, NULL)) == NULL)
		return SCC_EXIT_CONN;
	return SCC_EXIT_OK;
}

/* "scc: text (CODE args)", with the server's words made safe to print. */
static void
warn_refusal(const struct reply *rep)
{
	char	*text, *args;

	text = output_escape(rep->text != NULL ? rep->text : "refused", 1024);
	args = output_escape(rep->code_args != NULL ? rep->code_args : "", 256);
	if (text == NULL || args == NULL)
		warnx("refused");
	else if (rep->code == NULL)
		warnx("%s", text);
	else
		warnx("%s (%s%s%s)", text, rep->code, args[0] != '\0' ? " " : "",
		    args);
	free(text);
	free(args);
}

int
client_refused(struct client *cl, const struct reply *rep)
{
	if (reply_code_is(rep, "EXPIRED")) {
		cl->has_session = false;
		(void)token_remove(cl->set);
		warnx("session expired; run scc login");
		return SCC_EXIT_AUTH;
	}
	if (reply_code_is(rep, "AUTHREQUIRED")) {
		cl->has_session = false;
		warnx("not logged in; run scc login");
		return SCC_EXIT_AUTH;
	}
	warn_refusal(rep);
	return SCC_EXIT_REFUSED;
}

int
client_resume(struct client *cl)
{
	struct request	 req;
	struct reply	 rep;
	char		 token[SCP_TOKEN_LEN + 1];
	int		 r;

	if (cl->conn != NULL && cl->has_session && !conn_closed(cl->conn))
		return SCC_EXIT_OK;
	switch (token_load(cl->set, token)) {
	case TOKEN_OK:
		break;
	case TOKEN_ABSENT:
		warnx("not logged in; run scc login");
		return SCC_EXIT_AUTH;
	default:
		return SCC_EXIT_AUTH;
	}
	if ((r = client_connect(cl)) != SCC_EXIT_OK) {
		explicit_bzero(token, sizeof(token));
		return r;
	}
	request_init(&req, cl->conn, "RESUME", true);
	request_arg(&req, token);
	explicit_bzero(token, sizeof(token));
	r = request_call(cl->conn, &req, &rep);
	request_free(&req);
	if (r == -1) {
		client_disconnect(cl);
		r = SCC_EXIT_CONN;
	} else if (rep.status == SCP_OK) {
		cl->has_session = true;
		r = SCC_EXIT_OK;
	} else
		r = client_refused(cl, &rep);
	reply_free(&rep);
	return r;
}
