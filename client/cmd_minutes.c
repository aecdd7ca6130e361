/*
 * scc minutes edit MEETING: the latest version of the minutes (or nothing,
 * for the first draft) opens in $VISUAL or $EDITOR; what is saved goes back
 * as MINUTES DRAFT naming the version it was made from. If someone drafted
 * in the meantime the server answers CONFLICT, and the file is kept and
 * named, so nothing typed is ever lost.
 */
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "record.h"
#include "request.h"
#include "scc.h"

struct draft {
	char	*text;		/* the latest version's, or "" */
	long long version;	/* 0: no minutes yet */
};

/* The latest version, or none yet (NOTFOUND is the answer for none). */
static int
fetch(struct client *cl, const char *meeting, struct draft *d)
{
	const struct record	*rec;
	const char		*text, *version;
	struct request		 req;
	struct reply		 rep;
	int			 r;

	request_init(&req, cl->conn, "MINUTES SHOW", false);
	request_arg(&req, meeting);
	r = request_call(cl->conn, &req, &rep);
	request_free(&req);
	if (r == -1) {
		client_disconnect(cl);
		return SCC_EXIT_CONN;
	}
	if (rep.status != SCP_OK && reply_code_is(&rep, "NOTFOUND") &&
	    rep.text != NULL && strstr(rep.text, "minutes") != NULL) {
		reply_free(&rep);
		d->version = 0;
		return (d->text = strdup("")) == NULL ? SCC_EXIT_REFUSED :
		    SCC_EXIT_OK;
	}
	if (rep.status != SCP_OK) {
		r = client_refused(cl, &rep);
		reply_free(&rep);
		return r;
	}
	rec = reply_record(&rep, "MINUTES");
	text = rec != NULL ? record_get(rec, "text") : NULL;
	version = rec != NULL ? record_get(rec, "version") : NULL;
	if (text == NULL || version == NULL) {
		warnx("the server sent no MINUTES record");
		reply_free(&rep);
		return SCC_EXIT_REFUSED;
	}
	d->version = strtoll(version, NULL, 10);
	d->text = strdup(text);
	reply_free(&rep);
	return d->text == NULL ? SCC_EXIT_REFUSED : SCC_EXIT_OK;
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t	 w;

	while (n > 0) {
		if ((w = write(fd, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
send_draft(struct client *cl, const char *meeting, const char *text,
    long long version, const char *path)
{
	struct request	 req;
	struct reply	 rep;
	char		 v[24];
	int		 r;

	(void)snprintf(v, sizeof(v), "%lld", version);
	request_init(&req, cl->conn, "MINUTES DRAFT", false);
	request_arg(&req, meeting);
	request_named(&req, "text", text);
	request_named(&req, "version", v);
	r = request_call(cl->conn, &req, &rep);
	request_free(&req);
	if (r == -1) {
		client_disconnect(cl);
		warnx("your text is kept in %s", path);
		return SCC_EXIT_CONN;
	}
	if (rep.status == SCP_OK) {
		printf("minutes of meeting %s: version %lld drafted\n", meeting,
		    version + 1);
		r = SCC_EXIT_OK;
	} else {
		r = client_refused(cl, &rep);
		warnx("your text is kept in %s", path);
	}
	reply_free(&rep);
	return r;
}

int
cmd_minutes_edit(struct client *cl, const struct cmdline *cmd)
{
	struct draft	 d = { NULL, 0 };
	const char	*tmpdir = getenv("TMPDIR");
	char		*path = NULL, *text = NULL;
	int		 fd = -1, r;

	if (cmd->argc != 3 || strspn(cmd->argv[2], "0123456789") !=
	    strlen(cmd->argv[2]) || cmd->argv[2][0] == '\0') {
		fprintf(stderr, "usage: scc minutes edit MEETING\n");
		return SCC_EXIT_USAGE;
	}
	if ((r = client_resume(cl)) != SCC_EXIT_OK)
		return r;
	if ((r = fetch(cl, cmd->argv[2], &d)) != SCC_EXIT_OK)
		return r;
	if (asprintf(&path, "%s/scc-minutes-%s-XXXXXX",
	    tmpdir != NULL && *tmpdir != '\0' ? tmpdir : "/tmp",
	    cmd->argv[2]) == -1 || (fd = mkstemp(path)) == -1 ||
	    write_all(fd, d.text, strlen(d.text)) == -1) {
		warn("a file to edit the minutes in");
		r = SCC_EXIT_REFUSED;
		goto out;
	}
	(void)close(fd);
	fd = -1;
	/* The connection may idle out while a person writes: drop it. */
	client_disconnect(cl);
	if (editor_run(path) == -1 || (text = text_load(path)) == NULL) {
		warnx("your text is kept in %s", path);
		r = SCC_EXIT_REFUSED;
		free(path);
		path = NULL;
		goto out;
	}
	if (strcmp(text, d.text) == 0) {
		printf("no change; nothing sent\n");
		r = SCC_EXIT_OK;
	} else if ((r = client_resume(cl)) == SCC_EXIT_OK)
		r = send_draft(cl, cmd->argv[2], text, d.version, path);
	else
		warnx("your text is kept in %s", path);
	if (r != SCC_EXIT_OK) {
		free(path);
		path = NULL;		/* kept for the person to use */
	}
out:
	if (fd != -1)
		(void)close(fd);
	if (path != NULL) {
		(void)unlink(path);
		free(path);
	}
	free(text);
	free(d.text);
	return r;
}
