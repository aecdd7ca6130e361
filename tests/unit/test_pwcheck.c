/*
 * pwcheck: a wrong password is a mismatch; a hash that cannot be computed
 * (out of memory) or read is an error, never a mismatch, so it can never
 * count as a failed login.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "pwcheck.h"

static char	stored[crypto_pwhash_STRBYTES];

static int
setup(void **state)
{
	(void)state;
	if (sodium_init() < 0)
		return -1;
	/* sccd's memory cost, fewer passes: these tests are about the answer. */
	return crypto_pwhash_str_alg(stored, "right horse",
	    strlen("right horse"), crypto_pwhash_argon2id_OPSLIMIT_MIN,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13);
}

static void
test_right_and_wrong(void **state)
{
	bool	match = true;

	(void)state;
	assert_int_equal(pwcheck(stored, "right horse", &match), 0);
	assert_true(match);
	assert_int_equal(pwcheck(stored, "wrong horse", &match), 0);
	assert_false(match);
	assert_int_equal(pwcheck(stored, "", &match), 0);
	assert_false(match);
}

/* The same answers as libsodium's own verifier. */
static void
test_agrees_with_libsodium(void **state)
{
	const char	*pw[] = { "right horse", "Right horse", "right horse ",
			    "\xc3\xa9", "x" };
	bool		 match;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(pw) / sizeof(pw[0]); i++) {
		assert_int_equal(pwcheck(stored, pw[i], &match), 0);
		assert_int_equal(match, crypto_pwhash_str_verify(stored, pw[i],
		    strlen(pw[i])) == 0);
	}
}

/*
 * A hash asking for more memory than the machine has: libsodium's own
 * verifier calls that a mismatch (errno EINVAL), pwcheck an error.
 */
static void
test_out_of_memory_is_an_error(void **state)
{
	char	huge[crypto_pwhash_STRBYTES];
	char	*m;
	bool	match = true;

	(void)state;
	assert_true(strlen(stored) < sizeof(huge));
	memcpy(huge, stored, strlen(stored) + 1);
	/* "$argon2id$v=19$m=65536,..." -> m=4000000000 (about 4 TB) */
	m = strstr(huge, "m=");
	assert_non_null(m);
	assert_int_equal(strncmp(m, "m=65536,", 8), 0);
	memmove(m + 12, m + 7, strlen(m + 7) + 1);
	memcpy(m, "m=4000000000", 12);
	assert_int_equal(pwcheck(huge, "right horse", &match), -1);
	assert_false(match);
}

static void
test_malformed_hashes_are_errors(void **state)
{
	const char	*bad[] = {
		"",
		"plain text",
		"$argon2i$v=19$m=65536,t=2,p=1$c29tZXNhbHQxMjM0NTY3OA$"
		    "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
		"$argon2id$v=19$m=65536,t=2,p=4$c29tZXNhbHQxMjM0NTY3OA$"
		    "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
		"$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$"
		    "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
		"$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQxMjM0NTY3OA$aGFz",
		"$argon2id$v=19$m=-1,t=2,p=1$c29tZXNhbHQxMjM0NTY3OA$"
		    "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
		"$argon2id$v=19$m=99999999999999999999999,t=2,p=1$"
		    "c29tZXNhbHQxMjM0NTY3OA$"
		    "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
		"$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQxMjM0NTY3OA$"
		    "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g$extra",
	};
	bool		 match;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		match = true;
		assert_int_equal(pwcheck(bad[i], "right horse", &match), -1);
		assert_false(match);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_right_and_wrong),
		cmocka_unit_test(test_agrees_with_libsodium),
		cmocka_unit_test(test_out_of_memory_is_an_error),
		cmocka_unit_test(test_malformed_hashes_are_errors),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
