/*
 * The CSV reader: a small state machine over getc(), with a few octets
 * of look-ahead of its own (a byte order mark is three).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

enum state {
	ST_START,	/* at the start of a field */
	ST_PLAIN,	/* inside an unquoted field */
	ST_QUOTED,	/* inside quotes */
	ST_CLOSED	/* just after the closing quote */
};

/* What a step of the machine decided. */
enum step {
	STEP_ON,
	STEP_FIELD,	/* the field ended; another follows */
	STEP_RECORD,	/* the field and the record ended */
	STEP_BAD,	/* malformed: err is set */
	STEP_FAIL
};

void
csv_init(struct csv *c, FILE *fp)
{
	memset(c, 0, sizeof(*c));
	c->fp = fp;
	c->next_line = 1;
}

static int
get(struct csv *c)
{
	if (c->nback > 0)
		return c->back[--c->nback];
	return getc(c->fp);
}

static void
unget(struct csv *c, int ch)
{
	if (ch != EOF && c->nback < sizeof(c->back) / sizeof(c->back[0]))
		c->back[c->nback++] = ch;
}

/* Skip "\xef\xbb\xbf" at the very start; anything else is put back. */
static void
skip_bom(struct csv *c)
{
	int	 b[3], i, n;

	c->started = true;
	for (n = 0; n < 3; n++)
		if ((b[n] = get(c)) == EOF)
			break;
	if (n == 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf)
		return;
	for (i = n - 1; i >= 0; i--)
		unget(c, b[i]);
}

static void
clear_record(struct csv *c)
{
	size_t	 i;

	for (i = 0; i < c->nfields; i++)
		free(c->fields[i]);
	c->nfields = 0;
	c->size = 0;
	scp_buf_reset(&c->field);
}

static int
end_field(struct csv *c)
{
	char	**grown;
	char	 *value;

	if (c->nfields == c->cap) {
		grown = reallocarray(c->fields, c->cap + 16, sizeof(*grown));
		if (grown == NULL)
			return -1;
		c->fields = grown;
		c->cap += 16;
	}
	if ((value = strndup(c->field.len > 0 ? c->field.data : "",
	    c->field.len)) == NULL)
		return -1;
	c->fields[c->nfields++] = value;
	scp_buf_reset(&c->field);
	return 0;
}

static int
add(struct csv *c, int ch)
{
	char	 o = (char)ch;

	if (++c->size > CSV_RECORD_MAX)
		return -1;
	return scp_buf_add(&c->field, &o, 1);
}

/* CR LF, LF, or a lone CR: one line end. */
static void
line_end(struct csv *c, int ch)
{
	int	 next;

	if (ch == '\r' && (next = get(c)) != '\n')
		unget(c, next);
	c->next_line++;
}

static enum step
bad(struct csv *c, const char *why)
{
	snprintf(c->err, sizeof(c->err), "%s", why);
	return STEP_BAD;
}

static enum step
step(struct csv *c, enum state *st, int ch)
{
	int	 next;

	switch (*st) {
	case ST_START:
	case ST_PLAIN:
		if (ch == ',')
			return STEP_FIELD;
		if (ch == EOF || ch == '\n' || ch == '\r') {
			if (ch != EOF)
				line_end(c, ch);
			return STEP_RECORD;
		}
		if (ch == '"' && *st == ST_START) {
			*st = ST_QUOTED;
			return STEP_ON;
		}
		*st = ST_PLAIN;
		break;
	case ST_QUOTED:
		if (ch == EOF)
			return bad(c, "a quoted field is not closed");
		if (ch == '"') {
			if ((next = get(c)) == '"')
				break;
			unget(c, next);
			*st = ST_CLOSED;
			return STEP_ON;
		}
		if (ch == '\n' || ch == '\r') {
			line_end(c, ch);
			ch = '\n';
		}
		break;
	case ST_CLOSED:
		if (ch == ',')
			return STEP_FIELD;
		if (ch == EOF || ch == '\n' || ch == '\r') {
			if (ch != EOF)
				line_end(c, ch);
			return STEP_RECORD;
		}
		return bad(c, "text after a closing quote");
	}
	if (add(c, ch) == -1) {
		if (c->size > CSV_RECORD_MAX)
			return bad(c, "the row is too long");
		return STEP_FAIL;
	}
	return STEP_ON;
}

/* After a malformed record: on to the end of its line. */
static void
skip_line(struct csv *c)
{
	int	 ch;

	while ((ch = get(c)) != EOF)
		if (ch == '\n' || ch == '\r') {
			line_end(c, ch);
			return;
		}
}

static bool
blank(const struct csv *c)
{
	return c->nfields == 1 && c->fields[0][0] == '\0';
}

enum csv_result
csv_next(struct csv *c)
{
	enum state	 st;
	enum step	 s;
	int		 ch;

	if (!c->started)
		skip_bom(c);
	for (;;) {
		clear_record(c);
		c->line = c->next_line;
		if ((ch = get(c)) == EOF)
			return ferror(c->fp) ? CSV_FAIL : CSV_EOF;
		unget(c, ch);
		st = ST_START;
		do {
			s = step(c, &st, get(c));
			if (s == STEP_FIELD || s == STEP_RECORD) {
				if (end_field(c) == -1)
					s = STEP_FAIL;
				st = ST_START;
			}
		} while (s == STEP_ON || s == STEP_FIELD);
		if (s == STEP_FAIL || ferror(c->fp)) {
			snprintf(c->err, sizeof(c->err), "%s", ferror(c->fp) ?
			    "read error" : "out of memory");
			return CSV_FAIL;
		}
		if (s == STEP_BAD) {
			skip_line(c);
			clear_record(c);
			return CSV_MALFORMED;
		}
		if (!blank(c))
			return CSV_RECORD;
	}
}

void
csv_free(struct csv *c)
{
	clear_record(c);
	free(c->fields);
	scp_buf_free(&c->field);
	memset(c, 0, sizeof(*c));
}
