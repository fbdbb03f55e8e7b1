// SHA-256 (FIPS 180-4) of a file, as lowercase hex: derivatives name the
// exact checkpoint that made them, so a result can be traced to its model.
#ifndef ASL_SHA256_H
#define ASL_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "asl/status.h"

typedef struct {
  uint32_t h[8];
  uint64_t bytes;     // message length so far
  unsigned char buf[64];
  size_t used;        // bytes waiting in buf
} asl_sha256;

void asl_sha256_init(asl_sha256 *c);
void asl_sha256_update(asl_sha256 *c, const void *data, size_t n);
// The 32-byte digest as 64 hex digits and a NUL.
void asl_sha256_hex(asl_sha256 *c, char hex[65]);
// Whole file; ASL_ENOTFOUND / ASL_EIO name the file.
asl_status asl_sha256_file(const char *path, char hex[65]);

#endif
