/*
 * sccd settings: one table (config.c) gives each its name, type, bounds,
 * default, whether SIGHUP may change it, and help. The file is "name = value"
 * lines; '#' starts a comment.
 */
#ifndef SCCD_CONFIG_H
#define SCCD_CONFIG_H

#include <stdint.h>
#include <stdio.h>

#include "scp.h"

struct config {
	char		*listen;		/* "127.0.0.1:7144" */
	char		*cert;			/* server certificate chain (PEM) */
	char		*key;			/* its private key (PEM) */
	char		*db;			/* conninfo; empty: the embedded cluster */
	char		*user;			/* account to run as when started as root */
	int64_t		 threads;		/* loop threads; 0: one per core */
	int64_t		 hash_workers;		/* password hashing threads */
	int64_t		 hash_queue;		/* hashing jobs waiting, at most */
	int64_t		 db_pool;		/* database connections per loop thread */
	int64_t		 max_connections;
	int64_t		 max_per_address;
	int64_t		 handshake_timeout;	/* seconds */
	int64_t		 idle_timeout;		/* seconds */
	int64_t		 line_timeout;		/* seconds to finish a started line */
	int64_t		 literal_timeout;	/* seconds a literal may stall */
	int64_t		 statement_timeout;	/* seconds a database statement may run */
	int64_t		 db_connect_timeout;	/* seconds to reach the database */
	int64_t		 output_max;		/* octets queued per connection */
	int64_t		 watch_backlog;		/* unsent octets before a watcher is dropped */
	int64_t		 events_interval;	/* seconds between raising due events */
	int64_t		 session_idle;		/* seconds */
	int64_t		 session_absolute;	/* seconds */
	int64_t		 login_max_failures;	/* per account within the window */
	int64_t		 login_max_address;	/* per address within the window */
	int64_t		 login_window;		/* seconds */
	int64_t		 login_lockout;		/* seconds */
	int64_t		 login_penalty;		/* ms after one recent failure; 0: none */
	int64_t		 login_penalty_max;	/* ms at most */
	struct scp_limits limits;
};

/* Defaults; base is the directory relative paths are taken from (or NULL). */
void	config_defaults(struct config *);
/*
 * Read a file over what *cfg holds. On error returns -1 and err holds
 * "file:line: message"; *cfg is then unchanged.
 */
int	config_load(struct config *, const char *path, const char *base,
	    char *err, size_t errlen);
/* Parse one "name = value" line's parts into cfg. */
int	config_set(struct config *, const char *name, const char *value,
	    char *err, size_t errlen);
int	config_copy(struct config *dst, const struct config *src);
void	config_free(struct config *);
/* Every setting, commented, with its default and help: for a new file. */
void	config_write_defaults(FILE *);
/*
 * For SIGHUP: next takes cur's value of every setting only a restart may
 * change, and changed(name, arg) hears of each that differed. -1 when out
 * of memory; next can still be freed.
 */
int	config_keep_fixed(struct config *next, const struct config *cur,
	    void (*changed)(const char *name, void *arg), void *arg);

#endif
