/*
 * A private certificate authority for one instance, and the server
 * certificate it signs, so a new instance speaks TLS from its first start.
 */
#ifndef SCCD_CERTS_H
#define SCCD_CERTS_H

#include <stddef.h>

/*
 * Write dir/ca.crt, dir/ca.key, dir/server.crt and dir/server.key: an EC
 * P-256 CA valid ten years, and a server certificate for localhost,
 * 127.0.0.1 and ::1 valid 825 days. None of the files may exist yet; keys
 * are mode 0600 from the moment they exist.
 */
int	certs_make(const char *dir, char *err, size_t errlen);

#endif
