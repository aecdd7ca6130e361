/*
 * The request parser. Most cases are a table: an input, the decisions taken
 * on its literals, and the transcript of events it must give. Each case is
 * run fed whole, one octet at a time and in random pieces, and must give
 * the same transcript each way. Every piece is a fresh allocation freed
 * right after use, so under ASan a parser that reads past what it was given
 * or keeps a pointer into it is caught.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "scp.h"

#define RANDOM_RUNS	40

struct drive {
	struct scp_parser	*p;
	const char		*policy;	/* one letter per literal: T B S R N */
	size_t			 npolicy;
	struct scp_buf		 out;
	struct scp_buf		 stream;
	bool			 closed;
	uint64_t		 seed;
};

static uint32_t
rnd(uint64_t *seed)
{
	*seed = *seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(*seed >> 33);
}

static void
esc(struct scp_buf *b, const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++) {
		unsigned char	 c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			assert_int_equal(scp_buf_add(b, &s[i], 1), 0);
		else
			assert_int_equal(scp_buf_printf(b, "\\x%02x", c), 0);
	}
}

static void
print_items(struct scp_buf *b, const struct scp_request *req)
{
	const struct scp_item	*it;
	size_t			 i;

	for (i = 0; i < req->nitems; i++) {
		it = &req->items[i];
		assert_int_equal(scp_buf_addstr(b, "|"), 0);
		if (it->name != NULL)
			assert_int_equal(scp_buf_printf(b, "%s=", it->name), 0);
		if (it->streamed) {
			assert_null(it->value);
			assert_int_equal(scp_buf_printf(b, "<%zu>", it->len), 0);
			continue;
		}
		assert_non_null(it->value);
		assert_int_equal(it->value[it->len], '\0');
		if (it->quoted)
			scp_buf_addstr(b, "\"");
		if (it->literal)
			scp_buf_addstr(b, "{");
		esc(b, it->value, it->len);
		if (it->literal)
			scp_buf_addstr(b, "}");
		if (it->quoted)
			scp_buf_addstr(b, "\"");
	}
}

static void
decide(struct drive *d)
{
	const struct scp_literal	*lit = scp_parser_literal(d->p);
	const struct scp_request	*part = scp_parser_partial(d->p);
	char				 c;

	assert_int_equal(part->nitems, lit->index);
	scp_buf_printf(&d->out, "LIT %s %llu%s %s %zu\n", part->tag,
	    (unsigned long long)lit->size, lit->sync ? "" : "+",
	    lit->name != NULL ? lit->name : "-", lit->index);
	c = d->policy != NULL && d->policy[d->npolicy] != '\0' ?
	    d->policy[d->npolicy++] : 'R';
	switch (c) {
	case 'T':
		scp_parser_accept(d->p, SCP_LIT_TEXT);
		break;
	case 'B':
		scp_parser_accept(d->p, SCP_LIT_BYTES);
		break;
	case 'S':
		scp_parser_accept(d->p, SCP_LIT_STREAM);
		break;
	case 'N':
		break;	/* no decision: the next call refuses */
	default:
		scp_parser_refuse(d->p);
		break;
	}
}

static void
event(struct drive *d, enum scp_result r)
{
	const struct scp_request	*req;
	const char			*chunk;
	size_t				 clen;

	switch (r) {
	case SCP_MORE:
		break;
	case SCP_REQUEST:
		req = scp_parser_request(d->p);
		scp_buf_printf(&d->out, "REQ %s", req->tag);
		print_items(&d->out, req);
		if (d->stream.len > 0) {
			scp_buf_addstr(&d->out, " stream=");
			esc(&d->out, d->stream.data, d->stream.len);
		}
		scp_buf_addstr(&d->out, "\n");
		scp_buf_reset(&d->stream);
		assert_false(scp_parser_busy(d->p));
		break;
	case SCP_LITERAL:
		assert_true(scp_parser_busy(d->p));
		decide(d);
		break;
	case SCP_CHUNK:
		scp_parser_chunk(d->p, &chunk, &clen);
		assert_true(clen > 0);
		scp_buf_add(&d->stream, chunk, clen);
		break;
	case SCP_SKIPPED:
		scp_buf_printf(&d->out, "SKIPPED %s\n", scp_parser_tag(d->p));
		scp_buf_reset(&d->stream);
		break;
	case SCP_REJECT:
		scp_buf_printf(&d->out, "REJECT %s %s\n", scp_parser_tag(d->p),
		    scp_code_name(scp_parser_code(d->p)));
		assert_true(scp_parser_error(d->p)[0] != '\0');
		scp_buf_reset(&d->stream);
		break;
	case SCP_CLOSE:
		scp_buf_printf(&d->out, "CLOSE %s\n",
		    scp_code_name(scp_parser_code(d->p)));
		assert_true(scp_parser_error(d->p)[0] != '\0');
		d->closed = true;
		break;
	}
}

/* Feed one piece, handling every event, until it is all taken. */
static void
feed(struct drive *d, const char *piece, size_t n)
{
	enum scp_result	 r;
	size_t		 pos = 0, used;
	char		*copy;

	copy = malloc(n > 0 ? n : 1);
	assert_non_null(copy);
	memcpy(copy, piece, n);
	while (pos < n && !d->closed) {
		r = scp_parse(d->p, copy + pos, n - pos, &used);
		assert_true(used <= n - pos);
		pos += used;
		if (r == SCP_MORE)
			assert_int_equal(pos, n);
		event(d, r);
	}
	free(copy);
}

/* split: 0 whole, 1 octet by octet, else a seed for random pieces. */
static char *
drive(const struct scp_limits *lim, const char *in, size_t len,
    const char *policy, uint64_t split)
{
	struct drive	 d;
	size_t		 off = 0, n;
	size_t		 used;
	int		 i;
	char		*out;

	memset(&d, 0, sizeof(d));
	d.p = scp_parser_new(lim);
	assert_non_null(d.p);
	d.policy = policy;
	d.seed = split;
	while (off < len && !d.closed) {
		if (split == 0)
			n = len - off;
		else if (split == 1)
			n = 1;
		else
			n = 1 + rnd(&d.seed) % (rnd(&d.seed) % 4 == 0 ? 300 : 9);
		if (n > len - off)
			n = len - off;
		feed(&d, in + off, n);
		off += n;
	}
	/* Whatever can still happen without input (a refused {N} ends). */
	for (i = 0; i < 4 && !d.closed; i++)
		event(&d, scp_parse(d.p, NULL, 0, &used));
	scp_parser_free(d.p);
	scp_buf_free(&d.stream);
	if (d.out.data == NULL)
		scp_buf_addstr(&d.out, "");
	out = d.out.data;
	return out;
}

struct pcase {
	const char	*name;
	const char	*in;
	size_t		 len;		/* 0: strlen(in) */
	const char	*policy;
	const char	*want;
	size_t		 line_max;	/* 0: default */
	size_t		 args_max;
	size_t		 text_max;
	uint64_t	 doc_max;
};

#define L(s)	s, sizeof(s) - 1

static const struct pcase cases[] = {
	/* ---- plain requests ---- */
	{ "noop", "a1 NOOP\r\n", 0, NULL, "REQ a1|NOOP\n", 0, 0, 0, 0 },
	{ "bare lf", "a1 NOOP\n", 0, NULL, "REQ a1|NOOP\n", 0, 0, 0, 0 },
	{ "pipelined", "a1 NOOP\r\na2 CAPABILITY\na3 LOGOUT all\r\n", 0, NULL,
	    "REQ a1|NOOP\nREQ a2|CAPABILITY\nREQ a3|LOGOUT|all\n",
	    0, 0, 0, 0 },
	{ "login quoted",
	    "a1 LOGIN head.oakfield \"correct horse battery\"\r\n", 0, NULL,
	    "REQ a1|LOGIN|head.oakfield|\"correct horse battery\"\n",
	    0, 0, 0, 0 },
	{ "named, lower-cased", "a2 ACTION LIST mine=yes Limit=5 AFTER=\"\"\r\n",
	    0, NULL, "REQ a2|ACTION|LIST|mine=yes|limit=5|after=\"\"\n",
	    0, 0, 0, 0 },
	{ "empty quoted", "a1 X \"\"\r\n", 0, NULL, "REQ a1|X|\"\"\n",
	    0, 0, 0, 0 },
	{ "escapes", "a1 X \"a\\\"b\\\\c\" n=\"\\\\\"\r\n", 0, NULL,
	    "REQ a1|X|\"a\"b\\x5cc\"|n=\"\\x5c\"\n", 0, 0, 0, 0 },
	{ "utf-8 atom and quoted", "a1 X caf\xc3\xa9 \"\xe4\xb8\xad \xf0\x9f\x98\x80\"\r\n",
	    0, NULL,
	    "REQ a1|X|caf\\xc3\\xa9|\"\\xe4\\xb8\\xad \\xf0\\x9f\\x98\\x80\"\n",
	    0, 0, 0, 0 },
	{ "atom specials", "a1 X a/b+c*[d]%(e)\\f\r\n", 0, NULL,
	    "REQ a1|X|a/b+c*[d]%(e)\\x5cf\n", 0, 0, 0, 0 },
	{ "tab in quoted", "a1 X \"a\tb\"\r\n", 0, NULL,
	    "REQ a1|X|\"a\\x09b\"\n", 0, 0, 0, 0 },
	{ "longest tag and name",
	    "abcdefghijklmnopqrstuvwxyz.-_012 X "
	    "abcdefghijklmnopqrstuvwxyz_01234=1\r\n", 0, NULL,
	    "REQ abcdefghijklmnopqrstuvwxyz.-_012|X|"
	    "abcdefghijklmnopqrstuvwxyz_01234=1\n", 0, 0, 0, 0 },

	/* ---- syntax errors ---- */
	{ "empty line", "\r\na1 NOOP\r\n", 0, NULL,
	    "REJECT * \nREQ a1|NOOP\n", 0, 0, 0, 0 },
	{ "tag only", "a1\r\n", 0, NULL, "REJECT a1 \n", 0, 0, 0, 0 },
	{ "tag and space", "a1 \r\n", 0, NULL, "REJECT a1 \n", 0, 0, 0, 0 },
	{ "tag too long", "abcdefghijklmnopqrstuvwxyz.-_0123 NOOP\r\n", 0, NULL,
	    "REJECT * \n", 0, 0, 0, 0 },
	{ "tag bad char", "a!1 NOOP\r\n", 0, NULL, "REJECT * \n", 0, 0, 0, 0 },
	{ "tag star", "* NOOP\r\n", 0, NULL, "REJECT * \n", 0, 0, 0, 0 },
	{ "tag utf-8", "\xff\xfe NOOP\r\n", 0, NULL, "REJECT * \n",
	    0, 0, 0, 0 },
	{ "double space", "a1  NOOP\r\n", 0, NULL, "REJECT a1 \n", 0, 0, 0, 0 },
	{ "double space args", "a1 X a  b\r\n", 0, NULL, "REJECT a1 \n",
	    0, 0, 0, 0 },
	{ "trailing space", "a1 NOOP \r\n", 0, NULL, "REJECT a1 \n",
	    0, 0, 0, 0 },
	{ "quoted command", "a1 \"NOOP\"\r\n", 0, NULL, "REJECT a1 \n",
	    0, 0, 0, 0 },
	{ "named command", "a1 x=y\r\n", 0, NULL, "REJECT a1 \n", 0, 0, 0, 0 },
	{ "name too long", "a1 X abcdefghijklmnopqrstuvwxyz_012345=1\r\n",
	    0, NULL, "REJECT a1 \n", 0, 0, 0, 0 },
	{ "name bad char", "a1 X b-c=1\r\n", 0, NULL, "REJECT a1 \n",
	    0, 0, 0, 0 },
	{ "empty name", "a1 X =v\r\n", 0, NULL, "REJECT a1 \n", 0, 0, 0, 0 },
	{ "empty value", "a1 X n= y\r\n", 0, NULL, "REJECT a1 \n",
	    0, 0, 0, 0 },
	{ "value at end empty", "a1 X n=\r\n", 0, NULL, "REJECT a1 \n",
	    0, 0, 0, 0 },
	{ "two equals", "a1 X a=b=c\r\n", 0, NULL, "REJECT a1 \n",
	    0, 0, 0, 0 },
	{ "brace in atom", "a1 X a}b\r\n", 0, NULL, "REJECT a1 \n",
	    0, 0, 0, 0 },
	{ "quote in atom", "a1 X a\"b\"\r\n", 0, NULL, "REJECT a1 \n",
	    0, 0, 0, 0 },
	{ "unterminated quote", "a1 LOGIN x \"no end\r\n", 0, NULL,
	    "REJECT a1 \n", 0, 0, 0, 0 },
	{ "bad escape", "a1 X \"a\\nb\"\r\n", 0, NULL, "REJECT a1 \n",
	    0, 0, 0, 0 },
	{ "escape at end", "a1 X \"a\\\"\r\n", 0, NULL, "REJECT a1 \n",
	    0, 0, 0, 0 },
	{ "quoted glued", "a1 X \"a\"b\r\n", 0, NULL, "REJECT a1 \n",
	    0, 0, 0, 0 },
	{ "tab in atom", "a1 X a\tb\r\n", 0, NULL, "REJECT a1 \n", 0, 0, 0, 0 },
	{ "del in atom", "a1 X a\x7f\r\n", 0, NULL, "REJECT a1 \n",
	    0, 0, 0, 0 },
	{ "bare cr", "a1 NOOP\rX\r\na2 NOOP\r\n", 0, NULL,
	    "REJECT a1 \nREQ a2|NOOP\n", 0, 0, 0, 0 },
	{ "cr cr lf", "a1 NOOP\r\r\n", 0, NULL, "REJECT a1 \n", 0, 0, 0, 0 },
	{ "nul", L("a1 NO\0OP\r\na2 NOOP\r\n"), NULL,
	    "REJECT a1 \nREQ a2|NOOP\n", 0, 0, 0, 0 },
	{ "nul in quoted", L("a1 LOGIN u \"pass\0word\"\r\n"), NULL,
	    "REJECT a1 \n", 0, 0, 0, 0 },
	{ "utf-8 overlong", "a1 X \"x\xc0\xafy\"\r\n", 0, NULL,
	    "REJECT a1 \n", 0, 0, 0, 0 },
	{ "utf-8 overlong 3", "a1 X \xe0\x80\xaf\r\n", 0, NULL,
	    "REJECT a1 \n", 0, 0, 0, 0 },
	{ "utf-8 surrogate", "a1 X \"x\xed\xa0\x80y\"\r\n", 0, NULL,
	    "REJECT a1 \n", 0, 0, 0, 0 },
	{ "utf-8 too high", "a1 X \xf4\x90\x80\x80\r\n", 0, NULL,
	    "REJECT a1 \n", 0, 0, 0, 0 },
	{ "utf-8 truncated", "a1 X \"x\xe2\x82\"\r\n", 0, NULL,
	    "REJECT a1 \n", 0, 0, 0, 0 },
	{ "utf-8 stray", "a1 X \xff\r\n", 0, NULL, "REJECT a1 \n", 0, 0, 0, 0 },

	/* ---- HTTP ---- */
	{ "http get", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 0, NULL,
	    "CLOSE \n", 0, 0, 0, 0 },
	{ "http post", "POST /x HTTP/1.1\r\n", 0, NULL, "CLOSE \n",
	    0, 0, 0, 0 },
	{ "http put", "PUT /", 0, NULL, "CLOSE \n", 0, 0, 0, 0 },
	{ "http head", "HEAD /", 0, NULL, "CLOSE \n", 0, 0, 0, 0 },
	{ "http options", "OPTIONS *", 0, NULL, "CLOSE \n", 0, 0, 0, 0 },
	{ "http delete", "DELETE /", 0, NULL, "CLOSE \n", 0, 0, 0, 0 },
	{ "http connect", "CONNECT x:1", 0, NULL, "CLOSE \n", 0, 0, 0, 0 },
	{ "http host", "hOsT: example\r\n", 0, NULL, "CLOSE \n", 0, 0, 0, 0 },
	{ "not http: lower case method", "get NOOP\r\n", 0, NULL,
	    "REQ get|NOOP\n", 0, 0, 0, 0 },
	{ "not http: GET alone", "GET\r\n", 0, NULL, "REJECT GET \n",
	    0, 0, 0, 0 },
	{ "not http: later line", "a1 NOOP\r\nGET NOOP\r\n", 0, NULL,
	    "REQ a1|NOOP\nREQ GET|NOOP\n", 0, 0, 0, 0 },
	{ "not http: GETX", "GETX NOOP\r\n", 0, NULL, "REQ GETX|NOOP\n",
	    0, 0, 0, 0 },

	/* ---- line limit (line_max 16) ---- */
	{ "line at limit crlf", "a1 X 012345678\r\na2 NOOP\r\n", 0, NULL,
	    "REQ a1|X|012345678\nREQ a2|NOOP\n", 16, 0, 0, 0 },
	{ "line at limit lf", "a1 X 0123456789\na2 NOOP\r\n", 0, NULL,
	    "REQ a1|X|0123456789\nREQ a2|NOOP\n", 16, 0, 0, 0 },
	{ "line over limit", "a1 X 0123456789\r\n", 0, NULL,
	    "CLOSE TOOBIG\n", 16, 0, 0, 0 },
	{ "line over limit, no newline yet", "a1 X 0123456789A", 0, NULL,
	    "CLOSE TOOBIG\n", 16, 0, 0, 0 },
	{ "line one under, no newline", "a1 X 0123456789", 0, NULL,
	    "", 16, 0, 0, 0 },
	{ "continuation line over limit", "a1 X {1+}\r\nz 0123456789abcd\r\n",
	    0, "T", "LIT a1 1+ - 1\nCLOSE TOOBIG\n", 16, 0, 0, 0 },
	{ "skipped line over limit", "a1 \"X {1+}\r\nz 0123456789abcd\r\n",
	    0, NULL, "CLOSE TOOBIG\n", 16, 0, 0, 0 },

	/* ---- argument count (args_max 3) ---- */
	{ "args at limit", "a1 FOO a b c\r\n", 0, NULL,
	    "REQ a1|FOO|a|b|c\n", 0, 3, 0, 0 },
	{ "args over limit", "a1 FOO a b c d\r\na2 NOOP\r\n", 0, NULL,
	    "REJECT a1 TOOBIG\nREQ a2|NOOP\n", 0, 3, 0, 0 },
	{ "args over limit, named", "a1 FOO a b x=1 y=2\r\n", 0, NULL,
	    "REJECT a1 TOOBIG\n", 0, 3, 0, 0 },
	{ "args: literal at limit", "a1 FOO a b {1}\r\nx\r\n", 0, "T",
	    "LIT a1 1 - 3\nREQ a1|FOO|a|b|{x}\n", 0, 3, 0, 0 },
	{ "args: literal over limit, sync", "a1 FOO a b c {1}\r\na2 NOOP\r\n",
	    0, "T", "REJECT a1 TOOBIG\nREQ a2|NOOP\n", 0, 3, 0, 0 },
	{ "args: literal over limit skipped",
	    "a1 FOO a b c {11+}\r\na2 LOGOUT\r\n\r\na3 NOOP\r\n", 0, NULL,
	    "REJECT a1 TOOBIG\nREQ a3|NOOP\n", 0, 3, 0, 0 },
	{ "args over limit after literal",
	    "a1 FOO a {1+}\r\nx b {2+}\r\nyy\r\n", 0, "TT",
	    "LIT a1 1+ - 2\nREJECT a1 TOOBIG\n", 0, 3, 0, 0 },

	/* ---- literals ---- */
	{ "sync text", "a1 LOGIN user {5}\r\nhello\r\n", 0, "T",
	    "LIT a1 5 - 2\nREQ a1|LOGIN|user|{hello}\n", 0, 0, 0, 0 },
	{ "nonsync text", "a1 LOGIN {4+}\r\nuser {5+}\r\nhello\r\n", 0, "TT",
	    "LIT a1 4+ - 1\nLIT a1 5+ - 2\nREQ a1|LOGIN|{user}|{hello}\n",
	    0, 0, 0, 0 },
	{ "named literal then more", "a1 X data={3}\r\nabc y=1 z=\"q\"\r\n",
	    0, "B", "LIT a1 3 data 1\nREQ a1|X|data={abc}|y=1|z=\"q\"\n",
	    0, 0, 0, 0 },
	{ "named literal upper case", "a1 X Data={1}\r\nz\r\n", 0, "B",
	    "LIT a1 1 data 1\nREQ a1|X|data={z}\n", 0, 0, 0, 0 },
	{ "zero length", "a1 X {0}\r\n\r\n", 0, "T",
	    "LIT a1 0 - 1\nREQ a1|X|{}\n", 0, 0, 0, 0 },
	{ "zero length, more", "a1 X {0+}\r\n {0}\r\n a\r\n", 0, "TB",
	    "LIT a1 0+ - 1\nLIT a1 0 - 2\nREQ a1|X|{}|{}|a\n", 0, 0, 0, 0 },
	{ "bytes with crlf nul", L("a1 X {8}\r\na\r\nb\0c\n\r\r\n"), "B",
	    "LIT a1 8 - 1\nREQ a1|X|{a\\x0d\\x0ab\\x00c\\x0a\\x0d}\n",
	    0, 0, 0, 0 },
	{ "literal bare lf", "a1 X {2}\nab\n", 0, "T",
	    "LIT a1 2 - 1\nREQ a1|X|{ab}\n", 0, 0, 0, 0 },
	{ "literal holding a request", "a1 X {11}\r\na2 LOGOUT\r\n\r\n", 0,
	    "B", "LIT a1 11 - 1\nREQ a1|X|{a2 LOGOUT\\x0d\\x0a}\n", 0, 0, 0, 0 },
	{ "text literal with nul", L("a1 X {3}\r\na\0b {1}\r\nq\r\na2 NOOP\r\n"),
	    "TT", "LIT a1 3 - 1\nREJECT a1 \nREJECT q \nREQ a2|NOOP\n",
	    0, 0, 0, 0 },
	{ "text literal not utf-8", "a1 X {2}\r\n\xc0\xaf\r\na2 NOOP\r\n", 0,
	    "T", "LIT a1 2 - 1\nREJECT a1 \nREQ a2|NOOP\n", 0, 0, 0, 0 },
	{ "text literal surrogate skip rest",
	    "a1 X {3}\r\n\xed\xa0\x80 {9+}\r\na2 NOOP\r\n\r\na3 NOOP\r\n", 0,
	    "T", "LIT a1 3 - 1\nREJECT a1 \nREQ a3|NOOP\n", 0, 0, 0, 0 },
	{ "stream", "a3 DOC PUT 7 name=plan.pdf data={10}\r\n0123456789\r\n",
	    0, "S", "LIT a3 10 data 4\n"
	    "REQ a3|DOC|PUT|7|name=plan.pdf|data=<10> stream=0123456789\n",
	    0, 0, 0, 0 },
	{ "stream then args", "a1 X d={4}\r\n\r\n\r\n n=1\r\n", 0, "S",
	    "LIT a1 4 d 1\nREQ a1|X|d=<4>|n=1 stream=\\x0d\\x0a\\x0d\\x0a\n",
	    0, 0, 0, 0 },
	{ "stream zero", "a1 X {0}\r\n\r\n", 0, "S",
	    "LIT a1 0 - 1\nREQ a1|X|<0>\n", 0, 0, 0, 0 },

	/* ---- refusing ---- */
	{ "refuse sync", "a1 X {5}\r\na2 NOOP\r\n", 0, "R",
	    "LIT a1 5 - 1\nSKIPPED a1\nREQ a2|NOOP\n", 0, 0, 0, 0 },
	{ "refuse sync at end of input", "a1 X {5}\r\n", 0, "R",
	    "LIT a1 5 - 1\nSKIPPED a1\n", 0, 0, 0, 0 },
	{ "no decision is a refusal", "a1 X {5}\r\na2 NOOP\r\n", 0, "N",
	    "LIT a1 5 - 1\nSKIPPED a1\nREQ a2|NOOP\n", 0, 0, 0, 0 },
	{ "refuse nonsync",
	    "a1 X {11+}\r\na2 LOGOUT\r\n {3+}\r\nabc\r\na3 NOOP\r\n", 0, "R",
	    "LIT a1 11+ - 1\nSKIPPED a1\nREQ a3|NOOP\n", 0, 0, 0, 0 },
	{ "refuse second", "a1 X {1}\r\na {11+}\r\na2 LOGOUT\r\n\r\na3 NOOP\r\n",
	    0, "TR", "LIT a1 1 - 1\nLIT a1 11+ - 2\nSKIPPED a1\nREQ a3|NOOP\n",
	    0, 0, 0, 0 },
	{ "refuse nonsync, sync after", "a1 X {1+}\r\na {5}\r\na2 NOOP\r\n",
	    0, "R", "LIT a1 1+ - 1\nSKIPPED a1\nREQ a2|NOOP\n", 0, 0, 0, 0 },

	/* ---- limits on literals ---- */
	{ "nonsync 4096", "a1 X {4096+}\r\n", 0, "R",
	    "LIT a1 4096+ - 1\n", 0, 0, 0, 0 },
	{ "nonsync 4097", "a1 X {4097+}\r\na2 NOOP\r\n", 0, "R",
	    "CLOSE TOOBIG\n", 0, 0, 0, 0 },
	{ "nonsync 4097 on a bad line", "a1  X {4097+}\r\n", 0, "R",
	    "CLOSE TOOBIG\n", 0, 0, 0, 0 },
	{ "sync huge but fits", "a1 X {18446744073709551615}\r\na2 NOOP\r\n",
	    0, "R", "LIT a1 18446744073709551615 - 1\nSKIPPED a1\n"
	    "REQ a2|NOOP\n", 0, 0, 0, 0 },
	{ "sync overflow", "a1 X {18446744073709551616}\r\n", 0, "R",
	    "CLOSE TOOBIG\n", 0, 0, 0, 0 },
	{ "nonsync overflow", "a1 X {18446744073709551616+}\r\n", 0, "R",
	    "CLOSE TOOBIG\n", 0, 0, 0, 0 },
	{ "21 digits", "a1 X {000000000000000000005}\r\n", 0, "R",
	    "CLOSE TOOBIG\n", 0, 0, 0, 0 },
	{ "20 digits leading zeros", "a1 X {00000000000000000005}\r\nabcde\r\n",
	    0, "T", "LIT a1 5 - 1\nREQ a1|X|{abcde}\n", 0, 0, 0, 0 },
	{ "many digits", "a1 X {99999999999999999999999999999}\r\n", 0, "R",
	    "CLOSE TOOBIG\n", 0, 0, 0, 0 },
	{ "empty count", "a1 X {}\r\na2 NOOP\r\n", 0, NULL,
	    "REJECT a1 \nREQ a2|NOOP\n", 0, 0, 0, 0 },
	{ "plus first", "a1 X {+5}\r\na2 NOOP\r\n", 0, NULL,
	    "REJECT a1 \nREQ a2|NOOP\n", 0, 0, 0, 0 },
	{ "negative", "a1 X {-5}\r\na2 NOOP\r\n", 0, NULL,
	    "REJECT a1 \nREQ a2|NOOP\n", 0, 0, 0, 0 },
	{ "non-digit", "a1 X {5a}\r\na2 NOOP\r\n", 0, NULL,
	    "REJECT a1 \nREQ a2|NOOP\n", 0, 0, 0, 0 },
	{ "double plus", "a1 X {5++}\r\na2 NOOP\r\n", 0, NULL,
	    "REJECT a1 \nREQ a2|NOOP\n", 0, 0, 0, 0 },
	{ "literal mid-line", "a1 X {5} y\r\na2 NOOP\r\n", 0, NULL,
	    "REJECT a1 \nREQ a2|NOOP\n", 0, 0, 0, 0 },
	{ "literal glued to atom", "a1 X foo{5}\r\na2 NOOP\r\n", 0, NULL,
	    "REJECT a1 \nREQ a2|NOOP\n", 0, 0, 0, 0 },
	{ "literal glued, nonsync", "a1 X foo{5+}\r\na2 X\r\na3 NOOP\r\n", 0,
	    NULL, "REJECT a1 \nREQ a3|NOOP\n", 0, 0, 0, 0 },
	{ "literal then junk", "a1 X {3}\r\nabcdef\r\na2 NOOP\r\n", 0, "T",
	    "LIT a1 3 - 1\nREJECT a1 \nREQ a2|NOOP\n", 0, 0, 0, 0 },
	{ "literal then trailing space", "a1 X {3}\r\nabc \r\na2 NOOP\r\n", 0,
	    "T", "LIT a1 3 - 1\nREJECT a1 \nREQ a2|NOOP\n", 0, 0, 0, 0 },
	{ "literal as command", "a1 {4+}\r\nNOOP\r\na2 NOOP\r\n", 0, NULL,
	    "REJECT a1 \nREQ a2|NOOP\n", 0, 0, 0, 0 },
	{ "text over text_max", "a1 X {20}\r\n01234567890123456789\r\na2 NOOP\r\n",
	    0, "T", "LIT a1 20 - 1\nREJECT a1 TOOBIG\nREQ a2|NOOP\n",
	    0, 0, 10, 0 },
	{ "bytes over text_max", "a1 X {11+}\r\na2 LOGOUT\r\n\r\na3 NOOP\r\n",
	    0, "B", "LIT a1 11+ - 1\nREJECT a1 TOOBIG\nREQ a3|NOOP\n",
	    0, 0, 10, 0 },
	{ "stream over doc_max", "a1 X {11+}\r\na2 LOGOUT\r\n\r\na3 NOOP\r\n",
	    0, "S", "LIT a1 11+ - 1\nREJECT a1 TOOBIG\nREQ a3|NOOP\n",
	    0, 0, 0, 10 },
	{ "text at text_max", "a1 X {10}\r\n0123456789\r\n", 0, "T",
	    "LIT a1 10 - 1\nREQ a1|X|{0123456789}\n", 0, 0, 10, 0 },

	/* ---- smuggling: literal octets are never commands ---- */
	{ "smuggle after bad tag", "!! X {11+}\r\na2 LOGOUT\r\n\r\na3 NOOP\r\n",
	    0, NULL, "REJECT * \nREQ a3|NOOP\n", 0, 0, 0, 0 },
	{ "smuggle after bad quote",
	    "a1 X \"open {11+}\r\na2 LOGOUT\r\n\r\na3 NOOP\r\n", 0, NULL,
	    "REJECT a1 \nREQ a3|NOOP\n", 0, 0, 0, 0 },
	{ "smuggle after bare cr",
	    "a1 X\ry {11+}\r\na2 LOGOUT\r\n\r\na3 NOOP\r\n", 0, NULL,
	    "REJECT a1 \nREQ a3|NOOP\n", 0, 0, 0, 0 },
	{ "smuggle after nul",
	    L("a1 X\0y {11+}\r\na2 LOGOUT\r\n\r\na3 NOOP\r\n"), NULL,
	    "REJECT a1 \nREQ a3|NOOP\n", 0, 0, 0, 0 },
	{ "smuggle after bad utf-8",
	    "a1 X \xc0\xaf {11+}\r\na2 LOGOUT\r\n\r\na3 NOOP\r\n", 0, NULL,
	    "REJECT a1 \nREQ a3|NOOP\n", 0, 0, 0, 0 },
	{ "smuggle in chained skipped literals",
	    "a1 X\"y {11+}\r\na2 LOGOUT\r\n {11+}\r\na3 LOGOUT\r\n\r\n"
	    "a4 NOOP\r\n", 0, NULL, "REJECT a1 \nREQ a4|NOOP\n", 0, 0, 0, 0 },
	{ "smuggle with empty line only", "\"{9+}\r\na2 NOOP\n\r\na3 NOOP\r\n",
	    0, NULL, "REJECT * \nREQ a3|NOOP\n", 0, 0, 0, 0 },
	{ "sync on a bad line ends it", "a1 X\"y {11}\r\na2 LOGOUT\r\n", 0,
	    NULL, "REJECT a1 \nREQ a2|LOGOUT\n", 0, 0, 0, 0 },
};

static struct scp_limits
case_limits(const struct pcase *c)
{
	struct scp_limits	 lim;

	scp_limits_default(&lim);
	if (c->line_max != 0)
		lim.line_max = c->line_max;
	if (c->args_max != 0)
		lim.args_max = c->args_max;
	if (c->text_max != 0)
		lim.text_max = c->text_max;
	if (c->doc_max != 0)
		lim.doc_max = c->doc_max;
	return lim;
}

static void
test_table(void **state)
{
	struct scp_limits	 lim;
	const struct pcase	*c;
	size_t			 i, len;
	uint64_t		 k;
	char			*whole, *other;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = &cases[i];
		lim = case_limits(c);
		len = c->len != 0 ? c->len : strlen(c->in);
		whole = drive(&lim, c->in, len, c->policy, 0);
		if (strcmp(whole, c->want) != 0) {
			print_error("case \"%s\"\n want: %s\n  got: %s\n",
			    c->name, c->want, whole);
			fail();
		}
		for (k = 1; k < 2 + RANDOM_RUNS; k++) {
			other = drive(&lim, c->in, len, c->policy,
			    k == 1 ? 1 : k * 7919);
			if (strcmp(whole, other) != 0) {
				print_error("case \"%s\" split %llu\n"
				    " whole: %s\n split: %s\n", c->name,
				    (unsigned long long)k, whole, other);
				fail();
			}
			free(other);
		}
		free(whole);
	}
}

/* The probe fires on the method alone, before any newline. */
static void
test_http_early(void **state)
{
	struct scp_parser	*p;
	size_t			 used;

	(void)state;
	p = scp_parser_new(NULL);
	assert_int_equal(scp_parse(p, "GE", 2, &used), SCP_MORE);
	assert_int_equal(scp_parse(p, "T", 1, &used), SCP_MORE);
	assert_int_equal(scp_parse(p, " ", 1, &used), SCP_CLOSE);
	assert_string_equal(scp_parser_error(p), "HTTP is not spoken here");
	assert_int_equal(scp_parse(p, "a1 NOOP\r\n", 9, &used), SCP_CLOSE);
	assert_int_equal(used, 0);
	scp_parser_free(p);
}

/* A line over the limit is refused when it reaches it, without its LF. */
static void
test_line_cap_early(void **state)
{
	struct scp_limits	 lim;
	struct scp_parser	*p;
	char			 big[8192];
	size_t			 used;

	(void)state;
	scp_limits_default(&lim);
	p = scp_parser_new(&lim);
	memcpy(big, "a1 NOOP ", 8);
	memset(big + 8, 'x', sizeof(big) - 8);
	assert_int_equal(scp_parse(p, big, 8191, &used), SCP_MORE);
	assert_int_equal(used, 8191);
	assert_true(scp_parser_busy(p));
	assert_int_equal(scp_parse(p, "x", 1, &used), SCP_CLOSE);
	assert_int_equal(scp_parser_code(p), SCP_CODE_TOOBIG);
	scp_parser_free(p);

	/* 8191 octets and a bare LF: exactly the limit. */
	p = scp_parser_new(&lim);
	big[8191] = '\n';
	assert_int_equal(scp_parse(p, big, 8192, &used), SCP_REQUEST);
	assert_int_equal(used, 8192);
	scp_parser_free(p);
}

static void
test_busy_and_held(void **state)
{
	struct scp_parser	*p;
	const char		*line = "a1 X {100000}\r\n";
	char			*data;
	size_t			 used;

	(void)state;
	p = scp_parser_new(NULL);
	assert_false(scp_parser_busy(p));
	assert_int_equal(scp_parse(p, "a1 NO", 5, &used), SCP_MORE);
	assert_true(scp_parser_busy(p));
	assert_int_equal(scp_parse(p, "OP\r\n", 4, &used), SCP_REQUEST);
	assert_false(scp_parser_busy(p));

	assert_int_equal(scp_parse(p, line, strlen(line), &used), SCP_LITERAL);
	assert_true(scp_parser_busy(p));
	scp_parser_accept(p, SCP_LIT_TEXT);
	data = malloc(100002);
	memset(data, 'z', 100000);
	memcpy(data + 100000, "\r\n", 2);
	assert_int_equal(scp_parse(p, data, 100002, &used), SCP_REQUEST);
	assert_int_equal(used, 100002);
	assert_true(scp_parser_held(p) >= 100000);
	assert_int_equal(scp_parser_request(p)->items[1].len, 100000);
	free(data);
	/* The next call, even with nothing, lets the request go. */
	assert_int_equal(scp_parse(p, NULL, 0, &used), SCP_MORE);
	assert_true(scp_parser_held(p) <= 1024);
	assert_false(scp_parser_busy(p));
	scp_parser_free(p);
}

/* A long line's buffer is not kept once its request is done. */
static void
test_idle_small(void **state)
{
	struct scp_parser	*p;
	char			 line[8000];
	size_t			 used;

	(void)state;
	p = scp_parser_new(NULL);
	memcpy(line, "a1 X ", 5);
	memset(line + 5, 'y', sizeof(line) - 7);
	memcpy(line + sizeof(line) - 2, "\r\n", 2);
	assert_int_equal(scp_parse(p, line, sizeof(line), &used),
	    SCP_REQUEST);
	assert_int_equal(scp_parse(p, NULL, 0, &used), SCP_MORE);
	assert_true(scp_parser_held(p) <= 1024);
	scp_parser_free(p);
}

/* Chunks point into the caller's buffer and cover exactly the literal. */
static void
test_chunks(void **state)
{
	struct scp_parser	*p;
	const char		*in = "a1 X {6}\r\n", *c;
	const char		*body = "abcdef\r\na2 NOOP\r\n";
	size_t			 used, clen;

	(void)state;
	p = scp_parser_new(NULL);
	assert_int_equal(scp_parse(p, in, strlen(in), &used), SCP_LITERAL);
	scp_parser_accept(p, SCP_LIT_STREAM);
	assert_int_equal(scp_parse(p, body, 4, &used), SCP_CHUNK);
	scp_parser_chunk(p, &c, &clen);
	assert_ptr_equal(c, body);
	assert_int_equal(clen, 4);
	assert_int_equal(used, 4);
	assert_int_equal(scp_parse(p, body + 4, strlen(body) - 4, &used),
	    SCP_CHUNK);
	scp_parser_chunk(p, &c, &clen);
	assert_ptr_equal(c, body + 4);
	assert_int_equal(clen, 2);
	assert_int_equal(used, 2);
	assert_int_equal(scp_parse(p, body + 6, strlen(body) - 6, &used),
	    SCP_REQUEST);
	assert_int_equal(used, 2);
	assert_true(scp_parser_request(p)->items[1].streamed);
	assert_int_equal(scp_parse(p, body + 8, strlen(body) - 8, &used),
	    SCP_REQUEST);
	assert_string_equal(scp_parser_request(p)->items[0].value, "NOOP");
	scp_parser_free(p);
}

/* The error message and tag after REJECT, the request after a refusal. */
static void
test_reject_details(void **state)
{
	struct scp_parser	*p;
	size_t			 used;
	const char		*in = "t.9 LOGIN \"x\r\n";

	(void)state;
	p = scp_parser_new(NULL);
	assert_int_equal(scp_parse(p, in, strlen(in), &used), SCP_REJECT);
	assert_string_equal(scp_parser_tag(p), "t.9");
	assert_int_equal(scp_parser_code(p), SCP_CODE_NONE);
	assert_string_equal(scp_parser_error(p), "malformed quoted string");
	in = "a2 LOGIN u {5}\r\n";
	assert_int_equal(scp_parse(p, in, strlen(in), &used), SCP_LITERAL);
	assert_string_equal(scp_parser_partial(p)->tag, "a2");
	assert_int_equal(scp_parser_partial(p)->nitems, 2);
	assert_true(scp_parser_literal(p)->sync);
	scp_parser_refuse(p);
	assert_int_equal(scp_parse(p, NULL, 0, &used), SCP_SKIPPED);
	assert_string_equal(scp_parser_tag(p), "a2");
	assert_string_equal(scp_parser_request(p)->items[1].value, "u");
	assert_false(scp_parser_busy(p));
	scp_parser_free(p);
}

/* 64 arguments to a two-word command are fine; 65 are not. */
static void
test_args_default(void **state)
{
	struct scp_parser	*p;
	struct scp_buf		 b = { NULL, 0, 0 };
	size_t			 used, i;

	(void)state;
	p = scp_parser_new(NULL);
	scp_buf_addstr(&b, "a1 LOGIN");
	for (i = 0; i < 64; i++)
		scp_buf_printf(&b, " x%zu", i);
	scp_buf_addstr(&b, "\r\n");
	assert_int_equal(scp_parse(p, b.data, b.len, &used), SCP_REQUEST);
	assert_int_equal(scp_parser_request(p)->nitems, 65);
	scp_buf_reset(&b);
	scp_buf_addstr(&b, "a2 LOGIN");
	for (i = 0; i < 65; i++)
		scp_buf_printf(&b, " x%zu", i);
	scp_buf_addstr(&b, "\r\n");
	assert_int_equal(scp_parse(p, b.data, b.len, &used), SCP_REJECT);
	assert_int_equal(scp_parser_code(p), SCP_CODE_TOOBIG);
	assert_string_equal(scp_parser_tag(p), "a2");
	scp_buf_free(&b);
	scp_parser_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_http_early),
		cmocka_unit_test(test_line_cap_early),
		cmocka_unit_test(test_busy_and_held),
		cmocka_unit_test(test_idle_small),
		cmocka_unit_test(test_chunks),
		cmocka_unit_test(test_reject_details),
		cmocka_unit_test(test_args_default),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
