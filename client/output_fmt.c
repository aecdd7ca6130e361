/*
 * One group of records of one type, in each format. Cells are escaped
 * first, then measured in characters (not octets) so UTF-8 names line up.
 * A described type gets its columns in the described order; an
 * undescribed one gets its fields in the order first seen.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "output_int.h"

#define ANSI_RESET	"\033[0m"

/* The columns a group is shown with; owned is freed after. */
struct colset {
	const struct col	*cols;
	size_t			 n;
	struct col		*owned;
};

static const struct field *
find_field(const struct record *rec, const char *name)
{
	size_t	 i;

	for (i = 0; i < rec->nfields; i++)
		if (rec->fields[i].name != NULL &&
		    strcasecmp(rec->fields[i].name, name) == 0)
			return &rec->fields[i];
	return NULL;
}

static bool
any_has(const struct group *g, const char *name)
{
	size_t	 i;

	for (i = 0; i < g->n; i++)
		if (find_field(&g->recs[i], name) != NULL)
			return true;
	return false;
}

static int
colset_add(struct colset *cs, const char *name, enum col_kind kind)
{
	struct col	*grown;

	grown = reallocarray(cs->owned, cs->n + 1, sizeof(*grown));
	if (grown == NULL)
		return -1;
	cs->owned = grown;
	cs->owned[cs->n].name = name;
	cs->owned[cs->n].kind = kind;
	cs->n++;
	cs->cols = cs->owned;
	return 0;
}

/* Every distinct field name, in the order first seen, as text. */
static int
colset_generic(struct colset *cs, const struct group *g)
{
	const char	*name;
	size_t		 i, j, k;

	for (i = 0; i < g->n; i++) {
		for (j = 0; j < g->recs[i].nfields; j++) {
			if ((name = g->recs[i].fields[j].name) == NULL)
				continue;
			for (k = 0; k < cs->n; k++)
				if (strcmp(cs->cols[k].name, name) == 0)
					break;
			if (k == cs->n && colset_add(cs, name, COL_TEXT) == -1)
				return -1;
		}
	}
	return 0;
}

/*
 * The described columns; with only_present, those some record has (a
 * table has no use for a column empty all the way down).
 */
static int
colset_of(struct colset *cs, const struct group *g, bool only_present)
{
	size_t	 i;

	memset(cs, 0, sizeof(*cs));
	if (g->desc == NULL)
		return colset_generic(cs, g);
	if (!only_present) {
		cs->cols = g->desc->cols;
		cs->n = g->desc->ncols;
		return 0;
	}
	for (i = 0; i < g->desc->ncols; i++)
		if (any_has(g, g->desc->cols[i].name) &&
		    colset_add(cs, g->desc->cols[i].name,
		    g->desc->cols[i].kind) == -1)
			return -1;
	return 0;
}

static void
colset_free(struct colset *cs)
{
	free(cs->owned);
	memset(cs, 0, sizeof(*cs));
}

/* The ANSI colour of a RAG level, or NULL for any other value. */
static const char *
rag_colour(const char *value)
{
	if (strcasecmp(value, "green") == 0)
		return "\033[32m";
	if (strcasecmp(value, "amber") == 0)
		return "\033[33m";
	if (strcasecmp(value, "red") == 0)
		return "\033[31m";
	return NULL;
}

/* text, coloured when it is a RAG level and colour is wanted. */
static int
put_cell(struct scp_buf *out, const char *text, enum col_kind kind,
    bool colour)
{
	const char	*on = NULL;

	if (colour && kind == COL_RAG)
		on = rag_colour(text);
	if (on == NULL)
		return scp_buf_addstr(out, text);
	return scp_buf_printf(out, "%s%s%s", on, text, ANSI_RESET);
}

static int
pad_cell(struct scp_buf *out, const char *text, enum col_kind kind,
    bool colour, size_t width, bool last)
{
	size_t	 w;

	if (put_cell(out, text, kind, colour) == -1)
		return -1;
	if (last)
		return scp_buf_addstr(out, "\n");
	for (w = display_width(text); w < width + 2; w++)
		if (scp_buf_addstr(out, " ") == -1)
			return -1;
	return 0;
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
grid_fill(struct grid *g, const struct record *recs, const struct colset *cs)
{
	const struct field	*f;
	size_t			 i, c;
	char			*cell;

	for (c = 0; c < g->ncols; c++)
		g->width[c] = strlen(cs->cols[c].name);
	for (i = 0; i < g->nrows; i++) {
		for (c = 0; c < g->ncols; c++) {
			if ((f = find_field(&recs[i], cs->cols[c].name)) == NULL)
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
rows(struct scp_buf *out, const struct group *grp, const struct colset *cs,
    bool colour)
{
	struct grid	 g = { NULL, NULL, grp->n, cs->n };
	const char	*cell;
	size_t		 i, c;
	int		 r = -1;

	if (cs->n == 0)
		return 0;
	g.cells = calloc(grp->n * cs->n + 1, sizeof(*g.cells));
	g.width = calloc(cs->n, sizeof(*g.width));
	if (g.cells == NULL || g.width == NULL ||
	    grid_fill(&g, grp->recs, cs) == -1)
		goto done;
	for (c = 0; c < cs->n; c++)
		if (pad_cell(out, cs->cols[c].name, COL_TEXT, false, g.width[c],
		    c + 1 == cs->n) == -1)
			goto done;
	for (i = 0; i < grp->n; i++) {
		for (c = 0; c < cs->n; c++) {
			cell = g.cells[i * cs->n + c];
			if (pad_cell(out, cell != NULL ? cell : "",
			    cs->cols[c].kind, colour, g.width[c],
			    c + 1 == cs->n) == -1)
				goto done;
		}
	}
	r = 0;
done:
	grid_free(&g);
	return r;
}

static int
vertical(struct scp_buf *out, const struct record *rec,
    const struct colset *cs, bool colour)
{
	const struct field	*f;
	char			*cell;
	size_t			 i, width = 0;
	int			 r = 0;

	for (i = 0; i < cs->n; i++)
		if (strlen(cs->cols[i].name) > width)
			width = strlen(cs->cols[i].name);
	for (i = 0; i < cs->n && r == 0; i++) {
		if ((f = find_field(rec, cs->cols[i].name)) == NULL)
			continue;
		if ((cell = escape_string(f->value, f->len, ESC_TERMINAL)) == NULL)
			return -1;
		if (cell[0] == '\0')
			r = scp_buf_printf(out, "%s\n", f->name);
		else if ((r = scp_buf_printf(out, "%-*s  ", (int)width,
		    f->name)) == 0 &&
		    (r = put_cell(out, cell, cs->cols[i].kind, colour)) == 0)
			r = scp_buf_addstr(out, "\n");
		free(cell);
	}
	return r;
}

int
fmt_table(struct scp_buf *out, const struct group *g, enum group_shape shape,
    bool colour)
{
	struct colset	 cs;
	int		 r;

	if (colset_of(&cs, g, true) == -1) {
		colset_free(&cs);
		return -1;
	}
	if (shape == SHAPE_VERTICAL && g->n == 1)
		r = vertical(out, &g->recs[0], &cs, colour);
	else
		r = rows(out, g, &cs, colour);
	colset_free(&cs);
	return r;
}

static int
tsv_rows(struct scp_buf *out, const struct group *g, const struct colset *cs)
{
	const struct field	*f;
	size_t			 i, c;

	for (c = 0; c < cs->n; c++)
		if (scp_buf_printf(out, "%s%s", c > 0 ? "\t" : "",
		    cs->cols[c].name) == -1)
			return -1;
	if (scp_buf_addstr(out, "\n") == -1)
		return -1;
	for (i = 0; i < g->n; i++) {
		for (c = 0; c < cs->n; c++) {
			if (c > 0 && scp_buf_addstr(out, "\t") == -1)
				return -1;
			f = find_field(&g->recs[i], cs->cols[c].name);
			if (f != NULL && escape_into(out, f->value, f->len,
			    ESC_TSV) == -1)
				return -1;
		}
		if (scp_buf_addstr(out, "\n") == -1)
			return -1;
	}
	return 0;
}

/* Scripts get every described column, so their columns never move. */
int
fmt_tsv(struct scp_buf *out, const struct group *g)
{
	struct colset	 cs;
	int		 r = -1;

	if (colset_of(&cs, g, false) == 0)
		r = tsv_rows(out, g, &cs);
	colset_free(&cs);
	return r;
}

/* A decimal integer JSON can carry as a number: -?(0|[1-9][0-9]*). */
static bool
json_integer(const char *s, size_t len)
{
	size_t	 i = 0;

	if (len > 0 && s[0] == '-')
		i++;
	if (i == len || len > 20 || (s[i] == '0' && len - i > 1))
		return false;
	for (; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* A value typed by its column; anything that does not fit stays a string. */
static int
json_value(struct scp_buf *out, const struct field *f, enum col_kind kind)
{
	if (f == NULL)
		return scp_buf_addstr(out, "null");
	if (kind == COL_NUMBER && json_integer(f->value, f->len))
		return scp_buf_add(out, f->value, f->len);
	if (kind == COL_BOOL && strcmp(f->value, "yes") == 0)
		return scp_buf_addstr(out, "true");
	if (kind == COL_BOOL && strcmp(f->value, "no") == 0)
		return scp_buf_addstr(out, "false");
	return json_string(out, f->value, f->len);
}

/* {"name": value, ...} without a newline; absent described fields: null. */
static int
json_object(struct scp_buf *out, const struct record *rec,
    const struct rec_desc *desc)
{
	const struct field	*f;
	const char		*sep = "";
	size_t			 i, n;

	if (scp_buf_addstr(out, "{") == -1)
		return -1;
	n = desc != NULL ? desc->ncols : rec->nfields;
	for (i = 0; i < n; i++) {
		if (desc != NULL)
			f = find_field(rec, desc->cols[i].name);
		else if ((f = &rec->fields[i])->name == NULL)
			continue;	/* a positional word: no name to key it */
		if (scp_buf_addstr(out, sep) == -1 ||
		    json_string(out, desc != NULL ? desc->cols[i].name :
		    f->name, strlen(desc != NULL ? desc->cols[i].name :
		    f->name)) == -1 ||
		    scp_buf_addstr(out, ": ") == -1 ||
		    json_value(out, f, desc != NULL ? desc->cols[i].kind :
		    COL_TEXT) == -1)
			return -1;
		sep = ", ";
	}
	return scp_buf_addstr(out, "}");
}

int
fmt_json(struct scp_buf *out, const struct group *g, bool one_object,
    int indent)
{
	size_t	 i;

	if (one_object && g->n > 0)
		return json_object(out, &g->recs[0], g->desc);
	if (scp_buf_addstr(out, "[") == -1)
		return -1;
	for (i = 0; i < g->n; i++)
		if (scp_buf_printf(out, "%s\n%*s", i > 0 ? "," : "",
		    indent + 1, "") == -1 ||
		    json_object(out, &g->recs[i], g->desc) == -1)
			return -1;
	if (g->n > 0 && scp_buf_printf(out, "\n%*s", indent, "") == -1)
		return -1;
	return scp_buf_addstr(out, "]");
}
