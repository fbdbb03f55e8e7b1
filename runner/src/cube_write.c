// A job's writes: independent hyperslab writes into space allocated at
// creation, so no metadata changes and no other rank takes part. Order:
// cells, then the /jobs row, then `status` last (the commit).
#include <string.h>

#include "check.h"
#include "cube_internal.h"
#include "run/cube.h"

asl_status run_cube_read_status(run_cube *c, signed char *status) {
  asl_status st = ASL_OK;
  cube_h5_quiet q;
  cube_h5_quiet_begin(&q);
  HCHECK(H5Dread(c->status, H5T_NATIVE_SCHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT, status),
          "%s: read %s", c->path, cube_ds_path(CUBE_DS_JOB_STATUS));
fail:
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
  if (r->n_images > ce->n_images || r->n_subjects != c->n_subjects)
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

static asl_status write_row(run_cube *c, int job, const run_result *r, double seconds, int rank,
                            const char *host) {
  asl_status st = ASL_OK;
  hid_t host_t = H5I_INVALID_HID, err_t = H5I_INVALID_HID;
  char host_buf[RUN_HOST_LEN], err_buf[RUN_ERROR_LEN];
  snprintf(host_buf, sizeof host_buf, "%s", host ? host : "");
  snprintf(err_buf, sizeof err_buf, "%s", r->error);
  hsize_t start[2] = {(hsize_t)job, 0}, one[2] = {1, (hsize_t)c->epochs};
  HCHECK(host_t = cube_str_type(CUBE_HOST_LEN), "host type");
  HCHECK(err_t = cube_str_type(CUBE_ERROR_LEN), "error type");
  int epochs = r->epochs < c->epochs ? r->epochs : c->epochs;
  one[1] = (hsize_t)epochs;
  if ((epochs > 0 &&
       ((st = cube_write_block(c->train_loss, H5T_NATIVE_FLOAT, 2, start, one, r->train_loss)) ||
        (st = cube_write_block(c->val_loss, H5T_NATIVE_FLOAT, 2, start, one, r->val_loss)))) ||
      (st = cube_write_block(c->seconds, H5T_NATIVE_DOUBLE, 1, start, one, &seconds)) ||
      (st = cube_write_block(c->rank, H5T_NATIVE_INT, 1, start, one, &rank)) ||
      (st = cube_write_block(c->host, host_t, 1, start, one, host_buf)) ||
      (st = cube_write_block(c->error, err_t, 1, start, one, err_buf)))
    goto fail;
fail:
  run_h5_close(&host_t);
  run_h5_close(&err_t);
  return st;
}

static asl_status commit(run_cube *c, const sweep_plan *p, int job, const run_result *r,
                         int status, double seconds, int rank, const char *host) {
  asl_status st = ASL_OK;
  if (status == CUBE_JOB_DONE && (st = write_cells(c, p, job, r))) return st;
  if ((st = write_row(c, job, r, seconds, rank, host)))
    return run_fail_wrap(st, "%s: /%s row of %s", c->path, CUBE_GROUP_JOBS, p->jobs[job].key);
  return set_status(c, job, status);
}

asl_status run_cube_commit(run_cube *c, const sweep_plan *p, int job, const run_result *r,
                           int status, double seconds, int rank, const char *host) {
  cube_h5_quiet q;
  cube_h5_quiet_begin(&q);
  asl_status st = commit(c, p, job, r, status, seconds, rank, host);
  cube_h5_quiet_end(&q);
  return st;
}
