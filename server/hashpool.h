/*
 * Password hashing (argon2id) is deliberately slow, so it never runs on a
 * loop thread: a few worker threads take jobs from two queues and post the
 * outcome back to the loop that asked.
 *
 * Fairness: three queues, each served only when those before it are
 * empty. First come logins from addresses someone logged in from lately
 * and that have no recent failures; then those from addresses never seen
 * (a flood of first guesses from new addresses waits here, and cannot be
 * told from real users); last, sources with recent failures, after their
 * penalty. A guessing source thus never delays one that is not guessing.
 * Only the last queue is bounded (LIMIT when full); the others are bounded
 * by the connections, each of which has at most one request, and so one
 * job, at a time.
 */
#ifndef SCCD_HASHPOOL_H
#define SCCD_HASHPOOL_H

#include <stdbool.h>
#include <sys/queue.h>

#include <sodium.h>

#include "loop.h"

struct hashpool;

enum hash_class {
	HASH_FAMILIAR,		/* a known address, no recent failures */
	HASH_NEW,		/* an address not seen lately, no failures */
	HASH_PENALISED,		/* recent failures from this address */
	HASH_CLASSES
};

enum hash_result {
	HASH_MISMATCH,		/* wrong password, or no such user */
	HASH_MATCH,
	HASH_ERROR,		/* could not check (out of memory): no failed login */
	HASH_CANCELLED		/* the server is stopping */
};

struct hash_job {
	STAILQ_ENTRY(hash_job)	 entry;
	char			*stored;	/* hash to verify against; NULL: unknown user */
	char			*password;	/* wiped by the worker */
	char			*newpass;	/* if set and verified: hash it too; wiped */
	bool			 hash_only;	/* no check: hash password into newhash */
	enum hash_class		 class;
	enum hash_result	 result;
	char			 newhash[crypto_pwhash_STRBYTES];
	struct loop		*loop;
	struct loop_msg		 msg;		/* posting back cannot fail */
	/* On the loop's thread; owns the job from then on. */
	void			(*done)(struct hash_job *);
	void			*arg;
};

struct hashpool	*hashpool_new(int workers, int queue_max);
/*
 * Join the workers. Jobs still queued go back to their loops as
 * HASH_CANCELLED. Call once the loops have stopped, before they are freed.
 */
void		 hashpool_stop(struct hashpool *);
void		 hashpool_free(struct hashpool *);
/* -1 when a penalised job finds its queue full: the caller answers LIMIT. */
int		 hashpool_submit(struct hashpool *, struct hash_job *);
/* Frees a job, wiping any secret left in it. */
void		 hash_job_free(struct hash_job *);
/* The server's own hashing parameters, for new passwords. */
int		 hash_password(const char *, char out[crypto_pwhash_STRBYTES]);

#endif
