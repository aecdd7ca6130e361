/*
 * Each loop thread accepts on its own socket bound to the shared port, so
 * the kernel spreads new connections across threads without a handoff.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "listener.h"

static int
split_spec(const char *spec, char **host, char **port)
{
	const char	*colon;
	char		*h;

	if (spec[0] == '[') {
		if ((colon = strstr(spec, "]:")) == NULL)
			return -1;
		h = strndup(spec + 1, (size_t)(colon - spec - 1));
		colon++;
	} else {
		if ((colon = strrchr(spec, ':')) == NULL)
			return -1;
		h = strndup(spec, (size_t)(colon - spec));
	}
	if (h == NULL)
		return -1;
	if ((*port = strdup(colon + 1)) == NULL) {
		free(h);
		return -1;
	}
	*host = h;
	return 0;
}

static int
open_one(const struct addrinfo *ai, char *err, size_t errlen)
{
	int	fd, on = 1;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    ai->ai_protocol);
	if (fd == -1) {
		(void)snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) == -1 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) == -1 ||
	    listen(fd, 1024) == -1) {
		(void)snprintf(err, errlen, "%s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int
listener_open(const char *spec, int n, int *fds, char *err, size_t errlen)
{
	struct addrinfo	 hints, *res;
	char		*host, *port;
	int		 i, rc;

	if (split_spec(spec, &host, &port) == -1) {
		(void)snprintf(err, errlen, "listen \"%s\": expected HOST:PORT", spec);
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(host[0] != '\0' ? host : NULL, port, &hints, &res);
	free(host);
	free(port);
	if (rc != 0) {
		(void)snprintf(err, errlen, "listen \"%s\": %s", spec, gai_strerror(rc));
		return -1;
	}
	for (i = 0; i < n; i++) {
		if ((fds[i] = open_one(res, err, errlen)) == -1) {
			while (i-- > 0)
				close(fds[i]);
			freeaddrinfo(res);
			return -1;
		}
	}
	freeaddrinfo(res);
	return 0;
}
