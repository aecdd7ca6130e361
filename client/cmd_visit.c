/*
 * scc visit submit SCHOOL --date D [--case C] [--visit V] [--file F]:
 * VISIT SUBMIT with the note's text read from a file (--file; "-" is
 * standard input), or written in $VISUAL or $EDITOR on an empty file of
 * its own. It stands in for the generated command of the same name, which
 * takes the text only as --text (still accepted here, for scripts). The
 * arguments are checked before the editor opens; if the server then
 * refuses the note, the file written is kept and named, so nothing typed
 * is ever lost.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gen.h"
#include "scc.h"

static bool
blank(const char *s)
{
	return s[strspn(s, " \t\r\n")] == '\0';
}

/*
 * The command line as the generated VISIT SUBMIT takes it: the same,
 * without --file, and with --text when text is given. Only out->opts is
 * allocated (free it alone: the rest is cmd's).
 */
static int
with_text(const struct cmdline *cmd, const char *text, struct cmdline *out)
{
	static char	 text_name[] = "text";
	size_t		 i;

	*out = *cmd;
	if ((out->opts = calloc(cmd->nopts + 1, sizeof(*out->opts))) == NULL) {
		warnx("out of memory");
		return -1;
	}
	out->nopts = 0;
	for (i = 0; i < cmd->nopts; i++)
		if (strcmp(cmd->opts[i].name, "file") != 0)
			out->opts[out->nopts++] = cmd->opts[i];
	if (text != NULL) {
		out->opts[out->nopts].name = text_name;
		out->opts[out->nopts++].value = text;
	}
	return 0;
}

/* Send it as the generated command would, and print its answer. */
static int
send_note(struct client *cl, const struct cmdline *cmd, const char *text)
{
	struct cmdline	 line;
	int		 r;

	if (with_text(cmd, text, &line) == -1)
		return SCC_EXIT_REFUSED;
	r = cmd_generated(cl, &line);
	free(line.opts);
	return r;
}

/* This command's synopsis, from the table of main.c. */
static void
usage(void)
{
	size_t	 i;

	for (i = 0; client_cmds[i].name != NULL; i++)
		if (client_cmds[i].run == cmd_visit_submit)
			fprintf(stderr, "usage: scc %s\n",
			    client_cmds[i].synopsis);
}

/*
 * Everything but the text, checked as the generated command checks it,
 * before anyone writes a word. A --text given stands as it is; else a
 * stand-in for the text to come.
 */
static int
check_args(const struct cmdline *cmd, const struct scp_cmd *vc,
    bool has_text)
{
	struct cmdline	 probe;
	struct gen_args	 ga;
	char		 err[GEN_ERR_MAX];
	int		 r = 0;

	if (cmd->argc < 2 ||
	    with_text(cmd, has_text ? NULL : "-", &probe) == -1)
		return -1;
	if (gen_bind(vc, probe.argc - 2, probe.argv + 2, probe.opts,
	    probe.nopts, probe.user_arg, &ga, err, sizeof(err)) == -1) {
		warnx("%s", err);
		usage();
		r = -1;
	} else
		gen_args_free(&ga);
	free(probe.opts);
	return r;
}

/* Write the note in the editor; send it; keep the file if it is refused. */
static int
write_and_send(struct client *cl, const struct cmdline *cmd)
{
	const char	*tmpdir = getenv("TMPDIR");
	char		*path = NULL, *text = NULL;
	int		 fd, r;

	/* Not logged in is better known before writing than after. */
	if ((r = client_resume(cl)) != SCC_EXIT_OK)
		return r;
	/* The connection may idle out while a person writes: drop it. */
	client_disconnect(cl);
	if (asprintf(&path, "%s/scc-visit-XXXXXX", tmpdir != NULL &&
	    *tmpdir != '\0' ? tmpdir : "/tmp") == -1) {
		warnx("out of memory");
		return SCC_EXIT_REFUSED;
	}
	if ((fd = mkstemp(path)) == -1) {
		warn("a file to write the note in");
		free(path);
		return SCC_EXIT_REFUSED;
	}
	(void)close(fd);
	if (editor_run(path) == -1 || (text = text_load(path)) == NULL) {
		warnx("your text is kept in %s", path);
		free(path);
		return SCC_EXIT_REFUSED;
	}
	if (blank(text)) {
		warnx("the note is empty; nothing sent");
		r = SCC_EXIT_REFUSED;
	} else if ((r = send_note(cl, cmd, text)) != SCC_EXIT_OK) {
		warnx("your note is kept in %s", path);
		free(path);
		free(text);
		return r;
	}
	(void)unlink(path);
	free(path);
	free(text);
	return r;
}

int
cmd_visit_submit(struct client *cl, const struct cmdline *cmd)
{
	const struct scp_cmd	*vc = scp_cmd_byname("VISIT SUBMIT");
	const char		*file = NULL;
	char			*text;
	bool			 has_text = false;
	size_t			 i;
	int			 r;

	if (vc == NULL)
		errx(SCC_EXIT_USAGE, "this build has no VISIT SUBMIT");
	for (i = 0; i < cmd->nopts; i++) {
		if (strcmp(cmd->opts[i].name, "text") == 0)
			has_text = true;
		if (strcmp(cmd->opts[i].name, "file") != 0)
			continue;
		if (file != NULL || cmd->opts[i].value == NULL) {
			warnx("%s", file != NULL ? "--file given twice" :
			    "--file needs a value (\"-\": standard input)");
			return SCC_EXIT_USAGE;
		}
		file = cmd->opts[i].value;
	}
	if (file != NULL && has_text) {
		warnx("--file or --text, not both");
		return SCC_EXIT_USAGE;
	}
	if (check_args(cmd, vc, has_text) == -1)
		return SCC_EXIT_USAGE;
	if (has_text)
		return cmd_generated(cl, cmd);
	if (file == NULL)
		return write_and_send(cl, cmd);
	if ((text = text_load(file)) == NULL)
		return SCC_EXIT_USAGE;
	if (blank(text)) {
		warnx("%s: the note is empty; nothing sent", file);
		r = SCC_EXIT_USAGE;
	} else
		r = send_note(cl, cmd, text);
	free(text);
	return r;
}
