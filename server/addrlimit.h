/* Connections per peer address, counted across every loop thread. */
#ifndef SCCD_ADDRLIMIT_H
#define SCCD_ADDRLIMIT_H

struct addrlimit;

struct addrlimit	*addrlimit_new(void);
void			 addrlimit_free(struct addrlimit *);
/* Take a slot for addr; -1 when it already holds max. */
int			 addrlimit_take(struct addrlimit *, const char *addr, long max);
void			 addrlimit_give(struct addrlimit *, const char *addr);

#endif
