/* From a parsed request to the code that carries it out. */
#ifndef SCCD_DISPATCH_H
#define SCCD_DISPATCH_H

#include <stddef.h>

#include <libpq-fe.h>

#include "request.h"
#include "scp.h"
#include "scp_cmd.h"

struct conn;
struct db_stmt;

/* Statements the session commands prepare, before the table's own. */
enum session_stmt {
	STMT_LOGIN_BEGIN,
	STMT_LOGIN_FINISH,
	STMT_SESSION_RESUME,
	STMT_PASSWORD_BEGIN,
	STMT_PASSWORD_SET,
	STMT_PASSWORD_FAILED,
	STMT_PASSWORD_ABANDON,
	STMT_LOGOUT,
	STMT_USER_ADD,
	STMT_EVENTS_AFTER,	/* WATCH and each delivery after it */
	STMT_EVENTS_SEEN,
	STMT_EVENTS_LISTEN,	/* the listener (events.c) */
	STMT_EVENTS_ROUTE,
	STMT_EVENTS_DUE,
	STMT_BEGIN,		/* a transaction of its own (db_pool_once) */
	STMT_COMMIT,
	STMT_DOC_BEGIN,		/* DOC PUT (doc_put.c) */
	STMT_DOC_CHUNK,
	STMT_DOC_FINISH,
	STMT_DOC_GET,		/* DOC GET (doc_get.c) */
	STMT_DOC_READ,
	STMT_SESSION_COUNT
};

/*
 * Route every command of the table: to its handler, or to the api function
 * named after it. Once, before the loops start; -1 with a message when the
 * table and the handlers disagree.
 */
int	dispatch_init(char *err, size_t errlen);
void	dispatch_free(void);
const struct route *dispatch_route(const struct scp_cmd *);
/* Build the statement list: session statements, then one per api command. */
int	dispatch_statements(struct db_stmt **, int *);
void	dispatch_statements_free(struct db_stmt *, int);
/*
 * Every api function the table needs exists with the declared number of
 * arguments, and every session statement's function too. Blocking: at
 * start only. -1 with the mismatches named in err.
 */
int	dispatch_check_db(PGconn *, char *err, size_t errlen);
/* The role sccd serves as can do no more than execute the api functions. */
int	dbcheck_role(PGconn *, char *err, size_t errlen);

void	dispatch_request(struct conn *, const struct scp_request *);
/* Decide on an announced literal: accept (maybe "+ OK") or refuse. */
void	dispatch_literal(struct conn *, const struct scp_request *,
	    const struct scp_literal *);

/* cmd_session.c */
void	cmd_login(struct request *);
void	cmd_resume(struct request *);
void	cmd_password(struct request *);
void	cmd_logout(struct request *);
void	cmd_session_abort(struct request *);
/* doc_put.c, doc_get.c */
void	cmd_doc_put(struct request *);
void	cmd_doc_get(struct request *);
/* cmd_watch.c */
void	cmd_watch(struct request *);
/* cmd_user.c */
void	cmd_user_add(struct request *);
/* cmd_sql.c */
void	cmd_sql(struct request *);
/* Append one row of an api function's result as a record; -1: no memory. */
int	cmd_sql_row(struct scp_buf *, const PGresult *, int row);

#endif
