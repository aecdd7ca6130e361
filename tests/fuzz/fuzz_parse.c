/*
 * libFuzzer target for the request parser.
 *
 * The first two octets choose the limits and how literals are decided; the
 * rest is the connection's input. It is parsed twice, whole and in pieces
 * of pseudo-random size, and the two runs must agree event for event: a
 * parser whose framing depended on how reads fell could be talked into
 * reading literal octets as commands. Each piece is a fresh allocation,
 * so reading past it or keeping a pointer into it is caught by ASan.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scp.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct run {
	struct scp_parser	*p;
	struct scp_limits	 lim;
	uint8_t			 policy;
	unsigned		 nlit;
	uint64_t		 hash;
	uint64_t		 seed;
	int			 closed;
};

static void
check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "invariant broken: %s\n", what);
		abort();
	}
}

/* Octets into the hash; streamed chunks go in without a separator. */
static void
mix_raw(struct run *r, const void *p, size_t n)
{
	const unsigned char	*s = p;
	size_t			 i;

	for (i = 0; i < n; i++)
		r->hash = (r->hash ^ s[i]) * 1099511628211ULL;
}

static void
mix(struct run *r, const void *p, size_t n)
{
	mix_raw(r, p, n);
	r->hash = (r->hash ^ 0x100) * 1099511628211ULL;
}

static int
name_ok(const char *s)
{
	size_t	 i, n = strlen(s);

	if (n == 0 || n > SCP_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' &&
		    s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

static void
check_request(struct run *r, const struct scp_request *req)
{
	const struct scp_item	*it;
	size_t			 i;

	check(req->tag != NULL && strlen(req->tag) <= SCP_TAG_MAX, "tag");
	check(req->nitems >= 1 && req->nitems <= r->lim.args_max + 2,
	    "item count");
	mix(r, req->tag, strlen(req->tag));
	for (i = 0; i < req->nitems; i++) {
		it = &req->items[i];
		if (it->name != NULL) {
			check(name_ok(it->name), "name");
			mix(r, it->name, strlen(it->name));
		}
		if (it->streamed) {
			check(it->value == NULL && it->literal, "streamed");
			mix(r, &it->len, sizeof(it->len));
			continue;
		}
		check(it->value != NULL && it->value[it->len] == '\0', "value");
		if (!it->literal)
			check(memchr(it->value, '\0', it->len) == NULL &&
			    scp_utf8_valid(it->value, it->len), "inline text");
		mix(r, it->value, it->len);
	}
}

static void
decide(struct run *r)
{
	const struct scp_literal	*lit = scp_parser_literal(r->p);

	check(scp_parser_partial(r->p)->nitems == lit->index, "index");
	check(lit->sync || lit->size <= SCP_NONSYNC_MAX, "nonsync size");
	mix(r, &lit->size, sizeof(lit->size));
	switch ((r->policy >> (2 * (r->nlit++ % 4))) & 3) {
	case 0:
		scp_parser_accept(r->p, SCP_LIT_TEXT);
		break;
	case 1:
		scp_parser_accept(r->p, SCP_LIT_BYTES);
		break;
	case 2:
		scp_parser_accept(r->p, SCP_LIT_STREAM);
		break;
	default:
		scp_parser_refuse(r->p);
		break;
	}
}

static void
event(struct run *r, enum scp_result res, const char *piece, size_t n)
{
	const char	*c;
	size_t		 clen;

	if (res != SCP_MORE && res != SCP_CHUNK)
		mix(r, &res, sizeof(res));
	switch (res) {
	case SCP_REQUEST:
		check(!scp_parser_busy(r->p), "busy after request");
		check_request(r, scp_parser_request(r->p));
		break;
	case SCP_LITERAL:
		decide(r);
		break;
	case SCP_CHUNK:
		scp_parser_chunk(r->p, &c, &clen);
		check(clen > 0 && c >= piece && c + clen <= piece + n, "chunk");
		mix_raw(r, c, clen);
		break;
	case SCP_SKIPPED:
	case SCP_REJECT:
		check(!scp_parser_busy(r->p), "busy after end");
		mix(r, scp_parser_tag(r->p), strlen(scp_parser_tag(r->p)));
		break;
	case SCP_CLOSE:
		r->closed = 1;
		break;
	case SCP_MORE:
		break;
	}
	/* One request, one line, one collected literal at most. */
	check(scp_parser_held(r->p) <= 4 * r->lim.line_max +
	    (r->lim.args_max + 3) * 96 + 2 * r->lim.text_max + 4096,
	    "memory held");
}

static uint64_t
run(const struct scp_limits *lim, uint8_t policy, const uint8_t *data,
    size_t size, uint64_t seed)
{
	struct run	 r;
	size_t		 off = 0, n, pos, used;
	char		*piece;
	enum scp_result	 res;
	int		 i;

	memset(&r, 0, sizeof(r));
	r.lim = *lim;
	r.policy = policy;
	r.seed = seed;
	r.hash = 14695981039346656037ULL;
	if ((r.p = scp_parser_new(lim)) == NULL)
		abort();
	while (off < size && !r.closed) {
		n = size - off;
		if (seed != 0) {
			r.seed = r.seed * 6364136223846793005ULL + 1;
			n = 1 + (r.seed >> 33) % ((r.seed >> 60) < 4 ? 3 : 64);
			if (n > size - off)
				n = size - off;
		}
		if ((piece = malloc(n)) == NULL)
			abort();
		memcpy(piece, data + off, n);
		for (pos = 0; pos < n && !r.closed; pos += used) {
			res = scp_parse(r.p, piece + pos, n - pos, &used);
			check(used <= n - pos, "used");
			check(res != SCP_MORE || used == n - pos, "more");
			event(&r, res, piece + pos, n - pos);
		}
		free(piece);
		off += n;
	}
	for (i = 0; i < 3 && !r.closed; i++) {
		res = scp_parse(r.p, NULL, 0, &used);
		event(&r, res, NULL, 0);
	}
	if (!r.closed)
		check(scp_parser_held(r.p) <= lim->line_max + 2048 ||
		    scp_parser_busy(r.p), "idle memory");
	scp_parser_free(r.p);
	return r.hash;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scp_limits	 lim;
	uint8_t			 cfg, policy;

	if (size < 2)
		return 0;
	cfg = data[0];
	policy = data[1];
	data += 2;
	size -= 2;
	scp_limits_default(&lim);
	if (cfg & 1) {
		/* Small limits, so the fuzzer reaches them. */
		lim.line_max = 24 + (cfg >> 1) % 40;
		lim.args_max = 1 + (cfg >> 3) % 5;
		lim.text_max = 16;
		lim.doc_max = 32;
	}
	check(run(&lim, policy, data, size, 0) ==
	    run(&lim, policy, data, size, cfg | (uint64_t)policy << 8 | 1),
	    "split changed the result");
	return 0;
}
