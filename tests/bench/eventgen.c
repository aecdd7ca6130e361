/*
 * eventgen: measures how fast live events reach the users watching for
 * them, through sccd, against what PostgreSQL's own LISTEN/NOTIFY gives on
 * the same commits.
 *
 * As the database owner (libpq, --pg) it makes an authority of its own and
 * N users in it, each with a session made the way LOGIN makes one: 32
 * random octets, their SHA-256 stored as scc.session.token_hash, the octets
 * sent as a base64url token (scp_token_encode). No password is ever
 * hashed. Then:
 *
 *  - N watchers, one per user, open TLS connections spread in turn over
 *    the --port instances, RESUME their token and send WATCH on. Each
 *    records the moment every "* EVENT id=" line arrives. Connections are
 *    non-blocking, dealt over --threads threads with an epoll set each.
 *  - A plain libpq connection LISTENs on scc_event, the channel every sccd
 *    listens on, and records the moment each NOTIFY arrives: the baseline.
 *  - The main thread is the producer: --rate transactions a second for
 *    --seconds, on a fixed schedule, one scc.event_add each (autocommit)
 *    for --fanout users drawn at random (default one: an event for one
 *    user a transaction). For each event it keeps its id and the clock
 *    just before the statement is sent and just after its answer, which
 *    comes after the commit, is back.
 *
 * After the last commit it waits up to --grace seconds for every event to
 * reach its watcher and the listener (then one second more, for
 * duplicates), matches arrivals to events, and prints one line of
 * name=value fields. Latencies run from the commit's return (and, as
 * send_*, from the send) to the arrival, all on CLOCK_MONOTONIC in this
 * one process. A notification can reach a listener before the producer has
 * read its commit's answer, so latencies from the commit may be negative.
 */
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "scp.h"

#define MAX_PORTS	8
#define EVENTS_MAX	256
#define READ_CHUNK	16384
#define LINE_MAX_IN	65536
#define LITERAL_MAX_IN	(1024 * 1024)
#define WAIT_TICK_MS	20
#define OPEN_TIMEOUT_S	120
#define ERRORS_SHOWN	5		/* per thread */
#define RESUME_TRIES	20
#define BACKOFF_STEP_MS	20
#define BACKOFF_MAX_MS	500
#define TAIL_MS		1000		/* after the last arrival: duplicates */
#define NS		1000000000ull

enum wstate {
	WS_IDLE,	/* no socket */
	WS_CONNECTING,
	WS_HANDSHAKE,
	WS_GREETING,
	WS_RESUMING,
	WS_BACKOFF,	/* RESUME was told to retry; waits for retry_at */
	WS_WATCH_REQ,	/* WATCH on sent */
	WS_WATCHING
};

enum phase {
	PH_OPEN,
	PH_RUN,
	PH_STOP
};

struct options {
	const char	*host;
	const char	*ports[MAX_PORTS];
	int		 nports;
	const char	*ca;
	const char	*pg;		/* conninfo of the database owner */
	const char	*dump;		/* a line per event, to this file */
	int		 watchers;
	int		 rate;		/* transactions a second */
	int		 fanout;	/* recipients of each */
	int		 seconds;
	int		 grace;
	int		 threads;
	int		 batch;
	int		 settle;	/* seconds between WATCH and the first event */
	unsigned long long seed;
};

struct user {
	int64_t		 id;
	char		 token[SCP_TOKEN_LEN + 1];
};

/* One event the producer committed. */
struct produced {
	int64_t		 id;
	uint32_t	 user;		/* index into users */
	uint64_t	 send_ns;	/* CLOCK_MONOTONIC */
	uint64_t	 commit_ns;
	uint64_t	 due_ns;
	int64_t		 commit_rt_ns;	/* CLOCK_REALTIME, for the server's logs */
	/* filled in by the matching */
	uint64_t	 arrive_ns;	/* the first arrival at its watcher; 0: none */
	uint32_t	 arrivals;
	uint64_t	 listen_ns;	/* the first NOTIFY at the listener; 0: none */
	uint32_t	 notifies;
};

struct arrival {
	int64_t		 id;
	uint64_t	 ns;
	uint32_t	 who;		/* the watcher's user index */
};

/* Appended by one thread, read by the main thread while it waits. */
struct arrivals {
	pthread_mutex_t	 mu;
	struct arrival	*v;
	size_t		 n, cap;
	size_t		 scanned;	/* main thread: matched so far */
};

struct bench {
	struct options		 opt;
	SSL_CTX			*ctx;
	struct sockaddr_storage	 addr[MAX_PORTS];
	socklen_t		 addrlen[MAX_PORTS];
	bool			 host_is_ip;
	struct user		*users;
	size_t			 nusers;
	int64_t			 authority;
	char			*seq;		/* scc.event's sequence, quoted */
	atomic_int		 phase;
	atomic_size_t		 settled;
	atomic_size_t		 up;
	atomic_size_t		 dropped;	/* watching, then closed */
	atomic_size_t		 retries;
	struct arrivals		 listened;	/* the LISTEN baseline */
	atomic_bool		 listening;
	atomic_bool		 listen_failed;
};

struct wthread;

struct watcher {
	struct wthread		*t;
	uint32_t		 idx;		/* the user, and the watcher */
	int			 port;		/* index into opt.ports */
	enum wstate		 state;
	bool			 settled;
	bool			 wantw;
	int			 fd;
	uint32_t		 events;
	SSL			*ssl;
	struct scp_reader	*reader;
	struct scp_buf		 out;
	int			 tries;
	uint64_t		 retry_at;
	int64_t			 last_id;	/* highest EVENT id seen */
};

struct wthread {
	struct bench		*b;
	pthread_t		 thread;
	int			 ep;
	struct watcher		*ws;
	size_t			 n;
	size_t			 next_open;
	size_t			 opening;
	size_t			 batch;
	size_t			 backoff;
	int			 shown;
	uint64_t		 errors;
	uint64_t		 reordered;	/* an id below one seen before */
	uint64_t		 unparsed;	/* EVENT lines without an id */
	struct arrivals		 arr;
};

static void	w_close(struct watcher *);

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	fputs("eventgen: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static uint64_t
clock_ns(clockid_t clk)
{
	struct timespec	 ts;

	if (clock_gettime(clk, &ts) == -1)
		die("clock_gettime: %s", strerror(errno));
	return (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
}

static uint64_t
now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

static void
sleep_ms(unsigned ms)
{
	struct timespec	 ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static void
sleep_until(uint64_t ns)
{
	struct timespec	 ts = { (time_t)(ns / NS), (long)(ns % NS) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	    EINTR)
		;
}

/* splitmix64: the producer's choice of recipient, repeatable by --seed. */
static uint64_t
next_random(uint64_t *state)
{
	uint64_t	 z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* ---- arrivals ---- */

static void
arrivals_init(struct arrivals *a)
{
	memset(a, 0, sizeof(*a));
	if (pthread_mutex_init(&a->mu, NULL) != 0)
		die("pthread_mutex_init failed");
}

static void
arrivals_add(struct arrivals *a, int64_t id, uint64_t ns, uint32_t who)
{
	struct arrival	*v;
	size_t		 cap;

	pthread_mutex_lock(&a->mu);
	if (a->n == a->cap) {
		cap = a->cap == 0 ? 4096 : a->cap * 2;
		if ((v = reallocarray(a->v, cap, sizeof(*v))) == NULL)
			die("out of memory");
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n].id = id;
	a->v[a->n].ns = ns;
	a->v[a->n].who = who;
	a->n++;
	pthread_mutex_unlock(&a->mu);
}

static void
arrivals_free(struct arrivals *a)
{
	free(a->v);
	pthread_mutex_destroy(&a->mu);
}

/* ---- TLS ---- */

static SSL_CTX *
tls_setup(const char *ca)
{
	SSL_CTX	*ctx;

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		die("SSL_CTX_new failed");
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1)
		die("cannot require TLS 1.2");
	if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1)
		die("cannot load CA %s: %s", ca,
		    ERR_error_string(ERR_get_error(), NULL));
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS |
	    SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_read_ahead(ctx, 1);
	return ctx;
}

static SSL *
tls_new(const struct bench *b, int fd)
{
	SSL	*ssl;
	int	 ok;

	if ((ssl = SSL_new(b->ctx)) == NULL)
		return NULL;
	if (b->host_is_ip)
		ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl),
		    b->opt.host);
	else
		ok = SSL_set_tlsext_host_name(ssl, b->opt.host) == 1 &&
		    SSL_set1_host(ssl, b->opt.host) == 1;
	if (!ok || SSL_set_fd(ssl, fd) != 1) {
		SSL_free(ssl);
		return NULL;
	}
	return ssl;
}

/* ---- watchers ---- */

static void
w_note(struct watcher *w, const char *what)
{
	unsigned long	 e = ERR_peek_error();
	char		 detail[256] = "";

	if (w->t->shown++ >= ERRORS_SHOWN)
		return;
	if (e != 0)
		ERR_error_string_n(e, detail, sizeof(detail));
	fprintf(stderr, "eventgen: watcher %u (port %s): %s%s%s\n", w->idx,
	    w->t->b->opt.ports[w->port], what, e != 0 ? ": " : "", detail);
}

/* A watcher not yet counted as opened is counted now. */
static void
w_settle(struct watcher *w, bool up)
{
	struct bench	*b = w->t->b;

	if (w->settled)
		return;
	w->settled = true;
	w->t->opening--;
	if (up)
		atomic_fetch_add(&b->up, 1);
	atomic_fetch_add(&b->settled, 1);
}

static void
w_fail(struct watcher *w, const char *what)
{
	w_note(w, what);
	ERR_clear_error();
	w->t->errors++;
	if (w->state == WS_WATCHING)
		atomic_fetch_add(&w->t->b->dropped, 1);
	w_close(w);
}

static void
w_close(struct watcher *w)
{
	if (w->ssl != NULL)
		SSL_free(w->ssl);
	w->ssl = NULL;
	if (w->fd != -1)
		close(w->fd);
	w->fd = -1;
	scp_reader_free(w->reader);
	w->reader = NULL;
	scp_buf_free(&w->out);
	if (w->state == WS_BACKOFF)
		w->t->backoff--;
	w->state = WS_IDLE;
	w_settle(w, false);
}

static int
w_interest(struct watcher *w, uint32_t events)
{
	struct epoll_event	 ev;

	if (events == w->events)
		return 0;
	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.ptr = w;
	if (epoll_ctl(w->t->ep, EPOLL_CTL_MOD, w->fd, &ev) == -1)
		return -1;
	w->events = events;
	return 0;
}

static int
w_open(struct watcher *w)
{
	const struct bench	*b = w->t->b;
	struct epoll_event	 ev;
	int			 one = 1;

	w->fd = socket(b->addr[w->port].ss_family,
	    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (w->fd == -1)
		return -1;
	if (setsockopt(w->fd, IPPROTO_TCP, TCP_NODELAY, &one,
	    sizeof(one)) == -1)
		return -1;
	if (connect(w->fd, (const struct sockaddr *)&b->addr[w->port],
	    b->addrlen[w->port]) == -1 && errno != EINPROGRESS)
		return -1;
	if ((w->reader = scp_reader_new(LINE_MAX_IN, LITERAL_MAX_IN)) == NULL)
		return -1;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLOUT;
	ev.data.ptr = w;
	if (epoll_ctl(w->t->ep, EPOLL_CTL_ADD, w->fd, &ev) == -1)
		return -1;
	w->events = EPOLLOUT;
	w->state = WS_CONNECTING;
	return 0;
}

/* 0 to wait, -1 when the connection is gone (*eof: closed cleanly). */
static int
w_ssl_wait(struct watcher *w, int rc, bool *eof)
{
	*eof = false;
	switch (SSL_get_error(w->ssl, rc)) {
	case SSL_ERROR_WANT_READ:
		w->wantw = false;
		return 0;
	case SSL_ERROR_WANT_WRITE:
		w->wantw = true;
		return 0;
	case SSL_ERROR_ZERO_RETURN:
		*eof = true;
		return -1;
	case SSL_ERROR_SYSCALL:
		*eof = ERR_peek_error() == 0;
		return -1;
	default:
		return -1;
	}
}

static int
w_update_interest(struct watcher *w)
{
	return w_interest(w, EPOLLIN | (w->wantw ? EPOLLOUT : 0));
}

static void
w_connected(struct watcher *w)
{
	int		 err = 0;
	socklen_t	 len = sizeof(err);

	if (getsockopt(w->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1 ||
	    err != 0) {
		w_fail(w, strerror(err != 0 ? err : errno));
		return;
	}
	if ((w->ssl = tls_new(w->t->b, w->fd)) == NULL) {
		w_fail(w, "cannot set up TLS");
		return;
	}
	w->state = WS_HANDSHAKE;
}

static void
w_handshake(struct watcher *w)
{
	int	 rc;
	bool	 eof;

	if ((rc = SSL_connect(w->ssl)) == 1) {
		w->state = WS_GREETING;
		w->wantw = false;
	} else if (w_ssl_wait(w, rc, &eof) == -1) {
		w_fail(w, eof ? "closed during the TLS handshake" :
		    "TLS handshake failed");
		return;
	}
	if (w_update_interest(w) == -1)
		w_fail(w, "epoll_ctl");
}

static int
w_flush(struct watcher *w, bool *eof)
{
	int	 n, len;

	*eof = false;
	while (w->out.len > 0) {
		len = w->out.len > INT_MAX ? INT_MAX : (int)w->out.len;
		if ((n = SSL_write(w->ssl, w->out.data, len)) <= 0)
			return w_ssl_wait(w, n, eof);
		scp_buf_consume(&w->out, (size_t)n);
	}
	return 0;
}

static int
w_send_resume(struct watcher *w)
{
	return scp_buf_printf(&w->out, "r%d RESUME %s\r\n", w->tries,
	    w->t->b->users[w->idx].token);
}

static void
w_event_line(struct watcher *w, const struct scp_response *r, uint64_t ns)
{
	const char	*s = scp_response_field(r, "id");
	char		*end;
	long long	 id;

	if (s == NULL || (id = strtoll(s, &end, 10)) <= 0 || *end != '\0') {
		w->t->unparsed++;
		return;
	}
	if (id < w->last_id)
		w->t->reordered++;
	else
		w->last_id = id;
	arrivals_add(&w->t->arr, id, ns, w->idx);
}

static void
w_resumed(struct watcher *w, const struct scp_response *r)
{
	char		 why[160];
	uint64_t	 wait_ms;

	if (r->status != SCP_OK && r->code != NULL &&
	    (strcmp(r->code, "UNAVAILABLE") == 0 ||
	    strcmp(r->code, "LIMIT") == 0) && ++w->tries < RESUME_TRIES) {
		wait_ms = (uint64_t)w->tries * BACKOFF_STEP_MS;
		if (wait_ms > BACKOFF_MAX_MS)
			wait_ms = BACKOFF_MAX_MS;
		w->retry_at = now_ns() + wait_ms * 1000000u;
		w->state = WS_BACKOFF;
		w->t->backoff++;
		atomic_fetch_add(&w->t->b->retries, 1);
		return;
	}
	if (r->status != SCP_OK) {
		(void)snprintf(why, sizeof(why), "RESUME refused: [%s] %s",
		    r->code != NULL ? r->code : "",
		    r->text != NULL ? r->text : "");
		w_fail(w, why);
		return;
	}
	if (scp_buf_addstr(&w->out, "w1 WATCH on\r\n") == -1) {
		w_fail(w, "out of memory");
		return;
	}
	w->state = WS_WATCH_REQ;
}

static void
w_response(struct watcher *w, const struct scp_response *r, uint64_t ns)
{
	char	 why[160];

	if (r->kind == SCP_R_BYE) {
		(void)snprintf(why, sizeof(why), "the server said BYE [%s] %s",
		    r->code != NULL ? r->code : "",
		    r->text != NULL ? r->text : "");
		w_fail(w, why);
		return;
	}
	if (w->state == WS_GREETING) {
		if (w_send_resume(w) == -1)
			w_fail(w, "out of memory");
		else
			w->state = WS_RESUMING;
		return;
	}
	if (r->kind == SCP_R_DATA) {
		if (r->type != NULL && strcmp(r->type, "EVENT") == 0)
			w_event_line(w, r, ns);
		return;
	}
	if (r->kind != SCP_R_DONE)
		return;
	if (w->state == WS_RESUMING && r->tag[0] == 'r')
		w_resumed(w, r);
	else if (w->state == WS_WATCH_REQ && strcmp(r->tag, "w1") == 0) {
		if (r->status != SCP_OK) {
			w_fail(w, "WATCH on refused");
			return;
		}
		w->state = WS_WATCHING;
		w_settle(w, true);
	}
}

static int
w_feed(struct watcher *w, const char *in, size_t len, uint64_t ns)
{
	size_t	 off = 0, used;

	while (off < len && w->reader != NULL) {
		switch (scp_read(w->reader, in + off, len - off, &used)) {
		case SCP_REQUEST:
			w_response(w, scp_reader_response(w->reader), ns);
			break;
		case SCP_MORE:
			break;
		default:
			w_fail(w, scp_reader_error(w->reader));
			return -1;
		}
		off += used;
	}
	return w->reader != NULL ? 0 : -1;
}

/* Everything TLS holds; the arrival time is taken as each read returns. */
static void
w_read(struct watcher *w)
{
	char	 buf[READ_CHUNK];
	int	 n;
	bool	 eof;

	while (w->ssl != NULL) {
		if ((n = SSL_read(w->ssl, buf, sizeof(buf))) > 0) {
			if (w_feed(w, buf, (size_t)n, now_ns()) == -1)
				return;
			if (!SSL_has_pending(w->ssl)) {
				w->wantw = false;
				return;
			}
			continue;
		}
		if (w_ssl_wait(w, n, &eof) == -1)
			w_fail(w, eof ? "closed by the server" :
			    "TLS read failed");
		return;
	}
}

static void
w_pump(struct watcher *w)
{
	bool	 eof;

	if (w_flush(w, &eof) == 0) {
		w_read(w);
		if (w->ssl == NULL)
			return;
		if (w_flush(w, &eof) == 0) {
			if (w_update_interest(w) == -1)
				w_fail(w, "epoll_ctl");
			return;
		}
	}
	w_fail(w, eof ? "closed by the server" : "TLS write failed");
}

static void
w_on_event(struct watcher *w)
{
	if (w->state == WS_CONNECTING)
		w_connected(w);
	if (w->state == WS_HANDSHAKE)
		w_handshake(w);
	if (w->state >= WS_GREETING)
		w_pump(w);
}

static void
wt_open_more(struct wthread *t)
{
	struct watcher	*w;

	while (t->opening < t->batch && t->next_open < t->n) {
		w = &t->ws[t->next_open++];
		t->opening++;
		if (w_open(w) == -1) {
			w_note(w, strerror(errno));
			t->errors++;
			w_close(w);
		}
	}
}

static void
wt_retry(struct wthread *t)
{
	struct watcher	*w;
	uint64_t	 now = now_ns();
	size_t		 i;

	for (i = 0; i < t->n && t->backoff > 0; i++) {
		w = &t->ws[i];
		if (w->state != WS_BACKOFF || w->retry_at > now)
			continue;
		t->backoff--;
		w->state = WS_RESUMING;
		if (w_send_resume(w) == -1) {
			w_fail(w, "out of memory");
			continue;
		}
		w_pump(w);
	}
}

static void *
wt_main(void *arg)
{
	struct wthread		*t = arg;
	struct epoll_event	 evs[EVENTS_MAX];
	size_t			 k;
	int			 n, i;

	while (atomic_load(&t->b->phase) != PH_STOP) {
		if (atomic_load(&t->b->phase) == PH_OPEN)
			wt_open_more(t);
		if (t->backoff > 0)
			wt_retry(t);
		n = epoll_wait(t->ep, evs, EVENTS_MAX, WAIT_TICK_MS);
		if (n == -1 && errno != EINTR)
			die("epoll_wait: %s", strerror(errno));
		for (i = 0; i < n; i++)
			w_on_event(evs[i].data.ptr);
	}
	for (k = 0; k < t->n; k++)
		w_close(&t->ws[k]);
	return NULL;
}

/* Watcher i goes to thread i % threads and instance i % ports. */
static struct wthread *
wthreads_new(struct bench *b)
{
	struct wthread	*ts, *t;
	size_t		 total = b->nusers, i, k;
	size_t		 nt = (size_t)b->opt.threads;

	if ((ts = calloc(nt, sizeof(*ts))) == NULL)
		die("out of memory");
	for (i = 0; i < nt; i++) {
		t = &ts[i];
		t->b = b;
		t->n = total / nt + (i < total % nt);
		t->batch = (size_t)b->opt.batch / nt + 1;
		if ((t->ws = calloc(t->n + 1, sizeof(*t->ws))) == NULL)
			die("out of memory");
		if ((t->ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
			die("epoll_create1: %s", strerror(errno));
		arrivals_init(&t->arr);
	}
	for (i = 0; i < total; i++) {
		t = &ts[i % nt];
		k = i / nt;
		t->ws[k].t = t;
		t->ws[k].idx = (uint32_t)i;
		t->ws[k].port = (int)(i % (size_t)b->opt.nports);
		t->ws[k].fd = -1;
	}
	return ts;
}

/* ---- the listener: PostgreSQL alone ---- */

static PGconn *
pg_connect(const char *conninfo)
{
	PGconn	*pg = PQconnectdb(conninfo);

	if (PQstatus(pg) != CONNECTION_OK)
		die("database: %s", PQerrorMessage(pg));
	return pg;
}

static void
pg_ok(PGconn *pg, const char *sql)
{
	PGresult	*res = PQexec(pg, sql);

	if (PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQresultStatus(res) != PGRES_TUPLES_OK)
		die("%s: %s", sql, PQresultErrorMessage(res));
	PQclear(res);
}

static void *
listener_main(void *arg)
{
	struct bench	*b = arg;
	PGconn		*pg = pg_connect(b->opt.pg);
	struct pollfd	 pfd;
	PGnotify	*n;
	uint64_t	 ns;
	char		*end;
	long long	 id;

	pg_ok(pg, "LISTEN scc_event");
	/* Ready before the first event: the main thread waits for this. */
	atomic_store(&b->listening, true);
	pfd.fd = PQsocket(pg);
	pfd.events = POLLIN;
	while (atomic_load(&b->phase) != PH_STOP) {
		if (poll(&pfd, 1, WAIT_TICK_MS) == -1 && errno != EINTR)
			die("poll: %s", strerror(errno));
		if (PQconsumeInput(pg) != 1) {
			fprintf(stderr, "eventgen: listener: %s",
			    PQerrorMessage(pg));
			atomic_store(&b->listen_failed, true);
			break;
		}
		ns = now_ns();
		while ((n = PQnotifies(pg)) != NULL) {
			if (strcmp(n->relname, "scc_event") == 0 &&
			    (id = strtoll(n->extra, &end, 10)) > 0 &&
			    *end == '\0')
				arrivals_add(&b->listened, id, ns, 0);
			PQfreemem(n);
		}
	}
	PQfinish(pg);
	return NULL;
}

/* ---- setup: users and sessions, as the database owner ---- */

static void
hex(char *out, const unsigned char *in, size_t len)
{
	static const char	 digits[] = "0123456789abcdef";
	size_t			 i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}

static int
cmp_user(const void *a, const void *b)
{
	int64_t	 x = ((const struct user *)a)->id;
	int64_t	 y = ((const struct user *)b)->id;

	return x < y ? -1 : x > y;
}

/*
 * A fresh authority and one user per watcher, each with a session made as
 * LOGIN makes one (cmd_session.c): 32 random octets, stored as their
 * SHA-256, sent as scp_token_encode spells them. No one_time password.
 */
static void
setup_users(struct bench *b)
{
	PGconn		*pg = pg_connect(b->opt.pg);
	PGresult	*res;
	struct scp_buf	 hashes = { NULL, 0, 0 }, ids = { NULL, 0, 0 };
	unsigned char	 raw[SCP_TOKEN_RAW], digest[SHA256_DIGEST_LENGTH];
	char		 hexd[2 * SHA256_DIGEST_LENGTH + 1], name[96], n[16];
	const char	*vals[3];
	int		 i, fail = 0;

	(void)snprintf(name, sizeof(name), "Bench events %ld-%llu",
	    (long)getpid(), (unsigned long long)(clock_ns(CLOCK_REALTIME) / NS));
	(void)snprintf(n, sizeof(n), "%d", b->opt.watchers);
	pg_ok(pg, "BEGIN");
	vals[0] = name;
	res = PQexecParams(pg, "INSERT INTO scc.authority (name) VALUES ($1) "
	    "RETURNING id", 1, NULL, vals, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		die("creating the authority: %s", PQresultErrorMessage(res));
	b->authority = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);

	/* The login names only need to be unique; the authority's id is. */
	(void)snprintf(name, sizeof(name), "ev%lld", (long long)b->authority);
	{
		char		 auth[24];
		const char	*v[3] = { auth, name, n };

		(void)snprintf(auth, sizeof(auth), "%lld",
		    (long long)b->authority);
		res = PQexecParams(pg, "INSERT INTO scc.app_user "
		    "(authority_id, login, name, role, pwhash) "
		    "SELECT $1::bigint, $2 || '.' || g, 'Event watcher ' || g, "
		    "'lead_officer', '!bench: no password opens this' "
		    "FROM generate_series(1, $3::int) g "
		    "RETURNING id", 3, NULL, v, NULL, NULL, 0);
	}
	if (PQresultStatus(res) != PGRES_TUPLES_OK ||
	    PQntuples(res) != b->opt.watchers)
		die("creating the users: %s", PQresultErrorMessage(res));
	b->nusers = (size_t)b->opt.watchers;
	if ((b->users = calloc(b->nusers, sizeof(*b->users))) == NULL)
		die("out of memory");
	fail |= scp_buf_addstr(&hashes, "{");
	fail |= scp_buf_addstr(&ids, "{");
	for (i = 0; i < b->opt.watchers; i++) {
		b->users[i].id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
		if (RAND_bytes(raw, sizeof(raw)) != 1)
			die("RAND_bytes failed");
		if (SHA256(raw, sizeof(raw), digest) == NULL)
			die("SHA256 failed");
		scp_token_encode(raw, b->users[i].token);
		hex(hexd, digest, sizeof(digest));
		fail |= scp_buf_printf(&hashes, "%s%s", i ? "," : "", hexd);
		fail |= scp_buf_printf(&ids, "%s%lld", i ? "," : "",
		    (long long)b->users[i].id);
	}
	PQclear(res);
	/* In the order of their ids, as event_add inserts a fan-out. */
	qsort(b->users, b->nusers, sizeof(*b->users), cmp_user);
	fail |= scp_buf_addstr(&hashes, "}");
	fail |= scp_buf_addstr(&ids, "}");
	if (fail)
		die("out of memory");
	vals[0] = hashes.data;
	vals[1] = ids.data;
	res = PQexecParams(pg, "INSERT INTO scc.session "
	    "(token_hash, user_id, idle_seconds, expires_at) "
	    "SELECT decode(h, 'hex'), u, 3600, now() + interval '1 day' "
	    "FROM unnest($1::text[], $2::bigint[]) AS t(h, u)", 2, NULL, vals,
	    NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK ||
	    strtol(PQcmdTuples(res), NULL, 10) != b->opt.watchers)
		die("creating the sessions: %s", PQresultErrorMessage(res));
	PQclear(res);
	pg_ok(pg, "COMMIT");

	res = PQexec(pg, "SELECT quote_literal(pg_get_serial_sequence("
	    "'scc.event', 'id'))");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1 ||
	    PQgetisnull(res, 0, 0))
		die("scc.event has no sequence: %s", PQresultErrorMessage(res));
	if ((b->seq = strdup(PQgetvalue(res, 0, 0))) == NULL)
		die("out of memory");
	PQclear(res);
	scp_buf_free(&hashes);
	scp_buf_free(&ids);
	PQfinish(pg);
}

/* ---- the producer ---- */

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t	 x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * One transaction at a time, on a fixed schedule: the i-th is due at
 * t0 + i / rate, and goes at once if the one before it ran late. Each
 * calls scc.event_add once, for --fanout users drawn at random (1: one
 * event, one recipient). The ids come back with it: currval, read after
 * event_add in the same row and so in the same transaction, is the id of
 * the last row it inserted; it inserts one row per user in the order of
 * their ids, and nothing else inserts events meanwhile, so the rows are
 * the fanout ids up to that one. (Were that ever wrong, the events would
 * show up as misrouted or stray, not as fast.)
 */
static size_t
produce(struct bench *b, struct produced *ev, size_t ntx, uint64_t *t0)
{
	PGconn		*pg = pg_connect(b->opt.pg);
	PGresult	*res;
	struct scp_buf	 arr = { NULL, 0, 0 };
	char		*sql, auth[24], seqno[24];
	const char	*vals[3] = { auth, NULL, seqno };
	uint64_t	 state = b->opt.seed, period, now, send, due;
	uint32_t	*perm, r, tmp;
	size_t		 i, j, k = (size_t)b->opt.fanout, n = 0;
	int64_t		 last;
	int		 fail;

	if (asprintf(&sql, "SELECT scc.event_add($1::bigint, "
	    "$2::bigint[], 'bench.tick', 'bench:' || $3, "
	    "ROW(NULL, NULL, NULL, NULL)::scc.event_subject, NULL, NULL) "
	    "IS NULL, currval(%s)", b->seq) == -1)
		die("out of memory");
	res = PQprepare(pg, "tick", sql, 3, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		die("prepare: %s", PQresultErrorMessage(res));
	PQclear(res);
	free(sql);
	if ((perm = calloc(b->nusers, sizeof(*perm))) == NULL)
		die("out of memory");
	for (j = 0; j < b->nusers; j++)
		perm[j] = (uint32_t)j;
	(void)snprintf(auth, sizeof(auth), "%lld", (long long)b->authority);
	period = NS / (uint64_t)b->opt.rate;
	*t0 = now_ns();
	for (i = 0; i < ntx; i++) {
		due = *t0 + i * period;
		sleep_until(due);
		/* k distinct users: the first k of a partial shuffle, then in
		 * the order of their ids (users[] is), as event_add inserts. */
		for (j = 0; j < k; j++) {
			r = (uint32_t)(j + next_random(&state) %
			    (b->nusers - j));
			tmp = perm[j];
			perm[j] = perm[r];
			perm[r] = tmp;
		}
		qsort(perm, k, sizeof(*perm), cmp_u32);
		scp_buf_reset(&arr);
		fail = scp_buf_addstr(&arr, "{");
		for (j = 0; j < k; j++)
			fail |= scp_buf_printf(&arr, "%s%lld", j ? "," : "",
			    (long long)b->users[perm[j]].id);
		fail |= scp_buf_addstr(&arr, "}");
		if (fail)
			die("out of memory");
		vals[1] = arr.data;
		(void)snprintf(seqno, sizeof(seqno), "%zu", i);
		send = now_ns();
		res = PQexecPrepared(pg, "tick", 3, vals, NULL, NULL, 0);
		now = now_ns();
		if (PQresultStatus(res) != PGRES_TUPLES_OK ||
		    PQntuples(res) != 1)
			die("transaction %zu: %s", i, PQresultErrorMessage(res));
		last = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
		PQclear(res);
		for (j = 0; j < k; j++, n++) {
			ev[n].id = last - (int64_t)(k - 1 - j);
			ev[n].user = perm[j];
			ev[n].due_ns = due;
			ev[n].send_ns = send;
			ev[n].commit_ns = now;
			ev[n].commit_rt_ns = (int64_t)clock_ns(CLOCK_REALTIME);
		}
	}
	scp_buf_free(&arr);
	free(perm);
	PQfinish(pg);
	return n;
}

/* ---- matching ---- */

struct match {
	struct produced	*ev;
	size_t		 nev;
	bool		 sorted;	/* ids rise with i: binary search */
	uint64_t	 stray;		/* ids the producer did not commit */
	uint64_t	 misrouted;	/* an event at another user's watcher */
	uint64_t	 duplicates;
	uint64_t	 listen_dup;
	size_t		 got;		/* events at their watcher */
	size_t		 heard;		/* events heard by the listener */
};

static struct produced *
find_event(struct match *m, int64_t id)
{
	size_t	 lo = 0, hi = m->nev, mid;

	if (!m->sorted) {
		for (lo = 0; lo < m->nev; lo++)
			if (m->ev[lo].id == id)
				return &m->ev[lo];
		return NULL;
	}
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (m->ev[mid].id == id)
			return &m->ev[mid];
		if (m->ev[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Match what arrived since the last look. */
static void
match_scan(struct match *m, struct arrivals *a, bool listener)
{
	struct produced	*e;
	struct arrival	*x;

	pthread_mutex_lock(&a->mu);
	for (; a->scanned < a->n; a->scanned++) {
		x = &a->v[a->scanned];
		if ((e = find_event(m, x->id)) == NULL) {
			if (!listener)
				m->stray++;
			continue;
		}
		if (listener) {
			if (e->notifies++ == 0) {
				e->listen_ns = x->ns;
				m->heard++;
			} else
				m->listen_dup++;
			continue;
		}
		if (x->who != e->user) {
			m->misrouted++;
			continue;
		}
		if (e->arrivals++ == 0) {
			e->arrive_ns = x->ns;
			m->got++;
		} else
			m->duplicates++;
	}
	pthread_mutex_unlock(&a->mu);
}

static void
match_all(struct match *m, struct wthread *ts, int nt, struct arrivals *l)
{
	int	 i;

	for (i = 0; i < nt; i++)
		match_scan(m, &ts[i].arr, false);
	match_scan(m, l, true);
}

/* ---- figures ---- */

static int
cmp_i64(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

struct dist {
	int64_t		*v;	/* nanoseconds, sorted */
	size_t		 n;
};

static void
dist_add(struct dist *d, size_t cap, int64_t ns)
{
	if (d->v == NULL && (d->v = calloc(cap + 1, sizeof(*d->v))) == NULL)
		die("out of memory");
	d->v[d->n++] = ns;
}

/* Nearest rank, in milliseconds; permille 1000 is the maximum. */
static double
dist_ms(struct dist *d, unsigned permille)
{
	size_t	 rank;

	if (d->n == 0)
		return 0;
	rank = (d->n * permille + 999) / 1000;
	if (rank == 0)
		rank = 1;
	return (double)d->v[rank - 1] / 1e6;
}

static void
dist_print(const char *prefix, struct dist *d)
{
	if (d->n > 0)
		qsort(d->v, d->n, sizeof(*d->v), cmp_i64);
	printf(" %sp50_ms=%.3f %sp90_ms=%.3f %sp99_ms=%.3f %smax_ms=%.3f",
	    prefix, dist_ms(d, 500), prefix, dist_ms(d, 900), prefix,
	    dist_ms(d, 990), prefix, dist_ms(d, 1000));
	free(d->v);
	d->v = NULL;
	d->n = 0;
}

static void
dump_events(const struct bench *b, const struct match *m, uint64_t t0)
{
	FILE			*fp;
	const struct produced	*e;
	size_t			 i;

	if ((fp = fopen(b->opt.dump, "w")) == NULL)
		die("%s: %s", b->opt.dump, strerror(errno));
	fprintf(fp, "# id user_id instance commit_realtime_ns; then "
	    "microseconds from the first event's due time: due send commit "
	    "notify arrive (-1: never); arrivals at the watcher\n");
	for (i = 0; i < m->nev; i++) {
		e = &m->ev[i];
#define REL(x)	((x) == 0 ? -1LL : (long long)(((x) - t0) / 1000))
		fprintf(fp, "%lld %lld %s %lld %lld %lld %lld %lld %lld %u\n",
		    (long long)e->id, (long long)b->users[e->user].id,
		    b->opt.ports[e->user % (uint32_t)b->opt.nports],
		    (long long)e->commit_rt_ns, REL(e->due_ns),
		    REL(e->send_ns), REL(e->commit_ns), REL(e->listen_ns),
		    REL(e->arrive_ns), e->arrivals);
#undef REL
	}
	if (fclose(fp) == EOF)
		die("%s: %s", b->opt.dump, strerror(errno));
}

static void
report(struct bench *b, struct match *m, struct wthread *ts, size_t up,
    uint64_t t0, double open_s)
{
	struct dist	 commit = { NULL, 0 }, send = { NULL, 0 };
	struct dist	 lcommit = { NULL, 0 }, lsend = { NULL, 0 };
	struct dist	 dbtime = { NULL, 0 }, late = { NULL, 0 };
	struct dist	 per[MAX_PORTS];
	uint64_t	 reordered = 0, unparsed = 0, errors = 0;
	size_t		 i, n = m->nev, ntx;
	int		 p;
	const struct produced *e;
	double		 span;

	memset(per, 0, sizeof(per));
	for (i = 0; i < (size_t)b->opt.threads; i++) {
		reordered += ts[i].reordered;
		unparsed += ts[i].unparsed;
		errors += ts[i].errors;
	}
	for (i = 0; i < n; i++) {
		e = &m->ev[i];
		dist_add(&dbtime, n, (int64_t)(e->commit_ns - e->send_ns));
		dist_add(&late, n, (int64_t)(e->send_ns - e->due_ns));
		if (e->arrivals > 0) {
			dist_add(&commit, n,
			    (int64_t)e->arrive_ns - (int64_t)e->commit_ns);
			dist_add(&send, n,
			    (int64_t)e->arrive_ns - (int64_t)e->send_ns);
			p = (int)(e->user % (uint32_t)b->opt.nports);
			dist_add(&per[p], n,
			    (int64_t)e->arrive_ns - (int64_t)e->commit_ns);
		}
		if (e->notifies > 0) {
			dist_add(&lcommit, n,
			    (int64_t)e->listen_ns - (int64_t)e->commit_ns);
			dist_add(&lsend, n,
			    (int64_t)e->listen_ns - (int64_t)e->send_ns);
		}
	}
	span = n > 1 ? (double)(m->ev[n - 1].commit_ns - t0) / 1e9 : 0;
	ntx = n / (size_t)b->opt.fanout;
	printf("events watchers=%d up=%zu instances=%d open_s=%.1f "
	    "rate=%d fanout=%d seconds=%d transactions=%zu tx_per_s=%.1f "
	    "sent=%zu received=%zu "
	    "lost=%zu duplicates=%llu misrouted=%llu stray=%llu "
	    "reordered=%llu dropped=%zu retries=%zu errors=%llu",
	    b->opt.watchers, up, b->opt.nports, open_s, b->opt.rate,
	    b->opt.fanout, b->opt.seconds, ntx,
	    span > 0 ? (double)(ntx - 1) / span : 0.0, n,
	    m->got, n - m->got, (unsigned long long)m->duplicates,
	    (unsigned long long)m->misrouted,
	    (unsigned long long)(m->stray + unparsed),
	    (unsigned long long)reordered, atomic_load(&b->dropped),
	    atomic_load(&b->retries), (unsigned long long)errors);
	dist_print("", &commit);
	dist_print("send_", &send);
	for (p = 0; p < b->opt.nports; p++) {
		char	 prefix[16];

		(void)snprintf(prefix, sizeof(prefix), "i%d_", p + 1);
		dist_print(prefix, &per[p]);
	}
	printf(" listen_received=%zu listen_lost=%zu listen_duplicates=%llu",
	    m->heard, n - m->heard, (unsigned long long)m->listen_dup);
	dist_print("listen_", &lcommit);
	dist_print("listen_send_", &lsend);
	dist_print("commit_", &dbtime);
	dist_print("late_", &late);
	printf("\n");
	if (b->opt.dump != NULL)
		dump_events(b, m, t0);
}

/* ---- setup and command line ---- */

static void
raise_nofile(size_t need)
{
	struct rlimit	 rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		die("getrlimit: %s", strerror(errno));
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		die("setrlimit: %s", strerror(errno));
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need + 64)
		die("%llu descriptors allowed, %zu connections wanted",
		    (unsigned long long)rl.rlim_cur, need);
}

static void
resolve(struct bench *b)
{
	struct addrinfo	 hints, *res;
	unsigned char	 tmp[sizeof(struct in6_addr)];
	int		 rc, i;

	for (i = 0; i < b->opt.nports; i++) {
		memset(&hints, 0, sizeof(hints));
		hints.ai_socktype = SOCK_STREAM;
		if ((rc = getaddrinfo(b->opt.host, b->opt.ports[i], &hints,
		    &res)) != 0)
			die("%s port %s: %s", b->opt.host, b->opt.ports[i],
			    gai_strerror(rc));
		if (res->ai_addrlen > sizeof(b->addr[i]))
			die("address too long");
		memcpy(&b->addr[i], res->ai_addr, res->ai_addrlen);
		b->addrlen[i] = res->ai_addrlen;
		freeaddrinfo(res);
	}
	b->host_is_ip = inet_pton(AF_INET, b->opt.host, tmp) == 1 ||
	    inet_pton(AF_INET6, b->opt.host, tmp) == 1;
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: eventgen [--host H] --port P [--port P2 ...] --ca FILE\n"
	    "                --pg CONNINFO [--watchers N] [--rate R] "
	    "[--seconds S]\n"
	    "                [--fanout K] [--grace S] [--settle S] "
	    "[--threads N]\n"
	    "                [--batch N] [--seed N] [--dump FILE]\n"
	    "  --pg: the database owner (scc_owner), who makes the users and\n"
	    "  sessions, commits the events and LISTENs for the baseline\n"
	    "  --rate: transactions a second, each one event_add for --fanout\n"
	    "  users (1) drawn at random\n");
	exit(2);
}

static int
number(const char *what, const char *s, long long lo, long long hi)
{
	const char	*err;
	long long	 v;

	v = strtonum(s, lo, hi, &err);
	if (err != NULL)
		die("%s %s: %s", what, s, err);
	return (int)v;
}

static void
parse_args(int argc, char *argv[], struct options *o)
{
	static const struct option longopts[] = {
		{ "host", required_argument, NULL, 'h' },
		{ "port", required_argument, NULL, 'p' },
		{ "ca", required_argument, NULL, 'C' },
		{ "pg", required_argument, NULL, 'g' },
		{ "watchers", required_argument, NULL, 'n' },
		{ "rate", required_argument, NULL, 'r' },
		{ "fanout", required_argument, NULL, 'f' },
		{ "seconds", required_argument, NULL, 's' },
		{ "grace", required_argument, NULL, 'G' },
		{ "settle", required_argument, NULL, 'S' },
		{ "threads", required_argument, NULL, 't' },
		{ "batch", required_argument, NULL, 'B' },
		{ "seed", required_argument, NULL, 'e' },
		{ "dump", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*err;
	int		 ch;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			o->host = optarg;
			break;
		case 'p':
			if (o->nports == MAX_PORTS)
				die("at most %d ports", MAX_PORTS);
			o->ports[o->nports++] = optarg;
			break;
		case 'C':
			o->ca = optarg;
			break;
		case 'g':
			o->pg = optarg;
			break;
		case 'n':
			o->watchers = number("--watchers", optarg, 1, 100000);
			break;
		case 'r':
			o->rate = number("--rate", optarg, 1, 100000);
			break;
		case 'f':
			o->fanout = number("--fanout", optarg, 1, 100000);
			break;
		case 's':
			o->seconds = number("--seconds", optarg, 1, 3600);
			break;
		case 'G':
			o->grace = number("--grace", optarg, 1, 3600);
			break;
		case 'S':
			o->settle = number("--settle", optarg, 0, 3600);
			break;
		case 't':
			o->threads = number("--threads", optarg, 1, 64);
			break;
		case 'B':
			o->batch = number("--batch", optarg, 1, 100000);
			break;
		case 'e':
			o->seed = (unsigned long long)strtonum(optarg, 0,
			    LLONG_MAX, &err);
			if (err != NULL)
				die("--seed %s: %s", optarg, err);
			break;
		case 'd':
			o->dump = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || o->ca == NULL || o->pg == NULL ||
	    o->nports == 0)
		usage();
}

int
main(int argc, char *argv[])
{
	static struct bench	 b;
	struct options		*o = &b.opt;
	struct wthread		*ts;
	struct match		 m;
	pthread_t		 lt;
	uint64_t		 t0, deadline, open0, all_at = 0;
	double			 open_s;
	size_t			 up, nev, i;
	int			 rc, k;

	o->host = "127.0.0.1";
	o->watchers = 1000;
	o->rate = 100;
	o->fanout = 1;
	o->seconds = 30;
	o->grace = 10;
	o->settle = 1;
	o->threads = 2;
	o->batch = 100;
	o->seed = (unsigned long long)getpid();
	parse_args(argc, argv, o);

	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		die("signal: %s", strerror(errno));
	raise_nofile((size_t)o->watchers + 8);
	b.ctx = tls_setup(o->ca);
	resolve(&b);
	if ((size_t)o->threads > (size_t)o->watchers)
		o->threads = o->watchers;
	if (o->fanout > o->watchers)
		die("--fanout is at most --watchers");

	setup_users(&b);
	fprintf(stderr, "eventgen: %zu users with sessions in authority "
	    "%lld\n", b.nusers, (long long)b.authority);

	/* The baseline listens before anything happens. */
	arrivals_init(&b.listened);
	atomic_store(&b.phase, PH_OPEN);
	if ((rc = pthread_create(&lt, NULL, listener_main, &b)) != 0)
		die("pthread_create: %s", strerror(rc));

	open0 = now_ns();
	ts = wthreads_new(&b);
	for (k = 0; k < o->threads; k++)
		if ((rc = pthread_create(&ts[k].thread, NULL, wt_main,
		    &ts[k])) != 0)
			die("pthread_create: %s", strerror(rc));
	deadline = now_ns() + OPEN_TIMEOUT_S * NS;
	while (atomic_load(&b.settled) < b.nusers && now_ns() < deadline)
		sleep_ms(10);
	up = atomic_load(&b.up);
	open_s = (double)(now_ns() - open0) / 1e9;
	fprintf(stderr, "eventgen: %zu of %zu watchers up in %.1f s\n", up,
	    b.nusers, open_s);
	while (!atomic_load(&b.listening) && !atomic_load(&b.listen_failed))
		sleep_ms(10);
	atomic_store(&b.phase, PH_RUN);
	sleep_ms((unsigned)o->settle * 1000);

	nev = (size_t)o->rate * (size_t)o->seconds;
	memset(&m, 0, sizeof(m));
	if ((m.ev = calloc(nev * (size_t)o->fanout, sizeof(*m.ev))) == NULL)
		die("out of memory");
	m.nev = produce(&b, m.ev, nev, &t0);
	m.sorted = true;
	for (i = 1; i < m.nev; i++)
		if (m.ev[i].id <= m.ev[i - 1].id)
			m.sorted = false;

	/* Wait for every event to arrive at both ends, or the grace to end. */
	deadline = now_ns() + (uint64_t)o->grace * NS;
	for (;;) {
		match_all(&m, ts, o->threads, &b.listened);
		if (m.got == m.nev && m.heard == m.nev && all_at == 0)
			all_at = now_ns();
		if (all_at != 0 && now_ns() >= all_at + TAIL_MS * 1000000ull)
			break;
		if (now_ns() >= deadline)
			break;
		sleep_ms(20);
	}
	atomic_store(&b.phase, PH_STOP);
	if ((rc = pthread_join(lt, NULL)) != 0)
		die("pthread_join: %s", strerror(rc));
	for (k = 0; k < o->threads; k++)
		if ((rc = pthread_join(ts[k].thread, NULL)) != 0)
			die("pthread_join: %s", strerror(rc));
	/* What came in the last tick; not counted as late, it was in time. */
	match_all(&m, ts, o->threads, &b.listened);
	if (!m.sorted)
		fprintf(stderr, "eventgen: event ids did not rise with "
		    "commit order\n");

	report(&b, &m, ts, up, t0, open_s);
	if (fflush(stdout) == EOF)
		die("stdout: %s", strerror(errno));

	for (k = 0; k < o->threads; k++) {
		arrivals_free(&ts[k].arr);
		free(ts[k].ws);
		close(ts[k].ep);
	}
	free(ts);
	arrivals_free(&b.listened);
	free(m.ev);
	free(b.users);
	free(b.seq);
	SSL_CTX_free(b.ctx);
	return up == b.nusers ? 0 : 3;
}
