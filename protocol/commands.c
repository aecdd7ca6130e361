/*
 * The command table. Adding a command means one entry here, one api function
 * in sql/, and nothing else in C unless it needs more than one statement.
 */
#include <stddef.h>

#include "scp_cmd.h"

#define NARGS(a)	(sizeof(a) / sizeof((a)[0]))
#define REQ_POS		(SCP_ARG_REQUIRED | SCP_ARG_POSITIONAL)

static const struct scp_argdef login_args[] = {
	{ "user",	SCP_T_LOGIN,	REQ_POS,		NULL },
	{ "password",	SCP_T_SECRET,	REQ_POS,		NULL },
};

static const struct scp_argdef resume_args[] = {
	{ "token",	SCP_T_TOKEN,	REQ_POS,		NULL },
};

static const struct scp_argdef password_args[] = {
	{ "old",	SCP_T_SECRET,	REQ_POS,		NULL },
	{ "new",	SCP_T_SECRET,	REQ_POS,		NULL },
};

static const struct scp_argdef logout_args[] = {
	{ "scope",	SCP_T_ENUM,	SCP_ARG_POSITIONAL,	"all" },
};

const struct scp_cmd scp_commands[] = {
	{ "CAPABILITY", SCP_CMD_PREAUTH, SCP_ROLES_ALL,
	    "list what this server speaks", NULL, 0 },
	{ "NOOP", SCP_CMD_PREAUTH, SCP_ROLES_ALL,
	    "do nothing; keeps the connection alive", NULL, 0 },
	{ "LOGIN", SCP_CMD_PREAUTH, SCP_ROLES_ALL,
	    "log in with a user name and password",
	    login_args, NARGS(login_args) },
	{ "RESUME", SCP_CMD_PREAUTH, SCP_ROLES_ALL,
	    "carry on a session with its token",
	    resume_args, NARGS(resume_args) },
	{ "WHOAMI", 0, SCP_ROLES_ALL,
	    "show who this session belongs to", NULL, 0 },
	{ "PASSWORD", 0, SCP_ROLES_ALL,
	    "change your password; ends your other sessions",
	    password_args, NARGS(password_args) },
	{ "LOGOUT", SCP_CMD_PREAUTH, SCP_ROLES_ALL,
	    "end this session, or every session with 'all'",
	    logout_args, NARGS(logout_args) },
};

const size_t scp_ncommands = NARGS(scp_commands);
