/* TLS settings of the server, in one place. */
#ifndef SCCD_TLS_H
#define SCCD_TLS_H

#include <stddef.h>
#include <openssl/ssl.h>

/* A server context for cert and key: TLS 1.2 at least, 1.3 preferred. */
SSL_CTX	*tls_server_ctx(const char *cert, const char *key, char *err, size_t errlen);

#endif
