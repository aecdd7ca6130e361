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
	const char	*fn;		/* "api.whoami": the function it calls */
};

/* How to reach the database and how long to wait for it. */
struct db_params {
	const char	*conninfo;		/* the operator's, kept as given */
	int		 connect_timeout;	/* seconds; also how soon a dead host is noticed */
	int		 statement_timeout;	/* seconds; 0: the server's default */
};

enum db_status {
	DB_OK,			/* res holds the result (tuples or an error) */
	DB_UNAVAILABLE		/* no connection, or it was lost: nothing done */
};

/* res is owned by the pool and cleared after the callback returns. */
typedef void	(*db_cb)(void *arg, enum db_status, const PGresult *res);

/*
 * For a pool that LISTENs: ready is called each time a connection becomes
 * ready (channels listened to on a lost one are gone, and notifications
 * may have been missed meanwhile); notify with each notification's channel
 * and payload. Both are called from the pool's event handlers: they may
 * queue queries but must not free the pool.
 */
typedef void	(*db_ready_cb)(void *arg);
typedef void	(*db_notify_cb)(void *arg, const char *channel,
		    const char *payload);

struct db_pool	*db_pool_new(struct event_base *, const struct db_params *,
		    int size, const struct db_stmt *, int nstmts);
void		 db_pool_listen(struct db_pool *, db_ready_cb, db_notify_cb,
		    void *arg);
/*
 * One connection for one transaction (BEGIN ... COMMIT sent as its
 * statements, in order): once lost it is not made again and everything
 * after is DB_UNAVAILABLE, and no statement is run a second time, which
 * inside a transaction would not be the same. Freeing it before COMMIT
 * rolls the transaction back.
 */
struct db_pool	*db_pool_once(struct event_base *, const struct db_params *,
		    const struct db_stmt *, int nstmts);
/*
 * Every query still queued or in flight is answered DB_UNAVAILABLE (at
 * once: the loop has stopped), and so is any query its callback queues.
 */
void		 db_pool_free(struct db_pool *);
/*
 * Queue statement stmt with its parameters (copied). The callback is always
 * called later from the loop, never from inside this call, even when no
 * connection can take the query (it then gets DB_UNAVAILABLE). Serialization
 * failures and deadlocks are run again a few times before the callback sees
 * them. -1 only when out of memory: the callback is then never called.
 */
int		 db_query(struct db_pool *, int stmt, int nparams,
		    const char *const *values, const int *lengths,
		    const int *formats, db_cb, void *arg);

/*
 * The same, with the results in binary: a bytea comes as its octets, not
 * as twice as many hex digits to decode (DOC GET's pieces).
 */
int		 db_query_binary(struct db_pool *, int stmt, int nparams,
		    const char *const *values, const int *lengths,
		    const int *formats, db_cb, void *arg);

/*
 * The keywords and values libpq is given: the operator's conninfo with its
 * options kept, sccd's statement timeout appended to them, keepalives and a
 * TCP user timeout added unless set. For tests and for the start-up checks.
 */
int		 db_conn_params(const struct db_params *, char ***keys,
		    char ***vals);
void		 db_conn_params_free(char **keys, char **vals);

#endif
