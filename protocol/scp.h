/*
 * libscp: the scc wire protocol, shared by sccd and scc.
 *
 * Everything about the bytes on the wire lives here: limits, the request
 * parser, the response writer and reader, the response codes and the
 * command table. protocol/PROTOCOL.md is the specification this implements.
 */
#ifndef SCP_H
#define SCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCP_PROTOCOL		"scc/1"
#define SCP_DEFAULT_PORT	7144
#define SCP_TAG_MAX		32
#define SCP_NAME_MAX		32
#define SCP_NONSYNC_MAX		4096	/* largest {N+} literal */
#define SCP_FIELD_INLINE_MAX	1024	/* longer values go out as literals */
#define SCP_TOKEN_LEN		43	/* 32 octets, base64url, no padding */
#define SCP_TOKEN_RAW		32

/* ---- growable byte buffer (NUL-terminated for convenience) ---- */

struct scp_buf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};

int	 scp_buf_add(struct scp_buf *, const void *, size_t);	/* -1 on ENOMEM */
/* Room for n more octets (and the NUL) without growing; -1 on ENOMEM. */
int	 scp_buf_reserve(struct scp_buf *, size_t);
int	 scp_buf_addstr(struct scp_buf *, const char *);
int	 scp_buf_printf(struct scp_buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 scp_buf_reset(struct scp_buf *);	/* keep memory, len = 0 */
void	 scp_buf_free(struct scp_buf *);	/* release memory */
void	 scp_buf_consume(struct scp_buf *, size_t);	/* drop a prefix */

/* ---- limits ---- */

struct scp_limits {
	size_t		line_max;	/* octets of one line, CRLF included: 8192 */
	size_t		args_max;	/* arguments of one request: 64 */
	size_t		text_max;	/* a literal holding text: 1 MiB */
	uint64_t	doc_max;	/* a document literal: 64 MiB */
};
void	 scp_limits_default(struct scp_limits *);

/* ---- response codes ---- */

enum scp_code {
	SCP_CODE_NONE = 0,
	SCP_CODE_AUTHREQUIRED,
	SCP_CODE_AUTHFAILED,
	SCP_CODE_LOCKED,
	SCP_CODE_EXPIRED,
	SCP_CODE_NOTFOUND,
	SCP_CODE_FORBIDDEN,
	SCP_CODE_INVALID,
	SCP_CODE_CONFLICT,
	SCP_CODE_TOOBIG,
	SCP_CODE_LIMIT,
	SCP_CODE_UNAVAILABLE,
	SCP_CODE_INTERNAL,
	SCP_CODE_ROLE,		/* OK [ROLE role] after LOGIN and RESUME */
	SCP_CODE_CAPABILITY,	/* the greeting */
	SCP_CODE__COUNT
};
const char	*scp_code_name(enum scp_code);	/* "NOTFOUND"; "" for NONE */
enum scp_code	 scp_code_from_name(const char *);	/* NONE if unknown */
/* SQLSTATE raised by the api functions ("SC004") to code; NONE if not ours. */
enum scp_code	 scp_code_from_sqlstate(const char *);

/* ---- UTF-8 ---- */

/* True when s[0..len) is well-formed UTF-8 (no overlongs, surrogates, > U+10FFFF). */
bool	 scp_utf8_valid(const char *, size_t);

/* ---- request parser (server side) ---- */

/* One argument, or one word of the command; name is NULL when positional. */
struct scp_item {
	char		*name;		/* lower-cased */
	char		*value;		/* NUL-terminated; NULL when streamed */
	size_t		 len;		/* octets of value (or of the streamed literal) */
	unsigned	 literal:1;	/* arrived as a literal */
	unsigned	 streamed:1;	/* bytes went out as SCP_CHUNK events */
	unsigned	 quoted:1;	/* arrived as a quoted string */
};

struct scp_request {
	const char		*tag;
	size_t			 nitems;
	const struct scp_item	*items;	/* command word(s), then arguments */
};

/* What a literal announcement looks like, when the parser stops on it. */
struct scp_literal {
	uint64_t	 size;
	bool		 sync;		/* {N}: the peer waits for "+ OK" */
	const char	*name;		/* the argument's name, or NULL */
	size_t		 index;		/* index the item will have */
};

enum scp_result {
	SCP_MORE,	/* all input used; feed more */
	SCP_REQUEST,	/* a whole request: scp_parser_request() */
	SCP_LITERAL,	/* a literal announced: accept or refuse it now */
	SCP_CHUNK,	/* streamed literal bytes: scp_parser_chunk() */
	SCP_SKIPPED,	/* a refused request has been skipped; answer it now */
	SCP_REJECT,	/* malformed request, skipped: answer BAD */
	SCP_CLOSE	/* abuse: answer "* BYE" and close */
};

enum scp_litmode {
	SCP_LIT_TEXT,	/* collect; must be UTF-8 without NUL (else SCP_REJECT) */
	SCP_LIT_BYTES,	/* collect as they are */
	SCP_LIT_STREAM	/* hand over in SCP_CHUNK events, never held whole */
};

struct scp_parser;

struct scp_parser	*scp_parser_new(const struct scp_limits *);
void			 scp_parser_free(struct scp_parser *);

/*
 * Feed bytes. *used says how many were taken; call again with the rest
 * after handling the result. After SCP_REQUEST, SCP_SKIPPED or SCP_REJECT the
 * next call starts a new request and frees the last one's memory (a call
 * with no input, len 0, does that too: idle connections then hold little,
 * and no password stays in the heap).
 */
enum scp_result		 scp_parse(struct scp_parser *, const char *, size_t,
			    size_t *used);

const struct scp_request *scp_parser_request(const struct scp_parser *);
/* The request so far, while stopped on SCP_LITERAL (items before it). */
const struct scp_request *scp_parser_partial(const struct scp_parser *);
const struct scp_literal *scp_parser_literal(const struct scp_parser *);
void			 scp_parser_accept(struct scp_parser *, enum scp_litmode);
/*
 * Refuse the announced literal. A {N} ends the request at once (the peer
 * sends no octets); a {N+} is still read and thrown away along with the rest
 * of the request. Either way SCP_SKIPPED follows.
 */
void			 scp_parser_refuse(struct scp_parser *);
void			 scp_parser_chunk(const struct scp_parser *,
			    const char **, size_t *);
/* After SCP_REJECT / SCP_CLOSE: the tag if one was read ("*" if not), the code, a message. */
const char		*scp_parser_tag(const struct scp_parser *);
enum scp_code		 scp_parser_code(const struct scp_parser *);
const char		*scp_parser_error(const struct scp_parser *);
/* True while the current request has started but not ended (for deadlines). */
bool			 scp_parser_busy(const struct scp_parser *);
/* True while a literal's octets are being read (a progress deadline). */
bool			 scp_parser_in_literal(const struct scp_parser *);
/* Octets held for the current request (items and collected literals). */
size_t			 scp_parser_held(const struct scp_parser *);

/* ---- response writer ---- */

/*
 * Values are written as an atom when they can be, else quoted, else (CR, LF,
 * over SCP_FIELD_INLINE_MAX octets, or not UTF-8) as a {N} literal. No value
 * can ever end a line or start a field.
 */
int	 scp_put_value(struct scp_buf *, const char *, size_t);
/* " name=value" */
int	 scp_put_field(struct scp_buf *, const char *name, const char *, size_t);
int	 scp_put_fieldstr(struct scp_buf *, const char *name, const char *);
/* "* TYPE" -- fields follow, then scp_put_end() */
int	 scp_put_data(struct scp_buf *, const char *type);
int	 scp_put_end(struct scp_buf *);		/* CRLF */

enum scp_status { SCP_OK, SCP_NO, SCP_BAD };
/*
 * "tag OK|NO|BAD [CODE args] text\r\n". args may be NULL; text is made safe
 * (control characters and invalid UTF-8 replaced) before it is written.
 */
int	 scp_put_completion(struct scp_buf *, const char *tag, enum scp_status,
	    enum scp_code, const char *args, const char *text);
int	 scp_put_bye(struct scp_buf *, enum scp_code, const char *text);
int	 scp_put_continue(struct scp_buf *, const char *text);

/* ---- response reader (client side) ---- */

enum scp_rkind {
	SCP_R_DATA,	/* "* TYPE fields" (also "* SESSION", "* CAPABILITY", "* EVENT") */
	SCP_R_CONTINUE,	/* "+ text" */
	SCP_R_DONE,	/* "tag OK|NO|BAD [CODE args] text" */
	SCP_R_BYE	/* "* BYE [CODE] text" */
};

struct scp_response {
	enum scp_rkind		 kind;
	const char		*tag;	/* DONE only */
	const char		*type;	/* DATA: record type; DONE: "OK"/"NO"/"BAD"; greeting "OK" */
	enum scp_status		 status;	/* DONE */
	const char		*code;	/* bracketed word or NULL */
	const char		*code_args;	/* rest inside the brackets or NULL */
	const char		*text;	/* trailing text, or NULL */
	size_t			 nfields;
	const struct scp_item	*fields;	/* DATA: name=value pairs (positional words have name NULL) */
};

struct scp_reader;

struct scp_reader	*scp_reader_new(size_t line_max, uint64_t literal_max);
void			 scp_reader_free(struct scp_reader *);
/*
 * Hand the octets of every literal of field (DOC GET's "data") to fn as
 * they arrive instead of holding them; the field is then empty. fn
 * returning -1 fails the reader. A NULL field stops it.
 */
typedef int		(*scp_sink_fn)(void *arg, const char *, size_t);
int			 scp_reader_sink(struct scp_reader *, const char *field,
			    scp_sink_fn, void *arg);
/* SCP_MORE, SCP_REQUEST (a response is ready), or SCP_CLOSE (malformed). */
enum scp_result		 scp_read(struct scp_reader *, const char *, size_t,
			    size_t *used);
const struct scp_response *scp_reader_response(const struct scp_reader *);
const char		*scp_reader_error(const struct scp_reader *);
const char		*scp_response_field(const struct scp_response *,
			    const char *name);	/* NULL if absent */

/* ---- tokens ---- */

/* 32 raw octets <-> 43 characters of base64url without padding. */
void	 scp_token_encode(const uint8_t raw[SCP_TOKEN_RAW], char out[SCP_TOKEN_LEN + 1]);
int	 scp_token_decode(const char *, uint8_t raw[SCP_TOKEN_RAW]);	/* -1 if malformed */

#endif /* SCP_H */
