/*
 * A red-black tree of addresses with open connections. Touched only on
 * accept and close, never per request, so one mutex is enough.
 */
#include <sys/cdefs.h>
/* libbsd leaves __unused undefined (it clashes with glibc); tree.h needs it. */
#ifndef __unused
#define __unused	__attribute__((__unused__))
#endif
#include <sys/tree.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "addrlimit.h"

struct addr_node {
	RB_ENTRY(addr_node)	 entry;
	long			 count;
	char			 addr[];
};

static int
addr_cmp(const struct addr_node *a, const struct addr_node *b)
{
	return strcmp(a->addr, b->addr);
}

RB_HEAD(addr_tree, addr_node);
RB_GENERATE_STATIC(addr_tree, addr_node, entry, addr_cmp)

struct addrlimit {
	pthread_mutex_t		lock;
	struct addr_tree	tree;
};

struct addrlimit *
addrlimit_new(void)
{
	struct addrlimit	*al;

	if ((al = calloc(1, sizeof(*al))) == NULL)
		return NULL;
	if (pthread_mutex_init(&al->lock, NULL) != 0) {
		free(al);
		return NULL;
	}
	RB_INIT(&al->tree);
	return al;
}

void
addrlimit_free(struct addrlimit *al)
{
	struct addr_node	*n, *next;

	if (al == NULL)
		return;
	RB_FOREACH_SAFE(n, addr_tree, &al->tree, next) {
		RB_REMOVE(addr_tree, &al->tree, n);
		free(n);
	}
	pthread_mutex_destroy(&al->lock);
	free(al);
}

static struct addr_node *
addr_find(struct addrlimit *al, const char *addr)
{
	struct addr_node	*key, *n;
	size_t			 len = strlen(addr) + 1;

	if ((key = malloc(sizeof(*key) + len)) == NULL)
		return NULL;
	memcpy(key->addr, addr, len);
	n = RB_FIND(addr_tree, &al->tree, key);
	if (n != NULL) {
		free(key);
		return n;
	}
	key->count = 0;
	RB_INSERT(addr_tree, &al->tree, key);
	return key;
}

int
addrlimit_take(struct addrlimit *al, const char *addr, long max)
{
	struct addr_node	*n;
	int			 rc = -1;

	pthread_mutex_lock(&al->lock);
	if ((n = addr_find(al, addr)) != NULL && n->count < max) {
		n->count++;
		rc = 0;
	} else if (n != NULL && n->count == 0) {
		RB_REMOVE(addr_tree, &al->tree, n);
		free(n);
	}
	pthread_mutex_unlock(&al->lock);
	return rc;
}

void
addrlimit_give(struct addrlimit *al, const char *addr)
{
	struct addr_node	*n;

	pthread_mutex_lock(&al->lock);
	if ((n = addr_find(al, addr)) != NULL && --n->count <= 0) {
		RB_REMOVE(addr_tree, &al->tree, n);
		free(n);
	}
	pthread_mutex_unlock(&al->lock);
}
