/*
 * Printing answers: aligned tables for people, tab-separated values and
 * JSON for scripts. Server text is untrusted: nothing reaches a terminal
 * that could move the cursor or change its colours.
 */
#ifndef SCC_OUTPUT_H
#define SCC_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "record.h"
#include "settings.h"

/*
 * Text safe for a terminal: control characters (C0, DEL, C1) and invalid
 * UTF-8 become \n, \t, \xNN; at most max input octets. malloc'd; NULL only
 * when memory runs out.
 */
char	*output_escape(const char *, size_t max);

/* True when RAG levels may be coloured: a terminal, and no NO_COLOR. */
bool	 output_colour(FILE *);

/* One record as "field  value" lines, a header and a row, or an object. */
int	 output_record(FILE *, enum out_format, const struct record *);

/*
 * The records of an answer, grouped by type in the order the types first
 * came, each group by its type's description:
 * - table: a listing's records as aligned columns; otherwise a group of
 *   one record as "field  value" lines, of several as columns. Groups after
 *   the first follow a blank line and their type's name.
 * - tsv: each group a header row, then its rows; groups apart by a blank
 *   line.
 * - json: a listing is an array of objects; any other answer an object
 *   keyed by record type in lower case ("school", "level"), each an array
 *   of objects. Numbers are numbers, yes/no are true/false, and a described
 *   field that is absent is null.
 */
/* One record of a stream as it comes; first: the first of the stream. */
int	 output_stream(FILE *, enum out_format, const struct record *,
	    bool first);
/* A listing that found nothing, headed by its record type if known. */
int	 output_empty(FILE *, enum out_format, const char *type);
int	 output_answer(FILE *, enum out_format, bool colour,
	    const struct record *, size_t, bool listing);

#endif /* SCC_OUTPUT_H */
