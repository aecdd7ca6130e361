/*
 * What the setup commands do inside the database, as its owner: the role
 * sccd serves as, authorities with their first lead officer, and the demo
 * data, all through the admin.* functions. Blocking libpq: setup only.
 */
#ifndef SCCD_ADMIN_H
#define SCCD_ADMIN_H

#include <stddef.h>

#include <libpq-fe.h>

/* Connected and quiet (server notices are not for the terminal). */
PGconn	*admin_connect(const char *conninfo, char *err, size_t errlen);
/* One statement without parameters or rows wanted. */
int	 admin_exec(PGconn *, const char *sql, char *err, size_t errlen);
/* The login role of sccd serve, scc_app, member of scc_api. */
int	 admin_app_role(PGconn *, const char *dbname, char *err, size_t errlen);
/*
 * A new authority and its first lead officer; the password comes from
 * $SCC_ADMIN_PASSWORD or is made up and printed.
 */
int	 admin_authority_add(PGconn *, const char *name, const char *login,
	    char *err, size_t errlen);
/* Schools and one user of each role in the authority, passwords printed. */
int	 admin_demo_load(PGconn *, const char *authority, char *err,
	    size_t errlen);

#endif
