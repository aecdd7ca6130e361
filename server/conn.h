/*
 * A client connection: a state machine over a non-blocking TLS socket.
 *
 *   HANDSHAKE --TLS done--> READY --first octet--> LINE --{N} accepted--> LITERAL
 *                             ^                      |  <--literal read----'
 *                             |                      '--request complete--> BUSY
 *                             '------------------request answered-----------'
 *   any state --BYE, error, timeout--> CLOSING --> DEAD (freed at the last release)
 *
 * Every change of state goes through conn_set_state(), which logs it and
 * arms the one deadline that belongs to the new state: the handshake, idle
 * time, the line (fixed from its first octet), the literal (progress: octets
 * must keep coming), closing. BUSY has none of its own: the database's
 * statement and connect timeouts bound it.
 *
 * Only the loop that accepted it touches it. Work in flight (a request, a
 * hashing job) holds a reference (conn_hold) so the struct outlives a peer
 * that hangs up meanwhile.
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
struct request;

enum conn_state {
	CONN_HANDSHAKE,
	CONN_READY,		/* waiting for a request */
	CONN_LINE,		/* a request line has started */
	CONN_LITERAL,		/* receiving a literal's octets */
	CONN_BUSY,		/* a request is being carried out */
	CONN_CLOSING,
	CONN_DEAD
};

/* WATCH (watch.c): events pushed between answers. */
struct conn_watch {
	LIST_ENTRY(conn)	 entry;		/* in the loop's table while on */
	int64_t			 user;		/* whose events; 0: not watching */
	int64_t			 last;		/* the last event id read */
	int64_t			 held_upto;	/* held covers events up to it */
	int64_t			 sent;		/* events written up to it */
	int64_t			 seen;		/* the cursor, as last moved */
	int64_t			 marking_upto;	/* where the move in flight goes */
	bool			 fetching;	/* a read is in flight */
	bool			 marking;	/* a cursor move is in flight */
	bool			 again;		/* woken since: read again */
	struct scp_buf		 held;		/* read, not yet written */
};

struct doc_upload;
struct doc_download;

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
	bool			 read_more;	/* stopped before OpenSSL wanted the socket */
	bool			 write_wants_read;
	bool			 drain;		/* server stopping: close when idle */
	bool			 parsing;	/* inside the parse loop */
	bool			 lingering;	/* half-closed, discarding input */
	bool			 quit;		/* close once the request ends */
	/* session */
	bool			 authed;
	unsigned		 role;
	uint8_t			 token_hash[32];
	char			*login;
	bool			 session_ended;	/* elsewhere: BYE once the answer is done */
	struct conn_watch	 watch;
	struct request		*req;		/* being carried out, or NULL */
	/* a request answered without being carried out (refused, malformed) */
	char			 tag[SCP_TAG_MAX + 1];
	enum scp_status		 refuse_status;	/* answer for SCP_SKIPPED */
	enum scp_code		 refuse_code;
	char			 refuse_text[160];
	/* documents (doc_put.c, doc_get.c) */
	struct doc_upload	*upload;	/* DOC PUT's literal coming in */
	struct doc_download	*download;	/* DOC GET going out */
};

void	conn_accept(struct loop *, int fd, const struct sockaddr *, socklen_t);
void	conn_hold(struct conn *);
/* Drops a reference; frees a closed connection at zero. */
void	conn_release(struct conn *);
bool	conn_alive(const struct conn *);
/* Reading requests: READY, LINE or LITERAL. */
bool	conn_reading(const struct conn *);
/* The one place the state changes: logs it, arms the state's deadline. */
void	conn_set_state(struct conn *, enum conn_state);
const char *conn_state_name(enum conn_state);

/* Answers. They queue; the loop flushes once per wakeup. */
struct scp_buf	*conn_scratch(struct conn *);
void	conn_send(struct conn *, struct scp_buf *);	/* queues and resets buf */
/* The same for a secret: the copy queued is wiped once written. */
void	conn_send_secret(struct conn *, struct scp_buf *);
/* A completion line for tag ("*" when empty). */
void	conn_answer(struct conn *, const char *tag, enum scp_status,
	    enum scp_code, const char *args, const char *text);
void	conn_bye(struct conn *, enum scp_code, const char *text);
/* Close once what is queued has been written. */
void	conn_linger(struct conn *);
/*
 * Refuse an announced literal: the parser skips the request, which is
 * then answered st [code] text. text is copied.
 */
void	conn_refuse_literal(struct conn *, enum scp_status, enum scp_code,
	    const char *text);
/* Reading again after a pause in the middle of a request (doc_put.c). */
void	conn_resume(struct conn *);
/* The request has ended (request.c): go back to reading requests. */
void	conn_request_done(struct conn *);
/* The session is over (expired, logged out): forget it. */
void	conn_forget_session(struct conn *);
/* On the loop's thread: the session with this token hash was ended. */
void	conn_session_ended(struct loop *, const uint8_t hash[32]);
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
