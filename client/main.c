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
	{ "password",	cmd_password,	"password",
	    "choose a new password (first thing after a one-time one)", true },
	{ "raw",	cmd_raw,	"raw",
	    "send protocol lines from standard input, print every answer",
	    false },
	{ "help",	cmd_help,	"help [NOUN [VERB]]",
	    "this text, or one command's arguments", true },
	/* Not in the shell: it runs until interrupted. */
	{ "watch",	cmd_watch,	"watch",
	    "the events you missed, then each one as it happens (^C stops)",
	    false },
	{ "doc put",	cmd_doc_put,	"doc put CASE FILE [--kind K]",
	    "upload a file to a case, streamed, with progress on a terminal",
	    true },
	{ "doc get",	cmd_doc_get,	"doc get DOC [-o FILE]",
	    "download a document; kept only once its SHA-256 checks", true },
	{ "minutes edit", cmd_minutes_edit, "minutes edit MEETING",
	    "edit the latest minutes in $EDITOR; saved, they are the next "
	    "draft", true },
	{ "school import", cmd_school_import, "school import FILE.csv",
	    "add the schools of a GIAS (DfE register) CSV export", true },
	/* Stands in for the generated VISIT SUBMIT, and takes its options. */
	{ "visit submit", cmd_visit_submit,
	    "visit submit SCHOOL --date YYYY-MM-DD [--case CASE] [--visit VISIT] "
	    "[--file FILE | --text TEXT]",
	    "submit a note of visit written in $EDITOR, or from a file (- is "
	    "standard input); --visit sends a returned one again", true },
	{ NULL,		NULL,		NULL,	NULL,	false }
};

/* One-word names match the first word; two-word names the first two. */
const struct client_cmd *
client_cmd_find(int argc, char *const *argv, int *words)
{
	const char	*name, *sp;
	size_t		 i, len;

	for (i = 0; argc > 0 && client_cmds[i].name != NULL; i++) {
		name = client_cmds[i].name;
		if ((sp = strchr(name, ' ')) == NULL) {
			if (strcmp(name, argv[0]) == 0) {
				*words = 1;
				return &client_cmds[i];
			}
			continue;
		}
		len = (size_t)(sp - name);
		if (argc >= 2 && strlen(argv[0]) == len &&
		    strncmp(name, argv[0], len) == 0 &&
		    strcmp(sp + 1, argv[1]) == 0) {
			*words = 2;
			return &client_cmds[i];
		}
	}
	return NULL;
}

/* Options of the command line that belong to no command: a usage error. */
static bool
stray_options(const struct cmdline *cmd)
{
	if (cmd->nopts == 0)
		return false;
	warnx("no option --%s here; try scc help", cmd->opts[0].name);
	return true;
}

static int
run_command(struct client *cl, const struct cmdline *cmd)
{
	const struct client_cmd	*c;
	int			 words;

	if (cmd->argc == 0) {
		if (stray_options(cmd))
			return SCC_EXIT_USAGE;
		if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))
			return shell_run(cl);
		help_usage(stderr);
		return SCC_EXIT_USAGE;
	}
	c = client_cmd_find(cmd->argc, cmd->argv, &words);
	if (cmd->all && (c == NULL || c->run != cmd_logout)) {
		warnx("--all goes with logout only");
		return SCC_EXIT_USAGE;
	}
	if (cmd->output != NULL && (c == NULL || c->run != cmd_doc_get)) {
		warnx("-o goes with doc get only");
		return SCC_EXIT_USAGE;
	}
	/* Not one of ours: a command of the protocol's table, or nothing. */
	if (c == NULL)
		return cmd_generated(cl, cmd);
	if (c->run != cmd_visit_submit && c->run != cmd_doc_put &&
	    c->run != cmd_doc_get && stray_options(cmd))
		return SCC_EXIT_USAGE;
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
	if (cmd.argc > 0 && strcmp(cmd.argv[0], "help") == 0) {
		r = cmd_help(NULL, &cmd);
		cmdline_free(&cmd);
		return r;
	}
	if (cmd.help) {
		/* "scc school add --help": that command's help. */
		r = SCC_EXIT_OK;
		if (cmd.argc == 0)
			help_full(stdout);
		else if (help_topic(stdout, cmd.argc, cmd.argv) == -1)
			r = SCC_EXIT_USAGE;
		cmdline_free(&cmd);
		return r;
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
