/*
 * Checks made once at start, on a blocking connection of the main thread,
 * before any client is served: does the database have every api function
 * the command table routes to, with the arguments the table declares, and
 * is sccd's role no more powerful than it should be?
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "dispatch.h"
#include "log.h"
#include "scp.h"

/* Append to err, keeping what fits: the first mismatches are the useful ones. */
static void
err_add(char *err, size_t errlen, const char *what)
{
	if (err[0] != '\0')
		(void)strlcat(err, "; ", errlen);
	(void)strlcat(err, what, errlen);
}

/* Does the api schema have fn (unqualified) taking exactly nargs arguments? */
static int
function_check(PGconn *pg, const char *fn, int nargs, char *err, size_t errlen)
{
	const char	*vals[1] = { fn };
	char		 what[200];
	PGresult	*res;
	int		 rc = 0, i, n;

	res = PQexecParams(pg,
	    "SELECT p.pronargs FROM pg_proc p JOIN pg_namespace n "
	    "ON n.oid = p.pronamespace WHERE n.nspname = 'api' "
	    "AND p.proname = $1 AND has_function_privilege(p.oid, 'EXECUTE')",
	    1, NULL, vals, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		(void)snprintf(what, sizeof(what), "api.%s: %s", fn,
		    PQresultErrorMessage(res));
		err_add(err, errlen, what);
		PQclear(res);
		return -1;
	}
	n = PQntuples(res);
	for (i = 0; i < n; i++)
		if (atoi(PQgetvalue(res, i, 0)) == nargs)
			break;
	if (i == n) {
		(void)snprintf(what, sizeof(what), n == 0 ?
		    "api.%s is missing (or not executable)" :
		    "api.%s does not take %d arguments", fn, nargs);
		err_add(err, errlen, what);
		rc = -1;
	}
	PQclear(res);
	return rc;
}

int
dispatch_check_db(PGconn *pg, char *err, size_t errlen)
{
	struct db_stmt	*st;
	int		 i, n, rc = 0;

	err[0] = '\0';
	if (dispatch_statements(&st, &n) == -1) {
		(void)snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (st[i].fn == NULL)
			continue;	/* BEGIN, COMMIT: no function to find */
		if (strncmp(st[i].fn, "api.", 4) != 0) {
			err_add(err, errlen, "a statement calls outside api");
			rc = -1;
		} else if (function_check(pg, st[i].fn + 4, st[i].nparams, err,
		    errlen) == -1)
			rc = -1;
	}
	dispatch_statements_free(st, n);
	return rc;
}

/*
 * sccd's role may execute the api functions and nothing else: not a
 * superuser, not the owner of the schemas (or a member of the owner), no
 * way into the private schema, no creating anything.
 */
int
dbcheck_role(PGconn *pg, char *err, size_t errlen)
{
	static const struct {
		const char	*sql;
		const char	*why;
	} rules[] = {
		{ "SELECT rolsuper OR rolcreaterole OR rolcreatedb OR rolbypassrls "
		    "OR rolreplication FROM pg_roles WHERE rolname = current_user",
		    "is a superuser or may create roles or databases, bypass "
		    "row security or replicate" },
		{ "SELECT bool_or(pg_has_role(current_user, n.nspowner, 'USAGE')) "
		    "FROM pg_namespace n WHERE n.nspname IN ('scc', 'api')",
		    "owns the scc or api schema (or is a member of its owner)" },
		{ "SELECT has_schema_privilege('scc', 'USAGE') OR "
		    "has_schema_privilege('scc', 'CREATE') OR "
		    "has_schema_privilege('api', 'CREATE')",
		    "may use the private schema scc or create objects" },
		{ "SELECT has_database_privilege(current_database(), 'CREATE')",
		    "may create schemas in the database" },
	};
	char		 what[300];
	PGresult	*res;
	size_t		 i;
	int		 rc = 0;

	err[0] = '\0';
	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		res = PQexec(pg, rules[i].sql);
		if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
			(void)snprintf(what, sizeof(what), "cannot check the "
			    "role: %s", PQresultErrorMessage(res));
			err_add(err, errlen, what);
			rc = -1;
		} else if (strcmp(PQgetvalue(res, 0, 0), "t") == 0) {
			(void)snprintf(what, sizeof(what), "role %s %s",
			    PQuser(pg), rules[i].why);
			err_add(err, errlen, what);
			rc = -1;
		}
		PQclear(res);
	}
	return rc;
}
