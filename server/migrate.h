/*
 * Schema migrations: sql/NNN_name.sql, compiled into sccd (migrations.c is
 * generated from sql/ at build time), applied in order, each once and in its
 * own transaction, recorded in scc.schema_migrations.
 */
#ifndef SCCD_MIGRATE_H
#define SCCD_MIGRATE_H

#include <libpq-fe.h>

struct migration {
	int		 version;
	const char	*name;
	const char	*sql;
};

extern const struct migration	migrations[];
extern const int		migrations_count;

/* The newest version this sccd knows. */
int	migrate_latest(void);
/*
 * Bring the database up to date (blocking; setup only). Refuses, returning
 * -1, when the database is newer than this sccd. err is "" on success.
 */
int	migrate_apply(PGconn *, char *err, size_t errlen);
/* The applied version (0 when none), or -1 with err set. */
int	migrate_version(PGconn *, char *err, size_t errlen);

#endif
