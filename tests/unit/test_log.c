/*
 * sccd's log: escaping, libpq notices, and a writer thread that keeps a
 * slow stderr away from the threads that log.
 *
 * Each test points stderr at a pipe read by a thread of its own. cmocka
 * reports failures on stderr too, so nothing is asserted until stderr is
 * back; alarm() turns a log call that blocks into a failure, not a hang.
 */
#include <sys/param.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"

#define GUARD_SECONDS	30

struct capture {
	int		 rfd, wfd;
	int		 saved;		/* the real stderr */
	int		 go[2];		/* the reader starts on a byte here */
	int		 released;
	size_t		 filler;	/* octets put in to fill the pipe */
	pthread_t	 reader;
	char		*buf;
	size_t		 len, cap;
};

static void *
capture_read(void *arg)
{
	struct capture	*c = arg;
	char		 chunk[4096], one, *nbuf;
	ssize_t		 n;

	while ((n = read(c->go[0], &one, 1)) == -1 && errno == EINTR)
		;
	for (;;) {
		if ((n = read(c->rfd, chunk, sizeof(chunk))) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (n == 0)
			break;
		if (c->len + (size_t)n + 1 > c->cap) {
			/* Out of memory: keep reading so the writer ends. */
			if ((nbuf = realloc(c->buf, (c->len + (size_t)n) * 2 +
			    1)) == NULL)
				continue;
			c->buf = nbuf;
			c->cap = (c->len + (size_t)n) * 2 + 1;
		}
		memcpy(c->buf + c->len, chunk, (size_t)n);
		c->len += (size_t)n;
	}
	return NULL;
}

/* A pipe that takes no more, like a reader that has stopped reading. */
static size_t
fill_pipe(int fd)
{
	char	block[4096];
	size_t	total = 0;
	ssize_t	n;
	int	fl;

	memset(block, 'F', sizeof(block));
	fl = fcntl(fd, F_GETFL);
	assert_true(fl != -1);
	assert_int_equal(fcntl(fd, F_SETFL, fl | O_NONBLOCK), 0);
	while ((n = write(fd, block, sizeof(block))) > 0)
		total += (size_t)n;
	while ((n = write(fd, block, 1)) > 0)
		total += (size_t)n;
	assert_int_equal(errno, EAGAIN);
	/* The log must cope with a blocking stderr, the usual kind. */
	assert_int_equal(fcntl(fd, F_SETFL, fl), 0);
	return total;
}

static void
capture_begin(struct capture *c, int stuck)
{
	int	p[2];

	memset(c, 0, sizeof(*c));
	assert_int_equal(pipe(p), 0);
	assert_int_equal(pipe(c->go), 0);
	c->rfd = p[0];
	c->wfd = p[1];
	if (stuck)
		c->filler = fill_pipe(c->wfd);
	assert_int_equal(pthread_create(&c->reader, NULL, capture_read, c), 0);
	if (!stuck) {
		assert_int_equal(write(c->go[1], "g", 1), 1);
		c->released = 1;
	}
	c->saved = dup(STDERR_FILENO);
	assert_true(c->saved != -1);
	assert_int_equal(dup2(c->wfd, STDERR_FILENO), STDERR_FILENO);
}

/* No asserts: stderr may still be the pipe. */
static void
capture_release(struct capture *c)
{
	if (!c->released && write(c->go[1], "g", 1) == 1)
		c->released = 1;
}

/* Puts stderr back and returns what was logged, the filler skipped. */
static char *
capture_end(struct capture *c)
{
	int	rc;

	rc = dup2(c->saved, STDERR_FILENO);
	(void)close(c->saved);
	assert_int_equal(rc, STDERR_FILENO);
	assert_int_equal(close(c->wfd), 0);
	capture_release(c);
	assert_true(c->released);
	assert_int_equal(pthread_join(c->reader, NULL), 0);
	(void)close(c->rfd);
	(void)close(c->go[0]);
	(void)close(c->go[1]);
	if (c->buf == NULL)
		assert_non_null(c->buf = calloc(1, 1));
	c->buf[c->len] = '\0';
	assert_true(c->len >= c->filler);
	return c->buf + c->filler;
}

static size_t
count_char(const char *s, char ch)
{
	size_t	n = 0;

	for (; *s != '\0'; s++)
		if (*s == ch)
			n++;
	return n;
}

static void
expect_in(const char *out, const char *needle)
{
	if (strstr(out, needle) == NULL)
		fail_msg("\"%s\" not in the log:\n%s", needle, out);
}

/* Only printable ASCII and the newlines that end lines. */
static void
expect_plain(const char *out)
{
	const unsigned char	*p;

	for (p = (const unsigned char *)out; *p != '\0'; p++)
		if (*p != '\n' && (*p < 0x20 || *p > 0x7e))
			fail_msg("octet 0x%02x in the log", *p);
}

/* The line holding needle, without its newline; NULL if none. */
static char *
line_with(const char *out, const char *needle)
{
	const char	*hit, *start, *end;

	if ((hit = strstr(out, needle)) == NULL)
		return NULL;
	for (start = hit; start > out && start[-1] != '\n'; start--)
		;
	if ((end = strchr(hit, '\n')) == NULL)
		end = hit + strlen(hit);
	return strndup(start, (size_t)(end - start));
}

/* The number in a "N lines dropped" note, 0 if there is none. */
static unsigned long long
dropped_in(const char *line)
{
	const char		*p;
	unsigned long long	 n;

	if ((p = strstr(line, "[warn] log: ")) == NULL ||
	    sscanf(p, "[warn] log: %llu line", &n) != 1)
		return 0;
	return n;
}

static void
test_escapes_controls(void **state)
{
	struct capture	 c;
	char		*out;

	(void)state;
	capture_begin(&c, 0);
	log_info("crlf[%s]", "one\r\n2000-01-01T00:00:00.000Z sccd[info] forged");
	log_info("esc[%s]", "\033[31mred\033]0;title\007");
	log_info("ctl[%s]", "\001\002\010\013\014\037\177");
	log_info("tab[%s]", "a\tb");
	log_info("bs[%s]", "a\\nb");
	log_info("bad[%s]", "\xff\xfe\xc3(\xe2\x82");
	log_info("utf8[%s]", "caf\xc3\xa9");
	errno = ENOENT;
	log_warn("warn[%s]", "x\ny");
	log_warnx("db: %s", "ERROR:  duplicate key value \"\r\nk\"");
	out = capture_end(&c);

	assert_int_equal(count_char(out, '\n'), 9);
	expect_plain(out);
	expect_in(out, "test_log[info] crlf[one\\r\\n2000-01-01T00:00:00.000Z "
	    "sccd[info] forged]\n");
	expect_in(out, "[info] esc[\\033[31mred\\033]0;title\\007]\n");
	expect_in(out, "[info] ctl[\\001\\002\\010\\013\\014\\037\\177]\n");
	expect_in(out, "[info] tab[a\\tb]\n");
	/* A literal backslash doubles, so it cannot pass for an escape. */
	expect_in(out, "[info] bs[a\\\\nb]\n");
	expect_in(out, "[info] bad[\\377\\376\\303(\\342\\202]\n");
	/* Valid UTF-8 is escaped too (see log.c). */
	expect_in(out, "[info] utf8[caf\\303\\251]\n");
	expect_in(out, "[warn] warn[x\\ny]: No such file or directory\n");
	expect_in(out, "[warn] db: ERROR:  duplicate key value \"\\r\\nk\"\n");
	free(c.buf);
}

static void
test_cuts_long_lines(void **state)
{
	struct capture	 c;
	char		*out, *big, *ctl, *line;
	const char	*p, *cut;
	size_t		 n;

	(void)state;
	assert_non_null(big = malloc(10001));
	memset(big, 'x', 10000);
	big[10000] = '\0';
	assert_non_null(ctl = malloc(3001));
	memset(ctl, '\001', 3000);
	ctl[3000] = '\0';
	capture_begin(&c, 0);
	log_info("big %s", big);
	log_info("ctl %s", ctl);
	errno = EACCES;
	log_warn("err %s", big);
	out = capture_end(&c);
	free(big);

	assert_int_equal(count_char(out, '\n'), 3);
	expect_plain(out);
	assert_non_null(line = line_with(out, "] big x"));
	assert_true(strlen(line) + 1 <= LOG_LINE_MAX);
	n = strlen(line);
	assert_true(n > 14);
	assert_string_equal(line + n - 14, "...[truncated]");
	free(line);

	/* Cut between escapes, never inside one. */
	assert_non_null(line = line_with(out, "] ctl "));
	assert_true(strlen(line) + 1 <= LOG_LINE_MAX);
	assert_non_null(cut = strstr(line, "...[truncated]"));
	p = strstr(line, "] ctl ") + 6;
	assert_true(cut > p);
	assert_int_equal((size_t)(cut - p) % 4, 0);
	for (; p < cut; p += 4)
		assert_memory_equal(p, "\\001", 4);
	assert_string_equal(cut, "...[truncated]");
	free(line);

	/* The errno text survives a cut message. */
	assert_non_null(line = line_with(out, "] err x"));
	assert_true(strlen(line) + 1 <= LOG_LINE_MAX);
	expect_in(line, "x...[truncated]: Permission denied");
	free(line);
	free(ctl);
	free(c.buf);
}

static void
test_log_escape(void **state)
{
	char	*s;

	(void)state;
	assert_non_null(s = log_escape("a\0b\n\\", 5, 100));
	assert_string_equal(s, "a\\000b\\n\\\\");
	free(s);
	assert_non_null(s = log_escape("abcdef", 6, 3));
	assert_string_equal(s, "abc...[truncated]");
	free(s);
	assert_non_null(s = log_escape("", 0, 10));
	assert_string_equal(s, "");
	free(s);
}

static void
test_pq_notices(void **state)
{
	struct capture	 c;
	char		*out, *line;

	(void)state;
	capture_begin(&c, 0);
	log_pq_notice(NULL,
	    "NOTICE:  relation \"t\" already exists, skipping\n");
	log_pq_notice(NULL, "WARNING:  client said \"a\r\nb\"\n");
	log_pq_notice(NULL, "NOTICE:  no newline");
	log_pq_notice(NULL, "\n");
	out = capture_end(&c);

	assert_int_equal(count_char(out, '\n'), 4);
	expect_plain(out);
	expect_in(out, "[info] database: NOTICE:  relation \"t\" already "
	    "exists, skipping\n");
	expect_in(out, "[info] database: WARNING:  client said \"a\\r\\nb\"\n");
	expect_in(out, "[info] database: NOTICE:  no newline\n");
	expect_in(out, "[info] database: \n");
	assert_null(strstr(out, "\\n\n"));
	free(c.buf);

	/* The same through the writer thread. */
	assert_int_equal(log_start(), 0);
	capture_begin(&c, 0);
	log_pq_notice(NULL, "NOTICE:  queued\n");
	log_shutdown();
	out = capture_end(&c);
	assert_non_null(line = line_with(out, "NOTICE:  queued"));
	expect_in(line, "[info] database: NOTICE:  queued");
	free(line);
	free(c.buf);
}

/*
 * Lines 0 .. n-1 were logged in order; check that those in out are a
 * run from 0 and return how many there are.
 */
static int
numbered_run(const char *out, const char *fmtword)
{
	const char	*p = out;
	int		 i = 0, v;
	char		 word[32];

	while ((p = strstr(p, fmtword)) != NULL) {
		if (sscanf(p, "%31s %d", word, &v) != 2)
			fail_msg("bad line at \"%.40s\"", p);
		if (v != i)
			fail_msg("line %d where %d was due", v, i);
		i++;
		p += strlen(fmtword);
	}
	return i;
}

static void
test_full_pipe_does_not_block(void **state)
{
	struct capture	 c;
	char		 pad[61], *out, *line;
	int		 i, kept, started, flushed;
	const int	 total = 3000;
	unsigned long long dropped;

	(void)state;
	memset(pad, 'p', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	started = log_start();
	capture_begin(&c, 1);
	(void)alarm(GUARD_SECONDS);
	/* About 300 KB: far more than the pipe and the queue hold. */
	for (i = 0; i < total; i++)
		log_info("queued %d %s", i, pad);
	capture_release(&c);
	flushed = log_flush();
	log_info("after the drain");
	log_shutdown();
	(void)alarm(0);
	out = capture_end(&c);

	assert_int_equal(started, 0);
	assert_int_equal(flushed, 0);
	expect_plain(out);
	kept = numbered_run(out, "queued ");
	assert_true(kept > 0);
	assert_true(kept < total);
	/* The note comes with the first line that gets in after the loss. */
	assert_non_null(line = line_with(out, "log: "));
	dropped = dropped_in(line);
	free(line);
	assert_int_equal(dropped, (unsigned long long)(total - kept));
	expect_in(out, " lines dropped: stderr is not keeping up\n");
	assert_true(strstr(out, "lines dropped") < strstr(out, "after the drain"));
	assert_int_equal(count_char(out, '\n'), (size_t)kept + 2);
	free(c.buf);
}

static void
test_shutdown_flushes(void **state)
{
	struct capture	 c;
	char		*out;
	int		 i, started;

	(void)state;
	started = log_start();
	capture_begin(&c, 1);
	(void)alarm(GUARD_SECONDS);
	for (i = 0; i < 100; i++)
		log_info("pending %d", i);
	/* Queued, not written: the pipe is full until the reader starts. */
	capture_release(&c);
	log_shutdown();
	log_info("written at once");
	(void)alarm(0);
	out = capture_end(&c);

	assert_int_equal(started, 0);
	assert_int_equal(numbered_run(out, "pending "), 100);
	assert_null(strstr(out, "dropped"));
	expect_in(out, "pending 99\n");
	assert_true(strstr(out, "pending 99") < strstr(out, "written at once"));
	assert_int_equal(count_char(out, '\n'), 101);
	free(c.buf);
}

static void
test_shutdown_reports_the_last_drops(void **state)
{
	struct capture		 c;
	char			 pad[201], *out, *line;
	int			 i, kept, started;
	const int		 total = 1000;
	unsigned long long	 dropped;

	(void)state;
	memset(pad, 'p', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	started = log_start();
	capture_begin(&c, 1);
	(void)alarm(GUARD_SECONDS);
	for (i = 0; i < total; i++)
		log_info("lossy %d %s", i, pad);
	/* No line follows the loss: shutdown is left to report it. */
	capture_release(&c);
	log_shutdown();
	(void)alarm(0);
	out = capture_end(&c);

	assert_int_equal(started, 0);
	kept = numbered_run(out, "lossy ");
	assert_true(kept > 0 && kept < total);
	assert_non_null(line = line_with(out, "log: "));
	dropped = dropped_in(line);
	free(line);
	assert_int_equal(dropped, (unsigned long long)(total - kept));
	assert_int_equal(count_char(out, '\n'), (size_t)kept + 1);
	free(c.buf);
}

static void
test_shutdown_gives_up_on_a_stuck_reader(void **state)
{
	struct capture	 c;
	char		*out;
	int		 i, started;

	(void)state;
	started = log_start();
	capture_begin(&c, 1);
	(void)alarm(GUARD_SECONDS);
	for (i = 0; i < 10; i++)
		log_info("stuck %d", i);
	/* Returns after a bounded wait even though nobody reads. */
	log_shutdown();
	capture_release(&c);
	log_info("later");
	(void)alarm(0);
	out = capture_end(&c);

	assert_int_equal(started, 0);
	expect_in(out, "[info] later\n");
	/* And the writer can start again. */
	assert_int_equal(log_start(), 0);
	log_shutdown();
	free(c.buf);
}

struct burst {
	int	id;
	int	lines;
};

static void *
burst_run(void *arg)
{
	struct burst	*b = arg;
	int		 i;

	for (i = 0; i < b->lines; i++)
		log_info("thread %d line %d %s", b->id, i,
		    "some text to make the line longer than a word or two");
	return NULL;
}

static void
test_threads_keep_lines_whole(void **state)
{
	struct capture	 c;
	struct burst	 b[4];
	pthread_t	 t[4];
	char		*out, *copy, *line, *next;
	int		 i, made = 0, id, n, last[4] = { -1, -1, -1, -1 };
	int		 started;
	unsigned long long seen = 0, dropped = 0;

	(void)state;
	started = log_start();
	capture_begin(&c, 0);
	(void)alarm(GUARD_SECONDS);
	for (i = 0; i < 4; i++) {
		b[i].id = i;
		b[i].lines = 2000;
		if (pthread_create(&t[i], NULL, burst_run, &b[i]) == 0)
			made++;
	}
	for (i = 0; i < made; i++)
		(void)pthread_join(t[i], NULL);
	log_shutdown();
	(void)alarm(0);
	out = capture_end(&c);

	assert_int_equal(started, 0);
	assert_int_equal(made, 4);
	expect_plain(out);
	assert_non_null(copy = strdup(out));
	for (line = copy; *line != '\0'; line = next) {
		assert_non_null(next = strchr(line, '\n'));
		*next++ = '\0';
		if (strstr(line, "[warn] log: ") != NULL) {
			dropped += dropped_in(line);
			continue;
		}
		assert_non_null(strstr(line, "[info] thread "));
		assert_int_equal(sscanf(strstr(line, "thread "),
		    "thread %d line %d", &id, &n), 2);
		assert_true(id >= 0 && id < 4);
		/* Each thread's lines keep their order. */
		assert_true(n > last[id]);
		last[id] = n;
		seen++;
	}
	assert_int_equal(seen + dropped, 4 * 2000);
	free(copy);
	free(c.buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escapes_controls),
		cmocka_unit_test(test_cuts_long_lines),
		cmocka_unit_test(test_log_escape),
		cmocka_unit_test(test_pq_notices),
		cmocka_unit_test(test_full_pipe_does_not_block),
		cmocka_unit_test(test_shutdown_flushes),
		cmocka_unit_test(test_shutdown_reports_the_last_drops),
		cmocka_unit_test(test_shutdown_gives_up_on_a_stuck_reader),
		cmocka_unit_test(test_threads_keep_lines_whole),
	};

	log_init(0, "test_log");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
