/*
 * The instance's own CA and server certificate, made with the OpenSSL
 * library (no openssl command, so no shell and no temporary files).
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "certs.h"

#define CA_DAYS		(10 * 365 + 2)
#define SERVER_DAYS	825	/* the most clients accept for a leaf */
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

	if ((cert = X509_new()) == NULL)
		return NULL;
	if (!X509_set_version(cert, X509_VERSION_3) ||
	    cert_set_serial(cert) == -1 ||
	    X509_gmtime_adj(X509_getm_notBefore(cert), -BACKDATE_SECS) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(cert), days, 0, NULL) == NULL ||
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

static X509 *
cert_make_server(EVP_PKEY *key, X509 *ca, EVP_PKEY *ca_key)
{
	X509	*cert;

	if ((cert = cert_new(key, "localhost", SERVER_DAYS)) == NULL)
		return NULL;
	if (!X509_set_issuer_name(cert, X509_get_subject_name(ca)) ||
	    cert_add_ext(cert, ca, NID_basic_constraints,
	    "critical,CA:FALSE") == -1 ||
	    cert_add_ext(cert, ca, NID_key_usage,
	    "critical,digitalSignature") == -1 ||
	    cert_add_ext(cert, ca, NID_ext_key_usage, "serverAuth") == -1 ||
	    cert_add_ext(cert, ca, NID_subject_alt_name,
	    "DNS:localhost,IP:127.0.0.1,IP:::1") == -1 ||
	    cert_add_key_ids(cert, ca) == -1 ||
	    !X509_sign(cert, ca_key, EVP_sha256())) {
		X509_free(cert);
		return NULL;
	}
	return cert;
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
	if (key != NULL)
		ok = PEM_write_PrivateKey(fp, key, NULL, NULL, 0, NULL, NULL);
	else
		ok = PEM_write_X509(fp, cert);
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
	if ((server = cert_make_server(server_key, ca, ca_key)) == NULL) {
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
