/*
 * The register's names for things, mapped to ours. GIAS headers are
 * "URN", "EstablishmentName", "PhaseOfEducation (name)"; a hand-made file
 * may say "urn", "name", "phase" instead. Both are matched without regard
 * to case.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "gias.h"
#include "scp.h"

#define GIAS_NAME_MAX	1024	/* a school's name, in octets */

static const char *const urn_names[] = { "URN", NULL };
static const char *const name_names[] = { "EstablishmentName", "name",
    NULL };
static const char *const phase_names[] = { "PhaseOfEducation (name)",
    "PhaseOfEducation", "phase", NULL };
static const char *const group_names[] = {
    "EstablishmentTypeGroup (name)", "EstablishmentTypeGroup", NULL };
static const char *const type_names[] = { "TypeOfEstablishment (name)",
    "TypeOfEstablishment", "type", NULL };

/* The register's phases that are ours under another name. */
static const struct {
	const char	*gias;
	const char	*ours;
} phases[] = {
	{ "nursery",			"nursery" },
	{ "primary",			"primary" },
	{ "middle deemed primary",	"primary" },
	{ "secondary",			"secondary" },
	{ "middle deemed secondary",	"secondary" },
	{ "all-through",		"all_through" },
	{ "all through",		"all_through" },
	{ "all_through",		"all_through" },
	{ "special",			"special" },
	{ "pru",			"pru" },
};

static char *
trim(char *s)
{
	size_t	 n;

	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

static long
column(char *const *fields, size_t n, const char *const *names)
{
	char	 copy[128];
	size_t	 i, k;

	for (i = 0; i < n; i++) {
		if (strlcpy(copy, fields[i], sizeof(copy)) >= sizeof(copy))
			continue;
		for (k = 0; names[k] != NULL; k++)
			if (strcasecmp(trim(copy), names[k]) == 0)
				return (long)i;
	}
	return -1;
}

int
gias_header(char *const *fields, size_t n, struct gias_cols *gc, char *err,
    size_t errlen)
{
	gc->urn = column(fields, n, urn_names);
	gc->name = column(fields, n, name_names);
	gc->phase = column(fields, n, phase_names);
	gc->type_group = column(fields, n, group_names);
	gc->type = column(fields, n, type_names);
	gc->nfields = n;
	if (gc->urn == -1 || gc->name == -1 || gc->phase == -1) {
		snprintf(err, errlen, "the header row has no %s column (GIAS: "
		    "URN, EstablishmentName, \"PhaseOfEducation (name)\"; or "
		    "urn, name, phase)", gc->urn == -1 ? "URN" :
		    gc->name == -1 ? "name" : "phase");
		return -1;
	}
	return 0;
}

static bool
contains(const char *hay, const char *needle)
{
	return strcasestr(hay, needle) != NULL;
}

const char *
gias_phase(const char *phase, const char *type, const char *group)
{
	size_t	 i;

	/* A unit's type says it before its phase does ("Not applicable"). */
	if (contains(type, "pupil referral") || contains(type,
	    "alternative provision") || contains(group, "alternative provision"))
		return "pru";
	for (i = 0; i < sizeof(phases) / sizeof(phases[0]); i++)
		if (strcasecmp(phase, phases[i].gias) == 0)
			return phases[i].ours;
	if ((strcasecmp(phase, "not applicable") == 0 || phase[0] == '\0') &&
	    (contains(type, "special") || contains(group, "special")))
		return "special";
	return NULL;
}

static const char *
field_or_empty(char **fields, long i)
{
	return i >= 0 ? trim(fields[i]) : "";
}

static bool
all_digits(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

int
gias_row(const struct gias_cols *gc, char **fields, size_t n,
    struct gias_school *s, char *err, size_t errlen)
{
	const char	*phase;

	if (n != gc->nfields) {
		snprintf(err, errlen, "%zu fields where the header has %zu", n,
		    gc->nfields);
		return -1;
	}
	s->urn = field_or_empty(fields, gc->urn);
	s->name = field_or_empty(fields, gc->name);
	phase = field_or_empty(fields, gc->phase);
	if (!all_digits(s->urn) || strlen(s->urn) > 20) {
		snprintf(err, errlen, "URN \"%.32s\" is not a number", s->urn);
		return -1;
	}
	if (s->name[0] == '\0') {
		snprintf(err, errlen, "no name");
		return -1;
	}
	if (!scp_utf8_valid(s->name, strlen(s->name))) {
		snprintf(err, errlen, "the name is not UTF-8 (save the file "
		    "as CSV UTF-8)");
		return -1;
	}
	if (strlen(s->name) > GIAS_NAME_MAX) {
		snprintf(err, errlen, "the name is over %d octets",
		    GIAS_NAME_MAX);
		return -1;
	}
	s->phase = gias_phase(phase, field_or_empty(fields, gc->type),
	    field_or_empty(fields, gc->type_group));
	if (s->phase == NULL) {
		snprintf(err, errlen, "phase \"%.40s\" is not one of ours "
		    "(nursery, primary, secondary, all-through, special, PRU)",
		    phase);
		return -1;
	}
	return 0;
}
