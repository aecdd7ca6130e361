/*
 * Printing answers by their record descriptions: typed JSON, TSV columns
 * that never move, tables with RAG colour only when asked, answers of
 * several record types, and the generic fallback.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "output.h"
#include "record.h"

/* A record from "TYPE name=value name=value" (values without blanks). */
static void
make(struct record *rec, const char *line)
{
	char	*copy, *w, *eq, *save = NULL;
	size_t	 n = 0;

	memset(rec, 0, sizeof(*rec));
	copy = strdup(line);
	rec->fields = calloc(32, sizeof(*rec->fields));
	assert_non_null(copy);
	assert_non_null(rec->fields);
	rec->type = strdup(strtok_r(copy, " ", &save));
	while ((w = strtok_r(NULL, " ", &save)) != NULL) {
		eq = strchr(w, '=');
		assert_non_null(eq);
		rec->fields[n].name = strndup(w, eq - w);
		rec->fields[n].value = strdup(eq + 1);
		rec->fields[n].len = strlen(eq + 1);
		n++;
	}
	rec->nfields = n;
	free(copy);
}

/* What output_answer() prints, as a string to free. */
static char *
printed(enum out_format f, bool colour, struct record *recs, size_t n,
    bool listing)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*fp;

	fp = open_memstream(&buf, &len);
	assert_non_null(fp);
	assert_int_equal(output_answer(fp, f, colour, recs, n, listing), 0);
	fclose(fp);
	return buf;
}

static void
free_all(struct record *recs, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		record_free(&recs[i]);
}

static void
test_json_typed(void **state)
{
	struct record	 recs[2];
	char		*out;

	make(&recs[0], "SCHOOL id=3 urn=100103 name=Oak level=red "
	    "shared_concern=yes risks=2");
	make(&recs[1], "SCHOOL id=4 urn=0123 name=Elm level=green "
	    "shared_concern=no case=notanumber");
	out = printed(FORMAT_JSON, false, recs, 2, true);
	/* Numbers, booleans, null for what was not sent, urn stays text. */
	assert_non_null(strstr(out, "{\"id\": 3, \"urn\": \"100103\", "
	    "\"name\": \"Oak\", \"phase\": null, \"level\": \"red\""));
	assert_non_null(strstr(out, "\"shared_concern\": true, \"risks\": 2"));
	assert_non_null(strstr(out, "\"shared_concern\": false"));
	/* A number column holding something else is kept, as a string. */
	assert_non_null(strstr(out, "\"case\": \"notanumber\""));
	assert_true(out[0] == '[');
	free(out);
	free_all(recs, 2);
}

static void
test_json_several_types(void **state)
{
	struct record	 recs[3];
	char		*out;

	make(&recs[0], "CASE id=7 school=3 stage=engagement overdue=no");
	make(&recs[1], "DECISION case=7 to=identified");
	make(&recs[2], "DECISION case=7 from=identified to=engagement");
	out = printed(FORMAT_JSON, false, recs, 3, false);
	assert_true(out[0] == '{');
	assert_non_null(strstr(out, "\"case\": [\n  {\"id\": 7, \"school\": 3"));
	assert_non_null(strstr(out, "\"overdue\": false"));
	assert_non_null(strstr(out, "\"decision\": [\n  {\"case\": 7, "
	    "\"from\": null, \"to\": \"identified\""));
	free(out);
	free_all(recs, 3);
}

static void
test_json_generic(void **state)
{
	struct record	 rec;
	char		*out;

	/* An undescribed type: its fields as sent, all strings. */
	make(&rec, "WIDGET id=5 when=tomorrow");
	out = printed(FORMAT_JSON, false, &rec, 1, true);
	assert_string_equal(out, "[\n {\"id\": \"5\", \"when\": \"tomorrow\"}\n]\n");
	free(out);
	record_free(&rec);
}

static void
test_tsv_columns(void **state)
{
	struct record	 recs[2];
	char		*out;

	make(&recs[0], "AREA id=1 area=attainment title=Attainment");
	make(&recs[1], "AREA title=Finance id=9 area=finance extra=ignored");
	out = printed(FORMAT_TSV, false, recs, 2, true);
	assert_string_equal(out, "id\tarea\ttitle\n"
	    "1\tattainment\tAttainment\n"
	    "9\tfinance\tFinance\n");
	free(out);
	free_all(recs, 2);
}

static void
test_table_colour(void **state)
{
	struct record	 recs[2];
	char		*plain, *coloured;

	make(&recs[0], "RISK id=1 area=attainment rating=red");
	make(&recs[1], "RISK id=2 area=finance rating=amber");
	plain = printed(FORMAT_TABLE, false, recs, 2, true);
	coloured = printed(FORMAT_TABLE, true, recs, 2, true);
	assert_null(strchr(plain, '\033'));
	/* Columns empty all the way down are left out of a table. */
	assert_string_equal(plain, "id  area        rating\n"
	    "1   attainment  red\n"
	    "2   finance     amber\n");
	assert_non_null(strstr(coloured, "\033[31mred\033[0m"));
	assert_non_null(strstr(coloured, "\033[33mamber\033[0m"));
	/* The colour does not move the columns. */
	assert_non_null(strstr(coloured, "1   attainment  "));
	free(plain);
	free(coloured);
	free_all(recs, 2);
}

static void
test_table_groups(void **state)
{
	struct record	 recs[3];
	char		*out;

	make(&recs[0], "SCHOOL id=3 name=Oak level=amber");
	make(&recs[1], "LEVEL school=3 level=amber reason=roll");
	make(&recs[2], "ALERT id=1 school=3 severity=high");
	out = printed(FORMAT_TABLE, false, recs, 3, false);
	assert_string_equal(out, "id     3\n"
	    "name   Oak\n"
	    "level  amber\n"
	    "\nLEVEL\n"
	    "school  level  reason\n"
	    "3       amber  roll\n"
	    "\nALERT\n"
	    "id  school  severity\n"
	    "1   3       high\n");
	free(out);
	free_all(recs, 3);
}

static void
test_table_escapes(void **state)
{
	struct record	 rec;
	char		*out;

	make(&rec, "AREA id=1 area=x title=y");
	free(rec.fields[2].value);
	rec.fields[2].value = strdup("evil\033[2Jtext");
	rec.fields[2].len = strlen(rec.fields[2].value);
	out = printed(FORMAT_TABLE, true, &rec, 1, true);
	assert_null(strchr(out, '\033'));
	assert_non_null(strstr(out, "evil\\x1b[2Jtext"));
	free(out);
	record_free(&rec);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_typed),
		cmocka_unit_test(test_json_several_types),
		cmocka_unit_test(test_json_generic),
		cmocka_unit_test(test_tsv_columns),
		cmocka_unit_test(test_table_colour),
		cmocka_unit_test(test_table_groups),
		cmocka_unit_test(test_table_escapes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
