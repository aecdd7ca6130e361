/*
 * Session tokens: 32 random octets as 43 characters of base64url without
 * padding (RFC 4648, section 5). Decoding accepts exactly one spelling of
 * each token, so a token can be compared as a string or as octets alike.
 */
#include <string.h>

#include "scp.h"

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void
scp_token_encode(const uint8_t raw[SCP_TOKEN_RAW], char out[SCP_TOKEN_LEN + 1])
{
	size_t		 i, o = 0;
	uint32_t	 v;

	/* 30 octets are ten whole groups of three... */
	for (i = 0; i + 3 <= SCP_TOKEN_RAW; i += 3) {
		v = (uint32_t)raw[i] << 16 | (uint32_t)raw[i + 1] << 8 | raw[i + 2];
		out[o++] = b64url[(v >> 18) & 63];
		out[o++] = b64url[(v >> 12) & 63];
		out[o++] = b64url[(v >> 6) & 63];
		out[o++] = b64url[v & 63];
	}
	/* ...and the last two give three characters, the last with 2 zero bits. */
	v = (uint32_t)raw[i] << 16 | (uint32_t)raw[i + 1] << 8;
	out[o++] = b64url[(v >> 18) & 63];
	out[o++] = b64url[(v >> 12) & 63];
	out[o++] = b64url[(v >> 6) & 63];
	out[o] = '\0';
}

static int
b64url_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

int
scp_token_decode(const char *s, uint8_t raw[SCP_TOKEN_RAW])
{
	uint8_t		 out[SCP_TOKEN_RAW];
	uint32_t	 v = 0;
	size_t		 i, o = 0;
	int		 d, bits = 0;

	if (s == NULL || strnlen(s, SCP_TOKEN_LEN + 1) != SCP_TOKEN_LEN)
		return -1;
	for (i = 0; i < SCP_TOKEN_LEN; i++) {
		if ((d = b64url_value(s[i])) == -1)
			return -1;
		v = (v << 6) | (uint32_t)d;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(v >> bits);
			v &= (1U << bits) - 1;
		}
	}
	/* 43 * 6 = 258 bits: the 2 left over must be zero to be canonical. */
	if (o != SCP_TOKEN_RAW || v != 0) {
		explicit_bzero(out, sizeof(out));
		return -1;
	}
	memcpy(raw, out, sizeof(out));
	explicit_bzero(out, sizeof(out));
	return 0;
}
