/*
 * Printing answers: aligned tables for people, tab-separated values and
 * JSON for scripts. Server text is untrusted: nothing reaches a terminal
 * that could move the cursor or change its colours.
 */
#ifndef SCC_OUTPUT_H
#define SCC_OUTPUT_H

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

/* One record as "field  value" lines, a header and a row, or an object. */
int	 output_record(FILE *, enum out_format, const struct record *);
/* Several records as columns, rows, or an array of objects. */
int	 output_records(FILE *, enum out_format, const struct record *, size_t);

#endif /* SCC_OUTPUT_H */
