/*
 * Logging: one line per event on stderr, timestamped. fatal() is for setup
 * and broken invariants only; anything a client causes is a warning at most.
 *
 * Every message is escaped here, once: clients and PostgreSQL (whose errors
 * echo client values) can pass through "%s" as they are, and cannot start a
 * line of their own or send control bytes to whoever reads the log. Do not
 * escape before logging; backslashes would come out doubled.
 *
 * Until log_start() and after log_shutdown() a line is written at once.
 * In between a writer thread owns stderr, so a slow reader (journald, a
 * logger pipe) never stalls the thread that logs: when the queue is full
 * lines are dropped, and the next line that gets in says how many.
 * A forked child must not log before it execs: the writer is not there.
 */
#ifndef SCCD_LOG_H
#define SCCD_LOG_H

#include <stddef.h>

/* The longest line written, newline included; longer text is cut. */
#define LOG_LINE_MAX	2048

void	log_init(int verbose, const char *progname);
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
/* appends ": strerror(errno)" */
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
/* appends the OpenSSL error queue, and clears it */
void	log_sslx(const char *, ...) __attribute__((format(printf, 1, 2)));
/* both wait (bounded) for queued lines first, then write and exit(1) */
void	fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

/*
 * Hand stderr to a writer thread. -1 if it cannot start; logging then
 * stays synchronous, which is slower but loses nothing.
 */
int	log_start(void);
/* Wait, at most a couple of seconds, for queued lines: 0 once all written. */
int	log_flush(void);
/*
 * Write what is queued, stop the writer and log synchronously again; for
 * serve's end, and fatal(). Takes a couple of seconds at most: if nobody
 * reads stderr, what is still queued then is lost.
 */
void	log_shutdown(void);

/*
 * A libpq notice processor (PQsetNoticeProcessor): NOTICE and WARNING
 * from the server are logged at info. arg is unused.
 */
void	log_pq_notice(void *arg, const char *message);

/*
 * Escape bytes that may hold NULs, which "%s" cannot carry, the way log
 * lines are escaped; at most max input octets, with a marker when cut.
 * Returns a malloc'd string the caller frees; NULL only when memory runs out.
 */
char	*log_escape(const char *, size_t len, size_t max);

#endif
