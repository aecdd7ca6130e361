/*
 * Help for the commands as people type them: the overview of every
 * command, and one command's arguments with their types and choices. All
 * of it is read from the command table.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "gen.h"
#include "scc.h"
#include "scp_cmd.h"

#define SYNOPSIS_COLUMN	34

static void
help_line(FILE *fp, const char *synopsis, const char *help)
{
	if (strlen(synopsis) <= SYNOPSIS_COLUMN)
		fprintf(fp, "  %-*s %s\n", SYNOPSIS_COLUMN, synopsis, help);
	else
		fprintf(fp, "  %s\n  %-*s %s\n", synopsis, SYNOPSIS_COLUMN, "",
		    help);
}

static int
add_upper(struct scp_buf *out, const char *s)
{
	size_t	 start = out->len, i;

	if (scp_buf_addstr(out, s) == -1)
		return -1;
	for (i = start; i < out->len; i++)
		out->data[i] = (char)toupper((unsigned char)out->data[i]);
	return 0;
}

/* What follows --name: the type, or for choices the argument's own name. */
static int
add_value_word(struct scp_buf *out, const struct scp_argdef *a)
{
	if (a->type == SCP_T_ENUM)
		return add_upper(out, a->name);
	return scp_buf_addstr(out, gen_type_word(a));
}

/*
 * "school add --urn WORD --name TEXT --phase PHASE [options]": the
 * positional arguments as placeholders, the required named ones, and
 * whether there is more. full: every optional one too.
 */
static int
synopsis(struct scp_buf *out, const struct scp_cmd *c, bool full)
{
	char	 name[64];
	size_t	 i;
	bool	 more = false;
	int	 r = 0;

	scp_buf_reset(out);
	if (gen_person_name(c, name, sizeof(name)) == -1 ||
	    scp_buf_addstr(out, name) == -1)
		return -1;
	for (i = 0; i < c->nargs && r == 0; i++) {
		const struct scp_argdef	*a = &c->args[i];
		bool			 req = a->flags & SCP_ARG_REQUIRED;

		if (!req && !full) {
			more = true;
			continue;
		}
		r = scp_buf_addstr(out, req ? " " : " [");
		if (r == 0 && (a->flags & SCP_ARG_POSITIONAL))
			r = add_upper(out, a->name);
		else if (r == 0 && (r = scp_buf_printf(out, "--%s ",
		    a->name)) == 0)
			r = add_value_word(out, a);
		if (r == 0 && !req)
			r = scp_buf_addstr(out, "]");
	}
	if (r == 0 && more)
		r = scp_buf_addstr(out, " [options]");
	return r;
}

void
help_usage_of(FILE *fp, const struct scp_cmd *c)
{
	struct scp_buf	 sig = { NULL, 0, 0 };

	if (synopsis(&sig, c, true) == 0)
		fprintf(fp, "usage: scc %s\n", sig.data);
	scp_buf_free(&sig);
}

/*
 * A generated command that a hand-written one of the same words stands in
 * for ("visit submit"): the hand-written one is what runs, so it alone is
 * shown.
 */
static bool
shadowed(const struct scp_cmd *c)
{
	char	 name[64], *argv[3], *sp;
	size_t	 i;
	int	 words;

	if (strlen(c->name) >= sizeof(name))
		return false;
	for (i = 0; c->name[i] != '\0'; i++)
		name[i] = (char)tolower((unsigned char)c->name[i]);
	name[i] = '\0';
	argv[0] = name;
	argv[1] = argv[2] = NULL;
	if ((sp = strchr(name, ' ')) != NULL) {
		*sp = '\0';
		argv[1] = sp + 1;
	}
	return client_cmd_find(sp != NULL ? 2 : 1, argv, &words) != NULL &&
	    words == (sp != NULL ? 2 : 1);
}

static void
help_generated(FILE *fp, const struct scp_cmd *c)
{
	struct scp_buf	 sig = { NULL, 0, 0 };

	if (synopsis(&sig, c, false) == 0)
		help_line(fp, sig.data, c->help != NULL ? c->help : "");
	scp_buf_free(&sig);
}

void
help_commands(FILE *fp, bool in_shell)
{
	size_t	 i;

	for (i = 0; client_cmds[i].name != NULL; i++)
		if (!in_shell || client_cmds[i].in_shell)
			help_line(fp, client_cmds[i].synopsis,
			    client_cmds[i].help);
	fprintf(fp, "\n  Work (scc help NOUN [VERB] for the arguments):\n");
	for (i = 0; i < scp_ncommands; i++)
		if (gen_offered(&scp_commands[i]) && !shadowed(&scp_commands[i]))
			help_generated(fp, &scp_commands[i]);
}

static void
roles_line(FILE *fp, unsigned roles)
{
	const char	*sep = "";
	unsigned	 bit;

	fprintf(fp, "  for: ");
	for (bit = 1; bit != 0 && bit <= roles; bit <<= 1) {
		if (!(roles & bit) || scp_role_name(bit) == NULL)
			continue;
		fprintf(fp, "%s%s", sep, scp_role_name(bit));
		sep = ", ";
	}
	fprintf(fp, "\n");
}

/* One command in full: its synopsis, help, roles and every argument. */
static void
help_detail(FILE *fp, const struct scp_cmd *c)
{
	struct scp_buf		 sig = { NULL, 0, 0 };
	const struct scp_argdef	*a;
	char			 label[48];
	size_t			 i;

	if (synopsis(&sig, c, true) == 0)
		fprintf(fp, "scc %s\n", sig.data);
	scp_buf_free(&sig);
	fprintf(fp, "  %s\n  protocol: %s\n", c->help != NULL ? c->help : "",
	    c->name);
	roles_line(fp, c->roles);
	for (i = 0; i < c->nargs; i++) {
		a = &c->args[i];
		if (a->flags & SCP_ARG_POSITIONAL)
			snprintf(label, sizeof(label), "%s", a->name);
		else
			snprintf(label, sizeof(label), "--%s", a->name);
		fprintf(fp, "    %-18s %s%s%s%s\n", label,
		    a->type == SCP_T_ENUM ? "one of " : "", gen_type_word(a),
		    a->flags & SCP_ARG_REQUIRED ? ", required" : "",
		    (a->flags & SCP_ARG_POSITIONAL) ? " (operand)" : "");
	}
	if (c->flags & SCP_CMD_PAGED)
		fprintf(fp, "  A listing: without --limit or --after, every page "
		    "is shown.\n");
}

/* Every command whose noun is this word ("scc help school"). */
static int
help_noun(FILE *fp, const char *noun)
{
	char	 n[64];
	size_t	 i;
	int	 found = 0;

	for (i = 0; i < scp_ncommands; i++) {
		if (!gen_offered(&scp_commands[i]) || shadowed(&scp_commands[i]))
			continue;
		gen_noun(&scp_commands[i], n, sizeof(n));
		if (strcasecmp(n, noun) != 0)
			continue;
		fprintf(fp, "%s", found++ > 0 ? "\n" : "");
		help_detail(fp, &scp_commands[i]);
	}
	/* Hand-written commands of the noun: "school import". */
	for (i = 0; client_cmds[i].name != NULL; i++)
		if (strncasecmp(client_cmds[i].name, noun, strlen(noun)) == 0 &&
		    client_cmds[i].name[strlen(noun)] == ' ') {
			fprintf(fp, "%s", found++ > 0 ? "\n" : "");
			fprintf(fp, "scc %s\n  %s\n", client_cmds[i].synopsis,
			    client_cmds[i].help);
		}
	return found > 0 ? 0 : -1;
}

int
help_topic(FILE *fp, int argc, char *const *argv)
{
	const struct client_cmd	*cc;
	struct gen_match	 m;
	char			 err[GEN_ERR_MAX];
	int			 words;

	if ((cc = client_cmd_find(argc, argv, &words)) != NULL &&
	    words == argc) {
		help_line(fp, cc->synopsis, cc->help);
		return 0;
	}
	if (argc == 1 && help_noun(fp, argv[0]) == 0)
		return 0;
	if (gen_resolve(argc, argv, &m, err, sizeof(err)) == 0 &&
	    m.words == argc) {
		help_detail(fp, m.cmd);
		return 0;
	}
	fprintf(stderr, "scc: no help for \"%.64s%s%.64s\"; scc help lists "
	    "every command\n", argv[0], argc > 1 ? " " : "",
	    argc > 1 ? argv[1] : "");
	return -1;
}
