/*
 * The database pool against a real PostgreSQL: a callback never runs inside
 * the db_query() that queued it, pipelined results come back in order,
 * serialization failures are run again a bounded number of times, a lost,
 * unreachable or silent database is noticed within its deadline, service
 * resumes as soon as the database is back, and db_pool_free() leaves nobody
 * waiting.
 *
 * The cluster comes from with_pg.sh (see there for the environment). Run
 * without one, this program runs itself again under that wrapper, so that
 * "make check" and a bare ./test_db_pool both work. Every wait runs the
 * event loop until a condition holds or a deadline passes.
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <libpq-fe.h>

#include "db.h"
#include "dberr.h"
#include "log.h"

#ifndef WITH_PG
#define WITH_PG		"tests/unit/with_pg.sh"
#endif
#ifndef SCC_PG_CONFIG
#define SCC_PG_CONFIG	""
#endif

#define SLACK		1.5	/* seconds a deadline may be late, busy host */
#define NPIPE		300	/* pipelined queries: more than INFLIGHT_MAX */
#define NFREE		100	/* queries alive when a pool is freed */

enum { ST_ADD, ST_SLEEP, ST_FLAKY, NSTMTS };

static char	sql_add[] = "SELECT $1::int + 1";
static char	sql_sleep[] = "SELECT pg_sleep($1::float8)";
static char	sql_flaky[] = "SELECT scc_test_flaky($1::int, $2::text)";

static const struct db_stmt stmts[NSTMTS] = {
	[ST_ADD] = { "t_add", sql_add, 1 },
	[ST_SLEEP] = { "t_sleep", sql_sleep, 1 },
	[ST_FLAKY] = { "t_flaky", sql_flaky, 2 },
};

/*
 * Fails with the given SQLSTATE the first `fails` times it is called since
 * the sequence was reset. nextval() is not undone by the rollback of the
 * failed statement, so the sequence counts every attempt.
 */
static const char *const setup_sql[] = {
	"SET client_min_messages = warning",
	"DROP FUNCTION IF EXISTS scc_test_flaky(int, text)",
	"DROP SEQUENCE IF EXISTS scc_test_tries",
	"CREATE SEQUENCE scc_test_tries",
	"CREATE FUNCTION scc_test_flaky(fails int, state text) RETURNS bigint\n"
	"LANGUAGE plpgsql AS $$\n"
	"DECLARE n bigint := nextval('scc_test_tries');\n"
	"BEGIN\n"
	"  IF n <= fails THEN\n"
	"    RAISE EXCEPTION 'attempt % fails on purpose', n\n"
	"      USING ERRCODE = state;\n"
	"  END IF;\n"
	"  RETURN n;\n"
	"END $$",
};

/* What one callback saw. */
struct answer {
	bool			 done;
	bool			 inside;	/* called inside db_query() */
	int			 calls;
	int			 seq;		/* order among all answers */
	enum db_status		 st;
	bool			 has_res;
	ExecStatusType		 status;
	char			 value[64];
	char			 sqlstate[6];
	enum scp_code		 code;		/* dberr.c's code for an error */
	double			 at;
	/* queue this one from inside the callback (db_pool_free test) */
	struct db_pool		*requeue;
	struct answer		*child;
};

struct fixture {
	struct event_base	*base;
	char			 conninfo[512];
};

static PGconn	*admin;		/* blocking, for setting up and counting */
static char	 nodb[64];	/* a socket directory where nothing listens */
static bool	 in_db_query;
static int	 nanswers;

static double
now(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		fail_msg("clock_gettime: %s", strerror(errno));
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
on_answer(void *arg, enum db_status st, const PGresult *res)
{
	struct answer	*a = arg;
	struct dberr	 e;
	const char	*state;

	a->calls++;
	a->inside = a->inside || in_db_query;
	a->seq = nanswers++;
	a->st = st;
	a->at = now();
	if (res != NULL) {
		a->has_res = true;
		a->status = PQresultStatus(res);
		if (a->status == PGRES_TUPLES_OK && PQntuples(res) > 0)
			(void)strlcpy(a->value, PQgetvalue(res, 0, 0),
			    sizeof(a->value));
		if ((state = PQresultErrorField(res, PG_DIAG_SQLSTATE)) != NULL)
			(void)strlcpy(a->sqlstate, state, sizeof(a->sqlstate));
		if (a->status != PGRES_TUPLES_OK) {
			dberr_classify(res, &e);
			a->code = e.code;
		}
	}
	if (a->requeue != NULL && a->child != NULL) {
		in_db_query = true;
		if (db_query(a->requeue, ST_ADD, 1, (const char *[]){ "1" },
		    NULL, NULL, on_answer, a->child) == -1)
			a->child->calls = -1;
		in_db_query = false;
	}
	a->done = true;
}

/* db_query() with the flag that catches a callback run from inside it. */
static int
ask(struct db_pool *p, int stmt, int n, const char *const *values,
    struct answer *a)
{
	int	rc;

	memset(a, 0, sizeof(*a));
	in_db_query = true;
	rc = db_query(p, stmt, n, values, NULL, NULL, on_answer, a);
	in_db_query = false;
	return rc;
}

static int
ask1(struct db_pool *p, int stmt, const char *v, struct answer *a)
{
	return ask(p, stmt, 1, (const char *const []){ v }, a);
}

static void
on_guard(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

/*
 * Run the loop until cond(arg) holds or secs pass. A guard timer makes
 * sure each EVLOOP_ONCE round returns by the deadline even when nothing
 * else happens.
 */
static bool
run_until(struct event_base *base, bool (*cond)(void *), void *arg,
    double secs)
{
	struct event	*guard;
	struct timeval	 tv;
	double		 end = now() + secs, left;
	bool		 ok;

	guard = evtimer_new(base, on_guard, NULL);
	assert_non_null(guard);
	while (!cond(arg) && (left = end - now()) > 0) {
		tv.tv_sec = (time_t)left;
		tv.tv_usec = (suseconds_t)((left - (double)tv.tv_sec) * 1e6);
		assert_int_equal(evtimer_add(guard, &tv), 0);
		assert_int_not_equal(event_base_loop(base, EVLOOP_ONCE), -1);
	}
	ok = cond(arg);
	event_free(guard);
	return ok;
}

static bool
never(void *arg)
{
	(void)arg;
	return false;
}

static bool
is_done(void *arg)
{
	return ((struct answer *)arg)->done;
}

struct answers {
	struct answer	*a;
	int		 n;
};

static bool
all_done(void *arg)
{
	struct answers	*as = arg;
	int		 i;

	for (i = 0; i < as->n; i++)
		if (!as->a[i].done)
			return false;
	return true;
}

/* The rule this file is most about: no answer from inside db_query(). */
static void
assert_not_yet(const struct answer *a)
{
	if (a->done)
		fail_msg("the callback ran inside the db_query() that "
		    "queued it");
}

static void
wait_answer(struct fixture *f, struct answer *a, double secs)
{
	if (!run_until(f->base, is_done, a, secs))
		fail_msg("no answer within %.1f s", secs);
	assert_int_equal(a->calls, 1);
	assert_false(a->inside);
}

static void
admin_exec(const char *sql)
{
	PGresult	*res;

	res = PQexec(admin, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQresultStatus(res) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", sql, PQerrorMessage(admin));
	PQclear(res);
}

static long
admin_long(const char *sql)
{
	PGresult	*res;
	long		 v;

	res = PQexec(admin, sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		fail_msg("%s: %s", sql, PQerrorMessage(admin));
	v = strtol(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return v;
}

static struct db_pool *
pool_at(struct fixture *f, const char *conninfo, int size, int connect_timeout,
    int statement_timeout)
{
	struct db_params	 dp;
	struct db_pool		*p;

	dp.conninfo = conninfo;
	dp.connect_timeout = connect_timeout;
	dp.statement_timeout = statement_timeout;
	p = db_pool_new(f->base, &dp, size, stmts, NSTMTS);
	assert_non_null(p);
	return p;
}

static struct db_pool *
pool_pg(struct fixture *f, int size)
{
	return pool_at(f, f->conninfo, size, 5, 30);
}

/* The answer of `SELECT v + 1` must be exactly v + 1. */
static void
assert_added(const struct answer *a, int v)
{
	char	want[32];

	(void)snprintf(want, sizeof(want), "%d", v + 1);
	assert_int_equal(a->st, DB_OK);
	assert_int_equal(a->status, PGRES_TUPLES_OK);
	assert_string_equal(a->value, want);
}

static int
setup(void **state)
{
	struct fixture	*f;
	const char	*ci = getenv("SCC_TEST_PG");

	if ((f = calloc(1, sizeof(*f))) == NULL ||
	    (f->base = event_base_new()) == NULL)
		return -1;
	if (ci == NULL || strlcpy(f->conninfo, ci,
	    sizeof(f->conninfo)) >= sizeof(f->conninfo))
		return -1;
	nanswers = 0;
	*state = f;
	return 0;
}

/*
 * Backends of pools freed with pg_sleep() still running would hold their
 * sleep; end them so that every test starts with an idle cluster.
 */
static int
teardown(void **state)
{
	struct fixture	*f = *state;
	PGresult	*res;

	if (PQstatus(admin) != CONNECTION_OK)
		PQreset(admin);
	res = PQexec(admin, "SELECT count(pg_terminate_backend(pid)) FROM "
	    "pg_stat_activity WHERE application_name = 'sccd'");
	PQclear(res);
	event_base_free(f->base);
	free(f);
	return 0;
}

/* The reconnect test stops the cluster: whatever happens, start it again. */
static int
teardown_restart(void **state)
{
	const char	*start = getenv("SCC_TEST_PG_START");

	if (PQping(getenv("SCC_TEST_PG")) != PQPING_OK && start != NULL &&
	    system(start) != 0)
		fprintf(stderr, "could not start PostgreSQL again\n");
	PQreset(admin);
	return teardown(state);
}

/* ---- the pinned-callback rule ---- */

static void
test_callback_later_when_served(void **state)
{
	struct fixture	*f = *state;
	struct db_pool	*p = pool_pg(f, 1);
	struct answer	 a, b;

	/* Queued while the connection comes up. */
	assert_int_equal(ask1(p, ST_ADD, "41", &a), 0);
	assert_not_yet(&a);
	wait_answer(f, &a, 10);
	assert_added(&a, 41);
	/* Sent at once on a ready connection: still answered later. */
	assert_int_equal(ask1(p, ST_ADD, "1", &b), 0);
	assert_not_yet(&b);
	wait_answer(f, &b, 10);
	assert_added(&b, 1);
	db_pool_free(p);
}

static void
test_callback_later_when_unavailable(void **state)
{
	struct fixture	*f = *state;
	struct db_pool	*p;
	struct answer	 a, b;
	char		 ci[128];

	(void)snprintf(ci, sizeof(ci), "host=%s port=5432 user=nobody "
	    "dbname=nothing", nodb);
	p = pool_at(f, ci, 1, 1, 1);
	/* Right after the first attempt failed: parked for the next one. */
	assert_int_equal(ask1(p, ST_ADD, "1", &a), 0);
	assert_not_yet(&a);
	wait_answer(f, &a, 5);
	assert_int_equal(a.st, DB_UNAVAILABLE);
	assert_false(a.has_res);
	/*
	 * Left alone past the minimum backoff (100 ms) but short of its next
	 * retry (200 ms after the last), the pool tries to connect inside
	 * db_query() itself, fails there at once (no socket), and must still
	 * not answer from inside the call.
	 */
	(void)run_until(f->base, never, NULL, 0.15);
	assert_int_equal(ask1(p, ST_ADD, "1", &b), 0);
	assert_not_yet(&b);
	wait_answer(f, &b, 5);
	assert_int_equal(b.st, DB_UNAVAILABLE);
	db_pool_free(p);
}

/* ---- pipelining ---- */

static void
pipeline(struct fixture *f, int size)
{
	struct db_pool	*p = pool_pg(f, size);
	struct answers	 as;
	char		 v[16];
	int		 i;

	as.n = NPIPE;
	as.a = calloc(NPIPE, sizeof(*as.a));
	assert_non_null(as.a);
	nanswers = 0;
	for (i = 0; i < NPIPE; i++) {
		(void)snprintf(v, sizeof(v), "%d", i);
		assert_int_equal(ask1(p, ST_ADD, v, &as.a[i]), 0);
	}
	if (!run_until(f->base, all_done, &as, 30))
		fail_msg("not every pipelined query was answered");
	for (i = 0; i < NPIPE; i++) {
		assert_int_equal(as.a[i].calls, 1);
		assert_false(as.a[i].inside);
		assert_added(&as.a[i], i);
		/* One connection: its answers are in the order asked. */
		if (size == 1)
			assert_int_equal(as.a[i].seq, i);
	}
	db_pool_free(p);
	free(as.a);
}

static void
test_pipelined_in_order(void **state)
{
	pipeline(*state, 1);
	pipeline(*state, 2);
}

/* ---- serialization failures ---- */

static void
flaky(struct fixture *f, struct db_pool *p, int fails, const char *state,
    struct answer *a)
{
	char	n[16];

	(void)snprintf(n, sizeof(n), "%d", fails);
	admin_exec("SELECT setval('scc_test_tries', 1, false)");
	assert_int_equal(ask(p, ST_FLAKY, 2, (const char *const []){ n, state },
	    a), 0);
	wait_answer(f, a, 10);
	assert_int_equal(a->st, DB_OK);
}

static long
attempts(void)
{
	return admin_long("SELECT CASE WHEN is_called THEN last_value "
	    "ELSE 0 END FROM scc_test_tries");
}

static void
test_serialization_retried(void **state)
{
	struct fixture	*f = *state;
	struct db_pool	*p = pool_pg(f, 1);
	struct answer	 a;
	char		 want[16];

	/* DBERR_RETRIES failures stay hidden: the caller gets the rows. */
	flaky(f, p, DBERR_RETRIES, "40001", &a);
	(void)snprintf(want, sizeof(want), "%d", DBERR_RETRIES + 1);
	assert_int_equal(a.status, PGRES_TUPLES_OK);
	assert_string_equal(a.value, want);
	assert_int_equal(attempts(), DBERR_RETRIES + 1);

	/* One failure more: the caller sees it, after exactly as many runs. */
	flaky(f, p, DBERR_RETRIES + 1, "40001", &a);
	assert_int_equal(a.status, PGRES_FATAL_ERROR);
	assert_string_equal(a.sqlstate, "40001");
	assert_int_equal(attempts(), DBERR_RETRIES + 1);

	/* Deadlocks are retried the same way. */
	flaky(f, p, DBERR_RETRIES, "40P01", &a);
	assert_int_equal(a.status, PGRES_TUPLES_OK);
	assert_int_equal(attempts(), DBERR_RETRIES + 1);

	/* Any other failure is answered at once. */
	flaky(f, p, 1, "23505", &a);
	assert_int_equal(a.status, PGRES_FATAL_ERROR);
	assert_string_equal(a.sqlstate, "23505");
	assert_int_equal(attempts(), 1);
	db_pool_free(p);
}

/* ---- deadlines ---- */

static int
listen_local(int *port)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(fd, 16), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

/*
 * A listener that never accepts: the kernel completes the TCP handshake,
 * libpq sends its startup packet, and nothing ever answers. Only the
 * pool's own connect deadline can end that.
 */
static void
test_connect_deadline(void **state)
{
	struct fixture	*f = *state;
	struct db_pool	*p;
	struct answer	 a;
	char		 ci[128];
	double		 t0;
	int		 fd, port;

	fd = listen_local(&port);
	(void)snprintf(ci, sizeof(ci), "host=127.0.0.1 port=%d user=x "
	    "dbname=x sslmode=disable gssencmode=disable", port);
	t0 = now();
	p = pool_at(f, ci, 1, 1, 1);
	assert_int_equal(ask1(p, ST_ADD, "1", &a), 0);
	wait_answer(f, &a, 1 + SLACK);
	assert_int_equal(a.st, DB_UNAVAILABLE);
	/* It was the deadline, not an early failure of some other kind. */
	if (a.at - t0 < 0.9)
		fail_msg("refused after %.2f s, before the 1 s deadline",
		    a.at - t0);
	db_pool_free(p);
	close(fd);
}

/* A TCP forwarder to the cluster's socket that can be frozen. */
#define FWD_PAIRS	16

struct fwd {
	struct event_base	*base;
	struct evconnlistener	*lev;
	struct sockaddr_un	 target;
	struct bufferevent	*bev[FWD_PAIRS][2];
	int			 npairs;
	bool			 frozen;
	int			 port;
};

static struct bufferevent *
fwd_other(struct fwd *fw, struct bufferevent *bev)
{
	int	i;

	for (i = 0; i < fw->npairs; i++) {
		if (fw->bev[i][0] == bev)
			return fw->bev[i][1];
		if (fw->bev[i][1] == bev)
			return fw->bev[i][0];
	}
	return NULL;
}

static void
fwd_read(struct bufferevent *bev, void *arg)
{
	struct bufferevent	*other = fwd_other(arg, bev);

	if (other != NULL && evbuffer_add_buffer(bufferevent_get_output(other),
	    bufferevent_get_input(bev)) == -1)
		fprintf(stderr, "forwarder: cannot pass data on\n");
}

static void
fwd_event(struct bufferevent *bev, short what, void *arg)
{
	struct fwd	*fw = arg;
	int		 i, j;

	if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)))
		return;
	for (i = 0; i < fw->npairs; i++)
		if (fw->bev[i][0] == bev || fw->bev[i][1] == bev)
			for (j = 0; j < 2; j++)
				if (fw->bev[i][j] != NULL) {
					bufferevent_free(fw->bev[i][j]);
					fw->bev[i][j] = NULL;
				}
}

static void
fwd_accept(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int len, void *arg)
{
	struct fwd		*fw = arg;
	struct bufferevent	*a, *b;
	short			 what;

	(void)lev;
	(void)sa;
	(void)len;
	if (fw->npairs == FWD_PAIRS) {
		close(fd);
		return;
	}
	a = bufferevent_socket_new(fw->base, fd, BEV_OPT_CLOSE_ON_FREE);
	b = bufferevent_socket_new(fw->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (a == NULL || b == NULL || bufferevent_socket_connect(b,
	    (struct sockaddr *)&fw->target, sizeof(fw->target)) == -1) {
		fprintf(stderr, "forwarder: cannot reach the cluster\n");
		if (a != NULL)
			bufferevent_free(a);
		else
			close(fd);
		if (b != NULL)
			bufferevent_free(b);
		return;
	}
	fw->bev[fw->npairs][0] = a;
	fw->bev[fw->npairs][1] = b;
	fw->npairs++;
	bufferevent_setcb(a, fwd_read, NULL, fwd_event, fw);
	bufferevent_setcb(b, fwd_read, NULL, fwd_event, fw);
	/* A connection made while frozen is as silent as the rest. */
	what = fw->frozen ? EV_WRITE : EV_READ | EV_WRITE;
	if (bufferevent_enable(a, what) == -1 ||
	    bufferevent_enable(b, what) == -1)
		fprintf(stderr, "forwarder: cannot enable a connection\n");
}

static void
fwd_start(struct fwd *fw, struct event_base *base)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	const char		*host = getenv("SCC_TEST_PGHOST");
	const char		*port = getenv("SCC_TEST_PGPORT");
	int			n;

	assert_non_null(host);
	assert_non_null(port);
	memset(fw, 0, sizeof(*fw));
	fw->base = base;
	fw->target.sun_family = AF_UNIX;
	n = snprintf(fw->target.sun_path, sizeof(fw->target.sun_path),
	    "%s/.s.PGSQL.%s", host, port);
	assert_true(n > 0 && (size_t)n < sizeof(fw->target.sun_path));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fw->lev = evconnlistener_new_bind(base, fwd_accept, fw,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 16,
	    (struct sockaddr *)&sin, sizeof(sin));
	assert_non_null(fw->lev);
	assert_int_equal(getsockname(evconnlistener_get_fd(fw->lev),
	    (struct sockaddr *)&sin, &len), 0);
	fw->port = ntohs(sin.sin_port);
}

/* Stop passing anything on, either way; the sockets stay open. */
static void
fwd_freeze(struct fwd *fw)
{
	int	i, j;

	fw->frozen = true;
	for (i = 0; i < fw->npairs; i++)
		for (j = 0; j < 2; j++)
			if (fw->bev[i][j] != NULL &&
			    bufferevent_disable(fw->bev[i][j], EV_READ) == -1)
				fail_msg("cannot freeze the forwarder");
}

static void
fwd_stop(struct fwd *fw)
{
	int	i, j;

	for (i = 0; i < fw->npairs; i++)
		for (j = 0; j < 2; j++)
			if (fw->bev[i][j] != NULL)
				bufferevent_free(fw->bev[i][j]);
	evconnlistener_free(fw->lev);
}

/*
 * The database goes silent while the kernel keeps acknowledging: no error,
 * no reset, no keepalive failure. The stall deadline (statement timeout
 * plus connect timeout) must answer the query in flight.
 */
static void
test_stall_deadline(void **state)
{
	struct fixture	*f = *state;
	struct fwd	 fw;
	struct db_pool	*p;
	struct answer	 a;
	char		 ci[256];
	double		 t0;

	fwd_start(&fw, f->base);
	(void)snprintf(ci, sizeof(ci), "host=127.0.0.1 port=%d user=%s "
	    "dbname=postgres sslmode=disable gssencmode=disable", fw.port,
	    getenv("SCC_TEST_PGUSER"));
	p = pool_at(f, ci, 1, 1, 1);
	assert_int_equal(ask1(p, ST_ADD, "1", &a), 0);
	wait_answer(f, &a, 10);
	assert_added(&a, 1);	/* through the forwarder, and ready */

	fwd_freeze(&fw);
	t0 = now();
	assert_int_equal(ask1(p, ST_ADD, "2", &a), 0);
	wait_answer(f, &a, 2 + SLACK);
	assert_int_equal(a.st, DB_UNAVAILABLE);
	if (a.at - t0 < 1.9)
		fail_msg("refused after %.2f s, before the 2 s deadline",
		    a.at - t0);
	db_pool_free(p);
	fwd_stop(&fw);
}

/* ---- reconnecting ---- */

/*
 * A query lost with its connection must be answered so that the client
 * hears UNAVAILABLE: DB_UNAVAILABLE, or an error result that the one
 * SQLSTATE map (dberr.c) answers that way (the server's "terminating
 * connection" 57P01 may come in before the socket closes).
 */
static void
assert_lost(const struct answer *a)
{
	if (a->st == DB_UNAVAILABLE)
		return;
	assert_int_equal(a->st, DB_OK);
	if (a->code != SCP_CODE_UNAVAILABLE)
		fail_msg("a query lost with its connection came back DB_OK, "
		    "%s, SQLSTATE '%s': the client hears code %d, not "
		    "UNAVAILABLE", PQresStatus(a->status), a->sqlstate,
		    (int)a->code);
}

static void
run_cmd(const char *name)
{
	const char	*cmd = getenv(name);
	int		 rc;

	if (cmd == NULL)
		fail_msg("%s is not set: run under with_pg.sh", name);
	if ((rc = system(cmd)) != 0)
		fail_msg("%s failed (status %d)", name, rc);
}

static void
test_reconnect(void **state)
{
	struct fixture	*f = *state;
	struct db_pool	*p = pool_pg(f, 2);
	struct answers	 as;
	struct answer	 sleeping[4], a;
	double		 t0, down_until;
	char		 sqlstate[6] = "";
	int		 i, ndown = 0, nok = 0;

	assert_int_equal(ask1(p, ST_ADD, "1", &a), 0);
	wait_answer(f, &a, 10);
	assert_added(&a, 1);
	for (i = 0; i < 4; i++)
		assert_int_equal(ask1(p, ST_SLEEP, "60", &sleeping[i]), 0);
	/* Let the pipeline reach the server before it goes. */
	(void)run_until(f->base, never, NULL, 0.2);
	run_cmd("SCC_TEST_PG_STOP");
	as.a = sleeping;
	as.n = 4;
	if (!run_until(f->base, all_done, &as, 10))
		fail_msg("queries in flight were not answered after the "
		    "database stopped");
	for (i = 0; i < 4; i++) {
		assert_int_equal(sleeping[i].calls, 1);
		assert_lost(&sleeping[i]);
		if (sleeping[i].st == DB_UNAVAILABLE)
			ndown++;
		else {
			nok++;
			(void)strlcpy(sqlstate, sleeping[i].sqlstate,
			    sizeof(sqlstate));
		}
	}
	print_message("lost in flight: %d DB_UNAVAILABLE, %d error results "
	    "(SQLSTATE %s) that the client hears as UNAVAILABLE\n", ndown, nok,
	    nok > 0 ? sqlstate : "-");

	/*
	 * While it is away every query is refused (later), and each failed
	 * attempt doubles the backoff: after a second and a half of this it
	 * has reached seconds.
	 */
	down_until = now() + 1.5;
	while (now() < down_until) {
		assert_int_equal(ask1(p, ST_ADD, "1", &a), 0);
		assert_not_yet(&a);
		wait_answer(f, &a, 5);
		assert_int_equal(a.st, DB_UNAVAILABLE);
		(void)run_until(f->base, never, NULL, 0.05);
	}

	run_cmd("SCC_TEST_PG_START");
	t0 = now();
	assert_int_equal(ask1(p, ST_ADD, "2", &a), 0);
	wait_answer(f, &a, 10);
	assert_added(&a, 2);
	/* Served at once, not after the backoff (up to 5 s) ran out. */
	if (a.at - t0 > 1.0)
		fail_msg("the first query after the restart took %.2f s",
		    a.at - t0);
	db_pool_free(p);
}

/* ---- db_pool_free ---- */

static void
test_free_answers_everything(void **state)
{
	struct fixture	*f = *state;
	struct db_pool	*p;
	struct answer	*a, ready, nested, early;
	char		 ci[128];
	int		 i;

	a = calloc(NFREE, sizeof(*a));
	assert_non_null(a);
	/*
	 * On a ready connection: the first few run (sleeping), the rest fill
	 * the pipeline and then wait in the pool for room.
	 */
	p = pool_pg(f, 1);
	assert_int_equal(ask1(p, ST_ADD, "1", &ready), 0);
	wait_answer(f, &ready, 10);
	for (i = 0; i < NFREE; i++)
		assert_int_equal(ask1(p, ST_SLEEP, "60", &a[i]), 0);
	a[0].requeue = p;
	a[0].child = &nested;
	memset(&nested, 0, sizeof(nested));
	(void)run_until(f->base, never, NULL, 0.1);
	for (i = 0; i < NFREE; i++)
		assert_false(a[i].done);
	/* The loop has stopped: every answer comes inside db_pool_free. */
	db_pool_free(p);
	for (i = 0; i < NFREE; i++) {
		assert_int_equal(a[i].calls, 1);
		assert_int_equal(a[i].st, DB_UNAVAILABLE);
		assert_false(a[i].inside);
	}
	/* Queued from inside such a callback: answered too. */
	assert_int_equal(nested.calls, 1);
	assert_int_equal(nested.st, DB_UNAVAILABLE);
	assert_false(nested.inside);
	free(a);

	/* A pool still connecting: what it holds is answered the same way. */
	(void)snprintf(ci, sizeof(ci), "host=%s port=5432 user=nobody "
	    "dbname=nothing", nodb);
	p = pool_at(f, ci, 1, 1, 1);
	assert_int_equal(ask1(p, ST_ADD, "1", &early), 0);
	db_pool_free(p);
	assert_int_equal(early.calls, 1);
	assert_int_equal(early.st, DB_UNAVAILABLE);
	p = pool_pg(f, 1);
	assert_int_equal(ask1(p, ST_ADD, "1", &early), 0);
	db_pool_free(p);
	assert_int_equal(early.calls, 1);
	assert_int_equal(early.st, DB_UNAVAILABLE);
}

/* ---- db_conn_params ---- */

static const char *
param(char **keys, char **vals, const char *key)
{
	const char	*found = NULL;
	int		 i;

	for (i = 0; keys[i] != NULL; i++)
		if (strcmp(keys[i], key) == 0) {
			if (found != NULL)
				fail_msg("%s given twice", key);
			found = vals[i];
		}
	return found;
}

static void
params(const char *conninfo, int connect_timeout, int statement_timeout,
    char ***keys, char ***vals)
{
	struct db_params	dp;

	dp.conninfo = conninfo;
	dp.connect_timeout = connect_timeout;
	dp.statement_timeout = statement_timeout;
	assert_int_equal(db_conn_params(&dp, keys, vals), 0);
}

static void
assert_param(char **keys, char **vals, const char *key, const char *want)
{
	const char	*v = param(keys, vals, key);

	if (want == NULL) {
		if (v != NULL)
			fail_msg("%s=%s should not be there", key, v);
		return;
	}
	if (v == NULL)
		fail_msg("%s missing (want %s)", key, want);
	assert_string_equal(v, want);
}

static void
test_conn_params(void **state)
{
	struct db_params	  dp;
	struct in6_addr		  addr;
	char			**keys, **vals;
	const char		 *h;

	(void)state;
	/* Options kept, ours after them; the rest added. */
	params("host=/run/somewhere dbname=scc "
	    "options='-c search_path=api -c work_mem=8MB'", 3, 7, &keys, &vals);
	assert_param(keys, vals, "options",
	    "-c search_path=api -c work_mem=8MB -c statement_timeout=7s");
	assert_param(keys, vals, "host", "/run/somewhere");
	assert_param(keys, vals, "dbname", "scc");
	assert_param(keys, vals, "hostaddr", NULL);
	assert_param(keys, vals, "application_name", "sccd");
	assert_param(keys, vals, "connect_timeout", "3");
	assert_param(keys, vals, "keepalives", "1");
	assert_param(keys, vals, "tcp_user_timeout", "3000");
	assert_non_null(param(keys, vals, "keepalives_idle"));
	assert_non_null(param(keys, vals, "keepalives_interval"));
	assert_non_null(param(keys, vals, "keepalives_count"));
	db_conn_params_free(keys, vals);

	/* What the operator set stays; a host name gets its address. */
	params("host=localhost port=5433 application_name=ops "
	    "connect_timeout=9 keepalives=0 tcp_user_timeout=1234", 3, 7,
	    &keys, &vals);
	assert_param(keys, vals, "options", "-c statement_timeout=7s");
	assert_param(keys, vals, "host", "localhost");
	assert_param(keys, vals, "application_name", "ops");
	assert_param(keys, vals, "connect_timeout", "9");
	assert_param(keys, vals, "keepalives", "0");
	assert_param(keys, vals, "tcp_user_timeout", "1234");
	h = param(keys, vals, "hostaddr");
	assert_non_null(h);
	assert_true(inet_pton(AF_INET, h, &addr) == 1 ||
	    inet_pton(AF_INET6, h, &addr) == 1);
	db_conn_params_free(keys, vals);

	/* Numeric hosts need no lookup; an operator's hostaddr is kept. */
	params("host=127.0.0.1", 3, 7, &keys, &vals);
	assert_param(keys, vals, "hostaddr", NULL);
	db_conn_params_free(keys, vals);
	params("host=db.invalid hostaddr=192.0.2.1", 3, 7, &keys, &vals);
	assert_param(keys, vals, "hostaddr", "192.0.2.1");
	db_conn_params_free(keys, vals);

	/* No statement timeout of ours: the options as given, or none. */
	params("options='-c search_path=api'", 3, 0, &keys, &vals);
	assert_param(keys, vals, "options", "-c search_path=api");
	db_conn_params_free(keys, vals);
	params("dbname=scc", 3, 0, &keys, &vals);
	assert_param(keys, vals, "options", NULL);
	db_conn_params_free(keys, vals);

	/* A conninfo libpq cannot parse is refused. */
	dp.conninfo = "host='unterminated";
	dp.connect_timeout = 3;
	dp.statement_timeout = 7;
	assert_int_equal(db_conn_params(&dp, &keys, &vals), -1);
}

/* ---- the cluster ---- */

/* Without a cluster of our own, run again under the wrapper that makes one. */
static void
rerun_under_wrapper(void)
{
	char		 self[PATH_MAX];
	const char	*pg_config;
	ssize_t		 n;

	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) == -1) {
		fprintf(stderr, "FAIL: /proc/self/exe: %s\n", strerror(errno));
		exit(1);
	}
	self[n] = '\0';
	/* make check passes configure's pg_config; a bare run gets it here. */
	pg_config = getenv("PG_CONFIG");
	if ((pg_config == NULL || *pg_config == '\0') &&
	    *SCC_PG_CONFIG != '\0' &&
	    setenv("PG_CONFIG", SCC_PG_CONFIG, 1) == -1) {
		fprintf(stderr, "FAIL: setenv: %s\n", strerror(errno));
		exit(1);
	}
	execl("/bin/sh", "sh", WITH_PG, self, (char *)NULL);
	fprintf(stderr, "FAIL: cannot run %s: %s\n", WITH_PG, strerror(errno));
	exit(1);
}

static int
group_setup(void **state)
{
	size_t	i;

	(void)state;
	admin = PQconnectdb(getenv("SCC_TEST_PG"));
	if (PQstatus(admin) != CONNECTION_OK) {
		fprintf(stderr, "FAIL: cannot reach the test cluster (%s): %s",
		    getenv("SCC_TEST_PG"), PQerrorMessage(admin));
		return -1;
	}
	for (i = 0; i < sizeof(setup_sql) / sizeof(setup_sql[0]); i++) {
		PGresult	*res = PQexec(admin, setup_sql[i]);

		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			fprintf(stderr, "FAIL: %s: %s", setup_sql[i],
			    PQerrorMessage(admin));
			PQclear(res);
			return -1;
		}
		PQclear(res);
	}
	(void)strlcpy(nodb, "/tmp/scc-nodb.XXXXXX", sizeof(nodb));
	if (mkdtemp(nodb) == NULL) {
		fprintf(stderr, "FAIL: mkdtemp: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	PQfinish(admin);
	if (nodb[0] != '\0' && rmdir(nodb) == -1)
		fprintf(stderr, "rmdir %s: %s\n", nodb, strerror(errno));
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conn_params),
		cmocka_unit_test_setup_teardown(test_callback_later_when_served,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_callback_later_when_unavailable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pipelined_in_order,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_serialization_retried,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_connect_deadline,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_stall_deadline,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_answers_everything,
		    setup, teardown),
		/* Last: it stops and starts the cluster. */
		cmocka_unit_test_setup_teardown(test_reconnect,
		    setup, teardown_restart),
	};

	if (getenv("SCC_TEST_PG") == NULL)
		rerun_under_wrapper();
	log_init(getenv("SCC_TEST_VERBOSE") != NULL, "test_db_pool");
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
