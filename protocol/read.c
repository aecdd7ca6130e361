/*
 * The response reader, for the client: bytes from the server in, one
 * response line (with the literals it carries) out. It trusts the server no
 * more than the server trusts clients: lines and literals are bounded, and
 * anything malformed ends the connection.
 */
#include <stdlib.h>
#include <string.h>

#include "scp.h"
#include "lex.h"

#define STEP		(-1)
#define FIELDS_MAX	4096	/* fields of one record */
#define LINE_KEEP	1024

enum rstate {
	RS_LINE,
	RS_LITERAL,
	RS_DEAD
};

struct scp_reader {
	size_t			 line_max;
	uint64_t		 literal_max;
	enum rstate		 state;
	bool			 cont;		/* the line goes on after a literal */
	bool			 done;		/* handed out: clear on the next call */
	struct scp_buf		 line;
	struct scp_response	 resp;
	char			*tag;
	char			*type;
	char			*code;
	char			*code_args;
	char			*text;
	struct scp_items	 fields;
	char			*litname;
	uint64_t		 litleft;
	struct scp_buf		 lit;
	/* A literal of this field goes to sink, never held (scp_reader_sink). */
	char			*sink_field;
	scp_sink_fn		 sink;
	void			*sink_arg;
	bool			 sinking;
	const char		*error;
};

struct scp_reader *
scp_reader_new(size_t line_max, uint64_t literal_max)
{
	struct scp_reader	*r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->line_max = line_max;
	r->literal_max = literal_max;
	r->state = RS_LINE;
	return r;
}

static void
response_clear(struct scp_reader *r)
{
	free(r->tag);
	free(r->type);
	free(r->code);
	free(r->code_args);
	free(r->text);
	free(r->litname);
	r->tag = r->type = r->code = r->code_args = r->text = NULL;
	r->litname = NULL;
	scp_items_clear(&r->fields);
	scp_buf_free(&r->lit);
	memset(&r->resp, 0, sizeof(r->resp));
	r->cont = false;
	r->done = false;
	if (r->line.len == 0 && r->line.cap > LINE_KEEP)
		scp_buf_free(&r->line);
}

int
scp_reader_sink(struct scp_reader *r, const char *field, scp_sink_fn fn,
    void *arg)
{
	char	*copy = NULL;

	if (field != NULL && (copy = strdup(field)) == NULL)
		return -1;
	free(r->sink_field);
	r->sink_field = copy;
	r->sink = field != NULL ? fn : NULL;
	r->sink_arg = arg;
	return 0;
}

void
scp_reader_free(struct scp_reader *r)
{
	if (r == NULL)
		return;
	response_clear(r);
	scp_buf_free(&r->line);
	scp_items_free(&r->fields);
	free(r->sink_field);
	free(r);
}

static int
fail(struct scp_reader *r, const char *why)
{
	r->state = RS_DEAD;
	r->error = why;
	return SCP_CLOSE;
}

static int
complete(struct scp_reader *r)
{
	struct scp_response	*resp = &r->resp;

	resp->tag = r->tag;
	resp->type = r->type;
	resp->code = r->code;
	resp->code_args = r->code_args;
	resp->text = r->text;
	resp->nfields = r->fields.n;
	resp->fields = r->fields.v;
	r->done = true;
	r->state = RS_LINE;
	return SCP_REQUEST;
}

static size_t
atom_end(const char *s, size_t i, size_t end)
{
	while (i < end && scp_lex_atom_char((unsigned char)s[i]))
		i++;
	return i;
}

/* Copy s[i..j) into *out; -1 on ENOMEM. */
static int
take(char **out, const char *s, size_t i, size_t j)
{
	free(*out);
	*out = scp_lex_strndup(s + i, j - i);
	return *out == NULL ? -1 : 0;
}

/* After a status word: [SP "[" code *(SP arg) "]"] [SP text]. */
static int
status_rest(struct scp_reader *r, const char *s, size_t len, size_t i)
{
	const char	*close, *sp;
	size_t		 end;

	if (i == len)
		return complete(r);
	if (s[i++] != ' ')
		return fail(r, "malformed status line");
	if (i < len && s[i] == '[') {
		if ((close = memchr(s + i, ']', len - i)) == NULL)
			return fail(r, "unclosed response code");
		end = (size_t)(close - s);
		sp = memchr(s + i + 1, ' ', end - i - 1);
		if (take(&r->code, s, i + 1, sp != NULL ?
		    (size_t)(sp - s) : end) == -1)
			return fail(r, "out of memory");
		if (*r->code == '\0' ||
		    atom_end(r->code, 0, strlen(r->code)) != strlen(r->code))
			return fail(r, "malformed response code");
		if (sp != NULL && take(&r->code_args, s, (size_t)(sp - s) + 1,
		    end) == -1)
			return fail(r, "out of memory");
		i = end + 1;
		if (i == len)
			return complete(r);
		if (s[i++] != ' ')
			return fail(r, "malformed status line");
	}
	if (take(&r->text, s, i, len) == -1)
		return fail(r, "out of memory");
	return complete(r);
}

static int
add_field(struct scp_reader *r, char *name, char *value, size_t len,
    unsigned flags)
{
	if (r->fields.n >= FIELDS_MAX) {
		free(name);
		free(value);
		return fail(r, "too many fields");
	}
	if (scp_items_add(&r->fields, name, value, len, flags) == -1)
		return fail(r, "out of memory");
	return 0;
}

static int
start_literal(struct scp_reader *r, char *name, uint64_t size)
{
	if (r->fields.n >= FIELDS_MAX) {
		free(name);
		return fail(r, "too many fields");
	}
	r->litname = name;
	r->litleft = size;
	scp_buf_reset(&r->lit);
	r->sinking = r->sink != NULL && name != NULL &&
	    strcmp(name, r->sink_field) == 0;
	r->state = RS_LITERAL;
	return STEP;
}

/* One value (atom or quoted) at s[i], i < m. */
static int
field_value(struct scp_reader *r, char *name, const char *s, size_t m,
    size_t *pos)
{
	size_t		 i = *pos, j, vlen;
	char		*v;
	unsigned	 flags = 0;

	if (s[i] == '"') {
		if (scp_lex_quoted(s, m, &i, &v, &vlen) != 0) {
			free(name);
			return fail(r, "malformed quoted string");
		}
		flags = SCP_ITEM_QUOTED;
	} else {
		if ((j = atom_end(s, i, m)) == i) {
			free(name);
			return fail(r, "malformed field");
		}
		vlen = j - i;
		if ((v = scp_lex_strndup(s + i, vlen)) == NULL) {
			free(name);
			return fail(r, "out of memory");
		}
		i = j;
	}
	*pos = i;
	return add_field(r, name, v, vlen, flags);
}

/* One field at s[*pos]: name=value or a value alone. */
static int
field(struct scp_reader *r, const char *s, size_t m, bool marker,
    uint64_t count, size_t *pos)
{
	size_t	 i = *pos, j;
	char	*name = NULL;

	if (i == m)
		return marker ? start_literal(r, NULL, count) :
		    fail(r, "malformed field");
	j = atom_end(s, i, m);
	if (j < m && s[j] == '=') {
		if (!scp_lex_name_valid(s + i, j - i))
			return fail(r, "malformed field name");
		if ((name = scp_lex_lowerdup(s + i, j - i)) == NULL)
			return fail(r, "out of memory");
		*pos = i = j + 1;
		if (i == m) {
			if (marker)
				return start_literal(r, name, count);
			free(name);
			return fail(r, "field without a value");
		}
	}
	return field_value(r, name, s, m, pos);
}

/* Fields from s[i], each after one space, maybe ending with a literal. */
static int
fields(struct scp_reader *r, const char *s, size_t len, size_t i)
{
	size_t		 m = len;
	uint64_t	 count = 0;
	bool		 sync, marker;
	enum scp_marker	 mk;
	int		 rc;

	mk = scp_lex_marker(s, len, &m, &count, &sync);
	if (mk == SCP_MARK_OVERFLOW)
		return fail(r, "literal size does not fit in 64 bits");
	marker = mk == SCP_MARK_LITERAL;
	if (!marker)
		m = len;
	else if (count > r->literal_max)
		return fail(r, "literal over the limit");
	for (;;) {
		if (i == m) {
			if (marker)
				return fail(r, "misplaced literal");
			return complete(r);
		}
		if (s[i++] != ' ')
			return fail(r, "malformed record");
		if ((rc = field(r, s, m, marker, count, &i)) != 0)
			return rc;
	}
}

/* The first line of a response. */
static int
first_line(struct scp_reader *r, const char *s, size_t len)
{
	const char	*sp;
	size_t		 j, tlen;

	if (len > 0 && s[0] == '+') {
		r->resp.kind = SCP_R_CONTINUE;
		return status_rest(r, s, len, 1);
	}
	if (len > 1 && s[0] == '*' && s[1] == ' ') {
		if ((j = atom_end(s, 2, len)) == 2)
			return fail(r, "malformed untagged line");
		if (take(&r->type, s, 2, j) == -1)
			return fail(r, "out of memory");
		r->resp.kind = SCP_R_DATA;
		if (strcmp(r->type, "BYE") == 0) {
			r->resp.kind = SCP_R_BYE;
			return status_rest(r, s, len, j);
		}
		if (strcmp(r->type, "OK") == 0 || strcmp(r->type, "NO") == 0 ||
		    strcmp(r->type, "BAD") == 0) {
			r->resp.status = r->type[0] == 'O' ? SCP_OK :
			    r->type[0] == 'N' ? SCP_NO : SCP_BAD;
			return status_rest(r, s, len, j);
		}
		return fields(r, s, len, j);
	}
	sp = memchr(s, ' ', len);
	tlen = sp != NULL ? (size_t)(sp - s) : len;
	if (sp == NULL || !scp_lex_tag_valid(s, tlen))
		return fail(r, "malformed response line");
	j = atom_end(s, tlen + 1, len);
	if (take(&r->tag, s, 0, tlen) == -1 ||
	    take(&r->type, s, tlen + 1, j) == -1)
		return fail(r, "out of memory");
	if (strcmp(r->type, "OK") == 0)
		r->resp.status = SCP_OK;
	else if (strcmp(r->type, "NO") == 0)
		r->resp.status = SCP_NO;
	else if (strcmp(r->type, "BAD") == 0)
		r->resp.status = SCP_BAD;
	else
		return fail(r, "unknown completion status");
	r->resp.kind = SCP_R_DONE;
	return status_rest(r, s, len, j);
}

static int
line_done(struct scp_reader *r)
{
	const char	*s = r->line.data, *why;
	size_t		 len = scp_lex_chomp(s, r->line.len);
	int		 rc;

	if ((why = scp_lex_check_line(s, len)) != NULL)
		return fail(r, why);
	if (r->cont)
		rc = fields(r, s, len, 0);
	else
		rc = first_line(r, s, len);
	scp_buf_reset(&r->line);
	return rc;
}

static int
feed_line(struct scp_reader *r, const char *in, size_t n, size_t *used)
{
	switch (scp_lex_line_feed(&r->line, r->line_max, in, n, used)) {
	case SCP_LINE_MORE:
		return SCP_MORE;
	case SCP_LINE_TOOLONG:
		return fail(r, "line too long");
	case SCP_LINE_NOMEM:
		return fail(r, "out of memory");
	case SCP_LINE_DONE:
		break;
	}
	return line_done(r);
}

static int
feed_literal(struct scp_reader *r, const char *in, size_t n, size_t *used)
{
	size_t	 k = r->litleft < n ? (size_t)r->litleft : n;
	char	*v;
	size_t	 len;

	*used = 0;
	if (r->sinking) {
		if (k > 0 && r->sink(r->sink_arg, in, k) == -1)
			return fail(r, "the literal could not be taken");
	} else if (k > 0 && scp_buf_add(&r->lit, in, k) == -1)
		return fail(r, "out of memory");
	r->litleft -= k;
	*used = k;
	if (r->litleft > 0)
		return SCP_MORE;
	if (r->sinking) {
		/* The field is there, empty: its octets went to the sink. */
		r->sinking = false;
		r->state = RS_LINE;
		r->cont = true;
		if ((v = strdup("")) == NULL ||
		    add_field(r, r->litname, v, 0,
		    SCP_ITEM_LITERAL | SCP_ITEM_STREAMED) != 0) {
			r->litname = NULL;
			return v == NULL ? fail(r, "out of memory") : SCP_CLOSE;
		}
		r->litname = NULL;
		return STEP;
	}
	if (r->lit.data == NULL && scp_buf_add(&r->lit, "", 0) == -1)
		return fail(r, "out of memory");
	v = r->lit.data;
	len = r->lit.len;
	memset(&r->lit, 0, sizeof(r->lit));
	r->state = RS_LINE;
	r->cont = true;
	if (add_field(r, r->litname, v, len, SCP_ITEM_LITERAL) != 0) {
		r->litname = NULL;
		return SCP_CLOSE;
	}
	r->litname = NULL;
	return STEP;
}

enum scp_result
scp_read(struct scp_reader *r, const char *in, size_t len, size_t *used)
{
	size_t	 off = 0, n;
	int	 rc;

	*used = 0;
	if (in == NULL)
		in = "";	/* no input: keep pointer arithmetic defined */
	if (r->state == RS_DEAD)
		return SCP_CLOSE;
	if (r->done)
		response_clear(r);
	do {
		n = 0;
		if (r->state == RS_LINE)
			rc = feed_line(r, in + off, len - off, &n);
		else
			rc = feed_literal(r, in + off, len - off, &n);
		off += n;
	} while (rc == STEP);
	*used = off;
	return (enum scp_result)rc;
}

const struct scp_response *
scp_reader_response(const struct scp_reader *r)
{
	return &r->resp;
}

const char *
scp_reader_error(const struct scp_reader *r)
{
	return r->error != NULL ? r->error : "";
}

const char *
scp_response_field(const struct scp_response *resp, const char *name)
{
	size_t	 i;

	for (i = 0; i < resp->nfields; i++)
		if (resp->fields[i].name != NULL &&
		    strcmp(resp->fields[i].name, name) == 0)
			return resp->fields[i].value;
	return NULL;
}
