/*
 * scc raw on a terminal: lines through libedit, with history. libedit asks
 * us for every key, and while it waits we watch the socket too, so answers
 * and events appear at once and the prompt is drawn again below them.
 */
#include <err.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#include <histedit.h>

#include "conn.h"
#include "raw.h"
#include "scc.h"

#define RAW_HISTORY	500

/* One character of the terminal, decoded for the locale. */
static int
tty_getwc(wchar_t *wc)
{
	mbstate_t	 mbs;
	size_t		 r;
	ssize_t		 n;
	char		 c;

	memset(&mbs, 0, sizeof(mbs));
	for (;;) {
		n = read(STDIN_FILENO, &c, 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 ? 0 : -1;
		r = mbrtowc(wc, &c, 1, &mbs);
		if (r == (size_t)-2)
			continue;
		if (r == (size_t)-1)
			*wc = (unsigned char)c;
		return 1;
	}
}

/* libedit's way to read a key; the socket is served while we wait. */
static int
tty_getc(EditLine *el, wchar_t *wc)
{
	struct pollfd	 pfd[2];
	struct raw	*raw;

	if (el_get(el, EL_CLIENTDATA, &raw) != 0)
		return -1;
	for (;;) {
		pfd[0].fd = STDIN_FILENO;
		pfd[1].fd = conn_fd(raw->conn);
		pfd[0].events = pfd[1].events = POLLIN;
		pfd[0].revents = pfd[1].revents = 0;
		if (poll(pfd, 2, conn_buffered(raw->conn) ? 0 : -1) == -1 &&
		    errno != EINTR)
			return -1;
		if (pfd[1].revents != 0 || conn_buffered(raw->conn)) {
			if (raw_drain(raw) == -1 || raw_pump(raw) == -1) {
				raw->gone = true;
				return -1;
			}
			if (raw->redraw) {
				(void)el_set(el, EL_REFRESH);
				raw->redraw = false;
			}
		}
		if (pfd[0].revents != 0)
			return tty_getwc(wc);
	}
}

static const char *
tty_prompt(EditLine *el)
{
	return "raw> ";
}

static int
tty_open(struct raw *raw)
{
	HistEvent	 ev;

	raw->el = el_init(getprogname(), stdin, stdout, stderr);
	raw->hist = history_init();
	if (raw->el == NULL || raw->hist == NULL ||
	    history(raw->hist, &ev, H_SETSIZE, RAW_HISTORY) == -1 ||
	    el_set(raw->el, EL_CLIENTDATA, raw) != 0 ||
	    el_set(raw->el, EL_GETCFN, tty_getc) != 0 ||
	    el_set(raw->el, EL_PROMPT, tty_prompt) != 0 ||
	    el_set(raw->el, EL_EDITOR, "emacs") != 0 ||
	    el_set(raw->el, EL_SIGNAL, 1) != 0 ||
	    el_set(raw->el, EL_HIST, history, raw->hist) != 0) {
		warnx("cannot set up line editing");
		return -1;
	}
	/* ~/.editrc may rebind keys; a missing one is normal. */
	(void)el_source(raw->el, NULL);
	return 0;
}

void
raw_tty_close(struct raw *raw)
{
	if (raw->el != NULL)
		el_end(raw->el);
	if (raw->hist != NULL)
		history_end(raw->hist);
}

/* Input from a terminal: a line at a time through libedit. */
int
raw_tty_loop(struct raw *raw)
{
	HistEvent	 ev;
	const char	*line;
	int		 count;

	if (tty_open(raw) == -1)
		return SCC_EXIT_CONN;
	while (!raw->eof) {
		if (raw_pump(raw) == -1 || raw->failed || raw_drain(raw) == -1)
			return raw->bye ? SCC_EXIT_OK : SCC_EXIT_CONN;
		raw->prompting = true;
		line = el_gets(raw->el, &count);
		raw->prompting = false;
		if (raw->gone)
			return raw->bye ? SCC_EXIT_OK : SCC_EXIT_CONN;
		if (line == NULL || count <= 0) {
			fputs("\n", stdout);
			raw->eof = true;
			break;
		}
		if (strspn(line, " \t\r\n") < (size_t)count)
			(void)history(raw->hist, &ev, H_ENTER, line);
		if (scp_buf_add(&raw->in, line, count) == -1)
			raw->failed = true;
	}
	/* What is still open is answered the same way as for a pipe. */
	return raw_loop(raw);
}

