/*
 * scc watch: the events missed since the user last watched, then each one
 * as it happens, until interrupted or the session ends. A NOOP now and
 * then keeps the connection from idling out while nothing happens.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conn.h"
#include "output.h"
#include "request.h"
#include "scc.h"

#define WATCH_WAKE_MS		60000
#define WATCH_KEEPALIVE_S	300

static int
watch_start(struct client *cl, bool *first)
{
	struct request	 req;
	struct reply	 rep;
	size_t		 i;
	int		 r;

	request_init(&req, cl->conn, "WATCH", false);
	request_arg(&req, "on");
	r = request_call(cl->conn, &req, &rep);
	request_free(&req);
	if (r == -1) {
		client_disconnect(cl);
		return SCC_EXIT_CONN;
	}
	if (rep.status != SCP_OK) {
		r = client_refused(cl, &rep);
		reply_free(&rep);
		return r;
	}
	for (i = 0; i < rep.nrecords; i++) {
		if (output_stream(stdout, cl->set->format, &rep.records[i],
		    *first) == -1) {
			reply_free(&rep);
			warn("standard output");
			return SCC_EXIT_REFUSED;
		}
		*first = false;
	}
	reply_free(&rep);
	return SCC_EXIT_OK;
}

static int
watch_keepalive(struct client *cl)
{
	char	tag[SCP_TAG_MAX + 1], line[SCP_TAG_MAX + 8];
	int	n;

	conn_tag(cl->conn, tag, sizeof(tag));
	n = snprintf(line, sizeof(line), "%s NOOP\r\n", tag);
	if (n < 0 || (size_t)n >= sizeof(line))
		return -1;
	return conn_send(cl->conn, line, (size_t)n);
}

/* Events until the server closes; answers to our NOOPs pass unseen. */
static int
watch_follow(struct client *cl, bool first)
{
	const struct scp_response	*resp;
	struct record			 rec;
	enum conn_status		 st;
	time_t				 quiet_since = time(NULL);
	char				*why;

	for (;;) {
		st = conn_next(cl->conn, WATCH_WAKE_MS, &resp);
		if (st == CONN_TIMEOUT) {
			if (time(NULL) - quiet_since < WATCH_KEEPALIVE_S)
				continue;
			if (watch_keepalive(cl) == -1)
				return SCC_EXIT_CONN;
			quiet_since = time(NULL);
			continue;
		}
		if (st == CONN_EOF) {
			warnx("%s: connection closed by the server",
			    conn_host(cl->conn));
			return SCC_EXIT_CONN;
		}
		if (st != CONN_READY)
			return SCC_EXIT_CONN;
		if (resp->kind == SCP_R_BYE) {
			why = output_escape(resp->text != NULL ? resp->text : "",
			    256);
			warnx("the server ended the watch: %s",
			    why != NULL ? why : "");
			free(why);
			return resp->code != NULL &&
			    strcmp(resp->code, "EXPIRED") == 0 ?
			    SCC_EXIT_AUTH : SCC_EXIT_CONN;
		}
		if (resp->kind != SCP_R_DATA)
			continue;
		if (record_copy(&rec, resp) == -1) {
			warnx("out of memory");
			return SCC_EXIT_REFUSED;
		}
		if (output_stream(stdout, cl->set->format, &rec, first) == -1) {
			record_free(&rec);
			warn("standard output");
			return SCC_EXIT_REFUSED;
		}
		record_free(&rec);
		first = false;
	}
}

int
cmd_watch(struct client *cl, const struct cmdline *cmd)
{
	bool	first = true;
	int	r;

	if (cmd->argc != 1) {
		fprintf(stderr, "usage: scc watch\n");
		return SCC_EXIT_USAGE;
	}
	if ((r = client_resume(cl)) != SCC_EXIT_OK)
		return r;
	if ((r = watch_start(cl, &first)) != SCC_EXIT_OK)
		return r;
	return watch_follow(cl, first);
}
