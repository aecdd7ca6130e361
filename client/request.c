/*
 * Building a request, sending it (pausing at synchronising literals), and
 * collecting its answer.
 */
#include <err.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conn.h"
#include "output.h"
#include "request.h"

/*
 * A request carrying a password gets its room up front, so growing the
 * buffer never leaves a copy in freed memory that we cannot wipe.
 */
#define SECRET_RESERVE	8192

enum await_result {
	AWAIT_FAILED = -1,
	AWAIT_DONE,		/* the tagged completion arrived */
	AWAIT_CONTINUE		/* "+": send the literal's octets */
};

void
request_init(struct request *req, struct conn *c, const char *command,
    bool secret)
{
	memset(req, 0, sizeof(*req));
	req->secret = secret;
	conn_tag(c, req->tag, sizeof(req->tag));
	if (secret) {
		if ((req->buf.data = calloc(1, SECRET_RESERVE)) == NULL) {
			req->failed = true;
			return;
		}
		req->buf.cap = SECRET_RESERVE;
	}
	if (scp_buf_printf(&req->buf, "%s %s", req->tag, command) == -1)
		req->failed = true;
}

static void
add_pause(struct request *req)
{
	size_t	*grown;

	grown = reallocarray(req->pauses, req->npauses + 1, sizeof(*grown));
	if (grown == NULL) {
		req->failed = true;
		return;
	}
	req->pauses = grown;
	req->pauses[req->npauses++] = req->buf.len;
}

/*
 * scp_put_value() chose a literal. We announce it ourselves: small ones as
 * {N+} so they go at once, large ones as {N} so the server can refuse them
 * before we send megabytes.
 */
static void
put_literal(struct request *req, const char *value, size_t len)
{
	int	 r;

	if (len <= SCP_NONSYNC_MAX)
		r = scp_buf_printf(&req->buf, "{%zu+}\r\n", len);
	else {
		r = scp_buf_printf(&req->buf, "{%zu}\r\n", len);
		if (r == 0)
			add_pause(req);
	}
	if (r == -1 || scp_buf_add(&req->buf, value, len) == -1)
		req->failed = true;
}

static void
put_value(struct request *req, const char *name, const char *value, size_t len)
{
	size_t	 mark;

	if (req->failed)
		return;
	if (scp_buf_addstr(&req->buf, " ") == -1 || (name != NULL &&
	    scp_buf_printf(&req->buf, "%s=", name) == -1)) {
		req->failed = true;
		return;
	}
	mark = req->buf.len;
	if (scp_put_value(&req->buf, value, len) == -1) {
		req->failed = true;
		return;
	}
	if (req->buf.len > mark && req->buf.data[mark] == '{') {
		explicit_bzero(req->buf.data + mark, req->buf.len - mark);
		req->buf.len = mark;
		put_literal(req, value, len);
	}
}

void
request_arg_len(struct request *req, const char *value, size_t len)
{
	put_value(req, NULL, value, len);
}

void
request_arg(struct request *req, const char *value)
{
	put_value(req, NULL, value, strlen(value));
}

void
request_named(struct request *req, const char *name, const char *value)
{
	put_value(req, name, value, strlen(value));
}

void
request_free(struct request *req)
{
	if (req->secret && req->buf.data != NULL)
		explicit_bzero(req->buf.data, req->buf.cap);
	scp_buf_free(&req->buf);
	free(req->pauses);
	memset(req, 0, sizeof(*req));
}

static char *
dup_or_null(const char *s, bool *failed)
{
	char	*copy;

	if (s == NULL)
		return NULL;
	if ((copy = strdup(s)) == NULL)
		*failed = true;
	return copy;
}

static int
keep_record(struct reply *rep, const struct scp_response *resp)
{
	struct record	*grown;

	grown = reallocarray(rep->records, rep->nrecords + 1, sizeof(*grown));
	if (grown == NULL)
		return -1;
	rep->records = grown;
	if (record_copy(&rep->records[rep->nrecords], resp) == -1)
		return -1;
	rep->nrecords++;
	return 0;
}

static int
keep_completion(struct reply *rep, const struct scp_response *resp)
{
	bool	 failed = false;

	rep->status = resp->status;
	rep->code = dup_or_null(resp->code, &failed);
	rep->code_args = dup_or_null(resp->code_args, &failed);
	rep->text = dup_or_null(resp->text, &failed);
	return failed ? -1 : 0;
}

static void
report_lost(struct conn *c, enum conn_status st, const struct reply *rep)
{
	char	*safe;

	if (st == CONN_TIMEOUT)
		warnx("%s: no answer from the server in time", conn_host(c));
	else if (st == CONN_EOF && rep->bye != NULL &&
	    (safe = output_escape(rep->bye, 512)) != NULL) {
		warnx("%s: connection closed by the server: %s", conn_host(c),
		    safe);
		free(safe);
	} else if (st == CONN_EOF)
		warnx("%s: connection closed by the server", conn_host(c));
}

/* Read until the completion of tag (or, when asked, a "+"). */
static enum await_result
await(struct conn *c, const char *tag, struct reply *rep, bool want_continue)
{
	const struct scp_response	*resp;
	enum conn_status		 st;
	int				 r = 0;

	for (;;) {
		st = conn_next(c, CONN_IO_TIMEOUT_MS, &resp);
		if (st != CONN_READY) {
			report_lost(c, st, rep);
			return AWAIT_FAILED;
		}
		switch (resp->kind) {
		case SCP_R_CONTINUE:
			if (want_continue)
				return AWAIT_CONTINUE;
			break;
		case SCP_R_DONE:
			if (resp->tag == NULL || strcmp(resp->tag, tag) != 0)
				break;
			if (keep_completion(rep, resp) == -1)
				r = -1;
			else
				return AWAIT_DONE;
			break;
		case SCP_R_BYE:
			free(rep->bye);
			rep->bye = strdup(resp->text != NULL ? resp->text : "");
			break;
		case SCP_R_DATA:
			r = keep_record(rep, resp);
			break;
		}
		if (r == -1) {
			warnx("out of memory");
			return AWAIT_FAILED;
		}
	}
}

/* The request's line end, once; -1 when building it ran out of memory. */
static int
request_finish(struct request *req)
{
	if (req->failed || scp_buf_addstr(&req->buf, "\r\n") == -1) {
		warnx("out of memory");
		return -1;
	}
	return 0;
}

int
request_call(struct conn *c, struct request *req, struct reply *rep)
{
	enum await_result	 r;
	size_t			 start = 0, end, i;

	memset(rep, 0, sizeof(*rep));
	if (request_finish(req) == -1)
		return -1;
	for (i = 0; i <= req->npauses; i++) {
		end = i < req->npauses ? req->pauses[i] : req->buf.len;
		if (conn_send(c, req->buf.data + start, end - start) == -1)
			return -1;
		start = end;
		if (i == req->npauses)
			break;
		/* A refusal here means the octets must not be sent at all. */
		if ((r = await(c, req->tag, rep, true)) != AWAIT_CONTINUE)
			return r == AWAIT_DONE ? 0 : -1;
	}
	return await(c, req->tag, rep, false) == AWAIT_DONE ? 0 : -1;
}

int
request_literal_start(struct conn *c, struct request *req, const char *name,
    uint64_t size, struct reply *rep)
{
	size_t			 start = 0, end, i;
	enum await_result	 r;

	memset(rep, 0, sizeof(*rep));
	if (req->failed || scp_buf_printf(&req->buf, " %s={%llu}\r\n", name,
	    (unsigned long long)size) == -1) {
		warnx("out of memory");
		return -1;
	}
	/* Any literal of the arguments before it waits for its "+" too. */
	for (i = 0; i <= req->npauses; i++) {
		end = i < req->npauses ? req->pauses[i] : req->buf.len;
		if (conn_send(c, req->buf.data + start, end - start) == -1)
			return -1;
		start = end;
		if ((r = await(c, req->tag, rep, true)) != AWAIT_CONTINUE)
			return r == AWAIT_DONE ? 1 : -1;
	}
	return 0;
}

int
request_literal_finish(struct conn *c, const struct request *req,
    struct reply *rep)
{
	return await(c, req->tag, rep, false) == AWAIT_DONE ? 0 : -1;
}

int
request_send(struct conn *c, struct request *req)
{
	if (req->npauses > 0) {
		warnx("a value too large to send without waiting");
		return -1;
	}
	if (request_finish(req) == -1)
		return -1;
	return conn_send(c, req->buf.data, req->buf.len);
}

int
request_await(struct conn *c, const char *tag, struct reply *rep)
{
	memset(rep, 0, sizeof(*rep));
	return await(c, tag, rep, false) == AWAIT_DONE ? 0 : -1;
}

void
reply_free(struct reply *rep)
{
	size_t	 i;

	for (i = 0; i < rep->nrecords; i++)
		record_free(&rep->records[i]);
	free(rep->records);
	free(rep->code);
	free(rep->code_args);
	free(rep->text);
	free(rep->bye);
	memset(rep, 0, sizeof(*rep));
}

const struct record *
reply_record(const struct reply *rep, const char *type)
{
	size_t	 i;

	for (i = 0; i < rep->nrecords; i++)
		if (strcasecmp(rep->records[i].type, type) == 0)
			return &rep->records[i];
	return NULL;
}

bool
reply_code_is(const struct reply *rep, const char *code)
{
	return rep->code != NULL && strcasecmp(rep->code, code) == 0;
}
