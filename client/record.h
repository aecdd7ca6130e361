/*
 * A data record ("* TYPE name=value ...") copied out of the reader, so it
 * outlives the next read.
 */
#ifndef SCC_RECORD_H
#define SCC_RECORD_H

#include <stddef.h>

#include "scp.h"

struct field {
	char	*name;		/* NULL for a positional word */
	char	*value;		/* NUL-terminated; len counts octets */
	size_t	 len;
};

struct record {
	char		*type;
	struct field	*fields;
	size_t		 nfields;
};

int		 record_copy(struct record *, const struct scp_response *);
void		 record_free(struct record *);
const char	*record_get(const struct record *, const char *name);

#endif /* SCC_RECORD_H */
