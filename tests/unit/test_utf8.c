/* The strict UTF-8 check, against an independent decoder. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "scp.h"

#define V(s)	scp_utf8_valid(s, sizeof(s) - 1)

static void
test_valid(void **state)
{
	(void)state;
	assert_true(scp_utf8_valid("", 0));
	assert_true(scp_utf8_valid(NULL, 0));
	assert_true(V("plain ascii, long enough to take the fast path"));
	assert_true(V("caf\xc3\xa9"));
	assert_true(V("\xc2\x80"));			/* U+0080 */
	assert_true(V("\xdf\xbf"));			/* U+07FF */
	assert_true(V("\xe0\xa0\x80"));			/* U+0800 */
	assert_true(V("\xed\x9f\xbf"));			/* U+D7FF */
	assert_true(V("\xee\x80\x80"));			/* U+E000 */
	assert_true(V("\xef\xbf\xbf"));			/* U+FFFF */
	assert_true(V("\xf0\x90\x80\x80"));		/* U+10000 */
	assert_true(V("\xf4\x8f\xbf\xbf"));		/* U+10FFFF */
	assert_true(V("12345678\xe4\xb8\xad" "12345678"));
	assert_true(V("a\0b"));		/* NUL is UTF-8; callers refuse it */
}

static void
test_invalid(void **state)
{
	(void)state;
	assert_false(V("\x80"));			/* lone continuation */
	assert_false(V("\xbf"));
	assert_false(V("\xc0\x80"));			/* overlong NUL */
	assert_false(V("\xc0\xaf"));			/* overlong '/' */
	assert_false(V("\xc1\xbf"));
	assert_false(V("\xe0\x80\xaf"));		/* overlong 3 */
	assert_false(V("\xe0\x9f\xbf"));
	assert_false(V("\xf0\x80\x80\xaf"));		/* overlong 4 */
	assert_false(V("\xf0\x8f\xbf\xbf"));
	assert_false(V("\xed\xa0\x80"));		/* U+D800 */
	assert_false(V("\xed\xbf\xbf"));		/* U+DFFF */
	assert_false(V("\xf4\x90\x80\x80"));		/* U+110000 */
	assert_false(V("\xf5\x80\x80\x80"));
	assert_false(V("\xf8\x88\x80\x80\x80"));	/* 5 octets */
	assert_false(V("\xfe"));
	assert_false(V("\xff"));
	assert_false(V("\xc3"));			/* truncated */
	assert_false(V("\xe4\xb8"));
	assert_false(V("\xf0\x90\x80"));
	assert_false(V("\xc3\x28"));			/* bad continuation */
	assert_false(V("\xe4\x28\xad"));
	assert_false(V("abcdefgh\xff" "abcdefgh"));	/* after the fast path */
	assert_false(V("abcdefghabcdefg\xc3"));
}

/* A straightforward decoder, written differently, for comparison. */
static int
reference(const unsigned char *s, size_t len)
{
	size_t		 i = 0, n, k;
	uint32_t	 cp, min;

	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0) {
			n = 2; cp = s[i] & 0x1f; min = 0x80;
		} else if ((s[i] & 0xf0) == 0xe0) {
			n = 3; cp = s[i] & 0x0f; min = 0x800;
		} else if ((s[i] & 0xf8) == 0xf0) {
			n = 4; cp = s[i] & 0x07; min = 0x10000;
		} else
			return 0;
		if (len - i < n)
			return 0;
		for (k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n;
	}
	return 1;
}

static void
test_random(void **state)
{
	unsigned char	 buf[24];
	uint64_t	 seed = 12345;
	size_t		 len, i;
	int		 round;

	(void)state;
	for (round = 0; round < 200000; round++) {
		seed = seed * 6364136223846793005ULL + 1;
		len = (seed >> 40) % sizeof(buf);
		for (i = 0; i < len; i++) {
			seed = seed * 6364136223846793005ULL + 1;
			/* Bias toward the interesting octets. */
			buf[i] = (seed >> 60) < 4 ? 'a' + (seed >> 33) % 26 :
			    0x80 + (seed >> 33) % 0x80;
		}
		assert_int_equal(scp_utf8_valid((char *)buf, len),
		    reference(buf, len));
	}
}

/* Every code point, encoded, is valid exactly when it is a scalar value. */
static void
test_all_code_points(void **state)
{
	unsigned char	 b[4];
	uint32_t	 cp;
	size_t		 n;

	(void)state;
	for (cp = 0x80; cp <= 0x10ffff; cp++) {
		if (cp < 0x800) {
			b[0] = 0xc0 | cp >> 6; b[1] = 0x80 | (cp & 0x3f); n = 2;
		} else if (cp < 0x10000) {
			b[0] = 0xe0 | cp >> 12; b[1] = 0x80 | ((cp >> 6) & 0x3f);
			b[2] = 0x80 | (cp & 0x3f); n = 3;
		} else {
			b[0] = 0xf0 | cp >> 18; b[1] = 0x80 | ((cp >> 12) & 0x3f);
			b[2] = 0x80 | ((cp >> 6) & 0x3f);
			b[3] = 0x80 | (cp & 0x3f); n = 4;
		}
		assert_int_equal(scp_utf8_valid((char *)b, n),
		    !(cp >= 0xd800 && cp <= 0xdfff));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_all_code_points),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
