/*
 * Command-line options. Options may come before or after the command words
 * ("scc whoami --format json"). The options of scc itself are in one table;
 * any other "--name value" belongs to the command (its arguments come from
 * the protocol's command table), so it is kept for the command to judge.
 * Every such option takes a value: there is no way to tell "--flag word"
 * from "--name value" otherwise.
 */
#include <ctype.h>
#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "scc.h"

struct global_option {
	const char	*name;		/* long name */
	char		 letter;	/* short name, or 0 */
	bool		 value;		/* takes a value */
};

static const struct global_option global_options[] = {
	{ "host",	'H',	true },
	{ "port",	'p',	true },
	{ "ca",		0,	true },
	{ "user",	'u',	true },
	{ "format",	0,	true },
	{ "all",	0,	false },
	{ "output",	'o',	true },
	{ "help",	'h',	false },
	{ "version",	'V',	false },
};
#define NGLOBAL	(sizeof(global_options) / sizeof(global_options[0]))

static const struct global_option *
global_long(const char *name, size_t len)
{
	size_t	 i;

	for (i = 0; i < NGLOBAL; i++)
		if (strlen(global_options[i].name) == len &&
		    strncmp(global_options[i].name, name, len) == 0)
			return &global_options[i];
	return NULL;
}

static const struct global_option *
global_short(char letter)
{
	size_t	 i;

	for (i = 0; i < NGLOBAL; i++)
		if (global_options[i].letter == letter)
			return &global_options[i];
	return NULL;
}

static int
set_global(struct cmdline *cmd, const struct global_option *o,
    const char *value)
{
	char	 err[SETTINGS_ERR_MAX];

	if (strcmp(o->name, "all") == 0)
		cmd->all = true;
	else if (strcmp(o->name, "output") == 0)
		cmd->output = value;
	else if (strcmp(o->name, "help") == 0)
		cmd->help = true;
	else if (strcmp(o->name, "version") == 0)
		cmd->version = true;
	else if (settings_set(&cmd->flags, o->name, value, err,
	    sizeof(err)) == -1) {
		warnx("%s", err);
		return -1;
	} else if (strcmp(o->name, "user") == 0)
		cmd->user_arg = value;
	return 0;
}

/* "--link-partner" is taken for "--link_partner": names are typed by people. */
static int
add_command_option(struct cmdline *cmd, const char *name, size_t len,
    const char *value)
{
	struct cmdopt	*grown;
	char		*copy;
	size_t		 i;

	if ((copy = strndup(name, len)) == NULL) {
		warnx("out of memory");
		return -1;
	}
	for (i = 0; copy[i] != '\0'; i++)
		copy[i] = copy[i] == '-' ? '_' :
		    (char)tolower((unsigned char)copy[i]);
	grown = reallocarray(cmd->opts, cmd->nopts + 1, sizeof(*grown));
	if (grown == NULL) {
		free(copy);
		warnx("out of memory");
		return -1;
	}
	cmd->opts = grown;
	cmd->opts[cmd->nopts].name = copy;
	cmd->opts[cmd->nopts].value = value;
	cmd->nopts++;
	return 0;
}

static bool	is_option(const char *);

/* "--name", "--name=value" or "--name value"; *i moves past what was used. */
static int
long_option(struct cmdline *cmd, int argc, char **argv, int *i)
{
	const struct global_option	*o;
	const char			*name = argv[*i] + 2, *eq, *value;
	size_t				 len;

	eq = strchr(name, '=');
	len = eq != NULL ? (size_t)(eq - name) : strlen(name);
	o = global_long(name, len);
	/*
	 * After a command word, --version is the command's own argument
	 * (MINUTES DRAFT's version=), not a request for scc's version.
	 */
	if (o != NULL && strcmp(o->name, "version") == 0 && cmd->argc > 0)
		o = NULL;
	if (o != NULL && !o->value) {
		if (eq != NULL) {
			warnx("--%s takes no value", o->name);
			return -1;
		}
		return set_global(cmd, o, NULL);
	}
	if (eq != NULL)
		value = eq + 1;
	else if (*i + 1 < argc && (o != NULL || !is_option(argv[*i + 1])))
		value = argv[++*i];
	else if (o == NULL)
		value = NULL;	/* a command's flag: its yes/no (gen_bind.c) */
	else {
		warnx("--%.*s needs a value", (int)len, name);
		return -1;
	}
	if (o != NULL)
		return set_global(cmd, o, value);
	if (len == 0) {
		warnx("an option needs a name before \"=\"");
		return -1;
	}
	return add_command_option(cmd, name, len, value);
}

/* "-h", "-Hhost" or "-H host". */
static int
short_option(struct cmdline *cmd, int argc, char **argv, int *i)
{
	const struct global_option	*o;
	const char			*arg = argv[*i];

	if ((o = global_short(arg[1])) == NULL) {
		warnx("unknown option %s", arg);
		return -1;
	}
	if (!o->value) {
		if (arg[2] != '\0') {
			warnx("unknown option %s", arg);
			return -1;
		}
		return set_global(cmd, o, NULL);
	}
	if (arg[2] != '\0')
		return set_global(cmd, o, arg + 2);
	if (*i + 1 >= argc) {
		warnx("-%c needs a value", arg[1]);
		return -1;
	}
	return set_global(cmd, o, argv[++*i]);
}

/* "-", "-5" and everything after "--" are operands. */
static bool
is_option(const char *arg)
{
	return arg[0] == '-' && arg[1] != '\0' &&
	    !isdigit((unsigned char)arg[1]);
}

static int
parse_words(struct cmdline *cmd, int argc, char **argv)
{
	bool	 options = true;
	int	 i, r;

	for (i = 1; i < argc; i++) {
		if (options && strcmp(argv[i], "--") == 0) {
			options = false;
			continue;
		}
		if (!options || !is_option(argv[i])) {
			cmd->argv[cmd->argc++] = argv[i];
			continue;
		}
		if (argv[i][1] == '-')
			r = long_option(cmd, argc, argv, &i);
		else
			r = short_option(cmd, argc, argv, &i);
		if (r == -1)
			return -1;
	}
	cmd->argv[cmd->argc] = NULL;
	return 0;
}

int
cmdline_parse(struct cmdline *cmd, int argc, char **argv)
{
	memset(cmd, 0, sizeof(*cmd));
	settings_init(&cmd->flags);
	if ((cmd->argv = calloc(argc + 1, sizeof(*cmd->argv))) == NULL) {
		warnx("out of memory");
		return -1;
	}
	if (parse_words(cmd, argc, argv) == -1) {
		cmdline_free(cmd);
		return -1;
	}
	return 0;
}

void
cmdline_free(struct cmdline *cmd)
{
	size_t	 i;

	for (i = 0; i < cmd->nopts; i++)
		free(cmd->opts[i].name);
	free(cmd->opts);
	free(cmd->argv);
	settings_free(&cmd->flags);
	memset(cmd, 0, sizeof(*cmd));
	settings_init(&cmd->flags);
}
