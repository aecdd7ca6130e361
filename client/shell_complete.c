/*
 * Tab completion in the shell: libedit's readline interface asks for the
 * completions of one word; complete.c decides them from the command
 * table. The readline interface keeps its state in globals, so this file
 * does too, and only here.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <editline/readline.h>

#include "scc.h"

#define COMPLETE_WORDS_MAX	64

/* The candidates of the word being completed, handed out one at a time. */
static char	**candidates;
static size_t	  handed;

static char *
next_candidate(const char *text, int state)
{
	if (candidates == NULL || candidates[handed] == NULL)
		return NULL;
	return strdup(candidates[handed++]);
}

/* The words of the line before the one being completed. */
static int
words_before(char *line, int end, char **words)
{
	char	*p = line;
	int	 n = 0;

	line[end] = '\0';
	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0' || n == COMPLETE_WORDS_MAX)
			return n;
		words[n++] = p;
		while (*p != '\0' && !isspace((unsigned char)*p))
			p++;
		if (*p != '\0')
			*p++ = '\0';
	}
}

static char **
complete(const char *text, int start, int end)
{
	char	*words[COMPLETE_WORDS_MAX], *line;
	int	 n;

	/* No fall back to file names: only school import takes one. */
	rl_attempted_completion_over = 1;
	if (rl_line_buffer == NULL || rl_line_buffer[0] == '.' ||
	    (line = strdup(rl_line_buffer)) == NULL)
		return NULL;
	if ((size_t)start > strlen(line))
		start = (int)strlen(line);
	n = words_before(line, start, words);
	if (n >= 2 && strcmp(words[0], "school") == 0 &&
	    strcmp(words[1], "import") == 0) {
		/* Its operand is a file: libedit completes file names. */
		free(line);
		rl_attempted_completion_over = 0;
		return NULL;
	}
	shell_candidates_free(candidates);
	candidates = shell_candidates(n, words, text);
	handed = 0;
	free(line);
	if (candidates == NULL || candidates[0] == NULL)
		return NULL;
	return rl_completion_matches(text, next_candidate);
}

void
shell_complete_init(void)
{
	rl_attempted_completion_function = complete;
}
