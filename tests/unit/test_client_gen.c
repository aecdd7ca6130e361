/*
 * Generated commands: which protocol command a person's words name, how
 * operands and --name options fill its arguments, what is refused before
 * anything is sent, and what the shell offers to complete.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gen.h"
#include "scc.h"

/* complete.c offers scc's own commands too; these stand in for main.c's. */
const struct client_cmd client_cmds[] = {
	{ "login",	NULL,	"login [USER]",	"log in",	true },
	{ "school import", NULL, "school import FILE.csv", "import", true },
	{ NULL,		NULL,	NULL,		NULL,		false }
};

static const char *
resolved(const char *line, int *words, bool *implied)
{
	static char		 copy[256];
	static char		*argv[16];
	struct gen_match	 m;
	char			 err[GEN_ERR_MAX], *p;
	int			 argc = 0;

	strlcpy(copy, line, sizeof(copy));
	for (p = strtok(copy, " "); p != NULL && argc < 15; p = strtok(NULL, " "))
		argv[argc++] = p;
	argv[argc] = NULL;
	if (gen_resolve(argc, argv, &m, err, sizeof(err)) == -1)
		return NULL;
	if (words != NULL)
		*words = m.words;
	if (implied != NULL)
		*implied = m.implied_show;
	return m.cmd->name;
}

static void
test_resolve_words(void **state)
{
	int	 words;
	bool	 implied;

	assert_string_equal(resolved("school add", &words, NULL), "SCHOOL ADD");
	assert_int_equal(words, 2);
	assert_string_equal(resolved("School Add", NULL, NULL), "SCHOOL ADD");
	assert_string_equal(resolved("case stage 7 engagement", &words, NULL),
	    "CASE STAGE");
	assert_int_equal(words, 2);
	assert_string_equal(resolved("dashboard", &words, NULL), "DASHBOARD");
	assert_int_equal(words, 1);
	assert_string_equal(resolved("assign bob", &words, NULL), "ASSIGN");
	assert_int_equal(words, 1);
	assert_string_equal(resolved("audit verify", NULL, NULL),
	    "AUDIT VERIFY");
	assert_string_equal(resolved("level set 3 red", NULL, NULL),
	    "LEVEL SET");
	assert_string_equal(resolved("school 3", &words, &implied),
	    "SCHOOL SHOW");
	assert_int_equal(words, 1);
	assert_true(implied);
	assert_string_equal(resolved("case 7", NULL, NULL), "CASE SHOW");
	assert_string_equal(resolved("programme securing_good", NULL, NULL),
	    "PROGRAMME SHOW");
	/* A one-word command whose word is also a noun: "agenda 12" reads. */
	assert_string_equal(resolved("agenda 12", &words, &implied), "AGENDA");
	assert_int_equal(words, 1);
	assert_false(implied);
	assert_string_equal(resolved("agenda add 12", &words, NULL),
	    "AGENDA ADD");
	assert_int_equal(words, 2);
	assert_string_equal(resolved("deadline done 12 agenda", NULL, NULL),
	    "DEADLINE DONE");
	assert_string_equal(resolved("deadlines", NULL, NULL), "DEADLINES");
	/* Support and interventions need no alias either. */
	assert_string_equal(resolved("supports", NULL, NULL), "SUPPORT LIST");
	assert_string_equal(resolved("interventions", NULL, NULL),
	    "INTERVENTION LIST");
	assert_string_equal(resolved("intervene 5", &words, &implied),
	    "INTERVENE");
	assert_int_equal(words, 1);
	assert_false(implied);
	assert_string_equal(resolved("support budget 5 100", &words, NULL),
	    "SUPPORT BUDGET");
	assert_int_equal(words, 2);
	/* A plural needs no alias: "visits" is VISIT LIST. */
	assert_string_equal(resolved("visits", NULL, NULL), "VISIT LIST");
	assert_string_equal(resolved("visit 7", NULL, NULL), "VISIT SHOW");
}

static void
test_resolve_aliases(void **state)
{
	assert_string_equal(resolved("schools", NULL, NULL), "SCHOOL LIST");
	assert_string_equal(resolved("risks 3", NULL, NULL), "RISK LIST");
	assert_string_equal(resolved("alerts", NULL, NULL), "ALERT LIST");
	assert_string_equal(resolved("cases", NULL, NULL), "CASE LIST");
	assert_string_equal(resolved("users", NULL, NULL), "USER LIST");
	assert_string_equal(resolved("audit", NULL, NULL), "AUDIT LIST");
	assert_string_equal(resolved("programmes", NULL, NULL),
	    "PROGRAMME LIST");
	assert_string_equal(resolved("areas", NULL, NULL), "AREA LIST");
}

static void
test_resolve_refused(void **state)
{
	assert_null(resolved("frobnicate", NULL, NULL));
	assert_null(resolved("school", NULL, NULL));	/* a noun alone */
	/* Session commands are scc's own, never generated. */
	assert_null(resolved("login bob", NULL, NULL));
	assert_null(resolved("password a b", NULL, NULL));
	assert_null(resolved("whoami", NULL, NULL));
}

static void
test_person_name(void **state)
{
	char	 buf[64];

	assert_int_equal(gen_person_name(scp_cmd_byname("SCHOOL LIST"), buf,
	    sizeof(buf)), 0);
	assert_string_equal(buf, "schools");
	gen_person_name(scp_cmd_byname("SCHOOL SHOW"), buf, sizeof(buf));
	assert_string_equal(buf, "school");
	gen_person_name(scp_cmd_byname("AUDIT VERIFY"), buf, sizeof(buf));
	assert_string_equal(buf, "audit verify");
	gen_person_name(scp_cmd_byname("DASHBOARD"), buf, sizeof(buf));
	assert_string_equal(buf, "dashboard");
}

/* Bind operands and --name options; the value of each argument by name. */
struct bound {
	struct gen_args	 ga;
	char		 err[GEN_ERR_MAX];
	int		 r;
};

static void
bind(struct bound *b, const char *cmd, char **operands, int n,
    struct cmdopt *opts, size_t nopts, const char *user)
{
	b->r = gen_bind(scp_cmd_byname(cmd), n, operands, opts, nopts, user,
	    &b->ga, b->err, sizeof(b->err));
}

static const char *
value(const struct bound *b, const char *name)
{
	size_t	 i;

	for (i = 0; i < b->ga.cmd->nargs; i++)
		if (strcmp(b->ga.cmd->args[i].name, name) == 0)
			return b->ga.values[i];
	fail_msg("no argument %s", name);
	return NULL;
}

static void
test_bind_options(void **state)
{
	struct cmdopt	 opts[] = {
		{ (char *)"urn", "123456" },
		{ (char *)"name", "St Mary's \"Quoted\" School" },
		{ (char *)"phase", "primary" },
	};
	struct bound	 b;

	bind(&b, "SCHOOL ADD", NULL, 0, opts, 3, NULL);
	assert_int_equal(b.r, 0);
	assert_string_equal(value(&b, "urn"), "123456");
	assert_string_equal(value(&b, "phase"), "primary");
	assert_null(value(&b, "ofsted"));
	assert_false(b.ga.paging);
	gen_args_free(&b.ga);
}

static void
test_bind_operands_in_order(void **state)
{
	char		*ops[] = { "7", "engagement" };
	char		*risk[] = { "3", "attainment", "red" };
	struct cmdopt	 reason = { (char *)"reason", "agreed at the meeting" };
	struct cmdopt	 note = { (char *)"note", "KS2 down" };
	struct bound	 b;

	/* CASE STAGE 7 stage=engagement reason=... */
	bind(&b, "CASE STAGE", ops, 2, &reason, 1, NULL);
	assert_int_equal(b.r, 0);
	assert_string_equal(value(&b, "case"), "7");
	assert_string_equal(value(&b, "stage"), "engagement");
	assert_string_equal(value(&b, "reason"), "agreed at the meeting");
	gen_args_free(&b.ga);

	/* --note given: operands skip it and fill area, rating in order. */
	bind(&b, "RISK SET", risk, 3, &note, 1, NULL);
	assert_int_equal(b.r, 0);
	assert_string_equal(value(&b, "school"), "3");
	assert_string_equal(value(&b, "area"), "attainment");
	assert_string_equal(value(&b, "rating"), "red");
	assert_string_equal(value(&b, "note"), "KS2 down");
	assert_null(value(&b, "term"));
	gen_args_free(&b.ga);
}

static void
test_bind_skips_given(void **state)
{
	char		*ops[] = { "3", "red" };
	struct cmdopt	 opt = { (char *)"level", "amber" };
	struct bound	 b;

	/* level= is given, so "red" goes on to reason=. */
	bind(&b, "LEVEL SET", ops, 2, &opt, 1, NULL);
	assert_int_equal(b.r, 0);
	assert_string_equal(value(&b, "level"), "amber");
	assert_string_equal(value(&b, "reason"), "red");
	gen_args_free(&b.ga);
}

static void
test_bind_paging(void **state)
{
	char		*ops[] = { "3" };
	struct cmdopt	 opts[] = {
		{ (char *)"term", "2026-autumn" },
		{ (char *)"limit", "10" },
	};
	char		*many[] = { "red", "yes", "50" };
	struct bound	 b;

	bind(&b, "RISK LIST", ops, 1, opts, 2, NULL);
	assert_int_equal(b.r, 0);
	assert_true(b.ga.paging);
	assert_string_equal(value(&b, "limit"), "10");
	gen_args_free(&b.ga);

	bind(&b, "SCHOOL LIST", NULL, 0, NULL, 0, NULL);
	assert_int_equal(b.r, 0);
	assert_false(b.ga.paging);
	gen_args_free(&b.ga);

	/* Operands never reach limit= or after=. */
	bind(&b, "SCHOOL LIST", many, 3, NULL, 0, NULL);
	assert_int_equal(b.r, -1);
	assert_non_null(strstr(b.err, "too many operands"));
}

static void
test_bind_user_flag(void **state)
{
	struct bound	 b;
	char		*ops[] = { "bob" };
	struct cmdopt	 school = { (char *)"school", "3" };

	bind(&b, "AUDIT LIST", NULL, 0, NULL, 0, "j.smith");
	assert_int_equal(b.r, 0);
	assert_string_equal(value(&b, "user"), "j.smith");
	gen_args_free(&b.ga);

	/* A command with no user= leaves -u alone. */
	bind(&b, "SCHOOL LIST", NULL, 0, NULL, 0, "j.smith");
	assert_int_equal(b.r, 0);
	gen_args_free(&b.ga);

	bind(&b, "ASSIGN", ops, 1, &school, 1, NULL);
	assert_int_equal(b.r, 0);
	assert_string_equal(value(&b, "user"), "bob");
	gen_args_free(&b.ga);
}

static void
test_bind_errors(void **state)
{
	struct cmdopt	 unknown = { (char *)"colour", "red" };
	struct cmdopt	 twice[] = {
		{ (char *)"reason", "a" }, { (char *)"reason", "b" },
	};
	struct cmdopt	 badphase[] = {
		{ (char *)"urn", "1" }, { (char *)"name", "X" },
		{ (char *)"phase", "university" },
	};
	char		*ops[] = { "3" };
	char		*notid[] = { "three", "red" };
	char		*extra[] = { "7", "engagement", "why", "more" };
	struct bound	 b;

	bind(&b, "SCHOOL LIST", NULL, 0, &unknown, 1, NULL);
	assert_int_equal(b.r, -1);
	assert_non_null(strstr(b.err, "no option --colour"));
	assert_non_null(strstr(b.err, "--level"));

	bind(&b, "LEVEL SET", ops, 1, twice, 2, NULL);
	assert_int_equal(b.r, -1);
	assert_non_null(strstr(b.err, "--reason given twice"));

	bind(&b, "LEVEL SET", ops, 1, NULL, 0, NULL);
	assert_int_equal(b.r, -1);
	assert_non_null(strstr(b.err, "missing --level"));

	bind(&b, "SCHOOL SHOW", NULL, 0, NULL, 0, NULL);
	assert_int_equal(b.r, -1);
	assert_non_null(strstr(b.err, "missing school"));

	bind(&b, "SCHOOL ADD", NULL, 0, badphase, 3, NULL);
	assert_int_equal(b.r, -1);
	assert_non_null(strstr(b.err, "--phase: one of"));

	bind(&b, "LEVEL SET", notid, 2, NULL, 0, NULL);
	assert_int_equal(b.r, -1);
	assert_non_null(strstr(b.err, "school: not an id"));

	bind(&b, "CASE STAGE", extra, 4, NULL, 0, NULL);
	assert_int_equal(b.r, -1);
	assert_non_null(strstr(b.err, "too many operands, from \"more\""));
}

static bool
offers(char **v, const char *word)
{
	size_t	 i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		if (strcmp(v[i], word) == 0)
			return true;
	return false;
}

static void
test_complete(void **state)
{
	char	*none[] = { NULL };
	char	*school[] = { "school" };
	char	*add[] = { "school", "add", "--phase" };
	char	*risk[] = { "risk", "set", "3" };
	char	**v;

	v = shell_candidates(0, none, "sch");
	assert_true(offers(v, "school"));
	assert_true(offers(v, "schools"));
	assert_false(offers(v, "login"));
	shell_candidates_free(v);

	v = shell_candidates(1, school, "");
	assert_true(offers(v, "add"));
	assert_true(offers(v, "list"));
	assert_true(offers(v, "import"));
	shell_candidates_free(v);

	v = shell_candidates(3, add, "s");
	assert_true(offers(v, "secondary"));
	assert_true(offers(v, "special"));
	assert_false(offers(v, "primary"));
	shell_candidates_free(v);

	v = shell_candidates(3, risk, "--");
	assert_true(offers(v, "--area"));
	assert_true(offers(v, "--rating"));
	assert_true(offers(v, "--format"));
	shell_candidates_free(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve_words),
		cmocka_unit_test(test_resolve_aliases),
		cmocka_unit_test(test_resolve_refused),
		cmocka_unit_test(test_person_name),
		cmocka_unit_test(test_bind_options),
		cmocka_unit_test(test_bind_operands_in_order),
		cmocka_unit_test(test_bind_skips_given),
		cmocka_unit_test(test_bind_paging),
		cmocka_unit_test(test_bind_user_flag),
		cmocka_unit_test(test_bind_errors),
		cmocka_unit_test(test_complete),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
