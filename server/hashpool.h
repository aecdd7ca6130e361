/*
 * Password hashing (argon2id) is deliberately slow, so it never runs on a
 * loop thread: a few worker threads take jobs from a bounded queue and post
 * the outcome back to the loop that asked.
 */
#ifndef SCCD_HASHPOOL_H
#define SCCD_HASHPOOL_H

#include <stdbool.h>
#include <sys/queue.h>

#include <sodium.h>

struct loop;
struct hashpool;

struct hash_job {
	STAILQ_ENTRY(hash_job)	 entry;
	char			*stored;	/* hash to verify against; NULL: unknown user */
	char			*password;	/* wiped by the worker */
	char			*newpass;	/* if set and verified: hash it too; wiped */
	bool			 ok;		/* password matched a real hash */
	char			 newhash[crypto_pwhash_STRBYTES];
	struct loop		*loop;
	void			(*done)(struct hash_job *);
	void			*arg;
};

struct hashpool	*hashpool_new(int workers, int queue_max);
void		 hashpool_free(struct hashpool *);
/* -1 when the queue is full: the caller answers LIMIT. */
int		 hashpool_submit(struct hashpool *, struct hash_job *);
/* Frees a job, wiping any secret left in it. */
void		 hash_job_free(struct hash_job *);
/* The server's own hashing parameters, for new passwords. */
int		 hash_password(const char *, char out[crypto_pwhash_STRBYTES]);

#endif
