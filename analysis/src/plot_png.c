// PNG output with the figure's resolution: cairo writes no pHYs chunk, so
// the encoded stream is collected in memory and a pHYs chunk (pixels per
// metre, both axes) is inserted right after IHDR before the file is written.
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot_canvas.h"

typedef struct {
  unsigned char *data;
  size_t n, cap;
} membuf;

static cairo_status_t collect(void *closure, const unsigned char *data, unsigned int len) {
  membuf *b = closure;
  if (b->n + len > b->cap) {
    size_t cap = b->cap ? b->cap : 1 << 16;
    while (cap < b->n + len) cap *= 2;
    unsigned char *p = realloc(b->data, cap);
    if (!p) return CAIRO_STATUS_NO_MEMORY;
    b->data = p, b->cap = cap;
  }
  memcpy(b->data + b->n, data, len);
  b->n += len;
  return CAIRO_STATUS_SUCCESS;
}

// CRC-32 (ISO 3309, as the PNG specification defines it).
static uint32_t crc32_png(const unsigned char *p, size_t n) {
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; i++) {
    c ^= p[i];
    for (int k = 0; k < 8; k++) c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
  }
  return c ^ 0xffffffffu;
}

static void put32(unsigned char *p, uint32_t v) {
  p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16);
  p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
}

asl_status ana_png_write(cairo_surface_t *s, const char *path, double dpi) {
  membuf b = {0};
  cairo_status_t cs = cairo_surface_write_to_png_stream(s, collect, &b);
  // Signature (8) + IHDR chunk (4 length + 4 type + 13 data + 4 CRC).
  const size_t ihdr_end = 8 + 25;
  if (cs != CAIRO_STATUS_SUCCESS || b.n < ihdr_end || memcmp(b.data + 12, "IHDR", 4) != 0) {
    free(b.data);
    return asl_fail(ASL_EIO, "%s: cannot encode PNG (%s)", path,
                    cs != CAIRO_STATUS_SUCCESS ? cairo_status_to_string(cs) : "no IHDR");
  }
  unsigned char phys[21];
  uint32_t ppm = (uint32_t)lround(dpi / 0.0254);
  put32(phys, 9);
  memcpy(phys + 4, "pHYs", 4);
  put32(phys + 8, ppm);
  put32(phys + 12, ppm);
  phys[16] = 1; // unit: metre
  put32(phys + 17, crc32_png(phys + 4, 13));
  asl_status st = ASL_OK;
  FILE *f = fopen(path, "wb");
  if (!f) st = asl_fail(ASL_EIO, "%s: cannot write (does its folder exist?)", path);
  else {
    int ok = fwrite(b.data, 1, ihdr_end, f) == ihdr_end && fwrite(phys, 1, sizeof phys, f) == sizeof phys &&
             fwrite(b.data + ihdr_end, 1, b.n - ihdr_end, f) == b.n - ihdr_end;
    if (fclose(f) != 0 || !ok) st = asl_fail(ASL_EIO, "%s: write failed (disk full?)", path);
  }
  free(b.data);
  return st;
}
