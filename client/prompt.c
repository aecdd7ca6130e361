/*
 * Secrets are read straight into the caller's buffer: readpassphrase(3) on
 * a terminal, one octet at a time from a pipe, so no stdio buffer keeps a
 * copy (or eats input meant for later).
 */
#include <err.h>
#include <errno.h>
#include <readpassphrase.h>
#include <string.h>
#include <unistd.h>

#include "prompt.h"

static int
read_line_fd(int fd, char *buf, size_t size)
{
	size_t	 len = 0;
	ssize_t	 n;
	char	 c;

	for (;;) {
		n = read(fd, &c, 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			warn("standard input");
			return -1;
		}
		if (n == 0 || c == '\n')
			break;
		if (len + 1 >= size) {
			warnx("input line too long");
			return -1;
		}
		buf[len++] = c;
	}
	if (n == 0 && len == 0) {
		warnx("no input on standard input");
		return -1;
	}
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	buf[len] = '\0';
	return 0;
}

bool
prompt_interactive(void)
{
	return isatty(STDIN_FILENO) != 0;
}

int
prompt_read(const char *prompt, bool echo, char *buf, size_t size)
{
	int	 flags = RPP_REQUIRE_TTY;

	if (!isatty(STDIN_FILENO))
		return read_line_fd(STDIN_FILENO, buf, size);
	if (echo)
		flags |= RPP_ECHO_ON;
	if (readpassphrase(prompt, buf, size, flags) == NULL) {
		warn("cannot read from the terminal");
		return -1;
	}
	/* readpassphrase() cuts long input silently; a full buffer is too long. */
	if (strlen(buf) + 1 >= size) {
		explicit_bzero(buf, size);
		warnx("input line too long");
		return -1;
	}
	return 0;
}
