/*
 * Log lines go to stderr: a supervisor (systemd, the test harness, a
 * terminal) decides where they end up.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#define LIBBSD_OPENBSD_VIS
#include <vis.h>

#include <openssl/err.h>

#include "log.h"

static int		 log_verbose;
static const char	*log_prog = "sccd";

void
log_init(int verbose, const char *progname)
{
	log_verbose = verbose;
	if (progname != NULL)
		log_prog = progname;
}

static void __attribute__((format(printf, 3, 0)))
log_emit(const char *level, const char *suffix, const char *fmt, va_list ap)
{
	char		 msg[1024], stamp[32];
	struct timespec	 ts;
	struct tm	 tm;

	/* Truncating an over-long message is fine: it is only a log line. */
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	if (clock_gettime(CLOCK_REALTIME, &ts) == -1 ||
	    gmtime_r(&ts.tv_sec, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		stamp[0] = '\0';
	/* One fprintf per line keeps lines from different threads whole. */
	fprintf(stderr, "%s.%03ldZ %s[%s] %s%s%s\n", stamp,
	    ts.tv_nsec / 1000000, log_prog, level, msg,
	    suffix != NULL ? ": " : "", suffix != NULL ? suffix : "");
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

void
log_warn(const char *fmt, ...)
{
	va_list	ap;
	char	err[256];
	int	saved = errno;

	if (strerror_r(saved, err, sizeof(err)) != 0)
		(void)snprintf(err, sizeof(err), "error %d", saved);
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
fatal(const char *fmt, ...)
{
	va_list	ap;
	char	err[256];

	if (strerror_r(errno, err, sizeof(err)) != 0)
		(void)snprintf(err, sizeof(err), "error %d", errno);
	va_start(ap, fmt);
	log_emit("fatal", err, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_emit("fatal", NULL, fmt, ap);
	va_end(ap);
	exit(1);
}

char *
log_escape(const char *s, size_t len, size_t max)
{
	char	*out;
	size_t	 n = len < max ? len : max;

	/* strvisx writes at most four octets per input octet, plus NUL. */
	if ((out = reallocarray(NULL, n + 1, 4)) == NULL)
		return NULL;
	(void)strvisx(out, s, n, VIS_SAFE | VIS_OCTAL | VIS_CSTYLE);
	return out;
}
