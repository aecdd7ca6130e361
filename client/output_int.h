/*
 * Between the output files: escaping (output_escape.c) and one group of
 * records of one type in each format (output_fmt.c). Not for commands:
 * they use output.h.
 */
#ifndef SCC_OUTPUT_INT_H
#define SCC_OUTPUT_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "describe.h"
#include "record.h"
#include "scp.h"
#include "settings.h"

enum escape_style {
	ESC_TERMINAL,	/* tables: every control character shown */
	ESC_TSV		/* only what would break the row: \ TAB CR LF */
};

int	 escape_into(struct scp_buf *, const char *, size_t, enum escape_style);
char	*escape_string(const char *, size_t, enum escape_style);
size_t	 display_width(const char *);
int	 json_string(struct scp_buf *, const char *, size_t);

/* How a group is laid out in a table. */
enum group_shape {
	SHAPE_ROWS,		/* aligned columns, a header first */
	SHAPE_VERTICAL		/* one record: "field  value" lines */
};

/*
 * Records of one type: with a description (NULL: printed generically, the
 * fields as they come, all text). JSON: an array of objects, each on a
 * line indented by indent + 1 spaces, or with one_object the first
 * record's object alone. colour: RAG levels in ANSI
 * colours (tables only).
 */
struct group {
	const struct record	*recs;
	size_t			 n;
	const struct rec_desc	*desc;
};

int	 fmt_table(struct scp_buf *, const struct group *, enum group_shape,
	    bool colour);
int	 fmt_tsv(struct scp_buf *, const struct group *);
int	 fmt_json(struct scp_buf *, const struct group *, bool one_object,
	    int indent);

#endif /* SCC_OUTPUT_INT_H */
