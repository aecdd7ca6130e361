/*
 * DOC GET: the DOC record, its octets as a literal (data={N}), read from
 * the database one stored piece at a time as the client takes them. More
 * is asked for only while the connection's unsent output is under
 * DOC_LOW_WATER, so a slow reader never makes the server hold the file.
 * Two pieces are read at once to hide a round trip; they may come back
 * in either order (the pool has several connections), so one that comes
 * early waits in held. Pieces come as binary results: the octets
 * themselves, not hex to decode. Each is read with the caller's session
 * and checked as the first was; a stored version never changes, so the
 * pieces need no transaction of their own.
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
#define DOC_READS	2	/* pieces on their way at once */

struct doc_download {
	struct request	*req;
	int64_t		 id;
	int		 pieces;	/* stored pieces */
	int		 next;		/* the next to ask for */
	int		 want;		/* the next to write */
	int		 reading;	/* pieces on their way */
	uint64_t	 size, sent;
	struct scp_buf	 held;		/* a piece that came before its turn */
	int		 held_seq;	/* which, or -1 */
	bool		 failed;	/* the connection is being closed */
};

/* What one read of a piece needs to find its place. */
struct piece_read {
	struct request	*req;
	int		 seq;
};

static void
download_end(struct conn *c)
{
	if (c->download == NULL)
		return;
	scp_buf_free(&c->download->held);
	free(c->download);
	c->download = NULL;
}

static void	download_more(struct conn *);

/*
 * The literal has begun: a failure now cannot be told in the answer, so
 * the connection is closed and the client sees a literal cut short. The
 * request ends when no read is on its way any more: at once (closing
 * calls doc_download_abort, which frees the download) or with the last
 * read to come back.
 */
static void
download_fail(struct conn *c, const char *why)
{
	struct doc_download	*d = c->download;

	log_warnx("conn %llu: DOC GET %" PRId64 ": %s",
	    (unsigned long long)c->id, d->id, why);
	d->failed = true;
	conn_close(c, "document could not be read");
}

static int
download_write(struct conn *c, const char *bytes, size_t n)
{
	struct doc_download	*d = c->download;

	if (d->sent + n > d->size) {
		download_fail(c, "more octets stored than its size");
		return -1;
	}
	if (evbuffer_add(c->out, bytes, n) == -1) {
		download_fail(c, "out of memory");
		return -1;
	}
	d->sent += n;
	d->want++;
	return 0;
}

static void
download_piece(void *arg, enum db_status st, const PGresult *res)
{
	struct piece_read	*pr = arg;
	struct request		*req = pr->req;
	struct conn		*c = req->c;
	struct doc_download	*d = c->download;
	int			 seq = pr->seq;

	free(pr);
	d->reading--;
	if (!request_alive(req) || d->failed) {
		if (d->reading == 0) {
			download_end(c);
			request_end(req);
		}
		return;
	}
	/* After download_fail the download may be gone: nothing touches it. */
	if (st != DB_OK || PQresultStatus(res) != PGRES_TUPLES_OK ||
	    PQntuples(res) != 1 || PQgetisnull(res, 0, 0)) {
		download_fail(c, st == DB_OK ? PQresultErrorMessage(res) :
		    "database unavailable");
		return;
	}
	if (seq != d->want) {
		/* Early: it waits for the one before it. */
		if (scp_buf_add(&d->held, PQgetvalue(res, 0, 0),
		    (size_t)PQgetlength(res, 0, 0)) == -1) {
			download_fail(c, "out of memory");
			return;
		}
		d->held_seq = seq;
	} else {
		if (download_write(c, PQgetvalue(res, 0, 0),
		    (size_t)PQgetlength(res, 0, 0)) == -1)
			return;
		if (d->held_seq == d->want) {
			d->held_seq = -1;
			if (download_write(c, d->held.data, d->held.len) == -1)
				return;
			scp_buf_reset(&d->held);
		}
	}
	/* Writing may ask for the next pieces, or end the request. */
	conn_flush(c);
	if (conn_alive(c))
		download_more(c);
}

/* More pieces while the client keeps up; the end once all are written. */
static void
download_more(struct conn *c)
{
	struct doc_download	*d = c->download;
	struct piece_read	*pr;
	struct request		*req;
	char			 id[24], seq[16];
	const char		*vals[3];
	int			 lens[3] = { sizeof(c->token_hash), 0, 0 };
	int			 fmts[3] = { 1, 0, 0 };

	if (d == NULL || d->failed)
		return;
	req = d->req;
	if (d->want >= d->pieces && d->reading == 0) {
		if (d->sent != d->size) {
			download_fail(c, "fewer octets stored than its size");
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
	while (d->reading < DOC_READS && d->next < d->pieces &&
	    evbuffer_get_length(c->out) < DOC_LOW_WATER) {
		(void)snprintf(id, sizeof(id), "%" PRId64, d->id);
		(void)snprintf(seq, sizeof(seq), "%d", d->next);
		vals[0] = (const char *)c->token_hash;
		vals[1] = id;
		vals[2] = seq;
		if ((pr = malloc(sizeof(*pr))) == NULL) {
			download_fail(c, "out of memory");
			return;
		}
		pr->req = req;
		pr->seq = d->next;
		if (db_query_binary(c->loop->db, STMT_DOC_READ, 3, vals, lens,
		    fmts, download_piece, pr) == -1) {
			free(pr);
			download_fail(c, "out of memory");
			return;
		}
		d->next++;
		d->reading++;
	}
}

void
doc_download_abort(struct conn *c)
{
	struct doc_download	*d = c->download;
	struct request		*req;

	/* With pieces on their way, the last of them ends it. */
	if (d == NULL || d->reading > 0)
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

	if (!request_rows(req, st, res))
		return;
	fsize = PQfnumber(res, "size");
	fchunks = PQfnumber(res, "chunks");
	if (PQntuples(res) != 1 || fsize < 0 || fchunks < 0 ||
	    (d = calloc(1, sizeof(*d))) == NULL) {
		request_internal(req, "the document could not be read");
		return;
	}
	d->req = req;
	d->held_seq = -1;
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
