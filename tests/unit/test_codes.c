/* Response codes and the SQLSTATEs of the api functions. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "scp.h"

static void
test_names(void **state)
{
	int	 i;

	(void)state;
	assert_string_equal(scp_code_name(SCP_CODE_NONE), "");
	assert_string_equal(scp_code_name(SCP_CODE_AUTHREQUIRED), "AUTHREQUIRED");
	assert_string_equal(scp_code_name(SCP_CODE_NOTFOUND), "NOTFOUND");
	assert_string_equal(scp_code_name(SCP_CODE_INTERNAL), "INTERNAL");
	assert_string_equal(scp_code_name(SCP_CODE_ROLE), "ROLE");
	assert_string_equal(scp_code_name(SCP_CODE_CAPABILITY), "CAPABILITY");
	assert_string_equal(scp_code_name(SCP_CODE__COUNT), "");
	for (i = 1; i < SCP_CODE__COUNT; i++) {
		assert_true(scp_code_name(i)[0] != '\0');
		assert_int_equal(scp_code_from_name(scp_code_name(i)), i);
	}
	assert_int_equal(scp_code_from_name("BOGUS"), SCP_CODE_NONE);
	assert_int_equal(scp_code_from_name(""), SCP_CODE_NONE);
	assert_int_equal(scp_code_from_name(NULL), SCP_CODE_NONE);
}

static void
test_sqlstate(void **state)
{
	static const struct {
		const char	*state;
		enum scp_code	 code;
	} map[] = {
		{ "SC001", SCP_CODE_AUTHFAILED },
		{ "SC002", SCP_CODE_LOCKED },
		{ "SC003", SCP_CODE_EXPIRED },
		{ "SC004", SCP_CODE_NOTFOUND },
		{ "SC005", SCP_CODE_FORBIDDEN },
		{ "SC006", SCP_CODE_INVALID },
		{ "SC007", SCP_CODE_CONFLICT },
		{ "SC008", SCP_CODE_TOOBIG },
		{ "SC009", SCP_CODE_LIMIT },
		{ "SC010", SCP_CODE_AUTHREQUIRED },
		{ "SC000", SCP_CODE_NONE },
		{ "SC011", SCP_CODE_NONE },
		{ "SC999", SCP_CODE_NONE },
		{ "23505", SCP_CODE_NONE },
		{ "P0001", SCP_CODE_NONE },
		{ "SC01", SCP_CODE_NONE },
		{ "SC0010", SCP_CODE_NONE },
		{ "sc001", SCP_CODE_NONE },
		{ "SC00A", SCP_CODE_NONE },
		{ "", SCP_CODE_NONE },
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		assert_int_equal(scp_code_from_sqlstate(map[i].state),
		    map[i].code);
	assert_int_equal(scp_code_from_sqlstate(NULL), SCP_CODE_NONE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_sqlstate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
