/*
 * Choosing the unprivileged account, becoming it, and running helper
 * programs (initdb, pg_ctl, pg_config) as it.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "account.h"

/* What a child does with its stdout and stderr. */
enum child_output {
	OUTPUT_INHERIT,
	OUTPUT_NULL,
	OUTPUT_LOG,		/* both appended to a file */
	OUTPUT_PIPE,		/* stdout to a pipe, stderr to /dev/null */
};

static int
account_fill(const struct passwd *pw, struct account *acct, char *err,
    size_t errlen)
{
	acct->uid = pw->pw_uid;
	acct->gid = pw->pw_gid;
	if ((acct->name = strdup(pw->pw_name)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static const struct passwd *
account_lookup_name(const char *name)
{
	errno = 0;
	return getpwnam(name);
}

/* As root: the account to use when none is named. */
static const struct passwd *
account_pick(const char *dir)
{
	const struct passwd	*pw;
	struct stat		 st;

	if (dir != NULL && stat(dir, &st) == 0 && st.st_uid != 0) {
		errno = 0;
		if ((pw = getpwuid(st.st_uid)) != NULL)
			return pw;
	}
	if ((pw = account_lookup_name("postgres")) != NULL)
		return pw;
	return account_lookup_name("nobody");
}

int
account_resolve(const char *name, const char *dir, struct account *acct,
    char *err, size_t errlen)
{
	const struct passwd	*pw;

	memset(acct, 0, sizeof(*acct));
	if (!account_is_root()) {
		errno = 0;
		if ((pw = getpwuid(getuid())) == NULL) {
			snprintf(err, errlen, "cannot find the current user "
			    "(uid %u) in the user database", (unsigned)getuid());
			return -1;
		}
		return account_fill(pw, acct, err, errlen);
	}
	pw = name != NULL ? account_lookup_name(name) : account_pick(dir);
	if (pw == NULL) {
		snprintf(err, errlen, "no such account: %s",
		    name != NULL ? name : "postgres or nobody");
		return -1;
	}
	if (pw->pw_uid == 0) {
		snprintf(err, errlen, "refusing to run as %s: PostgreSQL and "
		    "sccd need an unprivileged account", pw->pw_name);
		return -1;
	}
	return account_fill(pw, acct, err, errlen);
}

int
account_is_root(void)
{
	return geteuid() == 0;
}

static int
account_verify(const struct account *acct, char *err, size_t errlen)
{
	uid_t	ruid, euid, suid;
	gid_t	rgid, egid, sgid;

	if (getresgid(&rgid, &egid, &sgid) == -1 ||
	    getresuid(&ruid, &euid, &suid) == -1) {
		snprintf(err, errlen, "getresuid: %s", strerror(errno));
		return -1;
	}
	if (rgid != acct->gid || egid != acct->gid || sgid != acct->gid ||
	    ruid != acct->uid || euid != acct->uid || suid != acct->uid) {
		snprintf(err, errlen, "identity did not change to %s",
		    acct->name);
		return -1;
	}
	/* The point of the exercise: root must be out of reach now. */
	if (setuid(0) != -1 || setgid(0) != -1) {
		snprintf(err, errlen, "could still regain root after "
		    "becoming %s", acct->name);
		return -1;
	}
	return 0;
}

int
account_drop(const struct account *acct, char *err, size_t errlen)
{
	if (getuid() == acct->uid && geteuid() == acct->uid)
		return 0;
	if (setgroups(1, &acct->gid) == -1) {
		snprintf(err, errlen, "setgroups: %s", strerror(errno));
		return -1;
	}
	if (setresgid(acct->gid, acct->gid, acct->gid) == -1) {
		snprintf(err, errlen, "setresgid %u: %s", (unsigned)acct->gid,
		    strerror(errno));
		return -1;
	}
	if (setresuid(acct->uid, acct->uid, acct->uid) == -1) {
		snprintf(err, errlen, "setresuid %u: %s", (unsigned)acct->uid,
		    strerror(errno));
		return -1;
	}
	return account_verify(acct, err, errlen);
}

/* In the child: say why it failed, and go without running atexit handlers. */
static void __attribute__((noreturn))
child_fail(const char *what, const char *why)
{
	dprintf(STDERR_FILENO, "sccd: %s: %s\n", what, why);
	_exit(127);
}

static void
child_redirect(enum child_output how, const char *logpath, int pipefd)
{
	int	fd = -1;

	switch (how) {
	case OUTPUT_INHERIT:
		return;
	case OUTPUT_NULL:
		fd = open("/dev/null", O_WRONLY);
		break;
	case OUTPUT_LOG:
		fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
		    0600);
		break;
	case OUTPUT_PIPE:
		/* Only the answer matters; a failure shows in the status. */
		if (dup2(pipefd, STDOUT_FILENO) == -1)
			child_fail("dup2", strerror(errno));
		fd = open("/dev/null", O_WRONLY);
		if (fd != -1 && dup2(fd, STDERR_FILENO) == -1)
			child_fail("dup2", strerror(errno));
		return;
	}
	if (fd == -1)
		child_fail(how == OUTPUT_LOG ? logpath : "/dev/null",
		    strerror(errno));
	if (dup2(fd, STDOUT_FILENO) == -1 || dup2(fd, STDERR_FILENO) == -1)
		child_fail("dup2", strerror(errno));
}

static void __attribute__((noreturn))
child_exec(const struct account *acct, char *const argv[],
    enum child_output how, const char *logpath, int pipefd)
{
	char	err[256];

	if (acct != NULL && account_is_root() && acct->uid != 0 &&
	    account_drop(acct, err, sizeof(err)) == -1)
		child_fail(acct->name, err);
	/*
	 * The caller's directory may be closed to the account (PostgreSQL's
	 * programs complain), or be one we dropped privileges in.
	 */
	if (chdir("/") == -1)
		child_fail("chdir /", strerror(errno));
	/* After dropping, so a log file belongs to the account. */
	child_redirect(how, logpath, pipefd);
	/* Keep our sockets and files out of long-lived children (postgres). */
	closefrom(STDERR_FILENO + 1);
	execvp(argv[0], argv);
	child_fail(argv[0], strerror(errno));
}

static int
child_wait(pid_t pid)
{
	int	status;

	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR)
			return -1;
	}
	if (!WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static pid_t
child_spawn(const struct account *acct, char *const argv[],
    enum child_output how, const char *logpath, int pipefd)
{
	pid_t	pid;

	/* Or our buffered output would appear after the child's. */
	if (fflush(stdout) == EOF || fflush(stderr) == EOF)
		return -1;
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0)
		child_exec(acct, argv, how, logpath, pipefd);
	return pid;
}

int
account_run(const struct account *acct, char *const argv[], int quiet)
{
	pid_t	pid;

	pid = child_spawn(acct, argv, quiet ? OUTPUT_NULL : OUTPUT_INHERIT,
	    NULL, -1);
	return pid == -1 ? -1 : child_wait(pid);
}

int
account_run_logged(const struct account *acct, char *const argv[],
    const char *logpath)
{
	pid_t	pid;

	if ((pid = child_spawn(acct, argv, OUTPUT_LOG, logpath, -1)) == -1)
		return -1;
	return child_wait(pid);
}

/* Read all of fd into out, keeping what fits and draining the rest. */
static int
read_all(int fd, char *out, size_t outmax)
{
	char	discard[512];
	size_t	len = 0;
	ssize_t	n;

	for (;;) {
		if (len + 1 < outmax)
			n = read(fd, out + len, outmax - 1 - len);
		else
			n = read(fd, discard, sizeof(discard));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0)
			break;
		if (len + 1 < outmax)
			len += n;
	}
	out[len] = '\0';
	return 0;
}

int
account_capture(const struct account *acct, char *const argv[], char *out,
    size_t outmax)
{
	int	fds[2], readerr, status;
	pid_t	pid;

	if (outmax == 0 || pipe2(fds, O_CLOEXEC) == -1)
		return -1;
	pid = child_spawn(acct, argv, OUTPUT_PIPE, NULL, fds[1]);
	close(fds[1]);
	if (pid == -1) {
		close(fds[0]);
		return -1;
	}
	readerr = read_all(fds[0], out, outmax);
	close(fds[0]);
	status = child_wait(pid);
	return readerr == -1 ? -1 : status;
}

int
account_access(const struct account *acct, const char *path, int mode)
{
	char	err[256];
	pid_t	pid;

	if (!account_is_root() || acct->uid == geteuid())
		return access(path, mode);
	/* Only the account itself can tell: become it in a throwaway child. */
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		if (account_drop(acct, err, sizeof(err)) == -1)
			_exit(2);
		_exit(access(path, mode) == 0 ? 0 : 1);
	}
	return child_wait(pid) == 0 ? 0 : -1;
}

int
account_copy(struct account *dst, const struct account *src)
{
	dst->uid = src->uid;
	dst->gid = src->gid;
	if ((dst->name = strdup(src->name)) == NULL)
		return -1;
	return 0;
}

void
account_free(struct account *acct)
{
	free(acct->name);
	acct->name = NULL;
}
