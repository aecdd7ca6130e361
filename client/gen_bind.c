/*
 * A generated command's arguments, from --name options and operands, all
 * checked against the command table before a connection is opened: a
 * mistyped command costs no round trip and says exactly what was wrong.
 */
#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gen.h"
#include "scc.h"

static bool
is_paging(const struct scp_cmd *c, size_t i)
{
	/* The table's promise: a listing's last two are limit= and after=. */
	return (c->flags & SCP_CMD_PAGED) && c->nargs >= 2 && i >= c->nargs - 2;
}

const char *
gen_type_word(const struct scp_argdef *a)
{
	switch (a->type) {
	case SCP_T_ATOM:	return "WORD";
	case SCP_T_TEXT:	return "TEXT";
	case SCP_T_ID:		return "ID";
	case SCP_T_INT:		return "N";
	case SCP_T_DATE:	return "YYYY-MM-DD";
	case SCP_T_TIME:	return "TIME";
	case SCP_T_ENUM:	return a->choices != NULL ? a->choices : "WORD";
	case SCP_T_LOGIN:	return "LOGIN";
	case SCP_T_TOKEN:	return "TOKEN";
	case SCP_T_SECRET:	return "PASSWORD";
	case SCP_T_BYTES:	return "FILE";
	}
	return "VALUE";
}

static ssize_t
arg_index(const struct scp_cmd *c, const char *name)
{
	size_t	 i;

	for (i = 0; i < c->nargs; i++)
		if (strcasecmp(c->args[i].name, name) == 0)
			return (ssize_t)i;
	return -1;
}

/* "--urn, --name, --phase, --ofsted" for an error message. */
static void
names_of(const struct scp_cmd *c, char *buf, size_t len)
{
	size_t	 i, used = 0;
	int	 n;

	buf[0] = '\0';
	for (i = 0; i < c->nargs && used < len; i++) {
		n = snprintf(buf + used, len - used, "%s--%s", i > 0 ? ", " : "",
		    c->args[i].name);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	if (c->nargs == 0)
		snprintf(buf, len, "nothing");
}

static int
set_named(struct gen_args *ga, const char *name, const char *value,
    char *err, size_t errlen)
{
	char	 names[256];
	ssize_t	 k;

	if ((k = arg_index(ga->cmd, name)) == -1) {
		names_of(ga->cmd, names, sizeof(names));
		snprintf(err, errlen, "no option --%.64s; it takes %s", name,
		    names);
		return -1;
	}
	if (ga->values[k] != NULL) {
		snprintf(err, errlen, "--%s given twice", ga->cmd->args[k].name);
		return -1;
	}
	/* A yes/no option given alone is a yes: scc actions --mine --overdue. */
	if (value == NULL && ga->cmd->args[k].type == SCP_T_ENUM &&
	    ga->cmd->args[k].choices != NULL &&
	    strcmp(ga->cmd->args[k].choices, "yes|no") == 0)
		value = "yes";
	if (value == NULL) {
		snprintf(err, errlen, "--%s needs a value",
		    ga->cmd->args[k].name);
		return -1;
	}
	ga->values[k] = value;
	return 0;
}

/* The next argument an operand fills, or -1 when none is left. */
static ssize_t
next_free(const struct gen_args *ga)
{
	const struct scp_cmd	*c = ga->cmd;
	size_t			 i;
	int			 pass;

	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < c->nargs; i++) {
			if (ga->values[i] != NULL || is_paging(c, i))
				continue;
			if (((c->args[i].flags & SCP_ARG_POSITIONAL) != 0) ==
			    (pass == 0))
				return (ssize_t)i;
		}
	return -1;
}

static int
fill_operands(struct gen_args *ga, int argc, char *const *operands,
    char *err, size_t errlen)
{
	ssize_t	 k;
	int	 i;

	for (i = 0; i < argc; i++) {
		if ((k = next_free(ga)) == -1) {
			snprintf(err, errlen, "too many operands, from \"%.64s\"",
			    operands[i]);
			return -1;
		}
		ga->values[k] = operands[i];
	}
	return 0;
}

static int
check_values(struct gen_args *ga, char *err, size_t errlen)
{
	const struct scp_argdef	*a;
	struct scp_item		 it;
	char			 why[GEN_ERR_MAX];
	size_t			 i;

	for (i = 0; i < ga->cmd->nargs; i++) {
		a = &ga->cmd->args[i];
		if (ga->values[i] == NULL) {
			if (!(a->flags & SCP_ARG_REQUIRED))
				continue;
			if (a->flags & SCP_ARG_POSITIONAL)
				snprintf(err, errlen, "missing %s (%s)", a->name,
				    gen_type_word(a));
			else
				snprintf(err, errlen, "missing --%s %s", a->name,
				    gen_type_word(a));
			return -1;
		}
		memset(&it, 0, sizeof(it));
		it.value = (char *)ga->values[i];
		it.len = strlen(ga->values[i]);
		if (scp_type_check(a, &it, why, sizeof(why)) == -1) {
			/* "phase: one of ..." says --phase to a person. */
			snprintf(err, errlen, "%s%s", a->flags &
			    SCP_ARG_POSITIONAL ? "" : "--", why);
			return -1;
		}
		if (is_paging(ga->cmd, i))
			ga->paging = true;
	}
	return 0;
}

int
gen_bind(const struct scp_cmd *c, int argc, char *const *operands,
    const struct cmdopt *opts, size_t nopts, const char *user_flag,
    struct gen_args *ga, char *err, size_t errlen)
{
	size_t	 i;

	memset(ga, 0, sizeof(*ga));
	ga->cmd = c;
	if ((ga->values = calloc(c->nargs + 1, sizeof(*ga->values))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < nopts; i++)
		if (set_named(ga, opts[i].name, opts[i].value, err,
		    errlen) == -1)
			goto fail;
	if (user_flag != NULL && arg_index(c, "user") != -1 &&
	    set_named(ga, "user", user_flag, err, errlen) == -1)
		goto fail;
	if (fill_operands(ga, argc, operands, err, errlen) == -1 ||
	    check_values(ga, err, errlen) == -1)
		goto fail;
	return 0;
fail:
	gen_args_free(ga);
	return -1;
}

void
gen_args_free(struct gen_args *ga)
{
	free(ga->values);
	memset(ga, 0, sizeof(*ga));
}
