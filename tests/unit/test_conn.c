/*
 * The connection state machine, driven over real TLS on loopback. A real
 * loop (loop_init) owns the server end; the test plays the client on the
 * same event base. Deadlines are checked by reading the connection's one
 * timer (evtimer_pending) and comparing expiry times, not by timing how
 * long something took; the one deadline let fire (a stalled literal) is
 * checked against the expiry it had. Waits run the event loop until a
 * condition holds.
 *
 * Nothing is stubbed. There is no database: the loop's pool points at a
 * socket directory where nothing listens, so a request that needs one is
 * answered UNAVAILABLE, later, by the pool.
 */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sodium.h>

#include "addrlimit.h"
#include "config.h"
#include "conn.h"
#include "db.h"
#include "dispatch.h"
#include "log.h"
#include "loop.h"
#include "serve.h"
#include "tls.h"

/* Distinct, so that a deadline says which state armed it. */
#define HANDSHAKE_S	13
#define IDLE_S		29
#define LINE_S		7
#define LITERAL_S	2	/* short: one test lets it fire */
#define CLOSING_S	5	/* CLOSING_SECONDS in conn.c */

#define WAIT_S		5.0	/* for anything that should happen at once */
#define GAP_S		0.25	/* time let pass between two chunks */

struct client {
	int		 fd;
	SSL		*ssl;
	struct event	*ev;
	bool		 ready;		/* handshake done */
	bool		 eof;		/* closed, or failed */
	char		 buf[16384];	/* everything read, NUL-terminated */
	size_t		 len;
};

struct fixture {
	struct server	 srv;
	struct config	 cfg;
	struct loop	 loop;
	struct db_stmt	*stmts;
	int		 nstmts;
	char		 nodb[64];
	char		 conninfo[128];
	struct client	 cl;
	struct conn	*c;
};

static SSL_CTX	*server_ctx, *client_ctx;

static double
wall(void)
{
	struct timeval	tv;

	if (gettimeofday(&tv, NULL) == -1)
		fail_msg("gettimeofday: %s", strerror(errno));
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* ---- the client side ---- */

static void
client_on_read(evutil_socket_t fd, short what, void *arg)
{
	struct client	*cl = arg;
	int		 n;

	(void)fd;
	(void)what;
	if (!cl->ready) {
		ERR_clear_error();
		if ((n = SSL_do_handshake(cl->ssl)) != 1) {
			if (SSL_get_error(cl->ssl, n) == SSL_ERROR_WANT_READ)
				return;
			goto closed;
		}
		cl->ready = true;
	}
	for (;;) {
		if (cl->len + 1 >= sizeof(cl->buf))
			goto closed;	/* far more than any test expects */
		ERR_clear_error();
		n = SSL_read(cl->ssl, cl->buf + cl->len,
		    (int)(sizeof(cl->buf) - 1 - cl->len));
		if (n <= 0)
			break;
		cl->len += (size_t)n;
		cl->buf[cl->len] = '\0';
	}
	if (SSL_get_error(cl->ssl, n) == SSL_ERROR_WANT_READ)
		return;
closed:
	cl->eof = true;
	event_del(cl->ev);
}

static void
client_send(struct client *cl, const char *data, size_t len)
{
	ERR_clear_error();
	/* A few hundred octets on an empty socket: written whole, at once. */
	assert_int_equal(SSL_write(cl->ssl, data, (int)len), (int)len);
}

static void
client_sends(struct client *cl, const char *s)
{
	client_send(cl, s, strlen(s));
}

static void
client_close(struct client *cl)
{
	if (cl->ev != NULL)
		event_free(cl->ev);
	cl->ev = NULL;
	SSL_free(cl->ssl);
	cl->ssl = NULL;
	if (cl->fd != -1)
		close(cl->fd);
	cl->fd = -1;
}

/* A line the server sent that starts with prefix, or NULL. */
static const char *
client_line(const struct client *cl, const char *prefix)
{
	const char	*p = cl->buf;
	size_t		 n = strlen(prefix);

	while (p != NULL && *p != '\0') {
		if (strncmp(p, prefix, n) == 0 && strstr(p, "\r\n") != NULL)
			return p;
		if ((p = strstr(p, "\r\n")) != NULL)
			p += 2;
	}
	return NULL;
}

/* ---- waiting by running the loop ---- */

static void
on_guard(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

/*
 * Run the loop until cond holds or secs pass. The guard timer lets each
 * EVLOOP_ONCE round return by the deadline even when nothing else happens.
 */
static bool
run_until(struct fixture *f, bool (*cond)(struct fixture *, const void *),
    const void *arg, double secs)
{
	struct event_base	*base = f->loop.base;
	struct event		*guard;
	struct timeval		 tv;
	double			 end = wall() + secs, left;
	bool			 ok;

	guard = evtimer_new(base, on_guard, NULL);
	assert_non_null(guard);
	while (!cond(f, arg) && (left = end - wall()) > 0) {
		tv.tv_sec = (time_t)left;
		tv.tv_usec = (suseconds_t)((left - (double)tv.tv_sec) * 1e6);
		assert_int_equal(evtimer_add(guard, &tv), 0);
		assert_int_not_equal(event_base_loop(base, EVLOOP_ONCE), -1);
	}
	ok = cond(f, arg);
	event_free(guard);
	return ok;
}

static bool
never(struct fixture *f, const void *arg)
{
	(void)f;
	(void)arg;
	return false;
}

static bool
in_state(struct fixture *f, const void *arg)
{
	return f->c->state == *(const enum conn_state *)arg;
}

static bool
got_line(struct fixture *f, const void *arg)
{
	return client_line(&f->cl, arg) != NULL;
}

static bool
client_closed(struct fixture *f, const void *arg)
{
	(void)arg;
	return f->cl.eof;
}

static bool
no_conns(struct fixture *f, const void *arg)
{
	(void)arg;
	return f->loop.nconns == 0;
}

static int
unread(int fd)
{
	int	n;

	assert_int_equal(ioctl(fd, FIONREAD, &n), 0);
	return n;
}

/* The server has read every octet that reached its socket. */
static bool
server_drained(struct fixture *f, const void *arg)
{
	(void)arg;
	return unread(f->c->fd) == 0;
}

static void
wait_for(struct fixture *f, bool (*cond)(struct fixture *, const void *),
    const void *arg, const char *what)
{
	if (!run_until(f, cond, arg, WAIT_S))
		fail_msg("%s: not within %.0f s (state %s, received \"%s\")",
		    what, WAIT_S, f->loop.nconns > 0 ?
		    conn_state_name(f->c->state) : "freed", f->cl.buf);
}

static void
wait_state(struct fixture *f, enum conn_state st)
{
	wait_for(f, in_state, &st, conn_state_name(st));
}

static void
wait_line(struct fixture *f, const char *prefix)
{
	wait_for(f, got_line, prefix, prefix);
}

static void
wait_readable(int fd)
{
	struct pollfd	pfd = { .fd = fd, .events = POLLIN };

	if (poll(&pfd, 1, (int)(WAIT_S * 1000)) != 1)
		fail_msg("nothing arrived on fd %d", fd);
}

/* Wait until the octets just sent have arrived and the server took them. */
static void
wait_taken(struct fixture *f)
{
	wait_readable(f->c->fd);
	wait_for(f, server_drained, NULL, "server reading its input");
}

/* Let some time pass, so that re-arming a deadline would show. */
static void
let_time_pass(struct fixture *f, double secs)
{
	(void)run_until(f, never, NULL, secs);
}

/* ---- deadlines ---- */

/* When the connection's timer fires (wall clock), or -1 with none pending. */
static double
expiry(const struct conn *c)
{
	struct timeval	tv;

	if (!evtimer_pending(c->timer, &tv))
		return -1;
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* The timer is the one that state arms: secs from about now. */
static void
assert_deadline(const struct conn *c, int secs)
{
	double	e = expiry(c), left;

	if (e < 0)
		fail_msg("state %s: no deadline pending, want %d s",
		    conn_state_name(c->state), secs);
	left = e - wall();
	if (left <= secs - 1.0 || left > secs + 0.05)
		fail_msg("state %s: deadline in %.3f s, want %d s",
		    conn_state_name(c->state), left, secs);
}

/* ---- setting up ---- */

static int
listen_local(void)
{
	struct sockaddr_in	sin;
	int			fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(fd, 16), 0);
	return fd;
}

/* A TCP pair over loopback: the client end, and the accepted server end. */
static void
connect_pair(int lfd, int *cfd, int *sfd, struct sockaddr_storage *ss,
    socklen_t *sslen)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);

	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sin, &len), 0);
	*cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(*cfd >= 0);
	assert_int_equal(connect(*cfd, (struct sockaddr *)&sin, sizeof(sin)),
	    0);
	assert_int_equal(fcntl(*cfd, F_SETFL, O_NONBLOCK), 0);
	*sslen = sizeof(*ss);
	*sfd = accept4(lfd, (struct sockaddr *)ss, sslen,
	    SOCK_NONBLOCK | SOCK_CLOEXEC);
	assert_true(*sfd >= 0);
}

static int
setup(void **state)
{
	struct fixture		*f;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	int			 lfd, sfd;

	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->cl.fd = -1;
	config_defaults(&f->cfg);
	f->cfg.handshake_timeout = HANDSHAKE_S;
	f->cfg.idle_timeout = IDLE_S;
	f->cfg.line_timeout = LINE_S;
	f->cfg.literal_timeout = LITERAL_S;
	f->cfg.db_pool = 1;
	(void)strlcpy(f->nodb, "/tmp/scc-nodb.XXXXXX", sizeof(f->nodb));
	assert_non_null(mkdtemp(f->nodb));
	(void)snprintf(f->conninfo, sizeof(f->conninfo),
	    "host=%s port=5432 user=nobody dbname=nothing", f->nodb);
	f->srv.addrlimit = addrlimit_new();
	assert_non_null(f->srv.addrlimit);
	f->srv.dbparams.conninfo = f->conninfo;
	f->srv.dbparams.connect_timeout = 1;
	f->srv.dbparams.statement_timeout = 1;
	assert_int_equal(dispatch_statements(&f->stmts, &f->nstmts), 0);
	f->srv.stmts = f->stmts;
	f->srv.nstmts = f->nstmts;

	lfd = listen_local();
	assert_int_equal(loop_init(&f->loop, &f->srv, 0, lfd, &f->cfg,
	    server_ctx), 0);
	/* The test accepts and hands the socket over itself. */
	assert_int_equal(event_del(f->loop.accept_ev), 0);
	connect_pair(lfd, &f->cl.fd, &sfd, &ss, &sslen);

	f->cl.ssl = SSL_new(client_ctx);
	assert_non_null(f->cl.ssl);
	assert_int_equal(SSL_set_fd(f->cl.ssl, f->cl.fd), 1);
	SSL_set_connect_state(f->cl.ssl);
	f->cl.ev = event_new(f->loop.base, f->cl.fd, EV_READ | EV_PERSIST,
	    client_on_read, &f->cl);
	assert_non_null(f->cl.ev);
	assert_int_equal(event_add(f->cl.ev, NULL), 0);

	conn_accept(&f->loop, sfd, (struct sockaddr *)&ss, sslen);
	f->c = TAILQ_FIRST(&f->loop.conns);
	assert_non_null(f->c);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;

	client_close(&f->cl);
	loop_teardown(&f->loop);
	loop_free(&f->loop);
	addrlimit_free(f->srv.addrlimit);
	dispatch_statements_free(f->stmts, f->nstmts);
	config_free(&f->cfg);
	if (rmdir(f->nodb) == -1)
		fprintf(stderr, "rmdir %s: %s\n", f->nodb, strerror(errno));
	free(f);
	return 0;
}

/* Start the client's handshake and run both ends to the greeting. */
static void
handshake(struct fixture *f)
{
	ERR_clear_error();
	assert_int_equal(SSL_get_error(f->cl.ssl, SSL_do_handshake(f->cl.ssl)),
	    SSL_ERROR_WANT_READ);
	wait_line(f, "* OK");
	assert_true(f->cl.ready);
}

/* ---- the tests ---- */

static void
test_handshake_then_ready(void **state)
{
	struct fixture	*f = *state;
	const char	*greeting;

	/* Accepted: the handshake deadline, and nothing sent yet. */
	assert_int_equal(f->c->state, CONN_HANDSHAKE);
	assert_deadline(f->c, HANDSHAKE_S);
	handshake(f);
	greeting = client_line(&f->cl, "* OK");
	assert_string_equal(greeting, "* OK [CAPABILITY " SCP_PROTOCOL
	    " LITERAL+ WATCH] sccd ready\r\n");
	assert_int_equal(f->c->state, CONN_READY);
	assert_deadline(f->c, IDLE_S);
}

/*
 * A line's deadline is fixed by its first octet: more octets of the same
 * line do not move it, so trickling cannot keep a line alive. A complete
 * request ends it.
 */
static void
test_line_deadline_fixed(void **state)
{
	struct fixture	*f = *state;
	double		 first, later;

	handshake(f);
	client_sends(&f->cl, "a1 NO");
	wait_state(f, CONN_LINE);
	assert_deadline(f->c, LINE_S);
	first = expiry(f->c);

	let_time_pass(f, GAP_S);
	client_sends(&f->cl, "OP");
	wait_taken(f);
	assert_int_equal(f->c->state, CONN_LINE);
	later = expiry(f->c);
	if (later - first > 0.01 || later - first < -0.01)
		fail_msg("more of the line moved its deadline by %.3f s",
		    later - first);

	client_sends(&f->cl, "\r\n");
	wait_line(f, "a1 ");
	assert_string_equal(client_line(&f->cl, "a1 "), "a1 OK done\r\n");
	assert_int_equal(f->c->state, CONN_READY);
	assert_deadline(f->c, IDLE_S);
}

/*
 * A literal's deadline is one of progress: every chunk that arrives moves
 * it on, and a literal that stalls is ended by it: "* BYE", then close.
 */
static void
test_literal_progress_then_stall(void **state)
{
	struct fixture	*f = *state;
	char		 chunk[100];
	double		 prev, cur, bye_at;
	int		 i;

	memset(chunk, 'x', sizeof(chunk));
	handshake(f);
	client_sends(&f->cl, "a2 LOGIN someone {600}\r\n");
	wait_line(f, "+ ");
	assert_string_equal(client_line(&f->cl, "+ "), "+ OK\r\n");
	assert_int_equal(f->c->state, CONN_LITERAL);
	assert_deadline(f->c, LITERAL_S);
	prev = expiry(f->c);
	for (i = 0; i < 3; i++) {
		let_time_pass(f, GAP_S);
		client_send(&f->cl, chunk, sizeof(chunk));
		wait_taken(f);
		assert_int_equal(f->c->state, CONN_LITERAL);
		cur = expiry(f->c);
		if (cur - prev < GAP_S - 0.05)
			fail_msg("chunk %d moved the literal deadline by "
			    "%.3f s after %.2f s", i + 1, cur - prev, GAP_S);
		assert_deadline(f->c, LITERAL_S);
		prev = cur;
	}

	/* Nothing more comes: the deadline fires. */
	if (!run_until(f, client_closed, NULL, LITERAL_S + WAIT_S))
		fail_msg("a stalled literal was not ended (state %s)",
		    conn_state_name(f->c->state));
	bye_at = wall();
	assert_string_equal(client_line(&f->cl, "* BYE"),
	    "* BYE literal stalled\r\n");
	/* It was the deadline that ended it, at its time and not before. */
	assert_true(bye_at >= prev - 0.05);
	assert_null(client_line(&f->cl, "a2 "));
	assert_int_equal(f->c->state, CONN_CLOSING);
	assert_deadline(f->c, CLOSING_S);
	/* The server lingers until the peer closes too; then it is freed. */
	client_close(&f->cl);
	wait_for(f, no_conns, NULL, "connection freed");
}

/* A literal over its argument's limit is refused before any "+ OK". */
static void
test_literal_too_big(void **state)
{
	struct fixture	*f = *state;

	handshake(f);
	client_sends(&f->cl, "a3 LOGIN someone {2000}\r\n");
	wait_line(f, "a3 ");
	assert_string_equal(client_line(&f->cl, "a3 "),
	    "a3 NO [TOOBIG] literal too big\r\n");
	assert_null(client_line(&f->cl, "+"));
	assert_int_equal(f->c->state, CONN_READY);
	assert_deadline(f->c, IDLE_S);
	/* No octets were sent, and both ends still agree where lines are. */
	client_sends(&f->cl, "a4 NOOP\r\n");
	wait_line(f, "a4 ");
	assert_string_equal(client_line(&f->cl, "a4 "), "a4 OK done\r\n");
}

/*
 * A request carried out elsewhere (here: the database, which is down)
 * leaves the connection BUSY with no timer of its own, and its answer
 * comes later from the loop, never from inside the read that started it.
 */
static void
test_busy_answer_later(void **state)
{
	struct fixture	*f = *state;
	struct conn	*c = f->c;

	handshake(f);
	c->authed = true;	/* as if LOGIN had succeeded */
	c->role = SCP_ROLE_LEAD_OFFICER;
	client_sends(&f->cl, "a5 WHOAMI\r\n");
	/* The read that starts the request, called here and not by the loop. */
	wait_readable(c->fd);
	conn_on_read(c->fd, EV_READ, c);
	assert_int_equal(unread(c->fd), 0);
	assert_int_equal(c->state, CONN_BUSY);
	assert_non_null(c->req);
	assert_false(evtimer_pending(c->timer, NULL));
	assert_int_equal(evbuffer_get_length(c->out), 0);
	assert_int_equal(unread(f->cl.fd), 0);	/* nothing on its way back */

	wait_line(f, "a5 ");
	assert_non_null(strstr(client_line(&f->cl, "a5 "),
	    "a5 NO [UNAVAILABLE]"));
	assert_int_equal(c->state, CONN_READY);
	assert_null(c->req);
	assert_deadline(c, IDLE_S);
}

/* conn_set_state() logs every change of state. */
static void
test_transitions_logged(void **state)
{
	struct fixture	*f = *state;
	char		 path[] = "/tmp/scc-connlog.XXXXXX", text[4096];
	ssize_t		 n;
	int		 fd, saved;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(unlink(path), 0);
	saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	log_init(1, "test_conn");
	handshake(f);
	client_sends(&f->cl, "a6 NO");
	wait_state(f, CONN_LINE);
	log_init(getenv("SCC_TEST_VERBOSE") != NULL, "test_conn");
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	assert_int_equal(close(saved), 0);
	n = pread(fd, text, sizeof(text) - 1, 0);
	assert_true(n > 0);
	text[n] = '\0';
	assert_int_equal(close(fd), 0);
	assert_non_null(strstr(text, "handshake -> ready"));
	assert_non_null(strstr(text, "ready -> line"));
}

/* ---- certificates ---- */

/* A throwaway self-signed P-256 certificate, written as PEM to two files. */
static void
make_cert(char *cert, char *key)
{
	EVP_PKEY	*pk;
	X509		*x;
	X509_NAME	*name;
	FILE		*fp;
	int		 fd;

	pk = EVP_EC_gen("P-256");
	x = X509_new();
	assert_non_null(pk);
	assert_non_null(x);
	assert_int_equal(X509_set_version(x, 2), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), 1), 1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), -60));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 3600));
	assert_int_equal(X509_set_pubkey(x, pk), 1);
	name = X509_get_subject_name(x);
	assert_int_equal(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"localhost", -1, -1, 0), 1);
	assert_int_equal(X509_set_issuer_name(x, name), 1);
	assert_true(X509_sign(x, pk, EVP_sha256()) > 0);

	fd = mkstemp(cert);
	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	assert_non_null(fp);
	assert_int_equal(PEM_write_X509(fp, x), 1);
	assert_int_equal(fclose(fp), 0);
	fd = mkstemp(key);
	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	assert_non_null(fp);
	assert_int_equal(PEM_write_PrivateKey(fp, pk, NULL, NULL, 0, NULL,
	    NULL), 1);
	assert_int_equal(fclose(fp), 0);
	X509_free(x);
	EVP_PKEY_free(pk);
}

static int
group_setup(void **state)
{
	char	cert[] = "/tmp/scc-conncert.XXXXXX";
	char	key[] = "/tmp/scc-connkey.XXXXXX";
	char	err[256];

	(void)state;
	if (sodium_init() < 0)
		return -1;
	if (dispatch_init(err, sizeof(err)) == -1) {
		fprintf(stderr, "dispatch_init: %s\n", err);
		return -1;
	}
	make_cert(cert, key);
	/* The server's own TLS policy, as sccd sets it up. */
	server_ctx = tls_server_ctx(cert, key, err, sizeof(err));
	(void)unlink(cert);
	(void)unlink(key);
	if (server_ctx == NULL) {
		fprintf(stderr, "tls_server_ctx: %s\n", err);
		return -1;
	}
	if ((client_ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		return -1;
	SSL_CTX_set_verify(client_ctx, SSL_VERIFY_NONE, NULL);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	SSL_CTX_free(client_ctx);
	SSL_CTX_free(server_ctx);
	dispatch_free();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_handshake_then_ready,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_line_deadline_fixed,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_literal_progress_then_stall, setup, teardown),
		cmocka_unit_test_setup_teardown(test_literal_too_big,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy_answer_later,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_transitions_logged,
		    setup, teardown),
	};

	log_init(getenv("SCC_TEST_VERBOSE") != NULL, "test_conn");
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
