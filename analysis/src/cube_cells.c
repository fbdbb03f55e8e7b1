// A lazily read experiment's cells: a run of design cells along the last
// design axis (at most CELLS_RUN of them, contiguous in the flat order) is
// read at a time, metrics and job indices together, so memory is one run
// whatever the experiment's size.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cube/h5.h"
#include "cube_internal.h"

#define CELLS_RUN 4096

struct ana_cells {
  hid_t metrics, job;
  size_t run;        // cells a run holds (along the last design axis)
  size_t c0, n;      // the run in memory: cells [c0, c0 + n); n 0 when none
  float *m;          // n x subjects x stages x metrics
  int32_t *j;        // n x subjects
};

asl_status ana_cells_open(ana_experiment *e, hid_t g, const char *path) {
  struct ana_cells *x = calloc(1, sizeof *x);
  if (!x) return asl_fail(ASL_ENOMEM, "%s: /%s", path, e->name);
  e->cells = x;
  x->metrics = H5Dopen2(g, cube_ds_name(CUBE_DS_EXP_METRICS), H5P_DEFAULT);
  x->job = H5Dopen2(g, cube_ds_name(CUBE_DS_EXP_JOB), H5P_DEFAULT);
  if (x->metrics < 0 || x->job < 0)
    return asl_fail(ASL_EHDF5, "%s: cannot open the cells of /%s", path, e->name);
  size_t last = e->n_design > 0 ? (size_t)e->axes[e->n_design - 1].n : 1;
  x->run = last < CELLS_RUN ? last : CELLS_RUN;
  if (x->run < 1) x->run = 1;
  size_t per = (size_t)ana_exp_n_subjects(e);
  x->m = malloc(sizeof(float) * x->run * per * (size_t)ana_exp_n_stages(e) *
                    (size_t)ana_exp_n_metrics(e) + 1);
  x->j = malloc(sizeof(int32_t) * x->run * per + 1);
  if (!x->m || !x->j) return asl_fail(ASL_ENOMEM, "%s: cells of /%s", path, e->name);
  return ASL_OK;
}

void ana_cells_close(ana_experiment *e) {
  struct ana_cells *x = e->cells;
  if (!x) return;
  cube_h5_close(&x->metrics);
  cube_h5_close(&x->job);
  free(x->m);
  free(x->j);
  free(x);
  e->cells = NULL;
}

// The run holding `cell` in memory; 0 when it cannot be read.
static int load(const ana_experiment *e, size_t cell) {
  struct ana_cells *x = e->cells;
  if (!x || cell >= e->n_cells) return 0;
  if (x->n && cell >= x->c0 && cell < x->c0 + x->n) return 1;
  int k = e->n_design;
  size_t last = k > 0 ? (size_t)e->axes[k - 1].n : 1, at = cell % last;
  size_t c0 = cell - at % x->run, n = last - (c0 % last) < x->run ? last - (c0 % last) : x->run;
  hsize_t start[CUBE_MAX_RANK], count[CUBE_MAX_RANK];
  int idx[CUBE_MAX_RANK];
  ana_exp_cell_coords(e, c0, idx);
  for (int a = 0; a < k; a++) start[a] = (hsize_t)idx[a], count[a] = 1;
  if (k > 0) count[k - 1] = (hsize_t)n;
  for (int a = k; a < k + 3; a++) start[a] = 0, count[a] = (hsize_t)e->axes[a].n;
  cube_h5_quiet q;
  cube_h5_quiet_begin(&q);
  int ok = cube_read_block(x->metrics, H5T_NATIVE_FLOAT, k + 3, start, count, x->m) == ASL_OK &&
           cube_read_block(x->job, H5T_NATIVE_INT32, k + 1, start, count, x->j) == ASL_OK;
  cube_h5_quiet_end(&q);
  x->c0 = c0;
  x->n = ok ? n : 0;
  return ok;
}

float ana_cells_value(const ana_experiment *e, size_t cell, int subject, int stage, int metric) {
  if (!load(e, cell)) return NAN;
  const struct ana_cells *x = e->cells;
  size_t ns = (size_t)ana_exp_n_stages(e), nm = (size_t)ana_exp_n_metrics(e);
  size_t i = (((cell - x->c0) * (size_t)ana_exp_n_subjects(e) + (size_t)subject) * ns +
              (size_t)stage) * nm + (size_t)metric;
  return x->m[i];
}

int ana_cells_job(const ana_experiment *e, size_t cell, int subject) {
  if (!load(e, cell)) return -1;
  const struct ana_cells *x = e->cells;
  return x->j[(cell - x->c0) * (size_t)ana_exp_n_subjects(e) + (size_t)subject];
}
