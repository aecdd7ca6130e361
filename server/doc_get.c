/*
 * DOC GET: the DOC record, its octets as a literal (data={N}), read from
 * the database one stored piece at a time as the client takes them. A
 * piece is asked for only while the connection's unsent output is under
 * DOC_LOW_WATER, so a slow reader never makes the server hold the file.
 * Each piece is read with the caller's session and checked as the first
 * was; a stored version never changes, so the pieces need no transaction
 * of their own.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "conn.h"
#include "db.h"
#include "dispatch.h"
#include "doc.h"
#include "log.h"
#include "loop.h"
#include "request.h"

#define DOC_LOW_WATER	(512 * 1024)

struct doc_download {
	struct request	*req;
	int64_t		 id;
	int		 pieces;	/* stored pieces */
	int		 next;		/* the next to ask for */
	uint64_t	 size, sent;
	bool		 reading;	/* a piece is on its way */
};

static void
download_end(struct conn *c)
{
	free(c->download);
	c->download = NULL;
}

static void	download_more(struct conn *);

static void
download_piece(void *arg, enum db_status st, const PGresult *res)
{
	struct request		*req = arg;
	struct conn		*c = req->c;
	struct doc_download	*d = c->download;
	unsigned char		*bytes;
	size_t			 n;

	d->reading = false;
	if (!request_alive(req)) {
		download_end(c);
		request_end(req);
		return;
	}
	/*
	 * The record's literal has begun: a failure now cannot be told in
	 * the answer, so the connection is closed, and the client sees a
	 * literal cut short.
	 */
	if (st != DB_OK || PQresultStatus(res) != PGRES_TUPLES_OK ||
	    PQntuples(res) != 1 || (bytes = PQunescapeBytea(
	    (const unsigned char *)PQgetvalue(res, 0, 0), &n)) == NULL) {
		log_warnx("conn %llu: DOC GET %" PRId64 ": piece %d failed: %s",
		    (unsigned long long)c->id, d->id, d->next - 1,
		    st == DB_OK ? PQresultErrorMessage(res) : "unavailable");
		download_end(c);
		conn_close(c, "document could not be read");
		request_end(req);
		return;
	}
	if (d->sent + n > d->size) {
		PQfreemem(bytes);
		log_warnx("conn %llu: DOC GET %" PRId64 ": more octets stored "
		    "than its size", (unsigned long long)c->id, d->id);
		download_end(c);
		conn_close(c, "document could not be read");
		request_end(req);
		return;
	}
	d->sent += n;
	if (evbuffer_add(c->out, bytes, n) == -1) {
		PQfreemem(bytes);
		download_end(c);
		conn_close(c, "out of memory");
		request_end(req);
		return;
	}
	PQfreemem(bytes);
	/* Writing may already have asked for the next piece, or ended it. */
	conn_flush(c);
	if (conn_alive(c))
		download_more(c);
}

/* The next piece if the client has taken enough; else wait for drain. */
static void
download_more(struct conn *c)
{
	struct doc_download	*d = c->download;
	struct request		*req;
	char			 id[24], seq[16];
	const char		*vals[3];
	int			 lens[3] = { sizeof(c->token_hash), 0, 0 };
	int			 fmts[3] = { 1, 0, 0 };

	if (d == NULL || d->reading)
		return;
	req = d->req;
	if (d->next >= d->pieces) {
		if (d->sent != d->size) {
			log_warnx("conn %llu: DOC GET %" PRId64 ": %" PRIu64
			    " of %" PRIu64 " octets stored",
			    (unsigned long long)c->id, d->id, d->sent, d->size);
			download_end(c);
			conn_close(c, "document could not be read");
			request_end(req);
			return;
		}
		download_end(c);
		if (evbuffer_add(c->out, "\r\n", 2) == -1) {
			conn_close(c, "out of memory");
			request_end(req);
			return;
		}
		request_ok(req);
		return;
	}
	if (evbuffer_get_length(c->out) >= DOC_LOW_WATER)
		return;		/* doc_get_drained comes back */
	(void)snprintf(id, sizeof(id), "%" PRId64, d->id);
	(void)snprintf(seq, sizeof(seq), "%d", d->next);
	vals[0] = (const char *)c->token_hash;
	vals[1] = id;
	vals[2] = seq;
	if (db_query(c->loop->db, STMT_DOC_READ, 3, vals, lens, fmts,
	    download_piece, req) == -1) {
		download_end(c);
		conn_close(c, "out of memory");
		request_end(req);
		return;
	}
	d->reading = true;
	d->next++;
}

void
doc_download_abort(struct conn *c)
{
	struct doc_download	*d = c->download;
	struct request		*req;

	/* With a piece on its way, download_piece ends it. */
	if (d == NULL || d->reading)
		return;
	req = d->req;
	download_end(c);
	request_end(req);
}

void
doc_get_drained(struct conn *c)
{
	if (c->download != NULL && conn_alive(c))
		download_more(c);
}

/* The DOC record, then " data={N}" and the line's end: the octets follow. */
static int
download_head(struct scp_buf *b, const PGresult *res, uint64_t size)
{
	int	col, ncols = PQnfields(res);

	if (scp_put_data(b, PQgetvalue(res, 0, 0)) == -1)
		return -1;
	for (col = 1; col < ncols; col++) {
		if (PQgetisnull(res, 0, col) ||
		    strcmp(PQfname(res, col), "chunks") == 0)
			continue;
		if (scp_put_field(b, PQfname(res, col), PQgetvalue(res, 0, col),
		    (size_t)PQgetlength(res, 0, col)) == -1)
			return -1;
	}
	return scp_buf_printf(b, " data={%" PRIu64 "}\r\n", size);
}

static void
download_found(void *arg, enum db_status st, const PGresult *res)
{
	struct request		*req = arg;
	struct conn		*c = req->c;
	struct doc_download	*d;
	struct scp_buf		*b;
	int			 fsize, fchunks;

	if (!request_alive(req)) {
		request_end(req);
		return;
	}
	if (st == DB_UNAVAILABLE) {
		request_unavailable(req);
		return;
	}
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		request_sql_error(req, res);
		return;
	}
	fsize = PQfnumber(res, "size");
	fchunks = PQfnumber(res, "chunks");
	if (PQntuples(res) != 1 || fsize < 0 || fchunks < 0 ||
	    (d = calloc(1, sizeof(*d))) == NULL) {
		request_internal(req, "the document could not be read");
		return;
	}
	d->req = req;
	d->id = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	d->size = strtoull(PQgetvalue(res, 0, fsize), NULL, 10);
	d->pieces = (int)strtol(PQgetvalue(res, 0, fchunks), NULL, 10);
	b = conn_scratch(c);
	if (download_head(b, res, d->size) == -1) {
		free(d);
		scp_buf_reset(b);
		request_internal(req, "out of memory");
		return;
	}
	conn_send(c, b);
	if (!conn_alive(c)) {
		free(d);
		request_end(req);
		return;
	}
	c->download = d;
	download_more(c);
}

void
cmd_doc_get(struct request *req)
{
	struct conn	*c = req->c;
	const char	*vals[2];
	int		 lens[2] = { sizeof(c->token_hash), 0 };
	int		 fmts[2] = { 1, 0 };

	vals[0] = (const char *)c->token_hash;
	vals[1] = req->args[0]->value;
	if (db_query(c->loop->db, STMT_DOC_GET, 2, vals, lens, fmts,
	    download_found, req) == -1)
		request_internal(req, "out of memory");
}
