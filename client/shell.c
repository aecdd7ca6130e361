/*
 * The interactive shell: the client commands without "scc", protocol lines
 * after '.', one connection kept across them, history through libedit.
 */
#include <ctype.h>
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <editline/readline.h>

#include "conn.h"
#include "scc.h"
#include "token.h"

#define SHELL_WORDS_MAX	32
#define SHELL_HISTORY	500

static char	progname[] = "scc";

static void
print_tap(const char *data, size_t len, void *arg)
{
	fwrite(data, 1, len, stdout);
	fflush(stdout);
}

/* Words split at blanks; "double quotes" keep blanks. -1 if unbalanced. */
static int
split_words(char *line, char **words, int max)
{
	char	*p = line, *out;
	int	 n = 0;
	bool	 quoted;

	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			return n;
		if (n == max)
			return -1;
		words[n++] = out = p;
		for (quoted = false; *p != '\0'; p++) {
			if (*p == '"')
				quoted = !quoted;
			else if (!quoted && isspace((unsigned char)*p))
				break;
			else
				*out++ = *p;
		}
		if (quoted)
			return -1;
		if (*p != '\0')
			p++;
		*out = '\0';
	}
}

/* Notice a connection the server closed while we sat at the prompt. */
static void
shell_check(struct client *cl)
{
	const struct scp_response	*r;
	enum conn_status		 st;

	if (cl->conn == NULL)
		return;
	while ((st = conn_next(cl->conn, 0, &r)) == CONN_READY)
		if (r->kind == SCP_R_BYE)
			client_warn_text("the server closed the connection: ",
			    r->text);
	if (st != CONN_TIMEOUT)
		client_disconnect(cl);
}

static void
shell_help(void)
{
	printf("Commands:\n");
	help_commands(stdout, true);
	printf("  %-34s %s\n", ".REQUEST", "send one protocol request "
	    "(the tag is added)");
	printf("  %-34s %s\n\n", "quit", "leave the shell");
	printf("Tab completes command words, --names and their choices.\n\n");
	help_protocol(stdout);
}

/* The connection for a '.' line: with our session if there is one. */
static int
raw_connection(struct client *cl)
{
	char	 token[SCP_TOKEN_LEN + 1];
	bool	 have;

	if (cl->conn != NULL && !conn_closed(cl->conn))
		return SCC_EXIT_OK;
	have = token_load(cl->set, token) == TOKEN_OK;
	explicit_bzero(token, sizeof(token));
	if (have && client_resume(cl) == SCC_EXIT_OK)
		return SCC_EXIT_OK;
	return client_connect(cl);
}

static void
shell_raw_line(struct client *cl, const char *text)
{
	const struct scp_response	*r;
	enum conn_status		 st;
	char				 tag[SCP_TAG_MAX + 1], *line;
	uint64_t			 size;
	bool				 sync;

	while (isspace((unsigned char)*text))
		text++;
	if (*text == '\0')
		return;
	if (raw_literal_at_end(text, strlen(text), &size, &sync)) {
		warnx("literals cannot be typed here; use scc raw");
		return;
	}
	if (raw_connection(cl) != SCC_EXIT_OK)
		return;
	conn_tag(cl->conn, tag, sizeof(tag));
	if (asprintf(&line, "%s %s\r\n", tag, text) == -1) {
		warnx("out of memory");
		return;
	}
	conn_set_tap(cl->conn, print_tap, NULL);
	st = conn_send(cl->conn, line, strlen(line)) == 0 ? CONN_READY : CONN_ERROR;
	free(line);
	while (st == CONN_READY) {
		st = conn_next(cl->conn, CONN_IO_TIMEOUT_MS, &r);
		if (st == CONN_READY && r->kind == SCP_R_DONE &&
		    r->tag != NULL && strcmp(r->tag, tag) == 0)
			break;
	}
	if (st == CONN_TIMEOUT)
		warnx("no answer from the server in time");
	if (st != CONN_READY) {
		client_disconnect(cl);
		return;
	}
	conn_set_tap(cl->conn, NULL, NULL);
}

/* Flags on a shell line may change the format or user, not the server. */
static int
line_settings(struct client *cl, const struct cmdline *cmd,
    struct settings *set)
{
	if (cmd->flags.host != NULL || cmd->flags.port != NULL ||
	    cmd->flags.ca != NULL) {
		warnx("the server cannot change inside the shell; start scc "
		    "again with other flags");
		return -1;
	}
	settings_init(set);
	if (settings_merge(set, cl->set) == -1 ||
	    settings_merge(set, &cmd->flags) == -1) {
		warnx("out of memory");
		settings_free(set);
		return -1;
	}
	return 0;
}

/* The hand-written command of this line, or cmd_generated for the rest. */
static client_run_fn *
line_command(const struct cmdline *cmd)
{
	const struct client_cmd	*c;
	int			 words;

	if ((c = client_cmd_find(cmd->argc, cmd->argv, &words)) == NULL)
		return cmd_generated;
	if (!c->in_shell) {
		warnx("%s: not a shell command; try help", cmd->argv[0]);
		return NULL;
	}
	/* visit submit takes the options of the VISIT SUBMIT it stands in for. */
	if (cmd->nopts > 0 && c->run != cmd_visit_submit) {
		warnx("no option --%s here; try help %s", cmd->opts[0].name,
		    c->name);
		return NULL;
	}
	return c->run;
}

static void
shell_command(struct client *cl, char *line)
{
	client_run_fn		*run;
	const struct settings	*base = cl->set;
	struct cmdline		 cmd;
	struct settings		 set;
	char			*words[SHELL_WORDS_MAX + 2];
	int			 n;

	words[0] = progname;
	if ((n = split_words(line, words + 1, SHELL_WORDS_MAX)) == -1) {
		warnx("unbalanced quotes or too many words");
		return;
	}
	words[n + 1] = NULL;
	if (cmdline_parse(&cmd, n + 1, words) == -1)
		return;
	if (cmd.argc == 0 && !cmd.help)
		warnx("options alone do nothing; add a command");
	else if (cmd.argc > 0 && strcmp(cmd.argv[0], "help") == 0 &&
	    cmd.argc > 1)
		(void)help_topic(stdout, cmd.argc - 1, cmd.argv + 1);
	else if (cmd.help && cmd.argc > 0)
		(void)help_topic(stdout, cmd.argc, cmd.argv);
	else if (cmd.help || strcmp(cmd.argv[0], "help") == 0)
		shell_help();
	else if ((run = line_command(&cmd)) == NULL)
		;	/* line_command() said why */
	else if (cmd.all && run != cmd_logout)
		warnx("--all goes with logout only");
	else if (line_settings(cl, &cmd, &set) == 0) {
		cl->set = &set;
		(void)run(cl, &cmd);
		cl->set = base;
		settings_free(&set);
	}
	cmdline_free(&cmd);
}

/* Lines that may carry a password stay out of the history. */
static bool
keep_in_history(const char *line)
{
	return strcasestr(line, "LOGIN") == NULL &&
	    strcasestr(line, "PASSWORD") == NULL &&
	    strcasestr(line, "RESUME") == NULL;
}

static bool
is_quit(const char *line)
{
	return strcmp(line, "quit") == 0 || strcmp(line, "exit") == 0 ||
	    strcmp(line, "q") == 0;
}

int
shell_run(struct client *cl)
{
	char	*line, *p;

	cl->in_shell = true;
	using_history();
	shell_complete_init();
	stifle_history(SHELL_HISTORY);
	printf("scc shell for %s port %s: type help for the commands, quit "
	    "to leave\n", cl->set->host, cl->set->port);
	for (;;) {
		shell_check(cl);
		if ((line = readline("scc> ")) == NULL) {
			printf("\n");
			break;
		}
		for (p = line; isspace((unsigned char)*p); p++)
			;
		if (*p != '\0' && keep_in_history(p))
			(void)add_history(p);
		if (is_quit(p)) {
			free(line);
			break;
		}
		if (*p == '.')
			shell_raw_line(cl, p + 1);
		else if (*p != '\0')
			shell_command(cl, p);
		free(line);
	}
	return SCC_EXIT_OK;
}
