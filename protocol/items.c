/*
 * The items of one request or one response. Small arrays are kept between
 * messages; anything larger is released so an idle connection holds little.
 */
#include <stdlib.h>
#include <string.h>

#include "scp.h"
#include "lex.h"

#define ITEMS_KEEP	8	/* entries kept allocated between messages */

int
scp_items_add(struct scp_items *it, char *name, char *value, size_t len,
    unsigned flags)
{
	struct scp_item	*v, *item;
	size_t		 cap;

	if (it->n == it->cap) {
		cap = it->cap == 0 ? ITEMS_KEEP : it->cap * 2;
		if ((v = reallocarray(it->v, cap, sizeof(*v))) == NULL) {
			free(name);
			free(value);
			return -1;
		}
		it->v = v;
		it->cap = cap;
	}
	item = &it->v[it->n++];
	memset(item, 0, sizeof(*item));
	item->name = name;
	item->value = value;
	item->len = len;
	item->literal = (flags & SCP_ITEM_LITERAL) != 0;
	item->streamed = (flags & SCP_ITEM_STREAMED) != 0;
	item->quoted = (flags & SCP_ITEM_QUOTED) != 0;
	if (name != NULL)
		it->held += strlen(name) + 1;
	if (value != NULL)
		it->held += len + 1;
	return 0;
}

void
scp_items_clear(struct scp_items *it)
{
	size_t	 i;

	for (i = 0; i < it->n; i++) {
		free(it->v[i].name);
		/* Values may be passwords: leave nothing behind in the heap. */
		if (it->v[i].value != NULL)
			explicit_bzero(it->v[i].value, it->v[i].len);
		free(it->v[i].value);
	}
	it->n = 0;
	it->held = 0;
	if (it->cap > ITEMS_KEEP) {
		free(it->v);
		it->v = NULL;
		it->cap = 0;
	}
}

void
scp_items_free(struct scp_items *it)
{
	scp_items_clear(it);
	free(it->v);
	it->v = NULL;
	it->cap = 0;
}
