/*
 * Rows of a CSV export of Get Information about Schools (the DfE
 * register), read as schools: which columns hold what, and how the
 * register's phases of education map to ours.
 */
#ifndef SCC_GIAS_H
#define SCC_GIAS_H

#include <stddef.h>

#define GIAS_ERR_MAX	160

/* Column indexes in the header; -1 when the file has no such column. */
struct gias_cols {
	long	 urn;
	long	 name;
	long	 phase;
	long	 type_group;	/* "EstablishmentTypeGroup (name)" */
	long	 type;		/* "TypeOfEstablishment (name)" */
	size_t	 nfields;	/* fields of the header */
};

struct gias_school {
	const char	*urn;		/* in the row's fields */
	const char	*name;
	const char	*phase;		/* one of ours: a static string */
};

/* Find the columns; -1 with a message when URN, name or phase is missing. */
int	 gias_header(char *const *fields, size_t n, struct gias_cols *,
	    char *err, size_t errlen);

/*
 * One row as a school; -1 with the reason it cannot be one. Surrounding
 * blanks are trimmed from the fields, in place.
 */
int	 gias_row(const struct gias_cols *, char **fields, size_t n,
	    struct gias_school *, char *err, size_t errlen);

/* Our phase for the register's, or NULL; type and group may be "". */
const char *gias_phase(const char *phase, const char *type, const char *group);

#endif /* SCC_GIAS_H */
