/*
 * TCP connect with a deadline. Every address the name resolves to is tried
 * in turn, so a host with a dead IPv6 route still works over IPv4.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "net.h"

int64_t
net_now(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
net_deadline(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : net_now() + timeout_ms;
}

int
net_wait(int fd, short events, int64_t deadline)
{
	struct pollfd	 pfd;
	int64_t		 left;
	int		 r;

	for (;;) {
		left = deadline < 0 ? -1 : deadline - net_now();
		if (left < 0 && deadline >= 0)
			left = 0;
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		r = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return -1;
		if (r > 0)
			return 1;
		if (deadline >= 0 && net_now() >= deadline)
			return 0;
	}
}

/* 0 connected, -1 with errno set (ETIMEDOUT when the deadline passed). */
static int
connect_one(const struct addrinfo *ai, int64_t deadline, int *fdp)
{
	socklen_t	 len;
	int		 fd, soerr, r;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, ai->ai_protocol);
	if (fd == -1)
		return -1;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		goto done;
	if (errno != EINPROGRESS)
		goto fail;
	r = net_wait(fd, POLLOUT, deadline);
	if (r == 0)
		errno = ETIMEDOUT;
	if (r <= 0)
		goto fail;
	len = sizeof(soerr);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == -1)
		goto fail;
	if (soerr != 0) {
		errno = soerr;
		goto fail;
	}
done:
	*fdp = fd;
	return 0;
fail:
	soerr = errno;
	close(fd);
	errno = soerr;
	return -1;
}

int
net_connect(const char *host, const char *port, int64_t deadline)
{
	struct addrinfo	 hints, *res, *ai;
	int		 fd = -1, r, saved = ECONNREFUSED;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	r = getaddrinfo(host, port, &hints, &res);
	if (r != 0) {
		warnx("%s: %s", host, r == EAI_SYSTEM ? strerror(errno) :
		    gai_strerror(r));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (connect_one(ai, deadline, &fd) == 0)
			break;
		saved = errno;
		if (saved == ETIMEDOUT)
			break;
	}
	freeaddrinfo(res);
	if (fd != -1)
		return fd;
	if (saved == ETIMEDOUT)
		warnx("cannot connect to %s port %s: no answer within the "
		    "time limit", host, port);
	else
		warnx("cannot connect to %s port %s: %s", host, port,
		    strerror(saved));
	return -1;
}
