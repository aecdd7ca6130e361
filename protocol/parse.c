/*
 * The request parser: bytes from the network in, whole requests out.
 *
 * Its first duty is framing. Whatever a request does wrong, the parser must
 * still find where that request ends: after the line, or after the octets of
 * every {N+} literal it announces. If it lost track, literal octets would be
 * read as commands, and a value could smuggle in a request of its own. So a
 * request that fails is not abandoned: it is skipped to its true end, and
 * only then answered.
 *
 * Each physical line is gathered whole (never more than line_max) before it
 * is looked at, so the result never depends on how the input was split.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "scp.h"
#include "scp_cmd.h"
#include "lex.h"

#define STEP		(-1)	/* internal: state changed, carry on */
#define NOMEM		(-2)
#define LINE_KEEP	1024	/* line buffer kept between requests */
#define PROBE_LEN	8	/* longest HTTP start we look for */

enum pstate {
	PS_LINE,	/* gathering a physical line */
	PS_DECIDE,	/* stopped on a literal: the caller accepts or refuses */
	PS_LITERAL,	/* reading a literal's octets */
	PS_END,		/* the request ended with no more input (refused {N}) */
	PS_DEAD		/* closed; nothing more is read */
};

enum litsink {
	SINK_COLLECT,
	SINK_STREAM,
	SINK_DISCARD
};

struct scp_parser {
	struct scp_limits	 lim;
	enum pstate		 state;
	struct scp_buf		 line;
	bool			 probing;	/* first line; HTTP not ruled out */
	bool			 cont;		/* this line goes on after a literal */
	bool			 busy;
	bool			 done;		/* answered: clear it on the next call */
	bool			 skipping;	/* reading to the end, keeping nothing */
	enum scp_result		 outcome;	/* SKIPPED or REJECT when skipping */
	enum scp_code		 code;
	const char		*error;
	char			 tag[SCP_TAG_MAX + 1];
	struct scp_items	 items;
	struct scp_request	 req;

	bool			 lit_ahead;	/* the line ended with a literal */
	struct scp_literal	 lit;
	char			*litname;
	enum litsink		 sink;
	bool			 littext;
	uint64_t		 litleft;
	char			*litdata;
	size_t			 litlen;
	size_t			 litcap;
	const char		*chunk;
	size_t			 chunklen;
};

/* Methods are case-sensitive in HTTP; header names are not. */
static const struct {
	const char	*start;
	bool		 anycase;
} http_starts[] = {
	{ "GET ", false }, { "POST ", false }, { "PUT ", false },
	{ "HEAD ", false }, { "OPTIONS ", false }, { "DELETE ", false },
	{ "CONNECT ", false }, { "Host:", true },
};

void
scp_limits_default(struct scp_limits *lim)
{
	lim->line_max = 8192;
	lim->args_max = 64;
	lim->text_max = 1024 * 1024;
	lim->doc_max = 64 * 1024 * 1024;
}

struct scp_parser *
scp_parser_new(const struct scp_limits *lim)
{
	struct scp_parser	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	if (lim != NULL)
		p->lim = *lim;
	else
		scp_limits_default(&p->lim);
	p->state = PS_LINE;
	p->probing = true;
	return p;
}

static void
lit_release(struct scp_parser *p)
{
	if (p->litdata != NULL)
		explicit_bzero(p->litdata, p->litlen);
	free(p->litdata);
	p->litdata = NULL;
	p->litlen = p->litcap = 0;
	free(p->litname);
	p->litname = NULL;
	p->lit_ahead = false;
}

static void
line_clear(struct scp_parser *p)
{
	if (p->line.data != NULL)
		explicit_bzero(p->line.data, p->line.len);
	scp_buf_reset(&p->line);
}

void
scp_parser_free(struct scp_parser *p)
{
	if (p == NULL)
		return;
	line_clear(p);
	scp_buf_free(&p->line);
	scp_items_free(&p->items);
	lit_release(p);
	free(p);
}

/* Forget the last request; keep only small buffers for the next one. */
static void
request_clear(struct scp_parser *p)
{
	scp_items_clear(&p->items);
	lit_release(p);
	p->tag[0] = '\0';
	p->code = SCP_CODE_NONE;
	p->error = NULL;
	p->outcome = SCP_REQUEST;
	p->skipping = false;
	p->cont = false;
	p->done = false;
	if (p->line.len == 0 && p->line.cap > LINE_KEEP)
		scp_buf_free(&p->line);
}

static void
sync_req(struct scp_parser *p)
{
	p->req.tag = p->tag[0] != '\0' ? p->tag : "*";
	p->req.nitems = p->items.n;
	p->req.items = p->items.v;
}

static int
finish(struct scp_parser *p, enum scp_result r)
{
	p->state = PS_LINE;
	p->done = true;
	p->busy = false;
	if (p->line.len == 0 && p->line.cap > LINE_KEEP)
		scp_buf_free(&p->line);
	sync_req(p);
	return r;
}

static int
close_with(struct scp_parser *p, enum scp_code code, const char *why)
{
	p->state = PS_DEAD;
	p->busy = false;
	p->code = code;
	p->error = why;
	line_clear(p);
	return SCP_CLOSE;
}

/* The request is bad: read on to its end, then answer with this. */
static int
reject(struct scp_parser *p, enum scp_code code, const char *why)
{
	p->skipping = true;
	p->outcome = SCP_REJECT;
	p->code = code;
	p->error = why;
	return -1;
}

static void
start_literal(struct scp_parser *p, enum litsink sink, uint64_t size)
{
	p->sink = sink;
	p->litleft = size;
	p->litlen = 0;
	p->state = PS_LITERAL;
}

/*
 * A browser pointed at the port must not get to script the server, so a
 * connection that opens like HTTP is closed before its first line is even
 * complete. Only the first PROBE_LEN octets of the connection are looked at.
 */
static bool
http_probe(struct scp_parser *p, const char *in, size_t n)
{
	char	 head[PROBE_LEN];
	size_t	 have, i, k, slen;
	bool	 possible = false, match;

	have = p->line.len < PROBE_LEN ? p->line.len : PROBE_LEN;
	if (have > 0)
		memcpy(head, p->line.data, have);
	for (i = 0; i < n && have < PROBE_LEN && in[i] != '\n'; i++)
		head[have++] = in[i];
	for (k = 0; k < sizeof(http_starts) / sizeof(http_starts[0]); k++) {
		slen = strlen(http_starts[k].start);
		if (http_starts[k].anycase)
			match = strncasecmp(head, http_starts[k].start,
			    have < slen ? have : slen) == 0;
		else
			match = memcmp(head, http_starts[k].start,
			    have < slen ? have : slen) == 0;
		if (match && have >= slen)
			return true;
		possible = possible || match;
	}
	if (!possible || (i < n && in[i] == '\n'))
		p->probing = false;
	return false;
}

/* How many items name the command (1 or 2), from the table. */
static size_t
command_words(struct scp_parser *p)
{
	size_t	 words = 1;

	if (p->items.n < 2)
		return p->items.n;
	sync_req(p);
	if (scp_cmd_lookup(&p->req, &words) == NULL)
		return 1;
	return words;
}

/* Would `more` further items give the request too many arguments? */
static bool
too_many(struct scp_parser *p, size_t more)
{
	size_t	 n = p->items.n + more;

	if (n <= p->lim.args_max + 1)
		return false;
	return n - command_words(p) > p->lim.args_max;
}

static int
add_item(struct scp_parser *p, char *name, char *value, size_t len,
    unsigned flags)
{
	if (scp_items_add(&p->items, name, value, len, flags) == -1)
		return NOMEM;
	if (too_many(p, 0))
		return reject(p, SCP_CODE_TOOBIG, "too many arguments");
	return 0;
}

/* The line ends with a literal that will be this item's value. */
static int
literal_ahead(struct scp_parser *p, char *name)
{
	if (too_many(p, 1)) {
		free(name);
		return reject(p, SCP_CODE_TOOBIG, "too many arguments");
	}
	p->litname = name;
	p->lit_ahead = true;
	return 0;
}

static size_t
atom_end(const char *s, size_t i, size_t end)
{
	while (i < end && scp_lex_atom_char((unsigned char)s[i]))
		i++;
	return i;
}

/* A value (atom or quoted string) at s[i], i < m; takes name. */
static int
parse_value(struct scp_parser *p, char *name, const char *s, size_t m,
    size_t i, size_t *pos)
{
	char		*v = NULL;
	size_t		 vlen, j;
	unsigned	 flags = 0;
	int		 r;

	if (s[i] == '"') {
		if ((r = scp_lex_quoted(s, m, &i, &v, &vlen)) != 0) {
			free(name);
			return r == -2 ? NOMEM :
			    reject(p, SCP_CODE_NONE, "malformed quoted string");
		}
		flags = SCP_ITEM_QUOTED;
	} else {
		if ((j = atom_end(s, i, m)) == i) {
			free(name);
			return reject(p, SCP_CODE_NONE, s[i] == '{' ?
			    "a literal must end its line" : "value expected");
		}
		vlen = j - i;
		if ((v = scp_lex_strndup(s + i, vlen)) == NULL) {
			free(name);
			return NOMEM;
		}
		i = j;
	}
	*pos = i;
	return add_item(p, name, v, vlen, flags);
}

/* One argument at s[*pos]; m is where the literal marker (or line) starts. */
static int
parse_item(struct scp_parser *p, const char *s, size_t m, bool marker,
    size_t *pos)
{
	size_t	 i = *pos, j;
	char	*name = NULL;

	if (i == m) {
		if (marker)
			return literal_ahead(p, NULL);
		return reject(p, SCP_CODE_NONE, "argument expected");
	}
	j = atom_end(s, i, m);
	if (j < m && s[j] == '=') {
		if (!scp_lex_name_valid(s + i, j - i))
			return reject(p, SCP_CODE_NONE, "invalid argument name");
		if ((name = scp_lex_lowerdup(s + i, j - i)) == NULL)
			return NOMEM;
		i = j + 1;
		if (i == m) {
			if (marker)
				return literal_ahead(p, name);
			free(name);
			return reject(p, SCP_CODE_NONE, "value expected");
		}
	}
	return parse_value(p, name, s, m, i, pos);
}

/* The tag of a request's first line; *pos goes past it and its space. */
static int
read_tag(struct scp_parser *p, const char *s, size_t len, size_t m,
    size_t *pos)
{
	const char	*sp;
	size_t		 tlen, j;

	if (len == 0)
		return reject(p, SCP_CODE_NONE, "empty line");
	sp = memchr(s, ' ', len);
	tlen = sp != NULL ? (size_t)(sp - s) : len;
	if (!scp_lex_tag_valid(s, tlen))
		return reject(p, SCP_CODE_NONE, "invalid tag");
	memcpy(p->tag, s, tlen);
	p->tag[tlen] = '\0';
	*pos = tlen + 1;
	if (sp == NULL || (j = atom_end(s, *pos, m)) == *pos ||
	    (j < m && s[j] == '='))
		return reject(p, SCP_CODE_NONE, "command name expected");
	return 0;
}

/* Cut a line (line end removed) into items. 0, -1 rejected, NOMEM. */
static int
tokenize(struct scp_parser *p, const char *s, size_t len, size_t m,
    bool marker)
{
	const char	*why;
	size_t		 pos = 0;
	int		 r;

	if (!p->cont && (r = read_tag(p, s, len, m, &pos)) != 0)
		return r;
	if ((why = scp_lex_check_line(s, len)) != NULL)
		return reject(p, SCP_CODE_NONE, why);
	if (p->cont) {
		if (len == 0)
			return 0;
		if (s[0] != ' ')
			return reject(p, SCP_CODE_NONE,
			    "a literal must be followed by a space or the line end");
		pos = 1;
	}
	for (;;) {
		if ((r = parse_item(p, s, m, marker, &pos)) != 0)
			return r;
		if (p->lit_ahead)
			return 0;
		if (pos == m) {
			if (marker)
				return reject(p, SCP_CODE_NONE,
				    "a literal must follow a space or '='");
			return 0;
		}
		if (s[pos] != ' ')
			return reject(p, SCP_CODE_NONE,
			    "arguments must be separated by one space");
		pos++;
	}
}

/* A whole physical line is in p->line. */
static int
line_done(struct scp_parser *p)
{
	const char	*s = p->line.data;
	size_t		 len = scp_lex_chomp(s, p->line.len), m = len;
	uint64_t	 count = 0;
	bool		 sync = true, marker;
	enum scp_marker	 mk;

	mk = scp_lex_marker(s, len, &m, &count, &sync);
	if (mk == SCP_MARK_OVERFLOW)
		return close_with(p, SCP_CODE_TOOBIG,
		    "literal size does not fit in 64 bits");
	marker = mk == SCP_MARK_LITERAL;
	if (!marker)
		m = len;
	else if (!sync && count > SCP_NONSYNC_MAX)
		return close_with(p, SCP_CODE_TOOBIG,
		    "non-synchronizing literal over 4096 octets");
	if (!p->skipping && tokenize(p, s, len, m, marker) == NOMEM)
		return close_with(p, SCP_CODE_INTERNAL, "out of memory");
	line_clear(p);
	if (p->skipping) {
		lit_release(p);
		if (marker && !sync) {
			start_literal(p, SINK_DISCARD, count);
			return STEP;
		}
		return finish(p, p->outcome);
	}
	if (!marker)
		return finish(p, SCP_REQUEST);
	p->lit.size = count;
	p->lit.sync = sync;
	p->lit.name = p->litname;
	p->lit.index = p->items.n;
	p->state = PS_DECIDE;
	sync_req(p);
	return SCP_LITERAL;
}

static int
feed_line(struct scp_parser *p, const char *in, size_t n, size_t *used)
{
	*used = 0;
	if (n > 0)
		p->busy = true;
	if (p->probing && http_probe(p, in, n))
		return close_with(p, SCP_CODE_NONE, "HTTP is not spoken here");
	switch (scp_lex_line_feed(&p->line, p->lim.line_max, in, n, used)) {
	case SCP_LINE_MORE:
		return SCP_MORE;
	case SCP_LINE_TOOLONG:
		return close_with(p, SCP_CODE_TOOBIG, "line too long");
	case SCP_LINE_NOMEM:
		return close_with(p, SCP_CODE_INTERNAL, "out of memory");
	case SCP_LINE_DONE:
		break;
	}
	p->probing = false;
	return line_done(p);
}

/* Room for k more literal octets, growing with the data, never past its size. */
static int
lit_reserve(struct scp_parser *p, size_t k)
{
	size_t	 need = p->litlen + k + 1, cap;
	char	*v;

	if (need <= p->litcap)
		return 0;
	cap = p->litcap < 256 ? 256 : p->litcap;
	while (cap < need)
		cap *= 2;
	if (cap > p->lit.size + 1)
		cap = (size_t)p->lit.size + 1;
	if ((v = malloc(cap)) == NULL)
		return -1;
	if (p->litlen > 0) {
		memcpy(v, p->litdata, p->litlen);
		explicit_bzero(p->litdata, p->litlen);
	}
	free(p->litdata);
	p->litdata = v;
	p->litcap = cap;
	return 0;
}

/* All of a literal's octets are in. */
static int
literal_done(struct scp_parser *p)
{
	char	*v;
	size_t	 len = p->litlen;

	p->state = PS_LINE;
	p->cont = true;
	if (p->sink != SINK_COLLECT)
		return STEP;
	if ((v = p->litdata) == NULL && (v = calloc(1, 1)) == NULL)
		return close_with(p, SCP_CODE_INTERNAL, "out of memory");
	v[len] = '\0';
	p->litdata = NULL;
	p->litlen = p->litcap = 0;
	if (p->littext && (memchr(v, '\0', len) != NULL ||
	    !scp_utf8_valid(v, len))) {
		explicit_bzero(v, len);
		free(v);
		free(p->litname);
		p->litname = NULL;
		reject(p, SCP_CODE_NONE, "literal is not UTF-8 text");
		return STEP;
	}
	if (add_item(p, p->litname, v, len, SCP_ITEM_LITERAL) == NOMEM) {
		p->litname = NULL;
		return close_with(p, SCP_CODE_INTERNAL, "out of memory");
	}
	p->litname = NULL;
	return STEP;
}

static int
feed_literal(struct scp_parser *p, const char *in, size_t n, size_t *used)
{
	size_t	 k = p->litleft < n ? (size_t)p->litleft : n;

	*used = 0;
	if (p->litleft == 0)
		return literal_done(p);
	if (n == 0)
		return SCP_MORE;
	switch (p->sink) {
	case SINK_DISCARD:
		break;
	case SINK_COLLECT:
		if (lit_reserve(p, k) == -1)
			return close_with(p, SCP_CODE_INTERNAL, "out of memory");
		memcpy(p->litdata + p->litlen, in, k);
		p->litlen += k;
		break;
	case SINK_STREAM:
		p->chunk = in;
		p->chunklen = k;
		p->litleft -= k;
		*used = k;
		return SCP_CHUNK;
	}
	p->litleft -= k;
	*used = k;
	if (p->litleft == 0)
		return literal_done(p);
	return SCP_MORE;
}

enum scp_result
scp_parse(struct scp_parser *p, const char *in, size_t len, size_t *used)
{
	size_t	 off = 0, n;
	int	 r;

	*used = 0;
	if (in == NULL)
		in = "";	/* no input: keep pointer arithmetic defined */
	if (p->state == PS_DEAD)
		return SCP_CLOSE;
	if (p->done)
		request_clear(p);
	if (p->state == PS_DECIDE)
		scp_parser_refuse(p);
	p->chunk = NULL;
	p->chunklen = 0;
	do {
		n = 0;
		switch (p->state) {
		case PS_LINE:
			r = feed_line(p, in + off, len - off, &n);
			break;
		case PS_LITERAL:
			r = feed_literal(p, in + off, len - off, &n);
			break;
		case PS_END:
			r = finish(p, p->outcome);
			break;
		default:
			r = SCP_CLOSE;
			break;
		}
		off += n;
	} while (r == STEP);
	*used = off;
	return (enum scp_result)r;
}

const struct scp_request *
scp_parser_request(const struct scp_parser *p)
{
	return &p->req;
}

const struct scp_request *
scp_parser_partial(const struct scp_parser *p)
{
	return &p->req;
}

const struct scp_literal *
scp_parser_literal(const struct scp_parser *p)
{
	return &p->lit;
}

void
scp_parser_accept(struct scp_parser *p, enum scp_litmode mode)
{
	uint64_t	 max;

	if (p->state != PS_DECIDE)
		return;
	p->lit_ahead = false;
	max = mode == SCP_LIT_STREAM ? p->lim.doc_max : p->lim.text_max;
	if (p->lit.size > max || p->lit.size >= SIZE_MAX) {
		/* The caller should have refused; never hold more than allowed. */
		lit_release(p);
		reject(p, SCP_CODE_TOOBIG, "literal over its limit");
		start_literal(p, SINK_DISCARD, p->lit.size);
		return;
	}
	if (mode == SCP_LIT_STREAM) {
		if (scp_items_add(&p->items, p->litname, NULL,
		    (size_t)p->lit.size,
		    SCP_ITEM_LITERAL | SCP_ITEM_STREAMED) == -1) {
			p->litname = NULL;
			close_with(p, SCP_CODE_INTERNAL, "out of memory");
			return;
		}
		p->litname = NULL;
		start_literal(p, SINK_STREAM, p->lit.size);
		return;
	}
	p->littext = mode == SCP_LIT_TEXT;
	start_literal(p, SINK_COLLECT, p->lit.size);
}

void
scp_parser_refuse(struct scp_parser *p)
{
	if (p->state != PS_DECIDE)
		return;
	lit_release(p);
	p->skipping = true;
	p->outcome = SCP_SKIPPED;
	if (p->lit.sync)
		p->state = PS_END;	/* the peer sends nothing more */
	else
		start_literal(p, SINK_DISCARD, p->lit.size);
}

void
scp_parser_chunk(const struct scp_parser *p, const char **data, size_t *len)
{
	*data = p->chunk;
	*len = p->chunklen;
}

const char *
scp_parser_tag(const struct scp_parser *p)
{
	return p->tag[0] != '\0' ? p->tag : "*";
}

enum scp_code
scp_parser_code(const struct scp_parser *p)
{
	return p->code;
}

const char *
scp_parser_error(const struct scp_parser *p)
{
	return p->error != NULL ? p->error : "";
}

bool
scp_parser_busy(const struct scp_parser *p)
{
	return p->busy;
}

bool
scp_parser_in_literal(const struct scp_parser *p)
{
	return p->state == PS_LITERAL;
}

size_t
scp_parser_held(const struct scp_parser *p)
{
	size_t	 held;

	held = p->line.cap + p->items.held + p->items.cap *
	    sizeof(struct scp_item) + p->litcap;
	if (p->litname != NULL)
		held += strlen(p->litname) + 1;
	return held;
}
