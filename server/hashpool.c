/*
 * argon2id workers. They run at a lower scheduling priority than the loop
 * threads: a burst of logins should slow logins down, not everybody's NOOP.
 */
#include <sys/resource.h>
#include <sys/syscall.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "hashpool.h"
#include "log.h"
#include "loop.h"
#include "pwcheck.h"

STAILQ_HEAD(hash_queue, hash_job);

struct hashpool {
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	struct hash_queue	 queue[HASH_CLASSES];	/* served in order */
	int			 npenalised;
	int			 queue_max;	/* penalised jobs waiting, at most */
	int			 stopping;
	int			 nworkers;
	pthread_t		*workers;
	/* Verified against for unknown users, so they cost the same time. */
	char			 dummy[crypto_pwhash_STRBYTES];
};

int
hash_password(const char *pw, char out[crypto_pwhash_STRBYTES])
{
	return crypto_pwhash_str(out, pw, strlen(pw),
	    crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE);
}

static void
wipe_free(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

void
hash_job_free(struct hash_job *job)
{
	if (job == NULL)
		return;
	wipe_free(job->password);
	wipe_free(job->newpass);
	free(job->stored);
	explicit_bzero(job->newhash, sizeof(job->newhash));
	free(job);
}

static void
hash_job_run(struct hashpool *hp, struct hash_job *job)
{
	const char	*against = job->stored != NULL ? job->stored : hp->dummy;
	bool		 match;

	/* A password made by the server (USER ADD): nothing to verify. */
	if (job->hash_only) {
		job->result = hash_password(job->password, job->newhash) == 0 ?
		    HASH_MATCH : HASH_ERROR;
		explicit_bzero(job->password, strlen(job->password));
		return;
	}
	if (pwcheck(against, job->password, &match) == -1) {
		log_warnx("a password could not be checked (out of memory, or "
		    "a stored hash that is not argon2id)");
		job->result = HASH_ERROR;
	} else
		job->result = match && job->stored != NULL ? HASH_MATCH :
		    HASH_MISMATCH;
	explicit_bzero(job->password, strlen(job->password));
	if (job->result == HASH_MATCH && job->newpass != NULL) {
		if (hash_password(job->newpass, job->newhash) != 0) {
			log_warnx("hashing a new password failed: out of memory");
			job->result = HASH_ERROR;
		}
		explicit_bzero(job->newpass, strlen(job->newpass));
	}
}

static void
hash_job_deliver(struct loop *loop, void *arg)
{
	struct hash_job	*job = arg;

	(void)loop;
	job->done(job);
}

/* The job to run next, under the lock; NULL when every queue is empty. */
static struct hash_job *
hashpool_next(struct hashpool *hp)
{
	struct hash_job	*job;
	int		 c;

	for (c = 0; c < HASH_CLASSES; c++)
		if ((job = STAILQ_FIRST(&hp->queue[c])) != NULL)
			return job;
	return NULL;
}

static void *
hash_worker(void *arg)
{
	struct hashpool	*hp = arg;
	struct hash_job	*job;

	/* Linux applies nice per thread. */
	if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10) == -1)
		log_warn("hash worker: setpriority");
	for (;;) {
		pthread_mutex_lock(&hp->lock);
		while ((job = hashpool_next(hp)) == NULL && !hp->stopping)
			pthread_cond_wait(&hp->cond, &hp->lock);
		if (hp->stopping) {
			pthread_mutex_unlock(&hp->lock);
			return NULL;
		}
		STAILQ_REMOVE_HEAD(&hp->queue[job->class], entry);
		if (job->class == HASH_PENALISED)
			hp->npenalised--;
		pthread_mutex_unlock(&hp->lock);

		hash_job_run(hp, job);
		loop_post_msg(job->loop, &job->msg, hash_job_deliver, job);
	}
}

struct hashpool *
hashpool_new(int workers, int queue_max)
{
	struct hashpool	*hp;
	char		 pw[32];
	int		 i;

	if ((hp = calloc(1, sizeof(*hp))) == NULL)
		return NULL;
	for (i = 0; i < HASH_CLASSES; i++)
		STAILQ_INIT(&hp->queue[i]);
	hp->queue_max = queue_max;
	randombytes_buf(pw, sizeof(pw) - 1);
	for (i = 0; i < (int)sizeof(pw) - 1; i++)
		pw[i] = (char)('a' + (unsigned char)pw[i] % 26);
	pw[sizeof(pw) - 1] = '\0';
	if (hash_password(pw, hp->dummy) != 0 ||
	    pthread_mutex_init(&hp->lock, NULL) != 0 ||
	    pthread_cond_init(&hp->cond, NULL) != 0 ||
	    (hp->workers = calloc((size_t)workers, sizeof(pthread_t))) == NULL) {
		free(hp);
		return NULL;
	}
	explicit_bzero(pw, sizeof(pw));
	for (i = 0; i < workers; i++) {
		if (pthread_create(&hp->workers[i], NULL, hash_worker, hp) != 0)
			fatalx("cannot start hash worker");
		hp->nworkers++;
	}
	return hp;
}

/* Hand every queued job back to its loop, cancelled. */
static void
hashpool_cancel(struct hash_queue *q)
{
	struct hash_job	*job;

	while ((job = STAILQ_FIRST(q)) != NULL) {
		STAILQ_REMOVE_HEAD(q, entry);
		job->result = HASH_CANCELLED;
		loop_post_msg(job->loop, &job->msg, hash_job_deliver, job);
	}
}

void
hashpool_stop(struct hashpool *hp)
{
	int	i;

	if (hp == NULL || hp->nworkers == 0)
		return;
	pthread_mutex_lock(&hp->lock);
	hp->stopping = 1;
	pthread_cond_broadcast(&hp->cond);
	pthread_mutex_unlock(&hp->lock);
	for (i = 0; i < hp->nworkers; i++)
		pthread_join(hp->workers[i], NULL);
	hp->nworkers = 0;
	for (i = 0; i < HASH_CLASSES; i++)
		hashpool_cancel(&hp->queue[i]);
	hp->npenalised = 0;
}

void
hashpool_free(struct hashpool *hp)
{
	if (hp == NULL)
		return;
	hashpool_stop(hp);
	free(hp->workers);
	pthread_cond_destroy(&hp->cond);
	pthread_mutex_destroy(&hp->lock);
	explicit_bzero(hp->dummy, sizeof(hp->dummy));
	free(hp);
}

int
hashpool_submit(struct hashpool *hp, struct hash_job *job)
{
	int	rc = -1;

	pthread_mutex_lock(&hp->lock);
	if (!hp->stopping && (job->class != HASH_PENALISED ||
	    hp->npenalised < hp->queue_max)) {
		STAILQ_INSERT_TAIL(&hp->queue[job->class], job, entry);
		if (job->class == HASH_PENALISED)
			hp->npenalised++;
		pthread_cond_signal(&hp->cond);
		rc = 0;
	}
	pthread_mutex_unlock(&hp->lock);
	return rc;
}
