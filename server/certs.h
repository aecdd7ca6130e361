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
 * 127.0.0.1 and ::1 valid 397 days. None of the files may exist yet; keys
 * are mode 0600 from the moment they exist.
 */
int	certs_make(const char *dir, char *err, size_t errlen);

/* What a renewal made, for the operator. Empty strings if unknown. */
struct certs_info {
	char	serial[80];		/* hexadecimal */
	char	not_after[40];		/* "YYYY-MM-DD HH:MM:SS UTC" */
};

/*
 * A new key and a server certificate for it, valid 397 days, signed by the
 * CA in ca/ca_key and written over cert and key (absolute paths; one file
 * holds both when they are the same). The names, owner and mode of what is
 * replaced are kept. Each file is complete on disk before it is renamed
 * into place, so a reload never reads half of one. Refuses to replace a
 * certificate some other CA issued.
 */
int	certs_renew(const char *ca, const char *ca_key, const char *cert,
	    const char *key, struct certs_info *, char *err, size_t errlen);

#endif
