/*
 * Strict UTF-8: the shortest form only, no UTF-16 surrogates, nothing past
 * U+10FFFF. Text reaches PostgreSQL and other clients, so anything looser
 * would let two spellings of one string through.
 */
#include <string.h>

#include "scp.h"
#include "lex.h"

/*
 * Length of the well-formed character at s (1..4), or 0 if the octets there
 * do not start one. The ranges are those of Unicode's table of well-formed
 * byte sequences; the second-octet bounds are what exclude overlongs and
 * surrogates.
 */
size_t
scp_utf8_char(const char *str, size_t len)
{
	const unsigned char	*s = (const unsigned char *)str;
	unsigned char		 lo = 0x80, hi = 0xbf;
	size_t			 n, i;

	if (len == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;	/* overlong */
		else if (s[0] == 0xed)
			hi = 0x9f;	/* surrogates */
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		if (s[0] == 0xf0)
			lo = 0x90;	/* overlong */
		else if (s[0] == 0xf4)
			hi = 0x8f;	/* past U+10FFFF */
	} else
		return 0;
	if (len < n)
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

bool
scp_utf8_valid(const char *s, size_t len)
{
	size_t	 i = 0, n;

	while (i < len) {
		/* Most text is ASCII: skip it eight octets at a time. */
		while (len - i >= 8) {
			uint64_t	 w;

			memcpy(&w, s + i, sizeof(w));
			if (w & UINT64_C(0x8080808080808080))
				break;
			i += 8;
		}
		if (i >= len)
			break;
		if ((unsigned char)s[i] < 0x80) {
			i++;
			continue;
		}
		if ((n = scp_utf8_char(s + i, len - i)) == 0)
			return false;
		i += n;
	}
	return true;
}
