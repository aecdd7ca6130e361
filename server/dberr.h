/*
 * The one map from a failed statement's SQLSTATE to what the client hears.
 * Every command's errors pass through it, so a new api function gets the
 * same answers for the same kinds of failure without a line of C.
 */
#ifndef SCCD_DBERR_H
#define SCCD_DBERR_H

#include <stdbool.h>

#include <libpq-fe.h>

#include "scp.h"

/* Serialization failures and deadlocks are tried again this many times. */
#define DBERR_RETRIES	3

struct dberr {
	enum scp_code	 code;		/* INTERNAL: not an expected failure */
	const char	*text;		/* what the client is told */
	const char	*args;		/* inside the brackets, or NULL */
};

/* Decide the answer for a result that is not PGRES_TUPLES_OK. */
void	dberr_classify(const PGresult *, struct dberr *);
/* True when running the same statement again may well succeed. */
bool	dberr_retryable(const PGresult *);

#endif
