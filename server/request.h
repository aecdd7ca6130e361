/*
 * A request owns one command from its complete line to its completion:
 * the tag, the command, its bound arguments and the handler's state. The
 * connection holds at most one (pipelined requests are carried out in
 * order), and goes back to reading when the request ends.
 *
 * How a command runs is decided here, on the server side: a handler of its
 * own, or (for every command without one) the api function named after it.
 */
#ifndef SCCD_REQUEST_H
#define SCCD_REQUEST_H

#include <stdbool.h>

#include <libpq-fe.h>

#include "db.h"

#include "scp.h"
#include "scp_cmd.h"

struct conn;
struct request;

/* Declared arguments of one command, at most; the table is checked at start. */
#define REQUEST_ARGS_MAX	64

typedef void	(*request_fn)(struct request *);

struct handler {
	const char	*name;		/* the command, as the table names it */
	request_fn	 start;
	/*
	 * The connection went away while the request was in flight: let go
	 * of what can be let go of now. The request itself still ends
	 * through request_end() once the work in flight comes back.
	 */
	request_fn	 abort;
	const char	*ok_text;	/* completion text on success */
};

/* How one command of the table is carried out. */
struct route {
	const struct scp_cmd	*cmd;
	const struct handler	*handler;	/* NULL: an api function */
	int			 stmt;		/* its prepared statement */
	char			 sqlfn[80];	/* "api.minutes_confirm" */
};

struct request {
	struct conn		*c;
	const struct route	*route;
	const struct scp_cmd	*cmd;
	char			 tag[SCP_TAG_MAX + 1];
	const struct scp_item	*args[REQUEST_ARGS_MAX];
	void			*state;		/* the handler's own */
	bool			 aborted;	/* the connection is gone */
};

/* Start carrying out a checked request; the connection becomes BUSY. */
void	request_start(struct conn *, const struct route *,
	    const struct scp_request *, const struct scp_item **args);
/* False once nobody is left to answer. */
bool	request_alive(const struct request *);
/* Answer with a completion line and end the request. */
void	request_complete(struct request *, enum scp_status, enum scp_code,
	    const char *args, const char *text);
void	request_ok(struct request *);
void	request_unavailable(struct request *);
/* NO [INTERNAL id], what went wrong logged under that id. */
void	request_internal(struct request *, const char *what);
/* A failed statement: answered through the one SQLSTATE map (dberr.c). */
void	request_sql_error(struct request *, const PGresult *);
/*
 * A statement's rows came back for req: true, or false when req has been
 * ended (nobody to answer) or answered (unavailable, or the failure).
 */
bool	request_rows(struct request *, enum db_status, const PGresult *);
/* End without an answer (it was given, or there is nobody to give it to). */
void	request_end(struct request *);
/* The connection is going: called by conn_close() only. */
void	request_abort(struct request *);

#endif
