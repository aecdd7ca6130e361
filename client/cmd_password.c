/*
 * scc password: choose a new password. A user made with USER ADD must do
 * this first, since the server refuses every work command to a one-time
 * password. Both passwords are asked for before connecting, so no
 * connection idles while someone types, and wiped once sent.
 */
#include <err.h>
#include <stdio.h>
#include <string.h>

#include "conn.h"
#include "prompt.h"
#include "request.h"
#include "scc.h"

#define PASSWORD_MIN	8	/* the server's rule, told before it is asked */

struct passwords {
	char	old[PROMPT_PASSWORD_MAX + 2];
	char	new[PROMPT_PASSWORD_MAX + 2];
	char	again[PROMPT_PASSWORD_MAX + 2];
};

static int
ask(struct passwords *pw)
{
	if (prompt_read("current password: ", false, pw->old,
	    sizeof(pw->old)) == -1 ||
	    prompt_read("new password: ", false, pw->new,
	    sizeof(pw->new)) == -1)
		return -1;
	if (pw->old[0] == '\0' || strlen(pw->old) > PROMPT_PASSWORD_MAX) {
		warnx("a password is 1 to %d octets", PROMPT_PASSWORD_MAX);
		return -1;
	}
	if (strlen(pw->new) < PASSWORD_MIN ||
	    strlen(pw->new) > PROMPT_PASSWORD_MAX) {
		warnx("a new password is %d to %d octets", PASSWORD_MIN,
		    PROMPT_PASSWORD_MAX);
		return -1;
	}
	/* Typed blind, so typed twice; a script gives it once. */
	if (prompt_interactive()) {
		if (prompt_read("new password again: ", false, pw->again,
		    sizeof(pw->again)) == -1)
			return -1;
		if (strcmp(pw->new, pw->again) != 0) {
			warnx("the two new passwords differ; nothing changed");
			return -1;
		}
	}
	return 0;
}

int
cmd_password(struct client *cl, const struct cmdline *cmd)
{
	struct passwords	 pw;
	struct request		 req;
	struct reply		 rep;
	int			 r;

	if (cmd->argc > 1) {
		fprintf(stderr, "usage: scc password\n");
		return SCC_EXIT_USAGE;
	}
	memset(&pw, 0, sizeof(pw));
	if (ask(&pw) == -1) {
		explicit_bzero(&pw, sizeof(pw));
		return SCC_EXIT_USAGE;
	}
	if ((r = client_resume(cl)) != SCC_EXIT_OK) {
		explicit_bzero(&pw, sizeof(pw));
		return r;
	}
	request_init(&req, cl->conn, "PASSWORD", true);
	request_arg(&req, pw.old);
	request_arg(&req, pw.new);
	r = request_call(cl->conn, &req, &rep);
	request_free(&req);
	explicit_bzero(&pw, sizeof(pw));
	if (r == -1) {
		client_disconnect(cl);
		return SCC_EXIT_CONN;
	}
	if (rep.status == SCP_OK) {
		printf("password changed; your other sessions have ended\n");
		r = SCC_EXIT_OK;
	} else
		r = client_refused(cl, &rep);
	reply_free(&rep);
	return r;
}
