// The merged experiment arrays. A cell (axes..., subject) belongs to the job
// whose index its `job` dataset holds; it is copied from the part that job
// is taken from. Cells of a job not done in a part (a crash between the
// cells and the commit) are ignored there.
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cube_internal.h"
#include "merge_internal.h"

typedef struct {
  char name[3][200];     // job, metrics, metrics_per_image
  size_t cells;          // cells of the job dataset
  size_t bytes[3];       // bytes per cell in each dataset
  char *merged[3];
} merge_exp;


static asl_status exp_init(merge_exp *x, const merge_run *m, const char *name, size_t len) {
  static const cube_ds leaf[3] = {CUBE_DS_EXP_JOB, CUBE_DS_EXP_METRICS, CUBE_DS_EXP_PER_IMAGE};
  const merge_part *base = &m->part[m->base];
  asl_status st = ASL_OK;
  memset(x, 0, sizeof *x);
  for (int d = 0; d < 3 && !st; d++) {
    snprintf(x->name[d], sizeof x->name[d], "/%.*s/%s", (int)len, name, cube_ds_name(leaf[d]));
    size_t n, size;
    char fill[16];
    st = merge_read_all(base->file, x->name[d], base->path, &n, &size, (void **)&x->merged[d]);
    if (!st && d == 0) x->cells = n;
    if (!st && (size > sizeof fill || x->cells == 0 || n % x->cells))
      st = asl_fail(ASL_EFORMAT, "%s: %s does not extend %s", base->path, x->name[d], x->name[0]);
    if (!st) st = merge_fill_value(base->file, x->name[d], base->path, fill, size);
    if (st) break;
    x->bytes[d] = n / x->cells * size;
    for (size_t i = 0; i < n; i++) memcpy(x->merged[d] + i * size, fill, size);
  }
  return st;
}

static void exp_free(merge_exp *x) {
  for (int d = 0; d < 3; d++) free(x->merged[d]);
}

// One cell of part p (its three datasets at index c) against the merge.
static asl_status take_cell(merge_run *m, int p, merge_exp *x, char *const *in, size_t c) {
  int j;
  memcpy(&j, in[0] + c * x->bytes[0], sizeof j);
  if (j < 0 || j >= m->n_jobs || m->part[p].status[j] != CUBE_JOB_DONE) return ASL_OK;
  m->part[p].cells[j]++;
  int take = m->source[j] == p, check = merge_duplicate_in(m, p, j);
  for (int d = 0; d < 3; d++) {
    char *dst = x->merged[d] + c * x->bytes[d], *src = in[d] + c * x->bytes[d];
    if (take) memcpy(dst, src, x->bytes[d]);
    else if (check && memcmp(dst, src, x->bytes[d]) != 0)
      return asl_fail(ASL_ESPEC, "job %s is done in %s and in %s with different %s: keep one "
                      "(rerun the wrong part with --force-new) and merge again", m->keys[j],
                      m->part[m->source[j]].dir, m->part[p].dir, x->name[d]);
  }
  return ASL_OK;
}

static asl_status take_part(merge_run *m, int p, merge_exp *x) {
  merge_part *pt = &m->part[p];
  char *in[3] = {NULL, NULL, NULL};
  asl_status st = ASL_OK;
  for (int d = 0; d < 3 && !st; d++) {
    size_t n, size;
    st = merge_read_all(pt->file, x->name[d], pt->path, &n, &size, (void **)&in[d]);
    if (!st && n * size != x->cells * x->bytes[d])
      st = asl_fail(ASL_ESPEC, "%s: %s has another shape than in %s: not parts of one run",
                    pt->path, x->name[d], m->part[m->base].path);
  }
  for (size_t c = 0; !st && c < x->cells; c++) st = take_cell(m, p, x, in, c);
  for (int d = 0; d < 3; d++) free(in[d]);
  return st;
}

// A duplicate must have written exactly as many cells as its source.
static asl_status check_counts(const merge_run *m, int p) {
  for (int j = 0; j < m->n_jobs; j++)
    if (merge_duplicate_in(m, p, j) && m->part[p].cells[j] != m->part[m->source[j]].cells[j])
      return asl_fail(ASL_ESPEC, "job %s wrote %d cells in %s but %d in %s: keep one part's "
                      "result and merge again", m->keys[j], m->part[m->source[j]].cells[j],
                      m->part[m->source[j]].dir, m->part[p].cells[j], m->part[p].dir);
  return ASL_OK;
}

asl_status merge_cells(merge_run *m, hid_t out, const char *out_path) {
  char *names = NULL; // the whole list: any number of experiments
  asl_status st = cube_attr_read_str_alloc(m->part[m->base].file,
                                           cube_attr_name(CUBE_ATTR_EXPERIMENTS), &names);
  if (st) return run_fail_wrap(st, "%s", m->part[m->base].path);
  int n_exp = names[0] ? 1 : 0;
  for (const char *s = names; *s; s++) n_exp += *s == ',';
  merge_exp *x = calloc((size_t)n_exp + 1, sizeof *x);
  if (!x) {
    free(names);
    return asl_fail(ASL_ENOMEM, "merging %d experiments", n_exp);
  }
  const char *s = names;
  for (int e = 0; e < n_exp && !st; e++) {
    size_t len = strcspn(s, ",");
    st = exp_init(&x[e], m, s, len);
    s += len + (s[len] == ',');
  }
  for (int p = 0; !st && p < m->n_parts; p++) {
    if (m->part[p].file < 0) continue;
    for (int e = 0; e < n_exp && !st; e++) st = take_part(m, p, &x[e]);
    if (!st) st = check_counts(m, p);
  }
  for (int e = 0; e < n_exp && !st; e++)
    for (int d = 0; d < 3 && !st; d++)
      st = merge_write_all(out, x[e].name[d], out_path, x[e].merged[d]);
  for (int e = 0; e < n_exp; e++) exp_free(&x[e]);
  free(x);
  free(names);
  return st;
}
