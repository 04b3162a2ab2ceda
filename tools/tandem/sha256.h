/*
 * sha256.h - SHA-256 (FIPS 180-4), for the attachment digests `tandem mime parse` prints.
 */
#ifndef TANDEM_SHA256_H
#define TANDEM_SHA256_H

#include <stddef.h>

/* The digest of data[0..n) as 64 lower-case hex digits and a NUL. */
void sha256_hex(const void *data, size_t n, char hex[65]);

#endif
