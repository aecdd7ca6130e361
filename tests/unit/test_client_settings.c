/*
 * The client's settings: config text, environment, flags, and the order
 * in which they override each other.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "settings.h"

static char	tmpdir[] = "/tmp/scc-settings-XXXXXX";

static const char *env_vars[] = {
	"SCC_HOST", "SCC_PORT", "SCC_CA", "SCC_USER", "SCC_CONFIG",
	"XDG_CONFIG_HOME", "XDG_STATE_HOME",
};

static void
clear_env(void)
{
	size_t	 i;

	for (i = 0; i < sizeof(env_vars) / sizeof(env_vars[0]); i++)
		unsetenv(env_vars[i]);
	setenv("HOME", tmpdir, 1);
}

static int
setup(void **state)
{
	clear_env();
	return 0;
}

static int
parse(struct settings *s, const char *text, char *err, size_t errlen)
{
	settings_init(s);
	return settings_parse_config(s, text, strlen(text), "cfg", err, errlen);
}

static void
test_parse_basic(void **state)
{
	struct settings	 s;
	char		 err[SETTINGS_ERR_MAX];

	assert_int_equal(parse(&s,
	    "# scc settings\n"
	    "\n"
	    "host = sccd.example.org\n"
	    "port=7145\r\n"
	    "   ca   =   /etc/scc/ca.pem   \n"
	    "\t# indented comment\n"
	    "USER = Ann.Head\n", err, sizeof(err)), 0);
	assert_string_equal(s.host, "sccd.example.org");
	assert_string_equal(s.port, "7145");
	assert_string_equal(s.ca, "/etc/scc/ca.pem");
	assert_string_equal(s.user, "ann.head");
	assert_false(s.format_set);
	settings_free(&s);
}

static void
test_parse_quotes_and_last_wins(void **state)
{
	struct settings	 s;
	char		 err[SETTINGS_ERR_MAX];

	assert_int_equal(parse(&s,
	    "ca = \" /path with spaces/ca.pem \"\n"
	    "host = first\n"
	    "host = second\n"
	    "port = 0100", err, sizeof(err)), 0);
	assert_string_equal(s.ca, " /path with spaces/ca.pem ");
	assert_string_equal(s.host, "second");
	/* No final newline, and the port comes back in canonical form. */
	assert_string_equal(s.port, "100");
	settings_free(&s);
}

static void
test_parse_empty(void **state)
{
	struct settings	 s;
	char		 err[SETTINGS_ERR_MAX];

	assert_int_equal(parse(&s, "", err, sizeof(err)), 0);
	assert_null(s.host);
	assert_null(s.port);
	settings_free(&s);
}

static void
expect_error(const char *text, const char *message)
{
	struct settings	 s;
	char		 err[SETTINGS_ERR_MAX];

	assert_int_equal(parse(&s, text, err, sizeof(err)), -1);
	if (strstr(err, message) == NULL)
		fail_msg("\"%s\" does not contain \"%s\"", err, message);
	settings_free(&s);
}

static void
test_parse_errors(void **state)
{
	expect_error("host = a\n\nbogus = 1\n", "cfg:3: unknown setting");
	expect_error("port = 0\n", "cfg:1: port:");
	expect_error("port = 65536\n", "too large");
	expect_error("port = 80x\n", "invalid");
	expect_error("host a.example\n", "cfg:1: expected \"name = value\"");
	expect_error(" = value\n", "missing name");
	expect_error("host =\n", "host: missing value");
	expect_error("host = two words\n", "host: invalid character");
	expect_error("user = ann head\n", "user:");
	expect_error("format = xml\n", "format:");
}

static void
test_parse_nul(void **state)
{
	struct settings	 s;
	char		 err[SETTINGS_ERR_MAX];
	const char	 text[] = "host = a\nport = 1\0 2\n";

	settings_init(&s);
	assert_int_equal(settings_parse_config(&s, text, sizeof(text) - 1,
	    "cfg", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cfg:2: NUL"));
	settings_free(&s);
}

static void
test_set_values(void **state)
{
	struct settings	 s;
	char		 err[SETTINGS_ERR_MAX];

	settings_init(&s);
	assert_int_equal(settings_set(&s, "host", "[::1]", err, sizeof(err)), 0);
	assert_string_equal(s.host, "::1");
	assert_int_equal(settings_set(&s, "ca", "~/ca.pem", err, sizeof(err)), 0);
	assert_non_null(strstr(s.ca, tmpdir));
	assert_non_null(strstr(s.ca, "/ca.pem"));
	assert_int_equal(settings_set(&s, "format", "json", err, sizeof(err)), 0);
	assert_int_equal(s.format, FORMAT_JSON);
	assert_true(s.format_set);
	assert_int_equal(settings_set(&s, "format", "tsv", err, sizeof(err)), 0);
	assert_int_equal(s.format, FORMAT_TSV);
	assert_int_equal(settings_set(&s, "host", "", err, sizeof(err)), -1);
	assert_int_equal(settings_set(&s, "user", "", err, sizeof(err)), -1);
	assert_int_equal(settings_set(&s, "ca", "", err, sizeof(err)), -1);
	settings_free(&s);
}

static void
test_env(void **state)
{
	struct settings	 s;
	char		 err[SETTINGS_ERR_MAX];

	setenv("SCC_HOST", "env.example", 1);
	setenv("SCC_PORT", "", 1);		/* empty: ignored */
	setenv("SCC_USER", "Env.User", 1);
	settings_init(&s);
	assert_int_equal(settings_from_env(&s, err, sizeof(err)), 0);
	assert_string_equal(s.host, "env.example");
	assert_null(s.port);
	assert_string_equal(s.user, "env.user");
	settings_free(&s);

	setenv("SCC_PORT", "http", 1);
	settings_init(&s);
	assert_int_equal(settings_from_env(&s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "SCC_PORT: port:"));
	settings_free(&s);
}

static char *
write_file(const char *name, const char *text)
{
	char	*path;
	FILE	*fp;

	assert_int_not_equal(asprintf(&path, "%s/%s", tmpdir, name), -1);
	assert_non_null(fp = fopen(path, "w"));
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
	return path;
}

static void
test_resolve_defaults(void **state)
{
	struct settings	 flags, s;
	char		 err[SETTINGS_ERR_MAX];

	/* HOME has no .config/scc/config: only the built-in defaults. */
	settings_init(&flags);
	assert_int_equal(settings_resolve(&s, &flags, err, sizeof(err)), 0);
	assert_string_equal(s.host, "localhost");
	assert_string_equal(s.port, "7144");
	assert_null(s.ca);
	assert_null(s.user);
	assert_int_equal(s.format, FORMAT_TABLE);
	settings_free(&s);
}

static void
test_resolve_precedence(void **state)
{
	struct settings	 flags, s;
	char		 err[SETTINGS_ERR_MAX], *path;

	path = write_file("config",
	    "host = cfg.example\nport = 1111\nca = /cfg/ca.pem\nuser = cfg\n");
	setenv("SCC_CONFIG", path, 1);
	setenv("SCC_HOST", "env.example", 1);
	setenv("SCC_PORT", "2222", 1);
	settings_init(&flags);
	assert_int_equal(settings_set(&flags, "port", "3333", err,
	    sizeof(err)), 0);
	assert_int_equal(settings_set(&flags, "format", "json", err,
	    sizeof(err)), 0);

	assert_int_equal(settings_resolve(&s, &flags, err, sizeof(err)), 0);
	assert_string_equal(s.host, "env.example");	/* env over config */
	assert_string_equal(s.port, "3333");		/* flag over env */
	assert_string_equal(s.ca, "/cfg/ca.pem");	/* config over default */
	assert_string_equal(s.user, "cfg");
	assert_int_equal(s.format, FORMAT_JSON);
	settings_free(&s);
	settings_free(&flags);
	unlink(path);
	free(path);
}

static void
test_resolve_xdg_config(void **state)
{
	struct settings	 flags, s;
	char		 err[SETTINGS_ERR_MAX], *dir, *path;

	assert_int_not_equal(asprintf(&dir, "%s/xdg", tmpdir), -1);
	assert_int_equal(mkdir(dir, 0700), 0);
	setenv("XDG_CONFIG_HOME", dir, 1);
	free(dir);
	assert_int_not_equal(asprintf(&dir, "%s/xdg/scc", tmpdir), -1);
	assert_int_equal(mkdir(dir, 0700), 0);
	settings_init(&flags);
	path = write_file("xdg/scc/config", "host = xdg.example\n");
	assert_int_equal(settings_resolve(&s, &flags, err, sizeof(err)), 0);
	assert_string_equal(s.host, "xdg.example");
	settings_free(&s);
	free(path);

	/* A bad line stops everything, naming the file and the line. */
	path = write_file("xdg/scc/config", "host = x\nport = none\n");
	assert_int_equal(settings_resolve(&s, &flags, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "config:2: port:"));
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
	*strrchr(dir, '/') = '\0';
	assert_int_equal(rmdir(dir), 0);
	free(path);
	free(dir);
}

static void
test_resolve_named_missing(void **state)
{
	struct settings	 flags, s;
	char		 err[SETTINGS_ERR_MAX];

	setenv("SCC_CONFIG", "/nonexistent/scc.conf", 1);
	settings_init(&flags);
	assert_int_equal(settings_resolve(&s, &flags, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/scc.conf"));
}

static void
test_user_path(void **state)
{
	char	*path;

	setenv("XDG_STATE_HOME", "relative/dir", 1);	/* ignored: not absolute */
	path = settings_user_path("XDG_STATE_HOME", ".local/state", "f");
	assert_non_null(path);
	assert_non_null(strstr(path, "/.local/state/scc/f"));
	free(path);
	setenv("XDG_STATE_HOME", "/state", 1);
	path = settings_user_path("XDG_STATE_HOME", ".local/state", NULL);
	assert_string_equal(path, "/state/scc");
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_parse_basic, setup),
		cmocka_unit_test_setup(test_parse_quotes_and_last_wins, setup),
		cmocka_unit_test_setup(test_parse_empty, setup),
		cmocka_unit_test_setup(test_parse_errors, setup),
		cmocka_unit_test_setup(test_parse_nul, setup),
		cmocka_unit_test_setup(test_set_values, setup),
		cmocka_unit_test_setup(test_env, setup),
		cmocka_unit_test_setup(test_resolve_defaults, setup),
		cmocka_unit_test_setup(test_resolve_precedence, setup),
		cmocka_unit_test_setup(test_resolve_xdg_config, setup),
		cmocka_unit_test_setup(test_resolve_named_missing, setup),
		cmocka_unit_test_setup(test_user_path, setup),
	};
	int	 failed;

	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	failed = cmocka_run_group_tests(tests, NULL, NULL);
	/* Every test removes what it made, so the directory is empty now. */
	if (rmdir(tmpdir) == -1)
		perror(tmpdir);
	return failed;
}
