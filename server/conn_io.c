/*
 * The TLS pump. OpenSSL may want to write while we read and read while we
 * write; both are states of the connection, never loops. Every SSL_* result
 * goes through conn_tls_result().
 */
#include <sys/socket.h>
#include <errno.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "conn.h"
#include "doc.h"
#include "log.h"
#include "loop.h"

#define READ_BUDGET	(64 * 1024)	/* octets per wakeup, for fairness */
#define WRITE_CHUNK	(16 * 1024)
#define PENDING_MAX	(64 * 1024)	/* read ahead while a request is busy */

static void	conn_linger_read(struct conn *);

enum io_result
conn_tls_result(struct conn *c, int ret, const char *op)
{
	int	err = SSL_get_error(c->ssl, ret);

	switch (err) {
	case SSL_ERROR_NONE:
		return IO_OK;
	case SSL_ERROR_WANT_READ:
		return IO_WANT_READ;
	case SSL_ERROR_WANT_WRITE:
		return IO_WANT_WRITE;
	case SSL_ERROR_ZERO_RETURN:
		return IO_CLOSED;
	case SSL_ERROR_SYSCALL:
		/* A peer that vanishes without close_notify is ordinary. */
		if (ERR_peek_error() == 0) {
			if (errno != 0 && errno != ECONNRESET && errno != EPIPE)
				log_debug("conn %llu: %s: %s",
				    (unsigned long long)c->id, op, strerror(errno));
			return IO_CLOSED;
		}
		break;
	default:
		break;
	}
	log_debug("conn %llu: %s failed (ssl error %d): %s",
	    (unsigned long long)c->id, op, err,
	    ERR_reason_error_string(ERR_peek_error()) ?
	    ERR_reason_error_string(ERR_peek_error()) : "?");
	ERR_clear_error();
	return IO_ERROR;
}

/* Read interest always, unless a busy request has enough read ahead. */
void
conn_update_events(struct conn *c)
{
	bool	want_read, want_write;

	if (c->state == CONN_DEAD)
		return;
	want_read = c->state != CONN_CLOSING &&
	    (c->state != CONN_BUSY || c->pending.len < PENDING_MAX);
	want_read = want_read || c->write_wants_read || c->lingering;
	want_write = !c->lingering && (c->read_wants_write ||
	    (evbuffer_get_length(c->out) > 0 && !c->write_wants_read));
	if (want_read)
		(void)event_add(c->rev, NULL);
	else
		(void)event_del(c->rev);
	/*
	 * Octets OpenSSL already holds (read ahead, or decrypted and not yet
	 * taken) raise no socket event: wake ourselves when reading stopped
	 * before OpenSSL asked for the socket. Only then: a partial record
	 * asks for the socket, and waking for it would spin.
	 */
	if (want_read && c->read_more && !c->lingering &&
	    c->state != CONN_HANDSHAKE)
		event_active(c->rev, EV_READ, 0);
	if (want_write)
		(void)event_add(c->wev, NULL);
	else
		(void)event_del(c->wev);
}

static void
conn_read_some(struct conn *c)
{
	struct loop	*loop = c->loop;
	size_t		 total = 0;
	int		 n;

	c->read_wants_write = false;
	c->read_more = true;
	while (total < READ_BUDGET && conn_alive(c) && c->state != CONN_CLOSING) {
		ERR_clear_error();
		n = SSL_read(c->ssl, loop->rbuf, (int)loop->rbufsz);
		if (n > 0) {
			total += (size_t)n;
			conn_input(c, loop->rbuf, (size_t)n);
			/* It may have held a password; the next reader is another client. */
			explicit_bzero(loop->rbuf, (size_t)n);
			/*
			 * OpenSSL holds nothing more: what the kernel may hold
			 * raises the (level-triggered) event again, so a read
			 * that would only say EAGAIN is saved.
			 */
			if (!SSL_has_pending(c->ssl)) {
				c->read_more = false;
				return;
			}
			continue;
		}
		switch (conn_tls_result(c, n, "read")) {
		case IO_WANT_READ:
			c->read_more = false;
			return;
		case IO_WANT_WRITE:
			c->read_wants_write = true;
			c->read_more = false;
			return;
		default:
			conn_close(c, "peer closed");
			return;
		}
	}
	/* Budget spent with data still inside OpenSSL or the socket: come back. */
	if (conn_alive(c) && c->state != CONN_CLOSING)
		event_active(c->rev, EV_READ, 0);
}

void
conn_on_read(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*c = arg;

	(void)fd;
	(void)what;
	conn_hold(c);
	if (c->lingering)
		conn_linger_read(c);
	else if (c->state == CONN_HANDSHAKE)
		conn_handshake(c);
	else {
		if (c->write_wants_read)
			conn_flush(c);
		if (conn_alive(c) && (c->state != CONN_BUSY ||
		    c->pending.len < PENDING_MAX))
			conn_read_some(c);
		if (conn_alive(c))
			conn_flush(c);
	}
	conn_release(c);
}

void
conn_on_write(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*c = arg;

	(void)fd;
	(void)what;
	conn_hold(c);
	if (c->state == CONN_HANDSHAKE)
		conn_handshake(c);
	else {
		if (c->read_wants_write)
			conn_read_some(c);
		if (conn_alive(c))
			conn_flush(c);
	}
	conn_release(c);
}

/*
 * Everything is written: send close_notify, stop sending, and read what the
 * peer still sends until it closes too (or the closing timer fires). Closing
 * with unread input would make the kernel send a reset, which can destroy
 * the last answer before the peer reads it.
 */
static void
conn_finish_close(struct conn *c)
{
	ERR_clear_error();
	(void)SSL_shutdown(c->ssl);
	ERR_clear_error();
	(void)shutdown(c->fd, SHUT_WR);
	c->lingering = true;
	event_del(c->wev);
	(void)event_add(c->rev, NULL);
}

static void
conn_linger_read(struct conn *c)
{
	ssize_t	n;

	while ((n = recv(c->fd, c->loop->rbuf, c->loop->rbufsz, 0)) > 0)
		;	/* discarded: nothing more will be answered */
	if (n == 0 || (errno != EAGAIN && errno != EINTR))
		conn_close(c, "closed");
}

void
conn_flush(struct conn *c)
{
	struct evbuffer_iovec	 v;
	size_t			 len;
	int			 n;

	c->write_wants_read = false;
	/*
	 * Straight from the buffer's first extent: no copy is made, so a
	 * secret queued by conn_send_secret() lives in one place only.
	 */
	while (conn_alive(c) && evbuffer_get_length(c->out) > 0) {
		if (evbuffer_peek(c->out, -1, NULL, &v, 1) < 1 || v.iov_len == 0) {
			conn_close(c, "output buffer in a bad state");
			return;
		}
		len = v.iov_len > WRITE_CHUNK ? WRITE_CHUNK : v.iov_len;
		ERR_clear_error();
		n = SSL_write(c->ssl, v.iov_base, (int)len);
		if (n > 0) {
			evbuffer_drain(c->out, (size_t)n);
			continue;
		}
		switch (conn_tls_result(c, n, "write")) {
		case IO_WANT_WRITE:
			conn_update_events(c);
			return;
		case IO_WANT_READ:
			c->write_wants_read = true;
			conn_update_events(c);
			return;
		default:
			conn_close(c, "write failed");
			return;
		}
	}
	if (!conn_alive(c))
		return;
	if (c->state == CONN_CLOSING) {
		if (!c->lingering)
			conn_finish_close(c);
		return;
	}
	/* A document going out reads its next piece as this one drains. */
	if (c->download != NULL)
		doc_get_drained(c);
	if (conn_alive(c))
		conn_update_events(c);
}
