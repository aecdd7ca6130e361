/*
 * What the shell offers for the word being typed, from the command table:
 * command words, the --names of the command typed so far, and the choices
 * of an --name that takes one. No terminal here; shell_complete.c hands
 * this to libedit.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gen.h"
#include "scc.h"

#define CAND_MAX	256

struct cands {
	char	**v;
	size_t	  n;
	bool	  failed;
};

static void
cand_add(struct cands *c, const char *s, size_t len, const char *prefix)
{
	char	**grown, *copy;
	size_t	  i;

	if (c->failed || len < strlen(prefix) ||
	    strncasecmp(s, prefix, strlen(prefix)) != 0 || c->n >= CAND_MAX)
		return;
	for (i = 0; i < c->n; i++)
		if (strlen(c->v[i]) == len && strncmp(c->v[i], s, len) == 0)
			return;
	if ((grown = reallocarray(c->v, c->n + 2, sizeof(*grown))) == NULL) {
		c->failed = true;
		return;
	}
	c->v = grown;
	c->v[c->n] = NULL;
	if ((copy = strndup(s, len)) == NULL) {
		c->failed = true;
		return;
	}
	for (i = 0; i < len; i++)
		copy[i] = (char)tolower((unsigned char)copy[i]);
	c->v[c->n++] = copy;
	c->v[c->n] = NULL;
}

/* First words: scc's own commands, nouns, one-word commands, aliases. */
static void
first_words(struct cands *c, const char *word)
{
	const char	*name;
	size_t		 i;

	for (i = 0; client_cmds[i].name != NULL; i++) {
		name = client_cmds[i].name;
		cand_add(c, name, strcspn(name, " "), word);
	}
	for (i = 0; i < scp_ncommands; i++) {
		name = scp_commands[i].name;
		if (gen_offered(&scp_commands[i]))
			cand_add(c, name, strcspn(name, " "), word);
	}
	for (i = 0; gen_alias_word(i) != NULL; i++)
		cand_add(c, gen_alias_word(i), strlen(gen_alias_word(i)), word);
	cand_add(c, "quit", 4, word);
}

/* Second words: the verbs of the noun. */
static void
verbs(struct cands *c, const char *noun, const char *word)
{
	const char	*name, *sp;
	size_t		 i, len = strlen(noun);

	for (i = 0; client_cmds[i].name != NULL; i++) {
		name = client_cmds[i].name;
		if ((sp = strchr(name, ' ')) != NULL &&
		    (size_t)(sp - name) == len && strncasecmp(name, noun, len) == 0)
			cand_add(c, sp + 1, strlen(sp + 1), word);
	}
	for (i = 0; i < scp_ncommands; i++) {
		name = scp_commands[i].name;
		if (gen_offered(&scp_commands[i]) &&
		    (sp = strchr(name, ' ')) != NULL &&
		    (size_t)(sp - name) == len && strncasecmp(name, noun, len) == 0)
			cand_add(c, sp + 1, strlen(sp + 1), word);
	}
}

static void
choices(struct cands *c, const char *list, const char *word)
{
	size_t	 n;

	while (list != NULL && *list != '\0') {
		n = strcspn(list, "|");
		cand_add(c, list, n, word);
		list += n + (list[n] == '|');
	}
}

static void
option_names(struct cands *c, const struct scp_cmd *cmd, const char *word)
{
	char	 opt[40];
	size_t	 i;

	for (i = 0; cmd != NULL && i < cmd->nargs; i++) {
		if (snprintf(opt, sizeof(opt), "--%s", cmd->args[i].name) <
		    (int)sizeof(opt))
			cand_add(c, opt, strlen(opt), word);
	}
	cand_add(c, "--format", 8, word);
	cand_add(c, "--help", 6, word);
}

/* The choices of "--name" just typed, when it takes one. */
static bool
option_value(struct cands *c, const struct scp_cmd *cmd, const char *opt,
    const char *word)
{
	size_t	 i;

	if (strcmp(opt, "--format") == 0) {
		choices(c, "table|tsv|json", word);
		return true;
	}
	for (i = 0; cmd != NULL && i < cmd->nargs; i++)
		if (strcasecmp(cmd->args[i].name, opt + 2) == 0) {
			if (cmd->args[i].type == SCP_T_ENUM)
				choices(c, cmd->args[i].choices, word);
			return true;
		}
	return false;
}

char **
shell_candidates(int argc, char *const *argv, const char *word)
{
	struct cands		 c = { NULL, 0, false };
	struct gen_match	 m;
	const struct scp_cmd	*cmd = NULL;
	char			 err[GEN_ERR_MAX];

	if (argc > 0 && strcmp(argv[0], "help") == 0) {
		argc--;
		argv++;
	}
	if (argc > 0 && gen_resolve(argc, argv, &m, err, sizeof(err)) == 0)
		cmd = m.cmd;
	if (argc > 0 && argv[argc - 1][0] == '-' && argv[argc - 1][1] == '-' &&
	    strchr(argv[argc - 1], '=') == NULL &&
	    option_value(&c, cmd, argv[argc - 1], word))
		;	/* the value of an option */
	else if (word[0] == '-')
		option_names(&c, cmd, word);
	else if (argc == 0)
		first_words(&c, word);
	else if (argc == 1)
		verbs(&c, argv[0], word);
	if (c.failed) {
		shell_candidates_free(c.v);
		return NULL;
	}
	return c.v;
}

void
shell_candidates_free(char **v)
{
	size_t	 i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}
