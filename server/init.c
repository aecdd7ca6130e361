/*
 * sccd init: build an instance directory step by step (account,
 * directories, certificates, cluster, schema, first users, settings). A
 * failure part way leaves the directory for inspection.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "account.h"
#include "admin.h"
#include "certs.h"
#include "config.h"
#include "instance.h"
#include "migrate.h"
#include "pgctl.h"

static int
usage_init(void)
{
	fprintf(stderr, "usage: sccd init DIR [--authority NAME] "
	    "[--admin LOGIN] [--demo]\n");
	return EXIT_USAGE;
}

/* A path as the user can paste it into a shell. */
static void
print_shell_word(const char *word)
{
	const char	*p;

	if (strspn(word, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789/._-+,:@%") == strlen(word)) {
		fputs(word, stdout);
		return;
	}
	putchar('\'');
	for (p = word; *p != '\0'; p++) {
		if (*p == '\'')
			fputs("'\\''", stdout);
		else
			putchar(*p);
	}
	putchar('\'');
}

/* ---- sccd init ---- */

struct init {
	const char	*dir_arg;
	const char	*authority;
	const char	*admin;
	int		 demo;
	char		*dir;		/* absolute */
	struct account	 acct;
	struct pgctl	 pg;
	int		 have_pg;
	int		 started;
};

static int
init_parse(struct init *in, int argc, char **argv)
{
	static const struct option	longopts[] = {
		{ "authority", required_argument, NULL, 'A' },
		{ "admin", required_argument, NULL, 'a' },
		{ "demo", no_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	int				ch;

	instance_options_reset();
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'A':
			in->authority = optarg;
			break;
		case 'a':
			in->admin = optarg;
			break;
		case 'd':
			in->demo = 1;
			break;
		default:
			instance_option_bad("init", argv);
			return -1;
		}
	}
	if (argc - optind != 1)
		return -1;
	in->dir_arg = argv[optind];
	if (in->authority == NULL)
		in->authority = in->demo ? "Demo Borough Council" :
		    "Local Authority";
	if (in->admin == NULL)
		in->admin = "admin";
	return 0;
}

static int
dir_is_empty(const char *path, char *err, size_t errlen)
{
	DIR		*dir;
	struct dirent	*de;
	int		 empty = 1;

	if ((dir = opendir(path)) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (empty && (de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			empty = 0;
	}
	closedir(dir);
	return empty;
}

/*
 * The absolute path DIR will have, and whether it exists already (then it
 * must be an empty directory).
 */
static int
init_locate(struct init *in, int *exists, char *err, size_t errlen)
{
	struct stat	 st;
	char		*copy, *parent;
	int		 n;

	if (stat(in->dir_arg, &st) == 0) {
		*exists = 1;
		if (!S_ISDIR(st.st_mode)) {
			snprintf(err, errlen, "%s exists and is not a directory",
			    in->dir_arg);
			return -1;
		}
		if ((n = dir_is_empty(in->dir_arg, err, errlen)) != 1) {
			if (n == 0)
				snprintf(err, errlen, "%s exists and is not "
				    "empty: refusing to touch it", in->dir_arg);
			return -1;
		}
		if ((in->dir = realpath(in->dir_arg, NULL)) == NULL)
			goto syserr;
		return 0;
	}
	if (errno != ENOENT)
		goto syserr;
	*exists = 0;
	if ((copy = strdup(in->dir_arg)) == NULL)
		goto syserr;
	/* dirname() may modify its argument; realpath gives a new string. */
	parent = realpath(dirname(copy), NULL);
	free(copy);
	if (parent == NULL)
		goto syserr;
	copy = strdup(in->dir_arg);
	n = copy == NULL ? -1 : asprintf(&in->dir, "%s/%s",
	    strcmp(parent, "/") == 0 ? "" : parent, basename(copy));
	free(copy);
	free(parent);
	if (n == -1) {
		in->dir = NULL;
		goto syserr;
	}
	return 0;
syserr:
	snprintf(err, errlen, "%s: %s", in->dir_arg, strerror(errno));
	return -1;
}

/* As root, the account must be able to walk down to DIR. */
static int
init_check_reach(const struct init *in, char *err, size_t errlen)
{
	char	*copy;
	int	 rc;

	if (!account_is_root())
		return 0;
	if ((copy = strdup(in->dir)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = account_access(&in->acct, dirname(copy), X_OK);
	free(copy);
	if (rc == -1)
		snprintf(err, errlen, "the %s account cannot reach %s: make "
		    "its parent directories searchable or choose another place",
		    in->acct.name, in->dir);
	return rc;
}

/* DIR made or taken over, owned by the account, and we become it. */
static int
init_take_dir(struct init *in, int exists, char *err, size_t errlen)
{
	if (!exists && mkdir(in->dir, 0700) == -1) {
		snprintf(err, errlen, "%s: %s", in->dir, strerror(errno));
		return -1;
	}
	if (exists && chmod(in->dir, 0700) == -1) {
		snprintf(err, errlen, "chmod %s: %s", in->dir, strerror(errno));
		return -1;
	}
	if (!account_is_root())
		return 0;
	if (chown(in->dir, in->acct.uid, in->acct.gid) == -1) {
		snprintf(err, errlen, "chown %s: %s", in->dir, strerror(errno));
		return -1;
	}
	/* From here on, everything is made by the account and owned by it. */
	if (account_drop(&in->acct, err, errlen) == -1)
		return -1;
	printf("instance runs as %s (uid %u)\n", in->acct.name,
	    (unsigned)in->acct.uid);
	return 0;
}

static int
init_subdirs(const struct init *in, char *err, size_t errlen)
{
	static const char	*const subdirs[] = { "tls", "log", "run" };
	char			*path;
	size_t			 i;
	int			 rc;

	for (i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
		if (asprintf(&path, "%s/%s", in->dir, subdirs[i]) == -1) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		rc = mkdir(path, 0700);
		if (rc == -1)
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(path);
		if (rc == -1)
			return -1;
	}
	return 0;
}

static int
init_certs(const struct init *in, char *err, size_t errlen)
{
	char	*tls;
	int	 rc;

	if (asprintf(&tls, "%s/tls", in->dir) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = certs_make(tls, err, errlen);
	free(tls);
	if (rc == 0)
		printf("made a local CA and server certificate in %s/tls\n",
		    in->dir);
	return rc;
}

static int
init_cluster(struct init *in, char *err, size_t errlen)
{
	if (pgctl_setup(&in->pg, in->dir, &in->acct, err, errlen) == -1)
		return -1;
	in->have_pg = 1;
	printf("creating the database cluster in %s (PostgreSQL from %s)\n",
	    in->pg.pgdata, in->pg.bindir);
	if (pgctl_initdb(&in->pg, err, errlen) == -1)
		return -1;
	if (pgctl_start(&in->pg, err, errlen) == -1)
		return -1;
	in->started = 1;
	return 0;
}

static PGconn *
init_connect(const struct init *in, const char *dbname, char *err,
    size_t errlen)
{
	char	*conninfo;
	PGconn	*conn;

	if ((conninfo = pgctl_conninfo_db(&in->pg, dbname,
	    "scc_owner")) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	conn = admin_connect(conninfo, err, errlen);
	free(conninfo);
	return conn;
}

static int
init_database(const struct init *in, char *err, size_t errlen)
{
	PGconn	*conn;
	int	 rc;

	if ((conn = init_connect(in, "postgres", err, errlen)) == NULL)
		return -1;
	rc = admin_exec(conn, "CREATE DATABASE scc", err, errlen);
	PQfinish(conn);
	return rc;
}

/* Schema, the serving role, the authority and its people. */
static int
init_content(const struct init *in, char *err, size_t errlen)
{
	PGconn	*conn;
	int	 rc = -1, version;

	if ((conn = init_connect(in, "scc", err, errlen)) == NULL)
		return -1;
	if (migrate_apply(conn, err, errlen) == -1 ||
	    (version = migrate_version(conn, err, errlen)) == -1)
		goto done;
	printf("database scc at schema version %d\n", version);
	if (admin_app_role(conn, "scc", err, errlen) == -1 ||
	    admin_authority_add(conn, in->authority, in->admin, err,
	    errlen) == -1)
		goto done;
	if (in->demo && admin_demo_load(conn, in->authority, err, errlen) == -1)
		goto done;
	rc = 0;
done:
	PQfinish(conn);
	return rc;
}

static int
init_write_config(const struct init *in, char *err, size_t errlen)
{
	char	*path;
	FILE	*fp = NULL;
	int	 fd, rc = -1;

	if (asprintf(&path, "%s/sccd.conf", in->dir) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1 || (fp = fdopen(fd, "w")) == NULL)
		goto done;
	fprintf(fp, "# sccd settings for this instance; relative paths are "
	    "taken from this directory.\n"
	    "listen = 127.0.0.1:7144\n\n"
	    "# Clients trust tls/ca.crt. \"sccd cert renew -D DIR\" replaces "
	    "these two\n# with a new pair signed by tls/ca.key.\n"
	    "cert = tls/server.crt\n"
	    "key = tls/server.key\n\n");
	config_write_defaults(fp);
	rc = ferror(fp) ? -1 : 0;
done:
	if (fp != NULL && fclose(fp) == EOF)
		rc = -1;
	else if (fp == NULL && fd != -1)
		close(fd);
	if (rc == -1)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	free(path);
	return rc;
}

static int
init_steps(struct init *in, char *err, size_t errlen)
{
	if (init_subdirs(in, err, errlen) == -1 ||
	    init_certs(in, err, errlen) == -1 ||
	    init_cluster(in, err, errlen) == -1 ||
	    init_database(in, err, errlen) == -1 ||
	    init_content(in, err, errlen) == -1 ||
	    init_write_config(in, err, errlen) == -1)
		return -1;
	if (pgctl_stop(&in->pg, err, errlen) == -1)
		return -1;
	in->started = 0;
	return 0;
}

static void
init_free(struct init *in)
{
	if (in->have_pg)
		pgctl_free(&in->pg);
	account_free(&in->acct);
	free(in->dir);
}

/* Stop what we started, and leave the rest for the user to look at. */
static void
init_failed(struct init *in, const char *why)
{
	char	err[ERRLEN];

	fprintf(stderr, "sccd init: %s\n", why);
	if (in->started && pgctl_stop(&in->pg, err, sizeof(err)) == -1)
		fprintf(stderr, "sccd init: %s\n", err);
	fprintf(stderr, "sccd init: %s is left as it is for inspection; "
	    "remove it before running sccd init again\n", in->dir);
}

int
instance_init_main(int argc, char **argv)
{
	struct init	in;
	char		err[ERRLEN];
	int		exists, rc = 1;

	memset(&in, 0, sizeof(in));
	if (init_parse(&in, argc, argv) == -1)
		return usage_init();
	umask(077);
	if (sodium_init() < 0) {
		fprintf(stderr, "sccd init: libsodium failed to start\n");
		return 1;
	}
	if (init_locate(&in, &exists, err, sizeof(err)) == -1 ||
	    account_resolve(NULL, exists ? in.dir : NULL, &in.acct, err,
	    sizeof(err)) == -1 ||
	    init_check_reach(&in, err, sizeof(err)) == -1 ||
	    init_take_dir(&in, exists, err, sizeof(err)) == -1) {
		fprintf(stderr, "sccd init: %s\n", err);
		goto done;
	}
	if (init_steps(&in, err, sizeof(err)) == -1) {
		init_failed(&in, err);
		goto done;
	}
	printf("instance ready; serve it with: sccd serve -D ");
	print_shell_word(in.dir);
	putchar('\n');
	rc = 0;
done:
	init_free(&in);
	return rc;
}
