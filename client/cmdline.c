/*
 * Command-line options. Options may come before or after the command word
 * ("scc whoami --format json"), so one table holds them all and each
 * command checks the operands it is left with.
 */
#include <err.h>
#include <getopt.h>
#include <string.h>

#include "scc.h"

enum {
	OPT_CA = 256,
	OPT_FORMAT,
	OPT_ALL
};

static const struct option long_options[] = {
	{ "host",	required_argument,	NULL,	'H' },
	{ "port",	required_argument,	NULL,	'p' },
	{ "ca",		required_argument,	NULL,	OPT_CA },
	{ "user",	required_argument,	NULL,	'u' },
	{ "format",	required_argument,	NULL,	OPT_FORMAT },
	{ "all",	no_argument,		NULL,	OPT_ALL },
	{ "help",	no_argument,		NULL,	'h' },
	{ "version",	no_argument,		NULL,	'V' },
	{ NULL,		0,			NULL,	0 }
};

static int
set_flag(struct cmdline *cmd, const char *name, const char *value)
{
	char	 err[SETTINGS_ERR_MAX];

	if (settings_set(&cmd->flags, name, value, err, sizeof(err)) == -1) {
		warnx("%s", err);
		return -1;
	}
	return 0;
}

static int
one_option(struct cmdline *cmd, int ch)
{
	switch (ch) {
	case 'H':
		return set_flag(cmd, "host", optarg);
	case 'p':
		return set_flag(cmd, "port", optarg);
	case OPT_CA:
		return set_flag(cmd, "ca", optarg);
	case 'u':
		return set_flag(cmd, "user", optarg);
	case OPT_FORMAT:
		return set_flag(cmd, "format", optarg);
	case OPT_ALL:
		cmd->all = true;
		return 0;
	case 'h':
		cmd->help = true;
		return 0;
	case 'V':
		cmd->version = true;
		return 0;
	default:
		/* getopt_long() has said what was wrong. */
		return -1;
	}
}

int
cmdline_parse(struct cmdline *cmd, int argc, char **argv)
{
	int	 ch;

	memset(cmd, 0, sizeof(*cmd));
	settings_init(&cmd->flags);
	/* 0, not 1: glibc then starts afresh (the shell parses many lines). */
	optind = 0;
	while ((ch = getopt_long(argc, argv, "H:p:u:hV", long_options,
	    NULL)) != -1) {
		if (one_option(cmd, ch) == -1) {
			settings_free(&cmd->flags);
			return -1;
		}
	}
	cmd->argc = argc - optind;
	cmd->argv = argv + optind;
	return 0;
}

void
cmdline_free(struct cmdline *cmd)
{
	settings_free(&cmd->flags);
}
