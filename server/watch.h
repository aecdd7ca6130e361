/*
 * WATCH: events pushed to a connection between answers, never inside one.
 *
 * Each loop keeps the connections that watch in a table by user. A
 * notification (events.c) only wakes a connection; the connection then
 * reads its user's events after the last one it was sent, through
 * api.events_after with its own session, so what is sent is decided by
 * the database as for any command: the session must still be valid and
 * the user must still see each event's school. A user's events commit in
 * the order of their ids (see sql/015_events.sql), so "after the last one
 * sent" loses nothing and repeats nothing.
 *
 * At most one read is in flight per connection; wakes meanwhile set
 * "again". The user's cursor moves (api.events_seen) only once events are
 * written, so those read for a connection that then went away come again
 * at the next WATCH on. Events read while an answer is being carried out wait in the
 * connection's held buffer (one page at most) until the answer is done. A
 * client that stops reading is dropped once its unsent output passes
 * watch_backlog: events are never queued for it without end.
 */
#ifndef SCCD_WATCH_H
#define SCCD_WATCH_H

#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "db.h"

#include "scp.h"

struct conn;
struct loop;

/* Events read per call of api.events_after. */
#define WATCH_PAGE	256

int	watch_table_new(struct loop *);
void	watch_table_free(struct loop *);

/* Start pushing user's events after last; then read once more at once. */
void	watch_start(struct conn *, int64_t user, int64_t last);
void	watch_stop(struct conn *);
bool	watch_on(const struct conn *);
/* The connection is between answers: send what is held, read if woken. */
void	watch_between(struct conn *);

/* On the loop's thread: user has a new event id. */
void	watch_wake(struct loop *, int64_t user, int64_t id);
/* Every watcher reads again (notifications may have been missed). */
void	watch_wake_all(struct loop *);

/*
 * Ask api.events_after for the connection's user's next page of events
 * after the id given (< 0: from the user's cursor); advance moves the
 * cursor past them at once. -1: no memory, cb is not called.
 */
int	watch_query(struct conn *, int64_t after, bool advance, db_cb,
	    void *arg);

/*
 * The rows of api.events_after as EVENT records, appended to b, leaving
 * out any up to skip (already sent). The last row says where the next
 * read starts (*last), whether the page was full (*more) and whose events
 * they are (*user). -1: no memory, or rows not shaped as expected.
 */
int	watch_put_events(struct scp_buf *b, const PGresult *, int64_t skip,
	    int64_t *last, bool *more, int64_t *user);

#endif
