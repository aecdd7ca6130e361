/*
 * docgen: documents through sccd (DOC PUT, DOC GET) against libpq alone
 * doing the same database work, and sccd's memory while documents stream.
 *
 * Document contents are made, not stored: octet k of a document with seed
 * S is a fixed function of (S, k) (splitmix64 in counter mode), so they
 * cost the client no memory, cannot be compressed by TOAST, and the
 * expected SHA-256 of any (seed, size) is known before a byte is sent.
 * Every upload and download is hashed here (OpenSSL SHA-256) and checked:
 * an upload against the sha256= sccd answers and the one made here, a
 * download against the record's sha256= and the one expected.
 *
 * Modes (each prints one line of name=value fields, or dies):
 *
 *   setup  --pg C              as the database owner: an authority, a
 *                              school, a lead officer with a session made as
 *                              LOGIN makes one (no password hashed), and a
 *                              case; prints case=, token=, token_hash=
 *   checkpoint --pg C          CHECKPOINT (the owner is the cluster's
 *                              superuser), so that no run pays for the
 *                              writes of the one before
 *   put    (sccd) --case --size --seed [--name]
 *                              one DOC PUT over TLS after RESUME
 *   get    (sccd) --doc [--expect HEX] [--slow BYTES:MS]
 *                              one DOC GET; --slow reads BYTES, sleeps MS
 *   pgput  --pg C --token-hash HEX --case --size --seed [--window W]
 *                              libpq alone, as sccd does it: BEGIN,
 *                              api.doc_begin, api.doc_chunk per 256 KiB piece
 *                              (binary bytea parameter), api.doc_finish,
 *                              COMMIT; W pieces in flight (pipeline mode)
 *   pgget  --pg C --token-hash HEX --doc [--expect HEX] [--window W] [--text]
 *                              api.doc_get, then api.doc_read per piece,
 *                              results in binary (or, --text, as sccd asks:
 *                              text, hex, unescaped with PQunescapeBytea)
 *   mem    (sccd) --pid P --case --size --uploads N --get ID=HEX ...
 *                              [--slow BYTES:MS]
 *                              N uploads and one slow download per --get,
 *                              all at once, each on a thread and connection
 *                              of its own, while a thread reads sccd's
 *                              VmRSS every 5 ms; VmHWM is reset first
 *                              (clear_refs 5) where the kernel allows
 *
 * (sccd) modes take --host, --port, --ca and --token.
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "scp.h"

#define PIECE		(256 * 1024)	/* server/doc_put.c DOC_CHUNK */
#define LINE_MAX_IN	65536
#define IOBUF		(256 * 1024)
#define GETS_MAX	16
#define SAMPLE_MS	5
#define NS		1000000000ull
#define HEXLEN		(2 * SHA256_DIGEST_LENGTH)

enum mode { M_NONE, M_SETUP, M_PUT, M_GET, M_PGPUT, M_PGGET, M_MEM,
    M_CHECKPOINT };

struct get_spec {
	long long	 doc;
	char		 sha[HEXLEN + 1];
};

struct options {
	enum mode	 mode;
	const char	*host;
	const char	*port;
	const char	*ca;
	const char	*token;
	const char	*pg;
	const char	*token_hash;	/* hex */
	const char	*name;
	const char	*expect;	/* hex */
	long long	 kase;
	long long	 doc;
	long long	 size;
	unsigned long long seed;
	int		 window;
	bool		 text;
	size_t		 slow_bytes;	/* 0: read as fast as it comes */
	unsigned	 slow_ms;
	long		 pid;
	int		 uploads;
	struct get_spec	 gets[GETS_MAX];
	int		 ngets;
};

static struct options	 opt;
static SSL_CTX		*tls_ctx;

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	fputs("docgen: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static uint64_t
now_ns(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		die("clock_gettime: %s", strerror(errno));
	return (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
}

static void
sleep_ms(unsigned ms)
{
	struct timespec	 ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static double
mb_s(long long size, uint64_t ns)
{
	return ns == 0 ? 0.0 : (double)size / 1e6 / ((double)ns / 1e9);
}

/* ---- contents and hashes ---- */

/* Octets [off, off + n) of the document with this seed; off % 8 == 0. */
static void
contents(unsigned long long seed, uint64_t off, unsigned char *p, size_t n)
{
	uint64_t	 i = off / 8, z;
	size_t		 k;

	for (k = 0; k < n; k += 8, i++) {
		z = (uint64_t)seed + (i + 1) * 0x9e3779b97f4a7c15ull;
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		z ^= z >> 31;
		if (n - k >= 8)
			memcpy(p + k, &z, 8);
		else
			memcpy(p + k, &z, n - k);
	}
}

static EVP_MD_CTX *
sha_new(void)
{
	EVP_MD_CTX	*h;

	if ((h = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(h, EVP_sha256(), NULL) != 1)
		die("SHA-256 unavailable");
	return h;
}

static void
sha_add(EVP_MD_CTX *h, const void *p, size_t n)
{
	if (EVP_DigestUpdate(h, p, n) != 1)
		die("EVP_DigestUpdate failed");
}

static void
hex(char *out, const unsigned char *in, size_t len)
{
	static const char	 digits[] = "0123456789abcdef";
	size_t			 i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}

/* Finish h into hex (and raw, when wanted), and free it. */
static void
sha_end(EVP_MD_CTX *h, char out[HEXLEN + 1], unsigned char *raw)
{
	unsigned char	 d[EVP_MAX_MD_SIZE];
	unsigned int	 n = 0;

	if (EVP_DigestFinal_ex(h, d, &n) != 1 || n != SHA256_DIGEST_LENGTH)
		die("EVP_DigestFinal_ex failed");
	EVP_MD_CTX_free(h);
	hex(out, d, SHA256_DIGEST_LENGTH);
	if (raw != NULL)
		memcpy(raw, d, SHA256_DIGEST_LENGTH);
}

static int
unhex(unsigned char *out, size_t outlen, const char *s)
{
	size_t	 i;
	int	 hi, lo;

	if (strlen(s) != 2 * outlen)
		return -1;
	for (i = 0; i < outlen; i++) {
		hi = s[2 * i] >= 'a' ? s[2 * i] - 'a' + 10 : s[2 * i] - '0';
		lo = s[2 * i + 1] >= 'a' ? s[2 * i + 1] - 'a' + 10 :
		    s[2 * i + 1] - '0';
		if (hi < 0 || hi > 15 || lo < 0 || lo > 15)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

/* ---- TLS to sccd, blocking ---- */

struct tconn {
	int		 fd;
	SSL		*ssl;
	unsigned char	*buf;
	size_t		 off, len;	/* unread: buf[off .. off + len) */
};

static void
tls_setup(void)
{
	if ((tls_ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		die("SSL_CTX_new failed");
	if (SSL_CTX_set_min_proto_version(tls_ctx, TLS1_2_VERSION) != 1)
		die("cannot require TLS 1.2");
	if (SSL_CTX_load_verify_locations(tls_ctx, opt.ca, NULL) != 1)
		die("cannot load CA %s: %s", opt.ca,
		    ERR_error_string(ERR_get_error(), NULL));
	SSL_CTX_set_verify(tls_ctx, SSL_VERIFY_PEER, NULL);
}

static void __attribute__((noreturn))
tc_fail(const char *what)
{
	unsigned long	 e = ERR_peek_error();
	char		 detail[160] = "";

	if (e != 0)
		ERR_error_string_n(e, detail, sizeof(detail));
	die("%s%s%s", what, e != 0 ? ": " : "", detail);
}

static void
tc_open(struct tconn *t)
{
	struct addrinfo	 hints, *res;
	unsigned char	 tmp[sizeof(struct in6_addr)];
	int		 rc, one = 1;
	bool		 is_ip;

	memset(t, 0, sizeof(*t));
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(opt.host, opt.port, &hints, &res)) != 0)
		die("%s port %s: %s", opt.host, opt.port, gai_strerror(rc));
	if ((t->fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC,
	    0)) == -1 ||
	    setsockopt(t->fd, IPPROTO_TCP, TCP_NODELAY, &one,
	    sizeof(one)) == -1 ||
	    connect(t->fd, res->ai_addr, res->ai_addrlen) == -1)
		die("connect %s:%s: %s", opt.host, opt.port, strerror(errno));
	freeaddrinfo(res);
	if ((t->ssl = SSL_new(tls_ctx)) == NULL)
		die("SSL_new failed");
	is_ip = inet_pton(AF_INET, opt.host, tmp) == 1 ||
	    inet_pton(AF_INET6, opt.host, tmp) == 1;
	if (is_ip)
		rc = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(t->ssl),
		    opt.host);
	else
		rc = SSL_set_tlsext_host_name(t->ssl, opt.host) == 1 &&
		    SSL_set1_host(t->ssl, opt.host) == 1;
	if (!rc || SSL_set_fd(t->ssl, t->fd) != 1)
		die("cannot set up TLS");
	if (SSL_connect(t->ssl) != 1)
		tc_fail("TLS handshake failed");
	if ((t->buf = malloc(IOBUF)) == NULL)
		die("out of memory");
}

static void
tc_close(struct tconn *t)
{
	if (t->ssl != NULL) {
		(void)SSL_shutdown(t->ssl);
		SSL_free(t->ssl);
	}
	if (t->fd != -1)
		close(t->fd);
	free(t->buf);
	memset(t, 0, sizeof(*t));
	t->fd = -1;
}

/* Read what TLS gives (at most max, at least one octet) after the unread. */
static void
tc_fill(struct tconn *t, size_t max)
{
	int	 n;
	size_t	 room;

	if (t->len == 0)
		t->off = 0;
	else if (t->off > 0 && t->off + t->len == IOBUF) {
		memmove(t->buf, t->buf + t->off, t->len);
		t->off = 0;
	}
	room = IOBUF - t->off - t->len;
	if (room == 0)
		die("line too long");
	if (max > 0 && room > max)
		room = max;
	if ((n = SSL_read(t->ssl, t->buf + t->off + t->len,
	    room > INT_MAX ? INT_MAX : (int)room)) <= 0) {
		if (SSL_get_error(t->ssl, n) == SSL_ERROR_ZERO_RETURN)
			die("sccd closed the connection");
		tc_fail("TLS read failed (sccd closed the connection?)");
	}
	t->len += (size_t)n;
}

/* The next line, without its CRLF, NUL-terminated in out. */
static void
tc_line(struct tconn *t, char *out, size_t outsz)
{
	unsigned char	*p, *cr;
	size_t		 n;

	for (;;) {
		p = t->buf + t->off;
		cr = t->len >= 2 ? memmem(p, t->len, "\r\n", 2) : NULL;
		if (cr != NULL) {
			n = (size_t)(cr - p);
			if (n >= outsz)
				die("line too long: %.80s", (char *)p);
			memcpy(out, p, n);
			out[n] = '\0';
			t->off += n + 2;
			t->len -= n + 2;
			return;
		}
		if (t->len > LINE_MAX_IN)
			die("line too long");
		tc_fill(t, 0);
	}
}

static void
tc_write(struct tconn *t, const void *p, size_t n)
{
	int	 w;

	while (n > 0) {
		if ((w = SSL_write(t->ssl, p, n > INT_MAX ? INT_MAX :
		    (int)n)) <= 0)
			tc_fail("TLS write failed (sccd closed the "
			    "connection?)");
		p = (const char *)p + w;
		n -= (size_t)w;
	}
}

static void __attribute__((format(printf, 2, 3)))
tc_printf(struct tconn *t, const char *fmt, ...)
{
	char	 line[1024];
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line))
		die("request too long");
	tc_write(t, line, (size_t)n);
}

/* Lines until the one tagged tag; a "* DOC" line before it goes to doc. */
static void
tc_until(struct tconn *t, const char *tag, char *doc, size_t docsz,
    char *done, size_t donesz)
{
	size_t	 tl = strlen(tag);

	for (;;) {
		tc_line(t, done, donesz);
		if (strncmp(done, tag, tl) == 0 && done[tl] == ' ')
			return;
		if (doc != NULL && strncmp(done, "* DOC ", 6) == 0)
			(void)strlcpy(doc, done, docsz);
		else if (strncmp(done, "* BYE", 5) == 0)
			die("sccd said: %s", done);
	}
}

/* The value of name= among the space-separated words of a record. */
static bool
word(const char *line, const char *name, char *out, size_t outsz)
{
	size_t		 nl = strlen(name), n;
	const char	*p = line, *end;

	while ((p = strstr(p, name)) != NULL) {
		if ((p == line || p[-1] == ' ') && p[nl] == '=') {
			p += nl + 1;
			end = p + strcspn(p, " ");
			n = (size_t)(end - p);
			if (n >= outsz)
				return false;
			memcpy(out, p, n);
			out[n] = '\0';
			return true;
		}
		p += nl;
	}
	return false;
}

/* Greeting, RESUME. */
static void
tc_session(struct tconn *t)
{
	char	 line[LINE_MAX_IN];

	tc_line(t, line, sizeof(line));
	if (strncmp(line, "* OK", 4) != 0)
		die("greeting: %s", line);
	tc_printf(t, "r1 RESUME %s\r\n", opt.token);
	tc_until(t, "r1", NULL, 0, line, sizeof(line));
	if (strncmp(line, "r1 OK", 5) != 0)
		die("RESUME: %s", line);
}

/* ---- through sccd ---- */

struct put_result {
	long long	 id;
	uint64_t	 ns;
	char		 sha[HEXLEN + 1];	/* made here */
	char		 server_sha[HEXLEN + 1];
	bool		 ok;
	char		 answer[200];
};

static void
sccd_put(long long size, unsigned long long seed, const char *name,
    struct put_result *r)
{
	struct tconn	 t;
	EVP_MD_CTX	*h = sha_new();
	unsigned char	*piece;
	char		 line[LINE_MAX_IN], doc[LINE_MAX_IN] = "", v[64];
	uint64_t	 t0, off;
	size_t		 n;

	memset(r, 0, sizeof(*r));
	if ((piece = malloc(PIECE)) == NULL)
		die("out of memory");
	tc_open(&t);
	tc_session(&t);
	t0 = now_ns();
	tc_printf(&t, "p1 DOC PUT %lld name=%s data={%lld}\r\n", opt.kase,
	    name, size);
	tc_line(&t, line, sizeof(line));
	if (strncmp(line, "+ ", 2) != 0)
		die("DOC PUT %s: %s", name, line);
	for (off = 0; off < (uint64_t)size; off += n) {
		n = (uint64_t)size - off < PIECE ? (size_t)((uint64_t)size -
		    off) : PIECE;
		contents(seed, off, piece, n);
		sha_add(h, piece, n);
		tc_write(&t, piece, n);
	}
	tc_write(&t, "\r\n", 2);
	tc_until(&t, "p1", doc, sizeof(doc), line, sizeof(line));
	r->ns = now_ns() - t0;
	sha_end(h, r->sha, NULL);
	(void)strlcpy(r->answer, line, sizeof(r->answer));
	if (strncmp(line, "p1 OK", 5) != 0)
		die("DOC PUT %s: %s", name, line);
	if (!word(doc, "id", v, sizeof(v)) ||
	    !word(doc, "sha256", r->server_sha, sizeof(r->server_sha)))
		die("DOC PUT %s: no id= or sha256= in: %s", name, doc);
	r->id = strtoll(v, NULL, 10);
	if (!word(doc, "size", v, sizeof(v)) || strtoll(v, NULL, 10) != size)
		die("DOC PUT %s: size %s, not %lld", name, v, size);
	r->ok = strcmp(r->sha, r->server_sha) == 0;
	tc_close(&t);
	free(piece);
}

struct get_result {
	long long	 size;
	uint64_t	 ns;
	char		 sha[HEXLEN + 1];	/* of what arrived */
	char		 record_sha[HEXLEN + 1];
	bool		 ok;
};

static void
sccd_get(long long doc, const char *expect, size_t slow_bytes,
    unsigned slow_ms, struct get_result *r)
{
	struct tconn	 t;
	EVP_MD_CTX	*h = sha_new();
	char		 line[LINE_MAX_IN], *lit, *end;
	uint64_t	 t0, left, take, since = 0;
	unsigned long long size;

	memset(r, 0, sizeof(*r));
	tc_open(&t);
	tc_session(&t);
	t0 = now_ns();
	tc_printf(&t, "g1 DOC GET %lld\r\n", doc);
	tc_line(&t, line, sizeof(line));
	if (strncmp(line, "* DOC ", 6) != 0)
		die("DOC GET %lld: %s", doc, line);
	/* data={N} ends the line: the octets follow. */
	if ((lit = strrchr(line, '{')) == NULL || lit < line + 6 ||
	    strncmp(lit - 6, " data=", 6) != 0 ||
	    (size = strtoull(lit + 1, &end, 10), *end != '}') || end[1] != '\0')
		die("DOC GET %lld: no data={N} at the end of: %.200s", doc, line);
	if (!word(line, "sha256", r->record_sha, sizeof(r->record_sha)))
		die("DOC GET %lld: no sha256= in: %.200s", doc, line);
	r->size = (long long)size;
	for (left = size; left > 0; left -= take) {
		if (t.len == 0)
			tc_fill(&t, slow_bytes > 0 ? slow_bytes - since : 0);
		take = t.len < left ? t.len : left;
		if (slow_bytes > 0 && take > slow_bytes - since)
			take = slow_bytes - since;
		sha_add(h, t.buf + t.off, take);
		t.off += take;
		t.len -= take;
		if (slow_bytes > 0 && (since += take) >= slow_bytes) {
			sleep_ms(slow_ms);
			since = 0;
		}
	}
	tc_line(&t, line, sizeof(line));
	if (line[0] != '\0')
		die("DOC GET %lld: the octets end with %.80s, not CRLF", doc,
		    line);
	tc_until(&t, "g1", NULL, 0, line, sizeof(line));
	r->ns = now_ns() - t0;
	if (strncmp(line, "g1 OK", 5) != 0)
		die("DOC GET %lld: %s", doc, line);
	sha_end(h, r->sha, NULL);
	r->ok = strcmp(r->sha, r->record_sha) == 0 &&
	    (expect == NULL || strcmp(r->sha, expect) == 0);
	tc_close(&t);
}

/* ---- libpq alone ---- */

static PGconn *
pg_connect(void)
{
	PGconn	*pg = PQconnectdb(opt.pg);

	if (PQstatus(pg) != CONNECTION_OK)
		die("database: %s", PQerrorMessage(pg));
	return pg;
}

static void
pg_ok(PGconn *pg, const char *sql)
{
	PGresult	*res = PQexec(pg, sql);

	if (PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQresultStatus(res) != PGRES_TUPLES_OK)
		die("%s: %s", sql, PQresultErrorMessage(res));
	PQclear(res);
}

static void
pg_prepare(PGconn *pg, const char *name, const char *sql, int n)
{
	PGresult	*res = PQprepare(pg, name, sql, n, NULL);

	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		die("prepare %s: %s", name, PQresultErrorMessage(res));
	PQclear(res);
}

/* The result of the oldest query in the pipeline, then its sync. */
static PGresult *
pipe_result(PGconn *pg)
{
	PGresult	*res, *x;

	if ((res = PQgetResult(pg)) == NULL)
		die("pipeline: no result: %s", PQerrorMessage(pg));
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		die("pipeline: %s", PQresultErrorMessage(res));
	if ((x = PQgetResult(pg)) != NULL)
		die("pipeline: a second result");
	if ((x = PQgetResult(pg)) == NULL ||
	    PQresultStatus(x) != PGRES_PIPELINE_SYNC)
		die("pipeline: no sync: %s", PQerrorMessage(pg));
	PQclear(x);
	return res;
}

static void
token_hash_raw(unsigned char raw[SHA256_DIGEST_LENGTH])
{
	if (opt.token_hash == NULL ||
	    unhex(raw, SHA256_DIGEST_LENGTH, opt.token_hash) == -1)
		die("--token-hash: 64 hex digits");
}

static void
pg_put(long long size, unsigned long long seed, const char *name)
{
	PGconn		*pg = pg_connect();
	PGresult	*res;
	EVP_MD_CTX	*h = sha_new();
	unsigned char	 th[SHA256_DIGEST_LENGTH], digest[SHA256_DIGEST_LENGTH];
	unsigned char	*pieces;
	char		 kase[24], sz[24], id[24], seq[24], sha[HEXLEN + 1];
	char		 server_sha[HEXLEN + 1] = "";
	const char	*vals[8];
	int		 lens[8], fmts[8];
	uint64_t	 t0, ns, off;
	long long	 npieces, sent = 0, done = 0;
	size_t		 n;
	int		 w = opt.window, col;

	token_hash_raw(th);
	npieces = (size + PIECE - 1) / PIECE;
	if ((pieces = malloc((size_t)w * PIECE)) == NULL)
		die("out of memory");
	pg_prepare(pg, "begin", "SELECT * FROM api.doc_begin($1, $2, $3, $4, "
	    "$5, $6, $7, $8)", 8);
	pg_prepare(pg, "chunk", "SELECT * FROM api.doc_chunk($1, $2, $3)", 3);
	pg_prepare(pg, "finish", "SELECT * FROM api.doc_finish($1, $2, $3)",
	    3);
	(void)snprintf(kase, sizeof(kase), "%lld", opt.kase);
	(void)snprintf(sz, sizeof(sz), "%lld", size);

	t0 = now_ns();
	pg_ok(pg, "BEGIN");
	memset(lens, 0, sizeof(lens));
	memset(fmts, 0, sizeof(fmts));
	vals[0] = (const char *)th;
	lens[0] = sizeof(th);
	fmts[0] = 1;
	vals[1] = kase;
	vals[2] = name;
	vals[3] = NULL;
	vals[4] = NULL;
	vals[5] = sz;
	vals[6] = NULL;
	vals[7] = NULL;
	res = PQexecPrepared(pg, "begin", 8, vals, lens, fmts, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1 ||
	    strcmp(PQgetvalue(res, 0, 0), "UPLOAD") != 0)
		die("api.doc_begin: %s", PQresultErrorMessage(res));
	(void)strlcpy(id, PQgetvalue(res, 0, 1), sizeof(id));
	PQclear(res);

	if (PQenterPipelineMode(pg) != 1)
		die("pipeline mode: %s", PQerrorMessage(pg));
	while (done < npieces) {
		while (sent < npieces && sent - done < w) {
			unsigned char	*p = pieces + (size_t)(sent % w) * PIECE;

			off = (uint64_t)sent * PIECE;
			n = (uint64_t)size - off < PIECE ?
			    (size_t)((uint64_t)size - off) : PIECE;
			contents(seed, off, p, n);
			sha_add(h, p, n);
			(void)snprintf(seq, sizeof(seq), "%lld", sent);
			vals[0] = id;
			vals[1] = seq;
			vals[2] = (const char *)p;
			lens[0] = lens[1] = 0;
			lens[2] = (int)n;
			fmts[0] = fmts[1] = 0;
			fmts[2] = 1;
			if (PQsendQueryPrepared(pg, "chunk", 3, vals, lens,
			    fmts, 0) != 1 || PQpipelineSync(pg) != 1)
				die("api.doc_chunk: %s", PQerrorMessage(pg));
			sent++;
		}
		PQclear(pipe_result(pg));
		done++;
	}
	if (PQexitPipelineMode(pg) != 1)
		die("pipeline mode: %s", PQerrorMessage(pg));

	sha_end(h, sha, digest);
	vals[0] = (const char *)th;
	lens[0] = sizeof(th);
	fmts[0] = 1;
	vals[1] = id;
	lens[1] = 0;
	fmts[1] = 0;
	vals[2] = (const char *)digest;
	lens[2] = sizeof(digest);
	fmts[2] = 1;
	res = PQexecPrepared(pg, "finish", 3, vals, lens, fmts, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		die("api.doc_finish: %s", PQresultErrorMessage(res));
	if ((col = PQfnumber(res, "sha256")) >= 0)
		(void)strlcpy(server_sha, PQgetvalue(res, 0, col),
		    sizeof(server_sha));
	PQclear(res);
	pg_ok(pg, "COMMIT");
	ns = now_ns() - t0;
	printf("pgput id=%s size=%lld pieces=%lld window=%d seconds=%.3f "
	    "mb_s=%.1f sha256=%s server_sha256=%s sha_ok=%d\n", id, size,
	    npieces, w, (double)ns / 1e9, mb_s(size, ns), sha, server_sha,
	    strcmp(sha, server_sha) == 0);
	free(pieces);
	PQfinish(pg);
	if (strcmp(sha, server_sha) != 0)
		exit(4);
}

static void
pg_get(long long doc, const char *expect)
{
	PGconn		*pg = pg_connect();
	PGresult	*res;
	EVP_MD_CTX	*h = sha_new();
	unsigned char	 th[SHA256_DIGEST_LENGTH], *bytes;
	char		 id[24], seq[24], sha[HEXLEN + 1], record_sha[HEXLEN + 1];
	const char	*vals[3];
	int		 lens[3] = { SHA256_DIGEST_LENGTH, 0, 0 };
	int		 fmts[3] = { 1, 0, 0 };
	int		 w = opt.window, rfmt = opt.text ? 0 : 1;
	uint64_t	 t0, ns;
	long long	 pieces, size, got = 0, sent = 0, done = 0;
	size_t		 n;
	bool		 ok;

	token_hash_raw(th);
	(void)snprintf(id, sizeof(id), "%lld", doc);
	pg_prepare(pg, "get", "SELECT * FROM api.doc_get($1, $2)", 2);
	pg_prepare(pg, "read", "SELECT * FROM api.doc_read($1, $2, $3)", 3);
	vals[0] = (const char *)th;
	vals[1] = id;

	t0 = now_ns();
	res = PQexecPrepared(pg, "get", 2, vals, lens, fmts, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1 ||
	    PQfnumber(res, "chunks") < 0 || PQfnumber(res, "size") < 0 ||
	    PQfnumber(res, "sha256") < 0)
		die("api.doc_get: %s", PQresultErrorMessage(res));
	pieces = strtoll(PQgetvalue(res, 0, PQfnumber(res, "chunks")), NULL,
	    10);
	size = strtoll(PQgetvalue(res, 0, PQfnumber(res, "size")), NULL, 10);
	(void)strlcpy(record_sha, PQgetvalue(res, 0, PQfnumber(res,
	    "sha256")), sizeof(record_sha));
	PQclear(res);

	if (PQenterPipelineMode(pg) != 1)
		die("pipeline mode: %s", PQerrorMessage(pg));
	while (done < pieces) {
		while (sent < pieces && sent - done < w) {
			(void)snprintf(seq, sizeof(seq), "%lld", sent);
			vals[2] = seq;
			if (PQsendQueryPrepared(pg, "read", 3, vals, lens, fmts,
			    rfmt) != 1 || PQpipelineSync(pg) != 1)
				die("api.doc_read: %s", PQerrorMessage(pg));
			sent++;
		}
		res = pipe_result(pg);
		if (PQntuples(res) != 1 || PQgetisnull(res, 0, 0))
			die("api.doc_read: no piece %lld", done);
		if (rfmt == 1) {
			n = (size_t)PQgetlength(res, 0, 0);
			sha_add(h, PQgetvalue(res, 0, 0), n);
		} else {
			/* As sccd does: hex text, unescaped into a copy. */
			if ((bytes = PQunescapeBytea((const unsigned char *)
			    PQgetvalue(res, 0, 0), &n)) == NULL)
				die("PQunescapeBytea failed");
			sha_add(h, bytes, n);
			PQfreemem(bytes);
		}
		got += (long long)n;
		PQclear(res);
		done++;
	}
	if (PQexitPipelineMode(pg) != 1)
		die("pipeline mode: %s", PQerrorMessage(pg));
	ns = now_ns() - t0;
	sha_end(h, sha, NULL);
	ok = got == size && strcmp(sha, record_sha) == 0 &&
	    (expect == NULL || strcmp(sha, expect) == 0);
	printf("pgget id=%lld size=%lld pieces=%lld window=%d results=%s "
	    "seconds=%.3f mb_s=%.1f sha256=%s record_sha256=%s sha_ok=%d\n",
	    doc, got, pieces, w, rfmt ? "binary" : "text", (double)ns / 1e9,
	    mb_s(got, ns), sha, record_sha, ok);
	PQfinish(pg);
	if (!ok)
		exit(4);
}

/* ---- setup ---- */

static void
setup(void)
{
	PGconn		*pg = pg_connect();
	PGresult	*res;
	unsigned char	 raw[SCP_TOKEN_RAW], digest[SHA256_DIGEST_LENGTH];
	char		 token[SCP_TOKEN_LEN + 1], th[HEXLEN + 1], name[96];
	char		 auth[24], school[24], user[24], kase[24];
	const char	*vals[4];

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		die("RAND_bytes failed");
	if (SHA256(raw, sizeof(raw), digest) == NULL)
		die("SHA256 failed");
	scp_token_encode(raw, token);
	hex(th, digest, sizeof(digest));

	(void)snprintf(name, sizeof(name), "Bench documents %ld-%lld",
	    (long)getpid(), (long long)time(NULL));
	pg_ok(pg, "BEGIN");
	vals[0] = name;
	res = PQexecParams(pg, "INSERT INTO scc.authority (name) VALUES ($1) "
	    "RETURNING id", 1, NULL, vals, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		die("the authority: %s", PQresultErrorMessage(res));
	(void)strlcpy(auth, PQgetvalue(res, 0, 0), sizeof(auth));
	PQclear(res);

	vals[0] = auth;
	res = PQexecParams(pg, "INSERT INTO scc.school (authority_id, urn, "
	    "name, phase) SELECT $1::bigint, lpad((coalesce(max(urn::int), "
	    "899999) + 1)::text, 6, '0'), 'Bench documents school', 'primary' "
	    "FROM scc.school WHERE urn >= '900000' RETURNING id", 1, NULL,
	    vals, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		die("the school: %s", PQresultErrorMessage(res));
	(void)strlcpy(school, PQgetvalue(res, 0, 0), sizeof(school));
	PQclear(res);

	res = PQexecParams(pg, "INSERT INTO scc.app_user (authority_id, "
	    "login, name, role, pwhash) VALUES ($1::bigint, 'docbench' || $1, "
	    "'Document bench', 'lead_officer', "
	    "'!bench: no password opens this') RETURNING id", 1, NULL, vals,
	    NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		die("the lead officer: %s", PQresultErrorMessage(res));
	(void)strlcpy(user, PQgetvalue(res, 0, 0), sizeof(user));
	PQclear(res);

	vals[0] = th;
	vals[1] = user;
	res = PQexecParams(pg, "INSERT INTO scc.session (token_hash, user_id, "
	    "idle_seconds, expires_at) VALUES (decode($1, 'hex'), $2::bigint, "
	    "86400, now() + interval '1 day')", 2, NULL, vals, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		die("the session: %s", PQresultErrorMessage(res));
	PQclear(res);

	vals[0] = auth;
	vals[1] = school;
	vals[2] = user;
	res = PQexecParams(pg, "INSERT INTO scc.school_case (authority_id, "
	    "school_id, programme_id, lead_id, reason) SELECT $1::bigint, "
	    "$2::bigint, p.id, $3::bigint, 'document benchmark' "
	    "FROM scc.programme p WHERE p.authority_id = $1::bigint "
	    "AND p.name = 'securing_good' RETURNING id", 3, NULL, vals, NULL,
	    NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		die("the case: %s", PQresultErrorMessage(res));
	(void)strlcpy(kase, PQgetvalue(res, 0, 0), sizeof(kase));
	PQclear(res);
	pg_ok(pg, "COMMIT");
	printf("setup authority=%s case=%s user=%s token=%s token_hash=%s\n",
	    auth, kase, user, token, th);
	PQfinish(pg);
}

static void
checkpoint(void)
{
	PGconn		*pg = pg_connect();
	uint64_t	 t0 = now_ns();

	pg_ok(pg, "CHECKPOINT");
	printf("checkpoint seconds=%.3f\n", (double)(now_ns() - t0) / 1e9);
	PQfinish(pg);
}

/* ---- memory: many documents at once ---- */

struct mem_job {
	pthread_t		 thread;
	int			 index;
	bool			 upload;
	long long		 doc;		/* download */
	const char		*expect;
	unsigned long long	 seed;		/* upload */
	char			 name[64];
	struct put_result	 put;
	struct get_result	 get;
};

static pthread_barrier_t	 mem_start;
static atomic_bool		 sampling;

struct status {
	long	 rss_kib, hwm_kib;
};

static bool
read_status(long pid, struct status *s)
{
	char	 path[64], line[256];
	FILE	*fp;

	s->rss_kib = s->hwm_kib = -1;
	(void)snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	if ((fp = fopen(path, "r")) == NULL)
		return false;
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (strncmp(line, "VmRSS:", 6) == 0)
			s->rss_kib = strtol(line + 6, NULL, 10);
		else if (strncmp(line, "VmHWM:", 6) == 0)
			s->hwm_kib = strtol(line + 6, NULL, 10);
	}
	fclose(fp);
	return s->rss_kib >= 0;
}

struct sampler {
	pthread_t	 thread;
	long		 peak_kib;
	uint64_t	 peak_at;	/* ns after the start */
	uint64_t	 t0;
	long		 samples;
};

static void *
sampler_main(void *arg)
{
	struct sampler	*s = arg;
	struct status	 st;

	while (atomic_load(&sampling)) {
		if (read_status(opt.pid, &st)) {
			s->samples++;
			if (st.rss_kib > s->peak_kib) {
				s->peak_kib = st.rss_kib;
				s->peak_at = now_ns() - s->t0;
			}
		}
		sleep_ms(SAMPLE_MS);
	}
	return NULL;
}

static void *
mem_main(void *arg)
{
	struct mem_job	*j = arg;
	int		 rc;

	rc = pthread_barrier_wait(&mem_start);
	if (rc != 0 && rc != PTHREAD_BARRIER_SERIAL_THREAD)
		die("pthread_barrier_wait: %s", strerror(rc));
	if (j->upload)
		sccd_put(opt.size, j->seed, j->name, &j->put);
	else
		sccd_get(j->doc, j->expect, opt.slow_bytes, opt.slow_ms,
		    &j->get);
	return NULL;
}

static void
mem(void)
{
	struct mem_job	*jobs;
	struct sampler	 s;
	struct status	 before, after, closed;
	char		 path[64];
	bool		 reset = false, ok = true;
	int		 n = opt.uploads + opt.ngets, i, fd, rc;
	uint64_t	 t0, up_max = 0, get_max = 0;
	double		 up_sum = 0, get_sum = 0;

	if ((jobs = calloc((size_t)n, sizeof(*jobs))) == NULL)
		die("out of memory");
	for (i = 0; i < n; i++) {
		jobs[i].index = i;
		if (i < opt.uploads) {
			jobs[i].upload = true;
			jobs[i].seed = opt.seed + (unsigned long long)i;
			(void)snprintf(jobs[i].name, sizeof(jobs[i].name),
			    "mem-%lld-%d", (long long)getpid(), i);
		} else {
			jobs[i].doc = opt.gets[i - opt.uploads].doc;
			jobs[i].expect = opt.gets[i - opt.uploads].sha;
		}
	}
	/* The peak from here on: "5" resets VmHWM to VmRSS (Linux 4.0). */
	(void)snprintf(path, sizeof(path), "/proc/%ld/clear_refs", opt.pid);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) != -1) {
		reset = write(fd, "5", 1) == 1;
		close(fd);
	}
	if (!read_status(opt.pid, &before))
		die("no process %ld", opt.pid);
	if ((rc = pthread_barrier_init(&mem_start, NULL, (unsigned)n + 1)) != 0)
		die("pthread_barrier_init: %s", strerror(rc));
	memset(&s, 0, sizeof(s));
	s.peak_kib = before.rss_kib;
	atomic_store(&sampling, true);
	for (i = 0; i < n; i++)
		if ((rc = pthread_create(&jobs[i].thread, NULL, mem_main,
		    &jobs[i])) != 0)
			die("pthread_create: %s", strerror(rc));
	s.t0 = t0 = now_ns();
	if ((rc = pthread_create(&s.thread, NULL, sampler_main, &s)) != 0)
		die("pthread_create: %s", strerror(rc));
	rc = pthread_barrier_wait(&mem_start);
	if (rc != 0 && rc != PTHREAD_BARRIER_SERIAL_THREAD)
		die("pthread_barrier_wait: %s", strerror(rc));
	for (i = 0; i < n; i++)
		if ((rc = pthread_join(jobs[i].thread, NULL)) != 0)
			die("pthread_join: %s", strerror(rc));
	atomic_store(&sampling, false);
	if ((rc = pthread_join(s.thread, NULL)) != 0)
		die("pthread_join: %s", strerror(rc));
	if (!read_status(opt.pid, &after))
		die("sccd (%ld) is gone", opt.pid);
	sleep_ms(1000);
	if (!read_status(opt.pid, &closed))
		die("sccd (%ld) is gone", opt.pid);

	for (i = 0; i < n; i++) {
		if (jobs[i].upload) {
			ok &= jobs[i].put.ok;
			up_sum += mb_s(opt.size, jobs[i].put.ns);
			if (jobs[i].put.ns > up_max)
				up_max = jobs[i].put.ns;
			if (!jobs[i].put.ok)
				fprintf(stderr, "docgen: upload %s: sha256 %s, "
				    "sccd says %s\n", jobs[i].name,
				    jobs[i].put.sha, jobs[i].put.server_sha);
		} else {
			ok &= jobs[i].get.ok;
			get_sum += mb_s(jobs[i].get.size, jobs[i].get.ns);
			if (jobs[i].get.ns > get_max)
				get_max = jobs[i].get.ns;
			if (!jobs[i].get.ok)
				fprintf(stderr, "docgen: download %lld: sha256 "
				    "%s, record %s, expected %s\n", jobs[i].doc,
				    jobs[i].get.sha, jobs[i].get.record_sha,
				    jobs[i].expect);
		}
	}
	printf("mem uploads=%d downloads=%d size=%lld slow=%zu:%u "
	    "hwm_reset=%d rss_before_kib=%ld hwm_before_kib=%ld "
	    "peak_rss_kib=%ld peak_at_s=%.1f samples=%ld hwm_after_kib=%ld "
	    "rss_after_kib=%ld rss_closed_kib=%ld growth_rss_kib=%ld "
	    "growth_hwm_kib=%ld seconds=%.1f upload_s_max=%.1f "
	    "upload_mb_s_each=%.1f download_s_max=%.1f "
	    "download_mb_s_each=%.1f sha_ok=%d\n",
	    opt.uploads, opt.ngets, opt.size, opt.slow_bytes, opt.slow_ms,
	    reset, before.rss_kib, before.hwm_kib, s.peak_kib,
	    (double)s.peak_at / 1e9, s.samples, after.hwm_kib, after.rss_kib,
	    closed.rss_kib, s.peak_kib - before.rss_kib,
	    after.hwm_kib - before.rss_kib, (double)(now_ns() - t0) / 1e9 - 1,
	    (double)up_max / 1e9, opt.uploads ? up_sum / opt.uploads : 0.0,
	    (double)get_max / 1e9, opt.ngets ? get_sum / opt.ngets : 0.0, ok);
	free(jobs);
	if (!ok)
		exit(4);
}

/* ---- command line ---- */

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: docgen setup --pg CONNINFO\n"
	    "       docgen checkpoint --pg CONNINFO\n"
	    "       docgen put   SCCD --case ID --size N --seed S [--name NAME]\n"
	    "       docgen get   SCCD --doc ID [--expect HEX] [--slow BYTES:MS]\n"
	    "       docgen pgput --pg CONNINFO --token-hash HEX --case ID "
	    "--size N --seed S\n"
	    "                    [--name NAME] [--window W]\n"
	    "       docgen pgget --pg CONNINFO --token-hash HEX --doc ID "
	    "[--expect HEX]\n"
	    "                    [--window W] [--text]\n"
	    "       docgen mem   SCCD --pid PID --case ID --size N --seed S "
	    "--uploads N\n"
	    "                    [--get ID=HEX ...] [--slow BYTES:MS]\n"
	    "  SCCD: [--host H] --port P --ca FILE --token TOKEN\n");
	exit(2);
}

static long long
number(const char *what, const char *s, long long lo, long long hi)
{
	const char	*err;
	long long	 v;

	v = strtonum(s, lo, hi, &err);
	if (err != NULL)
		die("%s %s: %s", what, s, err);
	return v;
}

static void
parse_args(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "host", required_argument, NULL, 'h' },
		{ "port", required_argument, NULL, 'p' },
		{ "ca", required_argument, NULL, 'C' },
		{ "token", required_argument, NULL, 'T' },
		{ "pg", required_argument, NULL, 'g' },
		{ "token-hash", required_argument, NULL, 'H' },
		{ "case", required_argument, NULL, 'c' },
		{ "doc", required_argument, NULL, 'd' },
		{ "size", required_argument, NULL, 'z' },
		{ "seed", required_argument, NULL, 's' },
		{ "name", required_argument, NULL, 'n' },
		{ "expect", required_argument, NULL, 'e' },
		{ "window", required_argument, NULL, 'w' },
		{ "text", no_argument, NULL, 't' },
		{ "slow", required_argument, NULL, 'S' },
		{ "pid", required_argument, NULL, 'P' },
		{ "uploads", required_argument, NULL, 'u' },
		{ "get", required_argument, NULL, 'G' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const modes[] = { "", "setup", "put", "get",
	    "pgput", "pgget", "mem", "checkpoint" };
	char		*eq, *colon;
	size_t		 i;
	int		 ch;

	if (argc < 2)
		usage();
	for (i = 1; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (strcmp(argv[1], modes[i]) == 0)
			opt.mode = (enum mode)i;
	if (opt.mode == M_NONE)
		usage();
	optind = 2;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			opt.host = optarg;
			break;
		case 'p':
			opt.port = optarg;
			break;
		case 'C':
			opt.ca = optarg;
			break;
		case 'T':
			opt.token = optarg;
			break;
		case 'g':
			opt.pg = optarg;
			break;
		case 'H':
			opt.token_hash = optarg;
			break;
		case 'c':
			opt.kase = number("--case", optarg, 1, LLONG_MAX);
			break;
		case 'd':
			opt.doc = number("--doc", optarg, 1, LLONG_MAX);
			break;
		case 'z':
			opt.size = number("--size", optarg, 0,
			    (long long)INT_MAX * PIECE);
			break;
		case 's':
			opt.seed = (unsigned long long)number("--seed", optarg,
			    0, LLONG_MAX);
			break;
		case 'n':
			opt.name = optarg;
			break;
		case 'e':
			opt.expect = optarg;
			break;
		case 'w':
			opt.window = (int)number("--window", optarg, 1, 64);
			break;
		case 't':
			opt.text = true;
			break;
		case 'S':
			if ((colon = strchr(optarg, ':')) == NULL)
				die("--slow BYTES:MS");
			*colon = '\0';
			opt.slow_bytes = (size_t)number("--slow", optarg, 1,
			    1 << 30);
			opt.slow_ms = (unsigned)number("--slow", colon + 1, 0,
			    60000);
			break;
		case 'P':
			opt.pid = (long)number("--pid", optarg, 1, INT_MAX);
			break;
		case 'u':
			opt.uploads = (int)number("--uploads", optarg, 0, 64);
			break;
		case 'G':
			if (opt.ngets == GETS_MAX)
				die("at most %d --get", GETS_MAX);
			if ((eq = strchr(optarg, '=')) == NULL ||
			    strlen(eq + 1) != HEXLEN)
				die("--get ID=SHA256HEX");
			*eq = '\0';
			opt.gets[opt.ngets].doc = number("--get", optarg, 1,
			    LLONG_MAX);
			(void)strlcpy(opt.gets[opt.ngets].sha, eq + 1,
			    sizeof(opt.gets[opt.ngets].sha));
			opt.ngets++;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	switch (opt.mode) {
	case M_SETUP:
	case M_CHECKPOINT:
		if (opt.pg == NULL)
			usage();
		break;
	case M_PGPUT:
	case M_PGGET:
		if (opt.pg == NULL || opt.token_hash == NULL)
			usage();
		break;
	default:
		if (opt.port == NULL || opt.ca == NULL || opt.token == NULL)
			usage();
	}
	if ((opt.mode == M_PUT || opt.mode == M_PGPUT || opt.mode == M_MEM) &&
	    opt.kase == 0)
		usage();
	if ((opt.mode == M_GET || opt.mode == M_PGGET) && opt.doc == 0)
		usage();
	if (opt.mode == M_MEM && opt.pid == 0)
		usage();
}

int
main(int argc, char *argv[])
{
	struct put_result	 p;
	struct get_result	 g;
	char			 name[64];

	opt.host = "127.0.0.1";
	opt.window = 2;
	opt.size = 64LL * 1024 * 1024;
	opt.seed = 1;
	parse_args(argc, argv);
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		die("signal: %s", strerror(errno));
	if (opt.name == NULL) {
		(void)snprintf(name, sizeof(name), "bench-%lld-%llu",
		    (long long)getpid(), opt.seed);
		opt.name = name;
	}
	switch (opt.mode) {
	case M_SETUP:
		setup();
		break;
	case M_CHECKPOINT:
		checkpoint();
		break;
	case M_PUT:
		tls_setup();
		sccd_put(opt.size, opt.seed, opt.name, &p);
		printf("put id=%lld size=%lld seconds=%.3f mb_s=%.1f "
		    "sha256=%s server_sha256=%s sha_ok=%d\n", p.id, opt.size,
		    (double)p.ns / 1e9, mb_s(opt.size, p.ns), p.sha,
		    p.server_sha, p.ok);
		if (!p.ok)
			return 4;
		break;
	case M_GET:
		tls_setup();
		sccd_get(opt.doc, opt.expect, opt.slow_bytes, opt.slow_ms, &g);
		printf("get id=%lld size=%lld seconds=%.3f mb_s=%.1f "
		    "sha256=%s record_sha256=%s sha_ok=%d\n", opt.doc, g.size,
		    (double)g.ns / 1e9, mb_s(g.size, g.ns), g.sha,
		    g.record_sha, g.ok);
		if (!g.ok)
			return 4;
		break;
	case M_PGPUT:
		pg_put(opt.size, opt.seed, opt.name);
		break;
	case M_PGGET:
		pg_get(opt.doc, opt.expect);
		break;
	case M_MEM:
		tls_setup();
		mem();
		break;
	case M_NONE:
		usage();
	}
	if (fflush(stdout) == EOF)
		die("stdout: %s", strerror(errno));
	SSL_CTX_free(tls_ctx);
	return 0;
}
