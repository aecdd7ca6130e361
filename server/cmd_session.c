/*
 * LOGIN, RESUME, PASSWORD and LOGOUT: the commands that need more than one
 * statement, or a password hash computed off the loop. Each step runs as a
 * callback on the connection's own loop thread.
 *
 * LOGIN:    login_begin (admission: a locked account or address is refused,
 *           else a failure is counted before any hashing, so parallel
 *           guesses cannot slip past the limit together) -> a penalty delay
 *           on a timer when the address failed recently -> hash pool
 *           (verify, or burn the same time on a dummy for unknown users;
 *           sources with recent failures queue behind the rest) ->
 *           login_finish (session, taking the count back, or failure)
 * PASSWORD: password_begin (admission, counted as for LOGIN) -> hash pool
 *           (verify old, hash new) -> password_set (taking the count back),
 *           password_failed (audit) or password_abandon (take it back)
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include <sodium.h>

#include "conn.h"
#include "db.h"
#include "dispatch.h"
#include "hashpool.h"
#include "log.h"
#include "loop.h"
#include "request.h"
#include "serve.h"

#define PASSWORD_MIN	8

struct session_op {
	struct request	*req;
	char		*login;
	char		*password;	/* until the hash job takes a copy */
	char		*newpass;
	char		*stored;	/* the hash to verify against, while delayed */
	struct event	*penalty;	/* a failing source waits here, not in the queue */
	int		 addr_failures;
	bool		 addr_known;	/* someone logged in from it lately */
	uint8_t		 token[SCP_TOKEN_RAW];
	uint8_t		 token_hash[crypto_hash_sha256_BYTES];
};

static struct session_op *
op_new(struct request *req)
{
	struct session_op	*op;

	if ((op = calloc(1, sizeof(*op))) == NULL) {
		request_internal(req, "out of memory");
		return NULL;
	}
	op->req = req;
	req->state = op;
	return op;
}

static void
wipe_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

static void
op_free(struct session_op *op)
{
	op->req->state = NULL;
	free(op->login);
	wipe_free(op->password);
	wipe_free(op->newpass);
	wipe_free(op->stored);
	if (op->penalty != NULL)
		event_free(op->penalty);
	explicit_bzero(op, sizeof(*op));
	free(op);
}

/*
 * The op is done: free it and hand back its request, to be answered
 * (request_complete, request_internal, ...) or ended.
 */
static struct request *
op_release(struct session_op *op)
{
	struct request	*req = op->req;

	op_free(op);
	return req;
}

static void
op_answer(struct session_op *op, enum scp_status st, enum scp_code code,
    const char *args, const char *text)
{
	request_complete(op_release(op), st, code, args, text);
}

static void
op_fail(struct session_op *op, enum scp_code code, const char *text)
{
	op_answer(op, SCP_NO, code, NULL, text);
}

/* NO [INTERNAL id], with what happened logged under the id. */
static void
op_internal(struct session_op *op, const char *what)
{
	request_internal(op_release(op), what);
}

/* Nobody is left to answer: let everything go. */
static void
op_drop(struct session_op *op)
{
	request_end(op_release(op));
}

static struct conn *
op_conn(const struct session_op *op)
{
	return op->req->c;
}

/* Queue a statement; its callback always comes later, from the loop. */
static void
op_query(struct session_op *op, int stmt, int n, const char *const *vals,
    const int *lens, const int *fmts, db_cb cb)
{
	if (db_query(op_conn(op)->loop->db, stmt, n, vals, lens, fmts, cb,
	    op) == -1)
		op_internal(op, "out of memory");
}

/* Common head of every db callback: false when the op is finished. */
static bool
op_usable(struct session_op *op, enum db_status st, const PGresult *res)
{
	if (!request_alive(op->req)) {
		op_drop(op);
		return false;
	}
	if (st == DB_UNAVAILABLE) {
		request_unavailable(op_release(op));
		return false;
	}
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		request_sql_error(op_release(op), res);
		return false;
	}
	return true;
}

/*
 * The connection went away. Work in the database or the hash pool comes
 * back on its own and ends the request; a penalty delay is cut short.
 */
void
cmd_session_abort(struct request *req)
{
	struct session_op	*op = req->state;

	if (op != NULL && op->penalty != NULL &&
	    evtimer_pending(op->penalty, NULL))
		event_active(op->penalty, EV_TIMEOUT, 0);
}

/* Hand the op's password (and new password) to the hash pool. */
static void
op_hash(struct session_op *op, const char *stored, enum hash_class class,
    void (*done)(struct hash_job *))
{
	struct hash_job	*job;

	if ((job = calloc(1, sizeof(*job))) == NULL ||
	    (stored != NULL && (job->stored = strdup(stored)) == NULL)) {
		hash_job_free(job);
		op_internal(op, "out of memory");
		return;
	}
	job->password = op->password;
	job->newpass = op->newpass;
	op->password = op->newpass = NULL;
	job->loop = op_conn(op)->loop;
	job->done = done;
	job->arg = op;
	job->class = class;
	/* From here the pool owns the job until it hands it back to done(). */
	if (hashpool_submit(job->loop->srv->hashpool, job) == -1) {
		hash_job_free(job);
		op_fail(op, SCP_CODE_LIMIT, "too many logins at once; retry shortly");
	}
}

static void
session_adopt(struct conn *c, const uint8_t hash[32], const char *login,
    const char *role)
{
	char	*copy = strdup(login);

	c->authed = true;
	c->role = scp_role_from_name(role);
	memcpy(c->token_hash, hash, sizeof(c->token_hash));
	free(c->login);
	c->login = copy;	/* only for logs: NULL is fine */
}

/* The throttle settings, as the api functions take them. */
struct throttle_args {
	char	max_account[24], max_address[24], window[24], lockout[24];
};

static void
throttle_args(const struct config *cfg, struct throttle_args *t)
{
	(void)snprintf(t->max_account, sizeof(t->max_account), "%lld",
	    (long long)cfg->login_max_failures);
	(void)snprintf(t->max_address, sizeof(t->max_address), "%lld",
	    (long long)cfg->login_max_address);
	(void)snprintf(t->window, sizeof(t->window), "%lld",
	    (long long)cfg->login_window);
	(void)snprintf(t->lockout, sizeof(t->lockout), "%lld",
	    (long long)cfg->login_lockout);
}

/* ---- LOGIN ---- */

static void
login_finished(void *arg, enum db_status st, const PGresult *res)
{
	struct session_op	*op = arg;
	struct conn		*c;
	struct scp_buf		*b;
	char			 tok[SCP_TOKEN_LEN + 1], text[300];
	const char		*rec;

	if (!op_usable(op, st, res))
		return;
	c = op_conn(op);
	rec = PQntuples(res) == 1 && PQnfields(res) >= 5 ?
	    PQgetvalue(res, 0, 0) : "";
	if (strcmp(rec, "INTERNAL") == 0) {
		op_internal(op, "could not check the password");
		return;
	}
	if (strcmp(rec, "SESSION") != 0) {
		log_info("conn %llu: login failed for a user from %s",
		    (unsigned long long)c->id, c->addr);
		op_fail(op, SCP_CODE_AUTHFAILED, "wrong user or password");
		return;
	}
	scp_token_encode(op->token, tok);
	b = conn_scratch(c);
	if (scp_put_data(b, "SESSION") == -1 ||
	    scp_put_fieldstr(b, "token", tok) == -1 ||
	    scp_put_fieldstr(b, "expires", PQgetvalue(res, 0, 4)) == -1 ||
	    scp_put_end(b) == -1) {
		explicit_bzero(tok, sizeof(tok));
		op_internal(op, "out of memory");
		return;
	}
	explicit_bzero(tok, sizeof(tok));
	conn_send_secret(c, b);
	session_adopt(c, op->token_hash, PQgetvalue(res, 0, 1),
	    PQgetvalue(res, 0, 3));
	(void)snprintf(text, sizeof(text), "welcome, %s", PQgetvalue(res, 0, 2));
	op_answer(op, SCP_OK, SCP_CODE_ROLE, PQgetvalue(res, 0, 3), text);
}

static void
login_verified(struct hash_job *job)
{
	struct session_op	*op = job->arg;
	const struct config	*cfg;
	struct throttle_args	 t;
	char			 idle[24], abs[24];
	const char		*vals[10];
	int			 lens[10] = { 0 }, fmts[10] = { 0 };

	if (!request_alive(op->req) || job->result == HASH_CANCELLED) {
		hash_job_free(job);
		op_drop(op);
		return;
	}
	cfg = op_conn(op)->loop->cfg;
	if (job->result == HASH_MATCH) {
		randombytes_buf(op->token, sizeof(op->token));
		crypto_hash_sha256(op->token_hash, op->token, sizeof(op->token));
	}
	(void)snprintf(idle, sizeof(idle), "%lld", (long long)cfg->session_idle);
	(void)snprintf(abs, sizeof(abs), "%lld", (long long)cfg->session_absolute);
	throttle_args(cfg, &t);
	vals[0] = op->login;
	vals[1] = op_conn(op)->addr;
	/* NULL: the check itself failed, which is no failed login. */
	vals[2] = job->result == HASH_ERROR ? NULL :
	    job->result == HASH_MATCH ? "true" : "false";
	vals[3] = job->result == HASH_MATCH ? (const char *)op->token_hash : NULL;
	lens[3] = sizeof(op->token_hash);
	fmts[3] = 1;
	vals[4] = idle; vals[5] = abs; vals[6] = t.max_account;
	vals[7] = t.max_address; vals[8] = t.window; vals[9] = t.lockout;
	hash_job_free(job);
	op_query(op, STMT_LOGIN_FINISH, 10, vals, lens, fmts, login_finished);
}

/* A source with recent failures waits its penalty on a timer, then queues. */
static void
login_penalty_over(evutil_socket_t fd, short what, void *arg)
{
	struct session_op	*op = arg;
	char			*stored = op->stored;

	(void)fd;
	(void)what;
	if (!request_alive(op->req)) {
		op_drop(op);
		return;
	}
	op->stored = NULL;
	op_hash(op, stored, HASH_PENALISED, login_verified);
	wipe_free(stored);
}

/*
 * Doubling from login_penalty with each recent failure of the address, as
 * Dovecot's auth penalty does: guessing gets slow for the guesser without
 * costing anybody else CPU or a place in the hashing queue.
 */
static long
login_penalty_ms(const struct config *cfg, int failures)
{
	long	ms = (long)cfg->login_penalty, max = (long)cfg->login_penalty_max;

	if (failures <= 0 || ms <= 0)
		return 0;
	while (--failures > 0 && ms < max)
		ms *= 2;
	return ms < max ? ms : max;
}

static void
login_begun(void *arg, enum db_status st, const PGresult *res)
{
	struct session_op	*op = arg;
	const char		*stored = NULL, *errstr;
	struct timeval		 tv;
	long			 ms;

	if (!op_usable(op, st, res))
		return;
	if (PQntuples(res) != 1 || PQnfields(res) < 4) {
		op_internal(op, "unexpected answer from the database");
		return;
	}
	if (!PQgetisnull(res, 0, 0))
		stored = PQgetvalue(res, 0, 0);
	if (strcmp(PQgetvalue(res, 0, 1), "0") != 0) {
		op_answer(op, SCP_NO, SCP_CODE_LOCKED, PQgetvalue(res, 0, 1),
		    "too many failed logins; retry later");
		return;
	}
	op->addr_failures = (int)strtonum(PQgetvalue(res, 0, 2), 0, INT_MAX,
	    &errstr);
	if (errstr != NULL)
		op->addr_failures = INT_MAX;
	op->addr_known = strcmp(PQgetvalue(res, 0, 3), "t") == 0;
	if ((ms = login_penalty_ms(op_conn(op)->loop->cfg,
	    op->addr_failures)) == 0) {
		op_hash(op, stored, op->addr_failures > 0 ? HASH_PENALISED :
		    op->addr_known ? HASH_FAMILIAR : HASH_NEW, login_verified);
		return;
	}
	if ((stored != NULL && (op->stored = strdup(stored)) == NULL) ||
	    (op->penalty = evtimer_new(op_conn(op)->loop->base,
	    login_penalty_over, op)) == NULL) {
		op_internal(op, "out of memory");
		return;
	}
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	if (evtimer_add(op->penalty, &tv) == -1)
		op_internal(op, "cannot arm a timer");
}

void
cmd_login(struct request *req)
{
	const struct config	*cfg = req->c->loop->cfg;
	struct session_op	*op;
	struct throttle_args	 t;
	const char		*vals[6];

	if ((op = op_new(req)) == NULL)
		return;
	if ((op->login = strdup(req->args[0]->value)) == NULL ||
	    (op->password = strdup(req->args[1]->value)) == NULL) {
		op_internal(op, "out of memory");
		return;
	}
	throttle_args(cfg, &t);
	vals[0] = op->login;
	vals[1] = req->c->addr;
	vals[2] = t.max_account;
	vals[3] = t.max_address;
	vals[4] = t.window;
	vals[5] = t.lockout;
	op_query(op, STMT_LOGIN_BEGIN, 6, vals, NULL, NULL, login_begun);
}

/* ---- RESUME ---- */

/* True when an api function refused with one of our codes. */
static bool
refused_by_api(const PGresult *res)
{
	const char	*state;

	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		return false;
	state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	return state != NULL && scp_code_from_sqlstate(state) != SCP_CODE_NONE;
}

static void
resume_done(void *arg, enum db_status st, const PGresult *res)
{
	struct session_op	*op = arg;

	/*
	 * A token that is no good is answered without touching the session
	 * this connection may already hold: after NO nothing has changed.
	 */
	if (request_alive(op->req) && st == DB_OK && refused_by_api(res)) {
		op_fail(op, SCP_CODE_EXPIRED, "session expired; log in again");
		return;
	}
	if (!op_usable(op, st, res))
		return;
	if (PQntuples(res) != 1 || PQnfields(res) < 4) {
		op_fail(op, SCP_CODE_EXPIRED, "session expired; log in again");
		return;
	}
	session_adopt(op_conn(op), op->token_hash, PQgetvalue(res, 0, 1),
	    PQgetvalue(res, 0, 3));
	op_answer(op, SCP_OK, SCP_CODE_ROLE, PQgetvalue(res, 0, 3), "resumed");
}

void
cmd_resume(struct request *req)
{
	struct session_op	*op;
	const char		*vals[1];
	int			 lens[1], fmts[1] = { 1 };

	if ((op = op_new(req)) == NULL)
		return;
	if (scp_token_decode(req->args[0]->value, op->token) == -1) {
		op_fail(op, SCP_CODE_EXPIRED, "session expired; log in again");
		return;
	}
	crypto_hash_sha256(op->token_hash, op->token, sizeof(op->token));
	vals[0] = (const char *)op->token_hash;
	lens[0] = sizeof(op->token_hash);
	op_query(op, STMT_SESSION_RESUME, 1, vals, lens, fmts, resume_done);
}

/* ---- PASSWORD ---- */

static void
password_set_done(void *arg, enum db_status st, const PGresult *res)
{
	struct session_op	*op = arg;

	if (!op_usable(op, st, res))
		return;
	log_info("conn %llu: password changed",
	    (unsigned long long)op_conn(op)->id);
	op_answer(op, SCP_OK, SCP_CODE_NONE, NULL,
	    "password changed; your other sessions have ended");
}

static void
password_failure_counted(void *arg, enum db_status st, const PGresult *res)
{
	struct session_op	*op = arg;

	if (!op_usable(op, st, res))
		return;
	op_fail(op, SCP_CODE_AUTHFAILED, "the old password is wrong");
}

/*
 * A wrong old password counts against the account like a failed login
 * (password_begin counted it when it admitted it); this audits it.
 */
static void
password_count_failure(struct session_op *op)
{
	struct conn		*c = op_conn(op);
	struct throttle_args	 t;
	const char		*vals[6];
	int			 lens[6] = { sizeof(c->token_hash) };
	int			 fmts[6] = { 1 };

	throttle_args(c->loop->cfg, &t);
	vals[0] = (const char *)c->token_hash;
	vals[1] = c->addr;
	vals[2] = t.max_account;
	vals[3] = t.max_address;
	vals[4] = t.window;
	vals[5] = t.lockout;
	op_query(op, STMT_PASSWORD_FAILED, 6, vals, lens, fmts,
	    password_failure_counted);
}

/* The old password could not be checked: its guess is taken back. */
static void
password_abandoned(void *arg, enum db_status st, const PGresult *res)
{
	struct session_op	*op = arg;

	if (!op_usable(op, st, res))
		return;
	op_internal(op, "could not check the password");
}

static void
password_verified(struct hash_job *job)
{
	struct session_op	*op = job->arg;
	struct conn		*c;
	const char		*vals[3];
	int			 lens[3] = { sizeof(op->token_hash), 0, 0 };
	int			 fmts[3] = { 1, 0, 0 };
	enum hash_result	 result = job->result;

	if (!request_alive(op->req) || result == HASH_CANCELLED) {
		hash_job_free(job);
		op_drop(op);
		return;
	}
	c = op_conn(op);
	vals[0] = (const char *)c->token_hash;
	if (result == HASH_MATCH) {
		vals[1] = job->newhash;
		vals[2] = c->addr;
		op_query(op, STMT_PASSWORD_SET, 3, vals, lens, fmts,
		    password_set_done);
	} else if (result == HASH_ERROR) {
		vals[1] = c->addr;
		op_query(op, STMT_PASSWORD_ABANDON, 2, vals, lens, fmts,
		    password_abandoned);
	} else
		password_count_failure(op);
	hash_job_free(job);
}

static void
password_begun(void *arg, enum db_status st, const PGresult *res)
{
	struct session_op	*op = arg;

	if (!op_usable(op, st, res))
		return;
	if (PQntuples(res) != 1 || PQnfields(res) < 2 || PQgetisnull(res, 0, 0)) {
		op_fail(op, SCP_CODE_EXPIRED, "session expired; log in again");
		return;
	}
	if (strcmp(PQgetvalue(res, 0, 1), "0") != 0) {
		op_answer(op, SCP_NO, SCP_CODE_LOCKED, PQgetvalue(res, 0, 1),
		    "too many failed attempts; retry later");
		return;
	}
	/* A session proves the address is in use by its user. */
	op_hash(op, PQgetvalue(res, 0, 0), HASH_FAMILIAR, password_verified);
}

void
cmd_password(struct request *req)
{
	struct conn		*c = req->c;
	struct session_op	*op;
	struct throttle_args	 t;
	const char		*vals[6];
	int			 lens[6] = { sizeof(c->token_hash) }, fmts[6] = { 1 };

	if (strlen(req->args[1]->value) < PASSWORD_MIN) {
		request_complete(req, SCP_NO, SCP_CODE_INVALID, "new",
		    "a password needs at least 8 characters");
		return;
	}
	if ((op = op_new(req)) == NULL)
		return;
	if ((op->password = strdup(req->args[0]->value)) == NULL ||
	    (op->newpass = strdup(req->args[1]->value)) == NULL) {
		op_internal(op, "out of memory");
		return;
	}
	throttle_args(c->loop->cfg, &t);
	vals[0] = (const char *)c->token_hash;
	vals[1] = c->addr;
	vals[2] = t.max_account;
	vals[3] = t.max_address;
	vals[4] = t.window;
	vals[5] = t.lockout;
	op_query(op, STMT_PASSWORD_BEGIN, 6, vals, lens, fmts, password_begun);
}

/* ---- LOGOUT ---- */

static void
logout_bye(struct request *req)
{
	struct conn	*c = req->c;
	struct scp_buf	*b = conn_scratch(c);

	conn_forget_session(c);
	if (scp_put_bye(b, SCP_CODE_NONE, "logging out") == -1) {
		request_internal(req, "out of memory");
		return;
	}
	conn_send(c, b);
	c->quit = true;		/* nothing after this request is read */
	request_ok(req);
}

static void
logout_done(void *arg, enum db_status st, const PGresult *res)
{
	struct session_op	*op = arg;

	if (!op_usable(op, st, res))
		return;
	logout_bye(op_release(op));
}

void
cmd_logout(struct request *req)
{
	struct conn		*c = req->c;
	struct session_op	*op;
	const char		*vals[2];
	int			 lens[2] = { sizeof(c->token_hash), 0 };
	int			 fmts[2] = { 1, 0 };

	if (!c->authed) {
		logout_bye(req);
		return;
	}
	if ((op = op_new(req)) == NULL)
		return;
	vals[0] = (const char *)c->token_hash;
	vals[1] = req->args[0] != NULL ? "true" : "false";
	op_query(op, STMT_LOGOUT, 2, vals, lens, fmts, logout_done);
}
