/* From a parsed request to the code that carries it out. */
#ifndef SCCD_DISPATCH_H
#define SCCD_DISPATCH_H

#include <libpq-fe.h>

#include "scp.h"
#include "scp_cmd.h"

struct conn;
struct db_stmt;

/* Declared arguments of one command, at most; the table is checked at start. */
#define DISPATCH_ARGS_MAX	64

/* Statements the session commands prepare, before the table's own. */
enum session_stmt {
	STMT_LOGIN_BEGIN,
	STMT_LOGIN_FINISH,
	STMT_SESSION_RESUME,
	STMT_PASSWORD_BEGIN,
	STMT_PASSWORD_SET,
	STMT_PASSWORD_FAILED,
	STMT_LOGOUT,
	STMT_SESSION_COUNT
};

/* Build the statement list: session statements, then one per SQL command. */
int	dispatch_statements(struct db_stmt **, int *);
void	dispatch_statements_free(struct db_stmt *, int);
int	dispatch_stmt_of(const struct scp_cmd *);

void	dispatch_request(struct conn *, const struct scp_request *);
/* Decide on an announced literal: accept (maybe "+ OK") or refuse. */
void	dispatch_literal(struct conn *, const struct scp_request *,
	    const struct scp_literal *);

/* cmd_session.c */
void	cmd_login(struct conn *, const struct scp_item **);
void	cmd_resume(struct conn *, const struct scp_item **);
void	cmd_password(struct conn *, const struct scp_item **);
void	cmd_logout(struct conn *, const struct scp_item **);
/* cmd_sql.c */
void	cmd_sql(struct conn *, const struct scp_item **);
/* Answer a failed statement: our SQLSTATEs become codes, the rest INTERNAL. */
void	cmd_sql_error(struct conn *, const PGresult *);
void	cmd_unavailable(struct conn *);

#endif
