/*
 * Documents in and out, streamed: DOC PUT's octets into one transaction
 * (doc_put.c), DOC GET's out as the client reads them (doc_get.c).
 */
#ifndef SCCD_DOC_H
#define SCCD_DOC_H

#include <stddef.h>

#include "scp.h"
#include "scp_cmd.h"

struct conn;

/*
 * A DOC PUT literal is announced: the request so far is checked, and the
 * database asked, before the literal is taken or refused. The connection
 * reads nothing meanwhile.
 */
void	doc_upload_announced(struct conn *, const struct scp_cmd *,
	    const struct scp_request *partial, size_t words,
	    const struct scp_literal *);
/* Octets of the literal as they are read. */
void	doc_upload_chunk(struct conn *, const char *, size_t);
/* The request holding the upload is complete: store it and answer. */
void	doc_upload_finish(struct conn *);
/* The connection, or the request before its handler, is gone: roll back. */
void	doc_upload_abort(struct conn *);

/* DOC GET: some output was written; send more if it is low. */
void	doc_get_drained(struct conn *);
/* The connection is gone while waiting for the client to read. */
void	doc_download_abort(struct conn *);

#endif
