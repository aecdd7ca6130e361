/*
 * Logging: one line per event on stderr, timestamped. fatal() is for setup
 * and broken invariants only; anything a client causes is a warning at most.
 */
#ifndef SCCD_LOG_H
#define SCCD_LOG_H

#include <stddef.h>

void	log_init(int verbose, const char *progname);
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
/* appends ": strerror(errno)" */
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
/* appends the OpenSSL error queue, and clears it */
void	log_sslx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

/*
 * Escape untrusted bytes for a log line (strvisx, VIS_SAFE|VIS_OCTAL), cut
 * to at most max input octets. Returns a malloc'd string the caller frees;
 * NULL only when memory runs out.
 */
char	*log_escape(const char *, size_t len, size_t max);

#endif
