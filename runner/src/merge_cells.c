// The merged experiment arrays. A cell (axes..., subject) belongs to the job
// whose index its `job` dataset holds; it is copied from the part that job
// is taken from. Cells of a job not done in a part (a crash between the
// cells and the commit) are ignored there.
//
// The arrays move in blocks of whole cells (a hyperslab over the job
// dataset's dimensions, the metric dimensions whole): the merged block
// starts as fill values, every part's block is read in turn into one
// buffer, and the block is written. Memory is two blocks whatever the
// study's size or the number of parts.
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cube_internal.h"
#include "merge_internal.h"

// Bytes of cells a block holds across the three datasets (about).
#define MERGE_BLOCK_BYTES ((size_t)16 << 20)

typedef struct {
  char name[3][200];     // job, metrics, metrics_per_image
  merge_set out[3];      // the merged cube's datasets
  merge_set *in;         // (n_parts x 3) each open part's, opened once
  int lead;              // dimensions of the job dataset (axes and subject)
  size_t bytes[3];       // bytes per cell in each dataset
  char fill[3][16];      // each dataset's fill value
  char *merged[3], *buf[3]; // one block each
  size_t cap;            // cells a block holds
} merge_exp;

// A part's datasets must have the merged cube's shapes (the base part's).
static asl_status same_shape(const merge_run *m, const merge_set *a, const merge_set *b) {
  int same = a->rank == b->rank && a->size == b->size;
  for (int k = 0; same && k < a->rank; k++) same = a->dims[k] == b->dims[k];
  if (same) return ASL_OK;
  return asl_fail(ASL_ESPEC, "%s has another shape than in %s: not parts of one run", b->where,
                  m->part[m->base].path);
}

// The merged cube's datasets (a copy of the base part's: their shapes and
// fill values) and every open part's, checked alike.
static asl_status exp_open(merge_exp *x, const merge_run *m, const char *name, size_t len,
                           hid_t out, const char *out_path) {
  static const cube_ds leaf[3] = {CUBE_DS_EXP_JOB, CUBE_DS_EXP_METRICS, CUBE_DS_EXP_PER_IMAGE};
  asl_status st = ASL_OK;
  for (int d = 0; d < 3 && !st; d++) {
    snprintf(x->name[d], sizeof x->name[d], "/%.*s/%s", (int)len, name, cube_ds_name(leaf[d]));
    merge_set *s = &x->out[d];
    st = merge_set_open(s, out, x->name[d], out_path);
    if (!st && d == 0) x->lead = s->rank;
    int ok = !st && s->size <= sizeof x->fill[d] && s->rank >= x->lead;
    for (int k = 0; ok && k < x->lead; k++) ok = s->dims[k] == x->out[0].dims[k];
    if (!st && !ok)
      st = asl_fail(ASL_EFORMAT, "%s: %s does not extend %s", m->part[m->base].path, x->name[d],
                    x->name[0]);
    if (!st) st = merge_fill_value(out, x->name[d], out_path, x->fill[d], s->size);
    if (st) break;
    x->bytes[d] = s->size;
    for (int k = x->lead; k < s->rank; k++) x->bytes[d] *= (size_t)s->dims[k];
  }
  for (int p = 0; p < m->n_parts && !st; p++)
    for (int d = 0; d < 3 && !st && m->part[p].file >= 0; d++) {
      st = merge_set_open(&x->in[p * 3 + d], m->part[p].file, x->name[d], m->part[p].path);
      if (!st) st = same_shape(m, &x->out[d], &x->in[p * 3 + d]);
    }
  return st;
}

static asl_status exp_init(merge_exp *x, const merge_run *m, const char *name, size_t len,
                           hid_t out, const char *out_path) {
  memset(x, 0, sizeof *x);
  for (int d = 0; d < 3; d++) x->out[d].ds = x->out[d].type = H5I_INVALID_HID;
  x->in = malloc(sizeof *x->in * (size_t)m->n_parts * 3);
  if (!x->in) return asl_fail(ASL_ENOMEM, "merging %d parts", m->n_parts);
  for (int i = 0; i < m->n_parts * 3; i++) x->in[i].ds = x->in[i].type = H5I_INVALID_HID;
  asl_status st = exp_open(x, m, name, len, out, out_path);
  if (st) return st;
  size_t per_cell = x->bytes[0] + x->bytes[1] + x->bytes[2];
  // ASLSWEEP_TEST_MERGE_BLOCK=BYTES (for tests): small blocks, so that a
  // small study crosses many block and dimension boundaries.
  const char *test = getenv("ASLSWEEP_TEST_MERGE_BLOCK");
  size_t budget = test && atol(test) > 0 ? (size_t)atol(test) : MERGE_BLOCK_BYTES;
  x->cap = budget / (per_cell ? per_cell : 1);
  if (x->cap < 1) x->cap = 1;
  for (int d = 0; d < 3 && !st; d++) {
    x->merged[d] = malloc(x->cap * x->bytes[d] + 1);
    x->buf[d] = malloc(x->cap * x->bytes[d] + 1);
    if (!x->merged[d] || !x->buf[d]) st = asl_fail(ASL_ENOMEM, "merging %s", x->name[d]);
  }
  return st;
}

static void exp_free(merge_exp *x, int n_parts) {
  for (int d = 0; d < 3; d++) {
    free(x->merged[d]);
    free(x->buf[d]);
    merge_set_close(&x->out[d]);
  }
  for (int i = 0; x->in && i < n_parts * 3; i++) merge_set_close(&x->in[i]);
  free(x->in);
}

// One cell of part p (its three datasets at block index c) against the merge.
static asl_status take_cell(merge_run *m, int p, merge_exp *x, size_t c) {
  int j;
  memcpy(&j, x->buf[0] + c * x->bytes[0], sizeof j);
  if (j < 0 || j >= m->n_jobs || m->part[p].status[j] != CUBE_JOB_DONE) return ASL_OK;
  m->part[p].cells[j]++;
  int take = m->source[j] == p, check = merge_duplicate_in(m, p, j);
  for (int d = 0; d < 3; d++) {
    char *dst = x->merged[d] + c * x->bytes[d], *src = x->buf[d] + c * x->bytes[d];
    if (take) memcpy(dst, src, x->bytes[d]);
    else if (check && memcmp(dst, src, x->bytes[d]) != 0)
      return asl_fail(ASL_ESPEC, "job %s is done in %s and in %s with different %s: keep one "
                      "(rerun the wrong part with --force-new) and merge again",
                      merge_key(m, j), m->part[m->source[j]].dir, m->part[p].dir, x->name[d]);
  }
  return ASL_OK;
}

// The block at start/count (`n` cells): fill, every part, write.
static asl_status merge_block(merge_run *m, merge_exp *x, const hsize_t *start,
                              const hsize_t *count, size_t n) {
  asl_status st = ASL_OK;
  for (int d = 0; d < 3; d++)
    for (size_t i = 0; i < n * x->bytes[d] / x->out[d].size; i++)
      memcpy(x->merged[d] + i * x->out[d].size, x->fill[d], x->out[d].size);
  for (int p = 0; p < m->n_parts && !st; p++) {
    if (m->part[p].file < 0) continue;
    for (int d = 0; d < 3 && !st; d++)
      st = merge_read_block(&x->in[p * 3 + d], x->lead, start, count, x->buf[d]);
    for (size_t c = 0; c < n && !st; c++) st = take_cell(m, p, x, c);
  }
  for (int d = 0; d < 3 && !st; d++)
    st = merge_write_block(&x->out[d], x->lead, start, count, x->merged[d]);
  return st;
}

// Walks the job dataset in blocks of at most x->cap whole cells: the
// innermost dimensions whole while they fit, a range of the next one, and
// every index of the dimensions before it (an odometer).
static asl_status merge_experiment(merge_run *m, merge_exp *x) {
  const hsize_t *dims = x->out[0].dims;
  int k = x->lead - 1;
  size_t inner = 1;
  while (k > 0 && inner * dims[k] <= x->cap) inner *= dims[k--];
  size_t step = x->cap / inner;
  if (step < 1) step = 1;
  if (step > dims[k]) step = dims[k];
  hsize_t start[CUBE_MAX_RANK] = {0}, count[CUBE_MAX_RANK];
  for (int d = 0; d < x->lead; d++) count[d] = d < k ? 1 : dims[d];
  for (int d = 0; d < x->lead; d++)
    if (dims[d] == 0) return ASL_OK;
  asl_status st = ASL_OK;
  for (;;) {
    count[k] = dims[k] - start[k] < step ? dims[k] - start[k] : step;
    st = merge_block(m, x, start, count, (size_t)count[k] * inner);
    if (st) return st;
    int d = k;
    start[k] += count[k];
    while (d >= 0 && start[d] >= dims[d]) {
      start[d] = 0;
      if (--d >= 0) start[d]++;
    }
    if (d < 0) return ASL_OK;
  }
}

// A duplicate must have written exactly as many cells as its source.
static asl_status check_counts(const merge_run *m, int p) {
  for (int j = 0; j < m->n_jobs; j++)
    if (merge_duplicate_in(m, p, j) && m->part[p].cells[j] != m->part[m->source[j]].cells[j])
      return asl_fail(ASL_ESPEC, "job %s wrote %d cells in %s but %d in %s: keep one part's "
                      "result and merge again", merge_key(m, j), m->part[m->source[j]].cells[j],
                      m->part[m->source[j]].dir, m->part[p].cells[j], m->part[p].dir);
  return ASL_OK;
}

asl_status merge_cells(merge_run *m, hid_t out, const char *out_path) {
  char *names = NULL; // the whole list: any number of experiments
  asl_status st = cube_attr_read_str_alloc(m->part[m->base].file,
                                           cube_attr_name(CUBE_ATTR_EXPERIMENTS), &names);
  if (st) return run_fail_wrap(st, "%s", m->part[m->base].path);
  for (const char *s = names; *s && !st;) {
    size_t len = strcspn(s, ",");
    merge_exp x;
    st = exp_init(&x, m, s, len, out, out_path);
    if (!st) st = merge_experiment(m, &x);
    exp_free(&x, m->n_parts);
    s += len + (s[len] == ',');
  }
  for (int p = 0; p < m->n_parts && !st; p++)
    if (m->part[p].file >= 0) st = check_counts(m, p);
  free(names);
  return st;
}
