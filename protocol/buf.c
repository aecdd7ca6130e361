/*
 * A growable byte buffer. The data stay NUL-terminated so that text can be
 * handed to string functions without a copy; len never counts the NUL.
 *
 * Requests carry passwords and session tokens, so no octet a buffer held
 * is left behind in memory it gives up: growing copies and wipes instead
 * of realloc(), and reset, consume and free wipe what they drop.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scp.h"

#define BUF_MIN	64

/* Make room for `more` octets plus the NUL; -1 (ENOMEM) if that cannot be. */
static int
buf_grow(struct scp_buf *b, size_t more)
{
	size_t	 need, cap;
	char	*p;

	if (more > SIZE_MAX - 1 - b->len) {
		errno = ENOMEM;
		return -1;
	}
	need = b->len + more + 1;
	if (b->data != NULL && need <= b->cap)
		return 0;
	cap = b->cap < BUF_MIN ? BUF_MIN : b->cap;
	while (cap < need) {
		if (cap > SIZE_MAX / 2) {
			cap = need;
			break;
		}
		cap *= 2;
	}
	if ((p = malloc(cap)) == NULL)
		return -1;
	if (b->data != NULL) {
		memcpy(p, b->data, b->len + 1);
		explicit_bzero(b->data, b->cap);
		free(b->data);
	}
	b->data = p;
	b->cap = cap;
	return 0;
}

int
scp_buf_reserve(struct scp_buf *b, size_t n)
{
	if (b->data != NULL && n < b->cap - b->len)
		return 0;
	return buf_grow(b, n);
}

int
scp_buf_add(struct scp_buf *b, const void *p, size_t n)
{
	/* Most adds fit: only the rest pay for the call and its checks. */
	if ((b->data == NULL || n >= b->cap - b->len) && buf_grow(b, n) == -1)
		return -1;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
scp_buf_addstr(struct scp_buf *b, const char *s)
{
	return scp_buf_add(b, s, strlen(s));
}

int
scp_buf_printf(struct scp_buf *b, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if (buf_grow(b, (size_t)n) == -1)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->cap - b->len) {
		b->data[b->len] = '\0';
		return -1;
	}
	b->len += (size_t)n;
	return 0;
}

void
scp_buf_reset(struct scp_buf *b)
{
	if (b->data != NULL)
		explicit_bzero(b->data, b->len + 1);
	b->len = 0;
}

void
scp_buf_free(struct scp_buf *b)
{
	if (b->data != NULL)
		explicit_bzero(b->data, b->cap);
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void
scp_buf_consume(struct scp_buf *b, size_t n)
{
	if (n >= b->len) {
		scp_buf_reset(b);
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	explicit_bzero(b->data + b->len - n, n);
	b->len -= n;
}
