/*
 * The instance's own CA and server certificate, made with the OpenSSL
 * library: no openssl command, so no shell.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "certs.h"

#define CA_DAYS		(10 * 365 + 2)
/*
 * A stolen server key is of use until its certificate runs out, and
 * renewing is one command, so the leaf lives no longer than the CA/Browser
 * Forum lets a public one (398 days), less a day for the clients that count
 * days differently. The CA stays long-lived: clients hold on to it.
 */
#define SERVER_DAYS	397
#define BACKDATE_SECS	300	/* tolerate clocks a little behind ours */
#define SERIAL_BITS	128

/* The failed step and OpenSSL's reason, then a clean error queue. */
static void
certs_error(char *err, size_t errlen, const char *what)
{
	char		reason[256];
	unsigned long	code;

	if ((code = ERR_get_error()) == 0)
		snprintf(err, errlen, "%s failed", what);
	else {
		ERR_error_string_n(code, reason, sizeof(reason));
		snprintf(err, errlen, "%s: %s", what, reason);
	}
	ERR_clear_error();
}

static int
cert_set_serial(X509 *cert)
{
	BIGNUM	*bn;
	int	 ok = 0;

	if ((bn = BN_new()) == NULL)
		return -1;
	do {
		if (!BN_rand(bn, SERIAL_BITS, BN_RAND_TOP_ANY,
		    BN_RAND_BOTTOM_ANY))
			goto done;
	} while (BN_is_zero(bn));
	ok = BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) != NULL;
done:
	BN_free(bn);
	return ok ? 0 : -1;
}

/* The parts every certificate here shares: version, serial, dates, name. */
static X509 *
cert_new(EVP_PKEY *key, const char *common_name, int days)
{
	X509		*cert;
	X509_NAME	*name;
	time_t		 now;

	/* One clock reading, so the span is exactly days, not a second over. */
	if ((now = time(NULL)) == (time_t)-1 || (cert = X509_new()) == NULL)
		return NULL;
	if (!X509_set_version(cert, X509_VERSION_3) ||
	    cert_set_serial(cert) == -1 ||
	    X509_time_adj_ex(X509_getm_notBefore(cert), 0, -BACKDATE_SECS,
	    &now) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(cert), days, -BACKDATE_SECS,
	    &now) == NULL ||
	    !X509_set_pubkey(cert, key))
		goto fail;
	name = X509_get_subject_name(cert);
	if (!X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
	    (const unsigned char *)"scc", -1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	    (const unsigned char *)common_name, -1, -1, 0))
		goto fail;
	return cert;
fail:
	X509_free(cert);
	return NULL;
}

static int
cert_add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX	 ctx;
	X509_EXTENSION	*ext;
	int		 ok;

	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL)
		return -1;
	ok = X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : -1;
}

/* The key identifiers let verifiers match a certificate to its issuer. */
static int
cert_add_key_ids(X509 *cert, X509 *issuer)
{
	if (cert_add_ext(cert, issuer, NID_subject_key_identifier,
	    "hash") == -1 ||
	    cert_add_ext(cert, issuer, NID_authority_key_identifier,
	    "keyid:always") == -1)
		return -1;
	return 0;
}

static X509 *
cert_make_ca(EVP_PKEY *key)
{
	X509	*ca;

	if ((ca = cert_new(key, "scc local CA", CA_DAYS)) == NULL)
		return NULL;
	if (!X509_set_issuer_name(ca, X509_get_subject_name(ca)) ||
	    cert_add_ext(ca, ca, NID_basic_constraints,
	    "critical,CA:TRUE") == -1 ||
	    cert_add_ext(ca, ca, NID_key_usage,
	    "critical,keyCertSign,cRLSign") == -1 ||
	    cert_add_key_ids(ca, ca) == -1 ||
	    !X509_sign(ca, key, EVP_sha256())) {
		X509_free(ca);
		return NULL;
	}
	return ca;
}

/*
 * A renewed certificate answers to the names its predecessor did, which
 * may be more than init's. 1 when like has no alternative names to copy.
 */
static int
cert_copy_names(X509 *cert, X509 *like)
{
	int	i;

	if (!X509_set_subject_name(cert, X509_get_subject_name(like)))
		return -1;
	if ((i = X509_get_ext_by_NID(like, NID_subject_alt_name, -1)) < 0)
		return 1;
	return X509_add_ext(cert, X509_get_ext(like, i), -1) ? 0 : -1;
}

/*
 * For localhost, or for the names of like when it is not NULL. No later
 * than the CA runs out: nothing verifies it after that.
 */
static X509 *
cert_make_server(EVP_PKEY *key, X509 *ca, EVP_PKEY *ca_key, X509 *like)
{
	X509	*cert;
	int	 names = 1;

	if ((cert = cert_new(key, "localhost", SERVER_DAYS)) == NULL)
		return NULL;
	if (like != NULL && (names = cert_copy_names(cert, like)) == -1)
		goto fail;
	if (ASN1_TIME_compare(X509_get0_notAfter(cert),
	    X509_get0_notAfter(ca)) > 0 &&
	    !X509_set1_notAfter(cert, X509_get0_notAfter(ca)))
		goto fail;
	if ((names == 1 && cert_add_ext(cert, ca, NID_subject_alt_name,
	    "DNS:localhost,IP:127.0.0.1,IP:::1") == -1) ||
	    !X509_set_issuer_name(cert, X509_get_subject_name(ca)) ||
	    cert_add_ext(cert, ca, NID_basic_constraints,
	    "critical,CA:FALSE") == -1 ||
	    cert_add_ext(cert, ca, NID_key_usage,
	    "critical,digitalSignature") == -1 ||
	    cert_add_ext(cert, ca, NID_ext_key_usage, "serverAuth") == -1 ||
	    cert_add_key_ids(cert, ca) == -1 ||
	    !X509_sign(cert, ca_key, EVP_sha256()))
		goto fail;
	return cert;
fail:
	X509_free(cert);
	return NULL;
}

/* The key first, then the certificate, as one file can hold both. */
static int
certs_pem(FILE *fp, X509 *cert, EVP_PKEY *key)
{
	if (key != NULL &&
	    !PEM_write_PrivateKey(fp, key, NULL, NULL, 0, NULL, NULL))
		return -1;
	if (cert != NULL && !PEM_write_X509(fp, cert))
		return -1;
	return 0;
}

/*
 * Write one PEM file that must not exist yet. The mode is set on the open
 * descriptor before a byte is written, whatever the umask was.
 */
static int
certs_write(const char *dir, const char *name, X509 *cert, EVP_PKEY *key,
    char *err, size_t errlen)
{
	char	path[4096];
	mode_t	mode = key != NULL ? 0600 : 0644;
	FILE	*fp;
	int	fd, n, ok;

	n = snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		snprintf(err, errlen, "%s: path too long", dir);
		return -1;
	}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, mode)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fchmod(fd, mode) == -1 || (fp = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	ok = certs_pem(fp, cert, key) == 0;
	if (fclose(fp) == EOF)
		ok = 0;
	if (!ok) {
		certs_error(err, errlen, path);
		return -1;
	}
	return 0;
}

static EVP_PKEY *
certs_keygen(void)
{
	return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

int
certs_make(const char *dir, char *err, size_t errlen)
{
	EVP_PKEY	*ca_key = NULL, *server_key = NULL;
	X509		*ca = NULL, *server = NULL;
	int		 rc = -1;

	if ((ca_key = certs_keygen()) == NULL ||
	    (server_key = certs_keygen()) == NULL) {
		certs_error(err, errlen, "EC P-256 key generation");
		goto done;
	}
	if ((ca = cert_make_ca(ca_key)) == NULL) {
		certs_error(err, errlen, "making the CA certificate");
		goto done;
	}
	if ((server = cert_make_server(server_key, ca, ca_key, NULL)) == NULL) {
		certs_error(err, errlen, "making the server certificate");
		goto done;
	}
	if (certs_write(dir, "ca.key", NULL, ca_key, err, errlen) == -1 ||
	    certs_write(dir, "ca.crt", ca, NULL, err, errlen) == -1 ||
	    certs_write(dir, "server.key", NULL, server_key, err, errlen) == -1 ||
	    certs_write(dir, "server.crt", server, NULL, err, errlen) == -1)
		goto done;
	rc = 0;
done:
	X509_free(server);
	X509_free(ca);
	EVP_PKEY_free(server_key);
	EVP_PKEY_free(ca_key);
	return rc;
}

/* ---- renewal ---- */

/*
 * A file about to replace another: written in full beside it under a
 * temporary name, then renamed over it, so a server reloading at any
 * moment reads the old file or the new one, never a part.
 */
struct staged {
	char	*path;		/* the file replaced, symlinks followed */
	char	*tmp;		/* the new content until the rename */
};

static X509 *
certs_read_cert(const char *path, char *err, size_t errlen)
{
	FILE	*fp;
	X509	*cert;

	if ((fp = fopen(path, "re")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	cert = PEM_read_X509(fp, NULL, NULL, NULL);
	(void)fclose(fp);	/* read only: nothing to lose */
	if (cert == NULL)
		certs_error(err, errlen, path);
	return cert;
}

static EVP_PKEY *
certs_read_key(const char *path, char *err, size_t errlen)
{
	FILE		*fp;
	EVP_PKEY	*key;

	if ((fp = fopen(path, "re")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	key = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
	(void)fclose(fp);
	if (key == NULL)
		certs_error(err, errlen, path);
	return key;
}

/*
 * The certificate being replaced, so the new one keeps its names; NULL in
 * *cur when there is none to read. One issued by anybody else is not ours
 * to replace: the operator brought it, and renews it where it came from.
 */
static int
certs_current(const char *path, X509 *ca, X509 **cur, char *err,
    size_t errlen)
{
	FILE	*fp;

	*cur = NULL;
	if ((fp = fopen(path, "re")) == NULL) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	*cur = PEM_read_X509(fp, NULL, NULL, NULL);
	(void)fclose(fp);
	ERR_clear_error();
	/* A file holding no certificate is what renewing repairs. */
	if (*cur == NULL)
		return 0;
	if (X509_check_issued(ca, *cur) != X509_V_OK ||
	    X509_verify(*cur, X509_get0_pubkey(ca)) != 1) {
		ERR_clear_error();
		snprintf(err, errlen, "%s was not issued by this instance's CA: "
		    "renew it where it came from", path);
		X509_free(*cur);
		*cur = NULL;
		return -1;
	}
	return 0;
}

/* The directory part of an absolute path, and the name in it. */
static int
certs_split(const char *path, char **dir, const char **base)
{
	const char	*slash = strrchr(path, '/');

	if (slash == NULL)
		return -1;
	*base = slash + 1;
	*dir = slash == path ? strdup("/") :
	    strndup(path, (size_t)(slash - path));
	return *dir == NULL ? -1 : 0;
}

/*
 * Owner and mode as the file replaced had them; a new file gets ours, and
 * 0600 when it holds a key. Chown first: it may clear mode bits.
 */
static int
certs_stage_attrs(int fd, const char *path, int has_key, char *err,
    size_t errlen)
{
	struct stat	st;
	mode_t		mode = has_key ? 0600 : 0644;

	if (stat(path, &st) == 0) {
		mode = st.st_mode & 07777;
		if ((st.st_uid != geteuid() || st.st_gid != getegid()) &&
		    fchown(fd, st.st_uid, st.st_gid) == -1) {
			snprintf(err, errlen, "%s: cannot keep its owner "
			    "(uid %u, gid %u): %s", path, (unsigned)st.st_uid,
			    (unsigned)st.st_gid, strerror(errno));
			return -1;
		}
	} else if (errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fchmod(fd, mode) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Written and flushed to disk under the temporary name; not yet in place. */
static int
certs_stage(struct staged *sf, const char *path, X509 *cert, EVP_PKEY *key,
    char *err, size_t errlen)
{
	const char	*base;
	char		*dir = NULL;
	FILE		*fp = NULL;
	int		 fd = -1, rc = -1;

	memset(sf, 0, sizeof(*sf));
	/* Replace what a symlink points at, and keep the link. */
	if ((sf->path = realpath(path, NULL)) == NULL) {
		if (errno != ENOENT || (sf->path = strdup(path)) == NULL) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return -1;
		}
	}
	if (certs_split(sf->path, &dir, &base) == -1 ||
	    asprintf(&sf->tmp, "%s/.%s.XXXXXX", dir, base) == -1) {
		sf->tmp = NULL;
		snprintf(err, errlen, "%s: path not absolute, or out of memory",
		    path);
		goto done;
	}
	/* mkostemp makes the file 0600: no key is ever readable by others. */
	if ((fd = mkostemp(sf->tmp, O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", sf->tmp, strerror(errno));
		free(sf->tmp);
		sf->tmp = NULL;
		goto done;
	}
	if (certs_stage_attrs(fd, sf->path, key != NULL, err, errlen) == -1)
		goto done;
	if ((fp = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", sf->tmp, strerror(errno));
		goto done;
	}
	fd = -1;
	if (certs_pem(fp, cert, key) == -1) {
		certs_error(err, errlen, sf->tmp);
		goto done;
	}
	if (fflush(fp) == EOF || fsync(fileno(fp)) == -1) {
		snprintf(err, errlen, "%s: %s", sf->tmp, strerror(errno));
		goto done;
	}
	rc = 0;
done:
	if (fp != NULL && fclose(fp) == EOF && rc == 0) {
		snprintf(err, errlen, "%s: %s", sf->tmp, strerror(errno));
		rc = -1;
	}
	if (fd != -1)
		(void)close(fd);	/* failed already */
	free(dir);
	return rc;
}

/* Remove a staged file that will not be used, and forget it. */
static void
certs_unstage(struct staged *sf)
{
	if (sf->tmp != NULL)
		(void)unlink(sf->tmp);	/* best effort: a dot file at worst */
	free(sf->tmp);
	free(sf->path);
	memset(sf, 0, sizeof(*sf));
}

/* The rename, and the directory synced so the rename survives a crash. */
static int
certs_commit(struct staged *sf, char *err, size_t errlen)
{
	const char	*base;
	char		*dir;
	int		 fd, rc = 0;

	if (rename(sf->tmp, sf->path) == -1) {
		snprintf(err, errlen, "%s: %s", sf->path, strerror(errno));
		return -1;
	}
	free(sf->tmp);
	sf->tmp = NULL;
	if (certs_split(sf->path, &dir, &base) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fsync(fd) == -1) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		rc = -1;
	}
	if (fd != -1)
		(void)close(fd);	/* nothing was written through it */
	free(dir);
	return rc;
}

static void
certs_describe(X509 *cert, struct certs_info *info)
{
	BIGNUM		*bn;
	char		*hex = NULL;
	struct tm	 tm;

	memset(info, 0, sizeof(*info));
	if ((bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert),
	    NULL)) != NULL && (hex = BN_bn2hex(bn)) != NULL &&
	    strlcpy(info->serial, hex, sizeof(info->serial)) >=
	    sizeof(info->serial))
		info->serial[0] = '\0';
	OPENSSL_free(hex);
	BN_free(bn);
	if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) != 1 ||
	    strftime(info->not_after, sizeof(info->not_after),
	    "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		info->not_after[0] = '\0';
	ERR_clear_error();
}

/* The new key and certificate written: one file when both paths agree. */
static int
certs_replace(const char *cert_path, const char *key_path, X509 *cert,
    EVP_PKEY *key, char *err, size_t errlen)
{
	struct staged	kf, cf;
	int		one = strcmp(cert_path, key_path) == 0;
	int		rc = -1;

	memset(&cf, 0, sizeof(cf));
	if (certs_stage(&kf, key_path, one ? cert : NULL, key, err,
	    errlen) == -1)
		goto done;
	if (!one && certs_stage(&cf, cert_path, cert, NULL, err, errlen) == -1)
		goto done;
	/*
	 * A reload between the two renames finds a key and certificate that
	 * do not match, and keeps serving the old pair from memory.
	 */
	if (certs_commit(&kf, err, errlen) == -1)
		goto done;
	if (!one && certs_commit(&cf, err, errlen) == -1) {
		(void)strlcat(err, " (the key was replaced already: run "
		    "sccd cert renew again before restarting sccd)", errlen);
		goto done;
	}
	rc = 0;
done:
	certs_unstage(&kf);
	certs_unstage(&cf);
	return rc;
}

int
certs_renew(const char *ca_path, const char *ca_key_path,
    const char *cert_path, const char *key_path, struct certs_info *info,
    char *err, size_t errlen)
{
	EVP_PKEY	*ca_key = NULL, *key = NULL;
	X509		*ca = NULL, *cur = NULL, *cert = NULL;
	int		 rc = -1;

	if ((ca = certs_read_cert(ca_path, err, errlen)) == NULL ||
	    (ca_key = certs_read_key(ca_key_path, err, errlen)) == NULL)
		goto done;
	if (X509_check_private_key(ca, ca_key) != 1) {
		ERR_clear_error();
		snprintf(err, errlen, "%s is not the key of %s", ca_key_path,
		    ca_path);
		goto done;
	}
	if (X509_cmp_current_time(X509_get0_notAfter(ca)) <= 0) {
		snprintf(err, errlen, "%s has expired: nothing it signs would "
		    "verify", ca_path);
		goto done;
	}
	if (certs_current(cert_path, ca, &cur, err, errlen) == -1)
		goto done;
	if ((key = certs_keygen()) == NULL) {
		certs_error(err, errlen, "EC P-256 key generation");
		goto done;
	}
	if ((cert = cert_make_server(key, ca, ca_key, cur)) == NULL) {
		certs_error(err, errlen, "making the server certificate");
		goto done;
	}
	if (certs_replace(cert_path, key_path, cert, key, err, errlen) == -1)
		goto done;
	certs_describe(cert, info);
	rc = 0;
done:
	X509_free(cert);
	X509_free(cur);
	X509_free(ca);
	EVP_PKEY_free(key);
	EVP_PKEY_free(ca_key);
	return rc;
}
