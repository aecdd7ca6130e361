/*
 * The client's TLS connection. The server certificate and its name are
 * always checked; there is deliberately no switch to turn that off.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "conn.h"
#include "net.h"
#include "output.h"

#define READ_CHUNK		16384
#define RESPONSE_LINE_MAX	(1024 * 1024)	/* a record with many fields */

struct conn {
	int			 fd;
	SSL_CTX			*ctx;
	SSL			*ssl;
	struct scp_reader	*reader;
	struct scp_buf		 in;		/* received, not yet parsed */
	conn_tap_fn		 tap;
	void			*tap_arg;
	unsigned		 tags;
	bool			 closed;
	bool			 broken;	/* no TLS shutdown after a fatal error */
	char			*host;
};

/* The first OpenSSL error on the queue, in words; the queue is emptied. */
static const char *
ssl_reason(char *buf, size_t len)
{
	unsigned long	 e;
	const char	*reason;

	e = ERR_get_error();
	ERR_clear_error();
	if (e == 0)
		return "unknown error";
	if ((reason = ERR_reason_error_string(e)) != NULL)
		return reason;
	ERR_error_string_n(e, buf, len);
	return buf;
}

static SSL_CTX *
tls_context(const char *ca)
{
	SSL_CTX	*ctx;
	FILE	*fp;
	char	 buf[256];

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
		warnx("TLS setup failed: %s", ssl_reason(buf, sizeof(buf)));
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	/*
	 * A peer that closes without close_notify is treated as a close: every
	 * answer ends in a tagged completion, so a cut-off answer is noticed
	 * without TLS's help.
	 */
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (ca == NULL) {
		if (SSL_CTX_set_default_verify_paths(ctx) == 1)
			return ctx;
		warnx("cannot load the system trust store: %s",
		    ssl_reason(buf, sizeof(buf)));
	} else if ((fp = fopen(ca, "r")) == NULL) {
		warn("CA file %s", ca);
	} else {
		fclose(fp);
		if (SSL_CTX_load_verify_file(ctx, ca) == 1)
			return ctx;
		warnx("CA file %s: %s", ca, ssl_reason(buf, sizeof(buf)));
	}
	SSL_CTX_free(ctx);
	return NULL;
}

/* Which name or address the certificate must carry. */
static int
tls_expect_host(SSL *ssl, const char *host)
{
	unsigned char	 addr[sizeof(struct in6_addr)];

	if (inet_pton(AF_INET, host, addr) == 1 ||
	    inet_pton(AF_INET6, host, addr) == 1)
		return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl),
		    host) == 1 ? 0 : -1;
	SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (SSL_set1_host(ssl, host) != 1 ||
	    SSL_set_tlsext_host_name(ssl, host) != 1)
		return -1;
	return 0;
}

/*
 * The one place SSL_get_error() is read: POLLIN or POLLOUT to wait for, 0
 * when the peer closed cleanly, -1 on failure.
 */
static int
ssl_want(struct conn *c, int ret)
{
	switch (SSL_get_error(c->ssl, ret)) {
	case SSL_ERROR_WANT_READ:
		return POLLIN;
	case SSL_ERROR_WANT_WRITE:
		return POLLOUT;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_SYSCALL:
		if (ERR_peek_error() == 0 && errno == 0)
			return 0;
		/* FALLTHROUGH */
	default:
		c->broken = true;
		return -1;
	}
}

/* Say why an SSL call failed; errno and the error queue are still fresh. */
static void
ssl_report(struct conn *c, const char *what)
{
	char	 buf[256];

	if (ERR_peek_error() != 0)
		warnx("%s: %s: %s", c->host, what, ssl_reason(buf, sizeof(buf)));
	else if (errno != 0)
		warnx("%s: %s: %s", c->host, what, strerror(errno));
	else
		warnx("%s: %s: connection closed", c->host, what);
}

static void
handshake_report(struct conn *c)
{
	long	 verify;

	verify = SSL_get_verify_result(c->ssl);
	if (verify == X509_V_OK) {
		ssl_report(c, "TLS handshake failed");
		return;
	}
	ERR_clear_error();
	if (verify == X509_V_ERR_HOSTNAME_MISMATCH ||
	    verify == X509_V_ERR_IP_ADDRESS_MISMATCH)
		warnx("%s: certificate verification failed: %s (the "
		    "certificate is not for %s)", c->host,
		    X509_verify_cert_error_string(verify), c->host);
	else
		warnx("%s: certificate verification failed: %s", c->host,
		    X509_verify_cert_error_string(verify));
}

static int
tls_handshake(struct conn *c, int64_t deadline)
{
	int	 r, want;

	for (;;) {
		ERR_clear_error();
		errno = 0;
		if ((r = SSL_connect(c->ssl)) == 1)
			return 0;
		if ((want = ssl_want(c, r)) <= 0) {
			c->broken = true;
			handshake_report(c);
			return -1;
		}
		r = net_wait(c->fd, want, deadline);
		if (r == 0) {
			warnx("%s: TLS handshake timed out", c->host);
			return -1;
		}
		if (r == -1) {
			warn("%s: poll", c->host);
			return -1;
		}
	}
}

/* Read what the server has sent into c->in. */
static enum conn_status
conn_fill(struct conn *c, int64_t deadline)
{
	char	 chunk[READ_CHUNK];
	int	 n, want, r;

	if (c->closed)
		return CONN_EOF;
	for (;;) {
		ERR_clear_error();
		errno = 0;
		n = SSL_read(c->ssl, chunk, sizeof(chunk));
		if (n > 0) {
			if (c->tap != NULL)
				c->tap(chunk, n, c->tap_arg);
			if (scp_buf_add(&c->in, chunk, n) == -1) {
				warnx("out of memory");
				return CONN_ERROR;
			}
			return CONN_READY;
		}
		if ((want = ssl_want(c, n)) == 0) {
			c->closed = true;
			return CONN_EOF;
		}
		if (want < 0) {
			ssl_report(c, "read failed");
			c->closed = true;
			return CONN_ERROR;
		}
		if ((r = net_wait(c->fd, want, deadline)) == 0)
			return CONN_TIMEOUT;
		if (r == -1) {
			warn("%s: poll", c->host);
			return CONN_ERROR;
		}
	}
}

static enum conn_status
next_until(struct conn *c, int64_t deadline, const struct scp_response **resp)
{
	enum conn_status	 st;
	enum scp_result		 res;
	size_t			 used;

	for (;;) {
		if (c->in.len > 0) {
			res = scp_read(c->reader, c->in.data, c->in.len, &used);
			scp_buf_consume(&c->in, used);
			if (res == SCP_REQUEST) {
				*resp = scp_reader_response(c->reader);
				return CONN_READY;
			}
			if (res == SCP_CLOSE) {
				warnx("%s: malformed answer from the server: %s",
				    c->host, scp_reader_error(c->reader));
				c->closed = true;
				return CONN_ERROR;
			}
		}
		if ((st = conn_fill(c, deadline)) != CONN_READY)
			return st;
	}
}

enum conn_status
conn_next(struct conn *c, int timeout_ms, const struct scp_response **resp)
{
	return next_until(c, net_deadline(timeout_ms), resp);
}

static bool
offers_word(const char *list, const char *word)
{
	size_t	 len = strlen(word), n;

	while (list != NULL && *list != '\0') {
		n = strcspn(list, " ");
		if (n == len && strncasecmp(list, word, len) == 0)
			return true;
		list += n;
		list += strspn(list, " ");
	}
	return false;
}

static void
warn_untrusted(const char *host, const char *what, const char *text)
{
	char	*safe;

	safe = output_escape(text != NULL ? text : "", SIZE_MAX);
	warnx("%s: %s: %s", host, what, safe != NULL ? safe : "?");
	free(safe);
}

static int
read_greeting(struct conn *c, int64_t deadline)
{
	const struct scp_response	*r;
	enum conn_status		 st;

	st = next_until(c, deadline, &r);
	if (st == CONN_TIMEOUT)
		warnx("%s: no greeting from the server in time", c->host);
	else if (st == CONN_EOF)
		warnx("%s: connection closed before the greeting", c->host);
	if (st != CONN_READY)
		return -1;
	if (r->kind == SCP_R_BYE) {
		warn_untrusted(c->host, "server turned the connection away",
		    r->text);
		return -1;
	}
	if (r->kind != SCP_R_DATA || r->type == NULL ||
	    strcmp(r->type, "OK") != 0 || r->code == NULL ||
	    strcasecmp(r->code, "CAPABILITY") != 0) {
		warnx("%s: not an scc server (unexpected greeting)", c->host);
		return -1;
	}
	if (!offers_word(r->code_args, SCP_PROTOCOL)) {
		warn_untrusted(c->host, "server does not offer " SCP_PROTOCOL,
		    r->code_args);
		return -1;
	}
	return 0;
}

static struct conn *
conn_new(const struct settings *set, conn_tap_fn tap, void *arg)
{
	struct scp_limits	 limits;
	struct conn		*c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		warnx("out of memory");
		return NULL;
	}
	c->fd = -1;
	c->tap = tap;
	c->tap_arg = arg;
	scp_limits_default(&limits);
	c->host = strdup(set->host);
	c->reader = scp_reader_new(RESPONSE_LINE_MAX, limits.doc_max);
	if (c->host == NULL || c->reader == NULL) {
		warnx("out of memory");
		conn_close(c);
		return NULL;
	}
	return c;
}

struct conn *
conn_open(const struct settings *set, conn_tap_fn tap, void *arg)
{
	struct conn	*c;
	int64_t		 deadline;

	deadline = net_deadline(CONN_CONNECT_TIMEOUT_MS);
	if ((c = conn_new(set, tap, arg)) == NULL)
		return NULL;
	if ((c->ctx = tls_context(set->ca)) == NULL)
		goto fail;
	if ((c->fd = net_connect(set->host, set->port, deadline)) == -1)
		goto fail;
	if ((c->ssl = SSL_new(c->ctx)) == NULL ||
	    SSL_set_fd(c->ssl, c->fd) != 1 ||
	    tls_expect_host(c->ssl, c->host) == -1) {
		ssl_report(c, "TLS setup failed");
		goto fail;
	}
	if (tls_handshake(c, deadline) == -1 ||
	    read_greeting(c, deadline) == -1)
		goto fail;
	return c;
fail:
	c->broken = true;
	conn_close(c);
	return NULL;
}

void
conn_close(struct conn *c)
{
	if (c == NULL)
		return;
	if (c->ssl != NULL) {
		/* One polite close_notify; we do not wait for the reply. */
		if (!c->broken && !c->closed)
			(void)SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
	}
	ERR_clear_error();
	if (c->fd != -1)
		close(c->fd);
	SSL_CTX_free(c->ctx);
	scp_reader_free(c->reader);
	scp_buf_free(&c->in);
	free(c->host);
	free(c);
}

void
conn_set_tap(struct conn *c, conn_tap_fn tap, void *arg)
{
	c->tap = tap;
	c->tap_arg = arg;
}

int
conn_set_sink(struct conn *c, const char *field, scp_sink_fn fn, void *arg)
{
	return scp_reader_sink(c->reader, field, fn, arg);
}

int
conn_send(struct conn *c, const void *data, size_t len)
{
	const char	*p = data;
	int64_t		 deadline;
	int		 n, want, r;

	deadline = net_deadline(CONN_IO_TIMEOUT_MS);
	while (len > 0) {
		if (c->closed) {
			warnx("%s: connection closed by the server", c->host);
			return -1;
		}
		ERR_clear_error();
		errno = 0;
		n = SSL_write(c->ssl, p, len > INT_MAX ? INT_MAX : (int)len);
		if (n > 0) {
			p += n;
			len -= n;
			deadline = net_deadline(CONN_IO_TIMEOUT_MS);
			continue;
		}
		if ((want = ssl_want(c, n)) <= 0) {
			ssl_report(c, "write failed");
			c->closed = true;
			return -1;
		}
		if ((r = net_wait(c->fd, want, deadline)) <= 0) {
			warnx("%s: the server stopped taking data", c->host);
			return -1;
		}
	}
	return 0;
}

int
conn_fd(const struct conn *c)
{
	return c->fd;
}

bool
conn_buffered(const struct conn *c)
{
	return c->in.len > 0 || SSL_has_pending(c->ssl);
}

bool
conn_closed(const struct conn *c)
{
	return c->closed;
}

void
conn_tag(struct conn *c, char *buf, size_t len)
{
	snprintf(buf, len, "c%u", ++c->tags);
}

const char *
conn_host(const struct conn *c)
{
	return c->host;
}
