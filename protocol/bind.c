/*
 * From a parsed request to a command of the table and its checked
 * arguments. Everything here is decided from the request alone, before
 * anything reaches the database.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "scp.h"
#include "scp_cmd.h"

#define ATOM_MAX	256
#define LOGIN_MAX	64
#define SECRET_MAX	1024
#define INT64_DIGITS	19

static const struct {
	unsigned	 bit;
	const char	*name;
} role_names[] = {
	{ SCP_ROLE_LEAD_OFFICER,	"lead_officer" },
	{ SCP_ROLE_LINK_PARTNER,	"link_partner" },
	{ SCP_ROLE_HEADTEACHER,		"headteacher" },
	{ SCP_ROLE_GOVERNOR,		"governor" },
};

unsigned
scp_role_from_name(const char *name)
{
	size_t	 i;

	for (i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++)
		if (name != NULL && strcmp(role_names[i].name, name) == 0)
			return role_names[i].bit;
	return 0;
}

const char *
scp_role_name(unsigned bit)
{
	size_t	 i;

	for (i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++)
		if (role_names[i].bit == bit)
			return role_names[i].name;
	return NULL;
}

/*
 * Messages are for people; one cut short is still an answer, so
 * truncation is accepted here.
 */
static int
fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		if (vsnprintf(err, errlen, fmt, ap) < 0)
			err[0] = '\0';
		va_end(ap);
	}
	return -1;
}

/* Only a bare atom can name a command; a quoted "LOGIN" is an argument. */
static bool
is_word(const struct scp_item *it)
{
	return it->name == NULL && it->value != NULL && !it->literal &&
	    !it->quoted && !it->streamed;
}

/* Is the table's name w1, or "w1 w2" when w2 is given? */
static bool
name_is(const char *cmd, const char *w1, const char *w2)
{
	size_t	 n1 = strlen(w1);

	if (strncasecmp(cmd, w1, n1) != 0)
		return false;
	if (w2 == NULL)
		return cmd[n1] == '\0';
	return cmd[n1] == ' ' && strcasecmp(cmd + n1 + 1, w2) == 0;
}

const struct scp_cmd *
scp_cmd_lookup(const struct scp_request *req, size_t *words)
{
	const char	*w1, *w2 = NULL;
	size_t		 i;

	if (req->nitems == 0 || !is_word(&req->items[0]))
		return NULL;
	w1 = req->items[0].value;
	if (req->nitems >= 2 && is_word(&req->items[1]))
		w2 = req->items[1].value;
	if (w2 != NULL) {
		for (i = 0; i < scp_ncommands; i++)
			if (name_is(scp_commands[i].name, w1, w2)) {
				*words = 2;
				return &scp_commands[i];
			}
	}
	for (i = 0; i < scp_ncommands; i++)
		if (name_is(scp_commands[i].name, w1, NULL)) {
			*words = 1;
			return &scp_commands[i];
		}
	return NULL;
}

const struct scp_cmd *
scp_cmd_byname(const char *name)
{
	size_t	 i;

	for (i = 0; i < scp_ncommands; i++)
		if (strcasecmp(scp_commands[i].name, name) == 0)
			return &scp_commands[i];
	return NULL;
}

/* Give one request item to its declaration; -1 with *bad and err if none fits. */
static int
bind_item(const struct scp_cmd *cmd, const struct scp_item *it,
    const struct scp_item **out, size_t *next, const char **bad, char *err,
    size_t errlen)
{
	size_t	 k;

	if (it->name == NULL) {
		while (*next < cmd->nargs &&
		    !(cmd->args[*next].flags & SCP_ARG_POSITIONAL))
			(*next)++;
		if (*next == cmd->nargs)
			return fail(err, errlen, "too many arguments");
		out[(*next)++] = it;
		return 0;
	}
	for (k = 0; k < cmd->nargs; k++)
		if (!(cmd->args[k].flags & SCP_ARG_POSITIONAL) &&
		    strcasecmp(cmd->args[k].name, it->name) == 0)
			break;
	*bad = it->name;
	if (k == cmd->nargs)
		return fail(err, errlen, "unknown argument %s", it->name);
	if (out[k] != NULL)
		return fail(err, errlen, "argument %s given twice", it->name);
	*bad = NULL;
	out[k] = it;
	return 0;
}

int
scp_cmd_bind(const struct scp_cmd *cmd, const struct scp_request *req,
    size_t words, const struct scp_item **out, const char **bad,
    enum scp_code *code, char *err, size_t errlen)
{
	size_t	 i, k, next = 0;

	*bad = NULL;
	*code = SCP_CODE_INVALID;
	for (k = 0; k < cmd->nargs; k++)
		out[k] = NULL;
	for (i = words; i < req->nitems; i++)
		if (bind_item(cmd, &req->items[i], out, &next, bad, err,
		    errlen) == -1)
			return -1;
	for (k = 0; k < cmd->nargs; k++) {
		if (out[k] == NULL) {
			if (cmd->args[k].flags & SCP_ARG_REQUIRED) {
				*bad = cmd->args[k].name;
				return fail(err, errlen, "missing argument %s",
				    cmd->args[k].name);
			}
			continue;
		}
		if (scp_type_check(&cmd->args[k], out[k], err, errlen) == -1) {
			*bad = cmd->args[k].name;
			return -1;
		}
	}
	return 0;
}

static bool
all_digits(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* Decimal digits of an unsigned magnitude no larger than max (same width). */
static bool
magnitude_ok(const char *s, size_t len, const char *max)
{
	if (len == 0 || len > INT64_DIGITS || !all_digits(s, len))
		return false;
	if (len > 1 && s[0] == '0')
		return false;
	return len < INT64_DIGITS || memcmp(s, max, len) <= 0;
}

static bool
check_id(const char *s, size_t len)
{
	return magnitude_ok(s, len, "9223372036854775807") &&
	    !(len == 1 && s[0] == '0');
}

static bool
check_int(const char *s, size_t len)
{
	if (len > 0 && s[0] == '-')
		return magnitude_ok(s + 1, len - 1, "9223372036854775808") &&
		    !(len == 2 && s[1] == '0');
	return magnitude_ok(s, len, "9223372036854775807");
}

/* Two digits at s as a number, or -1. */
static int
two(const char *s)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return -1;
	return (s[0] - '0') * 10 + (s[1] - '0');
}

static bool
check_date(const char *s, size_t len)
{
	static const int	 mdays[] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	int			 y, m, d, last;

	if (len != 10 || s[4] != '-' || s[7] != '-' || two(s) == -1 ||
	    two(s + 2) == -1)
		return false;
	y = two(s) * 100 + two(s + 2);
	m = two(s + 5);
	d = two(s + 8);
	if (y < 1 || m < 1 || m > 12 || d < 1)
		return false;
	last = mdays[m - 1];
	if (m == 2 && (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		last = 29;
	return d <= last;
}

/* "HH:MM" with hours up to maxh at s[*i]. */
static bool
check_hhmm(const char *s, size_t len, size_t *i, int maxh)
{
	int	 h, m;

	if (len - *i < 5 || s[*i + 2] != ':')
		return false;
	h = two(s + *i);
	m = two(s + *i + 3);
	if (h < 0 || h > maxh || m < 0 || m > 59)
		return false;
	*i += 5;
	return true;
}

/* YYYY-MM-DDTHH:MM[:SS[.fraction]] then Z or an offset +HH:MM / -HH:MM. */
static bool
check_time(const char *s, size_t len)
{
	size_t	 i = 11, f;
	int	 sec;

	if (len < 17 || !check_date(s, 10) || (s[10] != 'T' && s[10] != 't'))
		return false;
	if (!check_hhmm(s, len, &i, 23))
		return false;
	if (i < len && s[i] == ':') {
		if (len - i < 3 || (sec = two(s + i + 1)) < 0 || sec > 59)
			return false;
		i += 3;
		if (i < len && s[i] == '.') {
			for (f = ++i; i < len && s[i] >= '0' && s[i] <= '9'; i++)
				;
			if (i == f || i - f > 9)
				return false;
		}
	}
	if (i + 1 == len && (s[i] == 'Z' || s[i] == 'z'))
		return true;
	if (i >= len || (s[i] != '+' && s[i] != '-'))
		return false;
	i++;
	return check_hhmm(s, len, &i, 14) && i == len;
}

static bool
check_enum(const char *choices, const char *s, size_t len)
{
	const char	*c = choices, *bar;
	size_t		 n;

	while (c != NULL && *c != '\0') {
		bar = strchr(c, '|');
		n = bar != NULL ? (size_t)(bar - c) : strlen(c);
		if (n == len && strncasecmp(c, s, n) == 0)
			return true;
		c = bar != NULL ? bar + 1 : NULL;
	}
	return false;
}

static bool
check_login(const char *s, size_t len)
{
	size_t	 i;

	if (len == 0 || len > LOGIN_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

static bool
check_token(const char *s, size_t len)
{
	uint8_t	 raw[SCP_TOKEN_RAW];
	bool	 ok;

	ok = len == SCP_TOKEN_LEN && scp_token_decode(s, raw) == 0;
	explicit_bzero(raw, sizeof(raw));
	return ok;
}

/* The value's text: checks of one type, one line each. */
static int
check_text_type(const struct scp_argdef *def, const char *v, size_t len,
    char *err, size_t errlen)
{
	const char	*n = def->name;

	switch (def->type) {
	case SCP_T_ATOM:
		if (len > ATOM_MAX)
			return fail(err, errlen, "%s: over %d octets", n,
			    ATOM_MAX);
		return 0;
	case SCP_T_TEXT:
		return 0;
	case SCP_T_ID:
		if (!check_id(v, len))
			return fail(err, errlen, "%s: not an id", n);
		return 0;
	case SCP_T_INT:
		if (!check_int(v, len))
			return fail(err, errlen, "%s: not an integer", n);
		return 0;
	case SCP_T_DATE:
		if (!check_date(v, len))
			return fail(err, errlen, "%s: not a date (YYYY-MM-DD)",
			    n);
		return 0;
	case SCP_T_TIME:
		if (!check_time(v, len))
			return fail(err, errlen, "%s: not a time "
			    "(YYYY-MM-DDTHH:MM:SSZ or with +HH:MM)", n);
		return 0;
	case SCP_T_ENUM:
		if (!check_enum(def->choices, v, len))
			return fail(err, errlen, "%s: one of %s", n,
			    def->choices != NULL ? def->choices : "");
		return 0;
	case SCP_T_LOGIN:
		if (!check_login(v, len))
			return fail(err, errlen, "%s: not a login", n);
		return 0;
	case SCP_T_TOKEN:
		if (!check_token(v, len))
			return fail(err, errlen, "%s: not a session token", n);
		return 0;
	case SCP_T_SECRET:
		if (len == 0 || len > SECRET_MAX)
			return fail(err, errlen, "%s: 1 to %d octets", n,
			    SECRET_MAX);
		return 0;
	case SCP_T_BYTES:
		break;
	}
	return fail(err, errlen, "%s: unknown type", n);
}

/* The longest choice of "a|bb|ccc". */
static uint64_t
enum_max(const char *choices)
{
	size_t	n, most = 0;

	while (choices != NULL && *choices != '\0') {
		n = strcspn(choices, "|");
		if (n > most)
			most = n;
		choices += n + (choices[n] == '|');
	}
	return most;
}

uint64_t
scp_arg_max(const struct scp_argdef *def, const struct scp_limits *lim)
{
	switch (def->type) {
	case SCP_T_ATOM:	return ATOM_MAX;
	case SCP_T_TEXT:	return lim->text_max;
	case SCP_T_ID:		return INT64_DIGITS;
	case SCP_T_INT:		return INT64_DIGITS + 1;
	case SCP_T_DATE:	return sizeof("YYYY-MM-DD") - 1;
	case SCP_T_TIME:	return sizeof("YYYY-MM-DDTHH:MM:SS.fffffffff+HH:MM") - 1;
	case SCP_T_ENUM:	return enum_max(def->choices);
	case SCP_T_LOGIN:	return LOGIN_MAX;
	case SCP_T_TOKEN:	return SCP_TOKEN_LEN;
	case SCP_T_SECRET:	return SECRET_MAX;
	case SCP_T_BYTES:	return lim->doc_max;
	}
	return 0;
}

int
scp_type_check(const struct scp_argdef *def, const struct scp_item *it,
    char *err, size_t errlen)
{
	if (def->type == SCP_T_BYTES) {
		if (!it->literal)
			return fail(err, errlen, "%s: must be sent as a literal",
			    def->name);
		return 0;
	}
	if (it->streamed || it->value == NULL)
		return fail(err, errlen, "%s: not a document", def->name);
	/* Values go to PostgreSQL as text, which holds neither. */
	if (memchr(it->value, '\0', it->len) != NULL ||
	    !scp_utf8_valid(it->value, it->len))
		return fail(err, errlen, "%s: not UTF-8 text", def->name);
	return check_text_type(def, it->value, it->len, err, errlen);
}
