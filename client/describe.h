/*
 * How each record type is printed: its columns in order, and what each
 * holds. One description per type, used by every format: a table shows
 * the columns in this order and colours a RAG level on a terminal, TSV
 * heads its rows with them, JSON types its values by them.
 */
#ifndef SCC_DESCRIBE_H
#define SCC_DESCRIBE_H

#include <stddef.h>

enum col_kind {
	COL_TEXT,
	COL_NUMBER,	/* JSON number when it is a decimal integer */
	COL_BOOL,	/* yes/no: JSON true/false */
	COL_RAG		/* green/amber/red: coloured in tables */
};

struct col {
	const char	*name;
	enum col_kind	 kind;
};

struct rec_desc {
	const char		*type;		/* "SCHOOL" */
	const struct col	*cols;
	size_t			 ncols;
};

/* The description of a record type (case-insensitive), or NULL. */
const struct rec_desc	*describe_find(const char *type);

#endif /* SCC_DESCRIBE_H */
