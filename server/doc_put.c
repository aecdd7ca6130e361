/*
 * DOC PUT: a document's octets streamed into one transaction.
 *
 * When the literal is announced, the rest of the request before it is
 * checked against the table and a connection of its own (db_pool_once) is
 * taken for BEGIN and api.doc_begin, which decides who may upload what,
 * before "+ OK" (or the refusal) is sent: nothing is read of a document
 * that could not be stored. The octets then arrive as parser chunks,
 * counted and hashed (SHA-256, OpenSSL's) as they pass, and go to the
 * database in pieces of DOC_CHUNK octets, one piece in flight while the
 * next fills.
 * When both are full the connection stops reading until the database has
 * taken one: memory per upload is bounded by two pieces, never the file.
 * When the request line is complete, api.doc_finish checks the size and
 * hash and files the version, and COMMIT makes it visible.
 *
 * Anything that goes wrong before COMMIT (the client goes, the server
 * stops, the database goes away) frees the connection, which rolls the
 * transaction back: no part of a document is ever visible. A failure in
 * the middle is answered once the literal has been read to its end, so
 * the connection stays in step.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/evp.h>

#include "conn.h"
#include "db.h"
#include "dberr.h"
#include "dispatch.h"
#include "doc.h"
#include "log.h"
#include "loop.h"
#include "request.h"
#include "serve.h"

#define DOC_CHUNK	(256 * 1024)

struct doc_upload {
	struct conn			*c;
	struct db_pool			*pin;
	struct request			*req;	/* once the request line is complete */
	int64_t				 id;	/* the version uploading; 0 before */
	int				 seq;	/* pieces sent */
	uint64_t			 received;
	EVP_MD_CTX			*sha;	/* OpenSSL's: 4-5x libsodium's here */
	struct scp_buf			 fill;	/* the piece being filled */
	struct scp_buf			 answer;	/* the DOC record to send */
	bool				 sync;	/* "+ OK" is owed when taken */
	bool				 sending;	/* a piece is on its way */
	bool				 paused;	/* not reading: both pieces full */
	bool				 discard;	/* key= hit: read, drop, answer */
	bool				 closing;
	enum scp_code			 fail;	/* a piece failed: answered at the end */
	char				 fail_text[160];
};

static void
upload_reap(evutil_socket_t fd, short what, void *arg)
{
	struct doc_upload	*u = arg;

	(void)fd;
	(void)what;
	if (u->pin != NULL)
		db_pool_free(u->pin);	/* rolls back what was not committed */
	scp_buf_free(&u->fill);
	scp_buf_free(&u->answer);
	EVP_MD_CTX_free(u->sha);
	conn_release(u->c);
	free(u);
}

/*
 * Let go of the upload. Its connection is freed from an event of its own:
 * this may run inside one of that connection's callbacks, and the
 * callbacks still queued must find the upload there, marked closing.
 */
static void
upload_free(struct doc_upload *u)
{
	struct timeval	now = { 0, 0 };

	u->closing = true;
	if (u->c->upload == u)
		u->c->upload = NULL;
	if (event_base_once(u->c->loop->base, -1, EV_TIMEOUT, upload_reap, u,
	    &now) == -1)
		log_warnx("conn %llu: an upload's connection could not be let "
		    "go", (unsigned long long)u->c->id);
}

static void
upload_ignore(void *arg, enum db_status st, const PGresult *res)
{
	/* BEGIN: if it failed, the statement after it says so. */
	(void)arg;
	(void)st;
	(void)res;
}

void
doc_upload_abort(struct conn *c)
{
	struct doc_upload	*u = c->upload;
	struct request		*req;

	if (u == NULL)
		return;
	req = u->req;
	upload_free(u);
	/* Nothing of it will come back now: the request ends here. */
	if (req != NULL)
		request_end(req);
}

/* Remember the first failure; the answer waits for the literal's end. */
static void
upload_failed(struct doc_upload *u, const PGresult *res, enum db_status st)
{
	struct dberr	e;

	if (u->fail != SCP_CODE_NONE)
		return;
	if (st == DB_UNAVAILABLE) {
		u->fail = SCP_CODE_UNAVAILABLE;
		(void)strlcpy(u->fail_text, "database unavailable; nothing was "
		    "stored", sizeof(u->fail_text));
		return;
	}
	dberr_classify(res, &e);
	u->fail = e.code;
	(void)strlcpy(u->fail_text, e.text, sizeof(u->fail_text));
	if (e.code == SCP_CODE_INTERNAL)
		log_warnx("conn %llu: DOC PUT: %s", (unsigned long long)u->c->id,
		    PQresultErrorMessage(res));
}

static bool
result_ok(enum db_status st, const PGresult *res)
{
	return st == DB_OK && (PQresultStatus(res) == PGRES_TUPLES_OK ||
	    PQresultStatus(res) == PGRES_COMMAND_OK);
}

/* ---- the literal announced ---- */

static void
upload_begun(void *arg, enum db_status st, const PGresult *res)
{
	struct doc_upload	*u = arg;
	struct conn		*c = u->c;
	struct dberr		 e;
	struct scp_buf		*b;
	const char		*rec;

	if (u->closing)
		return;
	if (!result_ok(st, res) || PQntuples(res) != 1) {
		if (st == DB_UNAVAILABLE) {
			e.code = SCP_CODE_UNAVAILABLE;
			e.text = "database unavailable; nothing was stored";
		} else
			dberr_classify(res, &e);
		conn_refuse_literal(c, SCP_NO, e.code == SCP_CODE_INTERNAL ?
		    SCP_CODE_UNAVAILABLE : e.code, e.text);
		upload_free(u);
		conn_resume(c);
		return;
	}
	rec = PQgetvalue(res, 0, 0);
	if (strcmp(rec, "DOC") == 0) {
		/* The key was used: that document is the answer. */
		u->discard = true;
		if (cmd_sql_row(&u->answer, res, 0) == -1)
			u->fail = SCP_CODE_INTERNAL;
	} else
		u->id = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	scp_parser_accept(c->parser, SCP_LIT_STREAM);
	if (u->sync) {
		b = conn_scratch(c);
		if (scp_put_continue(b, "OK") == -1) {
			conn_close(c, "out of memory");
			return;
		}
		conn_send(c, b);
	}
	conn_resume(c);
}

/* The query's text values: the arguments as given, NULL when absent. */
static const char *
arg_value(const struct scp_item **args, size_t i)
{
	return args[i] != NULL ? args[i]->value : NULL;
}

void
doc_upload_announced(struct conn *c, const struct scp_cmd *cmd,
    const struct scp_request *partial, size_t words,
    const struct scp_literal *lit)
{
	struct scp_item		*items;
	struct scp_request	 whole;
	const struct scp_item	*args[REQUEST_ARGS_MAX];
	struct doc_upload	*u;
	const char		*bad = NULL, *vals[8];
	enum scp_code		 code = SCP_CODE_INVALID;
	char			 err[160], size[24];
	int			 lens[8] = { sizeof(c->token_hash) };
	int			 fmts[8] = { 1 };

	/*
	 * The request as it will be once the octets are in, with the
	 * literal standing for them: every other argument is checked now.
	 */
	if ((items = reallocarray(NULL, partial->nitems + 1,
	    sizeof(*items))) == NULL) {
		conn_refuse_literal(c, SCP_NO, SCP_CODE_INTERNAL, "out of memory");
		return;
	}
	memcpy(items, partial->items, partial->nitems * sizeof(*items));
	memset(&items[partial->nitems], 0, sizeof(*items));
	items[partial->nitems].name = (char *)(uintptr_t)(lit->name != NULL ?
	    lit->name : "data");
	items[partial->nitems].len = (size_t)lit->size;
	items[partial->nitems].literal = 1;
	items[partial->nitems].streamed = 1;
	whole.tag = partial->tag;
	whole.nitems = partial->nitems + 1;
	whole.items = items;
	if (lit->name == NULL || strcmp(lit->name, "data") != 0 ||
	    scp_cmd_bind(cmd, &whole, words, args, &bad, &code, err,
	    sizeof(err)) == -1) {
		free(items);
		if (bad == NULL && (lit->name == NULL ||
		    strcmp(lit->name, "data") != 0))
			(void)strlcpy(err, "the document goes in data=, after "
			    "the other arguments", sizeof(err));
		conn_refuse_literal(c, SCP_NO, code, err);
		return;
	}
	if ((u = calloc(1, sizeof(*u))) == NULL) {
		free(items);
		conn_refuse_literal(c, SCP_NO, SCP_CODE_INTERNAL, "out of memory");
		return;
	}
	u->c = c;
	conn_hold(c);
	c->upload = u;
	u->sync = lit->sync;
	if ((u->sha = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(u->sha, EVP_sha256(), NULL) != 1)
		u->fail = SCP_CODE_INTERNAL;
	(void)snprintf(size, sizeof(size), "%" PRIu64, lit->size);
	/* case, name, kind, type, key, item as the table orders them. */
	vals[0] = (const char *)c->token_hash;
	vals[1] = arg_value(args, 0);
	vals[2] = arg_value(args, 1);
	vals[3] = arg_value(args, 2);
	vals[4] = arg_value(args, 3);
	vals[5] = size;
	vals[6] = arg_value(args, 4);
	vals[7] = arg_value(args, 5);
	free(items);
	u->pin = db_pool_once(c->loop->base, &c->loop->srv->dbparams,
	    c->loop->srv->stmts, c->loop->srv->nstmts);
	if (u->pin == NULL ||
	    db_query(u->pin, STMT_BEGIN, 0, NULL, NULL, NULL, upload_ignore,
	    u) == -1 ||
	    db_query(u->pin, STMT_DOC_BEGIN, 8, vals, lens, fmts, upload_begun,
	    u) == -1) {
		upload_free(u);
		conn_refuse_literal(c, SCP_NO, SCP_CODE_INTERNAL, "out of memory");
		return;
	}
	/* Nothing more is read until the database has decided. */
	conn_set_state(c, CONN_BUSY);
}

/* ---- the octets ---- */

static void	upload_send(struct doc_upload *);

static void
upload_sent(void *arg, enum db_status st, const PGresult *res)
{
	struct doc_upload	*u = arg;

	if (u->closing)
		return;
	u->sending = false;
	if (!result_ok(st, res))
		upload_failed(u, res, st);
	if (u->paused) {
		/* The full piece that waited goes now; reading goes on. */
		u->paused = false;
		upload_send(u);
		conn_resume(u->c);
	} else if (u->req != NULL && !u->sending)
		doc_upload_finish(u->c);
}

/* The filled piece to the database; one at a time. */
static void
upload_send(struct doc_upload *u)
{
	char		 id[24], seq[16];
	const char	*vals[3];
	int		 lens[3] = { 0, 0, 0 };
	int		 fmts[3] = { 0, 0, 1 };

	if (u->fail != SCP_CODE_NONE || u->discard) {
		scp_buf_reset(&u->fill);
		return;
	}
	(void)snprintf(id, sizeof(id), "%" PRId64, u->id);
	(void)snprintf(seq, sizeof(seq), "%d", u->seq);
	vals[0] = id;
	vals[1] = seq;
	vals[2] = u->fill.data != NULL ? u->fill.data : "";
	lens[2] = (int)u->fill.len;
	if (db_query(u->pin, STMT_DOC_CHUNK, 3, vals, lens, fmts, upload_sent,
	    u) == -1) {
		u->fail = SCP_CODE_INTERNAL;
		(void)strlcpy(u->fail_text, "out of memory", sizeof(u->fail_text));
	} else {
		u->sending = true;
		u->seq++;
	}
	/* The query holds its own copy. */
	scp_buf_reset(&u->fill);
}

void
doc_upload_chunk(struct conn *c, const char *data, size_t len)
{
	struct doc_upload	*u = c->upload;

	if (u == NULL || len == 0)
		return;
	u->received += len;
	if (u->fail != SCP_CODE_NONE || u->discard)
		return;
	if (EVP_DigestUpdate(u->sha, data, len) != 1) {
		u->fail = SCP_CODE_INTERNAL;
		(void)strlcpy(u->fail_text, "the document could not be hashed",
		    sizeof(u->fail_text));
		return;
	}
	if (scp_buf_add(&u->fill, data, len) == -1) {
		u->fail = SCP_CODE_INTERNAL;
		(void)strlcpy(u->fail_text, "out of memory", sizeof(u->fail_text));
		return;
	}
	if (u->fill.len < DOC_CHUNK)
		return;
	if (!u->sending) {
		upload_send(u);
		return;
	}
	/* Both pieces full: stop reading until the database takes one. */
	u->paused = true;
	conn_set_state(c, CONN_BUSY);
}

/* ---- the request complete: finish, COMMIT, answer ---- */

static void
upload_committed(void *arg, enum db_status st, const PGresult *res)
{
	struct doc_upload	*u = arg;
	struct request		*req = u->req;

	if (u->closing)
		return;
	if (u->fail == SCP_CODE_NONE && (!result_ok(st, res) ||
	    strcmp(PQcmdStatus((PGresult *)(uintptr_t)res), "COMMIT") != 0))
		upload_failed(u, res, st == DB_OK ? DB_UNAVAILABLE : st);
	u->req = NULL;
	if (!request_alive(req)) {
		upload_free(u);
		request_end(req);
		return;
	}
	if (u->fail != SCP_CODE_NONE) {
		upload_free(u);
		request_complete(req, SCP_NO, u->fail, NULL, u->fail_text);
		return;
	}
	conn_send(req->c, &u->answer);
	upload_free(u);
	request_ok(req);
}

static void
upload_finished(void *arg, enum db_status st, const PGresult *res)
{
	struct doc_upload	*u = arg;

	if (u->closing)
		return;
	if (!result_ok(st, res) || PQntuples(res) != 1 ||
	    cmd_sql_row(&u->answer, res, 0) == -1)
		upload_failed(u, res, st);
}

/*
 * Everything is in: the last piece, api.doc_finish with the hash counted
 * here, COMMIT. A key= hit, or a failure on the way, answers at once; the
 * transaction is dropped with the connection.
 */
void
doc_upload_finish(struct conn *c)
{
	struct doc_upload	*u = c->upload;
	struct request		*req = u->req;
	unsigned char		 digest[EVP_MAX_MD_SIZE];
	unsigned int		 dlen = 0;
	char			 id[24];
	const char		*vals[3];
	int			 lens[3] = { sizeof(c->token_hash), 0, 0 };
	int			 fmts[3] = { 1, 0, 1 };

	if (u->sending)
		return;		/* upload_sent comes back here */
	if (u->discard || u->fail != SCP_CODE_NONE) {
		u->req = NULL;
		if (u->fail != SCP_CODE_NONE)
			request_complete(req, SCP_NO, u->fail, NULL,
			    u->fail_text);
		else {
			conn_send(c, &u->answer);
			request_complete(req, SCP_OK, SCP_CODE_NONE, NULL,
			    "already stored");
		}
		upload_free(u);
		return;
	}
	if (u->fill.len > 0) {
		/* The last piece; upload_sent comes back here, or now if it failed. */
		upload_send(u);
		doc_upload_finish(c);
		return;
	}
	if (EVP_DigestFinal_ex(u->sha, digest, &dlen) != 1 || dlen != 32) {
		u->req = NULL;
		upload_free(u);
		request_internal(req, "the document could not be hashed");
		return;
	}
	(void)snprintf(id, sizeof(id), "%" PRId64, u->id);
	vals[0] = (const char *)c->token_hash;
	vals[1] = id;
	vals[2] = (const char *)digest;
	lens[2] = (int)dlen;
	if (db_query(u->pin, STMT_DOC_FINISH, 3, vals, lens, fmts,
	    upload_finished, u) == -1 ||
	    db_query(u->pin, STMT_COMMIT, 0, NULL, NULL, NULL,
	    upload_committed, u) == -1) {
		u->fail = SCP_CODE_INTERNAL;
		(void)strlcpy(u->fail_text, "out of memory", sizeof(u->fail_text));
		u->req = NULL;
		upload_free(u);
		request_internal(req, "out of memory");
	}
}

void
cmd_doc_put(struct request *req)
{
	struct conn	*c = req->c;

	size_t		 i;

	if (c->upload == NULL) {
		/* The literal never reached doc_upload_announced (a quoted data=). */
		request_complete(req, SCP_NO, SCP_CODE_INVALID, "data",
		    "data: the document must be sent as a literal");
		return;
	}
	c->upload->req = req;
	/*
	 * The arguments were decided when the literal was announced: one
	 * that came after it would be silently ignored, so it is refused.
	 */
	for (i = 0; i + 1 < req->cmd->nargs; i++)
		if (req->args[i] != NULL &&
		    req->args[i] > req->args[req->cmd->nargs - 1]) {
			c->upload->fail = SCP_CODE_INVALID;
			(void)snprintf(c->upload->fail_text,
			    sizeof(c->upload->fail_text), "%s: must come before "
			    "data=", req->cmd->args[i].name);
			break;
		}
	doc_upload_finish(c);
}
