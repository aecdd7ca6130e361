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

STAILQ_HEAD(hash_queue, hash_job);

struct hashpool {
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;
	struct hash_queue	 clean;		/* sources without recent failures */
	struct hash_queue	 penalised;
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

/*
 * libsodium answers -1 both for a wrong password (errno EINVAL) and for
 * running out of memory: only the first is a failed login.
 */
static void
hash_job_run(struct hashpool *hp, struct hash_job *job)
{
	const char	*against = job->stored != NULL ? job->stored : hp->dummy;
	int		 rc;

	errno = 0;
	rc = crypto_pwhash_str_verify(against, job->password,
	    strlen(job->password));
	if (rc == 0)
		job->result = job->stored != NULL ? HASH_MATCH : HASH_MISMATCH;
	else if (errno == EINVAL)
		job->result = HASH_MISMATCH;
	else {
		log_warnx("checking a password failed: %s", strerror(errno));
		job->result = HASH_ERROR;
	}
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
		while (STAILQ_EMPTY(&hp->clean) && STAILQ_EMPTY(&hp->penalised) &&
		    !hp->stopping)
			pthread_cond_wait(&hp->cond, &hp->lock);
		if (hp->stopping) {
			pthread_mutex_unlock(&hp->lock);
			return NULL;
		}
		if ((job = STAILQ_FIRST(&hp->clean)) != NULL)
			STAILQ_REMOVE_HEAD(&hp->clean, entry);
		else {
			job = STAILQ_FIRST(&hp->penalised);
			STAILQ_REMOVE_HEAD(&hp->penalised, entry);
			hp->npenalised--;
		}
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
	STAILQ_INIT(&hp->clean);
	STAILQ_INIT(&hp->penalised);
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
	hashpool_cancel(&hp->clean);
	hashpool_cancel(&hp->penalised);
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
	if (hp->stopping)
		;
	else if (!job->penalised) {
		STAILQ_INSERT_TAIL(&hp->clean, job, entry);
		rc = 0;
	} else if (hp->npenalised < hp->queue_max) {
		STAILQ_INSERT_TAIL(&hp->penalised, job, entry);
		hp->npenalised++;
		rc = 0;
	}
	if (rc == 0)
		pthread_cond_signal(&hp->cond);
	pthread_mutex_unlock(&hp->lock);
	return rc;
}
