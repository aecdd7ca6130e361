/*
 * Client settings: defaults, config file, environment, flags. Each source
 * goes through settings_set(), so a bad port is reported the same way
 * whether it came from a file, a variable or a flag.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scp.h"
#include "settings.h"

#define CONFIG_SIZE_MAX	(64 * 1024)	/* a config file is a few lines */
#define HOST_MAX	255
#define LOGIN_MAX	64

static const struct {
	const char	*var;
	const char	*name;
} env_names[] = {
	{ "SCC_HOST",	"host" },
	{ "SCC_PORT",	"port" },
	{ "SCC_CA",	"ca" },
	{ "SCC_USER",	"user" },
};

void
settings_init(struct settings *s)
{
	memset(s, 0, sizeof(*s));
	s->format = FORMAT_TABLE;
}

void
settings_free(struct settings *s)
{
	free(s->host);
	free(s->port);
	free(s->ca);
	free(s->user);
	settings_init(s);
}

static const char *
home_dir(void)
{
	const char	*home;
	struct passwd	*pw;

	home = getenv("HOME");
	if (home != NULL && home[0] == '/')
		return home;
	pw = getpwuid(getuid());
	if (pw != NULL && pw->pw_dir != NULL && pw->pw_dir[0] == '/')
		return pw->pw_dir;
	return NULL;
}

char *
settings_user_path(const char *xdg_var, const char *fallback, const char *leaf)
{
	const char	*base, *home;
	char		*path;
	int		 r;

	/* XDG says relative values are invalid and must be ignored. */
	base = getenv(xdg_var);
	if (base != NULL && base[0] == '/') {
		r = leaf == NULL ? asprintf(&path, "%s/scc", base) :
		    asprintf(&path, "%s/scc/%s", base, leaf);
	} else {
		if ((home = home_dir()) == NULL)
			return NULL;
		r = leaf == NULL ? asprintf(&path, "%s/%s/scc", home, fallback) :
		    asprintf(&path, "%s/%s/scc/%s", home, fallback, leaf);
	}
	return r == -1 ? NULL : path;
}

static int
replace(char **slot, const char *value, char *err, size_t errlen)
{
	char	*copy;

	if ((copy = strdup(value)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	free(*slot);
	*slot = copy;
	return 0;
}

static int
set_host(struct settings *s, const char *value, char *err, size_t errlen)
{
	char	 host[HOST_MAX + 1];
	size_t	 len, i;

	/* "[::1]" is how people write an IPv6 address next to a port. */
	len = strlen(value);
	if (len >= 2 && value[0] == '[' && value[len - 1] == ']') {
		value++;
		len -= 2;
	}
	if (len == 0 || len > HOST_MAX) {
		snprintf(err, errlen, "host: must be 1 to %d characters", HOST_MAX);
		return -1;
	}
	memcpy(host, value, len);
	host[len] = '\0';
	for (i = 0; i < len; i++) {
		if (isspace((unsigned char)host[i]) ||
		    iscntrl((unsigned char)host[i]) || host[i] == '/') {
			snprintf(err, errlen, "host: invalid character");
			return -1;
		}
	}
	return replace(&s->host, host, err, errlen);
}

static int
set_port(struct settings *s, const char *value, char *err, size_t errlen)
{
	const char	*errstr;
	long long	 port;
	char		 canon[8];

	port = strtonum(value, 1, 65535, &errstr);
	if (errstr != NULL) {
		snprintf(err, errlen, "port: \"%.20s\" is %s (1 to 65535)",
		    value, errstr);
		return -1;
	}
	snprintf(canon, sizeof(canon), "%lld", port);
	return replace(&s->port, canon, err, errlen);
}

static int
set_ca(struct settings *s, const char *value, char *err, size_t errlen)
{
	const char	*home;
	char		*path;

	if (value[0] == '\0') {
		snprintf(err, errlen, "ca: empty file name");
		return -1;
	}
	if (strncmp(value, "~/", 2) != 0)
		return replace(&s->ca, value, err, errlen);
	if ((home = home_dir()) == NULL) {
		snprintf(err, errlen, "ca: cannot expand ~ without a home directory");
		return -1;
	}
	if (asprintf(&path, "%s/%s", home, value + 2) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	free(s->ca);
	s->ca = path;
	return 0;
}

static int
set_user(struct settings *s, const char *value, char *err, size_t errlen)
{
	char	 login[LOGIN_MAX + 1];
	size_t	 len, i;

	len = strlen(value);
	if (len == 0 || len > LOGIN_MAX) {
		snprintf(err, errlen, "user: must be 1 to %d characters", LOGIN_MAX);
		return -1;
	}
	/* Logins are lower-case on the server; accept any case here. */
	for (i = 0; i < len; i++) {
		login[i] = tolower((unsigned char)value[i]);
		if (!isalnum((unsigned char)login[i]) && login[i] != '.' &&
		    login[i] != '_' && login[i] != '-') {
			snprintf(err, errlen, "user: only letters, digits, "
			    "'.', '_' and '-' are allowed");
			return -1;
		}
	}
	login[len] = '\0';
	return replace(&s->user, login, err, errlen);
}

static int
set_format(struct settings *s, const char *value, char *err, size_t errlen)
{
	if (strcmp(value, "table") == 0)
		s->format = FORMAT_TABLE;
	else if (strcmp(value, "tsv") == 0)
		s->format = FORMAT_TSV;
	else if (strcmp(value, "json") == 0)
		s->format = FORMAT_JSON;
	else {
		snprintf(err, errlen, "format: \"%.20s\" is not table, tsv "
		    "or json", value);
		return -1;
	}
	s->format_set = true;
	return 0;
}

int
settings_set(struct settings *s, const char *name, const char *value,
    char *err, size_t errlen)
{
	if (strcasecmp(name, "host") == 0)
		return set_host(s, value, err, errlen);
	if (strcasecmp(name, "port") == 0)
		return set_port(s, value, err, errlen);
	if (strcasecmp(name, "ca") == 0)
		return set_ca(s, value, err, errlen);
	if (strcasecmp(name, "user") == 0)
		return set_user(s, value, err, errlen);
	if (strcasecmp(name, "format") == 0)
		return set_format(s, value, err, errlen);
	snprintf(err, errlen, "unknown setting \"%.32s\"", name);
	return -1;
}

/* Cut blanks from both ends of s[0..*len) in place; returns the new start. */
static char *
trim(char *s, size_t *len)
{
	while (*len > 0 && (s[0] == ' ' || s[0] == '\t')) {
		s++;
		(*len)--;
	}
	while (*len > 0 && (s[*len - 1] == ' ' || s[*len - 1] == '\t' ||
	    s[*len - 1] == '\r'))
		(*len)--;
	s[*len] = '\0';
	return s;
}

static int
config_line(struct settings *s, char *line, size_t len, char *err,
    size_t errlen)
{
	char	*name, *value, *eq;
	size_t	 nlen, vlen;

	line = trim(line, &len);
	if (len == 0 || line[0] == '#')
		return 0;
	if ((eq = strchr(line, '=')) == NULL) {
		snprintf(err, errlen, "expected \"name = value\"");
		return -1;
	}
	nlen = eq - line;
	vlen = len - nlen - 1;
	name = trim(line, &nlen);
	value = trim(eq + 1, &vlen);
	if (nlen == 0) {
		snprintf(err, errlen, "missing name before '='");
		return -1;
	}
	if (vlen >= 2 && value[0] == '"' && value[vlen - 1] == '"') {
		value[vlen - 1] = '\0';
		value++;
	} else if (vlen == 0) {
		snprintf(err, errlen, "%.32s: missing value", name);
		return -1;
	}
	return settings_set(s, name, value, err, errlen);
}

int
settings_parse_config(struct settings *s, const char *text, size_t len,
    const char *origin, char *err, size_t errlen)
{
	const char	*p = text, *end = text + len, *nl;
	char		*line, msg[SETTINGS_ERR_MAX];
	size_t		 lineno = 0, n;
	int		 r;

	while (p < end) {
		lineno++;
		nl = memchr(p, '\n', end - p);
		n = (nl != NULL ? nl : end) - p;
		if (memchr(p, '\0', n) != NULL) {
			snprintf(msg, sizeof(msg), "NUL byte in line");
			r = -1;
		} else if ((line = strndup(p, n)) == NULL) {
			snprintf(msg, sizeof(msg), "out of memory");
			r = -1;
		} else {
			r = config_line(s, line, n, msg, sizeof(msg));
			free(line);
		}
		if (r == -1) {
			snprintf(err, errlen, "%s:%zu: %s", origin, lineno, msg);
			return -1;
		}
		p = nl != NULL ? nl + 1 : end;
	}
	return 0;
}

static int
read_small_file(int fd, const char *path, char **text, size_t *len,
    char *err, size_t errlen)
{
	struct stat	 st;
	ssize_t		 n = 0;

	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > CONFIG_SIZE_MAX) {
		snprintf(err, errlen, "%s: not a regular file of at most %d "
		    "octets", path, CONFIG_SIZE_MAX);
		return -1;
	}
	if ((*text = malloc(st.st_size + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	*len = 0;
	while (*len < (size_t)st.st_size) {
		n = read(fd, *text + *len, st.st_size - *len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		*len += n;
	}
	if (n == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(*text);
		return -1;
	}
	return 0;
}

int
settings_load_file(struct settings *s, const char *path, bool required,
    char *err, size_t errlen)
{
	char	*text;
	size_t	 len;
	int	 fd, r;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT && !required)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	r = read_small_file(fd, path, &text, &len, err, errlen);
	close(fd);
	if (r == -1)
		return -1;
	r = settings_parse_config(s, text, len, path, err, errlen);
	free(text);
	return r;
}

int
settings_from_env(struct settings *s, char *err, size_t errlen)
{
	const char	*value;
	char		 msg[SETTINGS_ERR_MAX];
	size_t		 i;

	for (i = 0; i < sizeof(env_names) / sizeof(env_names[0]); i++) {
		value = getenv(env_names[i].var);
		if (value == NULL || value[0] == '\0')
			continue;
		if (settings_set(s, env_names[i].name, value, msg,
		    sizeof(msg)) == -1) {
			snprintf(err, errlen, "%s: %s", env_names[i].var, msg);
			return -1;
		}
	}
	return 0;
}

static int
merge_one(char **dst, const char *src)
{
	char	*copy;

	if (src == NULL)
		return 0;
	if ((copy = strdup(src)) == NULL)
		return -1;
	free(*dst);
	*dst = copy;
	return 0;
}

int
settings_merge(struct settings *dst, const struct settings *src)
{
	if (merge_one(&dst->host, src->host) == -1 ||
	    merge_one(&dst->port, src->port) == -1 ||
	    merge_one(&dst->ca, src->ca) == -1 ||
	    merge_one(&dst->user, src->user) == -1)
		return -1;
	if (src->format_set) {
		dst->format = src->format;
		dst->format_set = true;
	}
	return 0;
}

static int
load_config(struct settings *s, char *err, size_t errlen)
{
	const char	*named;
	char		*path;
	int		 r;

	named = getenv("SCC_CONFIG");
	if (named != NULL && named[0] != '\0')
		return settings_load_file(s, named, true, err, errlen);
	/* Without a home directory there is simply no config file. */
	if ((path = settings_user_path("XDG_CONFIG_HOME", ".config",
	    "config")) == NULL)
		return 0;
	r = settings_load_file(s, path, false, err, errlen);
	free(path);
	return r;
}

int
settings_resolve(struct settings *out, const struct settings *flags,
    char *err, size_t errlen)
{
	char	 port[8];

	settings_init(out);
	snprintf(port, sizeof(port), "%d", SCP_DEFAULT_PORT);
	if (settings_set(out, "host", SETTINGS_DEFAULT_HOST, err, errlen) == -1 ||
	    settings_set(out, "port", port, err, errlen) == -1 ||
	    load_config(out, err, errlen) == -1 ||
	    settings_from_env(out, err, errlen) == -1)
		goto fail;
	if (settings_merge(out, flags) == -1) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	return 0;
fail:
	settings_free(out);
	return -1;
}
