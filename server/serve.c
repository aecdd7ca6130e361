/*
 * sccd serve: read the settings, bring up the database (the instance's own
 * cluster, or one named by --db), bind, shed root, start the loop threads,
 * and wait for signals. SIGHUP reloads settings and certificate; SIGTERM
 * stops accepting, lets work in flight finish, then exits.
 */
#include <sys/resource.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>
#include <libpq-fe.h>

#include "account.h"
#include "addrlimit.h"
#include "config.h"
#include "db.h"
#include "dispatch.h"
#include "events.h"
#include "hashpool.h"
#include "listener.h"
#include "log.h"
#include "loop.h"
#include "migrate.h"
#include "pgctl.h"
#include "serve.h"
#include "tls.h"

struct serve_opts {
	const char	*dir;
	const char	*db;
	const char	*cert;
	const char	*key;
	const char	*listen;
	int		 verbose;
};

struct serve_state {
	struct server		 srv;
	struct serve_opts	 opts;
	struct config		 cfg;
	char			*conf_path;
	struct pgctl		 pg;
	bool			 embedded;
	bool			 pg_started;
	struct event_base	*base;
	struct event		*sigev[3];
	struct db_stmt		*stmts;		/* owned; srv.stmts lends it out */
	struct events		*events;	/* the LISTEN connection */
};

static void
serve_usage(void)
{
	fprintf(stderr,
	    "usage: sccd serve -D DIR [--listen ADDR:PORT] [-v]\n"
	    "       sccd serve --db CONNINFO --cert FILE --key FILE "
	    "--listen ADDR:PORT [-v]\n");
}

static int
serve_parse(int argc, char **argv, struct serve_opts *o)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'D' },
		{ "db", required_argument, NULL, 'd' },
		{ "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "listen", required_argument, NULL, 'l' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 }
	};
	int	ch;

	memset(o, 0, sizeof(*o));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "D:v", longopts, NULL)) != -1) {
		switch (ch) {
		case 'D': o->dir = optarg; break;
		case 'd': o->db = optarg; break;
		case 'c': o->cert = optarg; break;
		case 'k': o->key = optarg; break;
		case 'l': o->listen = optarg; break;
		case 'v': o->verbose = 1; break;
		default: return -1;
		}
	}
	if (optind != argc)
		return -1;
	if (o->dir == NULL && (o->db == NULL || o->cert == NULL ||
	    o->key == NULL || o->listen == NULL))
		return -1;
	return 0;
}

/* Flags win over the file, on start and on every reload. */
static int
serve_overrides(struct config *cfg, const struct serve_opts *o)
{
	char	err[256];

	if ((o->listen && config_set(cfg, "listen", o->listen, err, sizeof(err))) ||
	    (o->db && config_set(cfg, "db", o->db, err, sizeof(err))) ||
	    (o->cert && config_set(cfg, "cert", o->cert, err, sizeof(err))) ||
	    (o->key && config_set(cfg, "key", o->key, err, sizeof(err)))) {
		log_warnx("%s", err);
		return -1;
	}
	return 0;
}

/*
 * The file, then the flags, over cfg. Given defaults, as at start and on
 * every reload, a line taken out of the file is back at its default.
 */
static int
serve_load(struct serve_state *s, struct config *cfg)
{
	char	err[512];

	if (s->conf_path != NULL &&
	    config_load(cfg, s->conf_path, s->opts.dir, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return -1;
	}
	return serve_overrides(cfg, &s->opts);
}

/* The instance's own cluster: start it, bring its schema up to date. */
static void
serve_embedded_db(struct serve_state *s, const struct account *acct)
{
	char	 err[512];
	char	*owner;
	PGconn	*pg;

	if (pgctl_setup(&s->pg, s->opts.dir, acct, err, sizeof(err)) == -1)
		fatalx("embedded PostgreSQL: %s", err);
	/*
	 * Another sccd serving this instance already runs the cluster: share
	 * it, and leave stopping it to the instance that started it.
	 */
	if (pgctl_running(&s->pg))
		log_info("PostgreSQL of %s is already running: sharing it",
		    s->opts.dir);
	else if (pgctl_start(&s->pg, err, sizeof(err)) == -1)
		fatalx("embedded PostgreSQL: %s", err);
	else
		s->pg_started = true;
	if ((owner = pgctl_conninfo(&s->pg, "scc_owner")) == NULL)
		fatalx("out of memory");
	pg = PQconnectdb(owner);
	free(owner);
	if (PQstatus(pg) != CONNECTION_OK)
		fatalx("embedded PostgreSQL: %s", PQerrorMessage(pg));
	if (migrate_apply(pg, err, sizeof(err)) == -1)
		fatalx("%s", err);
	PQfinish(pg);
	if ((s->srv.conninfo = pgctl_conninfo(&s->pg, "scc_app")) == NULL)
		fatalx("out of memory");
}

/* A database we do not run: its schema must be the one we know. */
static void
serve_check_version(PGconn *pg)
{
	PGresult	*res;
	const char	*errstr;
	int		 version;

	res = PQexec(pg, "SELECT api.schema_version()");
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		fatalx("database has no scc schema: run sccd migrate (%s)",
		    PQresultErrorMessage(res));
	version = (int)strtonum(PQgetvalue(res, 0, 0), 0, INT_MAX, &errstr);
	if (errstr != NULL)
		fatalx("database schema version \"%s\" is %s",
		    PQgetvalue(res, 0, 0), errstr);
	PQclear(res);
	if (version > migrate_latest())
		fatalx("database schema version %d is newer than this sccd (%d)",
		    version, migrate_latest());
	if (version < migrate_latest())
		fatalx("database schema version %d is older than this sccd (%d): "
		    "run sccd migrate", version, migrate_latest());
}

/*
 * Before serving: the schema is ours, every command of the table has its
 * api function, and the role we serve as can do nothing but call them. A
 * database not reachable yet is served anyway (the pools keep trying), and
 * checked by nobody: say so.
 */
static void
serve_check_db(struct serve_state *s)
{
	char		**keys, **vals, err[2048];
	PGconn		*pg;

	if (db_conn_params(&s->srv.dbparams, &keys, &vals) == -1)
		fatalx("database: cannot use the connection settings");
	pg = PQconnectdbParams((const char *const *)keys,
	    (const char *const *)vals, 0);
	db_conn_params_free(keys, vals);
	if (PQstatus(pg) != CONNECTION_OK) {
		log_warnx("database not reachable yet (%s); serving anyway, "
		    "unchecked", PQerrorMessage(pg));
		PQfinish(pg);
		return;
	}
	if (!s->embedded)
		serve_check_version(pg);
	if (dispatch_check_db(pg, err, sizeof(err)) == -1)
		fatalx("the database does not match the command table: %s", err);
	if (dbcheck_role(pg, err, sizeof(err)) == -1)
		fatalx("refusing to serve: %s; serve as a role that is only "
		    "granted scc_api", err);
	PQfinish(pg);
}

static void
raise_fd_limit(void)
{
	struct rlimit	rl;

	/* Ten thousand idle sessions need ten thousand descriptors. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			log_warn("setrlimit");
	}
}

/* New settings and certificate for one loop, handed over together. */
struct reload_msg {
	struct config	 cfg;
	SSL_CTX		*tls;
};

static void
reload_msg_free(struct reload_msg *m)
{
	config_free(&m->cfg);
	SSL_CTX_free(m->tls);
	free(m);
}

static void
loop_take_reload(struct loop *loop, void *arg)
{
	struct reload_msg	*m = arg;

	config_free(loop->cfg);
	*loop->cfg = m->cfg;
	memset(&m->cfg, 0, sizeof(m->cfg));
	SSL_CTX_free(loop->tls);
	loop->tls = m->tls;
	m->tls = NULL;
	reload_msg_free(m);
}

static void
reload_fixed(const char *name, void *arg)
{
	(void)arg;
	log_warnx("reload: %s changed, which needs a restart; keeping the "
	    "running value", name);
}

/*
 * Settings as a restart would read them, less those a running server
 * cannot change (sockets, threads, pools): each of those is named and keeps
 * its running value, while the rest apply.
 */
static void
serve_reload(struct serve_state *s)
{
	struct config		 next;
	struct reload_msg	*m;
	char			 err[512];
	SSL_CTX			*ctx;
	int		 i;

	config_defaults(&next);
	if (serve_load(s, &next) == -1) {
		config_free(&next);
		log_warnx("reload: settings unchanged");
		return;
	}
	if (config_keep_fixed(&next, &s->cfg, reload_fixed, NULL) == -1) {
		config_free(&next);
		log_warnx("reload: out of memory; settings unchanged");
		return;
	}
	if ((ctx = tls_server_ctx(next.cert, next.key, err, sizeof(err))) == NULL) {
		log_warnx("reload: %s; keeping the current certificate and settings",
		    err);
		config_free(&next);
		return;
	}
	for (i = 0; i < s->srv.nloops; i++) {
		if ((m = calloc(1, sizeof(*m))) == NULL) {
			log_warnx("reload: out of memory; loop %d not updated", i);
			continue;
		}
		if (config_copy(&m->cfg, &next) == -1 ||
		    SSL_CTX_up_ref(ctx) != 1) {
			reload_msg_free(m);
			log_warnx("reload: out of memory; loop %d not updated", i);
			continue;
		}
		m->tls = ctx;
		/* A post that fails leaves the message ours to free. */
		if (loop_post(&s->srv.loops[i], loop_take_reload, m) == -1) {
			reload_msg_free(m);
			log_warnx("reload: loop %d not updated", i);
		}
	}
	SSL_CTX_free(ctx);
	config_free(&s->cfg);
	s->cfg = next;
	log_info("reloaded settings and certificate");
}

static void
loop_drain_msg(struct loop *loop, void *arg)
{
	(void)arg;
	loop_drain(loop);
}

static void
serve_on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct serve_state	*s = arg;
	int			 i;

	(void)what;
	if (sig == SIGHUP) {
		serve_reload(s);
		return;
	}
	if (atomic_exchange(&s->srv.stopping, 1)) {
		log_info("stopping now: work in flight is cut short");
		for (i = 0; i < s->srv.nloops; i++)
			loop_stop_now(&s->srv.loops[i]);
		return;
	}
	log_info("stopping: no new connections; finishing work in flight "
	    "(signal again to stop at once)");
	for (i = 0; i < s->srv.nloops; i++)
		if (loop_post(&s->srv.loops[i], loop_drain_msg, NULL) == -1) {
			log_warnx("loop %d did not get the stop; stopping it now", i);
			loop_stop_now(&s->srv.loops[i]);
		}
}

/* A loop thread has stopped; when all have, so does the main loop. */
static void
serve_on_loop_exit(evutil_socket_t fd, short what, void *arg)
{
	struct serve_state	*s = arg;

	(void)fd;
	(void)what;
	/* Counted by the loops: two exiting together raise one event. */
	if (atomic_load(&s->srv.loops_exited) >= s->srv.nloops)
		event_base_loopexit(s->base, NULL);
}

static void
serve_start_loops(struct serve_state *s, int *fds, SSL_CTX *ctx)
{
	int	i;

	if ((s->srv.loops = calloc((size_t)s->srv.nloops, sizeof(struct loop))) == NULL)
		fatalx("out of memory");
	for (i = 0; i < s->srv.nloops; i++)
		if (loop_init(&s->srv.loops[i], &s->srv, i, fds[i], &s->cfg, ctx) == -1)
			fatalx("cannot set up loop %d", i);
	for (i = 0; i < s->srv.nloops; i++)
		if (loop_start(&s->srv.loops[i]) == -1)
			fatalx("cannot start loop %d", i);
}

static void
serve_signals(struct serve_state *s)
{
	static const int	 sigs[] = { SIGTERM, SIGINT, SIGHUP };
	size_t			 i;

	(void)signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		s->sigev[i] = evsignal_new(s->base, sigs[i], serve_on_signal, s);
		if (s->sigev[i] == NULL || evsignal_add(s->sigev[i], NULL) == -1)
			fatalx("cannot watch signal %d", sigs[i]);
	}
}

static void
serve_bind_and_drop(struct serve_state *s, const struct account *acct,
    int **fds, SSL_CTX **ctx)
{
	char	err[512];

	/*
	 * Half the cores by default: the database (embedded, or often on the
	 * same machine) and the hash workers need the rest, and a loop that
	 * serves more clients batches more of their queries into one write
	 * and one wake-up of the database. Measured in tests/bench/README.md.
	 */
	s->srv.nloops = s->cfg.threads > 0 ? (int)s->cfg.threads :
	    (int)sysconf(_SC_NPROCESSORS_ONLN) / 2;
	if (s->srv.nloops < 1)
		s->srv.nloops = 1;
	if ((*fds = calloc((size_t)s->srv.nloops, sizeof(int))) == NULL)
		fatalx("out of memory");
	if (listener_open(s->cfg.listen, s->srv.nloops, *fds, err, sizeof(err)) == -1)
		fatalx("%s", err);
	if ((*ctx = tls_server_ctx(s->cfg.cert, s->cfg.key, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	raise_fd_limit();
	if (account_is_root()) {
		if (account_drop(acct, err, sizeof(err)) == -1)
			fatalx("cannot drop privileges: %s", err);
		log_info("running as %s (uid %u)", acct->name, (unsigned)acct->uid);
	}
}

static void
serve_shutdown(struct serve_state *s)
{
	char	err[512];
	int	i;

	/*
	 * Order matters: the loops stop first; then the hash workers, which
	 * post to the loops; then what is left in each loop ends, and only
	 * then are the loops freed. The listener, which posts to them too,
	 * stops before all of it.
	 */
	events_stop(s->events);
	for (i = 0; i < s->srv.nloops; i++)
		loop_join(&s->srv.loops[i]);
	hashpool_stop(s->srv.hashpool);
	for (i = 0; i < s->srv.nloops; i++)
		loop_teardown(&s->srv.loops[i]);
	for (i = 0; i < s->srv.nloops; i++)
		loop_free(&s->srv.loops[i]);
	free(s->srv.loops);
	hashpool_free(s->srv.hashpool);
	if (s->srv.loop_exited != NULL)
		event_free(s->srv.loop_exited);
	if (s->pg_started && pgctl_stop(&s->pg, err, sizeof(err)) == -1)
		log_warnx("stopping PostgreSQL: %s", err);
	if (s->embedded)
		pgctl_free(&s->pg);
	addrlimit_free(s->srv.addrlimit);
	dispatch_statements_free(s->stmts, s->srv.nstmts);
	free(s->srv.conninfo);
	config_free(&s->cfg);
	free(s->conf_path);
	for (i = 0; i < (int)(sizeof(s->sigev) / sizeof(s->sigev[0])); i++)
		if (s->sigev[i] != NULL)
			event_free(s->sigev[i]);
	event_base_free(s->base);
	dispatch_free();
	log_info("stopped");
	log_shutdown();
}

int
serve_main(int argc, char **argv)
{
	struct serve_state	 s;
	struct account		 acct;
	SSL_CTX			*ctx;
	char			 err[512];
	int			*fds;

	memset(&s, 0, sizeof(s));
	if (serve_parse(argc, argv, &s.opts) == -1) {
		serve_usage();
		return 2;
	}
	log_init(s.opts.verbose, "sccd");
	config_defaults(&s.cfg);
	if (s.opts.dir != NULL &&
	    asprintf(&s.conf_path, "%s/sccd.conf", s.opts.dir) == -1)
		fatalx("out of memory");
	if (serve_load(&s, &s.cfg) == -1)
		return 1;
	if (account_resolve(s.cfg.user[0] ? s.cfg.user : NULL, s.opts.dir, &acct,
	    err, sizeof(err)) == -1)
		fatalx("%s", err);
	s.embedded = s.cfg.db[0] == '\0';
	if (s.embedded && s.opts.dir == NULL)
		fatalx("no database: give -D DIR or --db CONNINFO");
	if (dispatch_init(err, sizeof(err)) == -1)
		fatalx("command table: %s", err);
	if (s.embedded)
		serve_embedded_db(&s, &acct);
	else if ((s.srv.conninfo = strdup(s.cfg.db)) == NULL)
		fatalx("out of memory");
	s.srv.dbparams.conninfo = s.srv.conninfo;
	s.srv.dbparams.connect_timeout = (int)s.cfg.db_connect_timeout;
	s.srv.dbparams.statement_timeout = (int)s.cfg.statement_timeout;
	serve_check_db(&s);
	if (evthread_use_pthreads() == -1 || (s.base = event_base_new()) == NULL)
		fatalx("libevent setup failed");
	if ((s.srv.loop_exited = event_new(s.base, -1, 0, serve_on_loop_exit,
	    &s)) == NULL)
		fatalx("out of memory");
	if (dispatch_statements(&s.stmts, &s.srv.nstmts) == -1)
		fatalx("out of memory");
	s.srv.stmts = s.stmts;
	if ((s.srv.addrlimit = addrlimit_new()) == NULL)
		fatalx("out of memory");
	serve_bind_and_drop(&s, &acct, &fds, &ctx);
	account_free(&acct);
	if ((s.srv.hashpool = hashpool_new((int)s.cfg.hash_workers,
	    (int)s.cfg.hash_queue)) == NULL)
		fatalx("cannot start the password hashing pool");
	serve_signals(&s);
	/* From here on no thread may wait on a slow log reader. */
	if (log_start() == -1)
		log_warnx("logging stays synchronous: no writer thread");
	serve_start_loops(&s, fds, ctx);
	if ((s.events = events_start(&s.srv, s.base, &s.cfg)) == NULL)
		fatalx("cannot start the event listener");
	free(fds);
	SSL_CTX_free(ctx);
	log_info("serving on %s with %d threads", s.cfg.listen, s.srv.nloops);
	if (event_base_dispatch(s.base) == -1)
		log_warnx("main loop failed");
	serve_shutdown(&s);
	return 0;
}
