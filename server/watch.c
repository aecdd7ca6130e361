/*
 * Pushing events to watching connections: the table of watchers of one
 * loop, the read of a watcher's new events, and when they may be sent.
 */
#include <sys/queue.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "config.h"
#include "conn.h"
#include "db.h"
#include "dberr.h"
#include "dispatch.h"
#include "log.h"
#include "loop.h"
#include "watch.h"

#define WATCH_BUCKETS	1024	/* a power of two */

LIST_HEAD(watch_bucket, conn);

static struct watch_bucket *
bucket_of(struct loop *loop, int64_t user)
{
	return &loop->watchers[(uint64_t)user & (WATCH_BUCKETS - 1)];
}

int
watch_table_new(struct loop *loop)
{
	size_t	i;

	loop->watchers = reallocarray(NULL, WATCH_BUCKETS,
	    sizeof(*loop->watchers));
	if (loop->watchers == NULL)
		return -1;
	for (i = 0; i < WATCH_BUCKETS; i++)
		LIST_INIT(&loop->watchers[i]);
	return 0;
}

void
watch_table_free(struct loop *loop)
{
	free(loop->watchers);
	loop->watchers = NULL;
}

bool
watch_on(const struct conn *c)
{
	return c->watch.user != 0;
}

void
watch_start(struct conn *c, int64_t user, int64_t last)
{
	if (watch_on(c))
		watch_stop(c);
	c->watch.user = user;
	c->watch.last = c->watch.held_upto = c->watch.sent = last;
	c->watch.seen = last;
	/*
	 * Events committed after the first read but announced before this
	 * connection was in the table would otherwise wait for the next one.
	 */
	c->watch.again = true;
	LIST_INSERT_HEAD(bucket_of(c->loop, user), c, watch.entry);
}

void
watch_stop(struct conn *c)
{
	if (!watch_on(c))
		return;
	LIST_REMOVE(c, watch.entry);
	c->watch.user = 0;
	c->watch.again = false;
	scp_buf_free(&c->watch.held);
}

int
watch_put_events(struct scp_buf *b, const PGresult *res, int64_t skip,
    int64_t *last, bool *more, int64_t *user)
{
	const char	*end;
	int		 row, nrows = PQntuples(res);

	if (nrows < 1 || PQnfields(res) != 10 ||
	    !PQgetisnull(res, nrows - 1, 0))
		return -1;
	for (row = 0; row < nrows - 1; row++) {
		if (strtoll(PQgetvalue(res, row, 1), NULL, 10) <= skip)
			continue;
		if (cmd_sql_row(b, res, row) == -1)
			return -1;
	}
	*last = strtoll(PQgetvalue(res, nrows - 1, 1), NULL, 10);
	end = PQgetvalue(res, nrows - 1, 2);
	*more = strcmp(end, "more") == 0;
	*user = strtoll(PQgetvalue(res, nrows - 1, 9), NULL, 10);
	return 0;
}

static void	watch_mark(struct conn *);

static void
watch_marked(void *arg, enum db_status st, const PGresult *res)
{
	struct conn	*c = arg;

	c->watch.marking = false;
	if (st == DB_OK && PQresultStatus(res) == PGRES_TUPLES_OK &&
	    c->watch.marking_upto > c->watch.seen)
		c->watch.seen = c->watch.marking_upto;
	/* Written meanwhile: move it again. A failure waits for the next. */
	if (st == DB_OK && PQresultStatus(res) == PGRES_TUPLES_OK &&
	    conn_alive(c) && watch_on(c))
		watch_mark(c);
	conn_release(c);
}

/*
 * Move the user's cursor past what this connection has written. One move
 * in flight at a time; writes meanwhile are covered by the next.
 */
static void
watch_mark(struct conn *c)
{
	char		 upto[24];
	const char	*vals[2];
	int		 lens[2] = { sizeof(c->token_hash), 0 };
	int		 fmts[2] = { 1, 0 };

	if (c->watch.marking || c->watch.sent <= c->watch.seen ||
	    !c->authed)
		return;
	(void)snprintf(upto, sizeof(upto), "%" PRId64, c->watch.sent);
	vals[0] = (const char *)c->token_hash;
	vals[1] = upto;
	c->watch.marking = true;
	c->watch.marking_upto = c->watch.sent;
	conn_hold(c);
	if (db_query(c->loop->db, STMT_EVENTS_SEEN, 2, vals, lens, fmts,
	    watch_marked, c) == -1) {
		c->watch.marking = false;
		conn_release(c);
	}
}

/*
 * What was read goes out now, and the cursor follows; a reader too slow
 * is cut.
 */
static void
watch_send_held(struct conn *c)
{
	size_t	queued;

	if (c->watch.held.len == 0) {
		/* Nothing to write, but events passed over are behind us. */
		c->watch.sent = c->watch.held_upto;
		watch_mark(c);
		return;
	}
	queued = evbuffer_get_length(c->out);
	if (queued > (size_t)c->loop->cfg->watch_backlog) {
		log_info("conn %llu: %zu octets unsent with events due; dropped",
		    (unsigned long long)c->id, queued);
		scp_buf_reset(&c->watch.held);
		conn_close(c, "not reading its events");
		return;
	}
	conn_send(c, &c->watch.held);
	c->watch.sent = c->watch.held_upto;
	watch_mark(c);
	conn_flush(c);
}

static void	watch_fetch(struct conn *);

static void
watch_fetched(void *arg, enum db_status st, const PGresult *res)
{
	struct conn	*c = arg;
	struct dberr	 e;
	int64_t		 last, user;
	bool		 more;

	c->watch.fetching = false;
	if (!conn_alive(c) || !watch_on(c))
		goto out;
	if (st == DB_UNAVAILABLE) {
		/* Read again at the next wake; the listener wakes all on return. */
		c->watch.again = true;
		goto out;
	}
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		dberr_classify(res, &e);
		watch_stop(c);
		if (e.code == SCP_CODE_EXPIRED || e.code == SCP_CODE_FORBIDDEN) {
			/* The session ended under the watch. */
			conn_forget_session(c);
			if (conn_reading(c))
				conn_bye(c, SCP_CODE_EXPIRED, "session ended");
			else
				c->session_ended = true;
		} else
			log_warnx("conn %llu: reading events failed: %s",
			    (unsigned long long)c->id, PQresultErrorMessage(res));
		goto out;
	}
	/* Any sent already (a WATCH on read them meanwhile) are left out. */
	if (watch_put_events(&c->watch.held, res, c->watch.last, &last, &more,
	    &user) == -1 || user != c->watch.user) {
		log_warnx("conn %llu: events could not be composed",
		    (unsigned long long)c->id);
		scp_buf_reset(&c->watch.held);
		c->watch.again = true;
		goto out;
	}
	if (last > c->watch.last)
		c->watch.last = last;
	c->watch.held_upto = c->watch.last;
	if (more)
		c->watch.again = true;
	if (conn_reading(c))
		watch_between(c);
out:
	conn_release(c);
}

int
watch_query(struct conn *c, int64_t after, bool advance, db_cb cb, void *arg)
{
	char		 from[24], limit[16];
	const char	*vals[4];
	int		 lens[4] = { sizeof(c->token_hash), 0, 0, 0 };
	int		 fmts[4] = { 1, 0, 0, 0 };

	(void)snprintf(from, sizeof(from), "%" PRId64, after);
	(void)snprintf(limit, sizeof(limit), "%d", WATCH_PAGE);
	vals[0] = (const char *)c->token_hash;
	vals[1] = after < 0 ? NULL : from;
	vals[2] = limit;
	vals[3] = advance ? "t" : "f";
	return db_query(c->loop->db, STMT_EVENTS_AFTER, 4, vals, lens, fmts,
	    cb, arg);
}

static void
watch_fetch(struct conn *c)
{
	if (c->watch.fetching || !c->authed) {
		c->watch.again = c->authed;
		return;
	}
	c->watch.again = false;
	c->watch.fetching = true;
	conn_hold(c);
	/* The cursor moves once they are written (watch_mark). */
	if (watch_query(c, c->watch.last, false, watch_fetched, c) == -1) {
		c->watch.fetching = false;
		c->watch.again = true;
		conn_release(c);
	}
}

void
watch_between(struct conn *c)
{
	if (!watch_on(c) || !conn_reading(c))
		return;
	watch_send_held(c);
	/* One page at a time: the next read waits until this one is out. */
	if (conn_alive(c) && watch_on(c) && c->watch.again &&
	    c->watch.held.len == 0)
		watch_fetch(c);
}

void
watch_wake(struct loop *loop, int64_t user, int64_t id)
{
	struct conn	*c, *next;

	LIST_FOREACH_SAFE(c, bucket_of(loop, user), watch.entry, next) {
		if (c->watch.user != user || id <= c->watch.last)
			continue;
		c->watch.again = true;
		conn_hold(c);
		watch_between(c);
		conn_release(c);
	}
}

void
watch_wake_all(struct loop *loop)
{
	struct conn	*c, *next;
	size_t		 i;

	for (i = 0; i < WATCH_BUCKETS; i++)
		LIST_FOREACH_SAFE(c, &loop->watchers[i], watch.entry, next) {
			c->watch.again = true;
			conn_hold(c);
			watch_between(c);
			conn_release(c);
		}
}
