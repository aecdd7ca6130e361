/*
 * A CSV reader (RFC 4180, as spreadsheets and the DfE register write it):
 * fields apart by commas, records by CRLF or LF, quoted fields holding
 * commas, line ends and doubled quotes, a UTF-8 byte order mark skipped.
 * One record at a time, so a file of any size reads in bounded memory.
 */
#ifndef SCC_CSV_H
#define SCC_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "scp.h"

#define CSV_RECORD_MAX	(1024 * 1024)	/* octets of one record */
#define CSV_ERR_MAX	128

enum csv_result {
	CSV_RECORD,	/* fields holds the next record */
	CSV_MALFORMED,	/* the record at line could not be read; err says
			   why; reading goes on after it */
	CSV_EOF,
	CSV_FAIL	/* a read error or no memory; err says which */
};

struct csv {
	FILE		*fp;
	size_t		 line;		/* where the record read last began */
	size_t		 next_line;	/* the physical line being read */
	char		**fields;	/* NUL-terminated; owned */
	size_t		 nfields;
	size_t		 cap;
	struct scp_buf	 field;		/* the field being read */
	size_t		 size;		/* octets of the record so far */
	int		 back[4];	/* pushed-back octets, last first */
	size_t		 nback;
	bool		 started;	/* the byte order mark is dealt with */
	char		 err[CSV_ERR_MAX];
};

void		 csv_init(struct csv *, FILE *);
/* Blank lines are skipped. */
enum csv_result	 csv_next(struct csv *);
void		 csv_free(struct csv *);

#endif /* SCC_CSV_H */
