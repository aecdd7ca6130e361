/*
 * WATCH on: the events missed since the user last watched, as the answer's
 * own records, page by page; then the connection joins its loop's table of
 * watchers and later events are pushed between answers (watch.c). WATCH
 * off leaves the table. Neither changes anything in the database but the
 * user's cursor.
 */
#include <string.h>
#include <strings.h>

#include "conn.h"
#include "db.h"
#include "dispatch.h"
#include "request.h"
#include "watch.h"

static void	watch_read(struct request *, int64_t after);

static void
watch_read_done(void *arg, enum db_status st, const PGresult *res)
{
	struct request	*req = arg;
	struct conn	*c = req->c;
	struct scp_buf	*b;
	int64_t		 last, user;
	bool		 more;

	if (!request_rows(req, st, res))
		return;
	b = conn_scratch(c);
	if (watch_put_events(b, res, 0, &last, &more, &user) == -1) {
		scp_buf_reset(b);
		request_internal(req, "events could not be written");
		return;
	}
	conn_send(c, b);
	if (more) {
		watch_read(req, last);
		return;
	}
	watch_start(c, user, last);
	request_ok(req);
}

/* after < 0: from the user's cursor. */
static void
watch_read(struct request *req, int64_t after)
{
	/* The answer carries them: the cursor moves now. */
	if (watch_query(req->c, after, true, watch_read_done, req) == -1)
		request_internal(req, "out of memory");
}

void
cmd_watch(struct request *req)
{
	struct conn	*c = req->c;

	if (strcasecmp(req->args[0]->value, "off") == 0) {
		watch_stop(c);
		request_complete(req, SCP_OK, SCP_CODE_NONE, NULL,
		    "not watching");
		return;
	}
	if (watch_on(c)) {
		request_complete(req, SCP_OK, SCP_CODE_NONE, NULL,
		    "already watching");
		return;
	}
	watch_read(req, -1);
}
