/* The response writer: each value in the form that is safe for it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "scp.h"

static char *
value(const char *s, size_t len)
{
	static struct scp_buf	 b;

	scp_buf_free(&b);
	assert_int_equal(scp_put_value(&b, s, len), 0);
	return b.data;
}

#define VAL(s)	value(s, sizeof(s) - 1)

static void
test_value_forms(void **state)
{
	(void)state;
	assert_string_equal(VAL("abc"), "abc");
	assert_string_equal(VAL("2026-11-22T14:00:00Z"), "2026-11-22T14:00:00Z");
	assert_string_equal(VAL("application/pdf"), "application/pdf");
	assert_string_equal(VAL("LITERAL+"), "LITERAL+");
	assert_string_equal(VAL(""), "\"\"");
	assert_string_equal(value(NULL, 0), "\"\"");
	assert_string_equal(VAL("a b"), "\"a b\"");
	assert_string_equal(VAL("a\"b"), "\"a\\\"b\"");
	assert_string_equal(VAL("a\\b"), "\"a\\\\b\"");
	assert_string_equal(VAL("\\\"\\"), "\"\\\\\\\"\\\\\"");
	assert_string_equal(VAL("{5}"), "\"{5}\"");
	assert_string_equal(VAL("a=b"), "\"a=b\"");
	assert_string_equal(VAL("[x]"), "\"[x]\"");
	assert_string_equal(VAL("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
	assert_string_equal(VAL("a\r\nb"), "{4}\r\na\r\nb");
	assert_string_equal(VAL("\n"), "{1}\r\n\n");
	assert_string_equal(VAL("a\tb"), "{3}\r\na\tb");
	assert_string_equal(VAL("a\x7f"), "{2}\r\na\x7f");
	assert_string_equal(VAL("\xc0\xaf"), "{2}\r\n\xc0\xaf");
	assert_string_equal(VAL("\xed\xa0\x80"), "{3}\r\n\xed\xa0\x80");
}

static void
test_value_nul(void **state)
{
	struct scp_buf	 b = { NULL, 0, 0 };

	(void)state;
	assert_int_equal(scp_put_value(&b, "a\0b", 3), 0);
	assert_int_equal(b.len, 8);
	assert_memory_equal(b.data, "{3}\r\na\0b", 8);
	scp_buf_free(&b);
}

static void
test_value_lengths(void **state)
{
	struct scp_buf	 b = { NULL, 0, 0 };
	char		 v[SCP_FIELD_INLINE_MAX + 1];

	(void)state;
	memset(v, 'x', sizeof(v));
	assert_int_equal(scp_put_value(&b, v, SCP_FIELD_INLINE_MAX), 0);
	assert_int_equal(b.len, SCP_FIELD_INLINE_MAX);
	scp_buf_reset(&b);
	assert_int_equal(scp_put_value(&b, v, SCP_FIELD_INLINE_MAX + 1), 0);
	assert_memory_equal(b.data, "{1025}\r\n", 8);
	assert_int_equal(b.len, 8 + SCP_FIELD_INLINE_MAX + 1);
	scp_buf_reset(&b);
	v[0] = ' ';
	assert_int_equal(scp_put_value(&b, v, SCP_FIELD_INLINE_MAX), 0);
	assert_int_equal(b.data[0], '"');
	assert_int_equal(b.len, SCP_FIELD_INLINE_MAX + 2);
	scp_buf_reset(&b);
	assert_int_equal(scp_put_value(&b, v, SCP_FIELD_INLINE_MAX + 1), 0);
	assert_int_equal(b.data[0], '{');
	scp_buf_free(&b);
}

static void
test_record(void **state)
{
	struct scp_buf	 b = { NULL, 0, 0 };

	(void)state;
	assert_int_equal(scp_put_data(&b, "ACTION"), 0);
	assert_int_equal(scp_put_fieldstr(&b, "id", "41"), 0);
	assert_int_equal(scp_put_fieldstr(&b, "title", "Publish reading plan"),
	    0);
	assert_int_equal(scp_put_fieldstr(&b, "note", NULL), 0);
	assert_int_equal(scp_put_field(&b, "text", "a\nb", 3), 0);
	assert_int_equal(scp_put_fieldstr(&b, "owner", "head.oakfield"), 0);
	assert_int_equal(scp_put_end(&b), 0);
	assert_string_equal(b.data, "* ACTION id=41 title=\"Publish reading plan\""
	    " text={3}\r\na\nb owner=head.oakfield\r\n");
	/* Names and types that would break the line are refused, unwritten. */
	scp_buf_reset(&b);
	assert_int_equal(scp_put_data(&b, "A B"), -1);
	assert_int_equal(scp_put_data(&b, ""), -1);
	assert_int_equal(scp_put_data(&b, NULL), -1);
	assert_int_equal(scp_put_field(&b, "a b", "x", 1), -1);
	assert_int_equal(scp_put_field(&b, "a=", "x", 1), -1);
	assert_int_equal(scp_put_field(&b, "", "x", 1), -1);
	assert_int_equal(scp_put_fieldstr(&b, NULL, "x"), -1);
	assert_int_equal(b.len, 0);
	scp_buf_free(&b);
}

static char *
completion(const char *tag, enum scp_status st, enum scp_code code,
    const char *args, const char *text)
{
	static struct scp_buf	 b;

	scp_buf_free(&b);
	assert_int_equal(scp_put_completion(&b, tag, st, code, args, text), 0);
	return b.data;
}

static void
test_completion(void **state)
{
	struct scp_buf	 b = { NULL, 0, 0 };
	char		 long_text[3000];
	char		*s;

	(void)state;
	assert_string_equal(completion("a1", SCP_OK, SCP_CODE_NONE, NULL,
	    "done"), "a1 OK done\r\n");
	assert_string_equal(completion("a1", SCP_OK, SCP_CODE_ROLE,
	    "headteacher", "welcome, Ann Head"),
	    "a1 OK [ROLE headteacher] welcome, Ann Head\r\n");
	assert_string_equal(completion("a5", SCP_NO, SCP_CODE_NOTFOUND, NULL,
	    "no such school"), "a5 NO [NOTFOUND] no such school\r\n");
	assert_string_equal(completion("a5", SCP_NO, SCP_CODE_LOCKED, "",
	    "wait"), "a5 NO [LOCKED] wait\r\n");
	assert_string_equal(completion("a1", SCP_BAD, SCP_CODE_TOOBIG, NULL,
	    "too many arguments"), "a1 BAD [TOOBIG] too many arguments\r\n");
	assert_string_equal(completion(NULL, SCP_BAD, SCP_CODE_NONE, NULL,
	    "invalid tag"), "* BAD invalid tag\r\n");
	assert_string_equal(completion("a b", SCP_BAD, SCP_CODE_NONE, NULL,
	    "x"), "* BAD x\r\n");
	assert_string_equal(completion("a1", SCP_OK, SCP_CODE_NONE, NULL,
	    NULL), "a1 OK done\r\n");
	assert_string_equal(completion("a1", SCP_NO, SCP_CODE_NONE, NULL,
	    ""), "a1 NO refused\r\n");
	/* Nothing in text or args can end the line or the code. */
	assert_string_equal(completion("a1", SCP_NO, SCP_CODE_INVALID,
	    "x] [y\r\n", "bad\r\na2 OK injected\x01\x7f"),
	    "a1 NO [INVALID x? ?y??] bad??a2 OK injected??\r\n");
	assert_string_equal(completion("a1", SCP_NO, SCP_CODE_NONE, NULL,
	    "[FAKE] code"), "a1 NO ?FAKE] code\r\n");
	assert_string_equal(completion("a1", SCP_NO, SCP_CODE_NONE, NULL,
	    "caf\xc3\xa9 \xc0\xaf \xed\xa0\x80 \xe4\xb8"),
	    "a1 NO caf\xc3\xa9 ?? ??? ??\r\n");
	/* Long text is cut, never in the middle of a character. */
	memset(long_text, 'x', sizeof(long_text));
	memcpy(long_text + 1022, "\xe4\xb8\xad", 3);
	long_text[sizeof(long_text) - 1] = '\0';
	s = completion("a1", SCP_OK, SCP_CODE_NONE, NULL, long_text);
	assert_int_equal(strlen(s), strlen("a1 OK ") + 1022 + 2);
	assert_true(scp_utf8_valid(s, strlen(s)));
	assert_int_equal(scp_put_completion(&b, "a1", 7, SCP_CODE_NONE, NULL,
	    "x"), -1);
	assert_int_equal(b.len, 0);
	scp_buf_free(&b);
}

static void
test_bye_continue(void **state)
{
	struct scp_buf	 b = { NULL, 0, 0 };

	(void)state;
	assert_int_equal(scp_put_bye(&b, SCP_CODE_TOOBIG, "line too long"), 0);
	assert_string_equal(b.data, "* BYE [TOOBIG] line too long\r\n");
	scp_buf_reset(&b);
	assert_int_equal(scp_put_bye(&b, SCP_CODE_NONE, "logging out"), 0);
	assert_string_equal(b.data, "* BYE logging out\r\n");
	scp_buf_reset(&b);
	assert_int_equal(scp_put_bye(&b, SCP_CODE_NONE, NULL), 0);
	assert_string_equal(b.data, "* BYE closing\r\n");
	scp_buf_reset(&b);
	assert_int_equal(scp_put_bye(&b, SCP_CODE_NONE, "a\r\n* OK"), 0);
	assert_string_equal(b.data, "* BYE a??* OK\r\n");
	scp_buf_reset(&b);
	assert_int_equal(scp_put_continue(&b, "OK"), 0);
	assert_string_equal(b.data, "+ OK\r\n");
	scp_buf_reset(&b);
	assert_int_equal(scp_put_continue(&b, NULL), 0);
	assert_string_equal(b.data, "+ OK\r\n");
	scp_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_value_forms),
		cmocka_unit_test(test_value_nul),
		cmocka_unit_test(test_value_lengths),
		cmocka_unit_test(test_record),
		cmocka_unit_test(test_completion),
		cmocka_unit_test(test_bye_continue),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
