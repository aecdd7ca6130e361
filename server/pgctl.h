/*
 * The embedded PostgreSQL cluster of an instance directory: DIR/pgdata,
 * listening only on a unix socket in DIR/run, logging to
 * DIR/log/postgresql.log, run by initdb and pg_ctl as the instance account.
 */
#ifndef SCCD_PGCTL_H
#define SCCD_PGCTL_H

#include <stddef.h>

#include "account.h"

struct pgctl {
	char		*dir;		/* the instance directory, absolute */
	char		*bindir;
	char		*pgdata;
	char		*sockdir;
	char		*logfile;
	struct account	 acct;
};

/* The port only names the socket file; nothing listens on TCP. */
#define PGCTL_PORT	5432

/*
 * Find the server programs (pg_config --bindir, else the newest
 * /usr/lib/postgresql/N/bin holding initdb) and the paths under dir, which
 * must exist; the paths are made absolute.
 */
int	pgctl_setup(struct pgctl *, const char *dir, const struct account *,
	    char *err, size_t errlen);
/* A new cluster whose superuser is scc_owner, configured for the socket. */
int	pgctl_initdb(const struct pgctl *, char *err, size_t errlen);
/* Start and wait until it accepts connections; success if already up. */
int	pgctl_start(const struct pgctl *, char *err, size_t errlen);
/* Fast shutdown, waiting for it; success if it was not running. */
int	pgctl_stop(const struct pgctl *, char *err, size_t errlen);
int	pgctl_running(const struct pgctl *);
/* Conninfo for database scc as role, over the socket; malloc'd. */
char	*pgctl_conninfo(const struct pgctl *, const char *role);
/* The same for another database (initdb's "postgres", say). */
char	*pgctl_conninfo_db(const struct pgctl *, const char *dbname,
	    const char *role);
void	pgctl_free(struct pgctl *);

#endif
