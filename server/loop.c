/*
 * Loop threads. Each owns an event base, a listening socket, its
 * connections and a database pool; the only way in from another thread is
 * the mailbox below.
 */
#include <sys/socket.h>
#include <stdatomic.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "conn.h"
#include "db.h"
#include "log.h"
#include "loop.h"
#include "serve.h"
#include "watch.h"

#define LOOP_RBUF	(16 * 1024)
#define ACCEPT_BATCH	64	/* per wakeup, so one burst cannot starve the rest */
#define DRAIN_SECONDS	30

static void
loop_mbox_run(evutil_socket_t fd, short what, void *arg)
{
	struct loop		*loop = arg;
	struct loop_msg		*msg;
	STAILQ_HEAD(, loop_msg)	 todo;

	(void)fd;
	(void)what;
	STAILQ_INIT(&todo);
	pthread_mutex_lock(&loop->mbox_lock);
	STAILQ_CONCAT(&todo, &loop->mbox);
	pthread_mutex_unlock(&loop->mbox_lock);
	while ((msg = STAILQ_FIRST(&todo)) != NULL) {
		bool	allocated = msg->allocated;

		STAILQ_REMOVE_HEAD(&todo, entry);
		/* fn may free storage the message lives in. */
		msg->fn(loop, msg->arg);
		if (allocated)
			free(msg);
	}
}

void
loop_post_msg(struct loop *loop, struct loop_msg *msg,
    void (*fn)(struct loop *, void *), void *arg)
{
	msg->fn = fn;
	msg->arg = arg;
	pthread_mutex_lock(&loop->mbox_lock);
	STAILQ_INSERT_TAIL(&loop->mbox, msg, entry);
	pthread_mutex_unlock(&loop->mbox_lock);
	event_active(loop->mbox_ev, EV_READ, 0);
}

int
loop_post(struct loop *loop, void (*fn)(struct loop *, void *), void *arg)
{
	struct loop_msg	*msg;

	if ((msg = malloc(sizeof(*msg))) == NULL)
		return -1;
	msg->allocated = true;
	loop_post_msg(loop, msg, fn, arg);
	return 0;
}

static void
loop_accept_resume(evutil_socket_t fd, short what, void *arg)
{
	struct loop	*loop = arg;

	(void)fd;
	(void)what;
	if (!loop->draining && event_add(loop->accept_ev, NULL) == -1)
		log_warnx("loop %d: cannot resume accepting", loop->id);
}

/* Out of descriptors: stop accepting for a moment instead of spinning. */
static void
loop_accept_pause(struct loop *loop)
{
	struct timeval	tv = { 1, 0 };

	log_warn("loop %d: accept paused", loop->id);
	event_del(loop->accept_ev);
	if (event_add(loop->accept_pause, &tv) == -1)
		log_warnx("loop %d: cannot arm the accept pause", loop->id);
}

static void
loop_on_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct loop		*loop = arg;
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	int			 fd, i;

	(void)what;
	for (i = 0; i < ACCEPT_BATCH; i++) {
		len = sizeof(ss);
		fd = accept4(lfd, (struct sockaddr *)&ss, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM)
				loop_accept_pause(loop);
			else if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				log_warn("loop %d: accept", loop->id);
			return;
		}
		conn_accept(loop, fd, (struct sockaddr *)&ss, len);
	}
}

int
loop_init(struct loop *loop, struct server *srv, int id, int listen_fd,
    const struct config *cfg, SSL_CTX *tls)
{
	memset(loop, 0, sizeof(*loop));
	loop->id = id;
	loop->srv = srv;
	loop->listen_fd = listen_fd;
	TAILQ_INIT(&loop->conns);
	STAILQ_INIT(&loop->mbox);
	if (pthread_mutex_init(&loop->mbox_lock, NULL) != 0)
		return -1;
	if ((loop->cfg = calloc(1, sizeof(*loop->cfg))) == NULL ||
	    config_copy(loop->cfg, cfg) == -1)
		return -1;
	if (SSL_CTX_up_ref(tls) != 1)
		return -1;
	loop->tls = tls;
	loop->rbufsz = LOOP_RBUF;
	if ((loop->rbuf = malloc(loop->rbufsz)) == NULL ||
	    (loop->base = event_base_new()) == NULL)
		return -1;
	loop->mbox_ev = event_new(loop->base, -1, EV_PERSIST, loop_mbox_run, loop);
	loop->accept_ev = event_new(loop->base, listen_fd, EV_READ | EV_PERSIST,
	    loop_on_accept, loop);
	loop->accept_pause = evtimer_new(loop->base, loop_accept_resume, loop);
	if (loop->mbox_ev == NULL || loop->accept_ev == NULL ||
	    loop->accept_pause == NULL || event_add(loop->mbox_ev, NULL) == -1 ||
	    event_add(loop->accept_ev, NULL) == -1)
		return -1;
	loop->db = db_pool_new(loop->base, &srv->dbparams, (int)cfg->db_pool,
	    srv->stmts, srv->nstmts);
	if (loop->db == NULL || watch_table_new(loop) == -1)
		return -1;
	return 0;
}

static void *
loop_main(void *arg)
{
	struct loop	*loop = arg;

	if (event_base_dispatch(loop->base) == -1)
		log_warnx("loop %d: event loop failed", loop->id);
	/* Tell the main thread, which waits for every loop before it tidies up. */
	atomic_fetch_add(&loop->srv->loops_exited, 1);
	if (loop->srv->loop_exited != NULL)
		event_active(loop->srv->loop_exited, EV_READ, 0);
	return NULL;
}

int
loop_start(struct loop *loop)
{
	return pthread_create(&loop->thread, NULL, loop_main, loop) == 0 ? 0 : -1;
}

void
loop_join(struct loop *loop)
{
	pthread_join(loop->thread, NULL);
}

static void
loop_drain_expired(evutil_socket_t fd, short what, void *arg)
{
	struct loop	*loop = arg;

	(void)fd;
	(void)what;
	log_warnx("loop %d: %d connections still busy after %d s; leaving",
	    loop->id, loop->nconns, DRAIN_SECONDS);
	event_base_loopbreak(loop->base);
}

void
loop_drain(struct loop *loop)
{
	struct conn	*c, *next;
	struct timeval	 tv = { DRAIN_SECONDS, 0 };

	loop->draining = 1;
	event_del(loop->accept_ev);
	event_del(loop->accept_pause);
	if (loop->listen_fd != -1) {
		close(loop->listen_fd);
		loop->listen_fd = -1;
	}
	TAILQ_FOREACH_SAFE(c, &loop->conns, entry, next)
		conn_begin_drain(c);
	loop->drain_deadline = evtimer_new(loop->base, loop_drain_expired, loop);
	if (loop->drain_deadline == NULL ||
	    evtimer_add(loop->drain_deadline, &tv) == -1)
		log_warnx("loop %d: no drain deadline", loop->id);
	loop_conn_gone(loop);
}

void
loop_conn_gone(struct loop *loop)
{
	if (loop->draining && loop->nconns == 0)
		event_base_loopexit(loop->base, NULL);
}

void
loop_stop_now(struct loop *loop)
{
	event_base_loopbreak(loop->base);
}

/*
 * After the thread has stopped (and the hash pool too, so nothing posts
 * any more): end what was still in flight. Connections are closed, which
 * aborts their requests; results waiting in the mailbox, timers cut short
 * and the database pool's answers then run their callbacks here, on the
 * caller's thread, so every request ends and lets go of its connection.
 */
void
loop_teardown(struct loop *loop)
{
	struct conn	*c, *next;
	int		 i;

	TAILQ_FOREACH_SAFE(c, &loop->conns, entry, next) {
		conn_hold(c);
		conn_close(c, "server stopped");
		conn_release(c);
	}
	for (i = 0; i < 100 && event_base_loop(loop->base, EVLOOP_NONBLOCK) == 0;
	    i++)
		;
	db_pool_free(loop->db);
	loop->db = NULL;
	TAILQ_FOREACH_SAFE(c, &loop->conns, entry, next) {
		log_warnx("loop %d: conn %llu still held at exit", loop->id,
		    (unsigned long long)c->id);
	}
}

void
loop_free(struct loop *loop)
{
	struct loop_msg	*msg;

	if (loop->drain_deadline != NULL)
		event_free(loop->drain_deadline);
	if (loop->accept_pause != NULL)
		event_free(loop->accept_pause);
	if (loop->accept_ev != NULL)
		event_free(loop->accept_ev);
	if (loop->mbox_ev != NULL)
		event_free(loop->mbox_ev);
	while ((msg = STAILQ_FIRST(&loop->mbox)) != NULL) {
		STAILQ_REMOVE_HEAD(&loop->mbox, entry);
		if (msg->allocated)
			free(msg);
	}
	db_pool_free(loop->db);
	watch_table_free(loop);
	if (loop->base != NULL)
		event_base_free(loop->base);
	if (loop->listen_fd != -1)
		close(loop->listen_fd);
	if (loop->cfg != NULL)
		config_free(loop->cfg);
	free(loop->cfg);
	SSL_CTX_free(loop->tls);
	scp_buf_free(&loop->out);
	free(loop->rbuf);
	pthread_mutex_destroy(&loop->mbox_lock);
}
