/*
 * The stored string is "$argon2id$v=19$m=KIB,t=PASSES,p=1$SALT$HASH" with
 * unpadded base64, as crypto_pwhash_str() writes it. Recomputing the hash
 * with crypto_pwhash() fails only when the hash cannot be computed, so a
 * failure there is never mistaken for a wrong password; the comparison is
 * made in constant time.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "pwcheck.h"

#define PREFIX		"$argon2id$v=19$m="
#define HASH_MAX	64

struct phc {
	unsigned long long	 passes;
	size_t			 memlimit;	/* octets */
	unsigned char		 salt[crypto_pwhash_argon2id_SALTBYTES];
	unsigned char		 hash[HASH_MAX];
	size_t			 hashlen;
};

/* A decimal number ending at the expected separator; -1 if not. */
static int
number(const char **p, char sep, unsigned long long max,
    unsigned long long *out)
{
	char			*end;
	unsigned long long	 v;

	if (**p < '0' || **p > '9')
		return -1;
	errno = 0;
	v = strtoull(*p, &end, 10);
	if (errno != 0 || v > max || *end != sep)
		return -1;
	*out = v;
	*p = end + 1;
	return 0;
}

static int
b64(const char **p, char sep, unsigned char *out, size_t outmax,
    size_t *outlen)
{
	const char	*end = strchr(*p, sep);
	const char	*stop;

	if (end == NULL)
		end = *p + strlen(*p);
	if (sodium_base642bin(out, outmax, *p, (size_t)(end - *p), NULL, outlen,
	    &stop, sodium_base64_VARIANT_ORIGINAL_NO_PADDING) != 0 ||
	    stop != end)
		return -1;
	*p = *end != '\0' ? end + 1 : end;
	return 0;
}

/* Step over the literal text lit; -1 if it is not there. */
static int
expect(const char **p, const char *lit)
{
	size_t	len = strlen(lit);

	if (strncmp(*p, lit, len) != 0)
		return -1;
	*p += len;
	return 0;
}

static int
phc_parse(const char *s, struct phc *h)
{
	unsigned long long	kib, lanes;
	size_t			saltlen;

	/* libsodium's argon2id runs one lane: p is always 1. */
	if (expect(&s, PREFIX) == -1 ||
	    number(&s, ',', SIZE_MAX / 1024, &kib) == -1 ||
	    expect(&s, "t=") == -1 ||
	    number(&s, ',', UINT32_MAX, &h->passes) == -1 ||
	    expect(&s, "p=") == -1 ||
	    number(&s, '$', UINT32_MAX, &lanes) == -1 || lanes != 1 ||
	    b64(&s, '$', h->salt, sizeof(h->salt), &saltlen) == -1 ||
	    saltlen != sizeof(h->salt) ||
	    b64(&s, '\0', h->hash, sizeof(h->hash), &h->hashlen) == -1 ||
	    h->hashlen < crypto_pwhash_argon2id_BYTES_MIN)
		return -1;
	h->memlimit = (size_t)kib * 1024;
	return 0;
}

int
pwcheck(const char *stored, const char *password, bool *match)
{
	struct phc	h;
	unsigned char	out[HASH_MAX];
	int		rc = -1;

	*match = false;
	if (phc_parse(stored, &h) == -1)
		return -1;
	if (crypto_pwhash(out, h.hashlen, password, strlen(password), h.salt,
	    h.passes, h.memlimit, crypto_pwhash_ALG_ARGON2ID13) == 0) {
		*match = sodium_memcmp(out, h.hash, h.hashlen) == 0;
		rc = 0;
	}
	sodium_memzero(out, sizeof(out));
	sodium_memzero(&h, sizeof(h));
	return rc;
}
