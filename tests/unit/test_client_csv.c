/*
 * The CSV reader and the GIAS mapping behind scc school import: byte
 * order mark, quotes, doubled quotes, CRLF, malformed records with their
 * line numbers, header names and phases.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csv.h"
#include "gias.h"

static FILE *
text(const char *s)
{
	FILE	*fp;

	fp = fmemopen((void *)s, strlen(s), "r");
	assert_non_null(fp);
	return fp;
}

static void
test_csv_plain_and_crlf(void **state)
{
	FILE		*fp = text("a,b,c\r\n1,,3\r\n\r\nx,y,z");
	struct csv	 c;

	csv_init(&c, fp);
	assert_int_equal(csv_next(&c), CSV_RECORD);
	assert_int_equal(c.nfields, 3);
	assert_string_equal(c.fields[2], "c");
	assert_int_equal(c.line, 1);
	assert_int_equal(csv_next(&c), CSV_RECORD);
	assert_string_equal(c.fields[1], "");
	assert_string_equal(c.fields[2], "3");
	assert_int_equal(c.line, 2);
	/* The blank line is skipped; the last record needs no line end. */
	assert_int_equal(csv_next(&c), CSV_RECORD);
	assert_string_equal(c.fields[0], "x");
	assert_string_equal(c.fields[2], "z");
	assert_int_equal(c.line, 4);
	assert_int_equal(csv_next(&c), CSV_EOF);
	csv_free(&c);
	fclose(fp);
}

static void
test_csv_bom_and_quotes(void **state)
{
	FILE		*fp = text("\xef\xbb\xbfURN,Name\n"
	    "1,\"Smith, Jones and \"\"Partners\"\" School\"\n"
	    "2,\"two\r\nlines\"\n"
	    "3,caf\xc3\xa9\n");
	struct csv	 c;

	csv_init(&c, fp);
	assert_int_equal(csv_next(&c), CSV_RECORD);
	assert_string_equal(c.fields[0], "URN");
	assert_int_equal(csv_next(&c), CSV_RECORD);
	assert_int_equal(c.nfields, 2);
	assert_string_equal(c.fields[1],
	    "Smith, Jones and \"Partners\" School");
	assert_int_equal(csv_next(&c), CSV_RECORD);
	assert_string_equal(c.fields[1], "two\nlines");
	assert_int_equal(c.line, 3);
	assert_int_equal(csv_next(&c), CSV_RECORD);
	assert_int_equal(c.line, 5);	/* the quoted line end counted */
	assert_string_equal(c.fields[1], "caf\xc3\xa9");
	assert_int_equal(csv_next(&c), CSV_EOF);
	csv_free(&c);
	fclose(fp);
}

static void
test_csv_no_bom_short_file(void **state)
{
	FILE		*fp = text("\xef\xbb");
	struct csv	 c;

	/* Two octets that start a BOM but are not one stay data. */
	csv_init(&c, fp);
	assert_int_equal(csv_next(&c), CSV_RECORD);
	assert_string_equal(c.fields[0], "\xef\xbb");
	assert_int_equal(csv_next(&c), CSV_EOF);
	csv_free(&c);
	fclose(fp);
}

static void
test_csv_malformed(void **state)
{
	FILE		*fp = text("a,b\n"
	    "1,\"x\"junk,more\n"
	    "2,ok\n"
	    "3,\"never closed\n");
	struct csv	 c;

	csv_init(&c, fp);
	assert_int_equal(csv_next(&c), CSV_RECORD);
	assert_int_equal(csv_next(&c), CSV_MALFORMED);
	assert_int_equal(c.line, 2);
	assert_string_equal(c.err, "text after a closing quote");
	/* Reading goes on at the next line. */
	assert_int_equal(csv_next(&c), CSV_RECORD);
	assert_string_equal(c.fields[1], "ok");
	assert_int_equal(c.line, 3);
	assert_int_equal(csv_next(&c), CSV_MALFORMED);
	assert_int_equal(c.line, 4);
	assert_string_equal(c.err, "a quoted field is not closed");
	assert_int_equal(csv_next(&c), CSV_EOF);
	csv_free(&c);
	fclose(fp);
}

static void
test_gias_header(void **state)
{
	char			*gias[] = { "LA (code)", "URN", "EstablishmentName",
	    "TypeOfEstablishment (name)", "EstablishmentTypeGroup (name)",
	    "PhaseOfEducation (name)" };
	char			*simple[] = { "Name", " urn ", "PHASE" };
	char			*bad[] = { "urn", "name" };
	struct gias_cols	 gc;
	char			 err[GIAS_ERR_MAX * 2];

	assert_int_equal(gias_header(gias, 6, &gc, err, sizeof(err)), 0);
	assert_int_equal(gc.urn, 1);
	assert_int_equal(gc.name, 2);
	assert_int_equal(gc.type, 3);
	assert_int_equal(gc.type_group, 4);
	assert_int_equal(gc.phase, 5);
	assert_int_equal(gias_header(simple, 3, &gc, err, sizeof(err)), 0);
	assert_int_equal(gc.urn, 1);
	assert_int_equal(gc.name, 0);
	assert_int_equal(gc.phase, 2);
	assert_int_equal(gc.type, -1);
	assert_int_equal(gias_header(bad, 2, &gc, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no phase column"));
}

static void
test_gias_phases(void **state)
{
	assert_string_equal(gias_phase("Nursery", "", ""), "nursery");
	assert_string_equal(gias_phase("Primary", "Community school",
	    "Local authority maintained schools"), "primary");
	assert_string_equal(gias_phase("Middle deemed primary", "", ""),
	    "primary");
	assert_string_equal(gias_phase("Secondary", "", ""), "secondary");
	assert_string_equal(gias_phase("Middle deemed secondary", "", ""),
	    "secondary");
	assert_string_equal(gias_phase("All-through", "", ""), "all_through");
	assert_string_equal(gias_phase("all_through", "", ""), "all_through");
	assert_string_equal(gias_phase("Not applicable",
	    "Community special school", "Special schools"), "special");
	assert_string_equal(gias_phase("Not applicable",
	    "Academy special converter", ""), "special");
	assert_string_equal(gias_phase("Not applicable",
	    "Pupil referral unit", "Local authority maintained schools"),
	    "pru");
	assert_string_equal(gias_phase("Not applicable",
	    "Academy alternative provision sponsor led", "Academies"), "pru");
	assert_null(gias_phase("Not applicable", "Further education",
	    "Colleges"));
	assert_null(gias_phase("16 plus", "", ""));
	assert_null(gias_phase("", "", ""));
}

static void
test_gias_rows(void **state)
{
	char			*hdr[] = { "URN", "EstablishmentName",
	    "PhaseOfEducation (name)", "TypeOfEstablishment (name)" };
	char			 r1[4][64] = { " 100001 ", "Oak School",
	    "Primary", "Community school" };
	char			 r2[4][64] = { "10000x", "Bad", "Primary", "" };
	char			 r3[4][64] = { "100003", "", "Primary", "" };
	char			 r4[4][64] = { "100004", "College", "16 plus",
	    "Further education" };
	char			 r5[4][64] = { "100005", "\xff\xfe", "Primary",
	    "" };
	char			*f[4];
	struct gias_cols	 gc;
	struct gias_school	 s;
	char			 err[GIAS_ERR_MAX];
	size_t			 i;

	assert_int_equal(gias_header(hdr, 4, &gc, err, sizeof(err)), 0);
	for (i = 0; i < 4; i++)
		f[i] = r1[i];
	assert_int_equal(gias_row(&gc, f, 4, &s, err, sizeof(err)), 0);
	assert_string_equal(s.urn, "100001");
	assert_string_equal(s.name, "Oak School");
	assert_string_equal(s.phase, "primary");
	assert_int_equal(gias_row(&gc, f, 3, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "3 fields where the header has 4"));
	for (i = 0; i < 4; i++)
		f[i] = r2[i];
	assert_int_equal(gias_row(&gc, f, 4, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a number"));
	for (i = 0; i < 4; i++)
		f[i] = r3[i];
	assert_int_equal(gias_row(&gc, f, 4, &s, err, sizeof(err)), -1);
	assert_string_equal(err, "no name");
	for (i = 0; i < 4; i++)
		f[i] = r4[i];
	assert_int_equal(gias_row(&gc, f, 4, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "phase \"16 plus\""));
	for (i = 0; i < 4; i++)
		f[i] = r5[i];
	assert_int_equal(gias_row(&gc, f, 4, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not UTF-8"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_plain_and_crlf),
		cmocka_unit_test(test_csv_bom_and_quotes),
		cmocka_unit_test(test_csv_no_bom_short_file),
		cmocka_unit_test(test_csv_malformed),
		cmocka_unit_test(test_gias_header),
		cmocka_unit_test(test_gias_phases),
		cmocka_unit_test(test_gias_rows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
