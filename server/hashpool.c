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

struct hashpool {
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	STAILQ_HEAD(, hash_job)	 queue;
	int			 queued;
	int			 queue_max;
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
	int		 match;

	match = crypto_pwhash_str_verify(against, job->password,
	    strlen(job->password)) == 0;
	job->ok = match && job->stored != NULL;
	explicit_bzero(job->password, strlen(job->password));
	if (job->ok && job->newpass != NULL) {
		if (hash_password(job->newpass, job->newhash) != 0) {
			log_warnx("hashing a new password failed: out of memory");
			job->ok = false;
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
		while (STAILQ_EMPTY(&hp->queue) && !hp->stopping)
			pthread_cond_wait(&hp->cond, &hp->lock);
		if (hp->stopping) {
			pthread_mutex_unlock(&hp->lock);
			return NULL;
		}
		job = STAILQ_FIRST(&hp->queue);
		STAILQ_REMOVE_HEAD(&hp->queue, entry);
		hp->queued--;
		pthread_mutex_unlock(&hp->lock);

		hash_job_run(hp, job);
		if (loop_post(job->loop, hash_job_deliver, job) == -1) {
			/* The loop is gone; nobody is left to answer. */
			log_warnx("hash worker: could not post a result");
		}
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
	STAILQ_INIT(&hp->queue);
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

void
hashpool_free(struct hashpool *hp)
{
	struct hash_job	*job;
	int		 i;

	if (hp == NULL)
		return;
	pthread_mutex_lock(&hp->lock);
	hp->stopping = 1;
	pthread_cond_broadcast(&hp->cond);
	pthread_mutex_unlock(&hp->lock);
	for (i = 0; i < hp->nworkers; i++)
		pthread_join(hp->workers[i], NULL);
	while ((job = STAILQ_FIRST(&hp->queue)) != NULL) {
		STAILQ_REMOVE_HEAD(&hp->queue, entry);
		hash_job_free(job);
	}
	free(hp->workers);
	pthread_cond_destroy(&hp->cond);
	pthread_mutex_destroy(&hp->lock);
	free(hp);
}

int
hashpool_submit(struct hashpool *hp, struct hash_job *job)
{
	int	rc = -1;

	pthread_mutex_lock(&hp->lock);
	if (hp->queued < hp->queue_max && !hp->stopping) {
		STAILQ_INSERT_TAIL(&hp->queue, job, entry);
		hp->queued++;
		pthread_cond_signal(&hp->cond);
		rc = 0;
	}
	pthread_mutex_unlock(&hp->lock);
	return rc;
}
