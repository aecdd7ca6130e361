/*
 * scc raw: protocol lines from standard input go to the server as typed
 * (CRLF added); everything the server sends is printed as it arrives.
 * Literals typed in the input are followed, so their octets are never cut
 * into lines, and a synchronising {N} is held back until the server's "+".
 */
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "net.h"
#include "raw.h"
#include "request.h"
#include "scc.h"
#include "token.h"

#define RAW_INPUT_MAX	(1024 * 1024)	/* unsent input before we stop reading */
#define RAW_READ_CHUNK	16384


static void
raw_tap(const char *data, size_t len, void *arg)
{
	struct raw	*raw = arg;

	if (raw != NULL && raw->prompting && !raw->redraw) {
		/* Clear the prompt line; it is drawn again below the output. */
		fputs("\r\033[K", stdout);
		raw->redraw = true;
	}
	if ((fwrite(data, 1, len, stdout) != len || fflush(stdout) == EOF) &&
	    raw != NULL)
		raw->failed = true;
}

static void
tag_push(struct raw *raw, const char *line, size_t len)
{
	const char	 *sp;
	char		**grown;
	size_t		  n;

	sp = memchr(line, ' ', len);
	n = sp != NULL ? (size_t)(sp - line) : len;
	if (n > SCP_TAG_MAX)
		n = 0;
	memcpy(raw->tag, line, n);
	raw->tag[n] = '\0';
	if (n == 0)
		return;
	grown = reallocarray(raw->tags, raw->ntags + 1, sizeof(*grown));
	if (grown == NULL || (grown[raw->ntags] = strdup(raw->tag)) == NULL) {
		if (grown != NULL)
			raw->tags = grown;
		raw->failed = true;
		return;
	}
	raw->tags = grown;
	raw->ntags++;
}

/* Answers come in the order sent, so a completion ends everything before it. */
static void
tag_done(struct raw *raw, const char *tag)
{
	size_t	 i, k;

	for (k = 0; k < raw->ntags; k++)
		if (tag == NULL || strcmp(raw->tags[k], tag) == 0)
			break;
	if (k == raw->ntags)
		return;
	for (i = 0; i <= k; i++)
		free(raw->tags[i]);
	memmove(raw->tags, raw->tags + k + 1,
	    (raw->ntags - k - 1) * sizeof(*raw->tags));
	raw->ntags -= k + 1;
}

bool
raw_literal_at_end(const char *line, size_t len, uint64_t *size, bool *sync)
{
	char		 digits[24];
	const char	*errstr;
	size_t		 end, i;

	if (len < 3 || line[len - 1] != '}')
		return false;
	end = len - 1;
	*sync = line[end - 1] != '+';
	if (!*sync)
		end--;
	for (i = end; i > 0 && isdigit((unsigned char)line[i - 1]); i--)
		;
	if (i == 0 || i == end || line[i - 1] != '{' ||
	    end - i >= sizeof(digits))
		return false;
	memcpy(digits, line + i, end - i);
	digits[end - i] = '\0';
	*size = strtonum(digits, 0, INT64_MAX, &errstr);
	return errstr == NULL;
}

static int
send_line(struct raw *raw, const char *line, size_t len)
{
	bool	 sync;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	/* A blank line is no request; sending it would only earn a BAD. */
	if (len == 0 && !raw->continuing)
		return 0;
	if (!raw->continuing)
		tag_push(raw, line, len);
	if (conn_send(raw->conn, line, len) == -1 ||
	    conn_send(raw->conn, "\r\n", 2) == -1)
		return -1;
	raw->continuing = raw_literal_at_end(line, len, &raw->literal_left, &sync);
	raw->held = raw->continuing && sync;
	return 0;
}

/* Skip a refused literal's octets, then the rest of its line. */
static void
drop_input(struct raw *raw)
{
	const char	*nl;
	size_t		 n;

	if (raw->literal_left > 0) {
		n = raw->in.len < raw->literal_left ? raw->in.len :
		    raw->literal_left;
		scp_buf_consume(&raw->in, n);
		raw->literal_left -= n;
	} else if ((nl = memchr(raw->in.data, '\n', raw->in.len)) == NULL)
		scp_buf_consume(&raw->in, raw->in.len);
	else {
		scp_buf_consume(&raw->in, nl - raw->in.data + 1);
		raw->dropping = false;
		raw->continuing = false;
	}
}

int
raw_pump(struct raw *raw)
{
	const char	*nl;
	size_t		 n;

	while (raw->in.len > 0) {
		if (raw->dropping)
			drop_input(raw);
		else if (raw->literal_left > 0) {
			if (raw->held)
				return 0;
			n = raw->in.len < raw->literal_left ? raw->in.len :
			    raw->literal_left;
			if (conn_send(raw->conn, raw->in.data, n) == -1)
				return -1;
			scp_buf_consume(&raw->in, n);
			raw->literal_left -= n;
		} else if ((nl = memchr(raw->in.data, '\n', raw->in.len)) != NULL) {
			n = nl - raw->in.data;
			if (send_line(raw, raw->in.data, n) == -1)
				return -1;
			scp_buf_consume(&raw->in, n + 1);
		} else if (raw->eof) {
			/* The last line had no newline: it still counts. */
			if (send_line(raw, raw->in.data, raw->in.len) == -1)
				return -1;
			scp_buf_consume(&raw->in, raw->in.len);
		} else
			return 0;
	}
	return 0;
}

static void
on_response(struct raw *raw, const struct scp_response *r)
{
	switch (r->kind) {
	case SCP_R_CONTINUE:
		raw->held = false;
		break;
	case SCP_R_DONE:
		if (raw->held && r->tag != NULL && strcmp(r->tag, raw->tag) == 0) {
			/* Refused before the octets: they must never be sent. */
			raw->held = false;
			raw->dropping = true;
		}
		tag_done(raw, r->tag);
		break;
	case SCP_R_BYE:
		raw->bye = true;
		break;
	case SCP_R_DATA:
		/* "* BAD" answers a request whose tag could not be read. */
		if (r->type != NULL && (strcmp(r->type, "BAD") == 0 ||
		    strcmp(r->type, "NO") == 0))
			tag_done(raw, NULL);
		break;
	}
}

int
raw_drain(struct raw *raw)
{
	const struct scp_response	*r;
	enum conn_status		 st;

	while ((st = conn_next(raw->conn, 0, &r)) == CONN_READY)
		on_response(raw, r);
	if (st == CONN_TIMEOUT)
		return 0;
	if (st == CONN_EOF && !raw->bye)
		warnx("%s: connection closed by the server",
		    conn_host(raw->conn));
	return -1;
}

static int
read_input(struct raw *raw)
{
	char	 chunk[RAW_READ_CHUNK];
	ssize_t	 n;

	n = read(STDIN_FILENO, chunk, sizeof(chunk));
	if (n == -1 && errno == EINTR)
		return 0;
	if (n == -1) {
		warn("standard input");
		return -1;
	}
	if (n == 0)
		raw->eof = true;
	else if (scp_buf_add(&raw->in, chunk, n) == -1) {
		warnx("out of memory");
		return -1;
	}
	return 0;
}

/* How long poll() may sleep: not at all if OpenSSL holds input. */
static int
poll_timeout(struct raw *raw, int64_t deadline)
{
	int64_t	 left;

	if (conn_buffered(raw->conn))
		return 0;
	if (!raw->eof)
		return -1;
	left = deadline - net_now();
	return left < 0 ? 0 : (int)left;
}

/*
 * Input from a pipe or file: poll() both sides until the input ends, then
 * give the server RAW_DRAIN_MS to answer what is still open.
 */
int
raw_loop(struct raw *raw)
{
	struct pollfd	 pfd[2];
	int64_t		 deadline = -1;
	int		 n;

	for (;;) {
		if (raw_pump(raw) == -1 || raw->failed)
			return SCC_EXIT_CONN;
		if (raw->eof && deadline < 0)
			deadline = net_deadline(RAW_DRAIN_MS);
		if (raw->eof && (raw->ntags == 0 || net_now() >= deadline))
			break;
		pfd[0].fd = raw->eof || raw->in.len > RAW_INPUT_MAX ? -1 :
		    STDIN_FILENO;
		pfd[0].events = POLLIN;
		pfd[1].fd = conn_fd(raw->conn);
		pfd[1].events = POLLIN;
		pfd[0].revents = pfd[1].revents = 0;
		n = poll(pfd, 2, poll_timeout(raw, deadline));
		if (n == -1 && errno != EINTR) {
			warn("poll");
			return SCC_EXIT_CONN;
		}
		if (pfd[0].revents != 0 && read_input(raw) == -1)
			return SCC_EXIT_CONN;
		if ((pfd[1].revents != 0 || conn_buffered(raw->conn)) &&
		    raw_drain(raw) == -1)
			return raw->bye ? SCC_EXIT_OK : SCC_EXIT_CONN;
	}
	if (raw->ntags > 0) {
		warnx("no answer to %zu request%s within %d seconds", raw->ntags,
		    raw->ntags == 1 ? "" : "s", RAW_DRAIN_MS / 1000);
		return SCC_EXIT_CONN;
	}
	return SCC_EXIT_OK;
}

/* Carry on the saved session, if there is one; the answer shows as it comes. */
static int
raw_resume(struct conn *conn, const struct settings *set)
{
	struct request	 req;
	struct reply	 rep;
	char		 token[SCP_TOKEN_LEN + 1];
	int		 r;

	if (token_load(set, token) != TOKEN_OK)
		return 0;
	request_init(&req, conn, "RESUME", true);
	request_arg(&req, token);
	explicit_bzero(token, sizeof(token));
	r = request_call(conn, &req, &rep);
	request_free(&req);
	if (r == 0 && rep.status != SCP_OK && reply_code_is(&rep, "EXPIRED")) {
		(void)token_remove(set);
		warnx("session expired; run scc login");
	}
	reply_free(&rep);
	return r;
}

static void
raw_free(struct raw *raw)
{
	size_t	 i;

	for (i = 0; i < raw->ntags; i++)
		free(raw->tags[i]);
	free(raw->tags);
	scp_buf_free(&raw->in);
	raw_tty_close(raw);
}

int
cmd_raw(struct client *cl, const struct cmdline *cmd)
{
	struct raw	 raw;
	int		 r;

	if (cmd->argc > 1) {
		fprintf(stderr, "usage: scc raw < requests\n");
		return SCC_EXIT_USAGE;
	}
	memset(&raw, 0, sizeof(raw));
	raw.tty = isatty(STDIN_FILENO);
	if ((raw.conn = conn_open(cl->set, raw_tap, NULL)) == NULL)
		return SCC_EXIT_CONN;
	if (raw_resume(raw.conn, cl->set) == -1) {
		conn_close(raw.conn);
		return SCC_EXIT_CONN;
	}
	conn_set_tap(raw.conn, raw_tap, &raw);
	r = raw.tty ? raw_tty_loop(&raw) : raw_loop(&raw);
	conn_close(raw.conn);
	raw_free(&raw);
	return r;
}
