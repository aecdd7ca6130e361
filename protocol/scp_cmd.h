/*
 * The command table: the one place a command is declared. sccd dispatches
 * and checks arguments from it; scc prints help from it.
 */
#ifndef SCP_CMD_H
#define SCP_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scp.h"

enum scp_role {
	SCP_ROLE_LEAD_OFFICER	= 1 << 0,
	SCP_ROLE_LINK_PARTNER	= 1 << 1,
	SCP_ROLE_HEADTEACHER	= 1 << 2,
	SCP_ROLE_GOVERNOR	= 1 << 3,
};
#define SCP_ROLES_ALL	(SCP_ROLE_LEAD_OFFICER | SCP_ROLE_LINK_PARTNER | \
			 SCP_ROLE_HEADTEACHER | SCP_ROLE_GOVERNOR)

unsigned	 scp_role_from_name(const char *);	/* 0 if unknown */
const char	*scp_role_name(unsigned);		/* one bit; NULL if unknown */

enum scp_type {
	SCP_T_ATOM,	/* any value, at most 256 octets */
	SCP_T_TEXT,	/* any UTF-8 text up to the text limit; may be a literal */
	SCP_T_ID,	/* 1 .. 2^63-1, decimal, no sign, no leading zero */
	SCP_T_INT,	/* -2^63 .. 2^63-1 */
	SCP_T_DATE,	/* YYYY-MM-DD, a real date */
	SCP_T_TIME,	/* ISO 8601 with offset */
	SCP_T_ENUM,	/* one of argdef.choices ("on|off"), compared case-insensitively */
	SCP_T_LOGIN,	/* 1..64 of [a-z0-9._-], lower-cased */
	SCP_T_TOKEN,	/* a session token: 43 base64url characters */
	SCP_T_SECRET,	/* a password: 1..1024 octets of UTF-8; never logged */
	SCP_T_BYTES	/* a document literal, streamed */
};

#define SCP_ARG_REQUIRED	0x01
#define SCP_ARG_POSITIONAL	0x02	/* else named */

struct scp_argdef {
	const char	*name;
	enum scp_type	 type;
	unsigned	 flags;
	const char	*choices;	/* SCP_T_ENUM: "on|off" */
};

#define SCP_CMD_PREAUTH		0x01	/* allowed before login */
#define SCP_CMD_SESSION		0x02	/* a session command: runs before the
					   one-time password is changed */
#define SCP_CMD_PAGED		0x04	/* a listing: its last two arguments
					   are limit= and after= */

/*
 * What both sides need to know of a command. How sccd carries it out (an
 * api function, or a handler of its own) is the server's business.
 */
struct scp_cmd {
	const char		*name;		/* "WHOAMI", "MINUTES CONFIRM" */
	unsigned		 flags;
	/*
	 * The roles the command is meant for: what the client offers and
	 * documents. sccd does not refuse by it: the api function decides,
	 * so that an id the caller may not see is NOTFOUND whatever the role.
	 */
	unsigned		 roles;
	const char		*help;		/* one line */
	const struct scp_argdef	*args;
	size_t			 nargs;
	/*
	 * The record the command answers with ("SCHOOL"), the first if it
	 * answers several; NULL for none. A client heads an empty listing
	 * with it.
	 */
	const char		*record;
};

extern const struct scp_cmd	scp_commands[];
extern const size_t		scp_ncommands;

/*
 * Find the command named by the request's first item, or first two items.
 * *words is set to how many items named it. NULL if there is no such command.
 */
const struct scp_cmd	*scp_cmd_lookup(const struct scp_request *, size_t *words);
const struct scp_cmd	*scp_cmd_byname(const char *);	/* "minutes confirm" */

/*
 * Match the request's arguments (items after the command words) to the
 * declaration: out[i] is the item for args[i], or NULL when an optional one is
 * absent. On error returns -1 with *bad the offending argument's name (or
 * NULL) and a message in err; the answer is NO [INVALID name] (or
 * [TOOBIG] when *code says so).
 */
int	 scp_cmd_bind(const struct scp_cmd *, const struct scp_request *,
	    size_t words, const struct scp_item **out, const char **bad,
	    enum scp_code *code, char *err, size_t errlen);

/*
 * The most octets a value of this argument can have: a literal announced
 * larger is refused before its octets are sent.
 */
uint64_t scp_arg_max(const struct scp_argdef *, const struct scp_limits *);

/* Check one value against a type; -1 with a message when it does not fit. */
int	 scp_type_check(const struct scp_argdef *, const struct scp_item *,
	    char *err, size_t errlen);

#endif /* SCP_CMD_H */
