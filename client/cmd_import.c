/*
 * scc school import FILE.csv: one SCHOOL ADD per row of a GIAS export,
 * pipelined: up to IMPORT_IN_FLIGHT requests go out before the oldest
 * answer is read, so a register of thousands of schools takes seconds,
 * not a round trip per school.
 */
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "csv.h"
#include "gen.h"
#include "gias.h"
#include "output.h"
#include "request.h"
#include "scc.h"

#define IMPORT_IN_FLIGHT	32	/* the protocol's promise (PROTOCOL.md 2.3) */

/*
 * A row waiting to be reported: a request in flight, or a malformed row
 * held back so that the report follows the file's order.
 */
struct sent {
	char	 tag[SCP_TAG_MAX + 1];	/* "" for a malformed row */
	size_t	 line;
	char	 urn[24];
	char	 why[GEN_ERR_MAX];
};

struct import {
	struct client		*cl;
	const struct scp_cmd	*cmd;		/* SCHOOL ADD */
	struct sent		 sent[IMPORT_IN_FLIGHT];
	size_t			 first, nsent;	/* a ring, oldest first */
	size_t			 added, present, malformed, refused;
	int			 fatal;		/* an exit status that ends it */
};

static void
report(size_t line, const char *what, const char *why)
{
	char	*safe;

	safe = output_escape(why, 512);
	printf("line %zu: %s: %s\n", line, what, safe != NULL ? safe : "?");
	free(safe);
}

/* The oldest row: its answer, or why it was not sent. */
static void
collect(struct import *im)
{
	struct sent	*s = &im->sent[im->first];
	struct reply	 rep;

	im->first = (im->first + 1) % IMPORT_IN_FLIGHT;
	im->nsent--;
	if (s->tag[0] == '\0') {
		im->malformed++;
		report(s->line, "malformed", s->why);
		return;
	}
	if (im->fatal == SCC_EXIT_CONN)
		return;
	if (request_await(im->cl->conn, s->tag, &rep) == -1) {
		client_disconnect(im->cl);
		im->fatal = SCC_EXIT_CONN;
		return;
	}
	if (rep.status == SCP_OK)
		im->added++;
	else if (reply_code_is(&rep, "CONFLICT")) {
		im->present++;
		printf("line %zu: URN %s already present, skipped\n", s->line,
		    s->urn);
	} else if (reply_code_is(&rep, "EXPIRED") ||
	    reply_code_is(&rep, "AUTHREQUIRED") ||
	    reply_code_is(&rep, "FORBIDDEN")) {
		/* Every row would be refused the same way: say it once. */
		im->refused++;
		if (im->fatal == SCC_EXIT_OK)
			im->fatal = client_refused(im->cl, &rep);
	} else {
		im->refused++;
		report(s->line, "refused", rep.text != NULL ? rep.text : "");
	}
	reply_free(&rep);
}

/* The next slot of the ring, once the oldest row has made room. */
static struct sent *
next_slot(struct import *im, size_t line)
{
	struct sent	*s;

	if (im->nsent == IMPORT_IN_FLIGHT)
		collect(im);
	s = &im->sent[(im->first + im->nsent) % IMPORT_IN_FLIGHT];
	memset(s, 0, sizeof(*s));
	s->line = line;
	return s;
}

static void
hold_malformed(struct import *im, size_t line, const char *why)
{
	struct sent	*s = next_slot(im, line);

	(void)strlcpy(s->why, why, sizeof(s->why));
	im->nsent++;
}

static void
send_row(struct import *im, size_t line, const struct gias_school *school)
{
	struct cmdopt	 opts[3] = {
		{ (char *)"urn", school->urn },
		{ (char *)"name", school->name },
		{ (char *)"phase", school->phase },
	};
	struct gen_args	 ga;
	struct request	 req;
	struct sent	*s;
	char		 err[GEN_ERR_MAX];
	int		 r;

	if (gen_bind(im->cmd, 0, NULL, opts, 3, NULL, &ga, err,
	    sizeof(err)) == -1) {
		hold_malformed(im, line, err);
		return;
	}
	s = next_slot(im, line);
	if (im->fatal != SCC_EXIT_OK) {
		gen_args_free(&ga);
		return;
	}
	gen_request(&req, im->cl->conn, &ga, NULL, NULL);
	(void)strlcpy(s->tag, req.tag, sizeof(s->tag));
	(void)strlcpy(s->urn, school->urn, sizeof(s->urn));
	r = request_send(im->cl->conn, &req);
	request_free(&req);
	gen_args_free(&ga);
	if (r == -1) {
		client_disconnect(im->cl);
		im->fatal = SCC_EXIT_CONN;
		return;
	}
	im->nsent++;
}

static void
import_rows(struct import *im, struct csv *csv, const struct gias_cols *gc,
    const char *path)
{
	struct gias_school	 school;
	enum csv_result		 res;
	char			 err[GIAS_ERR_MAX];

	while (im->fatal == SCC_EXIT_OK) {
		res = csv_next(csv);
		if (res == CSV_EOF)
			break;
		if (res == CSV_FAIL) {
			warnx("%s: %s", path, csv->err);
			im->fatal = SCC_EXIT_REFUSED;
			break;
		}
		if (res == CSV_MALFORMED)
			hold_malformed(im, csv->line, csv->err);
		else if (gias_row(gc, csv->fields, csv->nfields, &school, err,
		    sizeof(err)) == -1)
			hold_malformed(im, csv->line, err);
		else
			send_row(im, csv->line, &school);
	}
	while (im->nsent > 0)
		collect(im);
}

/* The header, read before connecting: a file that is not one is a usage error. */
static int
open_export(const char *path, FILE **fpp, struct csv *csv,
    struct gias_cols *gc)
{
	char	 err[GIAS_ERR_MAX * 2];

	if ((*fpp = fopen(path, "r")) == NULL) {
		warn("%s", path);
		return -1;
	}
	csv_init(csv, *fpp);
	if (csv_next(csv) != CSV_RECORD) {
		warnx("%s: no header row", path);
		return -1;
	}
	if (gias_header(csv->fields, csv->nfields, gc, err, sizeof(err)) == -1) {
		warnx("%s: %s", path, err);
		return -1;
	}
	return 0;
}

int
cmd_school_import(struct client *cl, const struct cmdline *cmd)
{
	struct import		 im;
	struct gias_cols	 gc;
	struct csv		 csv;
	FILE			*fp = NULL;
	int			 r;

	if (cmd->argc != 3) {
		fprintf(stderr, "usage: scc school import FILE.csv\n");
		return SCC_EXIT_USAGE;
	}
	memset(&csv, 0, sizeof(csv));
	if (open_export(cmd->argv[2], &fp, &csv, &gc) == -1) {
		csv_free(&csv);
		if (fp != NULL)
			fclose(fp);
		return SCC_EXIT_USAGE;
	}
	memset(&im, 0, sizeof(im));
	im.cl = cl;
	if ((im.cmd = scp_cmd_byname("SCHOOL ADD")) == NULL)
		errx(SCC_EXIT_USAGE, "this build has no SCHOOL ADD");
	if ((r = client_resume(cl)) == SCC_EXIT_OK) {
		import_rows(&im, &csv, &gc, cmd->argv[2]);
		printf("added %zu, already present %zu, malformed %zu%s",
		    im.added, im.present, im.malformed,
		    im.refused > 0 ? "" : "\n");
		if (im.refused > 0)
			printf(", refused %zu\n", im.refused);
		if ((r = im.fatal) == SCC_EXIT_OK &&
		    im.malformed + im.refused > 0)
			r = SCC_EXIT_REFUSED;
	}
	csv_free(&csv);
	fclose(fp);
	if (fflush(stdout) == EOF && r == SCC_EXIT_OK)
		r = SCC_EXIT_REFUSED;
	return r;
}
