/*
 * scc: the thin client of sccd. Parses the command line, settles the
 * settings, and hands over to one command (or the shell).
 */
#include <err.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "scc.h"

const struct client_cmd client_cmds[] = {
	{ "login",	cmd_login,	"login [USER]",
	    "log in; the session is kept for later commands", true },
	{ "logout",	cmd_logout,	"logout [--all]",
	    "end the session (--all: every session of yours)", true },
	{ "whoami",	cmd_whoami,	"whoami",
	    "show who the session belongs to", true },
	{ "raw",	cmd_raw,	"raw",
	    "send protocol lines from standard input, print every answer",
	    false },
	{ "help",	cmd_help,	"help",
	    "this text", true },
	{ NULL,		NULL,		NULL,	NULL,	false }
};

const struct client_cmd *
client_cmd_find(const char *name)
{
	size_t	 i;

	for (i = 0; client_cmds[i].name != NULL; i++)
		if (strcmp(client_cmds[i].name, name) == 0)
			return &client_cmds[i];
	return NULL;
}

static int
run_command(struct client *cl, const struct cmdline *cmd)
{
	const struct client_cmd	*c;

	if (cmd->argc == 0) {
		if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))
			return shell_run(cl);
		help_usage(stderr);
		return SCC_EXIT_USAGE;
	}
	if ((c = client_cmd_find(cmd->argv[0])) == NULL) {
		warnx("unknown command \"%s\"; try scc help", cmd->argv[0]);
		return SCC_EXIT_USAGE;
	}
	if (cmd->all && c->run != cmd_logout) {
		warnx("--all goes with logout only");
		return SCC_EXIT_USAGE;
	}
	return c->run(cl, cmd);
}

int
main(int argc, char **argv)
{
	struct cmdline	 cmd;
	struct settings	 set;
	struct client	 cl;
	char		 errbuf[SETTINGS_ERR_MAX];
	int		 r;

	/* Line editing needs to know how the terminal encodes characters. */
	(void)setlocale(LC_CTYPE, "");
	/* A server that hangs up must show as an error, not kill us. */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		err(SCC_EXIT_USAGE, "signal");
	if (cmdline_parse(&cmd, argc, argv) == -1) {
		help_usage(stderr);
		return SCC_EXIT_USAGE;
	}
	if (cmd.help || (cmd.argc > 0 && strcmp(cmd.argv[0], "help") == 0)) {
		help_full(stdout);
		cmdline_free(&cmd);
		return SCC_EXIT_OK;
	}
	if (cmd.version) {
		printf("scc %s (%s)\n", PACKAGE_VERSION,
		    OpenSSL_version(OPENSSL_VERSION));
		cmdline_free(&cmd);
		return SCC_EXIT_OK;
	}
	if (settings_resolve(&set, &cmd.flags, errbuf, sizeof(errbuf)) == -1) {
		warnx("%s", errbuf);
		cmdline_free(&cmd);
		return SCC_EXIT_USAGE;
	}
	memset(&cl, 0, sizeof(cl));
	cl.set = &set;
	r = run_command(&cl, &cmd);
	client_disconnect(&cl);
	settings_free(&set);
	cmdline_free(&cmd);
	if (fflush(stdout) == EOF && r == SCC_EXIT_OK)
		r = SCC_EXIT_REFUSED;
	return r;
}
