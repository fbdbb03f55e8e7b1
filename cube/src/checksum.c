// The byte stream a row checksum covers (docs/cube.md, "Row checksums"):
// integers little-endian at fixed widths, strings up to their stored length
// then one NUL, floats as their IEEE bits, so a reader in any language can
// recompute it from the file.
#include <string.h>
#include <zlib.h>

#include "cube/checksum.h"
#include "cube/schema.h"

static void put(cube_sum *s, const void *p, size_t n) {
  // zlib's length is an unsigned int: feed large blocks in pieces.
  const unsigned char *b = p;
  while (n > 0) {
    unsigned int k = n > (1u << 30) ? (1u << 30) : (unsigned int)n;
    s->crc = crc32(s->crc, b, k);
    b += k;
    n -= k;
  }
}

static void put_le(cube_sum *s, uint64_t v, int bytes) {
  unsigned char b[8];
  for (int i = 0; i < bytes; i++) b[i] = (unsigned char)(v >> (8 * i));
  put(s, b, (size_t)bytes);
}

// As stored: at most len-1 bytes (the dataset's NUL-terminated width).
static void put_str(cube_sum *s, const char *str, size_t len) {
  size_t n = str ? strnlen(str, len - 1) : 0;
  put(s, str ? str : "", n);
  put_le(s, 0, 1);
}

static int host_little_endian(void) {
  const uint16_t one = 1;
  unsigned char b;
  memcpy(&b, &one, 1);
  return b == 1;
}

static void put_floats(cube_sum *s, const float *v, size_t n) {
  if (host_little_endian()) { // the stream's byte order already: one call
    put(s, v, n * sizeof *v);
    return;
  }
  for (size_t i = 0; i < n; i++) {
    uint32_t bits;
    memcpy(&bits, &v[i], sizeof bits);
    put_le(s, bits, 4);
  }
}

void cube_sum_row(cube_sum *s, const cube_row *r) {
  s->crc = crc32(0L, Z_NULL, 0);
  put_str(s, r->key, CUBE_KEY_LEN);
  put_le(s, (uint64_t)(int64_t)r->kind, 1);
  put_le(s, (uint64_t)(int64_t)r->train_job, 4);
  put_le(s, (uint64_t)(int64_t)r->experiment, 4);
  put_le(s, r->seed, 8);
  put_le(s, (uint64_t)(int64_t)r->status, 1);
  put_str(s, r->error, CUBE_ERROR_LEN);
  put_le(s, (uint64_t)r->epochs, 4);
  put_floats(s, r->train_loss, (size_t)r->epochs);
  put_floats(s, r->val_loss, (size_t)r->epochs);
}

void cube_sum_cell(cube_sum *s, uint64_t cell, const float *metrics, size_t n_metrics,
                   const float *per_image, size_t n_per_image) {
  put_le(s, cell, 8);
  put_floats(s, metrics, n_metrics);
  put_floats(s, per_image, n_per_image);
}

uint64_t cube_sum_value(const cube_sum *s) { return CUBE_CHECKSUM_MARK | (s->crc & 0xffffffffu); }
