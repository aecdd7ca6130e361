/*
 * Asking for a user name or password: from the terminal when there is one
 * (without echo for passwords), else one line of standard input, so
 * scripts and tests can log in.
 */
#ifndef SCC_PROMPT_H
#define SCC_PROMPT_H

#include <stdbool.h>
#include <stddef.h>

#define PROMPT_PASSWORD_MAX	1024	/* octets, as the server allows */

/* True when prompts go to a person at a terminal, not a script. */
bool	 prompt_interactive(void);

/* 0 with the line in buf (no newline); -1 after saying why. */
int	 prompt_read(const char *prompt, bool echo, char *buf, size_t size);

#endif /* SCC_PROMPT_H */
