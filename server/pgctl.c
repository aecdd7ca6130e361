/*
 * The embedded cluster: found, made, started and stopped with PostgreSQL's
 * own programs, always as the instance account.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pgctl.h"

#define PG_SOCKET_NAME	"/.s.PGSQL.5432"
#define PG_VERSIONS_DIR	"/usr/lib/postgresql"
/* The pg_config configure found (server/Makefile.inc); empty if none. */
#ifndef SCC_PG_CONFIG
#define SCC_PG_CONFIG	""
#endif

static int
has_program(const char *bindir, const char *name)
{
	char	path[PATH_MAX];
	int	n;

	n = snprintf(path, sizeof(path), "%s/%s", bindir, name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return 0;
	return access(path, X_OK) == 0;
}

static int
is_server_bindir(const char *bindir)
{
	return has_program(bindir, "initdb") && has_program(bindir, "pg_ctl") &&
	    has_program(bindir, "postgres");
}

/*
 * pg_config knows where this installation keeps its server programs. The
 * one sccd was built against comes first, so that another PostgreSQL
 * earlier in PATH does not silently change the cluster's version; if it
 * has gone since (the package removed or upgraded), whichever pg_config
 * PATH offers.
 */
static char *
bindir_from_pg_config(void)
{
	char	*argv[] = { "pg_config", "--bindir", NULL };
	char	 out[PATH_MAX + 2];
	size_t	 len;

	if (SCC_PG_CONFIG[0] == '/' && access(SCC_PG_CONFIG, X_OK) == 0)
		argv[0] = SCC_PG_CONFIG;
	if (account_capture(NULL, argv, out, sizeof(out)) != 0)
		return NULL;
	len = strlen(out);
	while (len > 0 && isspace((unsigned char)out[len - 1]))
		out[--len] = '\0';
	if (len == 0 || out[0] != '/' || !is_server_bindir(out))
		return NULL;
	return strdup(out);
}

/* Debian keeps each major version in /usr/lib/postgresql/N/bin. */
static char *
bindir_newest_installed(void)
{
	DIR		*dir;
	struct dirent	*de;
	char		*best = NULL, *candidate;
	long long	 version, best_version = 0;
	const char	*errstr;

	if ((dir = opendir(PG_VERSIONS_DIR)) == NULL)
		return NULL;
	while ((de = readdir(dir)) != NULL) {
		version = strtonum(de->d_name, 1, 9999, &errstr);
		if (errstr != NULL || version <= best_version)
			continue;
		if (asprintf(&candidate, "%s/%lld/bin", PG_VERSIONS_DIR,
		    version) == -1)
			break;
		if (!is_server_bindir(candidate)) {
			free(candidate);
			continue;
		}
		free(best);
		best = candidate;
		best_version = version;
	}
	closedir(dir);
	return best;
}

/*
 * Paths end up in postgresql.conf and in sun_path: refuse what either
 * cannot carry rather than fail obscurely later.
 */
static int
check_dir_usable(const char *dir, char *err, size_t errlen)
{
	struct sockaddr_un	 sun;
	const unsigned char	*p;

	for (p = (const unsigned char *)dir; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			snprintf(err, errlen, "the instance directory's path "
			    "holds a control character");
			return -1;
		}
	}
	if (strlen(dir) + strlen("/run" PG_SOCKET_NAME) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "the instance directory's path is too "
		    "long for a unix socket (%zu octets at most): choose a "
		    "shorter one", sizeof(sun.sun_path) - 1 -
		    strlen("/run" PG_SOCKET_NAME));
		return -1;
	}
	return 0;
}

static int
pgctl_paths(struct pgctl *pg, char *err, size_t errlen)
{
	if (asprintf(&pg->pgdata, "%s/pgdata", pg->dir) == -1) {
		pg->pgdata = NULL;
		goto nomem;
	}
	if (asprintf(&pg->sockdir, "%s/run", pg->dir) == -1) {
		pg->sockdir = NULL;
		goto nomem;
	}
	if (asprintf(&pg->logfile, "%s/log/postgresql.log", pg->dir) == -1) {
		pg->logfile = NULL;
		goto nomem;
	}
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	return -1;
}

int
pgctl_setup(struct pgctl *pg, const char *dir, const struct account *acct,
    char *err, size_t errlen)
{
	memset(pg, 0, sizeof(*pg));
	if ((pg->dir = realpath(dir, NULL)) == NULL) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (check_dir_usable(pg->dir, err, errlen) == -1)
		goto fail;
	if ((pg->bindir = bindir_from_pg_config()) == NULL &&
	    (pg->bindir = bindir_newest_installed()) == NULL) {
		snprintf(err, errlen, "cannot find the PostgreSQL server "
		    "programs (initdb, pg_ctl): neither pg_config --bindir "
		    "nor %s/N/bin has them", PG_VERSIONS_DIR);
		goto fail;
	}
	if (pgctl_paths(pg, err, errlen) == -1)
		goto fail;
	if (account_copy(&pg->acct, acct) == -1) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	return 0;
fail:
	pgctl_free(pg);
	return -1;
}

/* A directory the account owns, made if missing. */
static int
pgctl_ensure_dir(const struct pgctl *pg, const char *path, char *err,
    size_t errlen)
{
	struct stat	st;

	if (mkdir(path, 0700) == 0) {
		if (account_is_root() &&
		    chown(path, pg->acct.uid, pg->acct.gid) == -1) {
			snprintf(err, errlen, "chown %s: %s", path,
			    strerror(errno));
			return -1;
		}
		return 0;
	}
	if (errno != EEXIST || stat(path, &st) == -1 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: %s", path,
		    errno == EEXIST ? "not a directory" : strerror(errno));
		return -1;
	}
	return 0;
}

static int
pgctl_ensure_dirs(const struct pgctl *pg, char *err, size_t errlen)
{
	char	*logdir;
	int	 rc;

	if (pgctl_ensure_dir(pg, pg->sockdir, err, errlen) == -1)
		return -1;
	if (asprintf(&logdir, "%s/log", pg->dir) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = pgctl_ensure_dir(pg, logdir, err, errlen);
	free(logdir);
	return rc;
}

/* The full path of one of the server programs; malloc'd. */
static char *
pgctl_program(const struct pgctl *pg, const char *name)
{
	char	*path;

	if (asprintf(&path, "%s/%s", pg->bindir, name) == -1)
		return NULL;
	return path;
}

static const char *
pgctl_locale(void)
{
	locale_t	loc;

	/* C.UTF-8 sorts like C but classifies characters as Unicode. */
	if ((loc = newlocale(LC_ALL_MASK, "C.UTF-8", (locale_t)0)) == 0)
		return "--locale=C";
	freelocale(loc);
	return "--locale=C.UTF-8";
}

/*
 * A value for unix_socket_directories: the directory as a double-quoted list
 * element (so spaces and commas survive the list split), inside a
 * postgresql.conf single-quoted string (where ' and \ need escaping).
 */
static char *
conf_socket_dirs(const char *dir)
{
	char	*out, *o;

	if ((out = reallocarray(NULL, strlen(dir) + 1, 4)) == NULL)
		return NULL;
	o = out;
	*o++ = '\'';
	*o++ = '"';
	for (; *dir != '\0'; dir++) {
		if (*dir == '"' || *dir == '\'' || *dir == '\\')
			*o++ = *dir;
		*o++ = *dir;
	}
	*o++ = '"';
	*o++ = '\'';
	*o = '\0';
	return out;
}

static int
pgctl_write_conf(const struct pgctl *pg, FILE *fp)
{
	char	*sockdirs;
	int	 n;

	if ((sockdirs = conf_socket_dirs(pg->sockdir)) == NULL)
		return -1;
	n = fprintf(fp, "\n# Added by sccd init: the cluster is reached only "
	    "through the socket\n# directory inside the instance, which only "
	    "its account can enter.\n"
	    "listen_addresses = ''\n"
	    "port = %d\n"
	    "unix_socket_directories = %s\n"
	    "unix_socket_permissions = 0700\n"
	    "max_connections = 200\n"
	    "shared_buffers = 128MB\n"
	    "log_min_messages = warning\n"
	    "log_checkpoints = off\n"
	    "log_line_prefix = '%%m [%%p] %%q%%u@%%d '\n",
	    PGCTL_PORT, sockdirs);
	free(sockdirs);
	return n < 0 ? -1 : 0;
}

static int
pgctl_configure(const struct pgctl *pg, char *err, size_t errlen)
{
	char	*path;
	FILE	*fp;
	int	 fd, rc;

	if (asprintf(&path, "%s/postgresql.conf", pg->pgdata) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((fd = open(path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC)) == -1 ||
	    (fp = fdopen(fd, "a")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd != -1)
			close(fd);
		free(path);
		return -1;
	}
	rc = pgctl_write_conf(pg, fp);
	if (fclose(fp) == EOF)
		rc = -1;
	if (rc == -1)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	free(path);
	return rc;
}

int
pgctl_initdb(const struct pgctl *pg, char *err, size_t errlen)
{
	char	*initdb, *log = NULL;
	int	 status;

	if (pgctl_ensure_dirs(pg, err, errlen) == -1)
		return -1;
	if ((initdb = pgctl_program(pg, "initdb")) == NULL ||
	    asprintf(&log, "%s/log/initdb.log", pg->dir) == -1) {
		free(initdb);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	{
		char	*const argv[] = { initdb, "-D", pg->pgdata,
		    "-U", "scc_owner", "--auth=trust", "-E", "UTF8",
		    (char *)pgctl_locale(), NULL };

		status = account_run_logged(&pg->acct, argv, log);
	}
	if (status != 0)
		snprintf(err, errlen, "initdb failed (%s %d); its output is "
		    "in %s", status == -1 ? "status" : "exit", status, log);
	free(initdb);
	free(log);
	if (status != 0)
		return -1;
	return pgctl_configure(pg, err, errlen);
}

/* Run pg_ctl with the given action arguments; its exit status or -1. */
static int
pgctl_run(const struct pgctl *pg, const char *const args[], int quiet)
{
	char	*argv[16];
	size_t	 i = 0;
	int	 status;

	if ((argv[i++] = pgctl_program(pg, "pg_ctl")) == NULL)
		return -1;
	argv[i++] = "-D";
	argv[i++] = pg->pgdata;
	for (; *args != NULL && i < 15; args++)
		argv[i++] = (char *)*args;
	argv[i] = NULL;
	status = account_run(&pg->acct, argv, quiet);
	free(argv[0]);
	return status;
}

int
pgctl_running(const struct pgctl *pg)
{
	const char	*args[] = { "status", NULL };

	return pgctl_run(pg, args, 1) == 0;
}

int
pgctl_start(const struct pgctl *pg, char *err, size_t errlen)
{
	const char	*args[] = { "-l", pg->logfile, "-w", "-t", "60", "-s",
	    "start", NULL };
	int		 status;

	if (pgctl_running(pg))
		return 0;
	if (pgctl_ensure_dirs(pg, err, errlen) == -1)
		return -1;
	if ((status = pgctl_run(pg, args, 0)) != 0) {
		snprintf(err, errlen, "PostgreSQL did not start (pg_ctl %s "
		    "%d); see %s", status == -1 ? "status" : "exit", status,
		    pg->logfile);
		return -1;
	}
	return 0;
}

int
pgctl_stop(const struct pgctl *pg, char *err, size_t errlen)
{
	const char	*args[] = { "-m", "fast", "-w", "-t", "60", "-s",
	    "stop", NULL };
	int		 status;

	if (!pgctl_running(pg))
		return 0;
	if ((status = pgctl_run(pg, args, 0)) != 0) {
		snprintf(err, errlen, "PostgreSQL did not stop (pg_ctl %s "
		    "%d); see %s", status == -1 ? "status" : "exit", status,
		    pg->logfile);
		return -1;
	}
	return 0;
}

/* A conninfo value: single-quoted, with ' and \ escaped by a backslash. */
static char *
conninfo_quote(const char *value)
{
	char	*out, *o;

	if ((out = reallocarray(NULL, strlen(value) + 2, 2)) == NULL)
		return NULL;
	o = out;
	*o++ = '\'';
	for (; *value != '\0'; value++) {
		if (*value == '\'' || *value == '\\')
			*o++ = '\\';
		*o++ = *value;
	}
	*o++ = '\'';
	*o = '\0';
	return out;
}

char *
pgctl_conninfo_db(const struct pgctl *pg, const char *dbname, const char *role)
{
	char	*host, *db = NULL, *user = NULL, *conninfo = NULL;

	if ((host = conninfo_quote(pg->sockdir)) == NULL ||
	    (db = conninfo_quote(dbname)) == NULL ||
	    (user = conninfo_quote(role)) == NULL)
		goto done;
	if (asprintf(&conninfo, "host=%s port=%d dbname=%s user=%s", host,
	    PGCTL_PORT, db, user) == -1)
		conninfo = NULL;
done:
	free(host);
	free(db);
	free(user);
	return conninfo;
}

char *
pgctl_conninfo(const struct pgctl *pg, const char *role)
{
	return pgctl_conninfo_db(pg, "scc", role);
}

void
pgctl_free(struct pgctl *pg)
{
	free(pg->dir);
	free(pg->bindir);
	free(pg->pgdata);
	free(pg->sockdir);
	free(pg->logfile);
	account_free(&pg->acct);
	memset(pg, 0, sizeof(*pg));
}
