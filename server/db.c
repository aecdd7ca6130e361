/*
 * Non-blocking libpq on the loop's event base. Every connection runs in
 * pipeline mode: queries are sent as soon as they arrive, each followed by a
 * sync so it is its own transaction, and results come back in order. A lost
 * connection fails what it had in flight with DB_UNAVAILABLE and reconnects
 * with backoff; the server never exits for the database.
 */
#include <sys/queue.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "db.h"
#include "log.h"

#define INFLIGHT_MAX	128	/* per connection: beyond it, another or wait */
#define WAITING_MAX	4096	/* queries parked while connections come up */
#define BACKOFF_MIN_MS	100
#define BACKOFF_MAX_MS	5000

enum dbreq_kind { REQ_PREPARE, REQ_QUERY, REQ_SYNC };

struct dbreq {
	STAILQ_ENTRY(dbreq)	 entry;
	enum dbreq_kind		 kind;
	int			 stmt;
	db_cb			 cb;
	void			*arg;
	PGresult		*res;		/* the result handed to cb */
	int			 nparams;
	char			**values;	/* copies, for parking */
	int			*lengths;
	int			*formats;
};
STAILQ_HEAD(dbreq_list, dbreq);

enum dbconn_state { DBC_DOWN, DBC_CONNECTING, DBC_READY };

struct dbconn {
	struct db_pool		*pool;
	int			 index;
	PGconn			*pg;
	enum dbconn_state	 state;
	struct event		*rev, *wev, *retry;
	int			 backoff_ms;
	struct timespec		 attempted;	/* last connect attempt */
	uint8_t			*prepared;	/* one flag per statement */
	struct dbreq_list	 inflight;
	int			 ninflight;
};

struct db_pool {
	struct event_base	*base;
	char			*conninfo;
	const struct db_stmt	*stmts;
	int			 nstmts;
	int			 size;
	struct dbconn		*conns;
	struct dbreq_list	 waiting;	/* parked while nothing is ready */
	int			 nwaiting;
};

static void	dbconn_start(struct dbconn *);
static void	dbconn_take_waiting(struct dbconn *);
static void	pool_fail_waiting(struct db_pool *);
static void	dbconn_send(struct dbconn *, struct dbreq *);
static void	dbconn_flush(struct dbconn *);

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

static void
dbreq_deliver(struct dbreq *r, enum db_status st)
{
	if (r->cb != NULL)
		r->cb(r->arg, st, r->res);
	dbreq_free(r);
}

static void
dbconn_fail_all(struct dbconn *dc)
{
	struct dbreq	*r;

	while ((r = STAILQ_FIRST(&dc->inflight)) != NULL) {
		STAILQ_REMOVE_HEAD(&dc->inflight, entry);
		dbreq_deliver(r, DB_UNAVAILABLE);
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
	if (dc->pg != NULL)
		PQfinish(dc->pg);
	dc->pg = NULL;
	dc->state = DBC_DOWN;
	memset(dc->prepared, 0, (size_t)dc->pool->nstmts);
	dbconn_fail_all(dc);
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
		dbreq_deliver(r, DB_UNAVAILABLE);
	}
}

static void
dbconn_ready(struct dbconn *dc)
{

	if (PQenterPipelineMode(dc->pg) != 1) {
		dbconn_down(dc, PQerrorMessage(dc->pg));
		return;
	}
	dc->state = DBC_READY;
	dc->backoff_ms = BACKOFF_MIN_MS;
	log_info("database connection %d ready", dc->index);
	dbconn_take_waiting(dc);
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
		dbreq_deliver(r, DB_OK);
		if (dc->state != DBC_READY)
			return;	/* a callback can bring the connection down */
	}
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
	else
		dbconn_flush(dc);
}

static void
dbconn_on_retry(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	dbconn_start(arg);
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
	/*
	 * A connection waiting on the database has no timer of its own, so
	 * no statement may run longer than this.
	 */
	const char	*keys[] = { "dbname", "application_name", "options", NULL };
	const char	*vals[] = { dc->pool->conninfo, "sccd",
			    "-c statement_timeout=30s", NULL };
	int		 sock;

	(void)clock_gettime(CLOCK_MONOTONIC, &dc->attempted);
	dc->pg = PQconnectStartParams(keys, vals, 1);
	if (dc->pg == NULL || PQstatus(dc->pg) == CONNECTION_BAD ||
	    PQsetnonblocking(dc->pg, 1) != 0 || (sock = PQsocket(dc->pg)) < 0) {
		dbconn_down(dc, dc->pg != NULL ? PQerrorMessage(dc->pg) :
		    "out of memory");
		return;
	}
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
	dc->ninflight++;
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
		dbreq_deliver(r, DB_UNAVAILABLE);
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
	    (const char *const *)r->values, r->lengths, r->formats, 0) != 1)
		goto lost;
	dbconn_push(dc, r);
	r = NULL;
	if (PQpipelineSync(dc->pg) != 1)
		goto lost;
	dbconn_push(dc, sync);
	dbconn_flush(dc);
	return;
lost:
	free(prep);
	free(sync);
	if (r != NULL)
		dbreq_deliver(r, DB_UNAVAILABLE);
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
 * most every BACKOFF_MIN_MS), so service resumes as soon as it is back.
 */
static bool
pool_kick(struct db_pool *p)
{
	struct dbconn	*dc;
	int		 i;

	for (i = 0; i < p->size; i++) {
		dc = &p->conns[i];
		if (dc->state != DBC_DOWN || ms_since(&dc->attempted) < BACKOFF_MIN_MS)
			continue;
		event_del(dc->retry);
		dbconn_start(dc);
		return dc->state == DBC_CONNECTING;
	}
	return false;
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

int
db_query(struct db_pool *p, int stmt, int nparams, const char *const *values,
    const int *lengths, const int *formats, db_cb cb, void *arg)
{
	struct dbconn	*best = NULL;
	struct dbreq	*r;
	bool		 up = false;	/* some connection ready or on its way */
	int		 i;

	for (i = 0; i < p->size; i++) {
		if (p->conns[i].state != DBC_DOWN)
			up = true;
		if (p->conns[i].state == DBC_READY &&
		    p->conns[i].ninflight < INFLIGHT_MAX &&
		    (best == NULL || p->conns[i].ninflight < best->ninflight))
			best = &p->conns[i];
	}
	if (!up)
		up = pool_kick(p);
	/*
	 * Every connection full, or all still connecting: park the query
	 * (bounded) rather than refuse work a moment's wait would allow.
	 */
	if (best == NULL && (!up || p->nwaiting >= WAITING_MAX))
		return -1;
	if (stmt < 0 || stmt >= p->nstmts || (r = dbreq_new(REQ_QUERY, stmt)) == NULL)
		return -1;
	r->cb = cb;
	r->arg = arg;
	if (dbreq_copy_params(r, nparams, values, lengths, formats) == -1) {
		r->cb = NULL;
		dbreq_free(r);
		return -1;
	}
	if (best == NULL) {
		STAILQ_INSERT_TAIL(&p->waiting, r, entry);
		p->nwaiting++;
		return 0;
	}
	dbconn_send(best, r);
	return 0;
}

struct db_pool *
db_pool_new(struct event_base *base, const char *conninfo, int size,
    const struct db_stmt *stmts, int nstmts)
{
	struct db_pool	*p;
	int		 i;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->base = base;
	p->stmts = stmts;
	p->nstmts = nstmts;
	p->size = size;
	STAILQ_INIT(&p->waiting);
	if ((p->conninfo = strdup(conninfo)) == NULL ||
	    (p->conns = calloc((size_t)size, sizeof(*p->conns))) == NULL)
		goto fail;
	for (i = 0; i < size; i++) {
		struct dbconn	*dc = &p->conns[i];

		dc->pool = p;
		dc->index = i;
		dc->backoff_ms = BACKOFF_MIN_MS;
		STAILQ_INIT(&dc->inflight);
		if ((dc->prepared = calloc((size_t)nstmts, 1)) == NULL ||
		    (dc->retry = evtimer_new(base, dbconn_on_retry, dc)) == NULL)
			goto fail;
	}
	for (i = 0; i < size; i++)
		dbconn_start(&p->conns[i]);
	return p;
fail:
	db_pool_free(p);
	return NULL;
}

void
db_pool_free(struct db_pool *p)
{
	struct dbreq	*r;
	int		 i;

	if (p == NULL)
		return;
	for (i = 0; p->conns != NULL && i < p->size; i++) {
		struct dbconn	*dc = &p->conns[i];

		while ((r = STAILQ_FIRST(&dc->inflight)) != NULL) {
			STAILQ_REMOVE_HEAD(&dc->inflight, entry);
			r->cb = NULL;
			dbreq_free(r);
		}
		if (dc->rev != NULL)
			event_free(dc->rev);
		if (dc->wev != NULL)
			event_free(dc->wev);
		if (dc->retry != NULL)
			event_free(dc->retry);
		if (dc->pg != NULL)
			PQfinish(dc->pg);
		free(dc->prepared);
	}
	while ((r = STAILQ_FIRST(&p->waiting)) != NULL) {
		STAILQ_REMOVE_HEAD(&p->waiting, entry);
		dbreq_free(r);
	}
	free(p->conns);
	free(p->conninfo);
	free(p);
}
