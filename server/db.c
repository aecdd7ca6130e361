/*
 * Non-blocking libpq on the loop's event base. Every connection runs in
 * pipeline mode: queries are sent as soon as they arrive, each followed by a
 * sync so it is its own transaction, and results come back in order. A lost
 * connection fails what it had in flight with DB_UNAVAILABLE and reconnects
 * with backoff; the server never exits for the database.
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "db.h"
#include "dberr.h"
#include "log.h"
#include "scp.h"

#define INFLIGHT_MAX	128	/* per connection: beyond it, another or wait */
#define PIPELINE_SHARE	16	/* entries (a query and its sync are two) */
#define WAITING_MAX	4096	/* queries parked while connections come up */
#define BACKOFF_MIN_MS	100
#define BACKOFF_MAX_MS	5000

enum dbreq_kind { REQ_PREPARE, REQ_QUERY, REQ_SYNC };

struct dbreq {
	STAILQ_ENTRY(dbreq)	 entry;
	enum dbreq_kind		 kind;
	enum db_status		 status;	/* once done */
	int			 tries;		/* runs after a serialization failure */
	int			 stmt;
	db_cb			 cb;
	void			*arg;
	PGresult		*res;		/* the result handed to cb */
	int			 nparams;
	char			**values;	/* copies, for parking */
	int			*lengths;
	int			*formats;
	int			 result_format;	/* 1: binary (bytea as its octets) */
};
STAILQ_HEAD(dbreq_list, dbreq);

enum dbconn_state { DBC_DOWN, DBC_CONNECTING, DBC_READY };

struct dbconn {
	struct db_pool		*pool;
	int			 index;
	PGconn			*pg;
	enum dbconn_state	 state;
	struct event		*rev, *wev, *retry;
	struct event		*deadline;	/* connecting may not take longer */
	struct event		*stall;		/* nor may the database go silent */
	int			 backoff_ms;
	struct timespec		 attempted;	/* last connect attempt */
	uint8_t			*prepared;	/* one flag per statement */
	struct dbreq_list	 inflight;
	int			 ninflight;
};

struct db_pool {
	struct event_base	*base;
	char			**keys, **vals;	/* for PQconnectStartParams */
	int			 connect_timeout;
	int			 answer_timeout;	/* seconds without a result */
	const struct db_stmt	*stmts;
	int			 nstmts;
	int			 size;
	struct dbconn		*conns;
	struct dbreq_list	 waiting;	/* parked while nothing is ready */
	int			 nwaiting;
	/*
	 * Finished queries wait here for their callbacks, which run from an
	 * event of their own: never inside the call that queued the query or
	 * brought a connection down, where the caller's state is half-made.
	 */
	struct dbreq_list	 done;
	struct event		*deliver;
	bool			 closing;	/* db_pool_free: answer everything now */
	/*
	 * For one transaction (db_pool_once): its connection is never made
	 * again once lost, and no statement is run twice.
	 */
	bool			 once;
	bool			 spent;		/* once: the connection is gone */
	/* LISTEN: told of each connection ready, and of each notification. */
	db_ready_cb		 on_ready;
	db_notify_cb		 on_notify;
	void			*listen_arg;
};

static void	dbconn_start(struct dbconn *);
static void	dbconn_take_waiting(struct dbconn *);
static void	pool_fail_waiting(struct db_pool *);
static void	dbconn_send(struct dbconn *, struct dbreq *);
static void	dbconn_flush(struct dbconn *);
static void	pool_submit(struct db_pool *, struct dbreq *);

static void
dbreq_free(struct dbreq *r)
{
	int	i;

	if (r->res != NULL)
		PQclear(r->res);
	if (r->values != NULL) {
		for (i = 0; i < r->nparams; i++)
			if (r->values[i] != NULL) {
				/* Parameters can hold token hashes. */
				explicit_bzero(r->values[i],
				    r->lengths[i] > 0 ? (size_t)r->lengths[i] : 0);
				free(r->values[i]);
			}
		free(r->values);
	}
	free(r->lengths);
	free(r->formats);
	free(r);
}

/* Queue r's callback for the deliver event; internal requests just go. */
static void
dbreq_deliver(struct db_pool *p, struct dbreq *r, enum db_status st)
{
	if (r->cb == NULL) {
		dbreq_free(r);
		return;
	}
	r->status = st;
	STAILQ_INSERT_TAIL(&p->done, r, entry);
	if (!p->closing)
		event_active(p->deliver, EV_READ, 0);
}

/* Run every finished query's callback; those it queues wait their turn. */
static void
pool_run_done(struct db_pool *p)
{
	struct dbreq_list	 todo;
	struct dbreq		*r;

	STAILQ_INIT(&todo);
	STAILQ_CONCAT(&todo, &p->done);
	while ((r = STAILQ_FIRST(&todo)) != NULL) {
		STAILQ_REMOVE_HEAD(&todo, entry);
		r->cb(r->arg, r->status, r->status == DB_OK ? r->res : NULL);
		dbreq_free(r);
	}
}

static void
pool_on_deliver(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	pool_run_done(arg);
}

/*
 * While queries are in flight, results must keep coming. The server's own
 * statement_timeout cancels a slow statement; this catches what it cannot:
 * a host that vanished, or a link that stalls while the kernel still
 * acknowledges it.
 */
static void
dbconn_arm_stall(struct dbconn *dc)
{
	struct timeval	tv = { dc->pool->answer_timeout, 0 };

	if (dc->ninflight > 0)
		(void)evtimer_add(dc->stall, &tv);
	else
		event_del(dc->stall);
}

static void
dbconn_fail_all(struct dbconn *dc)
{
	struct dbreq	*r;

	while ((r = STAILQ_FIRST(&dc->inflight)) != NULL) {
		STAILQ_REMOVE_HEAD(&dc->inflight, entry);
		dbreq_deliver(dc->pool, r, DB_UNAVAILABLE);
	}
	dc->ninflight = 0;
}

static void
dbconn_down(struct dbconn *dc, const char *why)
{
	struct timeval	tv;

	if (dc->state != DBC_DOWN)
		log_warnx("database connection %d lost: %s", dc->index, why);
	if (dc->rev != NULL)
		event_del(dc->rev);
	if (dc->wev != NULL)
		event_del(dc->wev);
	event_del(dc->deadline);
	event_del(dc->stall);
	if (dc->pg != NULL)
		PQfinish(dc->pg);
	dc->pg = NULL;
	dc->state = DBC_DOWN;
	memset(dc->prepared, 0, (size_t)dc->pool->nstmts);
	dbconn_fail_all(dc);
	if (dc->pool->once) {
		/* What comes after a lost transaction must not run outside it. */
		dc->pool->spent = true;
		pool_fail_waiting(dc->pool);
		return;
	}
	pool_fail_waiting(dc->pool);
	tv.tv_sec = dc->backoff_ms / 1000;
	tv.tv_usec = (dc->backoff_ms % 1000) * 1000;
	dc->backoff_ms = dc->backoff_ms * 2 > BACKOFF_MAX_MS ?
	    BACKOFF_MAX_MS : dc->backoff_ms * 2;
	(void)evtimer_add(dc->retry, &tv);
}

/* No ready connection will come: everything parked is answered now. */
static void
pool_fail_waiting(struct db_pool *p)
{
	struct dbreq	*r;
	int		 i;

	for (i = 0; i < p->size; i++)
		if (p->conns[i].state != DBC_DOWN)
			return;
	while ((r = STAILQ_FIRST(&p->waiting)) != NULL) {
		STAILQ_REMOVE_HEAD(&p->waiting, entry);
		p->nwaiting--;
		dbreq_deliver(p, r, DB_UNAVAILABLE);
	}
}

static void
dbconn_ready(struct dbconn *dc)
{

	if (PQenterPipelineMode(dc->pg) != 1) {
		dbconn_down(dc, PQerrorMessage(dc->pg));
		return;
	}
	event_del(dc->deadline);
	dc->state = DBC_READY;
	dc->backoff_ms = BACKOFF_MIN_MS;
	/* An upload's own connection is too ordinary to log. */
	if (dc->pool->once)
		log_debug("database connection for one transaction ready");
	else
		log_info("database connection %d ready", dc->index);
	dbconn_take_waiting(dc);
	if (dc->pool->on_ready != NULL && dc->state == DBC_READY)
		dc->pool->on_ready(dc->pool->listen_arg);
}

/* Hand on what LISTEN brought; notifications arrive between results. */
static void
dbconn_notifies(struct dbconn *dc)
{
	struct db_pool	*p = dc->pool;
	PGnotify	*n;

	while ((n = PQnotifies(dc->pg)) != NULL) {
		if (p->on_notify != NULL)
			p->on_notify(p->listen_arg, n->relname, n->extra);
		PQfreemem(n);
	}
}

static void
dbconn_poll(struct dbconn *dc)
{
	switch (PQconnectPoll(dc->pg)) {
	case PGRES_POLLING_READING:
		event_del(dc->wev);
		(void)event_add(dc->rev, NULL);
		break;
	case PGRES_POLLING_WRITING:
		event_del(dc->rev);
		(void)event_add(dc->wev, NULL);
		break;
	case PGRES_POLLING_OK:
		event_del(dc->wev);
		(void)event_add(dc->rev, NULL);
		dbconn_ready(dc);
		break;
	default:
		dbconn_down(dc, PQerrorMessage(dc->pg));
		break;
	}
}

/* Hand every complete result to its request, in order. */
static void
dbconn_results(struct dbconn *dc)
{
	struct dbreq	*r;
	PGresult	*res;
	int		 before = dc->ninflight;

	while ((r = STAILQ_FIRST(&dc->inflight)) != NULL && !PQisBusy(dc->pg)) {
		res = PQgetResult(dc->pg);
		if (r->kind == REQ_SYNC) {
			/* A sync yields exactly one result and no NULL after it. */
			if (res != NULL)
				PQclear(res);
			STAILQ_REMOVE_HEAD(&dc->inflight, entry);
			dc->ninflight--;
			dbreq_free(r);
			continue;
		}
		if (res != NULL) {
			/* Keep the first result; a query yields one. */
			if (r->res == NULL)
				r->res = res;
			else
				PQclear(res);
			continue;
		}
		STAILQ_REMOVE_HEAD(&dc->inflight, entry);
		dc->ninflight--;
		if (r->kind == REQ_PREPARE)
			dc->prepared[r->stmt] = r->res != NULL &&
			    PQresultStatus(r->res) == PGRES_COMMAND_OK;
		if (r->kind == REQ_PREPARE && !dc->prepared[r->stmt])
			log_warnx("database: prepare %s failed: %s",
			    dc->pool->stmts[r->stmt].name, r->res != NULL ?
			    PQresultErrorMessage(r->res) : "no result");
		/* A lost race with another transaction: nothing was done, go again. */
		if (r->kind == REQ_QUERY && r->res != NULL && !dc->pool->once &&
		    dberr_retryable(r->res) && r->tries < DBERR_RETRIES) {
			PQclear(r->res);
			r->res = NULL;
			r->tries++;
			pool_submit(dc->pool, r);
			if (dc->state != DBC_READY)
				return;	/* sending it again lost this connection */
			continue;
		}
		dbreq_deliver(dc->pool, r, DB_OK);
	}
	if (dc->ninflight != before)
		dbconn_arm_stall(dc);
}

static void
dbconn_on_read(evutil_socket_t fd, short what, void *arg)
{
	struct dbconn	*dc = arg;

	(void)fd;
	(void)what;
	if (dc->state == DBC_CONNECTING) {
		dbconn_poll(dc);
		return;
	}
	if (PQconsumeInput(dc->pg) != 1 || PQstatus(dc->pg) != CONNECTION_OK) {
		dbconn_down(dc, PQerrorMessage(dc->pg));
		return;
	}
	dbconn_results(dc);
	if (dc->state == DBC_READY)
		dbconn_notifies(dc);
	if (dc->state == DBC_READY && PQstatus(dc->pg) == CONNECTION_BAD)
		dbconn_down(dc, PQerrorMessage(dc->pg));
	else
		dbconn_take_waiting(dc);
}

static void
dbconn_on_write(evutil_socket_t fd, short what, void *arg)
{
	struct dbconn	*dc = arg;

	(void)fd;
	(void)what;
	if (dc->state == DBC_CONNECTING)
		dbconn_poll(dc);
	else if (dc->state == DBC_READY)
		dbconn_flush(dc);
}

static void
dbconn_on_retry(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	dbconn_start(arg);
}

static void
dbconn_on_stall(evutil_socket_t fd, short what, void *arg)
{
	struct dbconn	*dc = arg;

	(void)fd;
	(void)what;
	if (dc->state == DBC_READY && dc->ninflight > 0)
		dbconn_down(dc, "no answer from the database in time");
}

/* PQconnectPoll has no clock of its own: a silent server would hang it. */
static void
dbconn_on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct dbconn	*dc = arg;

	(void)fd;
	(void)what;
	if (dc->state == DBC_CONNECTING)
		dbconn_down(dc, "connecting timed out");
}

static long
ms_since(const struct timespec *then)
{
	struct timespec	now;

	if (clock_gettime(CLOCK_MONOTONIC, &now) == -1)
		return 0;
	return (now.tv_sec - then->tv_sec) * 1000 +
	    (now.tv_nsec - then->tv_nsec) / 1000000;
}

static void
dbconn_start(struct dbconn *dc)
{
	struct db_pool	*p = dc->pool;
	struct timeval	 tv = { p->connect_timeout, 0 };
	int		 sock;

	(void)clock_gettime(CLOCK_MONOTONIC, &dc->attempted);
	dc->pg = PQconnectStartParams((const char *const *)p->keys,
	    (const char *const *)p->vals, 0);
	if (dc->pg == NULL || PQstatus(dc->pg) == CONNECTION_BAD ||
	    PQsetnonblocking(dc->pg, 1) != 0 || (sock = PQsocket(dc->pg)) < 0) {
		dbconn_down(dc, dc->pg != NULL ? PQerrorMessage(dc->pg) :
		    "out of memory");
		return;
	}
	(void)PQsetNoticeProcessor(dc->pg, log_pq_notice, NULL);
	(void)evtimer_add(dc->deadline, &tv);
	if (dc->rev != NULL)
		event_free(dc->rev);
	if (dc->wev != NULL)
		event_free(dc->wev);
	/* The socket can change with every attempt, so the events do too. */
	dc->rev = event_new(dc->pool->base, sock, EV_READ | EV_PERSIST,
	    dbconn_on_read, dc);
	dc->wev = event_new(dc->pool->base, sock, EV_WRITE | EV_PERSIST,
	    dbconn_on_write, dc);
	if (dc->rev == NULL || dc->wev == NULL) {
		dbconn_down(dc, "out of memory");
		return;
	}
	dc->state = DBC_CONNECTING;
	(void)event_add(dc->wev, NULL);
}

static void
dbconn_flush(struct dbconn *dc)
{
	int	rc = PQflush(dc->pg);

	if (rc == -1) {
		dbconn_down(dc, PQerrorMessage(dc->pg));
		return;
	}
	if (rc == 1)
		(void)event_add(dc->wev, NULL);
	else
		event_del(dc->wev);
}

static struct dbreq *
dbreq_new(enum dbreq_kind kind, int stmt)
{
	struct dbreq	*r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->kind = kind;
	r->stmt = stmt;
	return r;
}

static void
dbconn_push(struct dbconn *dc, struct dbreq *r)
{
	STAILQ_INSERT_TAIL(&dc->inflight, r, entry);
	if (dc->ninflight++ == 0)
		dbconn_arm_stall(dc);
}

/* Send a query (preparing its statement first if needed) and a sync. */
static void
dbconn_send(struct dbconn *dc, struct dbreq *r)
{
	const struct db_stmt	*st = &dc->pool->stmts[r->stmt];
	struct dbreq		*prep = NULL, *sync;

	if ((sync = dbreq_new(REQ_SYNC, r->stmt)) == NULL ||
	    (!dc->prepared[r->stmt] &&
	    (prep = dbreq_new(REQ_PREPARE, r->stmt)) == NULL)) {
		free(sync);
		dbreq_deliver(dc->pool, r, DB_UNAVAILABLE);
		return;
	}
	if (prep != NULL) {
		if (PQsendPrepare(dc->pg, st->name, st->sql, st->nparams, NULL) != 1)
			goto lost;
		dbconn_push(dc, prep);
		prep = NULL;
		/* Optimistic: a failed prepare makes the query fail, and says why. */
		dc->prepared[r->stmt] = 1;
	}
	if (PQsendQueryPrepared(dc->pg, st->name, r->nparams,
	    (const char *const *)r->values, r->lengths, r->formats,
	    r->result_format) != 1)
		goto lost;
	dbconn_push(dc, r);
	r = NULL;
	if (PQpipelineSync(dc->pg) != 1)
		goto lost;
	dbconn_push(dc, sync);
	/*
	 * Flushed from the event loop, after whatever else this wakeup has
	 * to send: queries from several clients then share one write.
	 */
	event_active(dc->wev, EV_WRITE, 0);
	return;
lost:
	free(prep);
	free(sync);
	if (r != NULL)
		dbreq_deliver(dc->pool, r, DB_UNAVAILABLE);
	dbconn_down(dc, PQerrorMessage(dc->pg));
}

static int
dbreq_copy_params(struct dbreq *r, int n, const char *const *values,
    const int *lengths, const int *formats)
{
	int	i;
	size_t	len;

	r->nparams = n;
	if ((r->values = calloc((size_t)n + 1, sizeof(char *))) == NULL ||
	    (r->lengths = calloc((size_t)n + 1, sizeof(int))) == NULL ||
	    (r->formats = calloc((size_t)n + 1, sizeof(int))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		r->formats[i] = formats != NULL ? formats[i] : 0;
		if (values[i] == NULL)
			continue;
		len = r->formats[i] ? (size_t)lengths[i] : strlen(values[i]);
		if ((r->values[i] = malloc(len + 1)) == NULL)
			return -1;
		memcpy(r->values[i], values[i], len);
		r->values[i][len] = '\0';
		r->lengths[i] = (int)len;
	}
	return 0;
}

/*
 * Nothing is up or on its way: rather than wait out a backoff that may have
 * grown to seconds while the database was away, try one connection now (at
 * most every BACKOFF_MIN_MS), so service resumes as soon as it is back. When
 * an attempt was made just now (the database may have come back since),
 * the next one is brought forward to BACKOFF_MIN_MS after it and the query
 * waits for it.
 */
static bool
pool_kick(struct db_pool *p)
{
	struct dbconn	*dc, *soonest = NULL;
	struct timeval	 tv;
	long		 ms;
	int		 i;

	for (i = 0; i < p->size; i++) {
		dc = &p->conns[i];
		if (dc->state != DBC_DOWN)
			continue;
		if ((ms = ms_since(&dc->attempted)) < BACKOFF_MIN_MS) {
			if (soonest == NULL || ms > ms_since(&soonest->attempted))
				soonest = dc;
			continue;
		}
		event_del(dc->retry);
		dbconn_start(dc);
		return dc->state == DBC_CONNECTING;
	}
	if (soonest == NULL)
		return false;
	ms = BACKOFF_MIN_MS - ms_since(&soonest->attempted);
	tv.tv_sec = 0;
	tv.tv_usec = (ms > 0 ? ms : 1) * 1000;
	return evtimer_add(soonest->retry, &tv) == 0;
}

/* A connection has room again: give it parked queries. */
static void
dbconn_take_waiting(struct dbconn *dc)
{
	struct db_pool	*p = dc->pool;
	struct dbreq	*r;

	while (dc->state == DBC_READY && dc->ninflight < INFLIGHT_MAX &&
	    (r = STAILQ_FIRST(&p->waiting)) != NULL) {
		STAILQ_REMOVE_HEAD(&p->waiting, entry);
		p->nwaiting--;
		dbconn_send(dc, r);
	}
}

/*
 * Send r on the least loaded ready connection, or park it while every
 * connection is full or still connecting. With nothing up and nothing on
 * its way, it is answered UNAVAILABLE (later, like every answer).
 */
static void
pool_submit(struct db_pool *p, struct dbreq *r)
{
	struct dbconn	*best = NULL, *dc;
	bool		 up = false;	/* some connection ready or on its way */
	int		 i;

	if (p->closing || p->spent) {
		dbreq_deliver(p, r, DB_UNAVAILABLE);
		return;
	}
	/*
	 * The first connection with a short pipeline, else the least loaded:
	 * at light load queries share one pipeline, so one write and one
	 * wake-up of the database carry several; under load, and behind a
	 * slow statement, they spread out.
	 */
	for (i = 0; i < p->size; i++) {
		dc = &p->conns[i];
		if (dc->state != DBC_DOWN)
			up = true;
		if (dc->state != DBC_READY || dc->ninflight >= INFLIGHT_MAX)
			continue;
		if (dc->ninflight < PIPELINE_SHARE) {
			best = dc;
			break;
		}
		if (best == NULL || dc->ninflight < best->ninflight)
			best = dc;
	}
	if (!up)
		up = pool_kick(p);
	if (best != NULL)
		dbconn_send(best, r);
	else if (up && p->nwaiting < WAITING_MAX) {
		STAILQ_INSERT_TAIL(&p->waiting, r, entry);
		p->nwaiting++;
	} else
		dbreq_deliver(p, r, DB_UNAVAILABLE);
}

static int
query_submit(struct db_pool *p, int stmt, int nparams,
    const char *const *values, const int *lengths, const int *formats,
    int result_format, db_cb cb, void *arg)
{
	struct dbreq	*r;

	if (stmt < 0 || stmt >= p->nstmts || cb == NULL)
		fatalx("db_query: bad statement %d", stmt);
	if ((r = dbreq_new(REQ_QUERY, stmt)) == NULL)
		return -1;
	if (dbreq_copy_params(r, nparams, values, lengths, formats) == -1) {
		dbreq_free(r);
		return -1;
	}
	r->cb = cb;
	r->arg = arg;
	r->result_format = result_format;
	pool_submit(p, r);
	return 0;
}

int
db_query(struct db_pool *p, int stmt, int nparams, const char *const *values,
    const int *lengths, const int *formats, db_cb cb, void *arg)
{
	return query_submit(p, stmt, nparams, values, lengths, formats, 0, cb,
	    arg);
}

int
db_query_binary(struct db_pool *p, int stmt, int nparams,
    const char *const *values, const int *lengths, const int *formats,
    db_cb cb, void *arg)
{
	return query_submit(p, stmt, nparams, values, lengths, formats, 1, cb,
	    arg);
}

/* Append "key=val" unless the operator set key already. */
static int
param_add(char **keys, char **vals, int *n, const char *key, const char *val,
    bool replace)
{
	int	i;

	for (i = 0; i < *n; i++)
		if (strcmp(keys[i], key) == 0) {
			if (!replace)
				return 0;
			free(vals[i]);
			return (vals[i] = strdup(val)) == NULL ? -1 : 0;
		}
	if ((keys[*n] = strdup(key)) == NULL ||
	    (vals[*n] = strdup(val)) == NULL)
		return -1;
	(*n)++;
	return 0;
}

/* Is h a host name that libpq would have to look up? */
static bool
host_is_name(const char *h, size_t len)
{
	struct in6_addr	a6;
	char		buf[INET6_ADDRSTRLEN];

	if (len == 0 || h[0] == '/' || h[0] == '@')
		return false;
	if (len >= sizeof(buf))
		return true;
	memcpy(buf, h, len);
	buf[len] = '\0';
	return inet_pton(AF_INET, buf, &a6) != 1 &&
	    inet_pton(AF_INET6, buf, &a6) != 1;
}

/*
 * libpq resolves host names inside PQconnectStartParams, blocking the
 * calling thread. So the names are resolved here, once, on the main thread
 * before the loops start, and libpq gets the addresses as hostaddr (the
 * names still serve for TLS and the password file). A new address needs a
 * restart. Unix sockets and numeric addresses need nothing.
 */
static int
resolve_hosts(char **keys, char **vals, int *n)
{
	struct addrinfo	 hints, *ai;
	struct scp_buf	 out = { NULL, 0, 0 };
	const char	*hosts = NULL, *h, *end;
	char		 name[256], addr[INET6_ADDRSTRLEN];
	bool		 any = false;
	size_t		 len;
	int		 i, rc;

	for (i = 0; i < *n; i++) {
		if (strcmp(keys[i], "hostaddr") == 0)
			return 0;
		if (strcmp(keys[i], "host") == 0)
			hosts = vals[i];
	}
	if (hosts == NULL)
		return 0;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	for (h = hosts; ; h = end + 1) {
		end = h + strcspn(h, ",");
		len = (size_t)(end - h);
		addr[0] = '\0';
		if (host_is_name(h, len)) {
			if (len >= sizeof(name))
				goto fail;
			memcpy(name, h, len);
			name[len] = '\0';
			if ((rc = getaddrinfo(name, NULL, &hints, &ai)) != 0) {
				log_warnx("database host %s: %s", name,
				    gai_strerror(rc));
				goto fail;
			}
			rc = getnameinfo(ai->ai_addr, ai->ai_addrlen, addr,
			    sizeof(addr), NULL, 0, NI_NUMERICHOST);
			freeaddrinfo(ai);
			if (rc != 0)
				goto fail;
			any = true;
		}
		if (scp_buf_printf(&out, "%s%s", h == hosts ? "" : ",",
		    addr) == -1)
			goto fail;
		if (*end == '\0')
			break;
	}
	if (any && param_add(keys, vals, n, "hostaddr", out.data, true) == -1)
		goto fail;
	scp_buf_free(&out);
	return 0;
fail:
	scp_buf_free(&out);
	return -1;
}

int
db_conn_params(const struct db_params *dp, char ***keysp, char ***valsp)
{
	PQconninfoOption	*opts, *o;
	char			**keys = NULL, **vals = NULL, *errmsg = NULL;
	char			 buf[64], secs[24], *options = NULL;
	const char		*given = NULL;
	int			 n = 0, count = 0;

	if ((opts = PQconninfoParse(dp->conninfo, &errmsg)) == NULL) {
		log_warnx("database: %s", errmsg != NULL ? errmsg : "out of memory");
		PQfreemem(errmsg);
		return -1;
	}
	for (o = opts; o->keyword != NULL; o++)
		count++;
	/* what the operator gave, and at most the ten we add */
	keys = calloc((size_t)count + 11, sizeof(char *));
	vals = calloc((size_t)count + 11, sizeof(char *));
	if (keys == NULL || vals == NULL)
		goto fail;
	for (o = opts; o->keyword != NULL; o++) {
		if (o->val == NULL)
			continue;
		if (strcmp(o->keyword, "options") == 0) {
			given = o->val;
			continue;
		}
		if (param_add(keys, vals, &n, o->keyword, o->val, true) == -1)
			goto fail;
	}
	if (resolve_hosts(keys, vals, &n) == -1)
		log_warnx("database: host names left to libpq, which looks "
		    "them up on the loop threads at each connection");
	/*
	 * The operator's options are kept; ours follow, so that a statement
	 * never outlives a client's patience (sccd has no timer of its own
	 * on a busy request).
	 */
	if (dp->statement_timeout > 0) {
		if (asprintf(&options, "%s%s-c statement_timeout=%ds",
		    given != NULL ? given : "", given != NULL ? " " : "",
		    dp->statement_timeout) == -1) {
			options = NULL;
			goto fail;
		}
	} else if (given != NULL && (options = strdup(given)) == NULL)
		goto fail;
	if (options != NULL &&
	    param_add(keys, vals, &n, "options", options, true) == -1)
		goto fail;
	/* A vanished host is noticed in seconds, not at TCP's leisure. */
	(void)snprintf(buf, sizeof(buf), "%d", dp->connect_timeout * 1000);
	(void)snprintf(secs, sizeof(secs), "%d", dp->connect_timeout);
	if (param_add(keys, vals, &n, "application_name", "sccd", false) == -1 ||
	    param_add(keys, vals, &n, "connect_timeout", secs, false) == -1 ||
	    param_add(keys, vals, &n, "keepalives", "1", false) == -1 ||
	    param_add(keys, vals, &n, "keepalives_idle", "5", false) == -1 ||
	    param_add(keys, vals, &n, "keepalives_interval", "2", false) == -1 ||
	    param_add(keys, vals, &n, "keepalives_count", "3", false) == -1 ||
	    param_add(keys, vals, &n, "tcp_user_timeout", buf, false) == -1)
		goto fail;
	free(options);
	PQconninfoFree(opts);
	*keysp = keys;
	*valsp = vals;
	return 0;
fail:
	log_warnx("database: out of memory");
	free(options);
	PQconninfoFree(opts);
	db_conn_params_free(keys, vals);
	return -1;
}

void
db_conn_params_free(char **keys, char **vals)
{
	int	i;

	for (i = 0; keys != NULL && keys[i] != NULL; i++)
		free(keys[i]);
	for (i = 0; vals != NULL && vals[i] != NULL; i++) {
		explicit_bzero(vals[i], strlen(vals[i]));	/* may be a password */
		free(vals[i]);
	}
	free(keys);
	free(vals);
}

struct db_pool *
db_pool_new(struct event_base *base, const struct db_params *dp, int size,
    const struct db_stmt *stmts, int nstmts)
{
	struct db_pool	*p;
	int		 i;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->base = base;
	p->stmts = stmts;
	p->nstmts = nstmts;
	p->connect_timeout = dp->connect_timeout;
	/* A statement may run its full timeout; the answer then takes a moment. */
	p->answer_timeout = dp->statement_timeout + dp->connect_timeout;
	STAILQ_INIT(&p->waiting);
	STAILQ_INIT(&p->done);
	if (db_conn_params(dp, &p->keys, &p->vals) == -1 ||
	    (p->deliver = event_new(base, -1, 0, pool_on_deliver, p)) == NULL ||
	    (p->conns = calloc((size_t)size, sizeof(*p->conns))) == NULL)
		goto fail;
	p->size = size;
	for (i = 0; i < size; i++) {
		struct dbconn	*dc = &p->conns[i];

		dc->pool = p;
		dc->index = i;
		dc->backoff_ms = BACKOFF_MIN_MS;
		STAILQ_INIT(&dc->inflight);
		if ((dc->prepared = calloc((size_t)nstmts, 1)) == NULL ||
		    (dc->retry = evtimer_new(base, dbconn_on_retry, dc)) == NULL ||
		    (dc->deadline = evtimer_new(base, dbconn_on_deadline,
		    dc)) == NULL ||
		    (dc->stall = evtimer_new(base, dbconn_on_stall, dc)) == NULL)
			goto fail;
	}
	for (i = 0; i < size; i++)
		dbconn_start(&p->conns[i]);
	return p;
fail:
	db_pool_free(p);
	return NULL;
}

struct db_pool *
db_pool_once(struct event_base *base, const struct db_params *dp,
    const struct db_stmt *stmts, int nstmts)
{
	struct db_pool	*p;

	if ((p = db_pool_new(base, dp, 1, stmts, nstmts)) == NULL)
		return NULL;
	p->once = true;
	if (p->conns[0].state == DBC_DOWN) {
		/* Failed before it began: no second attempt either. */
		event_del(p->conns[0].retry);
		p->spent = true;
	}
	return p;
}

void
db_pool_listen(struct db_pool *p, db_ready_cb ready, db_notify_cb notify,
    void *arg)
{
	p->on_ready = ready;
	p->on_notify = notify;
	p->listen_arg = arg;
}

/* Everything still owed an answer gets it now, until nothing is left. */
static void
pool_answer_all(struct db_pool *p)
{
	struct dbreq	*r;
	int		 i;

	p->closing = true;
	do {
		for (i = 0; i < p->size; i++)
			dbconn_fail_all(&p->conns[i]);
		while ((r = STAILQ_FIRST(&p->waiting)) != NULL) {
			STAILQ_REMOVE_HEAD(&p->waiting, entry);
			p->nwaiting--;
			dbreq_deliver(p, r, DB_UNAVAILABLE);
		}
		pool_run_done(p);
	} while (!STAILQ_EMPTY(&p->done) || !STAILQ_EMPTY(&p->waiting));
}

void
db_pool_free(struct db_pool *p)
{
	int	i;

	if (p == NULL)
		return;
	if (p->conns != NULL)
		pool_answer_all(p);
	for (i = 0; p->conns != NULL && i < p->size; i++) {
		struct dbconn	*dc = &p->conns[i];

		if (dc->rev != NULL)
			event_free(dc->rev);
		if (dc->wev != NULL)
			event_free(dc->wev);
		if (dc->retry != NULL)
			event_free(dc->retry);
		if (dc->deadline != NULL)
			event_free(dc->deadline);
		if (dc->stall != NULL)
			event_free(dc->stall);
		if (dc->pg != NULL)
			PQfinish(dc->pg);
		free(dc->prepared);
	}
	if (p->deliver != NULL)
		event_free(p->deliver);
	free(p->conns);
	db_conn_params_free(p->keys, p->vals);
	free(p);
}
