/*
 * A client connection: a state machine over a non-blocking TLS socket.
 *
 *   HANDSHAKE --TLS done--> READY <--answer sent-- BUSY
 *                             |  --request needs db/hash-->
 *                             '--BYE, error, timeout--> CLOSING --> freed
 *
 * Only the loop that accepted it touches it. Callbacks from the database or
 * the hashing pool hold a reference (conn_hold) so the struct outlives a
 * peer that hangs up while work is in flight.
 */
#ifndef SCCD_CONN_H
#define SCCD_CONN_H

#include <sys/queue.h>
#include <sys/socket.h>
#include <stdbool.h>
#include <stdint.h>

#include <event2/util.h>
#include <openssl/ssl.h>

#include "scp.h"
#include "scp_cmd.h"

struct event;
struct evbuffer;
struct loop;

enum conn_state {
	CONN_HANDSHAKE,
	CONN_READY,
	CONN_BUSY,
	CONN_CLOSING,
	CONN_DEAD
};

struct conn {
	TAILQ_ENTRY(conn)	 entry;
	struct loop		*loop;
	int			 fd;
	SSL			*ssl;
	enum conn_state		 state;
	int			 refs;
	struct event		*rev, *wev, *timer;
	struct evbuffer		*out;		/* answers not yet written */
	struct scp_buf		 pending;	/* read while BUSY, not yet parsed */
	struct scp_parser	*parser;
	char			 addr[64];	/* peer address, for limits and logs */
	uint64_t		 id;
	bool			 counted_addr;	/* holds a slot in the address limit */
	bool			 refuse_limit;	/* over the address limit: BYE after handshake */
	bool			 read_wants_write;
	bool			 write_wants_read;
	bool			 line_timer;	/* the timer is a line deadline */
	bool			 drain;		/* server stopping: close when idle */
	bool			 parsing;	/* inside the parse loop */
	bool			 lingering;	/* half-closed, discarding input */
	/* session */
	bool			 authed;
	unsigned		 role;
	uint8_t			 token_hash[32];
	char			*login;
	/* the request being carried out */
	char			 tag[SCP_TAG_MAX + 1];
	const struct scp_cmd	*cmd;
	enum scp_status		 refuse_status;	/* answer for SCP_SKIPPED */
	enum scp_code		 refuse_code;
	const char		*refuse_text;
};

void	conn_accept(struct loop *, int fd, const struct sockaddr *, socklen_t);
void	conn_hold(struct conn *);
/* Drops a reference; frees a closed connection at zero. */
void	conn_release(struct conn *);
bool	conn_alive(const struct conn *);

/* Answers. They queue; the loop flushes once per wakeup. */
struct scp_buf	*conn_scratch(struct conn *);
void	conn_send(struct conn *, struct scp_buf *);	/* queues and resets buf */
void	conn_complete(struct conn *, enum scp_status, enum scp_code,
	    const char *args, const char *text);
void	conn_bye(struct conn *, enum scp_code, const char *text);
/* Close once what is queued has been written. */
void	conn_linger(struct conn *);
/* The BUSY request is answered: go back to reading requests. */
void	conn_done(struct conn *);
void	conn_close(struct conn *, const char *why);
void	conn_flush(struct conn *);
void	conn_begin_drain(struct conn *);

/* conn_io.c: the TLS pump, used by conn.c only. */
enum io_result { IO_OK, IO_WANT_READ, IO_WANT_WRITE, IO_CLOSED, IO_ERROR };
enum io_result	 conn_tls_result(struct conn *, int ret, const char *op);
void	conn_on_read(evutil_socket_t, short, void *);
void	conn_on_write(evutil_socket_t, short, void *);
void	conn_update_events(struct conn *);
/* conn.c */
void	conn_input(struct conn *, const char *, size_t);
void	conn_handshake(struct conn *);

#endif
