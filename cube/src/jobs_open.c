// Opening the /jobs rows of a cube of either format version (cube/jobs.h).
#include <stdlib.h>
#include <string.h>

#include "cube/h5.h"
#include "cube/jobs.h"

static hid_t *handle(cube_jobs *J, cube_ds d) {
  switch (d) {
  case CUBE_DS_JOB_KEY: return &J->key;
  case CUBE_DS_JOB_KIND: return &J->kind;
  case CUBE_DS_JOB_TRAIN_JOB: return &J->train_job;
  case CUBE_DS_JOB_EXPERIMENT: return &J->experiment;
  case CUBE_DS_JOB_SEED: return &J->seed;
  case CUBE_DS_JOB_STATUS: return &J->status;
  case CUBE_DS_JOB_SECONDS: return &J->seconds;
  case CUBE_DS_JOB_RANK: return &J->rank;
  case CUBE_DS_JOB_HOST: return &J->host;
  case CUBE_DS_JOB_CHECKSUM: return &J->checksum;
  case CUBE_DS_JOB_CONTENT_KEY: return &J->content_key;
  case CUBE_DS_JOB_CHOSEN_PARAM: return &J->chosen_param;
  case CUBE_DS_JOB_ERROR: return &J->error;
  case CUBE_DS_JOB_ERROR_AT: return &J->error_at;
  case CUBE_DS_JOB_ERROR_TEXT: return &J->error_text;
  case CUBE_DS_JOB_LOSS_ROW: return &J->loss_row;
  case CUBE_DS_JOB_TRAIN_LOSS: return &J->train_loss;
  case CUBE_DS_JOB_VAL_LOSS: return &J->val_loss;
  default: return NULL;
  }
}

static void reset(cube_jobs *J) {
  memset(J, 0, sizeof *J);
  for (int d = 0; d < CUBE_DS_COUNT; d++) {
    hid_t *h = handle(J, (cube_ds)d);
    if (h) *h = H5I_INVALID_HID;
  }
}

void cube_jobs_close(cube_jobs *J) {
  for (int d = 0; d < CUBE_DS_COUNT; d++) {
    hid_t *h = handle(J, (cube_ds)d);
    if (h) cube_h5_close(h);
  }
}

static asl_status open_one(cube_jobs *J, hid_t file, cube_ds d, int optional, const char *path) {
  asl_status st = ASL_OK;
  const char *name = cube_ds_path(d);
  htri_t has = H5Lexists(file, CUBE_GROUP_JOBS, H5P_DEFAULT);
  if (has > 0) has = H5Lexists(file, name, H5P_DEFAULT);
  CUBE_CHECK(has, "%s: look for %s", path, name);
  if (!has && optional) return ASL_OK;
  if (!has)
    return asl_fail(ASL_EFORMAT, "%s: /%s has no '%s' (not a complete aslsweep results cube, "
                    "or one of format version %d written elsewhere?)", path, CUBE_GROUP_JOBS,
                    cube_ds_name(d), J->version);
  CUBE_CHECK(*handle(J, d) = H5Dopen2(file, name, H5P_DEFAULT),
             "%s: open %s (not a complete aslsweep results cube?)", path, name);
fail:
  return st;
}

static asl_status extent(hid_t ds, int rank, hsize_t *dims, const char *path, cube_ds d) {
  asl_status st = ASL_OK;
  hid_t space = H5I_INVALID_HID;
  CUBE_CHECK(space = H5Dget_space(ds), "%s: dataspace of %s", path, cube_ds_path(d));
  if (H5Sget_simple_extent_ndims(space) != rank) {
    st = asl_fail(ASL_EFORMAT, "%s: %s has not %d dimensions: the cube is damaged", path,
                  cube_ds_path(d), rank);
    goto fail;
  }
  CUBE_CHECK(H5Sget_simple_extent_dims(space, dims, NULL), "%s: extent of %s", path,
             cube_ds_path(d));
fail:
  cube_h5_close(&space);
  return st;
}

static asl_status shape(cube_jobs *J, const char *path) {
  hsize_t n[1] = {0}, loss[2] = {0, 0}, heap[1] = {0};
  asl_status st = extent(J->status, 1, n, path, CUBE_DS_JOB_STATUS);
  if (!st) st = extent(J->train_loss, 2, loss, path, CUBE_DS_JOB_TRAIN_LOSS);
  if (!st && J->version >= 2) st = extent(J->error_text, 1, heap, path, CUBE_DS_JOB_ERROR_TEXT);
  if (st) return st;
  J->n_jobs = (int)n[0];
  J->n_loss_rows = (int)loss[0];
  J->epochs = (int)loss[1];
  J->heap_size = (int64_t)heap[0];
  if (J->version < 2 && J->n_loss_rows != J->n_jobs)
    return asl_fail(ASL_EFORMAT, "%s: %s must be (jobs=%d, epochs): the cube is damaged", path,
                    cube_ds_path(CUBE_DS_JOB_TRAIN_LOSS), J->n_jobs);
  return ASL_OK;
}

asl_status cube_jobs_open(cube_jobs *J, hid_t file, int version, const char *path) {
  static const cube_ds common[] = {
      CUBE_DS_JOB_KEY,    CUBE_DS_JOB_KIND,    CUBE_DS_JOB_TRAIN_JOB,  CUBE_DS_JOB_EXPERIMENT,
      CUBE_DS_JOB_SEED,   CUBE_DS_JOB_STATUS,  CUBE_DS_JOB_SECONDS,    CUBE_DS_JOB_RANK,
      CUBE_DS_JOB_HOST,   CUBE_DS_JOB_TRAIN_LOSS, CUBE_DS_JOB_VAL_LOSS};
  static const cube_ds v1[] = {CUBE_DS_JOB_ERROR};
  static const cube_ds v2[] = {CUBE_DS_JOB_ERROR_AT, CUBE_DS_JOB_ERROR_TEXT, CUBE_DS_JOB_LOSS_ROW};
  reset(J);
  J->version = version;
  asl_status st = ASL_OK;
  for (size_t i = 0; i < sizeof common / sizeof *common && !st; i++)
    st = open_one(J, file, common[i], 0, path);
  const cube_ds *own = version >= 2 ? v2 : v1;
  size_t n_own = version >= 2 ? sizeof v2 / sizeof *v2 : sizeof v1 / sizeof *v1;
  for (size_t i = 0; i < n_own && !st; i++) st = open_one(J, file, own[i], 0, path);
  if (!st) st = open_one(J, file, CUBE_DS_JOB_CHECKSUM, 1, path);
  if (!st) st = open_one(J, file, CUBE_DS_JOB_CONTENT_KEY, 1, path);
  if (!st) st = open_one(J, file, CUBE_DS_JOB_CHOSEN_PARAM, 1, path);
  if (!st) st = shape(J, path);
  if (st) cube_jobs_close(J);
  return st;
}
