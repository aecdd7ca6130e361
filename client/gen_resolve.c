/*
 * From the words a person types to a command of the protocol's table.
 * The table is the authority on what exists; the aliases below only add
 * names people would say. Anything the rules can derive (a plural noun
 * lists, a noun and an id shows) needs no alias.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "gen.h"

/* Words that name a command and are neither "noun verb" nor a plural. */
static const struct {
	const char	*word;
	const char	*command;
} aliases[] = {
	{ "schools",	"SCHOOL LIST" },
	{ "risks",	"RISK LIST" },
	{ "alerts",	"ALERT LIST" },
	{ "cases",	"CASE LIST" },
	{ "users",	"USER LIST" },
	{ "programmes",	"PROGRAMME LIST" },
	{ "areas",	"AREA LIST" },
	{ "audit",	"AUDIT LIST" },
};
#define NALIASES	(sizeof(aliases) / sizeof(aliases[0]))

const char *
gen_alias_word(size_t i)
{
	return i < NALIASES ? aliases[i].word : NULL;
}

bool
gen_offered(const struct scp_cmd *c)
{
	return !(c->flags & (SCP_CMD_SESSION | SCP_CMD_PREAUTH));
}

/* The offered command "w1 w2" (w2 NULL: the one-word command w1). */
static const struct scp_cmd *
by_words(const char *w1, size_t len1, const char *w2)
{
	const struct scp_cmd	*c;
	const char		*sp;
	size_t			 i;

	for (i = 0; i < scp_ncommands; i++) {
		c = &scp_commands[i];
		if (!gen_offered(c))
			continue;
		sp = strchr(c->name, ' ');
		if ((w2 == NULL) != (sp == NULL))
			continue;
		if (sp == NULL && strlen(c->name) == len1 &&
		    strncasecmp(c->name, w1, len1) == 0)
			return c;
		if (sp != NULL && (size_t)(sp - c->name) == len1 &&
		    strncasecmp(c->name, w1, len1) == 0 &&
		    strcasecmp(sp + 1, w2) == 0)
			return c;
	}
	return NULL;
}

static bool
is_noun(const char *w)
{
	const char	*sp;
	size_t		 i;

	for (i = 0; i < scp_ncommands; i++) {
		sp = strchr(scp_commands[i].name, ' ');
		if (sp != NULL && gen_offered(&scp_commands[i]) &&
		    (size_t)(sp - scp_commands[i].name) == strlen(w) &&
		    strncasecmp(scp_commands[i].name, w, strlen(w)) == 0)
			return true;
	}
	return false;
}

static const struct scp_cmd *
by_alias(const char *w)
{
	size_t	 i;

	for (i = 0; i < NALIASES; i++)
		if (strcasecmp(aliases[i].word, w) == 0)
			return scp_cmd_byname(aliases[i].command);
	return NULL;
}

int
gen_resolve(int argc, char *const *argv, struct gen_match *m, char *err,
    size_t errlen)
{
	const char	*w = argv[0];
	size_t		 len;

	memset(m, 0, sizeof(*m));
	if (argc < 1) {
		snprintf(err, errlen, "no command");
		return -1;
	}
	len = strlen(w);
	m->words = 2;
	if (argc >= 2 && (m->cmd = by_words(w, len, argv[1])) != NULL)
		return 0;
	m->words = 1;
	if ((m->cmd = by_words(w, len, NULL)) != NULL ||
	    (m->cmd = by_alias(w)) != NULL)
		return 0;
	/* Any plural noun lists: "meetings" is MEETING LIST. */
	if (len > 1 && tolower((unsigned char)w[len - 1]) == 's' &&
	    (m->cmd = by_words(w, len - 1, "LIST")) != NULL)
		return 0;
	/* A noun and what is not one of its verbs: that thing, shown. */
	if (argc >= 2 && (m->cmd = by_words(w, len, "SHOW")) != NULL) {
		m->implied_show = true;
		return 0;
	}
	if (is_noun(w))
		snprintf(err, errlen, "\"%.64s\" needs a verb; try scc help "
		    "%.64s", w, w);
	else
		snprintf(err, errlen, "unknown command \"%.64s\"; try scc help",
		    w);
	return -1;
}

void
gen_noun(const struct scp_cmd *c, char *buf, size_t len)
{
	size_t	 i, n;

	n = strcspn(c->name, " ");
	for (i = 0; i < n && i + 1 < len; i++)
		buf[i] = (char)tolower((unsigned char)c->name[i]);
	if (len > 0)
		buf[i] = '\0';
}

/* "school 3" shows: true when the command takes the thing to show. */
static bool
has_positional(const struct scp_cmd *c)
{
	size_t	 i;

	for (i = 0; i < c->nargs; i++)
		if (c->args[i].flags & SCP_ARG_POSITIONAL)
			return true;
	return false;
}

int
gen_person_name(const struct scp_cmd *c, char *buf, size_t len)
{
	const char	*sp;
	size_t		 i;
	int		 n;

	for (i = 0; i < NALIASES; i++)
		if (strcasecmp(aliases[i].command, c->name) == 0)
			return snprintf(buf, len, "%s", aliases[i].word) <
			    (int)len ? 0 : -1;
	sp = strchr(c->name, ' ');
	if (sp != NULL && strcasecmp(sp + 1, "SHOW") == 0 && has_positional(c))
		n = snprintf(buf, len, "%.*s", (int)(sp - c->name), c->name);
	else
		n = snprintf(buf, len, "%s", c->name);
	if (n < 0 || (size_t)n >= len)
		return -1;
	for (i = 0; buf[i] != '\0'; i++)
		buf[i] = (char)tolower((unsigned char)buf[i]);
	return 0;
}
