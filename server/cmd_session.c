/*
 * LOGIN, RESUME, PASSWORD and LOGOUT: the commands that need more than one
 * statement, or a password hash computed off the loop. Each step runs as a
 * callback on the connection's own loop thread.
 *
 * LOGIN:    login_begin (throttle, stored hash) -> hash pool (verify, or
 *           burn the same time on a dummy for unknown users) -> login_finish
 *           (session or recorded failure)
 * PASSWORD: password_begin -> hash pool (verify old, hash new) -> password_set
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "conn.h"
#include "db.h"
#include "dispatch.h"
#include "hashpool.h"
#include "log.h"
#include "loop.h"
#include "serve.h"

#define PASSWORD_MIN	8

struct session_op {
	struct conn	*c;
	char		*login;
	char		*password;	/* until the hash job takes a copy */
	char		*newpass;
	struct hash_job	*job;
	uint8_t		 token[SCP_TOKEN_RAW];
	uint8_t		 token_hash[crypto_hash_sha256_BYTES];
	bool		 all;
};

static struct session_op *
op_new(struct conn *c)
{
	struct session_op	*op;

	if ((op = calloc(1, sizeof(*op))) == NULL)
		return NULL;
	op->c = c;
	conn_hold(c);
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
	struct conn	*c = op->c;

	free(op->login);
	wipe_free(op->password);
	wipe_free(op->newpass);
	hash_job_free(op->job);
	explicit_bzero(op, sizeof(*op));
	free(op);
	conn_release(c);
}

/* The op's request is answered: free it and let the connection go on. */
static void
op_finish(struct session_op *op)
{
	struct conn	*c = op->c;

	conn_hold(c);
	op_free(op);
	conn_done(c);
	conn_release(c);
}

static void
op_fail(struct session_op *op, enum scp_code code, const char *text)
{
	conn_complete(op->c, SCP_NO, code, NULL, text);
	op_finish(op);
}

static int
op_query(struct session_op *op, int stmt, int n, const char *const *vals,
    const int *lens, const int *fmts, db_cb cb)
{
	struct conn	*c = op->c;
	bool		 first = c->state != CONN_BUSY;

	c->state = CONN_BUSY;
	if (db_query(c->loop->db, stmt, n, vals, lens, fmts, cb, op) == 0)
		return 0;
	if (!first) {
		op_fail(op, SCP_CODE_UNAVAILABLE, "database unavailable; nothing was done");
		return -1;
	}
	/* Still inside dispatch: answer, and let the caller's loop go on. */
	c->state = CONN_READY;
	cmd_unavailable(c);
	op_free(op);
	return -1;
}

/* Common head of every db callback: false when there is nobody to answer. */
static bool
op_usable(struct session_op *op, enum db_status st, const PGresult *res)
{
	if (!conn_alive(op->c)) {
		op_free(op);
		return false;
	}
	if (st == DB_UNAVAILABLE) {
		op_fail(op, SCP_CODE_UNAVAILABLE, "database unavailable; nothing was done");
		return false;
	}
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		cmd_sql_error(op->c, res);
		op_finish(op);
		return false;
	}
	return true;
}

/* Hand the op's password (and new password) to the hash pool. */
static int
op_hash(struct session_op *op, const char *stored,
    void (*done)(struct hash_job *))
{
	struct hash_job	*job;

	if ((job = calloc(1, sizeof(*job))) == NULL ||
	    (stored != NULL && (job->stored = strdup(stored)) == NULL)) {
		hash_job_free(job);
		op_fail(op, SCP_CODE_INTERNAL, "out of memory");
		return -1;
	}
	job->password = op->password;
	job->newpass = op->newpass;
	op->password = op->newpass = NULL;
	job->loop = op->c->loop;
	job->done = done;
	job->arg = op;
	if (hashpool_submit(op->c->loop->srv->hashpool, job) == -1) {
		hash_job_free(job);
		op_fail(op, SCP_CODE_LIMIT, "too many logins at once; retry shortly");
		return -1;
	}
	op->job = job;
	return 0;
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
	struct conn		*c = op->c;
	struct scp_buf		*b;
	char			 tok[SCP_TOKEN_LEN + 1], text[300];
	const char		*name, *role;

	if (!op_usable(op, st, res))
		return;
	if (PQntuples(res) != 1 || PQnfields(res) < 5 ||
	    strcmp(PQgetvalue(res, 0, 0), "SESSION") != 0) {
		log_info("conn %llu: login failed for a user from %s",
		    (unsigned long long)c->id, c->addr);
		op_fail(op, SCP_CODE_AUTHFAILED, "wrong user or password");
		return;
	}
	name = PQgetvalue(res, 0, 2);
	role = PQgetvalue(res, 0, 3);
	scp_token_encode(op->token, tok);
	b = conn_scratch(c);
	if (scp_put_data(b, "SESSION") == -1 ||
	    scp_put_fieldstr(b, "token", tok) == -1 ||
	    scp_put_fieldstr(b, "expires", PQgetvalue(res, 0, 4)) == -1 ||
	    scp_put_end(b) == -1) {
		explicit_bzero(tok, sizeof(tok));
		op_fail(op, SCP_CODE_INTERNAL, "out of memory");
		return;
	}
	explicit_bzero(tok, sizeof(tok));
	conn_send(c, b);
	explicit_bzero(b->data, b->cap);
	session_adopt(c, op->token_hash, PQgetvalue(res, 0, 1), role);
	(void)snprintf(text, sizeof(text), "welcome, %s", name);
	conn_complete(c, SCP_OK, SCP_CODE_ROLE, role, text);
	op_finish(op);
}

static void
login_verified(struct hash_job *job)
{
	struct session_op	*op = job->arg;
	const struct config	*cfg = op->c->loop->cfg;
	struct throttle_args	 t;
	char			 idle[24], abs[24];
	const char		*vals[10];
	int			 lens[10] = { 0 }, fmts[10] = { 0 };

	if (!conn_alive(op->c)) {
		op_free(op);
		return;
	}
	if (job->ok) {
		randombytes_buf(op->token, sizeof(op->token));
		crypto_hash_sha256(op->token_hash, op->token, sizeof(op->token));
	}
	(void)snprintf(idle, sizeof(idle), "%lld", (long long)cfg->session_idle);
	(void)snprintf(abs, sizeof(abs), "%lld", (long long)cfg->session_absolute);
	throttle_args(cfg, &t);
	vals[0] = op->login;
	vals[1] = op->c->addr;
	vals[2] = job->ok ? "true" : "false";
	vals[3] = job->ok ? (const char *)op->token_hash : NULL;
	lens[3] = sizeof(op->token_hash);
	fmts[3] = 1;
	vals[4] = idle; vals[5] = abs; vals[6] = t.max_account;
	vals[7] = t.max_address; vals[8] = t.window; vals[9] = t.lockout;
	hash_job_free(op->job);
	op->job = NULL;
	(void)op_query(op, STMT_LOGIN_FINISH, 10, vals, lens, fmts, login_finished);
}

static void
login_begun(void *arg, enum db_status st, const PGresult *res)
{
	struct session_op	*op = arg;
	const char		*stored = NULL, *locked;

	if (!op_usable(op, st, res))
		return;
	if (PQntuples(res) == 1) {
		if (!PQgetisnull(res, 0, 0))
			stored = PQgetvalue(res, 0, 0);
		locked = PQgetvalue(res, 0, 1);
		if (!PQgetisnull(res, 0, 1) && strcmp(locked, "0") != 0) {
			conn_complete(op->c, SCP_NO, SCP_CODE_LOCKED, locked,
			    "too many failed logins; retry later");
			op_finish(op);
			return;
		}
	}
	(void)op_hash(op, stored, login_verified);
}

void
cmd_login(struct conn *c, const struct scp_item **args)
{
	const struct config	*cfg = c->loop->cfg;
	struct session_op	*op;
	char			 win[24];
	const char		*vals[3];

	if ((op = op_new(c)) == NULL) {
		conn_complete(c, SCP_NO, SCP_CODE_INTERNAL, NULL, "out of memory");
		return;
	}
	if ((op->login = strdup(args[0]->value)) == NULL ||
	    (op->password = strdup(args[1]->value)) == NULL) {
		op_fail(op, SCP_CODE_INTERNAL, "out of memory");
		return;
	}
	(void)snprintf(win, sizeof(win), "%lld", (long long)cfg->login_window);
	vals[0] = op->login;
	vals[1] = c->addr;
	vals[2] = win;
	(void)op_query(op, STMT_LOGIN_BEGIN, 3, vals, NULL, NULL, login_begun);
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
	if (conn_alive(op->c) && st == DB_OK && refused_by_api(res)) {
		op_fail(op, SCP_CODE_EXPIRED, "session expired; log in again");
		return;
	}
	if (!op_usable(op, st, res))
		return;
	if (PQntuples(res) != 1 || PQnfields(res) < 4) {
		op_fail(op, SCP_CODE_EXPIRED, "session expired; log in again");
		return;
	}
	session_adopt(op->c, op->token_hash, PQgetvalue(res, 0, 1),
	    PQgetvalue(res, 0, 3));
	conn_complete(op->c, SCP_OK, SCP_CODE_ROLE, PQgetvalue(res, 0, 3),
	    "resumed");
	op_finish(op);
}

void
cmd_resume(struct conn *c, const struct scp_item **args)
{
	struct session_op	*op;
	const char		*vals[1];
	int			 lens[1], fmts[1] = { 1 };

	if ((op = op_new(c)) == NULL) {
		conn_complete(c, SCP_NO, SCP_CODE_INTERNAL, NULL, "out of memory");
		return;
	}
	if (scp_token_decode(args[0]->value, op->token) == -1) {
		op_fail(op, SCP_CODE_EXPIRED, "session expired; log in again");
		return;
	}
	crypto_hash_sha256(op->token_hash, op->token, sizeof(op->token));
	vals[0] = (const char *)op->token_hash;
	lens[0] = sizeof(op->token_hash);
	(void)op_query(op, STMT_SESSION_RESUME, 1, vals, lens, fmts, resume_done);
}

/* ---- PASSWORD ---- */

static void
password_set_done(void *arg, enum db_status st, const PGresult *res)
{
	struct session_op	*op = arg;

	if (!op_usable(op, st, res))
		return;
	log_info("conn %llu: password changed", (unsigned long long)op->c->id);
	conn_complete(op->c, SCP_OK, SCP_CODE_NONE, NULL,
	    "password changed; your other sessions have ended");
	op_finish(op);
}

static void
password_failure_counted(void *arg, enum db_status st, const PGresult *res)
{
	struct session_op	*op = arg;

	if (!op_usable(op, st, res))
		return;
	op_fail(op, SCP_CODE_AUTHFAILED, "the old password is wrong");
}

/* A wrong old password counts against the account like a failed login. */
static void
password_count_failure(struct session_op *op)
{
	struct throttle_args	 t;
	const char		*vals[6];
	int			 lens[6] = { sizeof(op->c->token_hash) };
	int			 fmts[6] = { 1 };

	throttle_args(op->c->loop->cfg, &t);
	vals[0] = (const char *)op->c->token_hash;
	vals[1] = op->c->addr;
	vals[2] = t.max_account;
	vals[3] = t.max_address;
	vals[4] = t.window;
	vals[5] = t.lockout;
	(void)op_query(op, STMT_PASSWORD_FAILED, 6, vals, lens, fmts,
	    password_failure_counted);
}

static void
password_verified(struct hash_job *job)
{
	struct session_op	*op = job->arg;
	const char		*vals[2];
	int			 lens[2] = { sizeof(op->token_hash), 0 };
	int			 fmts[2] = { 1, 0 };

	if (!conn_alive(op->c)) {
		op_free(op);
		return;
	}
	if (!job->ok) {
		password_count_failure(op);
		return;
	}
	vals[0] = (const char *)op->c->token_hash;
	vals[1] = job->newhash;
	(void)op_query(op, STMT_PASSWORD_SET, 2, vals, lens, fmts,
	    password_set_done);
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
		conn_complete(op->c, SCP_NO, SCP_CODE_LOCKED, PQgetvalue(res, 0, 1),
		    "too many failed attempts; retry later");
		op_finish(op);
		return;
	}
	(void)op_hash(op, PQgetvalue(res, 0, 0), password_verified);
}

void
cmd_password(struct conn *c, const struct scp_item **args)
{
	struct session_op	*op;
	const char		*vals[2];
	int			 lens[2] = { sizeof(c->token_hash) }, fmts[2] = { 1 };

	if (strlen(args[1]->value) < PASSWORD_MIN) {
		conn_complete(c, SCP_NO, SCP_CODE_INVALID, "new",
		    "a password needs at least 8 characters");
		return;
	}
	if ((op = op_new(c)) == NULL) {
		conn_complete(c, SCP_NO, SCP_CODE_INTERNAL, NULL, "out of memory");
		return;
	}
	if ((op->password = strdup(args[0]->value)) == NULL ||
	    (op->newpass = strdup(args[1]->value)) == NULL) {
		op_fail(op, SCP_CODE_INTERNAL, "out of memory");
		return;
	}
	vals[0] = (const char *)c->token_hash;
	vals[1] = c->addr;
	(void)op_query(op, STMT_PASSWORD_BEGIN, 2, vals, lens, fmts,
	    password_begun);
}

/* ---- LOGOUT ---- */

static void
logout_bye(struct conn *c)
{
	struct scp_buf	*b = conn_scratch(c);

	c->authed = false;
	explicit_bzero(c->token_hash, sizeof(c->token_hash));
	if (scp_put_bye(b, SCP_CODE_NONE, "logging out") == -1) {
		conn_close(c, "out of memory");
		return;
	}
	conn_send(c, b);
	conn_complete(c, SCP_OK, SCP_CODE_NONE, NULL, c->cmd->ok_text);
	conn_linger(c);
}

static void
logout_done(void *arg, enum db_status st, const PGresult *res)
{
	struct session_op	*op = arg;
	struct conn		*c = op->c;

	if (!op_usable(op, st, res))
		return;
	conn_hold(c);
	op_free(op);
	logout_bye(c);
	conn_release(c);
}

void
cmd_logout(struct conn *c, const struct scp_item **args)
{
	struct session_op	*op;
	const char		*vals[2];
	int			 lens[2] = { sizeof(c->token_hash), 0 };
	int			 fmts[2] = { 1, 0 };

	if (!c->authed) {
		logout_bye(c);
		return;
	}
	if ((op = op_new(c)) == NULL) {
		conn_complete(c, SCP_NO, SCP_CODE_INTERNAL, NULL, "out of memory");
		return;
	}
	vals[0] = (const char *)c->token_hash;
	vals[1] = args[0] != NULL ? "true" : "false";
	(void)op_query(op, STMT_LOGOUT, 2, vals, lens, fmts, logout_done);
}
