// One experiment's part of verification: which cells name which job (the
// `job` dataset), each of its jobs' checksums over its row and those cells,
// and cells holding numbers that no job of the experiment wrote. The cells
// are read in slabs of whole (axes..., subject) rows, in increasing flat
// order, so memory is one slab whatever the experiment's size; a job's
// cells share one row (its coordinates), so its sum goes on in order.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cube/h5.h"
#include "verify_internal.h"

// Cells (of `job`) a slab holds at most: about 8 MB of values with 6
// subjects, 2 stages, 3 metrics and a few images.
#define CV_SLAB_DEFAULT ((size_t)1 << 16)
static size_t slab_cells = CV_SLAB_DEFAULT;

void cube_verify_set_slab(size_t cells) { slab_cells = cells ? cells : CV_SLAB_DEFAULT; }

typedef struct {
  int k;                        // the experiment's own axes
  hsize_t dims[CUBE_MAX_RANK];  // of metrics_per_image: (A..., S, T, M, I)
  size_t S, tm, tmi;            // subjects; values per cell in metrics, per-image
  int split;                    // slabs range over this axis (k: whole rows at a time)
  size_t inner;                 // rows per index of `split` (product of the axes after it)
  int32_t *job;
  float *metrics, *per_image;
  size_t orphans, first_orphan;
  int first_orphan_job;
} cv_exp;

static asl_status shape(const cube_verify_handles *h, int e, const char *path, cv_exp *x) {
  asl_status st = ASL_OK;
  hid_t space = H5I_INVALID_HID;
  CUBE_CHECK(space = H5Dget_space(h->per_image[e]), "%s: dataspace of /%s/%s", path,
             h->exp_name[e], cube_ds_name(CUBE_DS_EXP_PER_IMAGE));
  int r = H5Sget_simple_extent_ndims(space);
  if (r < 4 || r > CUBE_MAX_RANK) {
    st = asl_fail(ASL_EFORMAT, "%s: /%s/%s has %d dimensions: the cube is damaged", path,
                  h->exp_name[e], cube_ds_name(CUBE_DS_EXP_PER_IMAGE), r);
    goto fail;
  }
  CUBE_CHECK(H5Sget_simple_extent_dims(space, x->dims, NULL), "%s: extent of /%s/%s", path,
             h->exp_name[e], cube_ds_name(CUBE_DS_EXP_PER_IMAGE));
  x->k = r - 4;
  x->S = (size_t)x->dims[x->k];
  x->tm = (size_t)x->dims[x->k + 1] * (size_t)x->dims[x->k + 2];
  x->tmi = x->tm * (size_t)x->dims[x->k + 3];
  // The outermost axis whose inner rows still fit a slab.
  size_t rows = x->S ? slab_cells / x->S : 1;
  x->split = x->k;
  x->inner = 1;
  while (x->split > 0 && x->inner * (size_t)x->dims[x->split - 1] <= (rows ? rows : 1)) {
    x->split--;
    x->inner *= (size_t)x->dims[x->split];
  }
  if (x->split > 0) {
    // Slabs take a range of axis split-1 with everything after it whole.
    x->split--;
  }
fail:
  cube_h5_close(&space);
  return st;
}

// Slab number `b` as a hyperslab: start/count over (A..., S) and the flat
// index of its first cell; 0 when b is past the end.
static int slab(const cv_exp *x, size_t b, hsize_t *start, hsize_t *count, size_t *first) {
  int k = x->k;
  if (k == 0 || x->split == k) { // every row at once (at most one slab)
    if (b > 0) return 0;
    for (int a = 0; a < k; a++) start[a] = 0, count[a] = x->dims[a];
  } else {
    size_t rows = x->S ? slab_cells / x->S : 1, per = rows / x->inner;
    if (per < 1) per = 1;
    size_t n_split = (size_t)x->dims[x->split], blocks = (n_split + per - 1) / per, outer = 1;
    for (int a = 0; a < x->split; a++) outer *= (size_t)x->dims[a];
    if (b >= outer * blocks) return 0;
    size_t o = b / blocks, s0 = (b % blocks) * per;
    for (int a = x->split - 1; a >= 0; a--) {
      start[a] = o % x->dims[a], count[a] = 1;
      o /= x->dims[a];
    }
    start[x->split] = s0;
    count[x->split] = s0 + per <= n_split ? per : n_split - s0;
    for (int a = x->split + 1; a < k; a++) start[a] = 0, count[a] = x->dims[a];
  }
  start[k] = 0, count[k] = x->S;
  size_t flat = 0;
  for (int a = 0; a < k; a++) flat = flat * (size_t)x->dims[a] + (size_t)start[a];
  *first = flat * x->S;
  return 1;
}

static asl_status read_slab(const cube_verify_handles *h, int e, cv_exp *x, const hsize_t *start,
                            const hsize_t *count, const char *path) {
  hsize_t s[CUBE_MAX_RANK], c[CUBE_MAX_RANK];
  int k = x->k;
  memcpy(s, start, sizeof(hsize_t) * (size_t)(k + 1));
  memcpy(c, count, sizeof(hsize_t) * (size_t)(k + 1));
  for (int a = k + 1; a < k + 4; a++) s[a] = 0, c[a] = x->dims[a];
  asl_status st = cube_read_block(h->job[e], H5T_NATIVE_INT32, k + 1, s, c, x->job);
  if (!st) st = cube_read_block(h->metrics[e], H5T_NATIVE_FLOAT, k + 3, s, c, x->metrics);
  if (!st) st = cube_read_block(h->per_image[e], H5T_NATIVE_FLOAT, k + 4, s, c, x->per_image);
  if (st) return cube_fail_wrap(st, "%s: cells of experiment %s", path, h->exp_name[e]);
  return ASL_OK;
}

static int holds_numbers(const float *v, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!isnan(v[i])) return 1;
  return 0;
}

// The slab's cells: each one a done job of e owns goes into its sum; one
// naming no job of e but holding numbers (or an index) is an orphan.
static void take_cells(const cv_jobs *J, int e, cv_exp *x, size_t first, size_t n) {
  for (size_t i = 0; i < n; i++) {
    int v = x->job[i];
    const float *m = x->metrics + i * x->tm, *im = x->per_image + i * x->tmi;
    if (v >= 0 && v < J->n && J->experiment[v] == e) {
      if (J->status[v] == CUBE_JOB_DONE) cube_sum_cell(&J->sum[v], first + i, m, x->tm, im, x->tmi);
      continue;
    }
    if (v == -1 && !holds_numbers(m, x->tm) && !holds_numbers(im, x->tmi)) continue;
    if (x->orphans++ == 0) x->first_orphan = first + i, x->first_orphan_job = v;
  }
}

static asl_status walk_cells(const cube_verify_handles *h, const cv_jobs *J, int e, cv_exp *x,
                             const char *path) {
  size_t cap = slab_cells > x->S ? slab_cells : x->S;
  x->job = malloc(sizeof(int32_t) * cap);
  x->metrics = malloc(sizeof(float) * cap * (x->tm ? x->tm : 1));
  x->per_image = malloc(sizeof(float) * cap * (x->tmi ? x->tmi : 1));
  if (!x->job || !x->metrics || !x->per_image)
    return asl_fail(ASL_ENOMEM, "%s: verifying experiment %s", path, h->exp_name[e]);
  hsize_t start[CUBE_MAX_RANK], count[CUBE_MAX_RANK];
  size_t first = 0;
  asl_status st = ASL_OK;
  for (size_t b = 0; !st && slab(x, b, start, count, &first); b++) {
    size_t n = 1;
    for (int a = 0; a <= x->k; a++) n *= (size_t)count[a];
    if (n == 0) continue;
    if (!(st = read_slab(h, e, x, start, count, path))) take_cells(J, e, x, first, n);
  }
  return st;
}

asl_status cv_verify_experiment(const cube_verify_handles *h, const char *path, const cv_jobs *J,
                                int e, cube_verify_result *r) {
  cv_exp x;
  memset(&x, 0, sizeof x);
  asl_status st = shape(h, e, path, &x);
  if (!st) st = walk_cells(h, J, e, &x, path);
  if (!st && x.orphans)
    st = cv_add_bad(r, -1, "experiment %s: %zu cell%s of (axes..., subject) hold numbers or a job "
                    "index that no job of the experiment wrote (the first is cell %zu, job value "
                    "%d)", J->exp_name[e], x.orphans, x.orphans == 1 ? "" : "s", x.first_orphan,
                    x.first_orphan_job);
  // A failed row covers no cells: a failed attempt writes none.
  for (int j = 0; j < J->n && !st; j++) {
    int s = J->status[j];
    if (J->experiment[j] != e || r->bad_job[j] || (s != CUBE_JOB_DONE && s != CUBE_JOB_FAILED))
      continue;
    st = cv_judge(J, j, &J->sum[j], r);
  }
  free(x.job);
  free(x.metrics);
  free(x.per_image);
  return st;
}
