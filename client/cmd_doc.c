/*
 * scc doc put CASE FILE [--kind K] [--name N] [--key K]: the file streamed
 * as DOC PUT's literal, a piece at a time (never read whole), its media
 * type guessed from its first octets, with a progress line on a terminal.
 *
 * scc doc get DOC [-o FILE]: the octets streamed, as they arrive, into a
 * temporary file beside FILE (never held whole), their SHA-256 checked
 * against the one the server sent, and only then renamed into place. Without -o the file is named after the
 * document, reduced to a plain file name in this directory (a name is
 * data: "../x" becomes "x"), and an existing file is never replaced.
 */
#include <sys/stat.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "conn.h"
#include "output.h"
#include "request.h"
#include "scc.h"

#define PIECE		(64 * 1024)
#define PROGRESS_NS	200000000L	/* a progress line at most this often */

/* ---- the media type, from the first octets ---- */

static bool
starts(const unsigned char *b, size_t n, const char *magic, size_t m)
{
	return n >= m && memcmp(b, magic, m) == 0;
}

static bool
ends_with(const char *name, const char *ext)
{
	size_t	n = strlen(name), e = strlen(ext);

	return n > e && strcasecmp(name + n - e, ext) == 0;
}

/* Office files are zip archives: their extension says which. */
static const char *
zip_type(const char *name)
{
	if (ends_with(name, ".docx"))
		return "application/vnd.openxmlformats-officedocument."
		    "wordprocessingml.document";
	if (ends_with(name, ".xlsx"))
		return "application/vnd.openxmlformats-officedocument."
		    "spreadsheetml.sheet";
	if (ends_with(name, ".pptx"))
		return "application/vnd.openxmlformats-officedocument."
		    "presentationml.presentation";
	return "application/zip";
}

static bool
utf8_text(const unsigned char *b, size_t n)
{
	size_t	i, k;

	for (i = 0; i < n; i += k) {
		if (b[i] == 0)
			return false;
		if (b[i] < 0x80) {
			k = 1;
			continue;
		}
		k = (b[i] & 0xe0) == 0xc0 ? 2 : (b[i] & 0xf0) == 0xe0 ? 3 :
		    (b[i] & 0xf8) == 0xf0 ? 4 : 0;
		if (k == 0)
			return false;
		if (i + k > n)
			return true;	/* cut by the sample, not broken */
		for (size_t j = 1; j < k; j++)
			if ((b[i + j] & 0xc0) != 0x80)
				return false;
	}
	return true;
}

static const char *
guess_type(const unsigned char *b, size_t n, const char *name)
{
	if (starts(b, n, "%PDF-", 5))
		return "application/pdf";
	if (starts(b, n, "PK\x03\x04", 4))
		return zip_type(name);
	if (starts(b, n, "\x89PNG\r\n\x1a\n", 8))
		return "image/png";
	if (starts(b, n, "\xff\xd8\xff", 3))
		return "image/jpeg";
	if (starts(b, n, "GIF87a", 6) || starts(b, n, "GIF89a", 6))
		return "image/gif";
	if (starts(b, n, "{\\rtf", 5))
		return "application/rtf";
	if (starts(b, n, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8))
		return "application/x-ole-storage";	/* .doc, .xls */
	if (n > 0 && utf8_text(b, n))
		return "text/plain";
	return "application/octet-stream";
}

/* ---- progress ---- */

struct progress {
	bool		 on;		/* stderr is a terminal */
	uint64_t	 total, done;
	struct timespec	 start, last;
};

static double
seconds_since(const struct timespec *t)
{
	struct timespec	now;

	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) +
	    (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

static void
progress_show(struct progress *p, bool final)
{
	double	secs, rate, left;

	if (!p->on || (!final && seconds_since(&p->last) * 1e9 < PROGRESS_NS))
		return;
	(void)clock_gettime(CLOCK_MONOTONIC, &p->last);
	secs = seconds_since(&p->start);
	rate = secs > 0 ? (double)p->done / secs : 0;
	if (p->total < p->done) {
		/* A download: the size is known only at the end. */
		fprintf(stderr, "\r%llu octets  %.1f MB/s  ",
		    (unsigned long long)p->done, rate / 1e6);
	} else {
		left = rate > 0 ? (double)(p->total - p->done) / rate : 0;
		fprintf(stderr, "\r%llu of %llu octets (%3.0f%%)  %.1f MB/s  "
		    "%.0f s left  ", (unsigned long long)p->done,
		    (unsigned long long)p->total, p->total ? 100.0 *
		    (double)p->done / (double)p->total : 100.0, rate / 1e6, left);
	}
	if (final)
		fputc('\n', stderr);
}

/* ---- doc put ---- */

static const char *
option(const struct cmdline *cmd, const char *name)
{
	size_t	i;

	for (i = 0; i < cmd->nopts; i++)
		if (strcmp(cmd->opts[i].name, name) == 0)
			return cmd->opts[i].value;
	return NULL;
}

static int
known_options(const struct cmdline *cmd, const char *const *names)
{
	size_t	i, j;

	for (i = 0; i < cmd->nopts; i++) {
		for (j = 0; names[j] != NULL; j++)
			if (strcmp(cmd->opts[i].name, names[j]) == 0)
				break;
		if (names[j] == NULL || cmd->opts[i].value == NULL) {
			warnx("--%s: not an option of this command, or no value",
			    cmd->opts[i].name);
			return -1;
		}
	}
	return 0;
}

/* The file's octets after "+ OK", then the line's end. */
static int
send_file(struct client *cl, int fd, uint64_t size, struct progress *p)
{
	unsigned char	 buf[PIECE];
	ssize_t		 n;

	while (p->done < size) {
		n = read(fd, buf, size - p->done < sizeof(buf) ?
		    (size_t)(size - p->done) : sizeof(buf));
		if (n <= 0) {
			warnx("the file changed while it was being sent");
			return -1;
		}
		if (conn_send(cl->conn, buf, (size_t)n) == -1)
			return -1;
		p->done += (uint64_t)n;
		progress_show(p, false);
	}
	progress_show(p, true);
	return conn_send(cl->conn, "\r\n", 2);
}

int
cmd_doc_put(struct client *cl, const struct cmdline *cmd)
{
	static const char *const opts[] = { "kind", "name", "key", "item",
	    NULL };
	struct progress	 p = { false, 0, 0, { 0, 0 }, { 0, 0 } };
	unsigned char	 head[512];
	struct request	 req;
	struct reply	 rep;
	struct stat	 st;
	char		*base = NULL, *path;
	const char	*name;
	ssize_t		 n;
	int		 fd, r = SCC_EXIT_REFUSED, sent;

	if (cmd->argc != 4 || known_options(cmd, opts) == -1) {
		fprintf(stderr, "usage: scc doc put CASE FILE [--kind K] "
		    "[--name NAME] [--key KEY] [--item ITEM]\n");
		return SCC_EXIT_USAGE;
	}
	path = cmd->argv[3];
	if ((fd = open(path, O_RDONLY)) == -1 || fstat(fd, &st) == -1 ||
	    !S_ISREG(st.st_mode)) {
		warn("%s", path);
		if (fd != -1)
			(void)close(fd);
		return SCC_EXIT_USAGE;
	}
	if ((base = strdup(path)) == NULL) {
		(void)close(fd);
		warnx("out of memory");
		return SCC_EXIT_REFUSED;
	}
	name = option(cmd, "name") != NULL ? option(cmd, "name") :
	    basename(base);
	if ((n = pread(fd, head, sizeof(head), 0)) < 0)
		n = 0;
	if ((r = client_resume(cl)) != SCC_EXIT_OK)
		goto out;
	request_init(&req, cl->conn, "DOC PUT", false);
	request_arg(&req, cmd->argv[2]);
	request_named(&req, "name", name);
	if (option(cmd, "kind") != NULL)
		request_named(&req, "kind", option(cmd, "kind"));
	request_named(&req, "type", guess_type(head, (size_t)n, name));
	if (option(cmd, "key") != NULL)
		request_named(&req, "key", option(cmd, "key"));
	if (option(cmd, "item") != NULL)
		request_named(&req, "item", option(cmd, "item"));
	sent = request_literal_start(cl->conn, &req, "data",
	    (uint64_t)st.st_size, &rep);
	if (sent == -1) {
		request_free(&req);
		client_disconnect(cl);
		r = SCC_EXIT_CONN;
		goto out;
	}
	if (sent == 1) {
		/* Refused before any octet was sent. */
		request_free(&req);
		r = client_refused(cl, &rep);
		reply_free(&rep);
		goto out;
	}
	p.on = isatty(STDERR_FILENO);
	p.total = (uint64_t)st.st_size;
	(void)clock_gettime(CLOCK_MONOTONIC, &p.start);
	p.last = p.start;
	if (send_file(cl, fd, (uint64_t)st.st_size, &p) == -1 ||
	    request_literal_finish(cl->conn, &req, &rep) == -1) {
		request_free(&req);
		client_disconnect(cl);
		r = SCC_EXIT_CONN;
		goto out;
	}
	request_free(&req);
	if (rep.status != SCP_OK)
		r = client_refused(cl, &rep);
	else {
		r = output_answer(stdout, cl->set->format, output_colour(stdout),
		    rep.records, rep.nrecords, false) == -1 ?
		    SCC_EXIT_REFUSED : SCC_EXIT_OK;
	}
	reply_free(&rep);
out:
	(void)close(fd);
	free(base);
	return r;
}

/* ---- doc get ---- */

/* The document's name as a plain file name here: no directory, no dots first. */
static char *
local_name(const char *name, const char *id)
{
	const char	*slash = strrchr(name, '/');
	char		*out;
	size_t		 i;

	name = slash != NULL ? slash + 1 : name;
	name += strspn(name, ".");
	if (*name == '\0' && asprintf(&out, "doc-%s", id) != -1)
		return out;
	if (*name == '\0' || (out = strdup(name)) == NULL)
		return NULL;
	for (i = 0; out[i] != '\0'; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f ||
		    out[i] == '\\')
			out[i] = '_';
	return out;
}

static int
write_all(int fd, const char *data, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = write(fd, data, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Where a download goes while it comes: a temporary file, and its hash. */
struct download {
	int			 fd;
	char			*tmp;
	EVP_MD_CTX		*sha;
	uint64_t		 got;
	struct progress		 p;
};

static int
download_sink(void *arg, const char *data, size_t len)
{
	struct download	*d = arg;

	if (EVP_DigestUpdate(d->sha, data, len) != 1 ||
	    write_all(d->fd, data, len) == -1)
		return -1;
	d->got += len;
	d->p.done = d->got;
	progress_show(&d->p, false);
	return 0;
}

static int
download_open(struct download *d, const char *target)
{
	memset(d, 0, sizeof(*d));
	d->fd = -1;
	if (asprintf(&d->tmp, "%s.XXXXXX", target) == -1) {
		d->tmp = NULL;
		return -1;
	}
	if ((d->sha = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(d->sha, EVP_sha256(), NULL) != 1 ||
	    (d->fd = mkstemp(d->tmp)) == -1) {
		warn("%s", target);
		return -1;
	}
	d->p.on = isatty(STDERR_FILENO);
	(void)clock_gettime(CLOCK_MONOTONIC, &d->p.start);
	d->p.last = d->p.start;
	return 0;
}

/* Keep it (rename over target) or not (remove it). */
static int
download_close(struct download *d, const char *target, bool keep)
{
	int	r = -1;

	if (d->fd != -1) {
		if (keep && (fsync(d->fd) == -1 || close(d->fd) == -1))
			warn("%s", d->tmp);
		else if (keep && rename(d->tmp, target) == -1)
			warn("%s", target);
		else if (keep)
			r = 0;
		if (!keep)
			(void)close(d->fd);
		if (r == -1)
			(void)unlink(d->tmp);
	}
	EVP_MD_CTX_free(d->sha);
	free(d->tmp);
	return r;
}

/* Is what came what the server said it sent? */
static bool
download_verified(struct download *d, const char *sha, const char *size)
{
	unsigned char	 digest[EVP_MAX_MD_SIZE];
	char		 hex[2 * EVP_MAX_MD_SIZE + 1];
	unsigned int	 n = 0, i;

	if (EVP_DigestFinal_ex(d->sha, digest, &n) != 1 || n != 32)
		return false;
	for (i = 0; i < n; i++)
		(void)snprintf(hex + 2 * i, 3, "%02x", digest[i]);
	return sha != NULL && size != NULL && strcmp(hex, sha) == 0 &&
	    strtoull(size, NULL, 10) == d->got;
}

/*
 * The octets go to a temporary file beside the target as they come, then
 * the hash decides: renamed into place, or removed.
 */
int
cmd_doc_get(struct client *cl, const struct cmdline *cmd)
{
	static const char *const opts[] = { NULL };
	const struct record	*doc;
	struct download		 d;
	struct request		 req;
	struct reply		 rep;
	const char		*name;
	char			*target = NULL;
	bool			 ok;
	int			 r;

	if (cmd->argc != 3 || known_options(cmd, opts) == -1) {
		fprintf(stderr, "usage: scc doc get DOC [-o FILE]\n");
		return SCC_EXIT_USAGE;
	}
	if ((r = client_resume(cl)) != SCC_EXIT_OK)
		return r;
	/*
	 * The name comes with the record, after the file is opened: without
	 * -o the download goes to a name of our own, renamed at the end.
	 */
	if ((target = cmd->output != NULL ? strdup(cmd->output) :
	    local_name("", cmd->argv[2])) == NULL) {
		warnx("out of memory");
		return SCC_EXIT_REFUSED;
	}
	if (download_open(&d, target) == -1) {
		(void)download_close(&d, target, false);
		free(target);
		return SCC_EXIT_REFUSED;
	}
	if (conn_set_sink(cl->conn, "data", download_sink, &d) == -1) {
		(void)download_close(&d, target, false);
		free(target);
		warnx("out of memory");
		return SCC_EXIT_REFUSED;
	}
	request_init(&req, cl->conn, "DOC GET", false);
	request_arg(&req, cmd->argv[2]);
	r = request_call(cl->conn, &req, &rep);
	request_free(&req);
	(void)conn_set_sink(cl->conn, NULL, NULL, NULL);
	if (r == -1) {
		(void)download_close(&d, target, false);
		free(target);
		client_disconnect(cl);
		return SCC_EXIT_CONN;
	}
	if (rep.status != SCP_OK) {
		(void)download_close(&d, target, false);
		free(target);
		r = client_refused(cl, &rep);
		reply_free(&rep);
		return r;
	}
	d.p.total = d.got;
	progress_show(&d.p, true);
	doc = reply_record(&rep, "DOC");
	ok = doc != NULL && download_verified(&d, record_get(doc, "sha256"),
	    record_get(doc, "size"));
	if (!ok)
		warnx("the document received does not match its SHA-256; "
		    "nothing was kept");
	if (ok && cmd->output == NULL) {
		/* Named after the document, never over a file that is there. */
		name = record_get(doc, "name");
		free(target);
		target = local_name(name != NULL ? name : "", cmd->argv[2]);
		if (target == NULL || access(target, F_OK) == 0) {
			warnx("%s exists; give -o FILE to choose where it goes",
			    target != NULL ? target : "the file");
			ok = false;
		}
	}
	r = ok && download_close(&d, target, true) == 0 ? SCC_EXIT_OK :
	    SCC_EXIT_REFUSED;
	if (!ok)
		(void)download_close(&d, target, false);
	if (r == SCC_EXIT_OK)
		printf("%s: %llu octets, SHA-256 checked\n", target,
		    (unsigned long long)d.got);
	free(target);
	reply_free(&rep);
	return r;
}
