/*
 * Schema migrations.  The SQL lives in sql/NNN_name.sql and is compiled in
 * (migrations.c); here we apply what the database lacks, in order, each in
 * its own transaction together with the row that records it, so a migration
 * is either wholly applied and recorded or not at all.
 *
 * This runs once at setup, before any client is served, so it uses blocking
 * libpq calls.
 */

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "log.h"
#include "migrate.h"

/*
 * Key of the session advisory lock every migrator takes: two sccd started
 * together on one database take turns instead of both applying 001.
 */
#define MIGRATE_LOCK_KEY	"7144000001"

static void	set_err(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static void	set_pg_err(char *, size_t, PGconn *, const PGresult *,
		    const char *);
static int	exec_command(PGconn *, const char *, const char *, char *,
		    size_t);
static void	rollback_if_open(PGconn *);
static int	history_exists(PGconn *, char *, size_t);
static int	lock_migrations(PGconn *, char *, size_t);
static void	unlock_migrations(PGconn *);
static int	create_history(PGconn *, char *, size_t);
static int	error_line(const char *, const PGresult *);
static int	run_migration(PGconn *, const struct migration *, char *,
		    size_t);
static int	apply_migration(PGconn *, const struct migration *, char *,
		    size_t);
static int	apply_pending(PGconn *, char *, size_t);

/* A message cut short by errlen still says what went wrong: no check. */
static void
set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	if (errlen == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* "what: the server's primary message" (or libpq's, when there is none). */
static void
set_pg_err(char *err, size_t errlen, PGconn *conn, const PGresult *res,
    const char *what)
{
	const char	*msg = NULL;
	size_t		 len;

	if (res != NULL)
		msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	if (msg == NULL)
		msg = PQerrorMessage(conn);
	if (msg == NULL || *msg == '\0')
		msg = "unknown error";
	len = strcspn(msg, "\n");
	set_err(err, errlen, "%s: %.*s", what, (int)len, msg);
}

/* Run a statement that returns no rows. */
static int
exec_command(PGconn *conn, const char *sql, const char *what, char *err,
    size_t errlen)
{
	PGresult	*res;
	int		 rc = 0;

	res = PQexec(conn, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		set_pg_err(err, errlen, conn, res, what);
		rc = -1;
	}
	PQclear(res);
	return rc;
}

/*
 * After a failure inside BEGIN, leave the connection idle again.  If this
 * fails too the connection is broken, and the first error is the one worth
 * reporting.
 */
static void
rollback_if_open(PGconn *conn)
{
	if (PQtransactionStatus(conn) == PQTRANS_IDLE)
		return;
	PQclear(PQexec(conn, "ROLLBACK"));
}

/* Whether scc.schema_migrations exists: 1 or 0, -1 with err on failure. */
static int
history_exists(PGconn *conn, char *err, size_t errlen)
{
	PGresult	*res;
	int		 rc;

	res = PQexec(conn, "SELECT pg_catalog.to_regclass("
	    "'scc.schema_migrations') IS NOT NULL");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		set_pg_err(err, errlen, conn, res, "looking for the schema version");
		PQclear(res);
		return -1;
	}
	rc = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	return rc;
}

int
migrate_latest(void)
{
	int	 i, latest = 0;

	for (i = 0; i < migrations_count; i++)
		if (migrations[i].version > latest)
			latest = migrations[i].version;
	return latest;
}

int
migrate_version(PGconn *conn, char *err, size_t errlen)
{
	PGresult	*res;
	const char	*errstr;
	int		 exists, version;

	if ((exists = history_exists(conn, err, errlen)) != 1)
		return exists;	/* 0: nothing applied yet, or -1 */

	res = PQexec(conn, "SELECT coalesce(max(version), 0) "
	    "FROM scc.schema_migrations");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		set_pg_err(err, errlen, conn, res, "reading the schema version");
		PQclear(res);
		return -1;
	}
	version = strtonum(PQgetvalue(res, 0, 0), 0, INT_MAX, &errstr);
	if (errstr != NULL) {
		set_err(err, errlen, "schema version is %s", errstr);
		version = -1;
	}
	PQclear(res);
	return version;
}

/* Take the migrators' lock, saying so when another one holds it. */
static int
lock_migrations(PGconn *conn, char *err, size_t errlen)
{
	PGresult	*res;
	int		 got;

	res = PQexec(conn, "SELECT pg_catalog.pg_try_advisory_lock("
	    MIGRATE_LOCK_KEY ")");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		set_pg_err(err, errlen, conn, res, "locking for migration");
		PQclear(res);
		return -1;
	}
	got = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (got)
		return 0;

	log_info("another process is migrating this database; waiting");
	res = PQexec(conn, "SELECT pg_catalog.pg_advisory_lock("
	    MIGRATE_LOCK_KEY ")");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		set_pg_err(err, errlen, conn, res, "locking for migration");
		PQclear(res);
		return -1;
	}
	PQclear(res);
	return 0;
}

/*
 * Ending the session would release the lock as well, so a failure here
 * leaves nothing stuck once the caller closes the connection.
 */
static void
unlock_migrations(PGconn *conn)
{
	PGresult	*res;
	char		 msg[256];

	res = PQexec(conn, "SELECT pg_catalog.pg_advisory_unlock("
	    MIGRATE_LOCK_KEY ")");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		set_pg_err(msg, sizeof(msg), conn, res,
		    "releasing the migration lock");
		log_warnx("%s", msg);
	}
	PQclear(res);
}

/* The table that records applied migrations, made once. */
static int
create_history(PGconn *conn, char *err, size_t errlen)
{
	static const char	*sql =
	    "BEGIN;"
	    "SET LOCAL client_min_messages = warning;"
	    "CREATE SCHEMA IF NOT EXISTS scc;"
	    "CREATE TABLE IF NOT EXISTS scc.schema_migrations ("
	    " version int PRIMARY KEY,"
	    " name text NOT NULL,"
	    " applied_at timestamptz NOT NULL DEFAULT now());"
	    "COMMIT";

	if (exec_command(conn, sql, "creating scc.schema_migrations", err,
	    errlen) == -1) {
		rollback_if_open(conn);
		return -1;
	}
	return 0;
}

/*
 * The line of the migration an error points at, from the character
 * position the server reports; 0 when it gives none.
 */
static int
error_line(const char *sql, const PGresult *res)
{
	const char	*pos, *errstr;
	long long	 chars;
	int		 line = 1;

	if ((pos = PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION)) == NULL)
		return 0;
	chars = strtonum(pos, 1, LLONG_MAX, &errstr);
	if (errstr != NULL)
		return 0;
	/* the position counts characters, and the text is UTF-8 */
	for (; *sql != '\0'; sql++) {
		if (((unsigned char)*sql & 0xc0) == 0x80)
			continue;
		if (--chars == 0)
			break;
		if (*sql == '\n' && line < INT_MAX)
			line++;
	}
	return line;
}

/* The migration's own SQL, inside the caller's transaction. */
static int
run_migration(PGconn *conn, const struct migration *m, char *err,
    size_t errlen)
{
	PGresult	*res;
	char		 what[128];
	int		 line, n;

	res = PQexec(conn, m->sql);
	switch (PQresultStatus(res)) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
	case PGRES_EMPTY_QUERY:
		PQclear(res);
		return 0;
	default:
		break;
	}
	if ((line = error_line(m->sql, res)) > 0)
		n = snprintf(what, sizeof(what), "migration %03d_%s, line %d",
		    m->version, m->name, line);
	else
		n = snprintf(what, sizeof(what), "migration %03d_%s",
		    m->version, m->name);
	if (n < 0 || (size_t)n >= sizeof(what))
		set_pg_err(err, errlen, conn, res, "migration");
	else
		set_pg_err(err, errlen, conn, res, what);
	PQclear(res);
	return -1;
}

/* One migration and the row recording it, in one transaction. */
static int
apply_migration(PGconn *conn, const struct migration *m, char *err,
    size_t errlen)
{
	PGresult	*res;
	const char	*params[2];
	char		 version[16];
	int		 n;

	n = snprintf(version, sizeof(version), "%d", m->version);
	if (n < 0 || (size_t)n >= sizeof(version)) {
		set_err(err, errlen, "migration version %d", m->version);
		return -1;
	}
	params[0] = version;
	params[1] = m->name;

	/* "NOTICE: ... already exists, skipping" is not news */
	if (exec_command(conn, "BEGIN; SET LOCAL client_min_messages = warning",
	    "starting a migration", err, errlen) == -1)
		goto fail;
	if (run_migration(conn, m, err, errlen) == -1)
		goto fail;

	res = PQexecParams(conn, "INSERT INTO scc.schema_migrations "
	    "(version, name) VALUES ($1::int, $2)", 2, NULL, params, NULL,
	    NULL, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		set_pg_err(err, errlen, conn, res, "recording a migration");
		PQclear(res);
		goto fail;
	}
	PQclear(res);

	if (exec_command(conn, "COMMIT", "committing a migration", err,
	    errlen) == -1)
		goto fail;
	return 0;
fail:
	rollback_if_open(conn);
	return -1;
}

/* With the lock held: everything newer than the database, in order. */
static int
apply_pending(PGconn *conn, char *err, size_t errlen)
{
	int	 exists, current, latest, i;

	if ((exists = history_exists(conn, err, errlen)) == -1)
		return -1;
	if (!exists && create_history(conn, err, errlen) == -1)
		return -1;
	if ((current = migrate_version(conn, err, errlen)) == -1)
		return -1;

	latest = migrate_latest();
	if (current > latest) {
		set_err(err, errlen, "database schema is at version %d, "
		    "newer than this sccd knows (%d)", current, latest);
		return -1;
	}

	for (i = 0; i < migrations_count; i++) {
		if (migrations[i].version <= current)
			continue;
		if (apply_migration(conn, &migrations[i], err, errlen) == -1)
			return -1;
		log_info("applied migration %03d_%s", migrations[i].version,
		    migrations[i].name);
	}
	return 0;
}

int
migrate_apply(PGconn *conn, char *err, size_t errlen)
{
	int	 rc;

	set_err(err, errlen, "%s", "");
	if (PQtransactionStatus(conn) != PQTRANS_IDLE) {
		set_err(err, errlen, "migrate: the database connection is %s",
		    PQstatus(conn) == CONNECTION_OK ? "inside a transaction" :
		    "not open");
		return -1;
	}
	if (lock_migrations(conn, err, errlen) == -1)
		return -1;
	rc = apply_pending(conn, err, errlen);
	unlock_migrations(conn);
	return rc;
}
