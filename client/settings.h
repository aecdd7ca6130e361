/*
 * Client settings: where the server is, which CA vouches for it, who we
 * are, and how to print answers. Sources, weakest first: built-in defaults,
 * the config file, SCC_* environment variables, command-line flags.
 */
#ifndef SCC_SETTINGS_H
#define SCC_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

enum out_format {
	FORMAT_TABLE,
	FORMAT_TSV,
	FORMAT_JSON
};

/* A NULL string means "not set by this source". */
struct settings {
	char		*host;
	char		*port;		/* decimal, 1..65535, canonical */
	char		*ca;		/* CA file; NULL: the system trust store */
	char		*user;		/* login name, lower-cased */
	enum out_format	 format;
	bool		 format_set;
};

#define SETTINGS_DEFAULT_HOST	"localhost"
#define SETTINGS_ERR_MAX	512

void	 settings_init(struct settings *);
void	 settings_free(struct settings *);

/* Check and store one setting by name ("host", "port", "ca", "user", "format"). */
int	 settings_set(struct settings *, const char *name, const char *value,
	    char *err, size_t errlen);

/*
 * Parse config text: "name = value" lines, blank lines and lines whose
 * first non-blank character is '#'. A value may be wrapped in double quotes
 * to keep leading or trailing blanks. Errors read "origin:line: message".
 */
int	 settings_parse_config(struct settings *, const char *text, size_t len,
	    const char *origin, char *err, size_t errlen);

/*
 * Read a config file. A missing file is not an error unless required (the
 * user named it through SCC_CONFIG).
 */
int	 settings_load_file(struct settings *, const char *path, bool required,
	    char *err, size_t errlen);

/* SCC_HOST, SCC_PORT, SCC_CA, SCC_USER; empty variables are ignored. */
int	 settings_from_env(struct settings *, char *err, size_t errlen);

/* Copy every setting src has over dst's. -1 when memory runs out. */
int	 settings_merge(struct settings *dst, const struct settings *src);

/*
 * The whole chain: defaults, config file (SCC_CONFIG or the XDG path),
 * environment, then flags. Fills out; -1 with a message on error.
 */
int	 settings_resolve(struct settings *out, const struct settings *flags,
	    char *err, size_t errlen);

/*
 * A per-user path: $<xdg_var>/scc/<leaf>, else $HOME/<fallback>/scc/<leaf>.
 * leaf may be NULL for the scc directory itself. malloc'd; NULL on error.
 */
char	*settings_user_path(const char *xdg_var, const char *fallback,
	    const char *leaf);

#endif /* SCC_SETTINGS_H */
