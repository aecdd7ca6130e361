/*
 * libFuzzer target for the response reader, and for the writer feeding it.
 *
 * First octet even: the rest is what a server sent; it is read whole and
 * in pieces and both must agree. Odd: the rest is a list of values (each
 * after a length octet) that the writer puts in one record and a
 * completion; the reader must give back exactly those values, then exactly
 * the completion, and nothing else.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scp.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "invariant broken: %s\n", what);
		abort();
	}
}

static void
mix(uint64_t *h, const void *p, size_t n)
{
	const unsigned char	*s = p;
	size_t			 i;

	for (i = 0; i < n; i++)
		*h = (*h ^ s[i]) * 1099511628211ULL;
	*h = (*h ^ 0xff) * 1099511628211ULL;
}

static void
mix_str(uint64_t *h, const char *s)
{
	if (s == NULL)
		mix(h, "", 0);
	else
		mix(h, s, strlen(s) + 1);
}

static void
mix_response(uint64_t *h, const struct scp_response *resp)
{
	size_t	 i;

	mix(h, &resp->kind, sizeof(resp->kind));
	mix_str(h, resp->tag);
	mix_str(h, resp->type);
	mix_str(h, resp->code);
	mix_str(h, resp->code_args);
	mix_str(h, resp->text);
	for (i = 0; i < resp->nfields; i++) {
		check(resp->fields[i].value != NULL &&
		    resp->fields[i].value[resp->fields[i].len] == '\0', "field");
		mix_str(h, resp->fields[i].name);
		mix(h, resp->fields[i].value, resp->fields[i].len);
	}
}

/* Read all of data in pieces (step 0: whole); a hash of what came out. */
static uint64_t
read_all(const uint8_t *data, size_t size, size_t line_max, size_t step,
    size_t *responses)
{
	struct scp_reader	*r;
	enum scp_result		 res = SCP_MORE;
	uint64_t		 h = 14695981039346656037ULL;
	size_t			 off = 0, n, pos, used;
	char			*piece;

	*responses = 0;
	if ((r = scp_reader_new(line_max, 4096)) == NULL)
		abort();
	while (off < size && res != SCP_CLOSE) {
		n = step == 0 || step > size - off ? size - off : step;
		if ((piece = malloc(n)) == NULL)
			abort();
		memcpy(piece, data + off, n);
		for (pos = 0; pos < n; pos += used) {
			res = scp_read(r, piece + pos, n - pos, &used);
			check(used <= n - pos, "used");
			if (res == SCP_CLOSE)
				break;
			if (res == SCP_REQUEST) {
				(*responses)++;
				mix_response(&h, scp_reader_response(r));
			} else
				check(used == n - pos, "more");
		}
		free(piece);
		off += n;
	}
	mix(&h, &res, sizeof(res));
	scp_reader_free(r);
	return h;
}

static void
roundtrip(const uint8_t *data, size_t size)
{
	struct scp_buf		 b = { NULL, 0, 0 };
	struct scp_reader	*r;
	const struct scp_response *resp;
	const uint8_t		*vals[16];
	size_t			 lens[16], nv = 0, i, off = 0, used, used2;
	char			 text[64];

	while (off < size && nv < 16) {
		lens[nv] = data[off++];
		if (lens[nv] > size - off)
			lens[nv] = size - off;
		vals[nv] = data + off;
		off += lens[nv++];
	}
	if (scp_put_data(&b, "REC") == -1)
		abort();
	for (i = 0; i < nv; i++)
		check(scp_put_field(&b, "v", (const char *)vals[i], lens[i]) == 0,
		    "put field");
	check(scp_put_end(&b) == 0, "put end");
	i = nv > 0 && lens[0] < sizeof(text) ? lens[0] : 0;
	memcpy(text, nv > 0 ? vals[0] : (const uint8_t *)"", i);
	text[i] = '\0';
	check(scp_put_completion(&b, "t", SCP_NO, SCP_CODE_INVALID, text,
	    text) == 0, "put completion");

	if ((r = scp_reader_new(1 << 16, 1 << 16)) == NULL)
		abort();
	check(scp_read(r, b.data, b.len, &used) == SCP_REQUEST, "record read");
	resp = scp_reader_response(r);
	check(resp->kind == SCP_R_DATA && resp->nfields == nv, "record shape");
	for (i = 0; i < nv; i++)
		check(resp->fields[i].len == lens[i] &&
		    memcmp(resp->fields[i].value, vals[i], lens[i]) == 0,
		    "value changed");
	check(scp_read(r, b.data + used, b.len - used, &used2) == SCP_REQUEST,
	    "completion read");
	resp = scp_reader_response(r);
	check(resp->kind == SCP_R_DONE && strcmp(resp->tag, "t") == 0 &&
	    resp->status == SCP_NO && strcmp(resp->code, "INVALID") == 0,
	    "completion shape");
	check(used + used2 == b.len, "extra line");
	scp_reader_free(r);
	scp_buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t	 line_max, n1, n2;

	if (size < 1)
		return 0;
	if (data[0] & 1) {
		roundtrip(data + 1, size - 1);
		return 0;
	}
	line_max = data[0] & 2 ? 32 : 8192;
	check(read_all(data + 1, size - 1, line_max, 0, &n1) ==
	    read_all(data + 1, size - 1, line_max, 1 + data[0] % 7, &n2),
	    "split changed the result");
	check(n1 == n2, "response count");
	return 0;
}
