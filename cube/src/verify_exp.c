// One experiment's part of verification: which cells name which job (the
// `job` dataset), each of its jobs' checksums over its row and those cells,
// and cells holding numbers that no job of the experiment wrote.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cube/h5.h"
#include "verify_internal.h"

typedef struct {
  size_t cells, tm, tmi; // cells of `job`; values per cell in metrics, per-image
  int32_t *job;
  float *metrics, *per_image;
  int *first, *list;     // cells of job j: list[first[j] .. first[j+1])
} cv_exp;

static asl_status read_exp_ds(hid_t ds, hid_t memtype, size_t elem, size_t *n, void **buf,
                              const char *path, const char *name) {
  asl_status st = ASL_OK;
  hid_t space = H5I_INVALID_HID;
  *buf = NULL;
  CUBE_CHECK(space = H5Dget_space(ds), "%s: dataspace of %s", path, name);
  hssize_t np = H5Sget_simple_extent_npoints(space);
  CUBE_CHECK(np, "%s: size of %s", path, name);
  *n = (size_t)np;
  if (!(*buf = malloc(elem * (*n + 1)))) {
    st = asl_fail(ASL_ENOMEM, "%s: verifying %s (%zu values)", path, name, *n);
    goto fail;
  }
  if (*n > 0) CUBE_CHECK(H5Dread(ds, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, *buf),
                         "%s: read %s", path, name);
fail:
  cube_h5_close(&space);
  return st;
}

static asl_status read_exp(const cube_verify_handles *h, int e, const char *path, cv_exp *x) {
  char name[3][CUBE_KEY_LEN];
  const cube_ds leaf[3] = {CUBE_DS_EXP_JOB, CUBE_DS_EXP_METRICS, CUBE_DS_EXP_PER_IMAGE};
  for (int d = 0; d < 3; d++)
    snprintf(name[d], sizeof name[d], "/%s/%s", h->exp_name[e], cube_ds_name(leaf[d]));
  size_t nm = 0, ni = 0;
  asl_status st = read_exp_ds(h->job[e], H5T_NATIVE_INT32, 4, &x->cells, (void **)&x->job, path,
                              name[0]);
  if (!st) st = read_exp_ds(h->metrics[e], H5T_NATIVE_FLOAT, 4, &nm, (void **)&x->metrics, path,
                            name[1]);
  if (!st) st = read_exp_ds(h->per_image[e], H5T_NATIVE_FLOAT, 4, &ni, (void **)&x->per_image,
                            path, name[2]);
  if (!st && (x->cells == 0 || nm % x->cells || ni % x->cells))
    st = asl_fail(ASL_EFORMAT, "%s: %s and %s do not extend %s: the cube is damaged", path,
                  name[1], name[2], name[0]);
  if (!st) {
    x->tm = nm / x->cells;
    x->tmi = ni / x->cells;
  }
  return st;
}

static void free_exp(cv_exp *x) {
  free(x->job);
  free(x->metrics);
  free(x->per_image);
  free(x->first);
  free(x->list);
}

static int holds_numbers(const float *v, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!isnan(v[i])) return 1;
  return 0;
}

// Groups the cells by the job they name; reports the cells naming no job
// of this experiment (numbers with job -1, or an index of another one).
static asl_status index_cells(const cv_jobs *J, int e, cv_exp *x, cube_verify_result *r) {
  x->first = calloc((size_t)J->n + 2, sizeof *x->first);
  x->list = malloc(sizeof *x->list * (x->cells + 1));
  if (!x->first || !x->list) return asl_fail(ASL_ENOMEM, "verify: %zu cells", x->cells);
  size_t orphans = 0, first_orphan = 0;
  for (size_t c = 0; c < x->cells; c++) {
    int v = x->job[c];
    if (v >= 0 && v < J->n && J->experiment[v] == e) {
      x->first[v + 1]++;
      continue;
    }
    if (v == -1 && !holds_numbers(x->metrics + c * x->tm, x->tm) &&
        !holds_numbers(x->per_image + c * x->tmi, x->tmi))
      continue;
    if (orphans++ == 0) first_orphan = c;
  }
  for (int j = 0; j < J->n; j++) x->first[j + 1] += x->first[j];
  int *fill = calloc((size_t)J->n + 1, sizeof *fill);
  if (!fill) return asl_fail(ASL_ENOMEM, "verify: %d jobs", J->n);
  for (size_t c = 0; c < x->cells; c++) {
    int v = x->job[c];
    if (v >= 0 && v < J->n && J->experiment[v] == e) x->list[x->first[v] + fill[v]++] = (int)c;
  }
  free(fill);
  if (orphans == 0) return ASL_OK;
  return cv_add_bad(r, -1, "experiment %s: %zu cell%s of (axes..., subject) hold numbers or a job "
                    "index that no job of the experiment wrote (the first is cell %zu, job value "
                    "%d)", J->exp_name[e], orphans, orphans == 1 ? "" : "s", first_orphan,
                    (int)x->job[first_orphan]);
}

asl_status cv_verify_experiment(const cube_verify_handles *h, const char *path, const cv_jobs *J,
                                int e, cube_verify_result *r) {
  cv_exp x;
  memset(&x, 0, sizeof x);
  asl_status st = read_exp(h, e, path, &x);
  if (!st) st = index_cells(J, e, &x, r);
  for (int j = 0; j < J->n && !st; j++) {
    int s = J->status[j];
    if (J->experiment[j] != e || r->bad_job[j] || (s != CUBE_JOB_DONE && s != CUBE_JOB_FAILED))
      continue;
    cube_sum sum = J->sum[j];
    // A failed row covers no cells: a failed attempt writes none.
    for (int i = x.first[j]; s == CUBE_JOB_DONE && i < x.first[j + 1]; i++) {
      size_t c = (size_t)x.list[i];
      cube_sum_cell(&sum, c, x.metrics + c * x.tm, x.tm, x.per_image + c * x.tmi, x.tmi);
    }
    st = cv_judge(J, j, &sum, r);
  }
  free_exp(&x);
  return st;
}
