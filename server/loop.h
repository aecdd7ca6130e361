/*
 * One loop thread: an event base, its own listening socket (SO_REUSEPORT),
 * its connections and its own database connections. Nothing here is shared
 * with another loop, so the request path takes no locks. Other threads talk
 * to a loop only through loop_post().
 */
#ifndef SCCD_LOOP_H
#define SCCD_LOOP_H

#include <sys/queue.h>
#include <pthread.h>
#include <stdbool.h>

#include <openssl/ssl.h>

#include "config.h"
#include "scp.h"

struct conn;
struct db_pool;
struct event;
struct event_base;
struct server;

struct loop;

struct loop_msg {
	STAILQ_ENTRY(loop_msg)	 entry;
	void			(*fn)(struct loop *, void *);
	void			*arg;
	bool			 allocated;	/* by loop_post(), freed after fn */
};

struct loop {
	int			 id;
	pthread_t		 thread;
	struct server		*srv;
	struct event_base	*base;
	struct config		*cfg;		/* this loop's copy; swapped on reload */
	SSL_CTX			*tls;		/* this loop's reference */
	int			 listen_fd;
	struct event		*accept_ev;
	struct event		*accept_pause;	/* after EMFILE */
	struct db_pool		*db;
	struct watch_bucket	*watchers;	/* watch.c: watching conns by user */
	TAILQ_HEAD(, conn)	 conns;
	int			 nconns;
	int			 draining;
	struct event		*drain_deadline;
	char			*rbuf;		/* one read buffer for all connections */
	size_t			 rbufsz;
	struct scp_buf		 out;		/* scratch for composing responses */
	pthread_mutex_t		 mbox_lock;
	STAILQ_HEAD(, loop_msg)	 mbox;
	struct event		*mbox_ev;
};

int	loop_init(struct loop *, struct server *, int id, int listen_fd,
	    const struct config *, SSL_CTX *);
int	loop_start(struct loop *);
void	loop_join(struct loop *);
void	loop_free(struct loop *);
/*
 * Run fn(loop, arg) on the loop's thread soon. Safe from any thread. -1
 * when out of memory: the caller still owns arg.
 */
int	loop_post(struct loop *, void (*fn)(struct loop *, void *), void *);
/* The same with storage the caller provides until fn runs: cannot fail. */
void	loop_post_msg(struct loop *, struct loop_msg *,
	    void (*fn)(struct loop *, void *), void *);
/* On the loop's thread: stop accepting, finish in-flight work, then exit. */
void	loop_drain(struct loop *);
/* Stop at once (a second SIGTERM): the drain is cut short. Any thread. */
void	loop_stop_now(struct loop *);
/* After the loop's thread and the hash pool have stopped: end what is left. */
void	loop_teardown(struct loop *);
/* A connection of this loop went away; exit if draining and none left. */
void	loop_conn_gone(struct loop *);

#endif
