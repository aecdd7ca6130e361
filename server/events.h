/* The instance's listener: events and ended sessions, to every loop. */
#ifndef SCCD_EVENTS_H
#define SCCD_EVENTS_H

struct config;
struct event_base;
struct events;
struct server;

/* On the main thread's base, once the loops run. NULL: out of memory. */
struct events	*events_start(struct server *, struct event_base *,
		    const struct config *);
/* Before the loops stop: nothing is posted to them after this. */
void		 events_stop(struct events *);

#endif
