/*
 * The instance's listener, on the main thread: one database connection of
 * its own (a pool of one, outside the loops' pools) that LISTENs.
 *
 * scc_event carries an event's id. Ids are gathered and routed in batches
 * (api.events_route: whose each one is), and every loop is told which of
 * its users have something new; the loop's watchers then read it as their
 * own session (watch.c). scc_session_end carries the hash of a session
 * token that no longer opens anything; every loop closes the connections
 * holding it.
 *
 * Each (re)connection LISTENs again, and then every watcher reads again:
 * while the connection was down, notifications were lost, but nothing they
 * announced was, since watchers read "after the last one sent".
 *
 * Every events_interval seconds api.events_due raises the events of
 * actions and deadlines that have fallen due. Each instance asks; the
 * database raises each event once.
 */
#include <sys/queue.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "config.h"
#include "conn.h"
#include "db.h"
#include "dispatch.h"
#include "events.h"
#include "log.h"
#include "loop.h"
#include "serve.h"
#include "watch.h"

#define ROUTE_BATCH	1000	/* ids per api.events_route */
#define PENDING_MAX	100000	/* ids waiting; beyond, everyone reads again */
#define RELISTEN_MS	1000

struct events {
	struct server		*srv;
	struct db_pool		*db;
	int64_t			*pending;	/* announced, not yet routed */
	size_t			 npending, cap;
	bool			 overflow;	/* ids were dropped: wake all */
	bool			 routing;	/* a route query is in flight */
	bool			 stopping;
	struct event		*kick;		/* route what is pending */
	struct event		*relisten;	/* LISTEN failed: try again */
	struct event		*sweep;		/* raise due events */
	struct timeval		 interval;
};

/* What one loop is told; shared by all, freed by the last. */
struct route_batch {
	atomic_int		 refs;
	size_t			 n;
	struct {
		int64_t		 user, id;
	}			 e[];
};

struct session_end {
	atomic_int		 refs;
	uint8_t			 hash[32];
};

static void
loop_take_batch(struct loop *loop, void *arg)
{
	struct route_batch	*rb = arg;
	size_t			 i;

	for (i = 0; i < rb->n; i++)
		watch_wake(loop, rb->e[i].user, rb->e[i].id);
	if (atomic_fetch_sub(&rb->refs, 1) == 1)
		free(rb);
}

static void
loop_take_wake_all(struct loop *loop, void *arg)
{
	(void)arg;
	watch_wake_all(loop);
}

static void
loop_take_session_end(struct loop *loop, void *arg)
{
	struct session_end	*se = arg;

	conn_session_ended(loop, se->hash);
	if (atomic_fetch_sub(&se->refs, 1) == 1)
		free(se);
}

/* Post to every loop; refs counts the loops still to run it. */
static void
events_post_all(struct events *ev, void (*fn)(struct loop *, void *),
    void *arg, atomic_int *refs)
{
	int	i;

	if (refs != NULL)
		atomic_store(refs, ev->srv->nloops);
	for (i = 0; i < ev->srv->nloops; i++) {
		if (loop_post(&ev->srv->loops[i], fn, arg) == 0)
			continue;
		log_warnx("events: out of memory telling loop %d", i);
		if (refs != NULL && atomic_fetch_sub(refs, 1) == 1)
			free(arg);
	}
}

static void
events_wake_all(struct events *ev)
{
	if (!ev->stopping)
		events_post_all(ev, loop_take_wake_all, NULL, NULL);
}

static void
events_routed(void *arg, enum db_status st, const PGresult *res)
{
	struct events		*ev = arg;
	struct route_batch	*rb;
	int			 row, nrows;

	ev->routing = false;
	if (ev->stopping)
		return;
	if (st != DB_OK || PQresultStatus(res) != PGRES_TUPLES_OK) {
		if (st == DB_OK)
			log_warnx("events: routing failed: %s",
			    PQresultErrorMessage(res));
		/* Those ids are lost here, not for the watchers. */
		events_wake_all(ev);
		goto next;
	}
	nrows = PQntuples(res);
	if (nrows == 0)
		goto next;
	if ((rb = malloc(sizeof(*rb) + (size_t)nrows * sizeof(rb->e[0]))) == NULL) {
		events_wake_all(ev);
		goto next;
	}
	rb->n = (size_t)nrows;
	for (row = 0; row < nrows; row++) {
		rb->e[row].id = strtoll(PQgetvalue(res, row, 0), NULL, 10);
		rb->e[row].user = strtoll(PQgetvalue(res, row, 1), NULL, 10);
	}
	events_post_all(ev, loop_take_batch, rb, &rb->refs);
next:
	if (ev->npending > 0 || ev->overflow)
		event_active(ev->kick, EV_READ, 0);
}

/* Route the next batch of pending ids, one query at a time. */
static void
events_on_kick(evutil_socket_t fd, short what, void *arg)
{
	struct events	*ev = arg;
	struct scp_buf	 b = { NULL, 0, 0 };
	const char	*vals[1];
	size_t		 i, n;
	int		 fail = 0;

	(void)fd;
	(void)what;
	if (ev->stopping || ev->routing)
		return;
	if (ev->overflow) {
		ev->overflow = false;
		ev->npending = 0;
		events_wake_all(ev);
		return;
	}
	if (ev->npending == 0)
		return;
	n = ev->npending < ROUTE_BATCH ? ev->npending : ROUTE_BATCH;
	fail |= scp_buf_addstr(&b, "{");
	for (i = 0; i < n; i++)
		fail |= scp_buf_printf(&b, i == 0 ? "%" PRId64 : ",%" PRId64,
		    ev->pending[i]);
	fail |= scp_buf_addstr(&b, "}");
	memmove(ev->pending, ev->pending + n,
	    (ev->npending - n) * sizeof(*ev->pending));
	ev->npending -= n;
	vals[0] = b.data;
	if (fail != 0 || db_query(ev->db, STMT_EVENTS_ROUTE, 1, vals, NULL,
	    NULL, events_routed, ev) == -1)
		events_wake_all(ev);
	else
		ev->routing = true;
	scp_buf_free(&b);
	if (!ev->routing && ev->npending > 0)
		event_active(ev->kick, EV_READ, 0);
}

static int
hex_nibble(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

static void
events_session_end(struct events *ev, const char *hex)
{
	struct session_end	*se;
	int			 i, hi, lo;

	if (strlen(hex) != 2 * sizeof(se->hash) ||
	    (se = malloc(sizeof(*se))) == NULL)
		return;
	for (i = 0; i < (int)sizeof(se->hash); i++) {
		if ((hi = hex_nibble(hex[2 * i])) < 0 ||
		    (lo = hex_nibble(hex[2 * i + 1])) < 0) {
			free(se);
			return;
		}
		se->hash[i] = (uint8_t)(hi << 4 | lo);
	}
	events_post_all(ev, loop_take_session_end, se, &se->refs);
}

static void
events_on_notify(void *arg, const char *channel, const char *payload)
{
	struct events	*ev = arg;
	int64_t		*grown;
	char		*end;
	long long	 id;

	if (ev->stopping)
		return;
	if (strcmp(channel, "scc_session_end") == 0) {
		events_session_end(ev, payload);
		return;
	}
	if (strcmp(channel, "scc_event") != 0)
		return;
	id = strtoll(payload, &end, 10);
	if (end == payload || *end != '\0' || id <= 0)
		return;
	if (ev->npending == ev->cap) {
		if (ev->cap >= PENDING_MAX || (grown = reallocarray(ev->pending,
		    ev->cap ? ev->cap * 2 : 256, sizeof(*grown))) == NULL) {
			ev->overflow = true;
			event_active(ev->kick, EV_READ, 0);
			return;
		}
		ev->pending = grown;
		ev->cap = ev->cap ? ev->cap * 2 : 256;
	}
	ev->pending[ev->npending++] = id;
	event_active(ev->kick, EV_READ, 0);
}

static void	events_listen(struct events *);

static void
events_listening(void *arg, enum db_status st, const PGresult *res)
{
	struct events	*ev = arg;
	struct timeval	 tv = { RELISTEN_MS / 1000, (RELISTEN_MS % 1000) * 1000 };

	if (ev->stopping)
		return;
	if (st == DB_UNAVAILABLE)
		return;		/* the next connection listens again */
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		log_warnx("events: LISTEN failed: %s", PQresultErrorMessage(res));
		(void)evtimer_add(ev->relisten, &tv);
		return;
	}
	log_debug("events: listening");
	events_wake_all(ev);
}

static void
events_listen(struct events *ev)
{
	if (db_query(ev->db, STMT_EVENTS_LISTEN, 0, NULL, NULL, NULL,
	    events_listening, ev) == -1)
		log_warnx("events: out of memory");
}

static void
events_on_ready(void *arg)
{
	events_listen(arg);
}

static void
events_on_relisten(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	events_listen(arg);
}

static void
events_swept(void *arg, enum db_status st, const PGresult *res)
{
	(void)arg;
	if (st == DB_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
		log_warnx("events: raising due events failed: %s",
		    PQresultErrorMessage(res));
	else if (st == DB_OK && PQntuples(res) == 1 &&
	    strcmp(PQgetvalue(res, 0, 0), "0") != 0)
		log_info("events: %s due events raised", PQgetvalue(res, 0, 0));
}

static void
events_on_sweep(evutil_socket_t fd, short what, void *arg)
{
	struct events	*ev = arg;

	(void)fd;
	(void)what;
	if (!ev->stopping && db_query(ev->db, STMT_EVENTS_DUE, 0, NULL, NULL,
	    NULL, events_swept, ev) == -1)
		log_warnx("events: out of memory");
}

struct events *
events_start(struct server *srv, struct event_base *base,
    const struct config *cfg)
{
	struct events	*ev;

	if ((ev = calloc(1, sizeof(*ev))) == NULL)
		return NULL;
	ev->srv = srv;
	ev->interval.tv_sec = (time_t)cfg->events_interval;
	if ((ev->kick = event_new(base, -1, 0, events_on_kick, ev)) == NULL ||
	    (ev->relisten = evtimer_new(base, events_on_relisten, ev)) == NULL ||
	    (ev->sweep = event_new(base, -1, EV_PERSIST, events_on_sweep,
	    ev)) == NULL ||
	    (ev->db = db_pool_new(base, &srv->dbparams, 1, srv->stmts,
	    srv->nstmts)) == NULL) {
		events_stop(ev);
		return NULL;
	}
	db_pool_listen(ev->db, events_on_ready, events_on_notify, ev);
	if (evtimer_add(ev->sweep, &ev->interval) == -1) {
		events_stop(ev);
		return NULL;
	}
	/* A first look at once: the instance may have been down a while. */
	event_active(ev->sweep, EV_TIMEOUT, 0);
	return ev;
}

void
events_stop(struct events *ev)
{
	if (ev == NULL)
		return;
	ev->stopping = true;
	if (ev->db != NULL)
		db_pool_free(ev->db);
	if (ev->kick != NULL)
		event_free(ev->kick);
	if (ev->relisten != NULL)
		event_free(ev->relisten);
	if (ev->sweep != NULL)
		event_free(ev->sweep);
	free(ev->pending);
	free(ev);
}
