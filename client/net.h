/*
 * TCP for the client: connect with a deadline, wait on one descriptor.
 * Deadlines are CLOCK_MONOTONIC milliseconds; -1 means none.
 */
#ifndef SCC_NET_H
#define SCC_NET_H

#include <stdint.h>

int64_t	 net_now(void);
int64_t	 net_deadline(int timeout_ms);	/* -1 stays -1 */
/* 1 ready, 0 deadline passed, -1 poll failed (errno set). */
int	 net_wait(int fd, short events, int64_t deadline);
/* A connected non-blocking socket, or -1 after saying why on stderr. */
int	 net_connect(const char *host, const char *port, int64_t deadline);

#endif /* SCC_NET_H */
