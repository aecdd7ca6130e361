/*
 * Usage text. The list of protocol commands is read from libscp's command
 * table, so it can never disagree with what the server accepts.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "scc.h"
#include "scp_cmd.h"

#define HELP_COLUMN	30

static const char synopsis[] =
"usage: scc [-H host] [-p port] [--ca file] [-u user] [--format table|tsv|json]\n"
"           command [operand ...] [--name value ...]\n"
"       scc help [noun [verb]]\n";

static const char manual_head[] =
"\n"
"scc is the command-line client of sccd, the casework server for schools\n"
"causing concern. Each command opens a TLS connection, resumes the session\n"
"kept by 'scc login', does one thing and exits. Without a command, on a\n"
"terminal, scc opens an interactive shell that keeps one connection.\n"
"\n"
"COMMANDS\n";

static const char manual_work[] =
"\n"
"  Work commands come from the protocol's command table; 'scc help NOUN\n"
"  [VERB]' shows one with its arguments. Each argument can be given as\n"
"  --name value (or --name=value); operands fill the arguments in the\n"
"  order the table declares them, positional ones first, then the named\n"
"  ones not given as --name (so 'scc level set 3 red --reason ...' is\n"
"  LEVEL SET 3 level=red reason=...). A plural noun lists ('scc cases'),\n"
"  a noun and an id shows ('scc case 7'). Arguments are checked before\n"
"  anything is sent: a wrong one is a usage error.\n"
"\n"
"  Listings take --limit N and --after ID for one page; without either,\n"
"  scc follows every page and shows them all.\n"
"\n"
"  --format table shows a listing as aligned columns, RAG levels coloured\n"
"  on a terminal (unless NO_COLOR is set); an answer of several record\n"
"  types shows each type under its name. tsv: a header row, then one row\n"
"  per record, a blank line between record types. json: a listing is an\n"
"  array of objects; any other answer is an object keyed by record type in\n"
"  lower case (\"school\", \"level\"), each an array of objects. Ids and\n"
"  counts are numbers, yes/no are true/false, a field not sent is null.\n"
"\n"
"  'user add' prints the new user's one-time password once, on standard\n"
"  output (in json and tsv, as the secret record).\n";

static const char manual_tail[] =
"\n"
"  login asks for the password without echo. When standard input is not a\n"
"  terminal it reads the user (unless given) and then the password as lines\n"
"  from it instead, for scripts.\n"
"\n"
"OPTIONS\n"
"  -H, --host HOST       server name or address (default localhost)\n"
"  -p, --port PORT       server port (default 7144)\n"
"      --ca FILE         CA certificate(s) that sign the server's certificate;\n"
"                        without it the system trust store is used\n"
"  -u, --user LOGIN      user for 'scc login'; for a command with a user\n"
"                        argument ('scc audit'), that argument\n"
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
"IMPORT\n"
"  'scc school import FILE.csv' adds the schools of a CSV export of Get\n"
"  Information about Schools (columns URN, EstablishmentName and\n"
"  \"PhaseOfEducation (name)\"; or simply urn, name, phase). Phases map to\n"
"  ours; a special school or pupil referral unit is told by its type of\n"
"  establishment. Each row is one SCHOOL ADD, sent in batches; a school\n"
"  already there is skipped, a row that cannot be read is reported with\n"
"  its line. The exit status is 0 when every row was added or already\n"
"  there, 1 otherwise.\n"
"\n"
"EXIT STATUS\n"
"  0 done; 1 the server refused (NO or BAD); 2 usage error; 3 connection\n"
"  or TLS failure; 4 not logged in or the session expired.\n"
"\n";

void
help_usage(FILE *fp)
{
	fputs(synopsis, fp);
}

/* One argument as help shows it: "SCHOOL", "[all]", "level=", "[after=]". */
static int
arg_word(struct scp_buf *out, const struct scp_argdef *a)
{
	bool	 optional = !(a->flags & SCP_ARG_REQUIRED);
	size_t	 i, start;
	int	 r;

	if (scp_buf_addstr(out, optional ? " [" : " ") == -1)
		return -1;
	start = out->len;
	if (!(a->flags & SCP_ARG_POSITIONAL))
		r = scp_buf_printf(out, "%s=", a->name);
	else if (a->type == SCP_T_ENUM && a->choices != NULL)
		r = scp_buf_addstr(out, a->choices);
	else {
		/* Positional arguments read as placeholders: CASE, MEETING. */
		r = scp_buf_addstr(out, a->name);
		for (i = start; r == 0 && i < out->len; i++)
			out->data[i] = toupper((unsigned char)out->data[i]);
	}
	if (r == -1 || (optional && scp_buf_addstr(out, "]") == -1))
		return -1;
	return 0;
}

/* "LOGIN USER PASSWORD", "LOGOUT [all]", "SCHOOL LIST [level=]". */
static int
signature(const struct scp_cmd *cmd, struct scp_buf *out)
{
	size_t	 i;

	scp_buf_reset(out);
	if (scp_buf_addstr(out, cmd->name) == -1)
		return -1;
	for (i = 0; i < cmd->nargs; i++)
		if (arg_word(out, &cmd->args[i]) == -1)
			return -1;
	return 0;
}

void
help_protocol(FILE *fp)
{
	struct scp_buf	 sig = { NULL, 0, 0 };
	const char	*help;
	size_t		 i;

	fprintf(fp, "Protocol commands (for 'scc raw', or after '.' in the "
	    "shell):\n");
	for (i = 0; i < scp_ncommands; i++) {
		help = scp_commands[i].help != NULL ? scp_commands[i].help : "";
		if (signature(&scp_commands[i], &sig) == -1)
			fprintf(fp, "  %s\n", scp_commands[i].name);
		else if (sig.len < HELP_COLUMN)
			fprintf(fp, "  %-*s %s\n", HELP_COLUMN, sig.data, help);
		else
			fprintf(fp, "  %s\n  %-*s %s\n", sig.data, HELP_COLUMN, "",
			    help);
	}
	scp_buf_free(&sig);
}

void
help_full(FILE *fp)
{
	fputs(synopsis, fp);
	fputs(manual_head, fp);
	help_commands(fp, false);
	fputs(manual_work, fp);
	fputs(manual_tail, fp);
	help_protocol(fp);
}

int
cmd_help(struct client *cl, const struct cmdline *cmd)
{
	if (cmd->argc > 1)
		return help_topic(stdout, cmd->argc - 1, cmd->argv + 1) == 0 ?
		    SCC_EXIT_OK : SCC_EXIT_USAGE;
	help_full(stdout);
	return SCC_EXIT_OK;
}
