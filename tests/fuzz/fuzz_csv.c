/*
 * libFuzzer target for the CSV reader of scc school import, and the GIAS
 * mapping after it: a file is untrusted input too. The first record is the
 * header; every later one is read as a school. Invariants: the reader ends,
 * a record's line never goes back, a reported record has at least one
 * field, and a school that maps has a URN of digits and a phase of ours.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "gias.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "invariant broken: %s\n", what);
		abort();
	}
}

static const char *const ours[] = {
	"nursery", "primary", "secondary", "all_through", "special", "pru",
};

static void
check_school(const struct gias_school *s)
{
	size_t	 i;
	int	 known = 0;

	check(s->urn[0] != '\0' && strspn(s->urn, "0123456789") ==
	    strlen(s->urn), "URN of digits");
	check(s->name[0] != '\0', "a name");
	for (i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
		known |= strcmp(s->phase, ours[i]) == 0;
	check(known, "a phase of ours");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gias_cols	 gc;
	struct gias_school	 school;
	struct csv		 csv;
	enum csv_result		 r;
	char			 err[GIAS_ERR_MAX * 2];
	FILE			*fp;
	size_t			 last = 0;
	int			 header = 0;

	if (size == 0 || (fp = fmemopen((void *)data, size, "r")) == NULL)
		return 0;
	csv_init(&csv, fp);
	while ((r = csv_next(&csv)) == CSV_RECORD || r == CSV_MALFORMED) {
		check(csv.line >= last && csv.line > 0, "lines go forward");
		last = csv.line;
		if (r == CSV_MALFORMED)
			continue;
		check(csv.nfields > 0, "a record has a field");
		if (!header) {
			header = gias_header(csv.fields, csv.nfields, &gc, err,
			    sizeof(err)) == 0 ? 1 : -1;
			continue;
		}
		if (header == 1 && gias_row(&gc, csv.fields, csv.nfields,
		    &school, err, sizeof(err)) == 0)
			check_school(&school);
	}
	check(r == CSV_EOF, "the reader ends at the end");
	csv_free(&csv);
	fclose(fp);
	return 0;
}
