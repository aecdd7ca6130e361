/*
 * TLS policy: 1.2 at least, 1.3 preferred, forward-secret AEAD suites only
 * for 1.2, no renegotiation, no session resumption, buffers released while
 * a connection is idle (thousands of idle sessions must stay cheap).
 */
#include <stdio.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "tls.h"

#define TLS12_CIPHERS	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:" \
			"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:" \
			"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"

static void
tls_error(char *err, size_t errlen, const char *what, const char *path)
{
	char	buf[256] = "unknown error";

	ERR_error_string_n(ERR_get_error(), buf, sizeof(buf));
	ERR_clear_error();
	(void)snprintf(err, errlen, "%s%s%s: %s", what, path ? " " : "",
	    path ? path : "", buf);
}

SSL_CTX *
tls_server_ctx(const char *cert, const char *key, char *err, size_t errlen)
{
	SSL_CTX	*ctx;

	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		tls_error(err, errlen, "SSL_CTX_new", NULL);
		return NULL;
	}
	if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) ||
	    !SSL_CTX_set_cipher_list(ctx, TLS12_CIPHERS) ||
	    !SSL_CTX_set1_groups_list(ctx, "X25519:P-256:P-384")) {
		tls_error(err, errlen, "TLS settings", NULL);
		goto fail;
	}
	/*
	 * No resumption of any kind: clients reconnect rarely, so it saves
	 * little. A TLS 1.2 ticket carries the session's secrets sealed with
	 * one key held for the life of the context, and travels in clear, so
	 * whoever reads that key from memory opens every recorded session
	 * that got one: forward secrecy lost. Turning the session cache off
	 * does not stop 1.2 tickets; SSL_OP_NO_TICKET does. TLS 1.3 tickets
	 * have their own switch, a count of zero.
	 */
	/*
	 * CLEANSE_PLAINTEXT: decrypted records (passwords, tokens) are wiped
	 * from OpenSSL's buffers once read, as sccd wipes its own.
	 */
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION |
	    SSL_OP_NO_TICKET | SSL_OP_CLEANSE_PLAINTEXT);
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS |
	    SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	/*
	 * Read what the kernel holds in one read(2), not a record header and
	 * then its body. Octets OpenSSL then holds raise no socket event: the
	 * connection remembers when it stopped reading early (conn_io.c).
	 */
	SSL_CTX_set_read_ahead(ctx, 1);
	if (SSL_CTX_set_num_tickets(ctx, 0) != 1) {
		tls_error(err, errlen, "TLS 1.3 tickets", NULL);
		goto fail;
	}
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		tls_error(err, errlen, "certificate", cert);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		tls_error(err, errlen, "key", key);
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		tls_error(err, errlen, "key does not match certificate", cert);
		goto fail;
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}
