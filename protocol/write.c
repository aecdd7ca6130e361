/*
 * The response writer. Every value is written in a form the reader takes
 * back octet for octet, and none can end a line early or start a field:
 * whatever a client sent, it comes back as one value.
 */
#include <string.h>

#include "scp.h"
#include "lex.h"

#define TEXT_MAX	1024	/* free text of a completion, in octets */
#define ARGS_MAX	256	/* the words after a code */

static const char *const status_words[] = {
	[SCP_OK] = "OK", [SCP_NO] = "NO", [SCP_BAD] = "BAD"
};
static const char *const status_texts[] = {
	[SCP_OK] = "done", [SCP_NO] = "refused", [SCP_BAD] = "bad request"
};

/* Undo a half-written piece so a failure never leaves a broken line. */
static int
rollback(struct scp_buf *b, size_t start)
{
	if (b->data != NULL) {
		b->len = start;
		b->data[start] = '\0';
	}
	return -1;
}

static bool
is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/*
 * Bare only when nothing in it could be misread: plain printable ASCII
 * without the characters that mean something in the grammar, and without
 * the brackets and backslash that a careless reader might treat specially.
 */
static inline bool
bare_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && scp_lex_atom_char(c) && c != '\\' &&
	    c != '[' && c != ']';
}

static bool
atom_ok(const char *s, size_t len)
{
	size_t	 i;

	if (len == 0 || len > SCP_FIELD_INLINE_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!bare_char((unsigned char)s[i]))
			return false;
	return true;
}

/*
 * How a value goes on the wire, found in one pass over it: bare, quoted
 * (with *escapes backslashes to add) or, failing both, as a literal.
 */
enum value_form {
	FORM_BARE,
	FORM_QUOTED,
	FORM_LITERAL
};

static enum value_form
value_form(const char *s, size_t len, size_t *escapes)
{
	size_t		 i;
	bool		 bare = len > 0, high = false;
	unsigned char	 c;

	*escapes = 0;
	if (len > SCP_FIELD_INLINE_MAX)
		return FORM_LITERAL;
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x80) {
			high = true;
			bare = false;
		} else if (is_ctl(c))
			return FORM_LITERAL;
		else if (!bare_char(c)) {
			bare = false;
			if (c == '"' || c == '\\')
				(*escapes)++;
		}
	}
	if (bare)
		return FORM_BARE;
	/* Only text that is UTF-8 may go between quotes. */
	if (high && !scp_utf8_valid(s, len))
		return FORM_LITERAL;
	return FORM_QUOTED;
}

/* The quoted form, written into room reserved for it. */
static void
put_quoted(struct scp_buf *b, const char *s, size_t len)
{
	char	*out = b->data + b->len;
	size_t	 i;

	*out++ = '"';
	for (i = 0; i < len; i++) {
		if (s[i] == '"' || s[i] == '\\')
			*out++ = '\\';
		*out++ = s[i];
	}
	*out++ = '"';
	b->len = (size_t)(out - b->data);
	b->data[b->len] = '\0';
}

int
scp_put_value(struct scp_buf *b, const char *s, size_t len)
{
	size_t		 start = b->len, escapes;

	if (s == NULL) {
		s = "";
		len = 0;
	}
	switch (value_form(s, len, &escapes)) {
	case FORM_BARE:
		return scp_buf_add(b, s, len) == -1 ? rollback(b, start) : 0;
	case FORM_QUOTED:
		if (scp_buf_reserve(b, len + escapes + 2) == -1)
			return rollback(b, start);
		put_quoted(b, s, len);
		return 0;
	case FORM_LITERAL:
		break;
	}
	/* Ours are never synchronizing: the client takes what comes. */
	if (scp_buf_printf(b, "{%zu}\r\n", len) == -1 ||
	    scp_buf_add(b, s, len) == -1)
		return rollback(b, start);
	return 0;
}

int
scp_put_field(struct scp_buf *b, const char *name, const char *s, size_t len)
{
	size_t	 start = b->len;

	if (name == NULL || !scp_lex_name_valid(name, strlen(name)))
		return -1;
	if (scp_buf_add(b, " ", 1) == -1 || scp_buf_addstr(b, name) == -1 ||
	    scp_buf_add(b, "=", 1) == -1 || scp_put_value(b, s, len) == -1)
		return rollback(b, start);
	return 0;
}

int
scp_put_fieldstr(struct scp_buf *b, const char *name, const char *s)
{
	/* A field with no value is left out. */
	if (s == NULL)
		return 0;
	return scp_put_field(b, name, s, strlen(s));
}

int
scp_put_data(struct scp_buf *b, const char *type)
{
	size_t	 start = b->len;

	if (type == NULL || !atom_ok(type, strlen(type)))
		return -1;
	if (scp_buf_add(b, "* ", 2) == -1 || scp_buf_addstr(b, type) == -1)
		return rollback(b, start);
	return 0;
}

int
scp_put_end(struct scp_buf *b)
{
	return scp_buf_add(b, "\r\n", 2);
}

/*
 * Copy free text, replacing what must not appear on a line (controls,
 * broken UTF-8) and, in code arguments, the brackets, with '?'. At most max
 * octets, never cutting a character in two.
 */
static int
put_sanitized(struct scp_buf *b, const char *s, size_t max, bool in_code)
{
	size_t	 len = strlen(s), i = 0, n;

	while (i < len) {
		unsigned char	 c = (unsigned char)s[i];

		n = scp_utf8_char(s + i, len - i);
		if (n > 0 && (is_ctl(c) || (in_code && (c == '[' || c == ']'))))
			n = 0;
		if ((n > 0 ? n : 1) > max)
			break;
		if (n == 0) {
			if (scp_buf_add(b, "?", 1) == -1)
				return -1;
			i++;
			max--;
			continue;
		}
		if (scp_buf_add(b, s + i, n) == -1)
			return -1;
		i += n;
		max -= n;
	}
	return 0;
}

/* " [CODE args]" when there is a code. */
static int
put_code(struct scp_buf *b, enum scp_code code, const char *args)
{
	if (code == SCP_CODE_NONE)
		return 0;
	if (scp_buf_add(b, " [", 2) == -1 ||
	    scp_buf_addstr(b, scp_code_name(code)) == -1)
		return -1;
	if (args != NULL && *args != '\0' &&
	    (scp_buf_add(b, " ", 1) == -1 ||
	    put_sanitized(b, args, ARGS_MAX, true) == -1))
		return -1;
	return scp_buf_add(b, "]", 1);
}

/* " text\r\n"; text that could pass for a code gets its bracket masked. */
static int
put_text_end(struct scp_buf *b, bool coded, const char *text,
    const char *fallback)
{
	if (text == NULL || *text == '\0')
		text = fallback;
	if (scp_buf_add(b, " ", 1) == -1)
		return -1;
	if (!coded && text[0] == '[') {
		if (scp_buf_add(b, "?", 1) == -1)
			return -1;
		text++;
	}
	if (put_sanitized(b, text, TEXT_MAX, false) == -1)
		return -1;
	return scp_buf_add(b, "\r\n", 2);
}

int
scp_put_completion(struct scp_buf *b, const char *tag, enum scp_status st,
    enum scp_code code, const char *args, const char *text)
{
	size_t	 start = b->len;

	if ((int)st < SCP_OK || st > SCP_BAD)
		return -1;
	/* The tag came from the request; only a well-formed one goes back. */
	if (tag == NULL || !scp_lex_tag_valid(tag, strlen(tag)))
		tag = "*";
	if (scp_buf_addstr(b, tag) == -1 || scp_buf_add(b, " ", 1) == -1 ||
	    scp_buf_addstr(b, status_words[st]) == -1 ||
	    put_code(b, code, args) == -1 ||
	    put_text_end(b, code != SCP_CODE_NONE, text, status_texts[st]) == -1)
		return rollback(b, start);
	return 0;
}

int
scp_put_bye(struct scp_buf *b, enum scp_code code, const char *text)
{
	size_t	 start = b->len;

	if (scp_buf_add(b, "* BYE", 5) == -1 ||
	    put_code(b, code, NULL) == -1 ||
	    put_text_end(b, code != SCP_CODE_NONE, text, "closing") == -1)
		return rollback(b, start);
	return 0;
}

int
scp_put_continue(struct scp_buf *b, const char *text)
{
	size_t	 start = b->len;

	if (scp_buf_add(b, "+", 1) == -1 ||
	    put_text_end(b, true, text, "OK") == -1)
		return rollback(b, start);
	return 0;
}
