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
	{ "CAPABILITY", SCP_EXEC_CAPABILITY, SCP_CMD_PREAUTH, SCP_ROLES_ALL,
	    NULL, "done", "list what this server speaks", NULL, 0 },
	{ "NOOP", SCP_EXEC_NOOP, SCP_CMD_PREAUTH, SCP_ROLES_ALL,
	    NULL, "done", "do nothing; keeps the connection alive", NULL, 0 },
	{ "LOGIN", SCP_EXEC_LOGIN, SCP_CMD_PREAUTH, SCP_ROLES_ALL,
	    NULL, "welcome", "log in with a user name and password",
	    login_args, NARGS(login_args) },
	{ "RESUME", SCP_EXEC_RESUME, SCP_CMD_PREAUTH, SCP_ROLES_ALL,
	    NULL, "resumed", "carry on a session with its token",
	    resume_args, NARGS(resume_args) },
	{ "WHOAMI", SCP_EXEC_SQL, 0, SCP_ROLES_ALL,
	    "api.whoami", "done", "show who this session belongs to", NULL, 0 },
	{ "PASSWORD", SCP_EXEC_PASSWORD, 0, SCP_ROLES_ALL,
	    NULL, "password changed", "change your password; ends your other sessions",
	    password_args, NARGS(password_args) },
	{ "LOGOUT", SCP_EXEC_LOGOUT, SCP_CMD_PREAUTH, SCP_ROLES_ALL,
	    NULL, "logged out", "end this session, or every session with 'all'",
	    logout_args, NARGS(logout_args) },
};

const size_t scp_ncommands = NARGS(scp_commands);
