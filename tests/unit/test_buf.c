/* The growable buffer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "scp.h"

static void
test_add(void **state)
{
	struct scp_buf	 b = { NULL, 0, 0 };
	size_t		 i;

	(void)state;
	assert_int_equal(scp_buf_add(&b, "", 0), 0);
	assert_non_null(b.data);
	assert_string_equal(b.data, "");
	assert_int_equal(scp_buf_addstr(&b, "abc"), 0);
	assert_int_equal(scp_buf_add(&b, "d\0e", 3), 0);
	assert_int_equal(b.len, 6);
	assert_memory_equal(b.data, "abcd\0e", 7);
	for (i = 0; i < 10000; i++)
		assert_int_equal(scp_buf_add(&b, "x", 1), 0);
	assert_int_equal(b.len, 10006);
	assert_true(b.cap > b.len);
	assert_int_equal(b.data[b.len], '\0');
	scp_buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
}

static void
test_printf(void **state)
{
	struct scp_buf	 b = { NULL, 0, 0 };
	char		 big[5000];

	(void)state;
	assert_int_equal(scp_buf_printf(&b, "%d-%s", 42, "x"), 0);
	assert_string_equal(b.data, "42-x");
	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(scp_buf_printf(&b, "[%s]", big), 0);
	assert_int_equal(b.len, 4 + 2 + sizeof(big) - 1);
	assert_int_equal(b.data[b.len - 1], ']');
	assert_int_equal(b.data[b.len], '\0');
	scp_buf_free(&b);
}

static void
test_reset_consume(void **state)
{
	struct scp_buf	 b = { NULL, 0, 0 };
	size_t		 cap;

	(void)state;
	scp_buf_reset(&b);	/* nothing allocated yet: fine */
	scp_buf_consume(&b, 3);
	assert_int_equal(scp_buf_addstr(&b, "hello world"), 0);
	scp_buf_consume(&b, 6);
	assert_string_equal(b.data, "world");
	assert_int_equal(b.len, 5);
	scp_buf_consume(&b, 0);
	assert_string_equal(b.data, "world");
	scp_buf_consume(&b, 99);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	cap = b.cap;
	assert_int_equal(scp_buf_addstr(&b, "again"), 0);
	scp_buf_reset(&b);
	assert_int_equal(b.cap, cap);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	scp_buf_free(&b);
	scp_buf_free(&b);	/* twice is harmless */
}

static void
test_overflow(void **state)
{
	struct scp_buf	 b = { NULL, 0, 0 };

	(void)state;
	assert_int_equal(scp_buf_addstr(&b, "ab"), 0);
	/* A size that cannot be added must fail, not wrap. */
	assert_int_equal(scp_buf_add(&b, "x", SIZE_MAX - 1), -1);
	assert_int_equal(scp_buf_add(&b, "x", SIZE_MAX), -1);
	assert_string_equal(b.data, "ab");
	assert_int_equal(b.len, 2);
	scp_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add),
		cmocka_unit_test(test_printf),
		cmocka_unit_test(test_reset_consume),
		cmocka_unit_test(test_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
