/*
 * One request and its answer. Arguments go through scp_put_value(), so any
 * text is sent as an atom, quoted, or as a literal; a literal over
 * SCP_NONSYNC_MAX octets waits for the server's "+" before its octets.
 */
#ifndef SCC_REQUEST_H
#define SCC_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"
#include "scp.h"

struct conn;

struct request {
	struct scp_buf	 buf;
	size_t		*pauses;	/* offsets where "+" must come first */
	size_t		 npauses;
	char		 tag[SCP_TAG_MAX + 1];
	bool		 secret;	/* wiped when freed */
	bool		 failed;	/* memory ran out while building */
};

struct reply {
	enum scp_status	 status;
	char		*code;		/* the bracketed word, or NULL */
	char		*code_args;	/* what follows it inside the brackets */
	char		*text;
	char		*bye;		/* the text of a "* BYE" seen meanwhile */
	struct record	*records;
	size_t		 nrecords;
};

/* "tag COMMAND"; secret requests (passwords) are wiped from memory after. */
void		 request_init(struct request *, struct conn *, const char *command,
		    bool secret);
void		 request_arg(struct request *, const char *);
void		 request_arg_len(struct request *, const char *, size_t);
void		 request_named(struct request *, const char *name, const char *);
void		 request_free(struct request *);

/*
 * Send it and collect the answer up to its tagged completion. 0 when the
 * reply is complete (whatever its status); -1 when the connection failed,
 * already reported.
 */
int		 request_call(struct conn *, struct request *, struct reply *);

/*
 * Pipelining: send a request without waiting (it must have no value large
 * enough to need the server's "+"), and later collect the answer of the
 * request with this tag. Answers come in the order requests were sent, so
 * they are awaited in that order. -1 when the connection failed.
 */
int		 request_send(struct conn *, struct request *);
int		 request_await(struct conn *, const char *tag, struct reply *);

/*
 * A request whose last argument is a literal of size octets that the
 * caller streams itself (DOC PUT): sends the request up to the literal and
 * waits for the server's "+". 0: send the octets with conn_send() and the
 * line's end ("\r\n"), then request_literal_finish(); 1: refused, the
 * answer is in rep and no octet may follow; -1: the connection failed.
 */
int		 request_literal_start(struct conn *, struct request *,
		    const char *name, uint64_t size, struct reply *);
int		 request_literal_finish(struct conn *, const struct request *,
		    struct reply *);
void		 reply_free(struct reply *);
/* The first record of this type, or NULL. */
const struct record *reply_record(const struct reply *, const char *type);
bool		 reply_code_is(const struct reply *, const char *code);

#endif /* SCC_REQUEST_H */
