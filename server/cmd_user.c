/*
 * USER ADD: the server makes the new user's one-time password, so that no
 * person has to invent one and send it on. It is hashed on the hash pool
 * (argon2id never runs on a loop thread), the api function stores the hash
 * and decides everything else, and the password is shown once, in
 * "* SECRET password=", only when the user was stored. The copy in the
 * output buffer is wiped once written.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "conn.h"
#include "db.h"
#include "dispatch.h"
#include "hashpool.h"
#include "loop.h"
#include "request.h"
#include "serve.h"

/* 15 random octets: 120 bits, 20 characters of URL-safe base64. */
#define ONE_TIME_OCTETS	15
#define ONE_TIME_LEN	sodium_base64_ENCODED_LEN(ONE_TIME_OCTETS, \
			    sodium_base64_VARIANT_URLSAFE_NO_PADDING)

struct user_op {
	struct request	*req;
	char		 password[ONE_TIME_LEN];
	char		 hash[crypto_pwhash_STRBYTES];
};

static void
op_free(struct user_op *op)
{
	op->req->state = NULL;
	sodium_memzero(op, sizeof(*op));
	free(op);
}

/* Detach the request from the op, free the op, and hand the request back. */
static struct request *
op_release(struct user_op *op)
{
	struct request	*req = op->req;

	op_free(op);
	return req;
}

static void
user_stored(void *arg, enum db_status st, const PGresult *res)
{
	struct user_op	*op = arg;
	struct request	*req = op->req;
	struct scp_buf	*b;
	int		 row, nrows;

	if (!request_alive(req)) {
		request_end(op_release(op));
		return;
	}
	if (st == DB_UNAVAILABLE) {
		request_unavailable(op_release(op));
		return;
	}
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		request_sql_error(op_release(op), res);
		return;
	}
	b = conn_scratch(req->c);
	nrows = PQntuples(res);
	for (row = 0; row < nrows; row++)
		if (cmd_sql_row(b, res, row) == -1)
			break;
	if (row < nrows || op->hash[0] == '\0' || scp_put_data(b, "SECRET") == -1 ||
	    scp_put_field(b, "password", op->password,
	    strlen(op->password)) == -1 || scp_put_end(b) == -1) {
		/* The user exists; the lead officer can reset the password. */
		explicit_bzero(b->data, b->cap);
		scp_buf_reset(b);
		request_internal(op_release(op), "the new user's record could "
		    "not be written");
		return;
	}
	conn_send_secret(req->c, b);
	op_free(op);
	request_ok(req);
}

/* The api function, with the hash (NULL when none was made). */
static void
user_store(struct user_op *op)
{
	struct request	*req = op->req;
	struct conn	*c = req->c;
	const char	*vals[7];
	int		 lens[7] = { sizeof(c->token_hash) };
	int		 fmts[7] = { 1 };
	size_t		 i;

	vals[0] = (const char *)c->token_hash;
	for (i = 0; i < 5; i++)
		vals[i + 1] = req->args[i] != NULL ? req->args[i]->value : NULL;
	vals[6] = op->hash[0] != '\0' ? op->hash : NULL;
	if (db_query(c->loop->db, STMT_USER_ADD, 7, vals, lens, fmts,
	    user_stored, op) == -1)
		request_internal(op_release(op), "out of memory");
}

static void
password_hashed(struct hash_job *job)
{
	struct user_op	*op = job->arg;

	if (!request_alive(op->req) || job->result == HASH_CANCELLED) {
		hash_job_free(job);
		request_end(op_release(op));
		return;
	}
	if (job->result != HASH_MATCH) {
		hash_job_free(job);
		request_internal(op_release(op), "could not hash a new password");
		return;
	}
	memcpy(op->hash, job->newhash, sizeof(op->hash));
	hash_job_free(job);
	user_store(op);
}

void
cmd_user_add(struct request *req)
{
	struct user_op	*op;
	struct hash_job	*job;
	unsigned char	 raw[ONE_TIME_OCTETS];

	if ((op = calloc(1, sizeof(*op))) == NULL) {
		request_internal(req, "out of memory");
		return;
	}
	op->req = req;
	req->state = op;
	/*
	 * Hashing is dear, so it is spent only on roles the command is for;
	 * the api function still decides, and without a hash it can only
	 * refuse.
	 */
	if (!(req->cmd->roles & req->c->role)) {
		user_store(op);
		return;
	}
	randombytes_buf(raw, sizeof(raw));
	(void)sodium_bin2base64(op->password, sizeof(op->password), raw,
	    sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));

	if ((job = calloc(1, sizeof(*job))) == NULL ||
	    (job->password = strdup(op->password)) == NULL) {
		free(job);
		request_internal(op_release(op), "out of memory");
		return;
	}
	job->hash_only = true;
	job->loop = req->c->loop;
	job->done = password_hashed;
	job->arg = op;
	/* Only a logged-in session gets here: it is not a guess. */
	job->class = HASH_FAMILIAR;
	if (hashpool_submit(job->loop->srv->hashpool, job) == -1) {
		hash_job_free(job);
		request_complete(op_release(op), SCP_NO, SCP_CODE_LIMIT, NULL,
		    "the server is busy; retry shortly");
	}
}
