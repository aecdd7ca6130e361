/*
 * The session token file: $XDG_STATE_HOME/scc/session-<host>-<port>, in a
 * 0700 directory, the file 0600. A token file anyone else could read is
 * never used: it may have been stolen, or planted.
 */
#ifndef SCC_TOKEN_H
#define SCC_TOKEN_H

#include "scp.h"
#include "settings.h"

enum token_status {
	TOKEN_OK,
	TOKEN_ABSENT,	/* not logged in */
	TOKEN_BAD	/* unusable; already said why */
};

/* malloc'd path of the token file for these settings; NULL after a warning. */
char			*token_path(const struct settings *);
enum token_status	 token_load(const struct settings *,
			    char token[SCP_TOKEN_LEN + 1]);
int			 token_save(const struct settings *, const char *token);
/* 0 also when there was no file. */
int			 token_remove(const struct settings *);

#endif /* SCC_TOKEN_H */
