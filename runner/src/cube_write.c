// A job's writes: independent hyperslab writes into space allocated at
// creation, so no metadata changes and no other rank takes part. Order:
// cells, then the /jobs row, then its checksum, then `status` last (the
// commit).
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cube/checksum.h"
#include "cube_internal.h"
#include "run/cube.h"

// Verifies the committed rows through the handles the runner holds open.
static asl_status verify_rows(run_cube *c, cube_verify_result *v) {
  asl_status st = ASL_OK;
  char **names = malloc(sizeof(char *) * (size_t)(c->n_exp + 1));
  hid_t *h3 = malloc(sizeof(hid_t) * 3 * (size_t)(c->n_exp + 1));
  if (!names || !h3) {
    st = asl_fail(ASL_ENOMEM, "%s: verifying %d experiments", c->path, c->n_exp);
    goto fail;
  }
  cube_verify_handles h = {.n_exp = c->n_exp, .exp_name = names, .metrics = h3,
                           .per_image = h3 + c->n_exp, .job = h3 + 2 * c->n_exp};
  run_cube_jobs_view(c, &h.jobs);
  for (int e = 0; e < c->n_exp; e++) {
    names[e] = (char *)c->exp[e].name;
    h.metrics[e] = c->exp[e].metrics;
    h.per_image[e] = c->exp[e].per_image;
    h.job[e] = c->exp[e].job;
  }
  st = cube_verify_handles_run(&h, c->path, v);
fail:
  free(names);
  free(h3);
  return st;
}

asl_status run_cube_read_status(run_cube *c, signed char *status) {
  asl_status st = ASL_OK;
  cube_verify_result v = {0};
  cube_h5_quiet q;
  cube_h5_quiet_begin(&q);
  HCHECK(H5Dread(c->status, H5T_NATIVE_SCHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT, status),
          "%s: read %s", c->path, cube_ds_path(CUBE_DS_JOB_STATUS));
  if ((st = verify_rows(c, &v))) goto fail;
  cube_verify_print(&v, "aslsweep run", c->path, "this run redoes those jobs", stderr);
  for (int j = 0; j < c->n_jobs && j < v.n_jobs; j++)
    if (v.bad_job[j]) status[j] = CUBE_JOB_PENDING;
fail:
  cube_verify_free(&v);
  cube_h5_quiet_end(&q);
  return st;
}

static asl_status set_status(run_cube *c, int job, int status) {
  hsize_t start[1] = {(hsize_t)job}, count[1] = {1};
  signed char v = (signed char)status;
  asl_status st = cube_write_block(c->status, H5T_NATIVE_SCHAR, 1, start, count, &v);
  if (st) return run_fail_wrap(st, "%s: status of job %d", c->path, job);
  return ASL_OK;
}

asl_status run_cube_set_status(run_cube *c, int job, int status) {
  cube_h5_quiet q;
  cube_h5_quiet_begin(&q);
  asl_status st = set_status(c, job, status);
  cube_h5_quiet_end(&q);
  return st;
}

static asl_status write_cells(run_cube *c, const sweep_plan *p, int job, const run_result *r) {
  const sweep_job *jb = &p->jobs[job];
  if (jb->kind != SWEEP_JOB_INFER || jb->experiment < 0) return ASL_OK;
  const run_cube_exp *ce = &c->exp[jb->experiment];
  int k = p->experiments[jb->experiment].n_axes;
  // The row checksum covers the cube's whole image axis: the result must span it.
  if (r->n_images != ce->n_images || r->n_subjects != c->n_subjects)
    return asl_fail(ASL_ESHAPE, "job %s: result holds %d subjects x %d images, cube %d x %d",
                    jb->key, r->n_subjects, r->n_images, c->n_subjects, ce->n_images);
  hsize_t start[RUN_CUBE_MAX_RANK], count[RUN_CUBE_MAX_RANK];
  for (int a = 0; a < k; a++) {
    start[a] = (hsize_t)jb->coords[a];
    count[a] = 1;
  }
  asl_status st = ASL_OK;
  for (int s = 0; s < r->n_subjects && !st; s++) {
    if (!r->tested[s]) continue;
    start[k] = (hsize_t)s;
    count[k] = 1;
    start[k + 1] = start[k + 2] = start[k + 3] = 0;
    count[k + 1] = RUN_N_STAGES;
    count[k + 2] = (hsize_t)r->n_metrics;
    count[k + 3] = (hsize_t)r->n_images;
    int index = job;
    const float *cell = r->metrics + (size_t)s * RUN_N_STAGES * (size_t)r->n_metrics;
    const float *img = r->per_image + (size_t)s * RUN_N_STAGES * (size_t)r->n_metrics *
                                          (size_t)r->n_images;
    st = cube_write_block(ce->metrics, H5T_NATIVE_FLOAT, k + 3, start, count, cell);
    if (!st && r->n_images > 0)
      st = cube_write_block(ce->per_image, H5T_NATIVE_FLOAT, k + 4, start, count, img);
    if (!st) st = cube_write_block(ce->job, H5T_NATIVE_INT, k + 1, start, count, &index);
  }
  if (st) return run_fail_wrap(st, "%s: cells of job %s", c->path, jb->key);
  return ASL_OK;
}

// The whole loss rows as they will be on disk: the job's epochs, NaN after.
static void loss_rows(const run_cube *c, const run_result *r, float *train, float *val) {
  int epochs = r->epochs < c->epochs ? r->epochs : c->epochs;
  for (int e = 0; e < c->epochs; e++) {
    train[e] = e < epochs ? r->train_loss[e] : NAN;
    val[e] = e < epochs ? r->val_loss[e] : NAN;
  }
}

// The error text: version 2 appends it to this rank's stretch of the heap,
// version 1 (a resumed old cube) writes its fixed-length row.
static asl_status write_error(run_cube *c, int job, const char *text, char *stored) {
  cube_jobs J;
  run_cube_jobs_view(c, &J);
  if (c->version >= 2) return cube_jobs_put_error(&J, &c->heap, job, text, stored, c->path);
  snprintf(stored, CUBE_ERROR_LEN, "%s", text);
  return cube_jobs_put_error_v1(&J, job, text, c->path);
}

static asl_status write_row(run_cube *c, int job, const run_result *r, double seconds, int rank,
                            const char *host, const float *train, const float *val,
                            char *stored) {
  asl_status st = ASL_OK;
  hid_t host_t = H5I_INVALID_HID;
  char host_buf[RUN_HOST_LEN];
  snprintf(host_buf, sizeof host_buf, "%s", host ? host : "");
  hsize_t start[1] = {(hsize_t)job}, one[1] = {1};
  cube_jobs J;
  run_cube_jobs_view(c, &J);
  int loss_row = c->version >= 2 ? c->loss_row[job] : job;
  HCHECK(host_t = cube_str_type(CUBE_HOST_LEN), "host type");
  if ((st = cube_jobs_put_loss(&J, loss_row, train, val, c->path)) ||
      (st = cube_write_block(c->seconds, H5T_NATIVE_DOUBLE, 1, start, one, &seconds)) ||
      (st = cube_write_block(c->rank, H5T_NATIVE_INT, 1, start, one, &rank)) ||
      (st = cube_write_block(c->host, host_t, 1, start, one, host_buf)) ||
      (st = write_error(c, job, r->error, stored)))
    goto fail;
  if (c->chosen_param >= 0)
    st = cube_write_block(c->chosen_param, H5T_NATIVE_DOUBLE, 1, start, one, &r->chosen_param);
fail:
  run_h5_close(&host_t);
  return st;
}

static asl_status write_checksum(run_cube *c, const sweep_plan *p, int job, const run_result *r,
                                 int status, const float *train, const float *val) {
  if (c->checksum < 0) return ASL_OK; // a cube from before row checksums
  uint64_t sum = run_cube_row_checksum(c, p, job, r, status, train, val);
  hsize_t start[1] = {(hsize_t)job}, one[1] = {1};
  return cube_write_block(c->checksum, H5T_NATIVE_UINT64, 1, start, one, &sum);
}

static asl_status commit(run_cube *c, const sweep_plan *p, int job, const run_result *r,
                         int status, double seconds, int rank, const char *host) {
  asl_status st = ASL_OK;
  float *train = malloc(sizeof(float) * (size_t)c->epochs * 2);
  run_result *as_stored = malloc(sizeof *as_stored);
  if (!train || !as_stored) {
    st = asl_fail(ASL_ENOMEM, "%s: loss rows of %s", c->path, p->jobs[job].key);
    goto fail;
  }
  float *val = train + c->epochs;
  loss_rows(c, r, train, val);
  // Version 2 keeps no loss row for a job without one: the row reads as NaN.
  if (c->version >= 2 && c->loss_row[job] < 0)
    for (int e = 0; e < c->epochs; e++) train[e] = val[e] = NAN;
  // The checksum covers the row as stored (an error text may be cut).
  *as_stored = *r;
  if (status == CUBE_JOB_DONE && (st = write_cells(c, p, job, r))) goto fail;
  if ((st = write_row(c, job, r, seconds, rank, host, train, val, as_stored->error)) ||
      (st = write_checksum(c, p, job, as_stored, status, train, val))) {
    st = run_fail_wrap(st, "%s: /%s row of %s", c->path, CUBE_GROUP_JOBS, p->jobs[job].key);
    goto fail;
  }
  st = set_status(c, job, status);
fail:
  free(train);
  free(as_stored);
  return st;
}

asl_status run_cube_commit(run_cube *c, const sweep_plan *p, int job, const run_result *r,
                           int status, double seconds, int rank, const char *host) {
  cube_h5_quiet q;
  cube_h5_quiet_begin(&q);
  asl_status st = commit(c, p, job, r, status, seconds, rank, host);
  cube_h5_quiet_end(&q);
  return st;
}
