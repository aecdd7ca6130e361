/*
 * The setup commands that work on an instance that exists (sccd authority
 * add, sccd migrate, sccd cert renew), or on a database named by conninfo;
 * and what they share with sccd init (init.c).
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

/* An existing instance opened for work: its cluster up, connected. */
struct instance {
	struct account	 acct;
	struct pgctl	 pg;
	int		 started;	/* by us, so we stop it again */
	PGconn		*conn;
};

char *
instance_hash_password(const char *password)
{
	char	hash[crypto_pwhash_STRBYTES];

	if (sodium_init() < 0)
		return NULL;
	if (crypto_pwhash_str(hash, password, strlen(password),
	    crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return NULL;
	return strdup(hash);
}

static int
usage_authority(void)
{
	fprintf(stderr, "usage: sccd authority add -D DIR NAME --admin LOGIN\n"
	    "       sccd authority add --db CONNINFO NAME --admin LOGIN\n");
	return EXIT_USAGE;
}

static int
usage_cert(void)
{
	fprintf(stderr, "usage: sccd cert renew -D DIR\n");
	return EXIT_USAGE;
}

static int
usage_migrate(void)
{
	fprintf(stderr, "usage: sccd migrate --db CONNINFO\n"
	    "       sccd migrate -D DIR\n");
	return EXIT_USAGE;
}

/* Options are parsed afresh: main may have run getopt already. */
void
instance_options_reset(void)
{
	optind = 0;	/* glibc: 0 also resets its internal state */
	opterr = 0;	/* we say what was wrong ourselves */
}

void
instance_option_bad(const char *command, char **argv)
{
	fprintf(stderr, "sccd %s: unknown option or missing value: %s\n",
	    command, argv[optind - 1]);
}


/* ---- an existing instance, for authority add and migrate ---- */

static int
instance_check(const char *dir, char *err, size_t errlen)
{
	struct stat	 st;
	char		*version;
	int		 rc;

	if (asprintf(&version, "%s/pgdata/PG_VERSION", dir) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = stat(version, &st);
	free(version);
	if (rc == -1)
		snprintf(err, errlen, "%s does not hold an sccd instance "
		    "(made by sccd init)", dir);
	return rc;
}

static int
instance_open(struct instance *inst, const char *dir, char *err,
    size_t errlen)
{
	char	*conninfo, *absdir;
	int	 rc;

	memset(inst, 0, sizeof(*inst));
	/* Before dropping: our working directory may be closed to the account. */
	if ((absdir = realpath(dir, NULL)) == NULL) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	rc = account_resolve(NULL, absdir, &inst->acct, err, errlen);
	/* The instance belongs to its account: work on it as that account. */
	if (rc == 0 && (account_drop(&inst->acct, err, errlen) == -1 ||
	    instance_check(absdir, err, errlen) == -1 ||
	    pgctl_setup(&inst->pg, absdir, &inst->acct, err, errlen) == -1))
		rc = -1;
	free(absdir);
	if (rc == -1)
		return -1;
	if (!pgctl_running(&inst->pg)) {
		if (pgctl_start(&inst->pg, err, errlen) == -1)
			return -1;
		inst->started = 1;
	}
	if ((conninfo = pgctl_conninfo(&inst->pg, "scc_owner")) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	inst->conn = admin_connect(conninfo, err, errlen);
	free(conninfo);
	return inst->conn == NULL ? -1 : 0;
}

/* Leave the cluster as we found it: stopped if it was. */
static int
instance_close(struct instance *inst, char *err, size_t errlen)
{
	int	rc = 0;

	if (inst->conn != NULL)
		PQfinish(inst->conn);
	if (inst->started && pgctl_stop(&inst->pg, err, errlen) == -1)
		rc = -1;
	if (inst->pg.dir != NULL)
		pgctl_free(&inst->pg);
	account_free(&inst->acct);
	memset(inst, 0, sizeof(*inst));
	return rc;
}

/*
 * Connect to the database of DIR's instance or to conninfo, run work on it,
 * and put everything back. Errors are printed as from "sccd command".
 */
static int
instance_with_db(const char *command, const char *dir, const char *conninfo,
    int (*work)(PGconn *, const void *, char *, size_t), const void *arg)
{
	struct instance	 inst;
	PGconn		*conn;
	char		 err[ERRLEN], closeerr[ERRLEN];
	int		 rc;

	memset(&inst, 0, sizeof(inst));
	if (dir != NULL)
		rc = instance_open(&inst, dir, err, sizeof(err));
	else
		rc = (inst.conn = admin_connect(conninfo, err,
		    sizeof(err))) == NULL ? -1 : 0;
	conn = inst.conn;
	if (rc == 0)
		rc = work(conn, arg, err, sizeof(err));
	if (rc == -1)
		fprintf(stderr, "sccd %s: %s\n", command, err);
	if (instance_close(&inst, closeerr, sizeof(closeerr)) == -1) {
		fprintf(stderr, "sccd %s: %s\n", command, closeerr);
		rc = -1;
	}
	return rc == 0 ? 0 : 1;
}

/* ---- sccd authority add ---- */

struct authority_args {
	const char	*name;
	const char	*admin;
};

static int
authority_work(PGconn *conn, const void *arg, char *err, size_t errlen)
{
	const struct authority_args	*a = arg;

	return admin_authority_add(conn, a->name, a->admin, err, errlen);
}

int
instance_authority_main(int argc, char **argv)
{
	static const struct option	longopts[] = {
		{ "admin", required_argument, NULL, 'a' },
		{ "db", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 },
	};
	struct authority_args		a = { NULL, NULL };
	const char			*dir = NULL, *conninfo = NULL;
	int				 ch;

	if (argc < 2 || strcmp(argv[1], "add") != 0)
		return usage_authority();
	argc--;
	argv++;
	instance_options_reset();
	while ((ch = getopt_long(argc, argv, "D:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'D':
			dir = optarg;
			break;
		case 'a':
			a.admin = optarg;
			break;
		case 'b':
			conninfo = optarg;
			break;
		default:
			instance_option_bad("authority add", argv);
			return usage_authority();
		}
	}
	if (argc - optind != 1 || a.admin == NULL ||
	    (dir == NULL) == (conninfo == NULL))
		return usage_authority();
	a.name = argv[optind];
	if (sodium_init() < 0) {
		fprintf(stderr, "sccd authority add: libsodium failed to start\n");
		return 1;
	}
	return instance_with_db("authority add", dir, conninfo, authority_work,
	    &a);
}

/* ---- sccd migrate ---- */

static int
migrate_work(PGconn *conn, const void *arg, char *err, size_t errlen)
{
	int	version;

	(void)arg;
	if (migrate_apply(conn, err, errlen) == -1 ||
	    (version = migrate_version(conn, err, errlen)) == -1)
		return -1;
	printf("schema version %d\n", version);
	return 0;
}

int
instance_migrate_main(int argc, char **argv)
{
	static const struct option	longopts[] = {
		{ "db", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 },
	};
	const char			*dir = NULL, *conninfo = NULL;
	int				 ch;

	instance_options_reset();
	while ((ch = getopt_long(argc, argv, "D:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'D':
			dir = optarg;
			break;
		case 'b':
			conninfo = optarg;
			break;
		default:
			instance_option_bad("migrate", argv);
			return usage_migrate();
		}
	}
	if (argc != optind || (dir == NULL) == (conninfo == NULL))
		return usage_migrate();
	return instance_with_db("migrate", dir, conninfo, migrate_work, NULL);
}

/* ---- sccd cert renew ---- */

/*
 * The files sccd serves are named in sccd.conf; the CA that signs them is
 * the one sccd init made, where init put it.
 */
static int
cert_renew(const char *dir, char *err, size_t errlen)
{
	struct certs_info	 info;
	struct config		 cfg;
	char			*conf = NULL, *ca = NULL, *ca_key = NULL;
	int			 rc = -1;

	config_defaults(&cfg);
	if (asprintf(&conf, "%s/sccd.conf", dir) == -1 ||
	    asprintf(&ca, "%s/tls/ca.crt", dir) == -1 ||
	    asprintf(&ca_key, "%s/tls/ca.key", dir) == -1) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	if (config_load(&cfg, conf, dir, err, errlen) == -1)
		goto done;
	if (cfg.cert[0] == '\0' || cfg.key[0] == '\0') {
		snprintf(err, errlen, "%s names no cert and key to renew", conf);
		goto done;
	}
	if (certs_renew(ca, ca_key, cfg.cert, cfg.key, &info, err,
	    errlen) == -1)
		goto done;
	printf("new certificate %s (serial %s, valid until %s), key %s\n"
	    "a running sccd serves it after SIGHUP\n", cfg.cert,
	    info.serial, info.not_after, cfg.key);
	rc = 0;
done:
	config_free(&cfg);
	free(conf);
	free(ca);
	free(ca_key);
	return rc;
}

int
instance_cert_main(int argc, char **argv)
{
	struct account	 acct;
	const char	*dir = NULL;
	char		*absdir, err[ERRLEN];
	int		 ch, rc;

	if (argc < 2 || strcmp(argv[1], "renew") != 0)
		return usage_cert();
	argc--;
	argv++;
	instance_options_reset();
	while ((ch = getopt(argc, argv, "D:")) != -1) {
		switch (ch) {
		case 'D':
			dir = optarg;
			break;
		default:
			instance_option_bad("cert renew", argv);
			return usage_cert();
		}
	}
	if (argc != optind || dir == NULL)
		return usage_cert();
	if ((absdir = realpath(dir, NULL)) == NULL) {
		fprintf(stderr, "sccd cert renew: %s: %s\n", dir,
		    strerror(errno));
		return 1;
	}
	/*
	 * As the instance's account: the files stay its own, and root never
	 * writes where that account could have pointed sccd.conf.
	 */
	memset(&acct, 0, sizeof(acct));
	rc = 0;
	if (account_resolve(NULL, absdir, &acct, err, sizeof(err)) == -1 ||
	    account_drop(&acct, err, sizeof(err)) == -1 ||
	    instance_check(absdir, err, sizeof(err)) == -1 ||
	    cert_renew(absdir, err, sizeof(err)) == -1) {
		fprintf(stderr, "sccd cert renew: %s\n", err);
		rc = 1;
	}
	account_free(&acct);
	free(absdir);
	return rc;
}
