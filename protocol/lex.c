/*
 * Lexical rules shared by the request parser and the response reader.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "scp.h"
#include "lex.h"

#define COUNT_DIGITS_MAX	20	/* UINT64_MAX has 20 digits */

static bool
is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

bool
scp_lex_tag_valid(const char *s, size_t len)
{
	size_t	 i;

	if (len == 0 || len > SCP_TAG_MAX)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char	 c = (unsigned char)s[i];

		if (!is_alnum(c) && c != '.' && c != '-' && c != '_')
			return false;
	}
	return true;
}

bool
scp_lex_name_valid(const char *s, size_t len)
{
	size_t	 i;

	if (len == 0 || len > SCP_NAME_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!is_alnum((unsigned char)s[i]) && s[i] != '_')
			return false;
	return true;
}

enum scp_marker
scp_lex_marker(const char *s, size_t len, size_t *start, uint64_t *count,
    bool *sync)
{
	size_t		 i, end;
	uint64_t	 n = 0, d;

	if (len < 3 || s[len - 1] != '}')
		return SCP_MARK_NONE;
	end = len - 1;
	*sync = true;
	if (s[end - 1] == '+') {
		*sync = false;
		end--;
	}
	for (i = end; i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9'; i--)
		;
	if (i == end || i == 0 || s[i - 1] != '{')
		return SCP_MARK_NONE;
	*start = i - 1;
	if (end - i > COUNT_DIGITS_MAX)
		return SCP_MARK_OVERFLOW;
	for (; i < end; i++) {
		d = (uint64_t)(s[i] - '0');
		if (n > (UINT64_MAX - d) / 10)
			return SCP_MARK_OVERFLOW;
		n = n * 10 + d;
	}
	*count = n;
	return SCP_MARK_LITERAL;
}

const char *
scp_lex_check_line(const char *s, size_t len)
{
	if (memchr(s, '\0', len) != NULL)
		return "NUL in line";
	if (memchr(s, '\r', len) != NULL)
		return "CR without LF in line";
	if (!scp_utf8_valid(s, len))
		return "line is not valid UTF-8";
	return NULL;
}

size_t
scp_lex_chomp(const char *s, size_t len)
{
	if (len > 0 && s[len - 1] == '\r')
		len--;
	return len;
}

enum scp_lexline
scp_lex_line_feed(struct scp_buf *line, size_t line_max, const char *in,
    size_t n, size_t *used)
{
	const char	*lf;
	size_t		 take;

	*used = 0;
	lf = n > 0 ? memchr(in, '\n', n) : NULL;
	take = lf != NULL ? (size_t)(lf - in) : n;
	/*
	 * Without its LF the line must stay under line_max: once it reaches
	 * it, the LF still to come puts it over, so refuse now rather than
	 * hold more of it.
	 */
	if (line->len >= line_max || take >= line_max - line->len)
		return SCP_LINE_TOOLONG;
	if (scp_buf_add(line, in, take) == -1)
		return SCP_LINE_NOMEM;
	if (lf == NULL) {
		*used = take;
		return SCP_LINE_MORE;
	}
	*used = take + 1;
	return SCP_LINE_DONE;
}

int
scp_lex_quoted(const char *s, size_t end, size_t *pos, char **out,
    size_t *outlen)
{
	size_t	 i = *pos + 1, o = 0;
	char	*v;

	if ((v = malloc(end - *pos)) == NULL)
		return -2;
	while (i < end) {
		if (s[i] == '"') {
			v[o] = '\0';
			*out = v;
			*outlen = o;
			*pos = i + 1;
			return 0;
		}
		if (s[i] == '\\') {
			if (i + 1 >= end || (s[i + 1] != '"' && s[i + 1] != '\\'))
				break;
			i++;
		}
		v[o++] = s[i++];
	}
	free(v);
	return -1;
}

char *
scp_lex_strndup(const char *s, size_t n)
{
	char	*v;

	if (n == SIZE_MAX || (v = malloc(n + 1)) == NULL)
		return NULL;
	if (n > 0)
		memcpy(v, s, n);
	v[n] = '\0';
	return v;
}

char *
scp_lex_lowerdup(const char *s, size_t n)
{
	char	*v;
	size_t	 i;

	if ((v = scp_lex_strndup(s, n)) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if (v[i] >= 'A' && v[i] <= 'Z')
			v[i] = (char)(v[i] - 'A' + 'a');
	return v;
}
