/*
 * Checking a password against a stored argon2id hash, telling a wrong
 * password apart from a check that could not be made. libsodium's
 * crypto_pwhash_str_verify() answers -1 with errno EINVAL for both a
 * mismatch and a failed allocation, and only the first is a failed login.
 */
#ifndef SCCD_PWCHECK_H
#define SCCD_PWCHECK_H

#include <stdbool.h>

/*
 * 0 with *match set, or -1 when the check could not be made (out of
 * memory, or a stored hash that is not one).
 */
int	pwcheck(const char *stored, const char *password, bool *match);

#endif
