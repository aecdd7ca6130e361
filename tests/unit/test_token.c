/* Session tokens: base64url, 32 octets <-> 43 characters. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "scp.h"

static void
test_known(void **state)
{
	uint8_t	 raw[SCP_TOKEN_RAW], back[SCP_TOKEN_RAW];
	char	 s[SCP_TOKEN_LEN + 1];
	size_t	 i;

	(void)state;
	memset(raw, 0, sizeof(raw));
	scp_token_encode(raw, s);
	assert_string_equal(s, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
	memset(raw, 0xff, sizeof(raw));
	scp_token_encode(raw, s);
	assert_string_equal(s, "__________________________________________8");
	for (i = 0; i < sizeof(raw); i++)
		raw[i] = (uint8_t)i;
	scp_token_encode(raw, s);
	/* base64 of 00..1f with + / made - _ and the padding dropped. */
	assert_string_equal(s, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8");
	assert_int_equal(scp_token_decode(s, back), 0);
	assert_memory_equal(raw, back, sizeof(raw));
}

static void
test_roundtrip(void **state)
{
	uint8_t		 raw[SCP_TOKEN_RAW], back[SCP_TOKEN_RAW];
	char		 s[SCP_TOKEN_LEN + 1];
	uint64_t	 seed = 99;
	size_t		 i;
	int		 round;

	(void)state;
	for (round = 0; round < 10000; round++) {
		for (i = 0; i < sizeof(raw); i++) {
			seed = seed * 6364136223846793005ULL + 1;
			raw[i] = (uint8_t)(seed >> 56);
		}
		scp_token_encode(raw, s);
		assert_int_equal(strlen(s), SCP_TOKEN_LEN);
		assert_int_equal(strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789-_"), SCP_TOKEN_LEN);
		assert_int_equal(scp_token_decode(s, back), 0);
		assert_memory_equal(raw, back, sizeof(raw));
	}
}

static void
test_malformed(void **state)
{
	uint8_t	 raw[SCP_TOKEN_RAW];
	char	 s[64];

	(void)state;
	assert_int_equal(scp_token_decode(NULL, raw), -1);
	assert_int_equal(scp_token_decode("", raw), -1);
	/* 42 and 44 characters */
	assert_int_equal(scp_token_decode(
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", raw), -1);
	assert_int_equal(scp_token_decode(
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", raw), -1);
	/* padding, standard alphabet, spaces */
	assert_int_equal(scp_token_decode(
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", raw), -1);
	assert_int_equal(scp_token_decode(
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+", raw), -1);
	assert_int_equal(scp_token_decode(
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/A", raw), -1);
	assert_int_equal(scp_token_decode(
	    "AAAAAAAAAAAAAAAAAAAA AAAAAAAAAAAAAAAAAAAAAA", raw), -1);
	/* The last character carries 2 spare bits: only A E I ... are canonical. */
	assert_int_equal(scp_token_decode(
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE", raw), 0);
	assert_int_equal(scp_token_decode(
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB", raw), -1);
	assert_int_equal(scp_token_decode(
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA_", raw), -1);
	memset(s, 'A', sizeof(s));
	s[SCP_TOKEN_LEN] = '\0';
	s[10] = '\xc3';
	assert_int_equal(scp_token_decode(s, raw), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
