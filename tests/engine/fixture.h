// Reads the PyTorch reference files written by tests/engine/make_fixtures.py
// (format in its docstring) from $ASLSWEEP_SOURCE_DIR/tests/engine/fixtures.
#ifndef ENGINE_FIXTURE_H
#define ENGINE_FIXTURE_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  int count;
  char **names;
  float **data;
  size_t *size;
} fx_file;

// Returns 0 on success; prints why otherwise.
static inline int fx_load(fx_file *f, const char *name) {
  const char *root = getenv("ASLSWEEP_SOURCE_DIR");
  char path[4096];
  snprintf(path, sizeof path, "%s/tests/engine/fixtures/%s", root ? root : ".", name);
  FILE *fp = fopen(path, "rb");
  memset(f, 0, sizeof *f);
  if (!fp) {
    fprintf(stderr, "%s: cannot open (set ASLSWEEP_SOURCE_DIR)\n", path);
    return -1;
  }
  char magic[4];
  uint32_t n;
  if (fread(magic, 1, 4, fp) != 4 || memcmp(magic, "NNFX", 4) ||
      fread(&n, 4, 1, fp) != 1 || n > 10000)
    goto bad;
  f->names = calloc(n, sizeof *f->names);
  f->data = calloc(n, sizeof *f->data);
  f->size = calloc(n, sizeof *f->size);
  for (uint32_t i = 0; i < n; i++, f->count++) {
    uint32_t len, nd, dims[8];
    if (fread(&len, 4, 1, fp) != 1 || len > 255) goto bad;
    f->names[i] = calloc(len + 1, 1);
    if (fread(f->names[i], 1, len, fp) != len) goto bad;
    if (fread(&nd, 4, 1, fp) != 1 || nd > 8 || fread(dims, 4, nd, fp) != nd) goto bad;
    size_t sz = 1;
    for (uint32_t d = 0; d < nd; d++) sz *= dims[d];
    f->size[i] = sz;
    f->data[i] = malloc(sz * sizeof(float) + 1);
    if (fread(f->data[i], sizeof(float), sz, fp) != sz) goto bad;
  }
  fclose(fp);
  return 0;
bad:
  fprintf(stderr, "%s: malformed fixture file\n", path);
  fclose(fp);
  return -1;
}

// The array called `name` (aborting the test when missing), its size in *n.
static inline float *fx_get(const fx_file *f, const char *name, size_t *n) {
  for (int i = 0; i < f->count; i++)
    if (strcmp(f->names[i], name) == 0) {
      if (n) *n = f->size[i];
      return f->data[i];
    }
  fprintf(stderr, "fixture array '%s' missing: rerun make_fixtures.py\n", name);
  abort();
}

static inline void fx_free(fx_file *f) {
  for (int i = 0; i < f->count; i++) free(f->names[i]), free(f->data[i]);
  free(f->names), free(f->data), free(f->size);
}

// Largest |a - b| / (atol + rtol |b|); <= 1 means within tolerance.
static inline double fx_err(const float *a, const float *b, size_t n,
                            double atol, double rtol) {
  double worst = 0;
  for (size_t i = 0; i < n; i++) {
    double diff = fabs((double)a[i] - b[i]), den = atol + rtol * fabs((double)b[i]);
    double e = den > 0 ? diff / den : (diff == 0 ? 0 : 1e30); // 0 tol: exact
    if (e > worst || e != e) worst = e != e ? 1e30 : e;
  }
  return worst;
}

#endif
