/*
 * Connections: accept, handshake, turning input into requests, deadlines,
 * answers, and the end of a connection.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <openssl/err.h>

#include "addrlimit.h"
#include "conn.h"
#include "dispatch.h"
#include "doc.h"
#include "log.h"
#include "loop.h"
#include "request.h"
#include "serve.h"
#include "watch.h"

#define GREETING	"* OK [CAPABILITY " SCP_PROTOCOL " LITERAL+ WATCH] sccd ready\r\n"
#define CLOSING_SECONDS	5

static atomic_ullong	conn_ids;

static void	conn_on_timer(evutil_socket_t, short, void *);
static void	conn_arm_deadline(struct conn *);
static void	conn_process(struct conn *);

static const char *const state_names[] = {
	[CONN_HANDSHAKE] = "handshake",
	[CONN_READY] = "ready",
	[CONN_LINE] = "line",
	[CONN_LITERAL] = "literal",
	[CONN_BUSY] = "busy",
	[CONN_CLOSING] = "closing",
	[CONN_DEAD] = "dead",
};

const char *
conn_state_name(enum conn_state st)
{
	return state_names[st];
}

bool
conn_alive(const struct conn *c)
{
	return c->state != CONN_DEAD;
}

bool
conn_reading(const struct conn *c)
{
	return c->state == CONN_READY || c->state == CONN_LINE ||
	    c->state == CONN_LITERAL;
}

void
conn_set_state(struct conn *c, enum conn_state st)
{
	if (c->state == st || c->state == CONN_DEAD)
		return;
	log_debug("conn %llu: %s -> %s", (unsigned long long)c->id,
	    state_names[c->state], state_names[st]);
	c->state = st;
	conn_arm_deadline(c);
}

/*
 * While reading requests, the parser says which of READY, LINE and LITERAL
 * the connection is in. A literal that made progress earns a new deadline;
 * a line never does, so trickling octets cannot keep one alive.
 */
static void
conn_follow_parser(struct conn *c, bool progress)
{
	enum conn_state	st;

	if (!conn_reading(c))
		return;
	if (scp_parser_in_literal(c->parser))
		st = CONN_LITERAL;
	else
		st = scp_parser_busy(c->parser) ? CONN_LINE : CONN_READY;
	if (st != c->state)
		conn_set_state(c, st);
	else if (st == CONN_LITERAL && progress)
		conn_arm_deadline(c);
}

void
conn_hold(struct conn *c)
{
	c->refs++;
}

static void
conn_free(struct conn *c)
{
	struct loop	*loop = c->loop;

	TAILQ_REMOVE(&loop->conns, c, entry);
	loop->nconns--;
	atomic_fetch_sub(&loop->srv->nconns, 1);
	if (c->counted_addr)
		addrlimit_give(loop->srv->addrlimit, c->addr);
	event_free(c->rev);
	event_free(c->wev);
	event_free(c->timer);
	evbuffer_free(c->out);
	SSL_free(c->ssl);
	close(c->fd);
	scp_parser_free(c->parser);
	scp_buf_free(&c->pending);
	free(c->login);
	explicit_bzero(c->token_hash, sizeof(c->token_hash));
	free(c);
	loop_conn_gone(loop);
}

void
conn_release(struct conn *c)
{
	if (--c->refs == 0 && c->state == CONN_DEAD)
		conn_free(c);
}

void
conn_close(struct conn *c, const char *why)
{
	if (c->state == CONN_DEAD)
		return;
	log_debug("conn %llu: %s -> dead: %s", (unsigned long long)c->id,
	    state_names[c->state], why);
	c->state = CONN_DEAD;
	watch_stop(c);
	event_del(c->rev);
	event_del(c->wev);
	event_del(c->timer);
	if (c->req != NULL)
		request_abort(c->req);
	doc_upload_abort(c);
	doc_download_abort(c);
}

static void
peer_address(const struct sockaddr *sa, char *out, size_t outlen)
{
	const void	*a;

	if (sa->sa_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	else
		a = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	if (inet_ntop(sa->sa_family, a, out, (socklen_t)outlen) == NULL)
		(void)strlcpy(out, "unknown", outlen);
}

static struct conn *
conn_new(struct loop *loop, int fd)
{
	struct conn	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->loop = loop;
	c->fd = fd;
	c->state = CONN_HANDSHAKE;
	c->id = atomic_fetch_add(&conn_ids, 1) + 1;
	c->rev = event_new(loop->base, fd, EV_READ | EV_PERSIST, conn_on_read, c);
	c->wev = event_new(loop->base, fd, EV_WRITE | EV_PERSIST, conn_on_write, c);
	c->timer = evtimer_new(loop->base, conn_on_timer, c);
	c->out = evbuffer_new();
	c->ssl = SSL_new(loop->tls);
	c->parser = scp_parser_new(&loop->cfg->limits);
	if (c->rev == NULL || c->wev == NULL || c->timer == NULL ||
	    c->out == NULL || c->ssl == NULL || c->parser == NULL ||
	    SSL_set_fd(c->ssl, fd) != 1) {
		if (c->rev) event_free(c->rev);
		if (c->wev) event_free(c->wev);
		if (c->timer) event_free(c->timer);
		if (c->out) evbuffer_free(c->out);
		SSL_free(c->ssl);
		scp_parser_free(c->parser);
		free(c);
		ERR_clear_error();
		return NULL;
	}
	return c;
}

void
conn_accept(struct loop *loop, int fd, const struct sockaddr *sa, socklen_t len)
{
	struct server	*srv = loop->srv;
	struct conn	*c;
	int		 on = 1;

	(void)len;
	if (atomic_fetch_add(&srv->nconns, 1) >= loop->cfg->max_connections) {
		atomic_fetch_sub(&srv->nconns, 1);
		close(fd);	/* over the total: not even a handshake */
		return;
	}
	if ((c = conn_new(loop, fd)) == NULL) {
		atomic_fetch_sub(&srv->nconns, 1);
		log_warnx("loop %d: out of memory for a connection", loop->id);
		close(fd);
		return;
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	peer_address(sa, c->addr, sizeof(c->addr));
	if (addrlimit_take(srv->addrlimit, c->addr,
	    (long)loop->cfg->max_per_address) == 0)
		c->counted_addr = true;
	else
		c->refuse_limit = true;
	TAILQ_INSERT_TAIL(&loop->conns, c, entry);
	loop->nconns++;
	SSL_set_accept_state(c->ssl);
	conn_arm_deadline(c);
	conn_hold(c);
	conn_handshake(c);
	conn_release(c);
}

void
conn_handshake(struct conn *c)
{
	int	n;

	ERR_clear_error();
	n = SSL_do_handshake(c->ssl);
	if (n != 1) {
		switch (conn_tls_result(c, n, "handshake")) {
		case IO_WANT_READ:
			(void)event_add(c->rev, NULL);
			(void)event_del(c->wev);
			return;
		case IO_WANT_WRITE:
			(void)event_add(c->wev, NULL);
			return;
		default:
			conn_close(c, "handshake failed");
			return;
		}
	}
	log_debug("conn %llu: %s from %s", (unsigned long long)c->id,
	    SSL_get_version(c->ssl), c->addr);
	conn_set_state(c, CONN_READY);
	/* A request may have come with the handshake's last flight. */
	c->read_more = true;
	if (c->refuse_limit) {
		conn_bye(c, SCP_CODE_LIMIT, "too many connections from your address");
		return;
	}
	if (evbuffer_add(c->out, GREETING, sizeof(GREETING) - 1) == -1) {
		conn_close(c, "out of memory");
		return;
	}
	conn_flush(c);
}

/* One timer, whose meaning follows the state. */
static void
conn_arm_deadline(struct conn *c)
{
	const struct config	*cfg = c->loop->cfg;
	struct timeval		 tv = { 0, 0 };

	switch (c->state) {
	case CONN_HANDSHAKE:
		tv.tv_sec = cfg->handshake_timeout;
		break;
	case CONN_READY:
		tv.tv_sec = cfg->idle_timeout;
		break;
	case CONN_LINE:
		tv.tv_sec = cfg->line_timeout;
		break;
	case CONN_LITERAL:
		tv.tv_sec = cfg->literal_timeout;
		break;
	case CONN_CLOSING:
		tv.tv_sec = CLOSING_SECONDS;
		break;
	case CONN_BUSY:
	case CONN_DEAD:
		event_del(c->timer);
		return;
	}
	(void)evtimer_add(c->timer, &tv);
}

static void
conn_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*c = arg;
	const char	*why = NULL;

	(void)fd;
	(void)what;
	conn_hold(c);
	switch (c->state) {
	case CONN_READY:
		why = "idle for too long";
		break;
	case CONN_LINE:
		why = "line not finished in time";
		break;
	case CONN_LITERAL:
		why = "literal stalled";
		break;
	default:
		conn_close(c, "timed out");
		break;
	}
	if (why != NULL) {
		log_info("conn %llu: %s: %s", (unsigned long long)c->id, c->addr,
		    why);
		conn_bye(c, SCP_CODE_NONE, why);
	}
	conn_release(c);
}

struct scp_buf *
conn_scratch(struct conn *c)
{
	scp_buf_reset(&c->loop->out);
	return &c->loop->out;
}

void
conn_send(struct conn *c, struct scp_buf *b)
{
	if (!conn_alive(c) || b->len == 0)
		goto out;
	if (evbuffer_add(c->out, b->data, b->len) == -1) {
		conn_close(c, "out of memory");
		goto out;
	}
	/* A peer that stops reading is dropped, not buffered for without end. */
	if (evbuffer_get_length(c->out) > (size_t)c->loop->cfg->output_max) {
		log_info("conn %llu: output over %lld octets; dropped",
		    (unsigned long long)c->id, (long long)c->loop->cfg->output_max);
		conn_close(c, "output over limit");
	}
out:
	scp_buf_reset(b);
}

static void
secret_free(const void *data, size_t len, void *arg)
{
	(void)arg;
	explicit_bzero((void *)(uintptr_t)data, len);
	free((void *)(uintptr_t)data);
}

/*
 * Queue what b holds (a session token) so that it is wiped once written:
 * the buffer only refers to a copy that is ours to wipe and free.
 */
void
conn_send_secret(struct conn *c, struct scp_buf *b)
{
	char	*copy;

	if (!conn_alive(c) || b->len == 0)
		goto out;
	if ((copy = malloc(b->len)) == NULL) {
		conn_close(c, "out of memory");
		goto out;
	}
	memcpy(copy, b->data, b->len);
	if (evbuffer_add_reference(c->out, copy, b->len, secret_free,
	    NULL) == -1) {
		secret_free(copy, b->len, NULL);
		conn_close(c, "out of memory");
	}
out:
	scp_buf_reset(b);
}

void
conn_answer(struct conn *c, const char *tag, enum scp_status st,
    enum scp_code code, const char *args, const char *text)
{
	struct scp_buf	*b = conn_scratch(c);

	if (!conn_alive(c))
		return;
	if (scp_put_completion(b, tag[0] != '\0' ? tag : "*", st, code,
	    args, text) == -1) {
		conn_close(c, "out of memory");
		return;
	}
	conn_send(c, b);
}

void
conn_bye(struct conn *c, enum scp_code code, const char *text)
{
	struct scp_buf	*b = conn_scratch(c);

	if (!conn_alive(c))
		return;
	if (scp_put_bye(b, code, text) == -1) {
		conn_close(c, "out of memory");
		return;
	}
	conn_send(c, b);
	conn_linger(c);
}

void
conn_linger(struct conn *c)
{
	if (!conn_alive(c))
		return;
	conn_set_state(c, CONN_CLOSING);
	conn_flush(c);
}

/*
 * Let the parser free the request it held (its arguments may include a
 * password) instead of keeping it until the next octet arrives.
 */
static void
conn_forget_request(struct conn *c)
{
	size_t	used;

	(void)scp_parse(c->parser, NULL, 0, &used);
}

void
conn_request_done(struct conn *c)
{
	if (!conn_alive(c))
		return;
	conn_forget_request(c);
	if (c->state != CONN_BUSY)
		return;		/* closing: nothing more is read */
	if (c->quit) {
		conn_linger(c);
		return;
	}
	conn_set_state(c, CONN_READY);
	if (c->drain) {
		conn_bye(c, SCP_CODE_UNAVAILABLE, "server shutting down");
		return;
	}
	if (c->session_ended) {
		conn_forget_session(c);
		conn_bye(c, SCP_CODE_EXPIRED, "session ended");
		return;
	}
	/* Events read during the answer go out before the next one starts. */
	watch_between(c);
	if (!conn_alive(c))
		return;
	conn_process(c);
	if (conn_alive(c))
		conn_flush(c);
}

void
conn_forget_session(struct conn *c)
{
	watch_stop(c);
	c->authed = false;
	explicit_bzero(c->token_hash, sizeof(c->token_hash));
	free(c->login);
	c->login = NULL;
}

/*
 * A connection between requests finds out that its session ended at its
 * next request (NO [EXPIRED]), as the protocol has always said. One that
 * watches may never send another: it is told now and closed.
 */
void
conn_session_ended(struct loop *loop, const uint8_t hash[32])
{
	struct conn	*c, *next;

	TAILQ_FOREACH_SAFE(c, &loop->conns, entry, next) {
		if (!c->authed || !watch_on(c) || !conn_alive(c) ||
		    memcmp(c->token_hash, hash, sizeof(c->token_hash)) != 0)
			continue;
		log_info("conn %llu: the session it watches with was ended",
		    (unsigned long long)c->id);
		if (!conn_reading(c)) {
			/* Its answer is on the way; the BYE follows it. */
			c->session_ended = true;
			continue;
		}
		conn_hold(c);
		conn_forget_session(c);
		conn_bye(c, SCP_CODE_EXPIRED, "session ended");
		conn_release(c);
	}
}

void
conn_begin_drain(struct conn *c)
{
	conn_hold(c);
	c->drain = true;
	if (c->state == CONN_HANDSHAKE)
		conn_close(c, "server shutting down");
	else if (conn_reading(c))
		conn_bye(c, SCP_CODE_UNAVAILABLE, "server shutting down");
	conn_release(c);
}

static void
conn_set_tag(struct conn *c, const char *tag)
{
	if (strlcpy(c->tag, tag, sizeof(c->tag)) >= sizeof(c->tag))
		c->tag[0] = '\0';	/* the parser never hands out longer tags */
}

/* Handle one parser event; false when reading must stop for now. */
static bool
conn_parsed(struct conn *c, enum scp_result r)
{
	switch (r) {
	case SCP_MORE:
		return false;
	case SCP_REQUEST:
		/* The line is complete: its deadline ends here. */
		conn_set_state(c, CONN_READY);
		dispatch_request(c, scp_parser_request(c->parser));
		/* An upload whose request was refused after its octets. */
		if (c->upload != NULL && c->req == NULL)
			doc_upload_abort(c);
		if (conn_reading(c))
			conn_forget_request(c);
		break;
	case SCP_LITERAL:
		dispatch_literal(c, scp_parser_partial(c->parser),
		    scp_parser_literal(c->parser));
		break;
	case SCP_CHUNK: {
		const char	*data;
		size_t		 len;

		scp_parser_chunk(c->parser, &data, &len);
		doc_upload_chunk(c, data, len);
		break;
	}
	case SCP_SKIPPED:
		doc_upload_abort(c);
		conn_answer(c, c->tag, c->refuse_status, c->refuse_code, NULL,
		    c->refuse_text);
		c->tag[0] = '\0';
		break;
	case SCP_REJECT:
		doc_upload_abort(c);
		conn_set_tag(c, scp_parser_tag(c->parser));
		conn_answer(c, c->tag, SCP_BAD, scp_parser_code(c->parser), NULL,
		    scp_parser_error(c->parser));
		c->tag[0] = '\0';
		break;
	case SCP_CLOSE:
		log_info("conn %llu: closing: %s", (unsigned long long)c->id,
		    scp_parser_error(c->parser));
		conn_bye(c, scp_parser_code(c->parser), scp_parser_error(c->parser));
		return false;
	}
	return conn_reading(c);
}

/*
 * Parse data while the connection can take requests; returns the octets
 * used. After a literal is decided the parser has something to say even
 * without new input (a refusal ends the request at once), hence "again".
 */
static size_t
conn_parse(struct conn *c, const char *data, size_t len, bool again)
{
	enum scp_result	r;
	size_t		used, total = 0;
	bool		go = true;

	c->parsing = true;
	while (go && (total < len || again) && conn_reading(c)) {
		r = scp_parse(c->parser, data + total, len - total, &used);
		total += used;
		again = r == SCP_LITERAL;
		go = conn_parsed(c, r);
	}
	c->parsing = false;
	conn_follow_parser(c, total > 0);
	return total;
}

void
conn_refuse_literal(struct conn *c, enum scp_status st, enum scp_code code,
    const char *text)
{
	c->refuse_status = st;
	c->refuse_code = code;
	(void)strlcpy(c->refuse_text, text, sizeof(c->refuse_text));
	scp_parser_refuse(c->parser);
}

void
conn_resume(struct conn *c)
{
	if (!conn_alive(c) || c->state != CONN_BUSY || c->req != NULL)
		return;
	conn_set_state(c, CONN_LITERAL);
	conn_follow_parser(c, true);
	conn_process(c);
	if (conn_alive(c))
		conn_flush(c);
}

/* Parse what was read while the connection was busy. */
static void
conn_process(struct conn *c)
{
	/* An answer given inside dispatch must not parse under our feet. */
	if (c->parsing)
		return;
	/* Once even with nothing read: a literal decided meanwhile may speak. */
	scp_buf_consume(&c->pending,
	    conn_parse(c, c->pending.data, c->pending.len, true));
	if (c->pending.len == 0)
		scp_buf_free(&c->pending);	/* idle connections hold nothing */
}

void
conn_input(struct conn *c, const char *data, size_t len)
{
	size_t	used;

	/* Earlier input goes first; parse straight from the read buffer otherwise. */
	if (c->pending.len > 0 || !conn_reading(c)) {
		if (scp_buf_add(&c->pending, data, len) == -1) {
			conn_close(c, "out of memory");
			return;
		}
		conn_process(c);
		return;
	}
	used = conn_parse(c, data, len, false);
	if (used < len && conn_alive(c) && c->state != CONN_CLOSING &&
	    scp_buf_add(&c->pending, data + used, len - used) == -1)
		conn_close(c, "out of memory");
}
