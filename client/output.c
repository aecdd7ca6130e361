/*
 * Output formats. Cells are escaped first, then measured in characters
 * (not octets) so UTF-8 names line up.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "scp.h"

enum escape_style {
	ESC_TERMINAL,	/* tables: every control character shown */
	ESC_TSV		/* only what would break the row: \ TAB CR LF */
};

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

static int
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

static char *
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
static size_t
display_width(const char *s)
{
	size_t	 w = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

static int
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

/* {"name": "value", ...} without a newline. Positional words are left out. */
static int
json_object(struct scp_buf *out, const struct record *rec)
{
	const struct field	*f;
	const char		*sep = "";
	size_t			 i;

	if (scp_buf_addstr(out, "{") == -1)
		return -1;
	for (i = 0; i < rec->nfields; i++) {
		f = &rec->fields[i];
		if (f->name == NULL)
			continue;
		if (scp_buf_addstr(out, sep) == -1 ||
		    json_string(out, f->name, strlen(f->name)) == -1 ||
		    scp_buf_addstr(out, ": ") == -1 ||
		    json_string(out, f->value, f->len) == -1)
			return -1;
		sep = ", ";
	}
	return scp_buf_addstr(out, "}");
}

static int
flush_buf(FILE *fp, struct scp_buf *out, int r)
{
	if (r == 0 && out->len > 0 &&
	    fwrite(out->data, 1, out->len, fp) != out->len)
		r = -1;
	scp_buf_free(out);
	if (fflush(fp) == EOF)
		r = -1;
	return r;
}

/* The distinct field names of the records, in the order first seen. */
static int
columns_of(const struct record *recs, size_t nrecs, const char ***colsp,
    size_t *ncols)
{
	const char	**cols = NULL, **grown;
	const char	 *name;
	size_t		  i, j, k;

	*ncols = 0;
	for (i = 0; i < nrecs; i++) {
		for (j = 0; j < recs[i].nfields; j++) {
			if ((name = recs[i].fields[j].name) == NULL)
				continue;
			for (k = 0; k < *ncols; k++)
				if (strcmp(cols[k], name) == 0)
					break;
			if (k < *ncols)
				continue;
			grown = reallocarray(cols, *ncols + 1, sizeof(*cols));
			if (grown == NULL) {
				free(cols);
				return -1;
			}
			cols = grown;
			cols[(*ncols)++] = name;
		}
	}
	*colsp = cols;
	return 0;
}

static int
vertical(struct scp_buf *out, const struct record *rec)
{
	const struct field	*f;
	char			*cell;
	size_t			 i, width = 0;
	int			 r = 0;

	for (i = 0; i < rec->nfields; i++)
		if (rec->fields[i].name != NULL &&
		    strlen(rec->fields[i].name) > width)
			width = strlen(rec->fields[i].name);
	for (i = 0; i < rec->nfields && r == 0; i++) {
		f = &rec->fields[i];
		if (f->name == NULL)
			continue;
		if ((cell = escape_string(f->value, f->len, ESC_TERMINAL)) == NULL)
			return -1;
		if (cell[0] == '\0')
			r = scp_buf_printf(out, "%s\n", f->name);
		else
			r = scp_buf_printf(out, "%-*s  %s\n", (int)width, f->name,
			    cell);
		free(cell);
	}
	return r;
}

static int
tsv_rows(struct scp_buf *out, const struct record *recs, size_t nrecs,
    const char **cols, size_t ncols)
{
	const struct field	*f;
	size_t			 i, c, j;

	for (c = 0; c < ncols; c++)
		if (scp_buf_printf(out, "%s%s", c > 0 ? "\t" : "", cols[c]) == -1)
			return -1;
	if (scp_buf_addstr(out, "\n") == -1)
		return -1;
	for (i = 0; i < nrecs; i++) {
		for (c = 0; c < ncols; c++) {
			if (c > 0 && scp_buf_addstr(out, "\t") == -1)
				return -1;
			for (j = 0; j < recs[i].nfields; j++) {
				f = &recs[i].fields[j];
				if (f->name != NULL && strcmp(f->name, cols[c]) == 0)
					break;
			}
			if (j < recs[i].nfields && escape_into(out, f->value,
			    f->len, ESC_TSV) == -1)
				return -1;
		}
		if (scp_buf_addstr(out, "\n") == -1)
			return -1;
	}
	return 0;
}

static int
json_array(struct scp_buf *out, const struct record *recs, size_t nrecs)
{
	size_t	 i;

	if (scp_buf_addstr(out, "[") == -1)
		return -1;
	for (i = 0; i < nrecs; i++)
		if (scp_buf_addstr(out, i > 0 ? ",\n " : "\n ") == -1 ||
		    json_object(out, &recs[i]) == -1)
			return -1;
	return scp_buf_addstr(out, nrecs > 0 ? "\n]\n" : "]\n");
}

int
output_record(FILE *fp, enum out_format format, const struct record *rec)
{
	struct scp_buf	  out = { NULL, 0, 0 };
	const char	**cols;
	size_t		  ncols;
	int		  r;

	switch (format) {
	case FORMAT_TABLE:
		r = vertical(&out, rec);
		break;
	case FORMAT_TSV:
		cols = NULL;
		r = columns_of(rec, 1, &cols, &ncols);
		if (r == 0)
			r = tsv_rows(&out, rec, 1, cols, ncols);
		free(cols);
		break;
	default:
		r = json_object(&out, rec);
		if (r == 0)
			r = scp_buf_addstr(&out, "\n");
		break;
	}
	return flush_buf(fp, &out, r);
}

/* The cell of each column in each row, escaped, with column widths. */
struct grid {
	char	**cells;	/* nrows * ncols; NULL where a field is missing */
	size_t	 *width;
	size_t	  nrows;
	size_t	  ncols;
};

static void
grid_free(struct grid *g)
{
	size_t	 i;

	for (i = 0; g->cells != NULL && i < g->nrows * g->ncols; i++)
		free(g->cells[i]);
	free(g->cells);
	free(g->width);
}

static int
grid_fill(struct grid *g, const struct record *recs, const char **cols)
{
	const struct field	*f;
	size_t			 i, c, j;
	char			*cell;

	for (c = 0; c < g->ncols; c++)
		g->width[c] = strlen(cols[c]);
	for (i = 0; i < g->nrows; i++) {
		for (c = 0; c < g->ncols; c++) {
			for (j = 0; j < recs[i].nfields; j++) {
				f = &recs[i].fields[j];
				if (f->name != NULL && strcmp(f->name, cols[c]) == 0)
					break;
			}
			if (j == recs[i].nfields)
				continue;
			cell = escape_string(f->value, f->len, ESC_TERMINAL);
			if (cell == NULL)
				return -1;
			g->cells[i * g->ncols + c] = cell;
			if (display_width(cell) > g->width[c])
				g->width[c] = display_width(cell);
		}
	}
	return 0;
}

static int
pad_cell(struct scp_buf *out, const char *text, size_t width, bool last)
{
	size_t	 w;

	if (scp_buf_addstr(out, text) == -1)
		return -1;
	if (last)
		return scp_buf_addstr(out, "\n");
	for (w = display_width(text); w < width + 2; w++)
		if (scp_buf_addstr(out, " ") == -1)
			return -1;
	return 0;
}

static int
columns(struct scp_buf *out, const struct record *recs, size_t nrecs,
    const char **cols, size_t ncols)
{
	struct grid	 g = { NULL, NULL, nrecs, ncols };
	const char	*cell;
	size_t		 i, c;
	int		 r = -1;

	if (ncols == 0)
		return 0;
	g.cells = calloc(nrecs * ncols + 1, sizeof(*g.cells));
	g.width = calloc(ncols, sizeof(*g.width));
	if (g.cells == NULL || g.width == NULL ||
	    grid_fill(&g, recs, cols) == -1)
		goto done;
	for (c = 0; c < ncols; c++)
		if (pad_cell(out, cols[c], g.width[c], c + 1 == ncols) == -1)
			goto done;
	for (i = 0; i < nrecs; i++) {
		for (c = 0; c < ncols; c++) {
			cell = g.cells[i * ncols + c];
			if (pad_cell(out, cell != NULL ? cell : "", g.width[c],
			    c + 1 == ncols) == -1)
				goto done;
		}
	}
	r = 0;
done:
	grid_free(&g);
	return r;
}

int
output_records(FILE *fp, enum out_format format, const struct record *recs,
    size_t nrecs)
{
	struct scp_buf	  out = { NULL, 0, 0 };
	const char	**cols = NULL;
	size_t		  ncols = 0;
	int		  r;

	if (format == FORMAT_JSON)
		r = json_array(&out, recs, nrecs);
	else if (columns_of(recs, nrecs, &cols, &ncols) == -1)
		r = -1;
	else if (format == FORMAT_TSV)
		r = tsv_rows(&out, recs, nrecs, cols, ncols);
	else
		r = columns(&out, recs, nrecs, cols, ncols);
	free(cols);
	return flush_buf(fp, &out, r);
}
