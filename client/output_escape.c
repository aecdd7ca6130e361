/*
 * Escaping for the output formats: text from the server never reaches a
 * terminal, a TSV row or a JSON string in a form that could break it.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "output_int.h"
#include "scp.h"

/* Octets of the valid UTF-8 sequence at s[0..len), or 0 if it is not one. */
static size_t
utf8_seq(const unsigned char *s, size_t len)
{
	size_t	 n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xf0)
		n = 4;
	else if (s[0] >= 0xe0)
		n = 3;
	else if (s[0] >= 0xc2)
		n = 2;
	else
		return 0;
	if (n > len || !scp_utf8_valid((const char *)s, n))
		return 0;
	return n;
}

static int
escape_byte(struct scp_buf *out, unsigned char c, enum escape_style style)
{
	switch (c) {
	case '\n':
		return scp_buf_addstr(out, "\\n");
	case '\r':
		return scp_buf_addstr(out, "\\r");
	case '\t':
		return scp_buf_addstr(out, "\\t");
	case '\\':
		if (style == ESC_TSV)
			return scp_buf_addstr(out, "\\\\");
		return scp_buf_add(out, &c, 1);
	}
	if (style == ESC_TSV || (c >= 0x20 && c != 0x7f))
		return scp_buf_add(out, &c, 1);
	return scp_buf_printf(out, "\\x%02x", c);
}

int
escape_into(struct scp_buf *out, const char *text, size_t len,
    enum escape_style style)
{
	const unsigned char	*s = (const unsigned char *)text;
	size_t			 i = 0, n;
	int			 r;

	while (i < len) {
		n = utf8_seq(s + i, len - i);
		/* C1 controls (U+0080..U+009F) act as escapes on some terminals. */
		if (n == 2 && s[i] == 0xc2 && s[i + 1] < 0xa0 &&
		    style == ESC_TERMINAL)
			n = 0;
		if (n > 1)
			r = scp_buf_add(out, s + i, n);
		else if (n == 1)
			r = escape_byte(out, s[i], style);
		else if (style == ESC_TSV)
			r = scp_buf_add(out, s + i, 1);
		else
			r = scp_buf_printf(out, "\\x%02x", s[i]);
		if (r == -1)
			return -1;
		i += n > 0 ? n : 1;
	}
	return 0;
}

char *
escape_string(const char *text, size_t len, enum escape_style style)
{
	struct scp_buf	 out = { NULL, 0, 0 };

	if (escape_into(&out, text, len, style) == -1 ||
	    scp_buf_add(&out, "", 0) == -1) {
		scp_buf_free(&out);
		return NULL;
	}
	return out.data;
}

char *
output_escape(const char *text, size_t max)
{
	size_t	 len;

	len = strlen(text);
	return escape_string(text, len < max ? len : max, ESC_TERMINAL);
}

/* Characters on screen, counting each UTF-8 sequence once. */
size_t
display_width(const char *s)
{
	size_t	 w = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

int
json_string(struct scp_buf *out, const char *text, size_t len)
{
	const unsigned char	*s = (const unsigned char *)text;
	size_t			 i = 0, n;
	int			 r = 0;

	if (scp_buf_addstr(out, "\"") == -1)
		return -1;
	while (i < len && r == 0) {
		n = utf8_seq(s + i, len - i);
		if (n > 1)
			r = scp_buf_add(out, s + i, n);
		else if (n == 0)
			r = scp_buf_addstr(out, "\\ufffd");
		else if (s[i] == '"' || s[i] == '\\')
			r = scp_buf_printf(out, "\\%c", s[i]);
		else if (s[i] == '\n')
			r = scp_buf_addstr(out, "\\n");
		else if (s[i] == '\t')
			r = scp_buf_addstr(out, "\\t");
		else if (s[i] < 0x20 || s[i] == 0x7f)
			r = scp_buf_printf(out, "\\u%04x", s[i]);
		else
			r = scp_buf_add(out, s + i, 1);
		i += n > 0 ? n : 1;
	}
	if (r == -1)
		return -1;
	return scp_buf_addstr(out, "\"");
}

