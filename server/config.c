/*
 * Every sccd setting is one row of the table below. The parser, the
 * defaults, the commented sample file and the SIGHUP rules all read it, so a
 * setting cannot be half-added.
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

enum setting_type { SET_STRING, SET_PATH, SET_INT };

struct setting {
	const char		*name;
	enum setting_type	 type;
	size_t			 offset;
	int64_t			 min, max;
	const char		*dflt;
	int			 reloadable;
	const char		*help;
};

#define S(f)	offsetof(struct config, f)
#define L(f)	offsetof(struct config, limits.f)
#define KIB	1024LL
#define MIB	(1024LL * 1024)

static const struct setting settings[] = {
	{ "listen", SET_STRING, S(listen), 0, 0, "127.0.0.1:7144", 0,
	    "address and port to serve TLS on" },
	{ "cert", SET_PATH, S(cert), 0, 0, "", 1,
	    "server certificate chain, PEM" },
	{ "key", SET_PATH, S(key), 0, 0, "", 1,
	    "private key of the certificate, PEM" },
	{ "db", SET_STRING, S(db), 0, 0, "", 0,
	    "PostgreSQL conninfo; empty runs the instance's own cluster" },
	{ "user", SET_STRING, S(user), 0, 0, "", 0,
	    "account to run as when started as root (default: owner of the instance)" },
	{ "threads", SET_INT, S(threads), 0, 256, "0", 0,
	    "event loop threads; 0 means one per two cores (PostgreSQL and "
	    "hashing need the rest)" },
	{ "hash_workers", SET_INT, S(hash_workers), 1, 64, "2", 0,
	    "threads verifying passwords (argon2id, 64 MiB each)" },
	{ "hash_queue", SET_INT, S(hash_queue), 1, 100000, "256", 0,
	    "password checks from addresses with recent failures waiting at "
	    "most; beyond it their LOGIN answers LIMIT" },
	{ "db_pool", SET_INT, S(db_pool), 1, 64, "2", 0,
	    "database connections per event loop thread" },
	{ "max_connections", SET_INT, S(max_connections), 1, 1000000, "20000", 1,
	    "client connections at most" },
	{ "max_per_address", SET_INT, S(max_per_address), 1, 1000000, "256", 1,
	    "client connections from one address at most" },
	{ "handshake_timeout", SET_INT, S(handshake_timeout), 1, 3600, "10", 1,
	    "seconds to finish the TLS handshake" },
	{ "idle_timeout", SET_INT, S(idle_timeout), 1, 86400, "1800", 1,
	    "seconds a connection may stay silent" },
	{ "line_timeout", SET_INT, S(line_timeout), 1, 3600, "30", 1,
	    "seconds to finish a line once it has started" },
	{ "literal_timeout", SET_INT, S(literal_timeout), 1, 3600, "30", 1,
	    "seconds a literal being received may go without a new octet" },
	{ "statement_timeout", SET_INT, S(statement_timeout), 1, 3600, "30", 0,
	    "seconds one database statement may run before it is cancelled" },
	{ "db_connect_timeout", SET_INT, S(db_connect_timeout), 1, 600, "10", 0,
	    "seconds to connect to the database; a silent host is given up after as long" },
	{ "output_max", SET_INT, S(output_max), 64 * KIB, 1024 * MIB, "16777216", 1,
	    "octets of unsent output per connection before it is dropped" },
	{ "watch_backlog", SET_INT, S(watch_backlog), 4 * KIB, 1024 * MIB, "1048576", 1,
	    "octets of unsent output a watching connection may have when an "
	    "event is due to it; beyond it the client is not reading and is dropped" },
	{ "events_interval", SET_INT, S(events_interval), 1, 3600, "60", 0,
	    "seconds between looks for actions and deadlines that have fallen "
	    "due (each instance looks; each event is raised once)" },
	{ "line_max", SET_INT, L(line_max), 1024, 1 * MIB, "8192", 1,
	    "octets in one request line" },
	{ "args_max", SET_INT, L(args_max), 8, 4096, "64", 1,
	    "arguments in one request" },
	{ "text_max", SET_INT, L(text_max), 4096, 64 * MIB, "1048576", 1,
	    "octets of a literal holding text" },
	{ "doc_max", SET_INT, L(doc_max), 4096, 4096 * MIB, "67108864", 1,
	    "octets of one document" },
	{ "session_idle", SET_INT, S(session_idle), 1, 30 * 86400, "3600", 1,
	    "seconds a session lives without use" },
	{ "session_absolute", SET_INT, S(session_absolute), 1, 365 * 86400, "43200", 1,
	    "seconds a session lives at most" },
	{ "login_max_failures", SET_INT, S(login_max_failures), 1, 1000, "5", 1,
	    "failed logins of one account within the window before it locks" },
	{ "login_max_address", SET_INT, S(login_max_address), 1, 1000000, "50", 1,
	    "failed logins from one address within the window before it locks" },
	{ "login_window", SET_INT, S(login_window), 1, 86400, "900", 1,
	    "seconds over which failed logins are counted" },
	{ "login_lockout", SET_INT, S(login_lockout), 1, 86400, "300", 1,
	    "seconds a lock lasts" },
	{ "login_penalty", SET_INT, S(login_penalty), 0, 60000, "500", 1,
	    "milliseconds a login waits after one recent failure from its "
	    "address, doubling with each more; 0 turns it off" },
	{ "login_penalty_max", SET_INT, S(login_penalty_max), 0, 600000, "15000", 1,
	    "milliseconds a login waits at most for its address's failures" },
};

#define NSETTINGS	(sizeof(settings) / sizeof(settings[0]))

static const struct setting *
setting_find(const char *name)
{
	size_t	i;

	for (i = 0; i < NSETTINGS; i++)
		if (strcmp(settings[i].name, name) == 0)
			return &settings[i];
	return NULL;
}

static char **
str_field(struct config *cfg, const struct setting *s)
{
	return (char **)(void *)((char *)cfg + s->offset);
}

static int
int_store(struct config *cfg, const struct setting *s, int64_t v)
{
	char	*p = (char *)cfg + s->offset;

	/* The limits struct keeps sizes as size_t/uint64_t, the rest int64_t. */
	if (s->offset == L(line_max))
		cfg->limits.line_max = (size_t)v;
	else if (s->offset == L(args_max))
		cfg->limits.args_max = (size_t)v;
	else if (s->offset == L(text_max))
		cfg->limits.text_max = (size_t)v;
	else if (s->offset == L(doc_max))
		cfg->limits.doc_max = (uint64_t)v;
	else
		memcpy(p, &v, sizeof(v));
	return 0;
}

static int
setting_apply(struct config *cfg, const struct setting *s, const char *value,
    char *err, size_t errlen)
{
	const char	*errstr;
	char		*copy, **field;
	int64_t		 v;

	if (s->type == SET_INT) {
		v = strtonum(value, s->min, s->max, &errstr);
		if (errstr != NULL) {
			(void)snprintf(err, errlen, "%s: value %s (%lld..%lld)",
			    s->name, errstr, (long long)s->min, (long long)s->max);
			return -1;
		}
		return int_store(cfg, s, v);
	}
	if ((copy = strdup(value)) == NULL) {
		(void)snprintf(err, errlen, "out of memory");
		return -1;
	}
	field = str_field(cfg, s);
	free(*field);
	*field = copy;
	return 0;
}

int
config_set(struct config *cfg, const char *name, const char *value,
    char *err, size_t errlen)
{
	const struct setting	*s;

	/*
	 * Settings that once existed: files written by an older sccd init
	 * still name them, and an upgrade must not refuse to start over it.
	 */
	if (strcmp(name, "ca") == 0)
		return 0;
	if ((s = setting_find(name)) == NULL) {
		(void)snprintf(err, errlen, "unknown setting \"%s\"", name);
		return -1;
	}
	return setting_apply(cfg, s, value, err, errlen);
}

void
config_defaults(struct config *cfg)
{
	char	err[128];
	size_t	i;

	memset(cfg, 0, sizeof(*cfg));
	scp_limits_default(&cfg->limits);
	for (i = 0; i < NSETTINGS; i++)
		if (setting_apply(cfg, &settings[i], settings[i].dflt, err,
		    sizeof(err)) == -1)
			abort();	/* the table itself is wrong */
}

static char *
trim(char *s)
{
	char	*end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* Relative paths in an instance's file are taken from the instance. */
static int
resolve_paths(struct config *cfg, const char *base, char *err, size_t errlen)
{
	size_t	 i;
	char	**field, *abs;

	if (base == NULL)
		return 0;
	for (i = 0; i < NSETTINGS; i++) {
		if (settings[i].type != SET_PATH)
			continue;
		field = str_field(cfg, &settings[i]);
		if (**field == '\0' || **field == '/')
			continue;
		if (asprintf(&abs, "%s/%s", base, *field) == -1) {
			(void)snprintf(err, errlen, "out of memory");
			return -1;
		}
		free(*field);
		*field = abs;
	}
	return 0;
}

static int
config_parse_line(struct config *cfg, char *line, char *err, size_t errlen)
{
	char	*eq, *name, *value, *hash;

	if ((hash = strchr(line, '#')) != NULL)
		*hash = '\0';
	name = trim(line);
	if (*name == '\0')
		return 0;
	if ((eq = strchr(name, '=')) == NULL) {
		(void)snprintf(err, errlen, "expected \"name = value\"");
		return -1;
	}
	*eq = '\0';
	value = trim(eq + 1);
	name = trim(name);
	return config_set(cfg, name, value, err, errlen);
}

int
config_load(struct config *cfg, const char *path, const char *base,
    char *err, size_t errlen)
{
	struct config	 next;
	FILE		*fp;
	char		*line = NULL, msg[256];
	size_t		 cap = 0;
	ssize_t		 n;
	int		 lineno = 0, rc = 0;

	if ((fp = fopen(path, "r")) == NULL) {
		(void)snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	/* Parse into a copy so a bad file leaves the running settings alone. */
	if (config_copy(&next, cfg) == -1) {
		fclose(fp);
		(void)snprintf(err, errlen, "out of memory");
		return -1;
	}
	while ((n = getline(&line, &cap, fp)) != -1) {
		lineno++;
		if (config_parse_line(&next, line, msg, sizeof(msg)) == -1) {
			(void)snprintf(err, errlen, "%s:%d: %s", path, lineno, msg);
			rc = -1;
			break;
		}
	}
	if (rc == 0 && ferror(fp)) {
		(void)snprintf(err, errlen, "%s: read error", path);
		rc = -1;
	}
	free(line);
	fclose(fp);
	if (rc == 0 && resolve_paths(&next, base, err, errlen) == -1)
		rc = -1;
	if (rc == -1) {
		config_free(&next);
		return -1;
	}
	config_free(cfg);
	*cfg = next;
	return 0;
}

int
config_copy(struct config *dst, const struct config *src)
{
	size_t	  i;
	char	**field;

	*dst = *src;
	for (i = 0; i < NSETTINGS; i++) {
		if (settings[i].type == SET_INT)
			continue;
		field = str_field(dst, &settings[i]);
		if (*field != NULL && (*field = strdup(*field)) == NULL) {
			/* Leave dst freeable: clear what was not copied yet. */
			for (; i < NSETTINGS; i++)
				if (settings[i].type != SET_INT)
					*str_field(dst, &settings[i]) = NULL;
			config_free(dst);
			return -1;
		}
	}
	return 0;
}

void
config_free(struct config *cfg)
{
	size_t	  i;
	char	**field;

	for (i = 0; i < NSETTINGS; i++) {
		if (settings[i].type == SET_INT)
			continue;
		field = str_field(cfg, &settings[i]);
		free(*field);
		*field = NULL;
	}
}

void
config_write_defaults(FILE *fp)
{
	size_t	i;

	fprintf(fp, "# Every setting with its default. Uncomment to change.\n"
	    "# Settings marked (reload) take effect on SIGHUP; the others "
	    "need a restart.\n");
	for (i = 0; i < NSETTINGS; i++) {
		if (settings[i].type == SET_PATH)
			continue;	/* written above by sccd init */
		fprintf(fp, "\n# %s%s\n#%s = %s\n", settings[i].help,
		    settings[i].reloadable ? " (reload)" : "",
		    settings[i].name, settings[i].dflt);
	}
}

/* Octets an integer setting takes in struct config (see int_store). */
static size_t
int_width(const struct setting *s)
{
	if (s->offset == L(doc_max))
		return sizeof(uint64_t);
	if (s->offset >= L(line_max) && s->offset < L(doc_max))
		return sizeof(size_t);
	return sizeof(int64_t);
}

static int
setting_equal(const struct config *a, const struct config *b,
    const struct setting *s)
{
	const char	*pa = (const char *)a + s->offset;
	const char	*pb = (const char *)b + s->offset;
	const char	*sa, *sb;

	if (s->type != SET_INT) {
		memcpy(&sa, pa, sizeof(sa));
		memcpy(&sb, pb, sizeof(sb));
		return strcmp(sa != NULL ? sa : "", sb != NULL ? sb : "") == 0;
	}
	return memcmp(pa, pb, int_width(s)) == 0;
}

/* dst takes src's value of one setting. */
static int
setting_copy(struct config *dst, const struct config *src,
    const struct setting *s)
{
	const char	*from = (const char *)src + s->offset;
	const char	*value;
	char		*copy = NULL, **field;

	if (s->type == SET_INT) {
		memcpy((char *)dst + s->offset, from, int_width(s));
		return 0;
	}
	memcpy(&value, from, sizeof(value));
	if (value != NULL && (copy = strdup(value)) == NULL)
		return -1;
	field = str_field(dst, s);
	free(*field);
	*field = copy;
	return 0;
}

int
config_keep_fixed(struct config *next, const struct config *cur,
    void (*changed)(const char *, void *), void *arg)
{
	size_t	i;

	for (i = 0; i < NSETTINGS; i++) {
		if (settings[i].reloadable ||
		    setting_equal(cur, next, &settings[i]))
			continue;
		changed(settings[i].name, arg);
		if (setting_copy(next, cur, &settings[i]) == -1)
			return -1;
	}
	return 0;
}
