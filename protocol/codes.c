/*
 * Response codes: their wire names, and the SQLSTATEs our PL/pgSQL api
 * functions raise so that a refusal decided in the database arrives at the
 * client with the right code.
 */
#include <string.h>

#include "scp.h"

static const char *const code_names[SCP_CODE__COUNT] = {
	[SCP_CODE_NONE]		= "",
	[SCP_CODE_AUTHREQUIRED]	= "AUTHREQUIRED",
	[SCP_CODE_AUTHFAILED]	= "AUTHFAILED",
	[SCP_CODE_LOCKED]	= "LOCKED",
	[SCP_CODE_EXPIRED]	= "EXPIRED",
	[SCP_CODE_NOTFOUND]	= "NOTFOUND",
	[SCP_CODE_FORBIDDEN]	= "FORBIDDEN",
	[SCP_CODE_INVALID]	= "INVALID",
	[SCP_CODE_CONFLICT]	= "CONFLICT",
	[SCP_CODE_TOOBIG]	= "TOOBIG",
	[SCP_CODE_LIMIT]	= "LIMIT",
	[SCP_CODE_UNAVAILABLE]	= "UNAVAILABLE",
	[SCP_CODE_INTERNAL]	= "INTERNAL",
	[SCP_CODE_ROLE]		= "ROLE",
	[SCP_CODE_CAPABILITY]	= "CAPABILITY",
};

/* SC001 .. SC010, in that order; the numbers are fixed by the sql/ api. */
static const enum scp_code sqlstate_codes[] = {
	SCP_CODE_AUTHFAILED,
	SCP_CODE_LOCKED,
	SCP_CODE_EXPIRED,
	SCP_CODE_NOTFOUND,
	SCP_CODE_FORBIDDEN,
	SCP_CODE_INVALID,
	SCP_CODE_CONFLICT,
	SCP_CODE_TOOBIG,
	SCP_CODE_LIMIT,
	SCP_CODE_AUTHREQUIRED,
};

const char *
scp_code_name(enum scp_code code)
{
	if ((int)code < 0 || code >= SCP_CODE__COUNT)
		return "";
	return code_names[code];
}

enum scp_code
scp_code_from_name(const char *name)
{
	int	 i;

	if (name == NULL || *name == '\0')
		return SCP_CODE_NONE;
	for (i = SCP_CODE_NONE + 1; i < SCP_CODE__COUNT; i++)
		if (strcmp(code_names[i], name) == 0)
			return (enum scp_code)i;
	return SCP_CODE_NONE;
}

enum scp_code
scp_code_from_sqlstate(const char *state)
{
	size_t	 n;

	if (state == NULL || strlen(state) != 5 ||
	    state[0] != 'S' || state[1] != 'C' ||
	    state[2] < '0' || state[2] > '9' ||
	    state[3] < '0' || state[3] > '9' ||
	    state[4] < '0' || state[4] > '9')
		return SCP_CODE_NONE;
	n = (size_t)(state[2] - '0') * 100 + (size_t)(state[3] - '0') * 10 +
	    (size_t)(state[4] - '0');
	if (n < 1 || n > sizeof(sqlstate_codes) / sizeof(sqlstate_codes[0]))
		return SCP_CODE_NONE;
	return sqlstate_codes[n - 1];
}
