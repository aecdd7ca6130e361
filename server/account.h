/*
 * The unprivileged account an instance runs as. PostgreSQL refuses to run as
 * root, and sccd should not either: started as root, it picks an account,
 * hands it the instance directory and becomes it for good.
 */
#ifndef SCCD_ACCOUNT_H
#define SCCD_ACCOUNT_H

#include <sys/types.h>

#include <stddef.h>

struct account {
	uid_t	 uid;
	gid_t	 gid;
	char	*name;
};

/*
 * As root: the account named (if name is not NULL), else the owner of dir if
 * that is not root, else "postgres" if it exists, else "nobody". Never root
 * itself. Not root: the current user. dir may be NULL or not exist yet.
 */
int	account_resolve(const char *name, const char *dir, struct account *,
	    char *err, size_t errlen);
int	account_is_root(void);
/*
 * Become the account for good: groups, gid, uid, then check that the old
 * identity cannot be taken back. No-op when already that uid.
 */
int	account_drop(const struct account *, char *err, size_t errlen);
/*
 * Run argv[0] (an absolute path) as the account (NULL: as we are) and wait
 * for it. Returns its exit status, or -1 when it could not run or died of a
 * signal. Output is inherited unless quiet (then it goes to /dev/null). The
 * child starts in "/", so every path in argv should be absolute.
 */
int	account_run(const struct account *, char *const argv[], int quiet);
/* The same, with stdout and stderr appended to logpath (made 0600). */
int	account_run_logged(const struct account *, char *const argv[],
	    const char *logpath);
/*
 * Run argv as the account (NULL: as we are; argv[0] may be a bare name
 * looked up in PATH) and read what it prints on stdout, at most outmax - 1
 * octets, NUL-terminated; its stderr is discarded. Returns the exit status
 * or -1.
 */
int	account_capture(const struct account *, char *const argv[],
	    char *out, size_t outmax);
/* 0 when the account may access path with mode (as access(2)), else -1. */
int	account_access(const struct account *, const char *path, int mode);
int	account_copy(struct account *dst, const struct account *src);
void	account_free(struct account *);

#endif
