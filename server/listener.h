/* Listening sockets: one per loop thread on the same port (SO_REUSEPORT). */
#ifndef SCCD_LISTENER_H
#define SCCD_LISTENER_H

#include <stddef.h>

/* Open n sockets bound to "host:port" ("[::1]:7144" for IPv6). */
int	listener_open(const char *spec, int n, int *fds, char *err, size_t errlen);

#endif
