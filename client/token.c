/*
 * The session token on disk. Created with O_NOFOLLOW and checked with
 * fstat() on the open descriptor, so a symlink or a swapped file cannot
 * redirect what we read or write.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "token.h"

#define TOKEN_FILE_MAX	128	/* a token and a newline, with room to spare */

/* Host names become part of a file name: anything odd turns into '_'. */
static char *
file_name(const struct settings *set)
{
	char	*name, *p;

	if (asprintf(&name, "session-%s-%s", set->host, set->port) == -1)
		return NULL;
	for (p = name; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-' &&
		    *p != '_' && *p != ':')
			*p = '_';
	return name;
}

char *
token_path(const struct settings *set)
{
	char	*name, *path;

	if ((name = file_name(set)) == NULL) {
		warnx("out of memory");
		return NULL;
	}
	path = settings_user_path("XDG_STATE_HOME", ".local/state", name);
	free(name);
	if (path == NULL)
		warnx("cannot find a home directory for the session file");
	return path;
}

/* mkdir -p for the parents; the last one (scc's own) must end up 0700. */
static int
make_dirs(char *dir)
{
	struct stat	 st;
	char		*slash;

	for (slash = strchr(dir + 1, '/'); slash != NULL;
	    slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
			warn("%s", dir);
			return -1;
		}
		*slash = '/';
	}
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		warn("%s", dir);
		return -1;
	}
	if (lstat(dir, &st) == -1) {
		warn("%s", dir);
		return -1;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid()) {
		warnx("%s: not a directory of yours; not keeping a session "
		    "there", dir);
		return -1;
	}
	if ((st.st_mode & 077) != 0 && chmod(dir, 0700) == -1) {
		warn("%s", dir);
		return -1;
	}
	return 0;
}

static int
write_all(int fd, const char *data, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		n = write(fd, data, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		data += n;
		len -= n;
	}
	return 0;
}

static int
write_token(const char *path, const char *token)
{
	struct stat	 st;
	char		 line[SCP_TOKEN_LEN + 2];
	int		 fd, r = -1;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1) {
		warn("%s", path);
		return -1;
	}
	/* An old file keeps its mode through O_TRUNC; make it ours alone. */
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid() || fchmod(fd, 0600) == -1) {
		warnx("%s: not a file of yours; session not saved", path);
		goto done;
	}
	snprintf(line, sizeof(line), "%s\n", token);
	if (write_all(fd, line, strlen(line)) == -1 || fsync(fd) == -1) {
		warn("%s", path);
		goto done;
	}
	r = 0;
done:
	explicit_bzero(line, sizeof(line));
	if (close(fd) == -1 && r == 0) {
		warn("%s", path);
		r = -1;
	}
	return r;
}

int
token_save(const struct settings *set, const char *token)
{
	char	*path, *slash;
	int	 r = -1;

	if (strlen(token) != SCP_TOKEN_LEN) {
		warnx("the server sent a malformed session token");
		return -1;
	}
	if ((path = token_path(set)) == NULL)
		return -1;
	if ((slash = strrchr(path, '/')) != NULL) {
		*slash = '\0';
		r = make_dirs(path);
		*slash = '/';
	}
	if (r == 0)
		r = write_token(path, token);
	free(path);
	return r;
}

static enum token_status
check_token_file(int fd, const char *path)
{
	struct stat	 st;

	if (fstat(fd, &st) == -1) {
		warn("%s", path);
		return TOKEN_BAD;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		warnx("%s: not a file of yours; refusing to use it", path);
		return TOKEN_BAD;
	}
	if ((st.st_mode & 077) != 0) {
		warnx("%s: readable or writable by others; refusing to use it "
		    "(remove it and log in again)", path);
		return TOKEN_BAD;
	}
	return TOKEN_OK;
}

static enum token_status
read_token(int fd, const char *path, char token[SCP_TOKEN_LEN + 1])
{
	uint8_t		 raw[SCP_TOKEN_RAW];
	char		 buf[TOKEN_FILE_MAX];
	ssize_t		 n;
	size_t		 len;

	do {
		n = read(fd, buf, sizeof(buf) - 1);
	} while (n == -1 && errno == EINTR);
	if (n == -1) {
		warn("%s", path);
		return TOKEN_BAD;
	}
	buf[n] = '\0';
	len = strcspn(buf, "\r\n");
	buf[len] = '\0';
	if (len != SCP_TOKEN_LEN || scp_token_decode(buf, raw) == -1) {
		warnx("%s: not a session token; run scc login", path);
		explicit_bzero(buf, sizeof(buf));
		return TOKEN_BAD;
	}
	memcpy(token, buf, SCP_TOKEN_LEN + 1);
	explicit_bzero(buf, sizeof(buf));
	explicit_bzero(raw, sizeof(raw));
	return TOKEN_OK;
}

enum token_status
token_load(const struct settings *set, char token[SCP_TOKEN_LEN + 1])
{
	enum token_status	 st;
	char			*path;
	int			 fd;

	if ((path = token_path(set)) == NULL)
		return TOKEN_BAD;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1) {
		st = errno == ENOENT ? TOKEN_ABSENT : TOKEN_BAD;
		if (st == TOKEN_BAD)
			warn("%s", path);
		free(path);
		return st;
	}
	st = check_token_file(fd, path);
	if (st == TOKEN_OK)
		st = read_token(fd, path, token);
	close(fd);
	free(path);
	return st;
}

int
token_remove(const struct settings *set)
{
	char	*path;
	int	 r = 0;

	if ((path = token_path(set)) == NULL)
		return -1;
	if (unlink(path) == -1 && errno != ENOENT) {
		warn("%s", path);
		r = -1;
	}
	free(path);
	return r;
}
