/*
 * Running a generated command: check the arguments, resume the session,
 * send the request (following a listing's pages when the person asked for
 * no page of their own), print the answer by its records' descriptions.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conn.h"
#include "gen.h"
#include "output.h"
#include "request.h"
#include "scc.h"

#define GEN_ID_MAX	24	/* an id's digits, with room to spare */

void
gen_request(struct request *req, struct conn *c, const struct gen_args *ga,
    const char *limit, const char *after)
{
	const struct scp_cmd	*cmd = ga->cmd;
	const char		*v;
	size_t			 i;
	bool			 secret = false;

	for (i = 0; i < cmd->nargs; i++)
		if (cmd->args[i].type == SCP_T_SECRET && ga->values[i] != NULL)
			secret = true;
	request_init(req, c, cmd->name, secret);
	/* Positional arguments first, as the grammar wants them. */
	for (i = 0; i < cmd->nargs; i++)
		if ((cmd->args[i].flags & SCP_ARG_POSITIONAL) &&
		    ga->values[i] != NULL)
			request_arg(req, ga->values[i]);
	for (i = 0; i < cmd->nargs; i++) {
		if (cmd->args[i].flags & SCP_ARG_POSITIONAL)
			continue;
		v = ga->values[i];
		if (limit != NULL && strcmp(cmd->args[i].name, "limit") == 0)
			v = limit;
		if (after != NULL && strcmp(cmd->args[i].name, "after") == 0)
			v = after;
		if (v != NULL)
			request_named(req, cmd->args[i].name, v);
	}
}

/* Move rep's records to the end of acc's; rep keeps none. */
static int
take_records(struct reply *acc, struct reply *rep)
{
	struct record	*grown;

	if (rep->nrecords == 0)
		return 0;
	grown = reallocarray(acc->records, acc->nrecords + rep->nrecords,
	    sizeof(*grown));
	if (grown == NULL)
		return -1;
	memcpy(grown + acc->nrecords, rep->records,
	    rep->nrecords * sizeof(*grown));
	acc->records = grown;
	acc->nrecords += rep->nrecords;
	free(rep->records);
	rep->records = NULL;
	rep->nrecords = 0;
	return 0;
}

static int
call_once(struct client *cl, const struct gen_args *ga, const char *limit,
    const char *after, struct reply *rep)
{
	struct request	 req;
	int		 r;

	gen_request(&req, cl->conn, ga, limit, after);
	r = request_call(cl->conn, &req, rep);
	request_free(&req);
	if (r == -1) {
		reply_free(rep);
		client_disconnect(cl);
		return SCC_EXIT_CONN;
	}
	if (rep->status != SCP_OK) {
		r = client_refused(cl, rep);
		reply_free(rep);
		return r;
	}
	return SCC_EXIT_OK;
}

/*
 * Every page: after= the last id of the page before, until a page comes
 * back shorter than the limit. A page whose last record has no id, or the
 * same id as before, ends it too rather than asking for it again forever.
 */
static int
call_pages(struct client *cl, const struct gen_args *ga, struct reply *acc)
{
	struct reply	 rep;
	char		 limit[GEN_ID_MAX], after[GEN_ID_MAX] = "";
	const char	*last;
	size_t		 got;
	int		 r;

	snprintf(limit, sizeof(limit), "%d", GEN_PAGE);
	for (;;) {
		r = call_once(cl, ga, limit, after[0] != '\0' ? after : NULL,
		    &rep);
		if (r != SCC_EXIT_OK)
			return r;
		got = rep.nrecords;
		last = got > 0 ? record_get(&rep.records[got - 1], "id") : NULL;
		if (got < GEN_PAGE || last == NULL ||
		    strlen(last) >= sizeof(after) || strcmp(last, after) == 0) {
			r = take_records(acc, &rep);
			reply_free(&rep);
			return r == 0 ? SCC_EXIT_OK : SCC_EXIT_REFUSED;
		}
		(void)strlcpy(after, last, sizeof(after));
		r = take_records(acc, &rep);
		reply_free(&rep);
		if (r == -1) {
			warnx("out of memory");
			return SCC_EXIT_REFUSED;
		}
	}
}

/* USER ADD's SECRET: said once, in words, on standard output. */
static int
print_secrets(const struct reply *rep, const struct gen_args *ga)
{
	const struct record	*user;
	const char		*login = NULL, *pw;
	char			*safe_login, *safe_pw;
	size_t			 i;

	if ((user = reply_record(rep, "USER")) != NULL)
		login = record_get(user, "login");
	for (i = 0; login == NULL && i < ga->cmd->nargs; i++)
		if (strcmp(ga->cmd->args[i].name, "login") == 0)
			login = ga->values[i];
	for (i = 0; i < rep->nrecords; i++) {
		if (strcasecmp(rep->records[i].type, "SECRET") != 0 ||
		    (pw = record_get(&rep->records[i], "password")) == NULL)
			continue;
		safe_login = output_escape(login != NULL ? login : "?", 64);
		safe_pw = output_escape(pw, 1024);
		if (safe_login != NULL && safe_pw != NULL)
			printf("one-time password for %s: %s\n", safe_login,
			    safe_pw);
		if (safe_pw != NULL)
			explicit_bzero(safe_pw, strlen(safe_pw));
		free(safe_login);
		free(safe_pw);
	}
	return fflush(stdout) == EOF ? -1 : 0;
}

/*
 * A table shows the SECRET in words; other formats keep it a record. A
 * listing is its own records (the command's record type); what follows
 * them (SUPPORT LIST's BUDGET) comes after them in a table or TSV, while
 * JSON keeps a listing one array of its own records.
 */
static int
print_answer(struct client *cl, struct reply *rep, const struct gen_args *ga)
{
	enum out_format	 format = cl->set->format;
	const char	*own = ga->cmd->record, *type;
	size_t		 i, kept = 0, owned = 0;
	struct record	*shown;
	bool		 listing = (ga->cmd->flags & SCP_CMD_PAGED) != 0;
	bool		 secrets = false;
	int		 r;

	for (i = 0; i < rep->nrecords; i++)
		if (own == NULL || strcasecmp(rep->records[i].type, own) == 0)
			owned++;
	if (listing && owned == 0) {
		r = output_empty(stdout, format, own);
		if (r == -1 || rep->nrecords == 0 || format == FORMAT_JSON)
			return r;
	}
	if ((shown = calloc(rep->nrecords + 1, sizeof(*shown))) == NULL)
		return -1;
	for (i = 0; i < rep->nrecords; i++) {
		type = rep->records[i].type;
		if (format == FORMAT_TABLE && strcasecmp(type, "SECRET") == 0) {
			secrets = true;
			continue;
		}
		if (format == FORMAT_JSON && listing && own != NULL &&
		    strcasecmp(type, own) != 0)
			continue;
		shown[kept++] = rep->records[i];
	}
	r = output_answer(stdout, format, format == FORMAT_TABLE &&
	    output_colour(stdout), shown, kept, listing);
	free(shown);
	if (r == 0 && secrets)
		r = print_secrets(rep, ga);
	return r;
}

/* A one-time password lives no longer than it must. */
static void
wipe_secrets(struct reply *rep)
{
	struct record	*rec;
	size_t		 i, j;

	for (i = 0; i < rep->nrecords; i++) {
		rec = &rep->records[i];
		if (strcasecmp(rec->type, "SECRET") != 0)
			continue;
		for (j = 0; j < rec->nfields; j++)
			explicit_bzero(rec->fields[j].value, rec->fields[j].len);
	}
}

int
cmd_generated(struct client *cl, const struct cmdline *cmd)
{
	struct gen_match	 m;
	struct gen_args		 ga;
	struct reply		 rep;
	char			 err[GEN_ERR_MAX];
	int			 r;

	if (gen_resolve(cmd->argc, cmd->argv, &m, err, sizeof(err)) == -1) {
		warnx("%s", err);
		return SCC_EXIT_USAGE;
	}
	if (gen_bind(m.cmd, cmd->argc - m.words, cmd->argv + m.words,
	    cmd->opts, cmd->nopts, cmd->user_arg, &ga, err, sizeof(err)) == -1) {
		warnx("%s", err);
		if (m.implied_show)
			warnx("(or \"%s %s\" is no command: try scc help %s)",
			    cmd->argv[0], cmd->argv[1], cmd->argv[0]);
		help_usage_of(stderr, m.cmd);
		return SCC_EXIT_USAGE;
	}
	if ((r = client_resume(cl)) != SCC_EXIT_OK) {
		gen_args_free(&ga);
		return r;
	}
	memset(&rep, 0, sizeof(rep));
	if ((m.cmd->flags & SCP_CMD_PAGED) && !ga.paging)
		r = call_pages(cl, &ga, &rep);
	else
		r = call_once(cl, &ga, NULL, NULL, &rep);
	if (r == SCC_EXIT_OK && print_answer(cl, &rep, &ga) == -1) {
		warn("standard output");
		r = SCC_EXIT_REFUSED;
	}
	wipe_secrets(&rep);
	reply_free(&rep);
	gen_args_free(&ga);
	return r;
}
