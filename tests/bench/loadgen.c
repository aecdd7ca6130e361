/*
 * loadgen: drives sccd with many TLS sessions at once and reports what the
 * server did with them.
 *
 * One login buys a session token; every other connection RESUMEs with it,
 * so ten thousand sessions cost one password hash rather than ten thousand
 * and the figures measure the server, not argon2. Connections are
 * non-blocking and spread over a few threads, each with its own epoll set;
 * a connection is a small state machine driven by its socket's readiness.
 *
 * A run has three phases, set by the main thread: OPEN (connect, handshake,
 * RESUME, in batches so the listen backlog never overflows), RUN (closed
 * loops: send, wait for the tagged answer, send again) and STOP. Only
 * answers that arrive during RUN are counted.
 *
 * The attack mode is different: attackers log in with wrong passwords from
 * addresses of their own, and one real user logs in beside them. It starts
 * in WARM, so the attack is at full strength before anything is counted,
 * and passes through DRAIN, where the attack goes on uncounted until the
 * real user's last login has its answer.
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
#include <limits.h>
#include <netdb.h>
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

#include <openssl/err.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "scp.h"

#define EVENTS_MAX	256
#define READ_CHUNK	16384
#define LINE_MAX_IN	65536		/* longest response line we accept */
#define LITERAL_MAX_IN	(1024 * 1024)
#define WAIT_TICK_MS	20
#define OPEN_TIMEOUT_S	180		/* give up waiting for sessions */
#define ERRORS_SHOWN	5		/* per thread: a flood stays readable */
#define RESUME_TRIES	20		/* UNAVAILABLE and LIMIT say: retry */
#define BACKOFF_STEP_MS	20		/* ... after a pause that grows */
#define BACKOFF_MAX_MS	500

enum mode {
	MODE_TOKEN,	/* log in, print a token and its hash */
	MODE_RATE,	/* closed-loop requests on every session */
	MODE_ONCE,	/* one request on one session; print the answer */
	MODE_IDLE,	/* hold sessions open, weigh the server */
	MODE_STORM,	/* bad logins beside NOOP sessions */
	MODE_ATTACK	/* attackers beside one real user's logins */
};

enum attack_mode {
	ATTACK_SPRAY,	/* a fresh unknown name for every guess */
	ATTACK_ONE_NAME	/* every attacker guesses one real account */
};

enum role {
	ROLE_SESSION,	/* RESUMEs, then sends the command in a loop */
	ROLE_BADLOGIN,	/* LOGIN with a wrong password, in a loop */
	ROLE_LOGIN,	/* one real LOGIN, to obtain the token */
	ROLE_ATTACKER,	/* wrong LOGINs from its own address; comes back */
	ROLE_USER	/* the real user: LOGIN, LOGOUT, again */
};

/* How a login ended, for the real user and the attackers alike. */
enum outcome {
	OUT_OK,
	OUT_AUTHFAILED,
	OUT_LOCKED,
	OUT_LIMIT,
	OUT_OTHER,	/* any other NO or BAD */
	OUT_BYE,	/* the server said BYE instead of answering */
	OUT_CLOSED,	/* the connection ended without an answer */
	OUT_TIMEOUT,	/* the real user gave up waiting */
	OUT_N
};

static const char *const outcome_names[OUT_N] = {
	"ok", "authfailed", "locked", "limit", "other", "bye", "closed",
	"timeout"
};

enum cstate {
	CS_IDLE,	/* no socket */
	CS_CONNECTING,
	CS_HANDSHAKE,
	CS_GREETING,
	CS_RESUMING,
	CS_BACKOFF,	/* RESUME was told to retry; waits for retry_at */
	CS_READY,	/* up, nothing in flight */
	CS_BUSY,	/* one request in flight */
	CS_LOGOUT	/* LOGOUT sent; waits for the server to finish */
};

enum phase {
	PH_OPEN,
	PH_WARM,	/* attack mode: attacking, nothing counted yet */
	PH_RUN,
	PH_DRAIN,	/* attack mode: the real user's last login ends */
	PH_STOP
};

struct options {
	enum mode	 mode;
	const char	*host;
	const char	*port;
	const char	*ca;
	const char	*user;
	const char	*password;
	const char	*token;
	const char	*command;
	int		 clients;
	int		 bad;
	int		 seconds;
	int		 threads;
	int		 batch;
	int		 settle;
	pid_t		 pid;
	int		 attackers;
	enum attack_mode attack_mode;
	const char	*target;	/* the account one-name mode guesses */
	int		 warmup;
	int		 every_ms;	/* the real user logs in this often */
	int		 user_timeout;	/* seconds before a login is given up */
	struct in_addr	 attack_from;	/* attackers' addresses start here */
	struct in_addr	 source;	/* the real user's; 0: the kernel's */
};

/* What every thread shares; only the atomics change once threads run. */
struct bench {
	struct options		 opt;
	SSL_CTX			*ctx;
	struct sockaddr_storage	 addr;
	socklen_t		 addrlen;
	bool			 host_is_ip;
	char			 token[SCP_TOKEN_LEN + 1];
	char			*badpass;	/* quoted for the wire */
	char			*quser;
	char			*qpass;
	char			*qtarget;
	pid_t			 runid;		/* keeps spray names fresh */
	atomic_int		 phase;
	atomic_bool		 user_drained;	/* no login in flight in DRAIN */
	atomic_size_t		 settled;	/* up or failed while opening */
	atomic_size_t		 up;
	atomic_bool		 once_done;	/* once: the answer is in */
};

struct samples {
	uint32_t	*v;		/* microseconds */
	size_t		 n;
	size_t		 cap;
};

struct stats {
	uint64_t	 requests;	/* OK answers during RUN */
	uint64_t	 records;	/* data lines of those answers */
	uint64_t	 errors;	/* NO/BAD, failed or lost links */
	uint64_t	 attempts;	/* bad LOGINs answered AUTHFAILED */
	uint64_t	 locked;	/* bad LOGINs answered LOCKED */
	uint64_t	 reconnects;
	uint64_t	 retries;	/* RESUMEs sent again after "retry" */
	uint64_t	 outcome[OUT_N];	/* attack mode, per way it ended */
	struct samples	 lat;
	struct samples	 loginlat;
};

struct worker;

struct conn {
	struct worker		*w;
	size_t			 id;		/* unique over the run */
	enum role		 role;
	enum cstate		 state;
	bool			 settled;
	int			 fd;
	uint32_t		 events;	/* epoll interest now */
	bool			 wantw;		/* TLS waits to write */
	SSL			*ssl;
	struct scp_reader	*reader;
	struct scp_buf		 out;
	char			 tag[24];
	int			 tries;
	uint64_t		 retry_at;
	uint64_t		 seq;
	uint64_t		 sent_ns;
	uint64_t		 nrec;		/* records of the answer so far */
	struct in_addr		 src;		/* bound before connect; 0: not */
	uint64_t		 start_ns;	/* the real user: connect began */
	uint64_t		 next_ns;	/* the real user: next login due */
};

struct worker {
	struct bench	*b;
	pthread_t	 thread;
	int		 ep;
	struct conn	*conns;
	size_t		 nconns;
	size_t		 next_open;
	size_t		 opening;
	size_t		 backoff;	/* connections in CS_BACKOFF */
	size_t		 batch;
	int		 shown;
	int		 seen_phase;
	struct stats	 st;
	char		 token[SCP_TOKEN_LEN + 1];
};

static void	conn_close(struct conn *);
static void	conn_end(struct conn *, enum outcome);

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	fputs("loadgen: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static uint64_t
now_ns(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		die("clock_gettime: %s", strerror(errno));
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
sleep_ms(unsigned ms)
{
	struct timespec	 ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* ---- samples ---- */

static int
samples_add(struct samples *s, uint64_t ns)
{
	uint32_t	*v;
	size_t		 cap;
	uint64_t	 us = ns / 1000;

	if (s->n == s->cap) {
		cap = s->cap == 0 ? 4096 : s->cap * 2;
		if ((v = reallocarray(s->v, cap, sizeof(*v))) == NULL)
			return -1;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
	return 0;
}

static void
samples_join(struct samples *to, const struct samples *from)
{
	size_t	 i;

	for (i = 0; i < from->n; i++)
		if (samples_add(to, (uint64_t)from->v[i] * 1000) == -1)
			die("out of memory");
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t	 x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* An empty set has no array, and qsort() must not be handed NULL. */
static void
samples_sort(struct samples *s)
{
	if (s->n > 0)
		qsort(s->v, s->n, sizeof(*s->v), cmp_u32);
}

/* Nearest-rank percentile (in tenths of a percent) in milliseconds. */
static double
samples_permille_ms(const struct samples *s, unsigned permille)
{
	size_t	 rank;

	if (s->n == 0)
		return 0;
	rank = (s->n * permille + 999) / 1000;
	if (rank == 0)
		rank = 1;
	return s->v[rank - 1] / 1000.0;
}

static void
stats_free(struct stats *st)
{
	free(st->lat.v);
	free(st->loginlat.v);
	memset(st, 0, sizeof(*st));
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
	/* Idle sessions should not each pin two 16 KiB record buffers. */
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS |
	    SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	/*
	 * Read whole socket buffers rather than a record header and then its
	 * body: the load generator shares the cores with the server, so each
	 * system call it saves is one the server can use.
	 */
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

/* ---- connection plumbing ---- */

static void
conn_note(struct conn *c, const char *what)
{
	struct worker	*w = c->w;
	unsigned long	 e = ERR_peek_error();
	char		 detail[256] = "";

	if (w->shown++ >= ERRORS_SHOWN)
		return;
	if (e != 0)
		ERR_error_string_n(e, detail, sizeof(detail));
	fprintf(stderr, "loadgen: connection %zu: %s%s%s\n",
	    (size_t)(c - w->conns), what, e != 0 ? ": " : "", detail);
}

/* A connection that has not yet been counted as opened is counted now. */
static void
conn_settle(struct conn *c, bool up)
{
	struct bench	*b = c->w->b;

	if (c->settled)
		return;
	c->settled = true;
	c->w->opening--;
	if (up)
		atomic_fetch_add(&b->up, 1);
	atomic_fetch_add(&b->settled, 1);
}

static void
conn_fail(struct conn *c, const char *what)
{
	conn_note(c, what);
	ERR_clear_error();
	c->w->st.errors++;
	conn_end(c, OUT_CLOSED);
}

/*
 * The server ended the connection (o: with a BYE, or by closing it). For an
 * attacker that is one of the answers it is there to provoke, and for the
 * real user a login that failed; any other role did not expect it.
 */
static void
conn_lost(struct conn *c, enum outcome o, const char *what)
{
	if (c->role != ROLE_ATTACKER && c->role != ROLE_USER) {
		conn_fail(c, what);
		return;
	}
	ERR_clear_error();
	conn_end(c, o);
}

static void
conn_close(struct conn *c)
{
	if (c->ssl != NULL)
		SSL_free(c->ssl);
	c->ssl = NULL;
	if (c->fd != -1)
		close(c->fd);	/* also leaves the epoll set */
	c->fd = -1;
	scp_reader_free(c->reader);
	c->reader = NULL;
	scp_buf_free(&c->out);
	if (c->state == CS_BACKOFF)
		c->w->backoff--;
	c->state = CS_IDLE;
	conn_settle(c, false);
}

static int
conn_interest(struct conn *c, uint32_t events)
{
	struct epoll_event	 ev;

	if (events == c->events)
		return 0;	/* level-triggered: nothing to change */
	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.ptr = c;
	if (epoll_ctl(c->w->ep, EPOLL_CTL_MOD, c->fd, &ev) == -1)
		return -1;
	c->events = events;
	return 0;
}

/*
 * Connect from the connection's own address, since the server counts
 * connections and failed logins per address. The port is left to connect():
 * bound at bind() time it would have to be unique for the address alone,
 * and an attacker that reconnects all the time would use them up.
 */
static int
conn_bind(struct conn *c)
{
	struct sockaddr_in	 sin;
	int			 one = 1;

	if (setsockopt(c->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
	    sizeof(one)) == -1)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr = c->src;
	return bind(c->fd, (const struct sockaddr *)&sin, sizeof(sin));
}

static int
conn_open(struct conn *c)
{
	const struct bench	*b = c->w->b;
	struct epoll_event	 ev;
	int			 one = 1;

	c->fd = socket(b->addr.ss_family,
	    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd == -1)
		return -1;
	if (setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one,
	    sizeof(one)) == -1)
		return -1;
	if (c->src.s_addr != INADDR_ANY && conn_bind(c) == -1)
		return -1;
	if (connect(c->fd, (const struct sockaddr *)&b->addr,
	    b->addrlen) == -1 && errno != EINPROGRESS)
		return -1;
	if ((c->reader = scp_reader_new(LINE_MAX_IN, LITERAL_MAX_IN)) == NULL)
		return -1;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLOUT;
	ev.data.ptr = c;
	if (epoll_ctl(c->w->ep, EPOLL_CTL_ADD, c->fd, &ev) == -1)
		return -1;
	c->events = EPOLLOUT;
	c->state = CS_CONNECTING;
	return 0;
}

/*
 * What an SSL call that returned rc <= 0 waits for. Either direction is a
 * state, not an error: a read may need the socket writable and the reverse.
 * 0 to wait, -1 when the connection is gone (*eof: closed cleanly).
 */
static int
conn_ssl_wait(struct conn *c, int rc, bool *eof)
{
	*eof = false;
	switch (SSL_get_error(c->ssl, rc)) {
	case SSL_ERROR_WANT_READ:
		c->wantw = false;
		return 0;
	case SSL_ERROR_WANT_WRITE:
		c->wantw = true;
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

/* Always readable interest; writable only while TLS waits to write. */
static int
conn_update_interest(struct conn *c)
{
	return conn_interest(c, EPOLLIN | (c->wantw ? EPOLLOUT : 0));
}

static void
conn_connected(struct conn *c)
{
	int		 err = 0;
	socklen_t	 len = sizeof(err);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1 ||
	    err != 0) {
		errno = err;
		conn_fail(c, strerror(err != 0 ? err : errno));
		return;
	}
	if ((c->ssl = tls_new(c->w->b, c->fd)) == NULL) {
		conn_fail(c, "cannot set up TLS");
		return;
	}
	c->state = CS_HANDSHAKE;
}

static void
conn_handshake(struct conn *c)
{
	int	 rc;
	bool	 eof;

	if ((rc = SSL_connect(c->ssl)) == 1) {
		c->state = CS_GREETING;
		c->wantw = false;
	} else if (conn_ssl_wait(c, rc, &eof) == -1) {
		if (eof)
			conn_lost(c, OUT_CLOSED,
			    "closed during the TLS handshake");
		else
			conn_fail(c, "TLS handshake failed");
		return;
	}
	if (conn_update_interest(c) == -1)
		conn_fail(c, "epoll_ctl");
}

/*
 * Send what is queued; 0 when all is out or the socket said wait, -1 when
 * the connection is gone (*eof: the server closed it).
 */
static int
conn_flush(struct conn *c, bool *eof)
{
	int	 n, len;

	*eof = false;
	while (c->out.len > 0) {
		len = c->out.len > INT_MAX ? INT_MAX : (int)c->out.len;
		if ((n = SSL_write(c->ssl, c->out.data, len)) <= 0)
			return conn_ssl_wait(c, n, eof);
		scp_buf_consume(&c->out, (size_t)n);
	}
	return 0;
}

/* ---- requests ---- */

static int
conn_send(struct conn *c, const char *command, const char *args)
{
	c->seq++;
	if (snprintf(c->tag, sizeof(c->tag), "t%llu",
	    (unsigned long long)c->seq) >= (int)sizeof(c->tag))
		return -1;
	if (scp_buf_printf(&c->out, "%s %s%s%s\r\n", c->tag, command,
	    args != NULL ? " " : "", args != NULL ? args : "") == -1)
		return -1;
	c->sent_ns = now_ns();
	c->nrec = 0;
	c->state = CS_BUSY;
	return 0;
}

/*
 * One wrong guess. Spray mode makes up a name nobody has for every guess, so
 * no account's own lock can stop it; one-name mode guesses the target's.
 */
static int
attacker_send(struct conn *c)
{
	struct bench		*b = c->w->b;
	unsigned long long	 n = (unsigned long long)c->seq + 1;
	char			*args;
	int			 rc;

	if (b->opt.attack_mode == ATTACK_SPRAY)
		rc = asprintf(&args, "spray-%ld-%zu-%llu wrong-%llu",
		    (long)b->runid, c->id, n, n);
	else
		rc = asprintf(&args, "%s wrong-%zu-%llu", b->qtarget, c->id,
		    n);
	if (rc == -1)
		return -1;
	rc = conn_send(c, "LOGIN", args);
	free(args);
	return rc;
}

/* The request a connection repeats while the phase is RUN. */
static int
conn_send_work(struct conn *c)
{
	struct bench	*b = c->w->b;

	if (c->role == ROLE_ATTACKER)
		return attacker_send(c);
	if (c->role == ROLE_BADLOGIN)
		return conn_send(c, "LOGIN", b->badpass);
	return conn_send(c, b->opt.command, NULL);
}

/* LOGIN with --user and --password, as the token fetch and the real user do. */
static int
conn_send_login(struct conn *c)
{
	struct bench	*b = c->w->b;
	char		*args;
	int		 rc;

	if (asprintf(&args, "%s %s", b->quser, b->qpass) == -1)
		return -1;
	rc = conn_send(c, "LOGIN", args);
	freezero(args, strlen(args));
	return rc;
}

static void
conn_greeted(struct conn *c)
{
	struct bench	*b = c->w->b;
	int		 rc;

	switch (c->role) {
	case ROLE_SESSION:
		rc = conn_send(c, "RESUME", b->token);
		c->state = CS_RESUMING;
		break;
	case ROLE_LOGIN:
	case ROLE_USER:
		rc = conn_send_login(c);
		break;
	case ROLE_ATTACKER:
		/* Attackers do not wait for RUN: WARM is for them. */
		rc = conn_send_work(c);
		break;
	case ROLE_BADLOGIN:
	default:
		c->state = CS_READY;
		conn_settle(c, true);
		rc = atomic_load(&b->phase) == PH_RUN ? conn_send_work(c) : 0;
		break;
	}
	if (rc == -1)
		conn_fail(c, "out of memory");
}

static void
conn_resumed(struct conn *c, const struct scp_response *r)
{
	char		 why[160];
	uint64_t	 wait_ms;

	if (r->status != SCP_OK && r->code != NULL &&
	    (strcmp(r->code, "UNAVAILABLE") == 0 ||
	    strcmp(r->code, "LIMIT") == 0) && ++c->tries < RESUME_TRIES) {
		wait_ms = (uint64_t)c->tries * BACKOFF_STEP_MS;
		if (wait_ms > BACKOFF_MAX_MS)
			wait_ms = BACKOFF_MAX_MS;
		c->retry_at = now_ns() + wait_ms * 1000000u;
		c->state = CS_BACKOFF;
		c->w->backoff++;
		c->w->st.retries++;
		return;
	}
	if (r->status != SCP_OK) {
		(void)snprintf(why, sizeof(why), "RESUME refused: [%s] %s",
		    r->code != NULL ? r->code : "",
		    r->text != NULL ? r->text : "");
		conn_fail(c, why);
		return;
	}
	c->state = CS_READY;
	conn_settle(c, true);
	if (atomic_load(&c->w->b->phase) == PH_RUN &&
	    conn_send_work(c) == -1)
		conn_fail(c, "out of memory");
}

static void
conn_logged_in(struct conn *c, const struct scp_response *r)
{
	if (r->status != SCP_OK || c->w->token[0] == '\0') {
		fprintf(stderr, "loadgen: LOGIN failed: %s %s\n",
		    r->code != NULL ? r->code : "",
		    r->text != NULL ? r->text : "");
		conn_fail(c, "LOGIN refused");
		return;
	}
	c->state = CS_READY;
	conn_settle(c, true);
}

static void
count_badlogin(struct stats *st, const struct scp_response *r, uint64_t ns)
{
	if (r->status == SCP_OK)
		st->errors++;	/* the wrong password worked?! */
	else if (r->code != NULL && strcmp(r->code, "LOCKED") == 0)
		st->locked++;
	else if (r->code != NULL && strcmp(r->code, "AUTHFAILED") == 0) {
		st->attempts++;
		if (samples_add(&st->loginlat, ns) == -1)
			st->errors++;
	} else
		st->errors++;
}

static enum outcome
outcome_of(const struct scp_response *r)
{
	if (r->status == SCP_OK)
		return OUT_OK;
	if (r->code == NULL)
		return OUT_OTHER;
	if (strcmp(r->code, "AUTHFAILED") == 0)
		return OUT_AUTHFAILED;
	if (strcmp(r->code, "LOCKED") == 0)
		return OUT_LOCKED;
	if (strcmp(r->code, "LIMIT") == 0)
		return OUT_LIMIT;
	return OUT_OTHER;
}

/* Attackers' answers count only inside the window, like every mode's. */
static void
attacker_count(struct conn *c, enum outcome o)
{
	if (atomic_load(&c->w->b->phase) == PH_RUN)
		c->w->st.outcome[o]++;
}

/*
 * The end of one of the real user's logins, which all began in RUN, so it
 * counts in whatever phase it ends. The latency runs from connect() to the
 * answer: what the user waits for, handshake and all.
 */
static void
user_count(struct conn *c, enum outcome o)
{
	struct stats	*st = &c->w->st;

	st->outcome[o]++;
	if (o != OUT_TIMEOUT &&
	    samples_add(&st->lat, now_ns() - c->start_ns) == -1)
		st->errors++;
}

/*
 * Close a connection; first count what the close means for a login in
 * flight. Once the real user is logging out its login is counted already.
 */
static void
conn_end(struct conn *c, enum outcome o)
{
	if (c->role == ROLE_ATTACKER)
		attacker_count(c, o);
	else if (c->role == ROLE_USER && c->state != CS_IDLE &&
	    c->state != CS_LOGOUT)
		user_count(c, o);
	conn_close(c);
}

static void
attacker_answered(struct conn *c, const struct scp_response *r)
{
	struct stats	*st = &c->w->st;

	c->state = CS_READY;
	if (atomic_load(&c->w->b->phase) == PH_RUN &&
	    samples_add(&st->lat, now_ns() - c->sent_ns) == -1)
		st->errors++;
	attacker_count(c, outcome_of(r));
	if (conn_send_work(c) == -1)
		conn_fail(c, "out of memory");
}

/* The real user's LOGIN was answered: count it; log out if it worked. */
static void
user_answered(struct conn *c, const struct scp_response *r)
{
	struct stats	*st = &c->w->st;
	enum outcome	 o = outcome_of(r);
	int		 rc;

	if (samples_add(&st->loginlat, now_ns() - c->sent_ns) == -1)
		st->errors++;
	user_count(c, o);
	if (o != OUT_OK) {
		conn_close(c);
		return;
	}
	rc = conn_send(c, "LOGOUT", NULL);
	c->state = CS_LOGOUT;	/* the login is counted; LOGOUT is not */
	if (rc == -1)
		conn_fail(c, "out of memory");
}

/* once: a record near enough as the server sent it (quoted, unescaped). */
static void
once_print_record(const struct scp_response *r)
{
	size_t	 i;

	printf("* %s", r->type != NULL ? r->type : "");
	for (i = 0; i < r->nfields; i++) {
		const struct scp_item	*f = &r->fields[i];

		if (f->name != NULL)
			printf(" %s=", f->name);
		else
			printf(" ");
		if (f->value == NULL)
			printf("<%zu octets>", f->len);
		else if (strpbrk(f->value, " \"\\") != NULL || f->len == 0)
			printf("\"%s\"", f->value);
		else
			printf("%s", f->value);
	}
	printf("\n");
}

static void
once_print_done(const struct scp_response *r, uint64_t ns)
{
	printf("%s %s", r->tag, r->type != NULL ? r->type : "?");
	if (r->code != NULL)
		printf(" [%s%s%s]", r->code, r->code_args != NULL ? " " : "",
		    r->code_args != NULL ? r->code_args : "");
	if (r->text != NULL)
		printf(" %s", r->text);
	printf("\n(%.3f ms)\n", ns / 1e6);
}

static void
count_answer(struct stats *st, const struct scp_response *r, uint64_t ns,
    uint64_t nrec)
{
	if (r->status != SCP_OK) {
		st->errors++;
		return;
	}
	st->requests++;
	st->records += nrec;
	if (samples_add(&st->lat, ns) == -1)
		st->errors++;
}

/* The tagged answer to a work request: count it, then go again. */
static void
conn_answered(struct conn *c, const struct scp_response *r)
{
	struct stats	*st = &c->w->st;
	uint64_t	 ns = now_ns() - c->sent_ns;

	if (c->role == ROLE_ATTACKER) {
		attacker_answered(c, r);
		return;
	}
	if (c->role == ROLE_USER) {
		user_answered(c, r);
		return;
	}
	c->state = CS_READY;
	if (atomic_load(&c->w->b->phase) != PH_RUN)
		return;
	if (c->w->b->opt.mode == MODE_ONCE) {
		once_print_done(r, ns);
		atomic_store(&c->w->b->once_done, true);
		return;
	}
	if (c->role == ROLE_BADLOGIN)
		count_badlogin(st, r, ns);
	else
		count_answer(st, r, ns, c->nrec);
	if (conn_send_work(c) == -1)
		conn_fail(c, "out of memory");
}

static void
conn_data(struct conn *c, const struct scp_response *r)
{
	const char	*token;

	if (c->state == CS_BUSY) {
		c->nrec++;
		if (c->w->b->opt.mode == MODE_ONCE &&
		    atomic_load(&c->w->b->phase) == PH_RUN)
			once_print_record(r);
	}
	if (c->role != ROLE_LOGIN || strcmp(r->type, "SESSION") != 0)
		return;
	if ((token = scp_response_field(r, "token")) == NULL ||
	    strlcpy(c->w->token, token, sizeof(c->w->token)) >=
	    sizeof(c->w->token))
		c->w->token[0] = '\0';
}

static void
conn_response(struct conn *c, const struct scp_response *r)
{
	if (r->kind == SCP_R_BYE) {
		/* LOGOUT's own BYE: its OK follows, then the close. */
		if (c->state != CS_LOGOUT)
			conn_lost(c, OUT_BYE, "the server said BYE");
		return;
	}
	if (c->state == CS_GREETING) {
		conn_greeted(c);
		return;
	}
	if (r->kind == SCP_R_DATA)
		conn_data(c, r);
	if (r->kind != SCP_R_DONE || strcmp(r->tag, c->tag) != 0)
		return;
	if (c->state == CS_RESUMING)
		conn_resumed(c, r);
	else if (c->state == CS_LOGOUT)
		conn_close(c);
	else if (c->role == ROLE_LOGIN)
		conn_logged_in(c, r);
	else if (c->state == CS_BUSY)
		conn_answered(c, r);
}

/* Hand decrypted bytes to the reader, a response at a time. */
static int
conn_feed(struct conn *c, const char *in, size_t len)
{
	size_t	 off = 0, used;

	while (off < len && c->reader != NULL) {
		switch (scp_read(c->reader, in + off, len - off, &used)) {
		case SCP_REQUEST:
			conn_response(c, scp_reader_response(c->reader));
			break;
		case SCP_MORE:
			break;
		default:
			conn_fail(c, scp_reader_error(c->reader));
			return -1;
		}
		off += used;
	}
	return c->reader != NULL ? 0 : -1;
}

/*
 * Read until TLS holds nothing more, so no answer waits unseen in its
 * buffer. The socket itself is not read dry: epoll is level-triggered and
 * says when more comes, which spares a read that would only say EAGAIN.
 */
static void
conn_read(struct conn *c)
{
	char	 buf[READ_CHUNK];
	int	 n;
	bool	 eof;

	while (c->ssl != NULL) {
		if ((n = SSL_read(c->ssl, buf, sizeof(buf))) > 0) {
			if (conn_feed(c, buf, (size_t)n) == -1)
				return;
			if (!SSL_has_pending(c->ssl)) {
				c->wantw = false;
				return;
			}
			continue;
		}
		if (conn_ssl_wait(c, n, &eof) == -1) {
			if (eof)
				conn_lost(c, OUT_CLOSED,
				    "closed by the server");
			else
				conn_fail(c, "TLS read failed");
		}
		return;
	}
}

/* Move a live connection along: write what is queued, read what came. */
static void
conn_pump(struct conn *c)
{
	bool	 eof;

	if (conn_flush(c, &eof) == 0) {
		conn_read(c);
		if (c->ssl == NULL)
			return;
		if (conn_flush(c, &eof) == 0) {
			if (conn_update_interest(c) == -1)
				conn_fail(c, "epoll_ctl");
			return;
		}
	}
	if (eof)
		conn_lost(c, OUT_CLOSED, "closed by the server");
	else
		conn_fail(c, "TLS write failed");
}

static void
conn_event(struct conn *c)
{
	if (c->state == CS_CONNECTING)
		conn_connected(c);
	if (c->state == CS_HANDSHAKE)
		conn_handshake(c);
	if (c->state >= CS_GREETING)
		conn_pump(c);
}

/* ---- workers ---- */

static void
worker_open_more(struct worker *w)
{
	struct conn	*c;

	while (w->opening < w->batch && w->next_open < w->nconns) {
		c = &w->conns[w->next_open++];
		w->opening++;
		if (conn_open(c) == -1) {
			conn_note(c, strerror(errno));
			w->st.errors++;
			conn_close(c);
		}
	}
}

/* RESUME again on connections whose pause is over. */
static void
worker_retry(struct worker *w)
{
	struct conn	*c;
	uint64_t	 now = now_ns();
	size_t		 i;

	for (i = 0; i < w->nconns && w->backoff > 0; i++) {
		c = &w->conns[i];
		if (c->state != CS_BACKOFF || c->retry_at > now)
			continue;
		w->backoff--;
		c->state = CS_RESUMING;
		if (conn_send(c, "RESUME", w->b->token) == -1) {
			conn_fail(c, "out of memory");
			continue;
		}
		c->state = CS_RESUMING;
		conn_pump(c);
	}
}

/* RUN began: every connection that is up sends its first request. */
static void
worker_start(struct worker *w)
{
	struct conn	*c;
	size_t		 i;

	for (i = 0; i < w->nconns; i++) {
		c = &w->conns[i];
		if (c->state != CS_READY || (c->role != ROLE_SESSION &&
		    c->role != ROLE_BADLOGIN))
			continue;
		if (conn_send_work(c) == -1)
			conn_fail(c, "out of memory");
		else
			conn_pump(c);
	}
}

/*
 * The real user: from the start of RUN, a login every --every ms, each on a
 * fresh connection and one at a time, as a person would; when one takes
 * longer than that, the next follows as soon as it ends.
 */
static void
user_tick(struct conn *c)
{
	struct bench	*b = c->w->b;
	int		 phase = atomic_load(&b->phase);
	uint64_t	 now = now_ns();

	if (c->state != CS_IDLE && now - c->start_ns >
	    (uint64_t)b->opt.user_timeout * 1000000000ull)
		conn_end(c, OUT_TIMEOUT);
	if (c->state == CS_IDLE && phase == PH_RUN && now >= c->next_ns) {
		c->start_ns = now;
		c->next_ns = now + (uint64_t)b->opt.every_ms * 1000000u;
		if (conn_open(c) == -1) {
			conn_note(c, strerror(errno));
			c->w->st.errors++;
			user_count(c, OUT_CLOSED);
			conn_close(c);
		}
	}
	/* Seen in DRAIN, so no login starts after this one. */
	if (phase == PH_DRAIN && (c->state == CS_IDLE ||
	    c->state == CS_LOGOUT))
		atomic_store(&b->user_drained, true);
}

/* Connections the server dropped come back while the run goes on. */
static void
worker_reopen(struct worker *w)
{
	struct conn	*c;
	size_t		 i, opening = 0;

	for (i = 0; i < w->nconns; i++)
		if (w->conns[i].state >= CS_CONNECTING &&
		    w->conns[i].state <= CS_GREETING)
			opening++;
	for (i = 0; i < w->nconns; i++) {
		c = &w->conns[i];
		if (c->role == ROLE_USER) {
			user_tick(c);
			continue;
		}
		if ((c->role != ROLE_BADLOGIN && c->role != ROLE_ATTACKER) ||
		    c->state != CS_IDLE)
			continue;
		/* A crowd coming back at once must not overflow the backlog. */
		if (c->role == ROLE_ATTACKER && opening >= w->batch)
			continue;
		opening++;
		if (atomic_load(&w->b->phase) == PH_RUN)
			w->st.reconnects++;
		if (conn_open(c) == -1) {
			conn_note(c, strerror(errno));
			w->st.errors++;
			conn_close(c);
		}
	}
}

static void *
worker_main(void *arg)
{
	struct worker		*w = arg;
	struct epoll_event	 evs[EVENTS_MAX];
	size_t			 k;
	int			 n, i, phase;

	for (;;) {
		phase = atomic_load(&w->b->phase);
		if (phase == PH_STOP)
			break;
		if (phase == PH_RUN && w->seen_phase != PH_RUN)
			worker_start(w);
		w->seen_phase = phase;
		if (phase == PH_OPEN)
			worker_open_more(w);
		else
			worker_reopen(w);
		if (w->backoff > 0)
			worker_retry(w);
		n = epoll_wait(w->ep, evs, EVENTS_MAX, WAIT_TICK_MS);
		if (n == -1 && errno != EINTR)
			die("epoll_wait: %s", strerror(errno));
		for (i = 0; i < n; i++)
			conn_event(evs[i].data.ptr);
	}
	for (k = 0; k < w->nconns; k++)
		conn_close(&w->conns[k]);
	return NULL;
}

/* n1 connections of role r1, then n2 of r2, dealt over nthreads threads. */
static struct worker *
workers_new(struct bench *b, int nthreads, size_t n1, enum role r1,
    size_t n2, enum role r2)
{
	struct worker	*ws, *w;
	size_t		 total = n1 + n2, i, k;
	int		 t;

	if ((ws = calloc((size_t)nthreads, sizeof(*ws))) == NULL)
		die("out of memory");
	for (t = 0; t < nthreads; t++) {
		w = &ws[t];
		w->b = b;
		w->nconns = total / (size_t)nthreads +
		    ((size_t)t < total % (size_t)nthreads);
		w->batch = (size_t)b->opt.batch / (size_t)nthreads + 1;
		w->conns = calloc(w->nconns + 1, sizeof(*w->conns));
		if (w->conns == NULL)
			die("out of memory");
		if ((w->ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
			die("epoll_create1: %s", strerror(errno));
	}
	/* Deal connections out in turn so each thread gets a fair mix. */
	for (i = 0; i < total; i++) {
		w = &ws[i % (size_t)nthreads];
		k = i / (size_t)nthreads;
		w->conns[k].w = w;
		w->conns[k].id = i;
		w->conns[k].fd = -1;
		w->conns[k].role = i < n1 ? r1 : r2;
	}
	return ws;
}

static void
workers_start(struct worker *ws, int nthreads)
{
	int	 t, rc;

	for (t = 0; t < nthreads; t++)
		if ((rc = pthread_create(&ws[t].thread, NULL, worker_main,
		    &ws[t])) != 0)
			die("pthread_create: %s", strerror(rc));
}

/* Stop the threads and add up what they counted. */
static void
workers_finish(struct bench *b, struct worker *ws, int nthreads,
    struct stats *sum)
{
	int	 t, rc, o;

	atomic_store(&b->phase, PH_STOP);
	memset(sum, 0, sizeof(*sum));
	for (t = 0; t < nthreads; t++) {
		if ((rc = pthread_join(ws[t].thread, NULL)) != 0)
			die("pthread_join: %s", strerror(rc));
		sum->requests += ws[t].st.requests;
		sum->records += ws[t].st.records;
		sum->errors += ws[t].st.errors;
		sum->attempts += ws[t].st.attempts;
		sum->locked += ws[t].st.locked;
		sum->reconnects += ws[t].st.reconnects;
		sum->retries += ws[t].st.retries;
		for (o = 0; o < OUT_N; o++)
			sum->outcome[o] += ws[t].st.outcome[o];
		samples_join(&sum->lat, &ws[t].st.lat);
		samples_join(&sum->loginlat, &ws[t].st.loginlat);
		free(ws[t].st.lat.v);
		free(ws[t].st.loginlat.v);
		free(ws[t].conns);
		close(ws[t].ep);
	}
	free(ws);
	samples_sort(&sum->lat);
	samples_sort(&sum->loginlat);
}

/* Wait until every connection is up or has failed; how many are up. */
static size_t
wait_open(struct bench *b, size_t total)
{
	uint64_t	 deadline = now_ns() + OPEN_TIMEOUT_S * 1000000000ull;

	while (atomic_load(&b->settled) < total) {
		if (now_ns() > deadline) {
			fprintf(stderr, "loadgen: only %zu of %zu connections "
			    "settled in %d s\n", atomic_load(&b->settled),
			    total, OPEN_TIMEOUT_S);
			break;
		}
		sleep_ms(10);
	}
	return atomic_load(&b->up);
}

static void
bench_reset(struct bench *b)
{
	atomic_store(&b->phase, PH_OPEN);
	atomic_store(&b->settled, 0);
	atomic_store(&b->up, 0);
}

/* ---- setup ---- */

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
		fprintf(stderr, "loadgen: warning: %llu descriptors allowed, "
		    "%zu connections wanted\n",
		    (unsigned long long)rl.rlim_cur, need);
}

static void
resolve(struct bench *b)
{
	struct addrinfo	 hints, *res;
	unsigned char	 tmp[sizeof(struct in6_addr)];
	int		 rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(b->opt.host, b->opt.port, &hints, &res)) != 0)
		die("%s port %s: %s", b->opt.host, b->opt.port,
		    gai_strerror(rc));
	if (res->ai_addrlen > sizeof(b->addr))
		die("address too long");
	memcpy(&b->addr, res->ai_addr, res->ai_addrlen);
	b->addrlen = res->ai_addrlen;
	freeaddrinfo(res);
	b->host_is_ip = inet_pton(AF_INET, b->opt.host, tmp) == 1 ||
	    inet_pton(AF_INET6, b->opt.host, tmp) == 1;
}

/* A value as it goes on the wire; never a literal, which needs a round trip. */
static char *
wire_value(const char *what, const char *s)
{
	struct scp_buf	 out = { NULL, 0, 0 };
	size_t		 len = strlen(s);

	if (len == 0 || len > SCP_FIELD_INLINE_MAX || strpbrk(s, "\r\n") ||
	    scp_put_value(&out, s, len) == -1 || out.data[0] == '{')
		die("%s cannot be sent on one line", what);
	return out.data;
}

/* Log in once for a token: every session after this RESUMEs with it. */
static void
fetch_token(struct bench *b)
{
	struct worker	*ws;
	struct stats	 sum;

	if (b->quser == NULL || b->opt.password == NULL)
		die("--user and --password (or --token) are needed");
	b->qpass = wire_value("the password", b->opt.password);
	bench_reset(b);
	ws = workers_new(b, 1, 1, ROLE_LOGIN, 0, ROLE_LOGIN);
	workers_start(ws, 1);
	if (wait_open(b, 1) != 1)
		die("could not log in as %s", b->opt.user);
	if (strlcpy(b->token, ws[0].token, sizeof(b->token)) >=
	    sizeof(b->token))
		die("token too long");
	workers_finish(b, ws, 1, &sum);
	stats_free(&sum);
	bench_reset(b);
}

static void
print_token(const struct bench *b)
{
	uint8_t		 raw[SCP_TOKEN_RAW];
	unsigned char	 hash[SHA256_DIGEST_LENGTH];
	size_t		 i;

	if (scp_token_decode(b->token, raw) == -1)
		die("the server sent a malformed token");
	if (SHA256(raw, sizeof(raw), hash) == NULL)
		die("SHA256 failed");
	explicit_bzero(raw, sizeof(raw));
	printf("token=%s sha256=", b->token);
	for (i = 0; i < sizeof(hash); i++)
		printf("%02x", hash[i]);
	printf("\n");
}

/* ---- modes ---- */

static long
vmrss_kib(pid_t pid)
{
	char	 path[64], line[256];
	FILE	*fp;
	long	 kib = -1;

	if (snprintf(path, sizeof(path), "/proc/%ld/status",
	    (long)pid) >= (int)sizeof(path))
		die("path too long");
	if ((fp = fopen(path, "r")) == NULL)
		die("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(fp);
	if (kib < 0)
		die("no VmRSS in %s", path);
	return kib;
}

/* Open the sessions, run the closed loops for the given time, total up. */
static double
run_window(struct bench *b, size_t nsession, size_t nbad, struct stats *sum)
{
	struct worker	*ws;
	uint64_t	 t0, t1;
	size_t		 up;

	bench_reset(b);
	ws = workers_new(b, b->opt.threads, nsession, ROLE_SESSION, nbad,
	    ROLE_BADLOGIN);
	workers_start(ws, b->opt.threads);
	if ((up = wait_open(b, nsession + nbad)) < nsession + nbad)
		fprintf(stderr, "loadgen: %zu of %zu connections up\n", up,
		    nsession + nbad);
	t0 = now_ns();
	atomic_store(&b->phase, PH_RUN);
	sleep_ms((unsigned)b->opt.seconds * 1000);
	t1 = now_ns();
	workers_finish(b, ws, b->opt.threads, sum);
	return (double)(t1 - t0) / 1e9;
}

/* " p50_ms=... p99_ms=... p999_ms=... max_ms=..." of a sorted set. */
static void
print_latency(const struct samples *lat)
{
	printf(" p50_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f",
	    samples_permille_ms(lat, 500), samples_permille_ms(lat, 990),
	    samples_permille_ms(lat, 999), samples_permille_ms(lat, 1000));
}

/* The command as one word for a name=value line: spaces become "_". */
static void
print_command(const char *command)
{
	const char	*p;

	for (p = command; *p != '\0'; p++)
		putchar(*p == ' ' ? '_' : *p);
}

static void
mode_rate(struct bench *b)
{
	struct stats	 st;
	double		 secs;

	secs = run_window(b, (size_t)b->opt.clients, 0, &st);
	printf("rate command=");
	print_command(b->opt.command);
	printf(" clients=%d seconds=%d requests=%llu rps=%.1f",
	    b->opt.clients, b->opt.seconds,
	    (unsigned long long)st.requests, st.requests / secs);
	print_latency(&st.lat);
	printf(" records_per_answer=%.1f retries=%llu errors=%llu\n",
	    st.requests > 0 ? (double)st.records / st.requests : 0.0,
	    (unsigned long long)st.retries, (unsigned long long)st.errors);
	stats_free(&st);
}

/*
 * One session sends the command once; its records and its completion are
 * printed as they come. To see what a benchmark's command answers.
 */
static void
mode_once(struct bench *b)
{
	struct worker	*ws;
	struct stats	 st;
	uint64_t	 deadline;

	bench_reset(b);
	atomic_store(&b->once_done, false);
	ws = workers_new(b, 1, 1, ROLE_SESSION, 0, ROLE_SESSION);
	workers_start(ws, 1);
	if (wait_open(b, 1) != 1)
		die("the session did not open");
	atomic_store(&b->phase, PH_RUN);
	deadline = now_ns() + (uint64_t)b->opt.seconds * 1000000000ull;
	while (!atomic_load(&b->once_done) && now_ns() < deadline)
		sleep_ms(5);
	workers_finish(b, ws, 1, &st);
	if (!atomic_load(&b->once_done))
		die("no answer in %d s", b->opt.seconds);
	stats_free(&st);
}

static void
mode_storm(struct bench *b)
{
	struct stats	 st;
	double		 secs;

	secs = run_window(b, (size_t)b->opt.clients, (size_t)b->opt.bad, &st);
	printf("storm clients=%d bad=%d seconds=%d noop_requests=%llu "
	    "noop_rps=%.1f", b->opt.clients, b->opt.bad, b->opt.seconds,
	    (unsigned long long)st.requests, st.requests / secs);
	print_latency(&st.lat);
	printf(" login_attempts=%llu login_rps=%.1f login_p50_ms=%.3f "
	    "locked=%llu reconnects=%llu errors=%llu\n",
	    (unsigned long long)st.attempts, st.attempts / secs,
	    samples_permille_ms(&st.loginlat, 500),
	    (unsigned long long)st.locked, (unsigned long long)st.reconnects,
	    (unsigned long long)st.errors);
	stats_free(&st);
}

static void
mode_idle(struct bench *b)
{
	struct worker	*ws;
	struct stats	 st;
	size_t		 up;
	long		 before, after, closed;
	uint64_t	 t0;
	double		 opensecs;

	if (b->opt.pid <= 0)
		die("idle needs --pid of the server");
	before = vmrss_kib(b->opt.pid);
	bench_reset(b);
	t0 = now_ns();
	ws = workers_new(b, b->opt.threads, (size_t)b->opt.clients,
	    ROLE_SESSION, 0, ROLE_SESSION);
	workers_start(ws, b->opt.threads);
	up = wait_open(b, (size_t)b->opt.clients);
	opensecs = (double)(now_ns() - t0) / 1e9;
	sleep_ms((unsigned)b->opt.settle * 1000);
	after = vmrss_kib(b->opt.pid);
	workers_finish(b, ws, b->opt.threads, &st);
	sleep_ms(1000);
	closed = vmrss_kib(b->opt.pid);
	printf("idle clients=%d sessions=%zu open_seconds=%.1f "
	    "rss_before_kib=%ld rss_after_kib=%ld rss_closed_kib=%ld "
	    "total_kib=%ld per_session_kib=%.1f retries=%llu errors=%llu\n",
	    b->opt.clients, up, opensecs, before, after, closed,
	    after - before, up > 0 ? (double)(after - before) / up : 0.0,
	    (unsigned long long)st.retries, (unsigned long long)st.errors);
	stats_free(&st);
}

/*
 * The i-th attacker's address, counting from --attack-from and skipping
 * host numbers 0 and 255, which look like network and broadcast addresses
 * to anyone reading the server's log. Host order.
 */
static uint32_t
attack_address(const struct bench *b, size_t i)
{
	uint32_t	 from = ntohl(b->opt.attack_from.s_addr);
	uint64_t	 j;

	/* Where --attack-from itself falls in that numbering. */
	j = (from & 0xff) == 0 ? 0 : (from & 0xff) - 1;
	if (j > 253)
		j = 253;
	j += i;
	return (uint32_t)((from & ~0xffu) + (j / 254) * 256 + j % 254 + 1);
}

/*
 * Everything must be on loopback: every address of 127/8 is the machine's
 * own on Linux, which is what lets one host play hundreds of attackers.
 */
static void
attack_check(const struct bench *b)
{
	const struct sockaddr_in	*sin;
	uint32_t			 first, last, src;

	if (b->addr.ss_family != AF_INET)
		die("attack needs an IPv4 loopback server address");
	sin = (const struct sockaddr_in *)&b->addr;
	if ((ntohl(sin->sin_addr.s_addr) >> 24) != 127)
		die("attack needs a server on 127/8: attackers use loopback "
		    "addresses");
	first = attack_address(b, 0);
	last = attack_address(b, b->opt.attackers > 0 ?
	    (size_t)b->opt.attackers - 1 : 0);
	if ((first >> 24) != 127 || (last >> 24) != 127 || last < first)
		die("%d attackers from --attack-from do not fit in 127/8",
		    b->opt.attackers);
	src = ntohl(b->opt.source.s_addr);
	if (b->opt.attackers > 0 && src >= first && src <= last &&
	    (src & 0xff) != 0 && (src & 0xff) != 255)
		die("--source is one of the attackers' addresses");
	if (b->opt.attack_mode == ATTACK_ONE_NAME) {
		if (b->opt.target == NULL)
			die("one-name mode needs --target");
		if (strcmp(b->opt.target, b->opt.user) == 0)
			die("--target must not be the real user's account");
	} else if (b->opt.target != NULL)
		die("--target is for one-name mode only");
}

/* Give each connection its address; none takes part in OPEN's counting. */
static void
attack_setup(struct bench *b, struct worker *ws, int nthreads, bool user)
{
	struct conn	*c;
	size_t		 k;
	int		 t;

	for (t = 0; t < nthreads; t++)
		for (k = 0; k < ws[t].nconns; k++) {
			c = &ws[t].conns[k];
			c->settled = true;
			if (user)
				c->src = b->opt.source;
			else
				c->src.s_addr = htonl(attack_address(b, c->id));
		}
}

/* " PREFIX_ok=... PREFIX_authfailed=..." for every outcome. */
static void
print_outcomes(const char *prefix, const struct stats *st)
{
	int	 o;

	for (o = 0; o < OUT_N; o++)
		printf(" %s_%s=%llu", prefix, outcome_names[o],
		    (unsigned long long)st->outcome[o]);
}

static void
mode_attack(struct bench *b)
{
	struct worker	*atk, *usr;
	struct stats	 as, us;
	uint64_t	 t0, t1, deadline, logins, answers;
	double		 secs;
	int		 o;

	attack_check(b);
	bench_reset(b);
	atomic_store(&b->phase, PH_WARM);
	atomic_store(&b->user_drained, false);
	atk = workers_new(b, b->opt.threads, (size_t)b->opt.attackers,
	    ROLE_ATTACKER, 0, ROLE_ATTACKER);
	attack_setup(b, atk, b->opt.threads, false);
	/* A thread of its own, so the attackers' handshakes on this side
	 * never delay the real user's timing. */
	usr = workers_new(b, 1, 1, ROLE_USER, 0, ROLE_USER);
	attack_setup(b, usr, 1, true);
	workers_start(atk, b->opt.threads);
	workers_start(usr, 1);
	sleep_ms((unsigned)b->opt.warmup * 1000);
	t0 = now_ns();
	atomic_store(&b->phase, PH_RUN);
	sleep_ms((unsigned)b->opt.seconds * 1000);
	t1 = now_ns();
	atomic_store(&b->phase, PH_DRAIN);
	/* The attack goes on, uncounted, until the last login has its answer;
	 * the user's own timeout ends that wait. */
	deadline = now_ns() + ((uint64_t)b->opt.user_timeout + 1) *
	    1000000000ull;
	while (!atomic_load(&b->user_drained) && now_ns() < deadline)
		sleep_ms(10);
	workers_finish(b, atk, b->opt.threads, &as);
	workers_finish(b, usr, 1, &us);
	secs = (double)(t1 - t0) / 1e9;

	for (logins = 0, o = 0; o < OUT_N; o++)
		logins += us.outcome[o];
	answers = as.outcome[OUT_OK] + as.outcome[OUT_AUTHFAILED] +
	    as.outcome[OUT_LOCKED] + as.outcome[OUT_LIMIT] +
	    as.outcome[OUT_OTHER];
	printf("attack mode=%s attackers=%d warmup=%d seconds=%d "
	    "every_ms=%d user_logins=%llu user_not_ok=%llu "
	    "user_p50_ms=%.3f user_p99_ms=%.3f user_max_ms=%.3f "
	    "user_login_p50_ms=%.3f user_login_p99_ms=%.3f",
	    b->opt.attack_mode == ATTACK_SPRAY ? "spray" : "one-name",
	    b->opt.attackers, b->opt.warmup, b->opt.seconds, b->opt.every_ms,
	    (unsigned long long)logins,
	    (unsigned long long)(logins - us.outcome[OUT_OK]),
	    samples_permille_ms(&us.lat, 500),
	    samples_permille_ms(&us.lat, 990),
	    samples_permille_ms(&us.lat, 1000),
	    samples_permille_ms(&us.loginlat, 500),
	    samples_permille_ms(&us.loginlat, 990));
	print_outcomes("user", &us);
	printf(" attack_answers=%llu attack_rps=%.1f attack_p50_ms=%.3f "
	    "attack_p99_ms=%.3f", (unsigned long long)answers,
	    answers / secs, samples_permille_ms(&as.lat, 500),
	    samples_permille_ms(&as.lat, 990));
	print_outcomes("attack", &as);
	printf(" attack_connects=%llu errors=%llu\n",
	    (unsigned long long)as.reconnects,
	    (unsigned long long)(as.errors + us.errors));
	stats_free(&as);
	stats_free(&us);
}

/* ---- command line ---- */

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: loadgen [--host H] [--port P] --ca FILE\n"
	    "               (--user U --password P | --token T)\n"
	    "               [--threads N] [--batch N] MODE\n"
	    "  token          print a token and its SHA-256\n"
	    "  rate  --clients N --seconds S --command \"REQUEST\"\n"
	    "  once  --command \"REQUEST\"  (print the answer)\n"
	    "  idle  --clients N --pid PID [--settle S]\n"
	    "  storm --clients N --bad M --seconds S\n"
	    "  attack --attackers N [--attack-mode spray|one-name] "
	    "[--target NAME]\n"
	    "         [--warmup S] [--seconds S] [--every MS] "
	    "[--user-timeout S]\n"
	    "         [--attack-from A.B.C.D] [--source A.B.C.D]\n");
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

static enum mode
parse_mode(const char *s)
{
	if (strcmp(s, "token") == 0)
		return MODE_TOKEN;
	if (strcmp(s, "rate") == 0)
		return MODE_RATE;
	if (strcmp(s, "once") == 0)
		return MODE_ONCE;
	if (strcmp(s, "idle") == 0)
		return MODE_IDLE;
	if (strcmp(s, "storm") == 0)
		return MODE_STORM;
	if (strcmp(s, "attack") == 0)
		return MODE_ATTACK;
	usage();
}

static enum attack_mode
parse_attack_mode(const char *s)
{
	if (strcmp(s, "spray") == 0)
		return ATTACK_SPRAY;
	if (strcmp(s, "one-name") == 0)
		return ATTACK_ONE_NAME;
	die("--attack-mode must be spray or one-name");
}

static struct in_addr
ipv4(const char *what, const char *s)
{
	struct in_addr	 a;

	if (inet_pton(AF_INET, s, &a) != 1)
		die("%s %s: not an IPv4 address", what, s);
	return a;
}

static void
parse_args(int argc, char *argv[], struct options *o)
{
	static const struct option longopts[] = {
		{ "host", required_argument, NULL, 'h' },
		{ "port", required_argument, NULL, 'p' },
		{ "ca", required_argument, NULL, 'C' },
		{ "user", required_argument, NULL, 'u' },
		{ "password", required_argument, NULL, 'P' },
		{ "token", required_argument, NULL, 'T' },
		{ "command", required_argument, NULL, 'c' },
		{ "clients", required_argument, NULL, 'n' },
		{ "bad", required_argument, NULL, 'b' },
		{ "seconds", required_argument, NULL, 's' },
		{ "threads", required_argument, NULL, 't' },
		{ "batch", required_argument, NULL, 'B' },
		{ "settle", required_argument, NULL, 'S' },
		{ "pid", required_argument, NULL, 'i' },
		{ "attackers", required_argument, NULL, 'a' },
		{ "attack-mode", required_argument, NULL, 'm' },
		{ "target", required_argument, NULL, 'g' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "every", required_argument, NULL, 'e' },
		{ "user-timeout", required_argument, NULL, 'o' },
		{ "attack-from", required_argument, NULL, 'f' },
		{ "source", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	int	 ch;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			o->host = optarg;
			break;
		case 'p':
			o->port = optarg;
			break;
		case 'C':
			o->ca = optarg;
			break;
		case 'u':
			o->user = optarg;
			break;
		case 'P':
			o->password = optarg;
			break;
		case 'T':
			o->token = optarg;
			break;
		case 'c':
			o->command = optarg;
			break;
		case 'n':
			o->clients = number("--clients", optarg, 0, 1000000);
			break;
		case 'b':
			o->bad = number("--bad", optarg, 0, 100000);
			break;
		case 's':
			o->seconds = number("--seconds", optarg, 1, 86400);
			break;
		case 't':
			o->threads = number("--threads", optarg, 1, 64);
			break;
		case 'B':
			o->batch = number("--batch", optarg, 1, 100000);
			break;
		case 'S':
			o->settle = number("--settle", optarg, 0, 3600);
			break;
		case 'i':
			o->pid = number("--pid", optarg, 1, INT_MAX);
			break;
		case 'a':
			o->attackers = number("--attackers", optarg, 0, 100000);
			break;
		case 'm':
			o->attack_mode = parse_attack_mode(optarg);
			break;
		case 'g':
			o->target = optarg;
			break;
		case 'w':
			o->warmup = number("--warmup", optarg, 0, 3600);
			break;
		case 'e':
			o->every_ms = number("--every", optarg, 1, 3600000);
			break;
		case 'o':
			o->user_timeout = number("--user-timeout", optarg, 1,
			    3600);
			break;
		case 'f':
			o->attack_from = ipv4("--attack-from", optarg);
			break;
		case 'r':
			o->source = ipv4("--source", optarg);
			break;
		default:
			usage();
		}
	}
	if (optind + 1 != argc || o->ca == NULL)
		usage();
	o->mode = parse_mode(argv[optind]);
	/* Sent as it is after the tag: one line, no literals. */
	if (o->command[0] == '\0' || o->command[0] == ' ' ||
	    strlen(o->command) > 4000 || strpbrk(o->command, "\r\n{}") != NULL)
		die("--command must be one request line without its tag, "
		    "and without literals");
}

int
main(int argc, char *argv[])
{
	static struct bench	 b;
	struct options		*o = &b.opt;

	o->host = "127.0.0.1";
	o->port = "7144";
	o->command = "NOOP";
	o->clients = 32;
	o->seconds = 10;
	o->threads = 2;
	o->batch = 100;
	o->settle = 2;
	o->attackers = 50;
	o->attack_mode = ATTACK_SPRAY;
	o->warmup = 5;
	o->every_ms = 200;
	o->user_timeout = 60;
	o->attack_from = ipv4("--attack-from", "127.1.0.0");
	o->password = getenv("LOADGEN_PASSWORD");
	parse_args(argc, argv, o);
	b.runid = getpid();

	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		die("signal: %s", strerror(errno));
	raise_nofile((size_t)o->clients + (size_t)o->bad +
	    (size_t)o->attackers);
	b.ctx = tls_setup(o->ca);
	resolve(&b);
	if (o->user != NULL)
		b.quser = wire_value("the user name", o->user);
	/* Each bad attempt must cost a real verify: the user exists. */
	if (asprintf(&b.badpass, "%s \"not-the-password\"",
	    b.quser != NULL ? b.quser : "admin") == -1)
		die("out of memory");
	if (o->mode == MODE_ATTACK) {
		/* The real user logs in for itself: no token to fetch. */
		if (b.quser == NULL || o->password == NULL)
			die("attack needs the real user's --user and "
			    "--password");
		b.qpass = wire_value("the password", o->password);
		if (o->target != NULL)
			b.qtarget = wire_value("the target", o->target);
	} else if (o->token != NULL && o->mode != MODE_TOKEN) {
		if (strlcpy(b.token, o->token, sizeof(b.token)) >=
		    sizeof(b.token) || scp_token_decode(b.token,
		    (uint8_t[SCP_TOKEN_RAW]){ 0 }) == -1)
			die("--token is not a session token");
	} else
		fetch_token(&b);

	switch (o->mode) {
	case MODE_TOKEN:
		print_token(&b);
		break;
	case MODE_RATE:
		mode_rate(&b);
		break;
	case MODE_ONCE:
		mode_once(&b);
		break;
	case MODE_IDLE:
		mode_idle(&b);
		break;
	case MODE_STORM:
		mode_storm(&b);
		break;
	case MODE_ATTACK:
		mode_attack(&b);
		break;
	}
	if (fflush(stdout) == EOF)
		die("stdout: %s", strerror(errno));
	SSL_CTX_free(b.ctx);
	free(b.badpass);
	free(b.quser);
	free(b.qtarget);
	freezero(b.qpass, b.qpass != NULL ? strlen(b.qpass) : 0);
	return 0;
}
