/*
 * Log lines go to stderr: a supervisor (systemd, the test harness, a
 * terminal) decides where they end up.
 *
 * Each line is built whole by the thread that logs: timestamp, level and
 * the escaped message. Once log_start() has run, lines go into a ring of
 * bytes that one writer thread drains; nobody holds the lock across a
 * write(2), so a stalled reader holds up the writer and no one else.
 * Every write waits for room with poll(2) first, and for a bounded time,
 * so that even the writer can be told to give up: cancelling a thread
 * inside write(2) upsets AddressSanitizer (google/sanitizers#1399).
 */
#include <sys/param.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>

#include "log.h"

/* Room for bursts; a reader that falls this far behind loses lines. */
#define LOG_QUEUE_SIZE	(64 * 1024)
/* How long a flush, or a write with no writer thread, may take. */
#define LOG_WAIT_MS	2000
/* How often a writer facing a full stderr looks up to see if it must stop. */
#define LOG_POLL_MS	100
/* strerror and OpenSSL texts are short; keep them from crowding the message. */
#define LOG_SUFFIX_MAX	256
#define LOG_CUT		"...[truncated]"

static int		 log_verbose;
static const char	*log_prog = "sccd";

static struct {
	pthread_mutex_t		 mtx;
	pthread_cond_t		 wake;		/* to the writer: text, or stop */
	pthread_cond_t		 idle;		/* from the writer: ring empty */
	pthread_t		 writer;
	int			 ready;		/* the conds are initialised */
	int			 running;	/* lines go to the ring */
	int			 stopping;
	int			 exited;	/* the writer has returned */
	int			 stuck;		/* it gave up on stderr */
	long long		 deadline;	/* for the writer, once stopping */
	size_t			 head;		/* oldest unwritten octet */
	size_t			 used;
	unsigned long long	 dropped;	/* not yet reported */
	char			 ring[LOG_QUEUE_SIZE];
} logq = { .mtx = PTHREAD_MUTEX_INITIALIZER };

void
log_init(int verbose, const char *progname)
{
	log_verbose = verbose;
	if (progname != NULL)
		log_prog = progname;
}

/*
 * One octet as printable ASCII. The forms are those of vis(3) with
 * VIS_CSTYLE|VIS_OCTAL, so unvis(1) gives the original bytes back.
 * Non-ASCII is escaped even when it is valid UTF-8: valid UTF-8 still
 * carries C1 controls and bidi overrides that terminals act on, and
 * telling those apart needs tables; octal keeps the log plain ASCII and
 * the result does not depend on the locale.
 */
static size_t
log_vis_octet(char out[4], unsigned char c)
{
	const char	*cstyle = NULL;

	switch (c) {
	case '\n':
		cstyle = "\\n";
		break;
	case '\r':
		cstyle = "\\r";
		break;
	case '\t':
		cstyle = "\\t";
		break;
	case '\\':
		cstyle = "\\\\";
		break;
	}
	if (cstyle != NULL) {
		memcpy(out, cstyle, 2);
		return 2;
	}
	if (c >= 0x20 && c < 0x7f) {
		out[0] = (char)c;
		return 1;
	}
	out[0] = '\\';
	out[1] = (char)('0' + (c >> 6));
	out[2] = (char)('0' + ((c >> 3) & 7));
	out[3] = (char)('0' + (c & 7));
	return 4;
}

/*
 * Escape len octets of src into dst (size > sizeof(LOG_CUT)), NUL
 * terminated. If the result does not fit, or cut says src was already
 * short of its end, it stops between two escapes and ends with LOG_CUT,
 * so a reader never sees half an escape. Returns the length written.
 */
static size_t
log_vis(char *dst, size_t size, const char *src, size_t len, int cut)
{
	char	 e[4];
	size_t	 i, n, el, total = 0, room;

	for (i = 0; i < len; i++)
		total += log_vis_octet(e, (unsigned char)src[i]);
	room = size - 1;
	if (cut || total > room)
		room -= sizeof(LOG_CUT) - 1;
	for (i = 0, n = 0; i < len; i++) {
		el = log_vis_octet(e, (unsigned char)src[i]);
		if (n + el > room) {
			cut = 1;
			break;
		}
		memcpy(dst + n, e, el);
		n += el;
	}
	if (cut) {
		memcpy(dst + n, LOG_CUT, sizeof(LOG_CUT) - 1);
		n += sizeof(LOG_CUT) - 1;
	}
	dst[n] = '\0';
	return n;
}

/* "<time> <prog>", the start of every line. */
static void
log_stamp(char *buf, size_t size)
{
	char		 when[32];
	struct timespec	 ts;
	struct tm	 tm;

	if (clock_gettime(CLOCK_REALTIME, &ts) == -1 ||
	    gmtime_r(&ts.tv_sec, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
		when[0] = '\0';
		ts.tv_nsec = 0;
	}
	/* Only our own program name can be long; a cut one will do. */
	(void)snprintf(buf, size, "%s.%03ldZ %s", when, ts.tv_nsec / 1000000,
	    log_prog);
}

static long long
log_now_ms(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return 0;
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * One bounded step of output: wait up to ms for room, then write no more
 * than PIPE_BUF octets, which a pipe that has room takes without
 * blocking. Returns the octets written, 0 if there was no room yet, -1
 * when stderr is broken.
 */
static ssize_t
log_write_once(const char *buf, size_t len, int ms)
{
	struct pollfd	pfd = { .fd = STDERR_FILENO, .events = POLLOUT };
	ssize_t		w;

	switch (poll(&pfd, 1, ms)) {
	case -1:
		return errno == EINTR ? 0 : -1;
	case 0:
		return 0;
	}
	/* On POLLERR or POLLNVAL the write says what went wrong. */
	if ((w = write(STDERR_FILENO, buf, MIN(len, PIPE_BUF))) == -1)
		return errno == EINTR || errno == EAGAIN ? 0 : -1;
	return w;
}

/*
 * Write without a writer thread. The wait is bounded so that a stalled
 * reader delays fatal() or a shutdown but cannot hang them.
 */
static int
log_write_sync(const char *buf, size_t len)
{
	long long	deadline = log_now_ms() + LOG_WAIT_MS, left;
	ssize_t		w;

	while (len > 0) {
		if ((left = deadline - log_now_ms()) <= 0)
			return -1;
		if ((w = log_write_once(buf, len, (int)left)) == -1)
			return -1;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Call with the lock held; the caller has checked the room. */
static void
log_ring_put(const char *p, size_t n)
{
	size_t	tail, first;

	tail = (logq.head + logq.used) % LOG_QUEUE_SIZE;
	first = MIN(n, LOG_QUEUE_SIZE - tail);
	memcpy(logq.ring + tail, p, first);
	memcpy(logq.ring, p + first, n - first);
	logq.used += n;
}

static int
log_dropped_line(char *buf, size_t size, const char *stamp,
    unsigned long long n)
{
	int	len;

	len = snprintf(buf, size, "%s[warn] log: %llu line%s dropped: "
	    "stderr is not keeping up\n", stamp, n, n == 1 ? "" : "s");
	return len < 0 || (size_t)len >= size ? -1 : len;
}

/*
 * Queue a line, or count it as dropped. Before the first line that gets
 * in after a loss goes a line saying how many were lost, in the place
 * where they would have been.
 */
static void
log_enqueue(const char *stamp, const char *line, size_t len)
{
	char	note[256];
	int	nlen = 0;

	if (LOG_QUEUE_SIZE - logq.used < len) {
		logq.dropped++;
		return;
	}
	/* The note is never cut; should it fail, the line still goes. */
	if (logq.dropped > 0 && (nlen = log_dropped_line(note, sizeof(note),
	    stamp, logq.dropped)) == -1)
		nlen = 0;
	if (LOG_QUEUE_SIZE - logq.used < len + (size_t)nlen) {
		logq.dropped++;
		return;
	}
	if (nlen > 0) {
		log_ring_put(note, (size_t)nlen);
		logq.dropped = 0;
	}
	log_ring_put(line, len);
	pthread_cond_signal(&logq.wake);
}

static void __attribute__((format(printf, 3, 0)))
log_emit(const char *level, const char *suffix, const char *fmt, va_list ap)
{
	char	raw[LOG_LINE_MAX], line[LOG_LINE_MAX], stamp[128];
	char	sfx[LOG_SUFFIX_MAX];
	size_t	pos, slen = 0, room;
	int	n, cut;

	n = vsnprintf(raw, sizeof(raw), fmt, ap);
	if (n < 0) {
		(void)strlcpy(raw, "(unprintable log message)", sizeof(raw));
		n = 0;
	}
	cut = (size_t)n >= sizeof(raw);
	if (suffix != NULL)
		slen = log_vis(sfx, sizeof(sfx), suffix, strlen(suffix), 0);
	log_stamp(stamp, sizeof(stamp));
	n = snprintf(line, sizeof(line), "%s[%s] ", stamp, level);
	pos = n < 0 ? 0 : MIN((size_t)n, sizeof(line) / 4);
	/* Keep room for ": suffix" and the newline. */
	room = sizeof(line) - pos - 1 - (suffix != NULL ? slen + 2 : 0);
	pos += log_vis(line + pos, room, raw, strlen(raw), cut);
	if (suffix != NULL) {
		memcpy(line + pos, ": ", 2);
		memcpy(line + pos + 2, sfx, slen);
		pos += slen + 2;
	}
	line[pos++] = '\n';

	pthread_mutex_lock(&logq.mtx);
	if (logq.running) {
		log_enqueue(stamp, line, pos);
		pthread_mutex_unlock(&logq.mtx);
		return;
	}
	pthread_mutex_unlock(&logq.mtx);
	/* Nothing to tell anyone if stderr is gone. */
	(void)log_write_sync(line, pos);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_emit("info", NULL, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	log_emit("debug", NULL, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_emit("warn", NULL, fmt, ap);
	va_end(ap);
}

/*
 * With _GNU_SOURCE, glibc's strerror_r returns the text, often a static
 * one, and leaves buf alone; elsewhere it returns an error number.
 */
static void
log_strerror(int e, char *buf, size_t size)
{
#if defined(__GLIBC__) && defined(_GNU_SOURCE)
	const char	*s = strerror_r(e, buf, size);

	if (s != buf)
		(void)strlcpy(buf, s, size);
#else
	if (strerror_r(e, buf, size) != 0)
		(void)snprintf(buf, size, "error %d", e);
#endif
}

void
log_warn(const char *fmt, ...)
{
	va_list	ap;
	char	err[256];
	int	saved = errno;

	log_strerror(saved, err, sizeof(err));
	va_start(ap, fmt);
	log_emit("warn", err, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_sslx(const char *fmt, ...)
{
	va_list		 ap;
	char		 err[256] = "";
	unsigned long	 e;

	/* The first queued error is the cause; the rest is context. */
	if ((e = ERR_get_error()) != 0)
		ERR_error_string_n(e, err, sizeof(err));
	ERR_clear_error();
	va_start(ap, fmt);
	log_emit("warn", err[0] != '\0' ? err : "no OpenSSL error queued", fmt, ap);
	va_end(ap);
}

void
log_pq_notice(void *arg, const char *message)
{
	size_t	len = strlen(message);

	(void)arg;
	/* libpq ends each notice with a newline; a line of ours has one. */
	while (len > 0 && message[len - 1] == '\n')
		len--;
	log_info("database: %.*s", (int)MIN(len, LOG_LINE_MAX), message);
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;
	char	err[256];
	int	saved = errno;

	/* Queued lines come first; they often say how we got here. */
	log_shutdown();
	log_strerror(saved, err, sizeof(err));
	va_start(ap, fmt);
	log_emit("fatal", err, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	log_shutdown();
	va_start(ap, fmt);
	log_emit("fatal", NULL, fmt, ap);
	va_end(ap);
	exit(1);
}

static unsigned long long
log_ring_lines(void)
{
	unsigned long long	n = 0;
	size_t			i;

	for (i = 0; i < logq.used; i++)
		if (logq.ring[(logq.head + i) % LOG_QUEUE_SIZE] == '\n')
			n++;
	return n;
}

static void *
log_writer(void *arg)
{
	size_t	head, n;
	ssize_t	w;

	(void)arg;
	pthread_mutex_lock(&logq.mtx);
	for (;;) {
		while (logq.used == 0 && !logq.stopping)
			pthread_cond_wait(&logq.wake, &logq.mtx);
		if (logq.used == 0)
			break;
		if (logq.stopping && log_now_ms() >= logq.deadline) {
			/* Nobody reads stderr; what is left is lost. */
			logq.dropped += log_ring_lines();
			logq.head = logq.used = 0;
			logq.stuck = 1;
			break;
		}
		/*
		 * Producers only fill the free part of the ring, so the
		 * queued part can go out without the lock.
		 */
		head = logq.head;
		n = MIN(logq.used, LOG_QUEUE_SIZE - head);
		pthread_mutex_unlock(&logq.mtx);
		w = log_write_once(logq.ring + head, n, LOG_POLL_MS);
		pthread_mutex_lock(&logq.mtx);
		/* A broken stderr stays broken; retrying would only spin. */
		if (w == -1)
			w = (ssize_t)n;
		logq.head = (head + (size_t)w) % LOG_QUEUE_SIZE;
		logq.used -= (size_t)w;
		if (logq.used == 0)
			pthread_cond_broadcast(&logq.idle);
	}
	logq.exited = 1;
	pthread_cond_broadcast(&logq.idle);
	pthread_mutex_unlock(&logq.mtx);
	return NULL;
}

/* The condition variables live as long as the process: a flush may wait. */
static int
log_conds_init(void)
{
	pthread_condattr_t	attr;
	int			rc = -1;

	if (logq.ready)
		return 0;
	if (pthread_condattr_init(&attr) != 0)
		return -1;
	/* Flushes wait on a deadline that must not jump with the wall clock. */
	if (pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
	    pthread_cond_init(&logq.idle, &attr) == 0) {
		if (pthread_cond_init(&logq.wake, NULL) == 0) {
			logq.ready = 1;
			rc = 0;
		} else
			(void)pthread_cond_destroy(&logq.idle);
	}
	(void)pthread_condattr_destroy(&attr);
	return rc;
}

int
log_start(void)
{
	sigset_t	all, old;
	int		rc = -1;

	pthread_mutex_lock(&logq.mtx);
	if (logq.running || logq.stopping) {
		rc = logq.stopping ? -1 : 0;
		goto out;
	}
	if (log_conds_init() == -1)
		goto out;
	logq.head = logq.used = 0;
	logq.dropped = 0;
	/*
	 * Signals belong to the main loop. Blocked here, a SIGPIPE from a
	 * reader that went away turns into EPIPE instead of ending sccd.
	 */
	(void)sigfillset(&all);
	(void)pthread_sigmask(SIG_SETMASK, &all, &old);
	if (pthread_create(&logq.writer, NULL, log_writer, NULL) == 0) {
		logq.running = 1;
		rc = 0;
	}
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
 out:
	pthread_mutex_unlock(&logq.mtx);
	return rc;
}

static void
log_deadline(struct timespec *ts, int ms)
{
	if (clock_gettime(CLOCK_MONOTONIC, ts) == -1)
		ts->tv_sec = ts->tv_nsec = 0;
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

int
log_flush(void)
{
	struct timespec	until;
	int		rc;

	pthread_mutex_lock(&logq.mtx);
	log_deadline(&until, LOG_WAIT_MS);
	while (logq.used > 0 && logq.running)
		if (pthread_cond_timedwait(&logq.idle, &logq.mtx,
		    &until) == ETIMEDOUT)
			break;
	rc = logq.used > 0 && logq.running ? -1 : 0;
	pthread_mutex_unlock(&logq.mtx);
	return rc;
}

static void
log_report_dropped(unsigned long long n)
{
	char	stamp[128], note[256];
	int	len;

	log_stamp(stamp, sizeof(stamp));
	if ((len = log_dropped_line(note, sizeof(note), stamp, n)) != -1)
		(void)log_write_sync(note, (size_t)len);
}

void
log_shutdown(void)
{
	struct timespec		 until;
	unsigned long long	 lost;
	size_t			 head, used, first;
	int			 stuck;

	pthread_mutex_lock(&logq.mtx);
	/* Another thread is at it already, or there is no writer. */
	if (!logq.running || logq.stopping) {
		pthread_mutex_unlock(&logq.mtx);
		return;
	}
	logq.stopping = 1;
	logq.deadline = log_now_ms() + LOG_WAIT_MS;
	pthread_cond_signal(&logq.wake);
	/*
	 * The writer gives up by itself at the deadline. This wait is for a
	 * write that blocked although poll saw room (a tty, say).
	 */
	log_deadline(&until, LOG_WAIT_MS + 5 * LOG_POLL_MS);
	while (!logq.exited)
		if (pthread_cond_timedwait(&logq.idle, &logq.mtx,
		    &until) == ETIMEDOUT)
			break;
	/* From here on lines are written at once; flushes stop waiting. */
	logq.running = 0;
	pthread_cond_broadcast(&logq.idle);
	if (!logq.exited) {
		/*
		 * Leave it in its write. stopping stays set, so it finds
		 * the ring as it left it and log_start() will not run.
		 */
		pthread_mutex_unlock(&logq.mtx);
		(void)pthread_detach(logq.writer);
		return;
	}
	head = logq.head;
	used = logq.used;
	lost = logq.dropped;
	stuck = logq.stuck;
	pthread_mutex_unlock(&logq.mtx);
	(void)pthread_join(logq.writer, NULL);

	/*
	 * Lines queued while the writer was leaving are still owed, and so
	 * is the count of lines dropped since the last note. If the writer
	 * gave up, writing more would only wait out the same stuck reader.
	 */
	if (!stuck && used > 0) {
		first = MIN(used, LOG_QUEUE_SIZE - head);
		if (log_write_sync(logq.ring + head, first) == 0)
			(void)log_write_sync(logq.ring, used - first);
	}
	if (!stuck && lost > 0)
		log_report_dropped(lost);

	pthread_mutex_lock(&logq.mtx);
	logq.head = logq.used = 0;
	logq.dropped = 0;
	logq.exited = logq.stuck = 0;
	logq.stopping = 0;
	pthread_mutex_unlock(&logq.mtx);
}

char *
log_escape(const char *s, size_t len, size_t max)
{
	char	*out;
	size_t	 n = MIN(len, max);

	/* Four octets at most per input octet, the marker, the NUL. */
	if ((out = reallocarray(NULL, n + sizeof(LOG_CUT), 4)) == NULL)
		return NULL;
	(void)log_vis(out, (n + sizeof(LOG_CUT)) * 4, s, n, n < len);
	return out;
}
