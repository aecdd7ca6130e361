/* Command lookup, argument binding and the type checks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "scp.h"
#include "scp_cmd.h"

static struct scp_parser	*parser;

/* Parse one request line (literals accepted as text). */
static const struct scp_request *
req(const char *line)
{
	enum scp_result	 r;
	size_t		 used, off = 0, len = strlen(line);

	scp_parser_free(parser);
	parser = scp_parser_new(NULL);
	assert_non_null(parser);
	for (;;) {
		r = scp_parse(parser, line + off, len - off, &used);
		off += used;
		if (r == SCP_LITERAL) {
			scp_parser_accept(parser, SCP_LIT_TEXT);
			continue;
		}
		assert_int_equal(r, SCP_REQUEST);
		return scp_parser_request(parser);
	}
}

static void
test_lookup(void **state)
{
	const struct scp_cmd	*cmd;
	size_t			 words = 0, i;
	char			 line[128];

	(void)state;
	cmd = scp_cmd_lookup(req("a1 LOGIN x y\r\n"), &words);
	assert_non_null(cmd);
	assert_string_equal(cmd->name, "LOGIN");
	assert_int_equal(words, 1);
	cmd = scp_cmd_lookup(req("a1 lOgOuT all\r\n"), &words);
	assert_string_equal(cmd->name, "LOGOUT");
	assert_int_equal(words, 1);
	assert_null(scp_cmd_lookup(req("a1 FROBNICATE now\r\n"), &words));
	assert_null(scp_cmd_lookup(req("a1 LOGINX\r\n"), &words));
	assert_null(scp_cmd_lookup(req("a1 LOG\r\n"), &words));
	assert_string_equal(scp_cmd_byname("login")->name, "LOGIN");
	assert_string_equal(scp_cmd_byname("WhoAmI")->name, "WHOAMI");
	assert_null(scp_cmd_byname("login x"));
	assert_null(scp_cmd_byname(""));
	/* Every command of the table is found by its own name, in any case. */
	for (i = 0; i < scp_ncommands; i++) {
		snprintf(line, sizeof(line), "t %s\r\n", scp_commands[i].name);
		cmd = scp_cmd_lookup(req(line), &words);
		assert_ptr_equal(cmd, &scp_commands[i]);
		assert_int_equal(words, strchr(cmd->name, ' ') ? 2 : 1);
		assert_ptr_equal(scp_cmd_byname(scp_commands[i].name), cmd);
		/* A second word given quoted does not name a command. */
		if (strchr(cmd->name, ' ') != NULL) {
			snprintf(line, sizeof(line), "t %.*s \"%s\"\r\n",
			    (int)(strchr(cmd->name, ' ') - cmd->name),
			    cmd->name, strchr(cmd->name, ' ') + 1);
			assert_ptr_not_equal(scp_cmd_lookup(req(line), &words),
			    cmd);
		}
	}
}

/* Command words must be bare atoms in the first positions. */
static void
test_lookup_words(void **state)
{
	struct scp_item		 items[2];
	struct scp_request	 r = { "t", 1, items };
	size_t			 words;

	(void)state;
	memset(items, 0, sizeof(items));
	items[0].value = "NOOP";
	items[0].len = 4;
	assert_non_null(scp_cmd_lookup(&r, &words));
	items[0].quoted = 1;
	assert_null(scp_cmd_lookup(&r, &words));
	items[0].quoted = 0;
	items[0].literal = 1;
	assert_null(scp_cmd_lookup(&r, &words));
	items[0].literal = 0;
	items[0].name = "x";
	assert_null(scp_cmd_lookup(&r, &words));
	r.nitems = 0;
	assert_null(scp_cmd_lookup(&r, &words));
}

static int
bind(const char *line, const struct scp_item **out, const char **bad,
    char *err, size_t errlen)
{
	const struct scp_request	*r = req(line);
	const struct scp_cmd		*cmd;
	enum scp_code			 code;
	size_t				 words;
	int				 rc;

	cmd = scp_cmd_lookup(r, &words);
	assert_non_null(cmd);
	rc = scp_cmd_bind(cmd, r, words, out, bad, &code, err, errlen);
	if (rc == -1) {
		assert_int_equal(code, SCP_CODE_INVALID);
		assert_true(err[0] != '\0');
	}
	return rc;
}

static void
test_bind_session(void **state)
{
	const struct scp_item	*out[4];
	const char		*bad;
	char			 err[128];

	(void)state;
	assert_int_equal(bind("a1 LOGIN head.oakfield \"correct horse\"\r\n",
	    out, &bad, err, sizeof(err)), 0);
	assert_string_equal(out[0]->value, "head.oakfield");
	assert_string_equal(out[1]->value, "correct horse");
	assert_int_equal(bind("a1 LOGIN u {3}\r\np w\r\n", out, &bad, err,
	    sizeof(err)), 0);
	assert_string_equal(out[1]->value, "p w");

	assert_int_equal(bind("a1 LOGIN head.oakfield\r\n", out, &bad, err,
	    sizeof(err)), -1);
	assert_string_equal(bad, "password");
	assert_int_equal(bind("a1 LOGIN a b c\r\n", out, &bad, err,
	    sizeof(err)), -1);
	assert_null(bad);
	assert_int_equal(bind("a1 LOGIN a b colour=blue\r\n", out, &bad, err,
	    sizeof(err)), -1);
	assert_string_equal(bad, "colour");
	assert_int_equal(bind("a1 LOGIN Head.Oakfield pw\r\n", out, &bad, err,
	    sizeof(err)), -1);
	assert_string_equal(bad, "user");
	assert_int_equal(bind("a1 LOGIN u \"\"\r\n", out, &bad, err,
	    sizeof(err)), -1);
	assert_string_equal(bad, "password");

	assert_int_equal(bind("a1 LOGOUT\r\n", out, &bad, err, sizeof(err)), 0);
	assert_null(out[0]);
	assert_int_equal(bind("a1 LOGOUT all\r\n", out, &bad, err,
	    sizeof(err)), 0);
	assert_string_equal(out[0]->value, "all");
	assert_int_equal(bind("a1 LOGOUT ALL\r\n", out, &bad, err,
	    sizeof(err)), 0);
	assert_int_equal(bind("a1 LOGOUT some\r\n", out, &bad, err,
	    sizeof(err)), -1);
	assert_string_equal(bad, "scope");
	assert_int_equal(bind("a1 NOOP x\r\n", out, &bad, err, sizeof(err)),
	    -1);
	assert_int_equal(bind("a1 NOOP\r\n", out, &bad, err, sizeof(err)), 0);

	assert_int_equal(bind("a1 RESUME "
	    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\r\n", out, &bad, err,
	    sizeof(err)), 0);
	assert_int_equal(bind("a1 RESUME not-a-token\r\n", out, &bad, err,
	    sizeof(err)), -1);
	assert_string_equal(bad, "token");
}

/* A command of our own, to reach the named-argument paths. */
static const struct scp_argdef test_args[] = {
	{ "case",	SCP_T_ID,	SCP_ARG_REQUIRED | SCP_ARG_POSITIONAL, NULL },
	{ "stage",	SCP_T_ENUM,	SCP_ARG_REQUIRED, "review|closed" },
	{ "reason",	SCP_T_TEXT,	0,	NULL },
	{ "data",	SCP_T_BYTES,	0,	NULL },
};
static const struct scp_cmd test_cmd = {
	"CASE STAGE", 0, SCP_ROLES_ALL,
	"test", test_args, 4, "CASE"
};

static int
bind_test(const char *line, const struct scp_item **out, const char **bad)
{
	enum scp_code	 code;
	char		 err[128];

	return scp_cmd_bind(&test_cmd, req(line), 2, out, bad, &code, err,
	    sizeof(err));
}

static void
test_bind_named(void **state)
{
	const struct scp_item	*out[4];
	const char		*bad;

	(void)state;
	assert_int_equal(bind_test("a CASE STAGE 7 stage=Review\r\n", out,
	    &bad), 0);
	assert_string_equal(out[0]->value, "7");
	assert_string_equal(out[1]->value, "Review");
	assert_null(out[2]);
	assert_int_equal(bind_test("a CASE STAGE STAGE=closed REASON=\"x y\" 7"
	    "\r\n", out, &bad), 0);
	assert_string_equal(out[2]->value, "x y");
	assert_int_equal(bind_test("a CASE STAGE 7 stage=closed stage=review"
	    "\r\n", out, &bad), -1);
	assert_string_equal(bad, "stage");
	assert_int_equal(bind_test("a CASE STAGE 7\r\n", out, &bad), -1);
	assert_string_equal(bad, "stage");
	assert_int_equal(bind_test("a CASE STAGE stage=closed\r\n", out, &bad),
	    -1);
	assert_string_equal(bad, "case");
	assert_int_equal(bind_test("a CASE STAGE 07 stage=closed\r\n", out,
	    &bad), -1);
	assert_string_equal(bad, "case");
	/* A positional argument cannot be given by name. */
	assert_int_equal(bind_test("a CASE STAGE case=7 stage=closed\r\n", out,
	    &bad), -1);
	assert_string_equal(bad, "case");
	/* Bytes must arrive as a literal. */
	assert_int_equal(bind_test("a CASE STAGE 7 stage=closed data=x\r\n",
	    out, &bad), -1);
	assert_string_equal(bad, "data");
	assert_int_equal(bind_test("a CASE STAGE 7 stage=closed data={1}\r\n"
	    "x\r\n", out, &bad), 0);
	assert_true(out[3]->literal);
}

struct tcase {
	enum scp_type	 type;
	const char	*value;
	int		 ok;
};

static const struct tcase type_cases[] = {
	{ SCP_T_ID, "1", 1 },
	{ SCP_T_ID, "42", 1 },
	{ SCP_T_ID, "9223372036854775807", 1 },
	{ SCP_T_ID, "9223372036854775808", 0 },
	{ SCP_T_ID, "10000000000000000000", 0 },
	{ SCP_T_ID, "0", 0 },
	{ SCP_T_ID, "007", 0 },
	{ SCP_T_ID, "-1", 0 },
	{ SCP_T_ID, "+1", 0 },
	{ SCP_T_ID, "", 0 },
	{ SCP_T_ID, "1a", 0 },
	{ SCP_T_ID, " 1", 0 },
	{ SCP_T_INT, "0", 1 },
	{ SCP_T_INT, "-1", 1 },
	{ SCP_T_INT, "9223372036854775807", 1 },
	{ SCP_T_INT, "-9223372036854775808", 1 },
	{ SCP_T_INT, "9223372036854775808", 0 },
	{ SCP_T_INT, "-9223372036854775809", 0 },
	{ SCP_T_INT, "-0", 0 },
	{ SCP_T_INT, "-", 0 },
	{ SCP_T_INT, "01", 0 },
	{ SCP_T_INT, "+5", 0 },
	{ SCP_T_DATE, "2026-11-22", 1 },
	{ SCP_T_DATE, "2024-02-29", 1 },
	{ SCP_T_DATE, "2000-02-29", 1 },
	{ SCP_T_DATE, "1900-02-29", 0 },
	{ SCP_T_DATE, "2026-02-29", 0 },
	{ SCP_T_DATE, "2026-04-31", 0 },
	{ SCP_T_DATE, "2026-12-31", 1 },
	{ SCP_T_DATE, "2026-13-01", 0 },
	{ SCP_T_DATE, "2026-00-10", 0 },
	{ SCP_T_DATE, "2026-01-00", 0 },
	{ SCP_T_DATE, "0000-01-01", 0 },
	{ SCP_T_DATE, "2026-1-22", 0 },
	{ SCP_T_DATE, "2026/11/22", 0 },
	{ SCP_T_DATE, "2026-11-22T", 0 },
	{ SCP_T_DATE, "20261122", 0 },
	{ SCP_T_TIME, "2026-11-22T14:00:00Z", 1 },
	{ SCP_T_TIME, "2026-11-22T14:00Z", 1 },
	{ SCP_T_TIME, "2026-11-22t14:00:00z", 1 },
	{ SCP_T_TIME, "2026-11-22T14:00:00.123456Z", 1 },
	{ SCP_T_TIME, "2026-11-22T14:00:00+01:00", 1 },
	{ SCP_T_TIME, "2026-11-22T23:59:59-05:30", 1 },
	{ SCP_T_TIME, "2026-11-22T14:00:00+14:00", 1 },
	{ SCP_T_TIME, "2026-11-22T14:00:00+15:00", 0 },
	{ SCP_T_TIME, "2026-11-22T14:00:00", 0 },
	{ SCP_T_TIME, "2026-11-22 14:00:00Z", 0 },
	{ SCP_T_TIME, "2026-11-22T24:00:00Z", 0 },
	{ SCP_T_TIME, "2026-11-22T14:60:00Z", 0 },
	{ SCP_T_TIME, "2026-11-22T14:00:60Z", 0 },
	{ SCP_T_TIME, "2026-11-22T14:00:00.Z", 0 },
	{ SCP_T_TIME, "2026-11-22T14:00:00+0100", 0 },
	{ SCP_T_TIME, "2026-11-22T14:00:00+01", 0 },
	{ SCP_T_TIME, "2026-11-22T14:00:00Zx", 0 },
	{ SCP_T_TIME, "2026-02-30T14:00:00Z", 0 },
	{ SCP_T_TIME, "2026-11-22", 0 },
	{ SCP_T_LOGIN, "head.oakfield", 1 },
	{ SCP_T_LOGIN, "a", 1 },
	{ SCP_T_LOGIN, "a_b-c.9", 1 },
	{ SCP_T_LOGIN, "Head.Oakfield", 0 },
	{ SCP_T_LOGIN, "", 0 },
	{ SCP_T_LOGIN, "a b", 0 },
	{ SCP_T_LOGIN, "caf\xc3\xa9", 0 },
	{ SCP_T_LOGIN, "a@b", 0 },
	{ SCP_T_LOGIN, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 1 },
	{ SCP_T_LOGIN, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 0 },
	{ SCP_T_TOKEN, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", 1 },
	{ SCP_T_TOKEN, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9", 0 },
	{ SCP_T_TOKEN, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh", 0 },
	{ SCP_T_TOKEN, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", 0 },
	{ SCP_T_SECRET, "x", 1 },
	{ SCP_T_SECRET, "correct horse battery", 1 },
	{ SCP_T_SECRET, "", 0 },
	{ SCP_T_SECRET, "\xc0\xaf", 0 },
	{ SCP_T_TEXT, "", 1 },
	{ SCP_T_TEXT, "any text \xe4\xb8\xad\n", 1 },
	{ SCP_T_TEXT, "\xed\xa0\x80", 0 },
	{ SCP_T_ATOM, "application/pdf", 1 },
	{ SCP_T_ENUM, "on", 1 },
	{ SCP_T_ENUM, "OFF", 1 },
	{ SCP_T_ENUM, "o", 0 },
	{ SCP_T_ENUM, "onoff", 0 },
	{ SCP_T_ENUM, "on|off", 0 },
	{ SCP_T_ENUM, "", 0 },
};

static int
check(enum scp_type type, const char *choices, const char *v, size_t len,
    bool literal)
{
	struct scp_argdef	 def = { "arg", type, 0, choices };
	struct scp_item		 it;
	char			 err[128];
	int			 rc;

	memset(&it, 0, sizeof(it));
	it.value = (char *)v;
	it.len = len;
	it.literal = literal;
	err[0] = '\0';
	rc = scp_type_check(&def, &it, err, sizeof(err));
	if (rc == -1)
		assert_non_null(strstr(err, "arg"));
	return rc;
}

static void
test_types(void **state)
{
	const struct tcase	*c;
	char			 big[1100];
	size_t			 i;
	int			 rc;

	(void)state;
	for (i = 0; i < sizeof(type_cases) / sizeof(type_cases[0]); i++) {
		c = &type_cases[i];
		rc = check(c->type, "on|off", c->value, strlen(c->value),
		    false);
		if (rc != (c->ok ? 0 : -1)) {
			print_error("type %d value \"%s\": got %d\n",
			    c->type, c->value, rc);
			fail();
		}
	}
	memset(big, 'a', sizeof(big));
	assert_int_equal(check(SCP_T_ATOM, NULL, big, 256, false), 0);
	assert_int_equal(check(SCP_T_ATOM, NULL, big, 257, false), -1);
	assert_int_equal(check(SCP_T_SECRET, NULL, big, 1024, false), 0);
	assert_int_equal(check(SCP_T_SECRET, NULL, big, 1025, false), -1);
	assert_int_equal(check(SCP_T_TEXT, NULL, big, sizeof(big), false), 0);
	/* NUL never passes as text, whatever the type. */
	assert_int_equal(check(SCP_T_TEXT, NULL, "a\0b", 3, true), -1);
	assert_int_equal(check(SCP_T_SECRET, NULL, "a\0b", 3, true), -1);
	assert_int_equal(check(SCP_T_ATOM, NULL, "a\0b", 3, true), -1);
	assert_int_equal(check(SCP_T_ID, NULL, "1\0", 2, true), -1);
	/* Bytes: only as a literal, and may hold anything. */
	assert_int_equal(check(SCP_T_BYTES, NULL, "a\0\xff", 3, true), 0);
	assert_int_equal(check(SCP_T_BYTES, NULL, "abc", 3, false), -1);
	/* A streamed item is only good as bytes. */
	assert_int_equal(check(SCP_T_TEXT, NULL, NULL, 10, true), -1);
	assert_int_equal(check(SCP_T_ENUM, NULL, "x", 1, false), -1);
}

static void
test_roles(void **state)
{
	(void)state;
	assert_int_equal(scp_role_from_name("lead_officer"),
	    SCP_ROLE_LEAD_OFFICER);
	assert_int_equal(scp_role_from_name("link_partner"),
	    SCP_ROLE_LINK_PARTNER);
	assert_int_equal(scp_role_from_name("headteacher"),
	    SCP_ROLE_HEADTEACHER);
	assert_int_equal(scp_role_from_name("governor"), SCP_ROLE_GOVERNOR);
	assert_int_equal(scp_role_from_name("admin"), 0);
	assert_int_equal(scp_role_from_name(NULL), 0);
	assert_string_equal(scp_role_name(SCP_ROLE_GOVERNOR), "governor");
	assert_null(scp_role_name(0));
	assert_null(scp_role_name(SCP_ROLE_GOVERNOR | SCP_ROLE_HEADTEACHER));
}

static int
teardown(void **state)
{
	(void)state;
	scp_parser_free(parser);
	parser = NULL;
	return 0;
}

/*
 * The most a literal for each argument may announce: sccd refuses a bigger
 * one before "+ OK". Every value that passes the type check must fit, or a
 * literal accepted on the wire would be refused afterwards.
 */
static void
test_arg_max(void **state)
{
	static const struct scp_argdef defs[] = {
		{ "a", SCP_T_ATOM, 0, NULL },
		{ "t", SCP_T_TEXT, 0, NULL },
		{ "i", SCP_T_ID, 0, NULL },
		{ "n", SCP_T_INT, 0, NULL },
		{ "d", SCP_T_DATE, 0, NULL },
		{ "w", SCP_T_TIME, 0, NULL },
		{ "e", SCP_T_ENUM, 0, "on|off|sometimes" },
		{ "l", SCP_T_LOGIN, 0, NULL },
		{ "k", SCP_T_TOKEN, 0, NULL },
		{ "s", SCP_T_SECRET, 0, NULL },
		{ "b", SCP_T_BYTES, 0, NULL },
	};
	static const struct {
		size_t		 def;
		const char	*longest;	/* a longest value that passes */
	} fits[] = {
		{ 2, "9223372036854775807" },
		{ 3, "-9223372036854775808" },
		{ 4, "2026-11-28" },
		{ 5, "2026-11-28T21:59:59.123456789+05:30" },
		{ 6, "sometimes" },
	};
	struct scp_limits	 lim;
	struct scp_item		 it;
	char			 err[128];
	size_t			 i;

	(void)state;
	scp_limits_default(&lim);
	assert_int_equal(scp_arg_max(&defs[0], &lim), 256);
	assert_int_equal(scp_arg_max(&defs[1], &lim), lim.text_max);
	assert_int_equal(scp_arg_max(&defs[6], &lim), strlen("sometimes"));
	assert_int_equal(scp_arg_max(&defs[7], &lim), 64);
	assert_int_equal(scp_arg_max(&defs[8], &lim), SCP_TOKEN_LEN);
	assert_int_equal(scp_arg_max(&defs[9], &lim), 1024);
	/* A document is limited by the document limit, not the text one. */
	assert_int_equal(scp_arg_max(&defs[10], &lim), lim.doc_max);
	assert_true(scp_arg_max(&defs[10], &lim) > lim.text_max);
	for (i = 0; i < sizeof(fits) / sizeof(fits[0]); i++) {
		memset(&it, 0, sizeof(it));
		it.value = (char *)(uintptr_t)fits[i].longest;
		it.len = strlen(fits[i].longest);
		assert_int_equal(scp_type_check(&defs[fits[i].def], &it, err,
		    sizeof(err)), 0);
		assert_true(it.len <= scp_arg_max(&defs[fits[i].def], &lim));
	}
}

/*
 * The table's own rules: a listing ends with limit= and after= (the api
 * function takes them last), nothing else has them, every command that is
 * not a session command is for at least one role, and names are unique.
 */
static void
test_table(void **state)
{
	const struct scp_cmd	*cmd;
	size_t			 i, j, n;
	bool			 paging;

	(void)state;
	for (i = 0; i < scp_ncommands; i++) {
		cmd = &scp_commands[i];
		n = cmd->nargs;
		paging = n >= 2 &&
		    strcmp(cmd->args[n - 2].name, "limit") == 0 &&
		    cmd->args[n - 2].type == SCP_T_INT &&
		    strcmp(cmd->args[n - 1].name, "after") == 0 &&
		    cmd->args[n - 1].type == SCP_T_ID;
		if (paging != ((cmd->flags & SCP_CMD_PAGED) != 0))
			fail_msg("%s: a listing, and only a listing, ends with "
			    "limit= and after=", cmd->name);
		for (j = 0; j < n; j++)
			if (!(cmd->args[j].flags & SCP_ARG_POSITIONAL) &&
			    (cmd->args[j].flags & SCP_ARG_REQUIRED) &&
			    paging && j >= n - 2)
				fail_msg("%s: paging arguments are optional",
				    cmd->name);
		assert_true(cmd->roles != 0);
		assert_non_null(cmd->help);
		/* A listing's client needs its record type to head no rows. */
		if (paging)
			assert_non_null(cmd->record);
		for (j = 0; j < i; j++)
			if (strcmp(scp_commands[j].name, cmd->name) == 0)
				fail_msg("%s is in the table twice", cmd->name);
	}
	cmd = scp_cmd_byname("school list");
	assert_non_null(cmd);
	assert_true(cmd->flags & SCP_CMD_PAGED);
	assert_false(scp_cmd_byname("school show")->flags & SCP_CMD_PAGED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_lookup_words),
		cmocka_unit_test(test_bind_session),
		cmocka_unit_test(test_bind_named),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_arg_max),
		cmocka_unit_test(test_table),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
