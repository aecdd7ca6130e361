/*
 * Printing answers. An answer is cut into groups, one per record type in
 * the order the types first came, and each group is printed by its type's
 * description (describe.c).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "describe.h"
#include "output.h"
#include "output_int.h"

bool
output_colour(FILE *fp)
{
	const char	*no = getenv("NO_COLOR");

	/* https://no-color.org: set and not empty means no colour. */
	return isatty(fileno(fp)) && (no == NULL || no[0] == '\0');
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

/* The answer cut by type: shallow copies, the strings stay the answer's. */
struct groups {
	struct group	*g;
	size_t		 n;
};

static void
groups_free(struct groups *gs)
{
	size_t	 i;

	for (i = 0; i < gs->n; i++)
		free((void *)gs->g[i].recs);
	free(gs->g);
	memset(gs, 0, sizeof(*gs));
}

static int
group_add(struct group *g, const struct record *rec)
{
	struct record	*grown;

	grown = reallocarray((void *)g->recs, g->n + 1, sizeof(*grown));
	if (grown == NULL)
		return -1;
	grown[g->n++] = *rec;
	g->recs = grown;
	return 0;
}

static int
groups_cut(struct groups *gs, const struct record *recs, size_t n)
{
	struct group	*grown;
	size_t		 i, k;

	memset(gs, 0, sizeof(*gs));
	for (i = 0; i < n; i++) {
		for (k = 0; k < gs->n; k++)
			if (strcasecmp(gs->g[k].recs[0].type, recs[i].type) == 0)
				break;
		if (k == gs->n) {
			grown = reallocarray(gs->g, gs->n + 1, sizeof(*grown));
			if (grown == NULL)
				return -1;
			gs->g = grown;
			memset(&gs->g[gs->n], 0, sizeof(gs->g[0]));
			gs->g[gs->n++].desc = describe_find(recs[i].type);
		}
		if (group_add(&gs->g[k], &recs[i]) == -1)
			return -1;
	}
	return 0;
}

/* "school": the key of a group in a JSON object, the type in lower case. */
static int
json_key(struct scp_buf *out, const char *type)
{
	size_t	 i, start;

	if (scp_buf_addstr(out, "\"") == -1)
		return -1;
	start = out->len;
	if (escape_into(out, type, strlen(type), ESC_TSV) == -1)
		return -1;
	for (i = start; i < out->len; i++)
		if (out->data[i] >= 'A' && out->data[i] <= 'Z')
			out->data[i] += 'a' - 'A';
		else if (out->data[i] == '"' || out->data[i] == '\\' ||
		    (unsigned char)out->data[i] < 0x20)
			out->data[i] = '_';
	return scp_buf_addstr(out, "\": ");
}

static int
answer_json(struct scp_buf *out, const struct groups *gs, bool listing)
{
	struct group	 all;
	size_t		 i;

	if (listing) {
		all.recs = gs->n > 0 ? gs->g[0].recs : NULL;
		all.n = gs->n > 0 ? gs->g[0].n : 0;
		all.desc = gs->n > 0 ? gs->g[0].desc : NULL;
		if (fmt_json(out, &all, false, 0) == -1)
			return -1;
		return scp_buf_addstr(out, "\n");
	}
	if (scp_buf_addstr(out, "{") == -1)
		return -1;
	for (i = 0; i < gs->n; i++)
		if (scp_buf_addstr(out, i > 0 ? ",\n " : "\n ") == -1 ||
		    json_key(out, gs->g[i].recs[0].type) == -1 ||
		    fmt_json(out, &gs->g[i], false, 1) == -1)
			return -1;
	return scp_buf_addstr(out, gs->n > 0 ? "\n}\n" : "}\n");
}

static int
group_title(struct scp_buf *out, const char *type)
{
	if (scp_buf_addstr(out, "\n") == -1 ||
	    escape_into(out, type, strlen(type), ESC_TERMINAL) == -1)
		return -1;
	return scp_buf_addstr(out, "\n");
}

int
output_answer(FILE *fp, enum out_format format, bool colour,
    const struct record *recs, size_t n, bool listing)
{
	struct scp_buf	 out = { NULL, 0, 0 };
	struct groups	 gs;
	enum group_shape shape;
	size_t		 i;
	int		 r = 0;

	if (groups_cut(&gs, recs, n) == -1)
		r = -1;
	else if (format == FORMAT_JSON)
		r = answer_json(&out, &gs, listing);
	for (i = 0; r == 0 && format != FORMAT_JSON && i < gs.n; i++) {
		if (i > 0 && format == FORMAT_TSV)
			r = scp_buf_addstr(&out, "\n");
		else if (i > 0)
			r = group_title(&out, gs.g[i].recs[0].type);
		if (r == -1)
			break;
		/* The thing asked about reads down; what comes with it, across. */
		shape = listing || i > 0 ? SHAPE_ROWS : SHAPE_VERTICAL;
		if (format == FORMAT_TSV)
			r = fmt_tsv(&out, &gs.g[i]);
		else
			r = fmt_table(&out, &gs.g[i], shape, colour);
	}
	groups_free(&gs);
	return flush_buf(fp, &out, r);
}

/*
 * A listing with no records: TSV still gives its header, so a script sees
 * the same columns; JSON an empty array; a table says so, on stderr, so
 * that standard output stays empty.
 */
/*
 * One record of a stream (scc watch), as it arrives: a table's row is one
 * line of "at what name=value ..."; TSV has its header before the first
 * row only; JSON is one object per line.
 */
int
output_stream(FILE *fp, enum out_format format, const struct record *rec,
    bool first)
{
	struct scp_buf	 out = { NULL, 0, 0 };
	struct group	 g = { rec, 1, describe_find(rec->type) };
	const char	*at = record_get(rec, "at"), *what = record_get(rec, "what");
	size_t		 i, skip;
	int		 r = 0;

	switch (format) {
	case FORMAT_TSV:
		if ((r = fmt_tsv(&out, &g)) == 0 && !first &&
		    (skip = strcspn(out.data, "\n")) < out.len)
			scp_buf_consume(&out, skip + 1);
		break;
	case FORMAT_JSON:
		if ((r = fmt_json(&out, &g, true, 0)) == 0)
			r = scp_buf_addstr(&out, "\n");
		break;
	default:
		if (at == NULL)
			at = "-";
		if (what == NULL)
			what = rec->type;
		r |= escape_into(&out, at, strlen(at), ESC_TERMINAL);
		r |= scp_buf_addstr(&out, "  ");
		r |= escape_into(&out, what, strlen(what), ESC_TERMINAL);
		for (i = 0; i < rec->nfields; i++) {
			const struct field	*f = &rec->fields[i];

			if (f->name == NULL || strcmp(f->name, "at") == 0 ||
			    strcmp(f->name, "what") == 0)
				continue;
			r |= scp_buf_printf(&out, "  %s=", f->name);
			r |= escape_into(&out, f->value, f->len, ESC_TERMINAL);
		}
		r |= scp_buf_addstr(&out, "\n");
		break;
	}
	return flush_buf(fp, &out, r != 0 ? -1 : 0);
}

int
output_empty(FILE *fp, enum out_format format, const char *type)
{
	struct scp_buf	 out = { NULL, 0, 0 };
	struct group	 g = { NULL, 0, NULL };
	int		 r = 0;

	g.desc = type != NULL ? describe_find(type) : NULL;
	if (format == FORMAT_JSON)
		r = scp_buf_addstr(&out, "[]\n");
	else if (format == FORMAT_TSV && g.desc != NULL)
		r = fmt_tsv(&out, &g);
	else if (format == FORMAT_TABLE)
		fprintf(stderr, "(none)\n");
	return flush_buf(fp, &out, r);
}

int
output_record(FILE *fp, enum out_format format, const struct record *rec)
{
	struct scp_buf	 out = { NULL, 0, 0 };
	struct group	 g = { rec, 1, describe_find(rec->type) };
	int		 r;

	switch (format) {
	case FORMAT_TABLE:
		r = fmt_table(&out, &g, SHAPE_VERTICAL, output_colour(fp));
		break;
	case FORMAT_TSV:
		r = fmt_tsv(&out, &g);
		break;
	default:
		r = fmt_json(&out, &g, true, 0);
		if (r == 0)
			r = scp_buf_addstr(&out, "\n");
		break;
	}
	return flush_buf(fp, &out, r);
}
