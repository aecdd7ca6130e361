/*
 * Usage text. The list of protocol commands is read from libscp's command
 * table, so it can never disagree with what the server accepts.
 */
#include <stdio.h>
#include <string.h>

#include "scc.h"
#include "scp_cmd.h"

#define SIGNATURE_MAX	256
#define HELP_COLUMN	30

static const char synopsis[] =
"usage: scc [-H host] [-p port] [--ca file] [-u user] [--format table|tsv|json]\n"
"           command [argument ...]\n"
"       scc help\n";

static const char manual_head[] =
"\n"
"scc is the command-line client of sccd, the casework server for schools\n"
"causing concern. Each command opens a TLS connection, resumes the session\n"
"kept by 'scc login', does one thing and exits. Without a command, on a\n"
"terminal, scc opens an interactive shell that keeps one connection.\n"
"\n"
"COMMANDS\n";

static const char manual_tail[] =
"\n"
"OPTIONS\n"
"  -H, --host HOST       server name or address (default localhost)\n"
"  -p, --port PORT       server port (default 7144)\n"
"      --ca FILE         CA certificate(s) that sign the server's certificate;\n"
"                        without it the system trust store is used\n"
"  -u, --user LOGIN      user for 'scc login'\n"
"      --format FORMAT   table (default), tsv (a header row, then one row per\n"
"                        record) or json\n"
"      --all             with logout: end every session of the user\n"
"  -h, --help            this text\n"
"  -V, --version         the version of scc\n"
"\n"
"  The server's certificate and name are always verified; there is no\n"
"  option to skip that.\n"
"\n"
"SHELL\n"
"  Type the commands above without 'scc', 'quit' to leave. A line starting\n"
"  with '.' is one protocol request, sent as typed after a tag is added\n"
"  (\".WHOAMI\"); the answer is printed as it arrives.\n"
"\n"
"ENVIRONMENT\n"
"  SCC_HOST, SCC_PORT, SCC_CA, SCC_USER   the same as the options; flags win\n"
"  SCC_CONFIG       read this config file instead of the default\n"
"  XDG_CONFIG_HOME  where the config file lives (default ~/.config)\n"
"  XDG_STATE_HOME   where sessions are kept (default ~/.local/state)\n"
"\n"
"FILES\n"
"  ~/.config/scc/config\n"
"      'name = value' lines for host, port, ca and user; blank lines and\n"
"      lines starting with '#' are ignored; a value may be put in double\n"
"      quotes. Environment variables override it, and flags override both.\n"
"  ~/.local/state/scc/session-HOST-PORT\n"
"      the session token written by 'scc login'. It must be readable by\n"
"      you alone; scc refuses a token file others could read.\n"
"\n"
"EXIT STATUS\n"
"  0 done; 1 the server refused (NO or BAD); 2 usage error; 3 connection\n"
"  or TLS failure; 4 not logged in or the session expired.\n"
"\n";

static void
commands_text(FILE *fp)
{
	size_t	 i;

	for (i = 0; client_cmds[i].name != NULL; i++)
		fprintf(fp, "  %-24s %s\n", client_cmds[i].synopsis,
		    client_cmds[i].help);
}

void
help_usage(FILE *fp)
{
	fputs(synopsis, fp);
}

static void
append(char *buf, size_t size, const char *word)
{
	if (buf[0] != '\0')
		(void)strlcat(buf, " ", size);
	/* A cut signature is still readable; nothing depends on its length. */
	(void)strlcat(buf, word, size);
}

/* "LOGIN USER PASSWORD", "LOGOUT [all]", "SCHOOL LIST [level=]". */
static void
signature(const struct scp_cmd *cmd, char *buf, size_t size)
{
	const struct scp_argdef	*a;
	char			 word[SCP_NAME_MAX + 64];
	size_t			 i, j;

	buf[0] = '\0';
	append(buf, size, cmd->name);
	for (i = 0; i < cmd->nargs; i++) {
		a = &cmd->args[i];
		if ((a->flags & SCP_ARG_POSITIONAL) && a->type == SCP_T_ENUM &&
		    a->choices != NULL)
			snprintf(word, sizeof(word), "%s", a->choices);
		else if (a->flags & SCP_ARG_POSITIONAL) {
			snprintf(word, sizeof(word), "%s", a->name);
			for (j = 0; word[j] != '\0'; j++)
				if (word[j] >= 'a' && word[j] <= 'z')
					word[j] -= 'a' - 'A';
		} else
			snprintf(word, sizeof(word), "%s=", a->name);
		if (!(a->flags & SCP_ARG_REQUIRED)) {
			char	 opt[sizeof(word) + 2];

			snprintf(opt, sizeof(opt), "[%s]", word);
			append(buf, size, opt);
		} else
			append(buf, size, word);
	}
}

void
help_protocol(FILE *fp)
{
	char	 sig[SIGNATURE_MAX];
	size_t	 i;

	fprintf(fp, "Protocol commands (for 'scc raw', or after '.' in the "
	    "shell):\n");
	for (i = 0; i < scp_ncommands; i++) {
		signature(&scp_commands[i], sig, sizeof(sig));
		if (strlen(sig) < HELP_COLUMN)
			fprintf(fp, "  %-*s %s\n", HELP_COLUMN, sig,
			    scp_commands[i].help);
		else
			fprintf(fp, "  %s\n  %-*s %s\n", sig, HELP_COLUMN, "",
			    scp_commands[i].help);
	}
}

void
help_full(FILE *fp)
{
	fputs(synopsis, fp);
	fputs(manual_head, fp);
	commands_text(fp);
	fputs(manual_tail, fp);
	help_protocol(fp);
}

int
cmd_help(struct client *cl, const struct cmdline *cmd)
{
	help_full(stdout);
	return SCC_EXIT_OK;
}
