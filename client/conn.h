/*
 * One TLS connection to sccd: connect, verify, read the greeting, then move
 * bytes out and responses in. The socket is non-blocking underneath so
 * every wait has a deadline; to callers the calls look blocking.
 */
#ifndef SCC_CONN_H
#define SCC_CONN_H

#include <stdbool.h>
#include <stddef.h>

#include "scp.h"
#include "settings.h"

#define CONN_CONNECT_TIMEOUT_MS	10000	/* TCP, TLS and the greeting */
#define CONN_IO_TIMEOUT_MS	120000	/* silence while we wait for an answer */

struct conn;

/* Sees every octet the server sends, before it is parsed (raw mode). */
typedef void	(*conn_tap_fn)(const char *, size_t, void *);

enum conn_status {
	CONN_READY = 1,		/* a response is ready */
	CONN_TIMEOUT = 0,	/* nothing complete before the deadline */
	CONN_ERROR = -1,	/* failed; already reported on stderr */
	CONN_EOF = -2		/* the server closed the connection */
};

/* Connected and greeted, or NULL after saying why on stderr. */
struct conn		*conn_open(const struct settings *, conn_tap_fn, void *);
void			 conn_close(struct conn *);
void			 conn_set_tap(struct conn *, conn_tap_fn, void *);
/* Literals of this field go to fn as they arrive (scp_reader_sink). */
int			 conn_set_sink(struct conn *, const char *field,
			    scp_sink_fn, void *);

/* All octets written, or -1 after saying why. */
int			 conn_send(struct conn *, const void *, size_t);
/*
 * The next response, waiting at most timeout_ms (-1: no limit, 0: only
 * what has arrived). *resp stays valid until the next call.
 */
enum conn_status	 conn_next(struct conn *, int timeout_ms,
			    const struct scp_response **resp);

int			 conn_fd(const struct conn *);
/* True when input waits in OpenSSL or our buffer, where poll() cannot see it. */
bool			 conn_buffered(const struct conn *);
bool			 conn_closed(const struct conn *);
/* A fresh tag for a request: "c1", "c2", ... */
void			 conn_tag(struct conn *, char *, size_t);
const char		*conn_host(const struct conn *);

#endif /* SCC_CONN_H */
