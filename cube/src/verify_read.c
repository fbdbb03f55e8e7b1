// The verifier's input: the /jobs datasets read whole, and the handles of
// an open file's datasets (cube/checksum.h).
#include <stdlib.h>
#include <string.h>

#include "cube/h5.h"
#include "verify_internal.h"

// Dataset ds read whole as n elements of memtype; a dataset of another
// size is a damaged cube.
static asl_status read_whole(hid_t ds, hid_t memtype, size_t n, void *buf, const char *path,
                             const char *name) {
  asl_status st = ASL_OK;
  hid_t space = H5I_INVALID_HID;
  CUBE_CHECK(space = H5Dget_space(ds), "%s: dataspace of %s", path, name);
  hssize_t have = H5Sget_simple_extent_npoints(space);
  if (have < 0 || (size_t)have != n) {
    st = asl_fail(ASL_EFORMAT, "%s: %s holds %lld values, expected %zu: the cube is damaged", path,
                  name, (long long)have, n);
    goto fail;
  }
  if (n > 0) CUBE_CHECK(H5Dread(ds, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf), "%s: read %s",
                        path, name);
fail:
  cube_h5_close(&space);
  return st;
}

static asl_status read_str(hid_t ds, size_t len, size_t n, char *buf, const char *path,
                           const char *name) {
  asl_status st = ASL_OK;
  hid_t t = H5I_INVALID_HID;
  CUBE_CHECK(t = cube_str_type(len), "%s: string type of %s", path, name);
  st = read_whole(ds, t, n, buf, path, name);
fail:
  cube_h5_close(&t);
  return st;
}

static asl_status jobs_shape(const cube_verify_handles *h, const char *path, cv_jobs *J) {
  asl_status st = ASL_OK;
  hid_t space = H5I_INVALID_HID;
  hsize_t dims[2] = {0, 0};
  CUBE_CHECK(space = H5Dget_space(h->train_loss), "%s: dataspace of %s", path,
             cube_ds_path(CUBE_DS_JOB_TRAIN_LOSS));
  if (H5Sget_simple_extent_ndims(space) != 2) {
    st = asl_fail(ASL_EFORMAT, "%s: %s is not (jobs, epochs)", path,
                  cube_ds_path(CUBE_DS_JOB_TRAIN_LOSS));
    goto fail;
  }
  CUBE_CHECK(H5Sget_simple_extent_dims(space, dims, NULL), "%s: extent of %s", path,
             cube_ds_path(CUBE_DS_JOB_TRAIN_LOSS));
  J->n = (int)dims[0];
  J->epochs = (int)dims[1];
fail:
  cube_h5_close(&space);
  return st;
}

asl_status cv_read_jobs(const cube_verify_handles *h, const char *path, cv_jobs *J) {
  memset(J, 0, sizeof *J);
  J->n_exp = h->n_exp;
  J->exp_name = h->exp_name;
  asl_status st = jobs_shape(h, path, J);
  if (st) return st;
  size_t n = (size_t)J->n, ne = n * (size_t)J->epochs;
  J->key = malloc(n * CUBE_KEY_LEN + 1);
  J->error = malloc(n * CUBE_ERROR_LEN + 1);
  J->kind = malloc(n + 1);
  J->status = malloc(n + 1);
  J->train_job = malloc(sizeof(int32_t) * (n + 1));
  J->experiment = malloc(sizeof(int32_t) * (n + 1));
  J->seed = malloc(sizeof(uint64_t) * (n + 1));
  J->checksum = calloc(n + 1, sizeof(uint64_t));
  J->train_loss = malloc(sizeof(float) * (ne + 1));
  J->val_loss = malloc(sizeof(float) * (ne + 1));
  if (!J->key || !J->error || !J->kind || !J->status || !J->train_job || !J->experiment ||
      !J->seed || !J->checksum || !J->train_loss || !J->val_loss) {
    cv_free_jobs(J);
    return asl_fail(ASL_ENOMEM, "%s: verifying %d jobs", path, J->n);
  }
#define P(d) cube_ds_path(CUBE_DS_JOB_##d)
  if ((st = read_str(h->key, CUBE_KEY_LEN, n, J->key, path, P(KEY))) ||
      (st = read_str(h->error, CUBE_ERROR_LEN, n, J->error, path, P(ERROR))) ||
      (st = read_whole(h->kind, H5T_NATIVE_INT8, n, J->kind, path, P(KIND))) ||
      (st = read_whole(h->status, H5T_NATIVE_INT8, n, J->status, path, P(STATUS))) ||
      (st = read_whole(h->train_job, H5T_NATIVE_INT32, n, J->train_job, path, P(TRAIN_JOB))) ||
      (st = read_whole(h->experiment, H5T_NATIVE_INT32, n, J->experiment, path, P(EXPERIMENT))) ||
      (st = read_whole(h->seed, H5T_NATIVE_UINT64, n, J->seed, path, P(SEED))) ||
      (st = read_whole(h->train_loss, H5T_NATIVE_FLOAT, ne, J->train_loss, path, P(TRAIN_LOSS))) ||
      (st = read_whole(h->val_loss, H5T_NATIVE_FLOAT, ne, J->val_loss, path, P(VAL_LOSS))) ||
      (h->checksum >= 0 &&
       (st = read_whole(h->checksum, H5T_NATIVE_UINT64, n, J->checksum, path, P(CHECKSUM)))))
    cv_free_jobs(J);
#undef P
  return st;
}

void cv_free_jobs(cv_jobs *J) {
  free(J->key);
  free(J->error);
  free(J->kind);
  free(J->status);
  free(J->train_job);
  free(J->experiment);
  free(J->seed);
  free(J->checksum);
  free(J->train_loss);
  free(J->val_loss);
  memset(J, 0, sizeof *J);
}
