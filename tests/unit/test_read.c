/*
 * The response reader, and the round trip: whatever the writer is given
 * comes back from the reader octet for octet, as one response, with no
 * line left over.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "scp.h"

#define LINE_MAX_T	8192
#define LIT_MAX_T	(1024 * 1024)

/*
 * Read one response from in, fed in pieces of `step` octets (0: whole);
 * each piece a fresh copy, freed after. Returns the result; *consumed
 * the octets taken up to and including the response.
 */
static enum scp_result
read_one(struct scp_reader *r, const char *in, size_t len, size_t step,
    size_t *consumed)
{
	enum scp_result	 res = SCP_MORE;
	size_t		 off = 0, n, used;
	char		*copy;

	while (off < len) {
		n = step == 0 || step > len - off ? len - off : step;
		copy = malloc(n);
		assert_non_null(copy);
		memcpy(copy, in + off, n);
		res = scp_read(r, copy, n, &used);
		free(copy);
		assert_true(used <= n);
		off += used;
		if (res != SCP_MORE)
			break;
		assert_int_equal(used, n);
	}
	*consumed = off;
	return res;
}

static const struct scp_response *
one(struct scp_reader **r, const char *in, size_t step)
{
	size_t	 used;

	scp_reader_free(*r);
	*r = scp_reader_new(LINE_MAX_T, LIT_MAX_T);
	assert_non_null(*r);
	assert_int_equal(read_one(*r, in, strlen(in), step, &used),
	    SCP_REQUEST);
	assert_int_equal(used, strlen(in));
	return scp_reader_response(*r);
}

static void
test_kinds(void **state)
{
	struct scp_reader		*r = NULL;
	const struct scp_response	*resp;
	size_t				 step;

	(void)state;
	for (step = 0; step < 3; step++) {
		resp = one(&r, "* OK [CAPABILITY scc/1 LITERAL+ WATCH] sccd ready"
		    "\r\n", step);
		assert_int_equal(resp->kind, SCP_R_DATA);
		assert_string_equal(resp->type, "OK");
		assert_string_equal(resp->code, "CAPABILITY");
		assert_string_equal(resp->code_args, "scc/1 LITERAL+ WATCH");
		assert_string_equal(resp->text, "sccd ready");

		resp = one(&r, "* CAPABILITY scc/1 LITERAL+ WATCH\r\n", step);
		assert_int_equal(resp->kind, SCP_R_DATA);
		assert_string_equal(resp->type, "CAPABILITY");
		assert_int_equal(resp->nfields, 3);
		assert_null(resp->fields[0].name);
		assert_string_equal(resp->fields[0].value, "scc/1");
		assert_string_equal(resp->fields[1].value, "LITERAL+");
		assert_string_equal(resp->fields[2].value, "WATCH");
		assert_null(resp->code);
		assert_null(resp->text);

		resp = one(&r, "* SESSION token=7Hq-Zw expires=2026-11-22T22:00:00Z"
		    "\n", step);
		assert_string_equal(resp->type, "SESSION");
		assert_string_equal(scp_response_field(resp, "token"), "7Hq-Zw");
		assert_string_equal(scp_response_field(resp, "expires"),
		    "2026-11-22T22:00:00Z");
		assert_null(scp_response_field(resp, "nope"));

		resp = one(&r, "a1 OK [ROLE headteacher] welcome, Ann Head\r\n",
		    step);
		assert_int_equal(resp->kind, SCP_R_DONE);
		assert_string_equal(resp->tag, "a1");
		assert_int_equal(resp->status, SCP_OK);
		assert_string_equal(resp->code, "ROLE");
		assert_string_equal(resp->code_args, "headteacher");
		assert_string_equal(resp->text, "welcome, Ann Head");

		resp = one(&r, "a5 NO [NOTFOUND] no such school\r\n", step);
		assert_int_equal(resp->status, SCP_NO);
		assert_string_equal(resp->code, "NOTFOUND");
		assert_null(resp->code_args);
		assert_string_equal(resp->text, "no such school");

		resp = one(&r, "a6 OK\r\n", step);
		assert_int_equal(resp->kind, SCP_R_DONE);
		assert_null(resp->text);
		assert_null(resp->code);

		resp = one(&r, "x.y BAD [TOOBIG]\r\n", step);
		assert_int_equal(resp->status, SCP_BAD);
		assert_string_equal(resp->code, "TOOBIG");
		assert_null(resp->text);

		resp = one(&r, "* BYE logging out\r\n", step);
		assert_int_equal(resp->kind, SCP_R_BYE);
		assert_string_equal(resp->text, "logging out");
		assert_null(resp->code);

		resp = one(&r, "* BYE [TOOBIG] line too long\r\n", step);
		assert_int_equal(resp->kind, SCP_R_BYE);
		assert_string_equal(resp->code, "TOOBIG");

		resp = one(&r, "* BAD invalid tag\r\n", step);
		assert_int_equal(resp->kind, SCP_R_DATA);
		assert_string_equal(resp->type, "BAD");
		assert_int_equal(resp->status, SCP_BAD);
		assert_string_equal(resp->text, "invalid tag");

		resp = one(&r, "+ OK\r\n", step);
		assert_int_equal(resp->kind, SCP_R_CONTINUE);
		assert_string_equal(resp->text, "OK");

		resp = one(&r, "* MINUTES meeting=12 text={7}\r\nhe\r\nllo"
		    " version=3 note=\"a \\\"b\\\"\"\r\n", step);
		assert_string_equal(resp->type, "MINUTES");
		assert_int_equal(resp->nfields, 4);
		assert_string_equal(scp_response_field(resp, "text"),
		    "he\r\nllo");
		assert_true(resp->fields[1].literal);
		assert_int_equal(resp->fields[1].len, 7);
		assert_string_equal(scp_response_field(resp, "version"), "3");
		assert_string_equal(scp_response_field(resp, "note"),
		    "a \"b\"");
		assert_true(resp->fields[3].quoted);

		resp = one(&r, "* DOC data={0}\r\n\r\n", step);
		assert_string_equal(scp_response_field(resp, "data"), "");

		resp = one(&r, "* X {2}\r\nab {1}\r\nc\r\n", step);
		assert_int_equal(resp->nfields, 2);
		assert_string_equal(resp->fields[0].value, "ab");
		assert_string_equal(resp->fields[1].value, "c");
	}
	scp_reader_free(r);
}

/* Several responses in one read come out one by one. */
static void
test_sequence(void **state)
{
	struct scp_reader		*r;
	const struct scp_response	*resp;
	const char			*in = "* USER id=1\r\na1 OK done\r\n+ go\r\n";
	size_t				 used, off = 0;

	(void)state;
	r = scp_reader_new(LINE_MAX_T, LIT_MAX_T);
	assert_int_equal(scp_read(r, in, strlen(in), &used), SCP_REQUEST);
	resp = scp_reader_response(r);
	assert_string_equal(resp->type, "USER");
	off += used;
	assert_int_equal(scp_read(r, in + off, strlen(in) - off, &used),
	    SCP_REQUEST);
	assert_string_equal(scp_reader_response(r)->tag, "a1");
	off += used;
	assert_int_equal(scp_read(r, in + off, strlen(in) - off, &used),
	    SCP_REQUEST);
	assert_int_equal(scp_reader_response(r)->kind, SCP_R_CONTINUE);
	off += used;
	assert_int_equal(off, strlen(in));
	assert_int_equal(scp_read(r, NULL, 0, &used), SCP_MORE);
	scp_reader_free(r);
}

static void
expect_close(const char *in, size_t len, size_t line_max, uint64_t lit_max)
{
	struct scp_reader	*r;
	size_t			 used, step;

	for (step = 0; step < 2; step++) {
		r = scp_reader_new(line_max, lit_max);
		if (read_one(r, in, len, step, &used) != SCP_CLOSE) {
			print_error("not refused: %s\n", in);
			fail();
		}
		assert_true(scp_reader_error(r)[0] != '\0');
		assert_int_equal(scp_read(r, "a1 OK\r\n", 7, &used), SCP_CLOSE);
		scp_reader_free(r);
	}
}

#define CLOSES(s)	expect_close(s, sizeof(s) - 1, LINE_MAX_T, LIT_MAX_T)

static void
test_malformed(void **state)
{
	(void)state;
	CLOSES("a1 MAYBE fine\r\n");
	CLOSES("a1\r\n");
	CLOSES("bad!tag OK x\r\n");
	CLOSES("\r\n");
	CLOSES("* \r\n");
	CLOSES("*X\r\n");
	CLOSES("+x\r\n");
	CLOSES("a1 OK [unclosed\r\n");
	CLOSES("a1 OK [] x\r\n");
	CLOSES("a1 OK [ROLE x]y\r\n");
	CLOSES("a1 OKAY\r\n");
	CLOSES("a1 OK\rx\r\n");
	CLOSES("a1 OK \xc0\xaf\r\n");
	CLOSES("a1 OK a\0b\r\n");
	CLOSES("* X a=\r\n");
	CLOSES("* X =b\r\n");
	CLOSES("* X a  b\r\n");
	CLOSES("* X a \r\n");
	CLOSES("* X a=\"open\r\n");
	CLOSES("* X {3} b\r\n");
	CLOSES("* X a{3}\r\nabc\r\n");
	CLOSES("* X {3}\r\nabcd\r\n");
	CLOSES("* X name_far_too_long_for_a_field_name=1\r\n");
	CLOSES("* X t={18446744073709551616}\r\n");
	expect_close("* X t={11}\r\n", 12, LINE_MAX_T, 10);
	expect_close("* X 0123456789AB", 16, 16, LIT_MAX_T);
	expect_close("* X 01234567890\r\n", 17, 16, LIT_MAX_T);
}

/* Values that stress every rule of the writer. */
static size_t
random_value(uint64_t *seed, char *v, size_t max)
{
	static const char *const pieces[] = {
		"\r", "\n", "\r\n", "\"", "\\", "{", "}", "{3}", "{3+}", "=",
		" ", "[", "]", "*", "+", "a", "b", "Z", "0", "9", "x=y",
		"\xc3\xa9", "\xe4\xb8\xad", "\xf0\x9f\x98\x80", "\xff", "\xc0\xaf",
		"\xed\xa0\x80", "\t", "a1 OK injected", "\x01", "\x7f",
	};
	size_t	 len = 0, n, k, i, count;

	*seed = *seed * 6364136223846793005ULL + 1442695040888963407ULL;
	k = (*seed >> 33) % 8;
	count = k == 0 ? 0 : k < 6 ? 1 + (*seed >> 40) % 12 : 300 + (*seed >> 40) % 700;
	for (i = 0; i < count; i++) {
		*seed = *seed * 6364136223846793005ULL + 1442695040888963407ULL;
		if ((*seed >> 60) == 0 && len < max) {
			v[len++] = '\0';
			continue;
		}
		k = (*seed >> 33) % (sizeof(pieces) / sizeof(pieces[0]));
		n = strlen(pieces[k]);
		if (len + n > max)
			break;
		memcpy(v + len, pieces[k], n);
		len += n;
	}
	return len;
}

static void
test_roundtrip(void **state)
{
	struct scp_buf			 b = { NULL, 0, 0 };
	struct scp_reader		*r;
	const struct scp_response	*resp;
	char				 vals[8][4096], name[16];
	size_t				 lens[8], nv, i, used, step;
	uint64_t			 seed = 2026;
	int				 round;

	(void)state;
	for (round = 0; round < 3000; round++) {
		scp_buf_reset(&b);
		assert_int_equal(scp_put_data(&b, "REC"), 0);
		seed = seed * 6364136223846793005ULL + 1;
		nv = 1 + (seed >> 33) % 8;
		for (i = 0; i < nv; i++) {
			lens[i] = random_value(&seed, vals[i], sizeof(vals[i]));
			if (i % 3 == 2) {
				/* a positional value */
				assert_int_equal(scp_buf_addstr(&b, " "), 0);
				assert_int_equal(scp_put_value(&b, vals[i],
				    lens[i]), 0);
			} else {
				snprintf(name, sizeof(name), "f%zu", i);
				assert_int_equal(scp_put_field(&b, name,
				    vals[i], lens[i]), 0);
			}
		}
		assert_int_equal(scp_put_end(&b), 0);
		/* A completion with hostile text follows: it must stay one line. */
		i = random_value(&seed, name, sizeof(name) - 1);
		name[i] = '\0';
		assert_int_equal(scp_put_completion(&b, "t1", SCP_NO,
		    SCP_CODE_INVALID, name, name), 0);

		step = round % 3 == 0 ? 1 : round % 3 == 1 ? 0 : 7;
		r = scp_reader_new(1 << 20, 1 << 20);
		assert_int_equal(read_one(r, b.data, b.len, step, &used),
		    SCP_REQUEST);
		resp = scp_reader_response(r);
		assert_int_equal(resp->kind, SCP_R_DATA);
		assert_string_equal(resp->type, "REC");
		assert_int_equal(resp->nfields, nv);
		for (i = 0; i < nv; i++) {
			if (i % 3 == 2)
				assert_null(resp->fields[i].name);
			else {
				snprintf(name, sizeof(name), "f%zu", i);
				assert_string_equal(resp->fields[i].name, name);
			}
			assert_int_equal(resp->fields[i].len, lens[i]);
			assert_memory_equal(resp->fields[i].value, vals[i],
			    lens[i]);
		}
		/* Then exactly one more response: the completion. */
		assert_int_equal(read_one(r, b.data + used, b.len - used, step,
		    &i), SCP_REQUEST);
		assert_int_equal(used + i, b.len);
		resp = scp_reader_response(r);
		assert_int_equal(resp->kind, SCP_R_DONE);
		assert_string_equal(resp->tag, "t1");
		assert_int_equal(resp->status, SCP_NO);
		assert_string_equal(resp->code, "INVALID");
		assert_non_null(resp->text);
		scp_reader_free(r);
	}
	scp_buf_free(&b);
}

struct sunk {
	char	buf[64];
	size_t	len;
	int	calls;
	bool	refuse;
};

static int
sink_take(void *arg, const char *data, size_t len)
{
	struct sunk	*k = arg;

	if (k->refuse)
		return -1;
	assert_true(k->len + len <= sizeof(k->buf));
	memcpy(k->buf + k->len, data, len);
	k->len += len;
	k->calls++;
	return 0;
}

/* A literal of the sink's field goes to it, in pieces, never held. */
static void
test_sink(void **state)
{
	static const char	 in[] = "* DOC id=7 name={3}\r\na\0" "b data={10}"
	    "\r\n0\r\n3\0" "567\n9\r\nt1 OK sent\r\n";
	struct scp_reader	*r;
	const struct scp_response *resp;
	struct sunk		 k;
	size_t			 used, step;

	(void)state;
	for (step = 1; step <= sizeof(in); step++) {
		memset(&k, 0, sizeof(k));
		r = scp_reader_new(LINE_MAX_T, LIT_MAX_T);
		assert_non_null(r);
		assert_int_equal(scp_reader_sink(r, "data", sink_take, &k), 0);
		assert_int_equal(read_one(r, in, sizeof(in) - 1, step, &used),
		    SCP_REQUEST);
		resp = scp_reader_response(r);
		assert_string_equal(resp->type, "DOC");
		/* Only data= went to the sink: name= is held as before. */
		assert_int_equal(k.len, 10);
		assert_memory_equal(k.buf, "0\r\n3\0" "567\n9", 10);
		assert_int_equal(resp->nfields, 3);
		assert_int_equal(resp->fields[1].len, 3);
		assert_memory_equal(resp->fields[1].value, "a\0" "b", 3);
		assert_string_equal(resp->fields[2].name, "data");
		assert_int_equal(resp->fields[2].len, 0);
		assert_true(step > 1 || k.calls == 10);
		scp_reader_free(r);
	}
	/* A sink that cannot take the octets fails the reader. */
	memset(&k, 0, sizeof(k));
	k.refuse = true;
	r = scp_reader_new(LINE_MAX_T, LIT_MAX_T);
	assert_non_null(r);
	assert_int_equal(scp_reader_sink(r, "data", sink_take, &k), 0);
	assert_int_equal(read_one(r, in, sizeof(in) - 1, 0, &used), SCP_CLOSE);
	scp_reader_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_sink),
		cmocka_unit_test(test_sequence),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
