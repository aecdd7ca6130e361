/*
 * scc login, scc logout, scc whoami.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "output.h"
#include "prompt.h"
#include "request.h"
#include "scc.h"
#include "token.h"

#define LOGIN_MAX	64

/* The user to log in as: operand, then -u / SCC_USER / config, then ask. */
static int
login_user(struct client *cl, const struct cmdline *cmd, char *user,
    size_t size)
{
	struct settings	 tmp;
	char		 err[SETTINGS_ERR_MAX], typed[LOGIN_MAX + 2];
	const char	*given = NULL;
	int		 r;

	if (cmd->argc == 2)
		given = cmd->argv[1];
	else if (cl->set->user != NULL)
		given = cl->set->user;
	else if (prompt_read("user: ", true, typed, sizeof(typed)) == -1)
		return SCC_EXIT_USAGE;
	else
		given = typed;
	/* Checked and lower-cased the same way as -u. */
	settings_init(&tmp);
	r = settings_set(&tmp, "user", given, err, sizeof(err));
	if (r == 0 && strlcpy(user, tmp.user, size) >= size)
		r = -1;
	settings_free(&tmp);
	if (r == -1) {
		warnx("%s", err);
		return SCC_EXIT_USAGE;
	}
	return SCC_EXIT_OK;
}

static int
login_refused(struct client *cl, const struct reply *rep)
{
	char	*secs;

	if (reply_code_is(rep, "LOCKED")) {
		secs = output_escape(rep->code_args != NULL ? rep->code_args :
		    "some", 32);
		warnx("too many failed logins; try again in %s seconds",
		    secs != NULL ? secs : "some");
		free(secs);
		return SCC_EXIT_REFUSED;
	}
	if (reply_code_is(rep, "AUTHFAILED")) {
		warnx("wrong user or password");
		return SCC_EXIT_REFUSED;
	}
	return client_refused(cl, rep);
}

/*
 * On a terminal, what waits for the person who just logged in, counted;
 * `scc waiting` lists it. Nothing here may fail the login.
 */
static void
login_waiting(struct client *cl)
{
	struct request	 req;
	struct reply	 rep;
	const char	*what, *v;
	long		 minutes = 0, actions = 0, late = 0, deadlines = 0;
	long		 missed = 0, unread = 0;
	size_t		 i;

	if (!isatty(STDOUT_FILENO))
		return;
	request_init(&req, cl->conn, "WAITING", false);
	if (request_call(cl->conn, &req, &rep) == -1) {
		request_free(&req);
		client_disconnect(cl);
		return;
	}
	request_free(&req);
	for (i = 0; rep.status == SCP_OK && i < rep.nrecords; i++) {
		if ((what = record_get(&rep.records[i], "what")) == NULL)
			continue;
		v = record_get(&rep.records[i], "overdue");
		if (strcmp(what, "minutes") == 0)
			minutes++;
		else if (strcmp(what, "action") == 0) {
			actions++;
			late += v != NULL && strcmp(v, "yes") == 0;
		} else if (strcmp(what, "deadline") == 0) {
			deadlines++;
			missed += v != NULL && strcmp(v, "yes") == 0;
		} else if (strcmp(what, "events") == 0 &&
		    (v = record_get(&rep.records[i], "unread")) != NULL)
			unread = strtol(v, NULL, 10);
	}
	if (rep.status == SCP_OK && minutes + actions + deadlines + unread == 0)
		printf("nothing is waiting for you\n");
	else if (rep.status == SCP_OK)
		printf("waiting for you: %ld minutes to act on, %ld actions due "
		    "(%ld overdue), %ld deadlines this week (%ld missed), %ld "
		    "unread events; see scc waiting, scc watch\n", minutes,
		    actions, late, deadlines, missed, unread);
	reply_free(&rep);
}

/* Keep the token and say who we are now. */
static int
login_accepted(struct client *cl, const struct reply *rep, const char *user)
{
	const struct record	*session;
	const char		*token;
	char			*role;

	session = reply_record(rep, "SESSION");
	token = session != NULL ? record_get(session, "token") : NULL;
	if (token == NULL) {
		warnx("the server sent no session token");
		return SCC_EXIT_REFUSED;
	}
	cl->has_session = true;
	if (token_save(cl->set, token) == -1) {
		warnx("logged in, but the session could not be kept for "
		    "later commands");
		return SCC_EXIT_REFUSED;
	}
	role = output_escape(reply_code_is(rep, "ROLE") && rep->code_args != NULL ?
	    rep->code_args : "unknown role", 64);
	printf("logged in as %s (%s)\n", user, role != NULL ? role : "?");
	free(role);
	login_waiting(cl);
	return SCC_EXIT_OK;
}

static int
login_send(struct client *cl, const char *user, const char *password)
{
	struct request	 req;
	struct reply	 rep;
	int		 r;

	/* A fresh connection: LOGIN on one that has a session is not ours to mix. */
	if (cl->has_session)
		client_disconnect(cl);
	if ((r = client_connect(cl)) != SCC_EXIT_OK)
		return r;
	request_init(&req, cl->conn, "LOGIN", true);
	request_arg(&req, user);
	request_arg(&req, password);
	r = request_call(cl->conn, &req, &rep);
	request_free(&req);
	if (r == -1) {
		client_disconnect(cl);
		return SCC_EXIT_CONN;
	}
	if (rep.status == SCP_OK)
		r = login_accepted(cl, &rep, user);
	else
		r = login_refused(cl, &rep);
	reply_free(&rep);
	return r;
}

int
cmd_login(struct client *cl, const struct cmdline *cmd)
{
	char	 user[LOGIN_MAX + 1], password[PROMPT_PASSWORD_MAX + 2];
	char	 ask[LOGIN_MAX + 32];
	int	 r;

	if (cmd->argc > 2) {
		fprintf(stderr, "usage: scc login [USER]\n");
		return SCC_EXIT_USAGE;
	}
	if ((r = login_user(cl, cmd, user, sizeof(user))) != SCC_EXIT_OK)
		return r;
	/* Ask before connecting, so no connection idles while someone types. */
	snprintf(ask, sizeof(ask), "password for %s: ", user);
	if (prompt_read(ask, false, password, sizeof(password)) == -1)
		return SCC_EXIT_USAGE;
	if (password[0] == '\0' || strlen(password) > PROMPT_PASSWORD_MAX) {
		explicit_bzero(password, sizeof(password));
		warnx("a password is 1 to %d octets", PROMPT_PASSWORD_MAX);
		return SCC_EXIT_USAGE;
	}
	r = login_send(cl, user, password);
	explicit_bzero(password, sizeof(password));
	return r;
}

/* Resume for logout: an expired session is already what logout wants. */
static int
logout_resume(struct client *cl)
{
	char			 token[SCP_TOKEN_LEN + 1];
	enum token_status	 st;

	if (cl->conn != NULL && cl->has_session && !conn_closed(cl->conn))
		return SCC_EXIT_OK;
	st = token_load(cl->set, token);
	explicit_bzero(token, sizeof(token));
	if (st == TOKEN_ABSENT) {
		printf("not logged in\n");
		return -1;
	}
	if (st == TOKEN_BAD)
		return SCC_EXIT_AUTH;
	return client_resume(cl);
}

int
cmd_logout(struct client *cl, const struct cmdline *cmd)
{
	struct request	 req;
	struct reply	 rep;
	int		 r;

	if (cmd->argc > 1) {
		fprintf(stderr, "usage: scc logout [--all]\n");
		return SCC_EXIT_USAGE;
	}
	if ((r = logout_resume(cl)) != SCC_EXIT_OK)
		return r == -1 ? SCC_EXIT_OK : r;
	request_init(&req, cl->conn, "LOGOUT", false);
	if (cmd->all)
		request_arg(&req, "all");
	r = request_call(cl->conn, &req, &rep);
	request_free(&req);
	if (r == -1) {
		client_disconnect(cl);
		return SCC_EXIT_CONN;
	}
	if (rep.status == SCP_OK) {
		r = token_remove(cl->set) == 0 ? SCC_EXIT_OK : SCC_EXIT_REFUSED;
		printf("%s\n", cmd->all ? "logged out everywhere" : "logged out");
		/* The server closes the connection after LOGOUT. */
		client_disconnect(cl);
	} else
		r = client_refused(cl, &rep);
	reply_free(&rep);
	return r;
}

int
cmd_whoami(struct client *cl, const struct cmdline *cmd)
{
	const struct record	*user;
	struct request		 req;
	struct reply		 rep;
	int			 r;

	if (cmd->argc > 1) {
		fprintf(stderr, "usage: scc whoami\n");
		return SCC_EXIT_USAGE;
	}
	if ((r = client_resume(cl)) != SCC_EXIT_OK)
		return r;
	request_init(&req, cl->conn, "WHOAMI", false);
	r = request_call(cl->conn, &req, &rep);
	request_free(&req);
	if (r == -1) {
		client_disconnect(cl);
		return SCC_EXIT_CONN;
	}
	if (rep.status != SCP_OK)
		r = client_refused(cl, &rep);
	else if ((user = reply_record(&rep, "USER")) == NULL) {
		warnx("the server sent no USER record");
		r = SCC_EXIT_REFUSED;
	} else if (output_record(stdout, cl->set->format, user) == -1) {
		warn("standard output");
		r = SCC_EXIT_REFUSED;
	}
	reply_free(&rep);
	return r;
}
