/*
 * Internal to libscp: the lexical pieces that the request parser (parse.c)
 * and the response reader (read.c) share, so that both sides of the wire
 * agree on what an atom, a quoted string and a literal marker are.
 */
#ifndef SCP_LEX_H
#define SCP_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scp.h"

/* Length of the well-formed UTF-8 character at s, 0 if there is none. */
size_t	 scp_utf8_char(const char *, size_t);

/*
 * May this octet be part of an atom? Octets of multi-octet UTF-8 are fine;
 * the line was checked whole. Inline: the writer asks it of every octet
 * of every value it sends.
 */
static inline bool
scp_lex_atom_char(unsigned char c)
{
	if (c <= 0x20 || c == 0x7f)
		return false;
	return c != '"' && c != '{' && c != '}' && c != '=';
}

bool	 scp_lex_tag_valid(const char *, size_t);
bool	 scp_lex_name_valid(const char *, size_t);

/*
 * Does the line (line end removed) finish with "{N}" or "{N+}"? The start
 * of the marker goes to *start. OVERFLOW: the digits do not fit in 64 bits.
 */
enum scp_marker {
	SCP_MARK_NONE,
	SCP_MARK_LITERAL,
	SCP_MARK_OVERFLOW
};
enum scp_marker	 scp_lex_marker(const char *, size_t, size_t *start,
		    uint64_t *count, bool *sync);

/* Why a line (line end removed) is not acceptable text, or NULL if it is. */
const char	*scp_lex_check_line(const char *, size_t);

/*
 * Gather one physical line into a buffer, refusing it as soon as it is sure
 * to exceed line_max (which counts the line end). DONE: the buffer holds the
 * line without its LF (a CR before the LF is left for the caller).
 */
enum scp_lexline {
	SCP_LINE_MORE,
	SCP_LINE_DONE,
	SCP_LINE_TOOLONG,
	SCP_LINE_NOMEM
};
enum scp_lexline scp_lex_line_feed(struct scp_buf *, size_t line_max,
		    const char *, size_t, size_t *used);

/*
 * Decode the quoted string that starts at s[*pos] and must close before
 * end. 0 and *pos after the closing quote; -1 malformed; -2 out of memory.
 */
int	 scp_lex_quoted(const char *, size_t end, size_t *pos, char **out,
	    size_t *outlen);

/* Strip trailing CR from a finished line. */
size_t	 scp_lex_chomp(const char *, size_t);

/* A growable array of items that owns their names and values. */
struct scp_items {
	struct scp_item	*v;
	size_t		 n;
	size_t		 cap;
	size_t		 held;		/* octets of names and values */
};

#define SCP_ITEM_LITERAL	0x01
#define SCP_ITEM_STREAMED	0x02
#define SCP_ITEM_QUOTED		0x04

/* Takes name and value (either may be NULL) even when it fails. */
int	 scp_items_add(struct scp_items *, char *name, char *value,
	    size_t len, unsigned flags);
void	 scp_items_clear(struct scp_items *);
void	 scp_items_free(struct scp_items *);
/* Copy n octets into a new NUL-terminated string; NULL on ENOMEM. */
char	*scp_lex_strndup(const char *, size_t);
/* Copy a name, lower-cased. */
char	*scp_lex_lowerdup(const char *, size_t);

#endif /* SCP_LEX_H */
