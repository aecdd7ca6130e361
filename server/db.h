/*
 * The database pool of one loop thread: a few non-blocking libpq connections
 * in pipeline mode, driven by the loop's own event base. Each query is its
 * own implicit transaction (a sync follows every one), so one client's error
 * never aborts another's work.
 */
#ifndef SCCD_DB_H
#define SCCD_DB_H

#include <libpq-fe.h>

struct event_base;
struct db_pool;

/* A statement prepared on every connection, by index into the server's list. */
struct db_stmt {
	char		 name[16];
	char		*sql;
	int		 nparams;
};

enum db_status {
	DB_OK,			/* res holds the result (tuples or an error) */
	DB_UNAVAILABLE		/* no connection, or it was lost: nothing done */
};

/* res is owned by the pool and cleared after the callback returns. */
typedef void	(*db_cb)(void *arg, enum db_status, const PGresult *res);

struct db_pool	*db_pool_new(struct event_base *, const char *conninfo,
		    int size, const struct db_stmt *, int nstmts);
void		 db_pool_free(struct db_pool *);
/*
 * Queue statement stmt with its parameters (copied). Returns -1 when no
 * connection can take it now; the callback is then never called and the
 * caller answers UNAVAILABLE itself.
 */
int		 db_query(struct db_pool *, int stmt, int nparams,
		    const char *const *values, const int *lengths,
		    const int *formats, db_cb, void *arg);

#endif
