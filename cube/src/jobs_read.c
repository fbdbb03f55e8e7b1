// Blocks of /jobs rows (cube/jobs.h): strings, numbers and loss rows of
// jobs [j0, j0 + n), whatever the format version.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cube/h5.h"
#include "cube/jobs.h"

asl_status cube_rows_init(cube_rows *R, int cap, int epochs) {
  memset(R, 0, sizeof *R);
  R->cap = cap > 0 ? cap : 1;
  R->epochs = epochs > 0 ? epochs : 1;
  size_t n = (size_t)R->cap, ne = n * (size_t)R->epochs;
  R->key = malloc(n * CUBE_KEY_LEN);
  R->error = malloc(n * CUBE_ERROR_LEN);
  R->host = malloc(n * CUBE_HOST_LEN);
  R->kind = malloc(n);
  R->status = malloc(n);
  R->train_job = malloc(n * sizeof(int32_t));
  R->experiment = malloc(n * sizeof(int32_t));
  R->rank = malloc(n * sizeof(int32_t));
  R->seed = malloc(n * sizeof(uint64_t));
  R->checksum = malloc(n * sizeof(uint64_t));
  R->seconds = malloc(n * sizeof(double));
  R->chosen_param = malloc(n * sizeof(double));
  R->train_loss = malloc(ne * sizeof(float));
  R->val_loss = malloc(ne * sizeof(float));
  R->loss_row = malloc(n * sizeof(int32_t));
  R->error_at = malloc(n * sizeof(int64_t));
  if (!R->key || !R->error || !R->host || !R->kind || !R->status || !R->train_job ||
      !R->experiment || !R->rank || !R->seed || !R->checksum || !R->seconds || !R->chosen_param || !R->train_loss ||
      !R->val_loss || !R->loss_row || !R->error_at) {
    cube_rows_free(R);
    return asl_fail(ASL_ENOMEM, "buffers for %d job rows", cap);
  }
  return ASL_OK;
}

void cube_rows_free(cube_rows *R) {
  void *p[] = {R->key,  R->error,    R->host,       R->kind,     R->status,
               R->train_job, R->experiment, R->rank, R->seed,  R->checksum,
               R->seconds, R->chosen_param, R->train_loss, R->val_loss, R->loss_row, R->error_at};
  for (size_t i = 0; i < sizeof p / sizeof *p; i++) free(p[i]);
  memset(R, 0, sizeof *R);
}

static asl_status read_rows(hid_t ds, hid_t memtype, int j0, int n, void *buf, const char *path,
                            cube_ds d) {
  if (n <= 0) return ASL_OK;
  hsize_t start[1] = {(hsize_t)j0}, count[1] = {(hsize_t)n};
  asl_status st = cube_read_block(ds, memtype, 1, start, count, buf);
  if (st) return cube_fail_wrap(st, "%s: rows %d..%d of %s", path, j0, j0 + n - 1, cube_ds_path(d));
  return ASL_OK;
}

static asl_status read_strings(hid_t ds, size_t len, int j0, int n, char *buf, const char *path,
                               cube_ds d) {
  hid_t t = cube_str_type(len);
  if (t < 0) return asl_fail(ASL_EHDF5, "%s: string type of %s", path, cube_ds_path(d));
  asl_status st = read_rows(ds, t, j0, n, buf, path, d);
  H5Tclose(t);
  for (int i = 0; i < n && !st; i++) buf[(size_t)i * len + len - 1] = '\0';
  return st;
}

// Job j's text in the heap at `at` (NUL-terminated, at most CUBE_ERROR_LEN
// bytes with the NUL).
static asl_status heap_text(const cube_jobs *J, int64_t at, char *out, const char *path) {
  out[0] = '\0';
  if (at < 0) return ASL_OK;
  if (at >= J->heap_size)
    return asl_fail(ASL_EFORMAT, "%s: an error_at value (%lld) points past %s (%lld bytes): the "
                    "cube is damaged", path, (long long)at, cube_ds_path(CUBE_DS_JOB_ERROR_TEXT),
                    (long long)J->heap_size);
  int64_t n = J->heap_size - at;
  if (n > CUBE_ERROR_LEN - 1) n = CUBE_ERROR_LEN - 1;
  hsize_t start[1] = {(hsize_t)at}, count[1] = {(hsize_t)n};
  asl_status st = cube_read_block(J->error_text, H5T_NATIVE_SCHAR, 1, start, count, out);
  if (st) return cube_fail_wrap(st, "%s: error text at %lld", path, (long long)at);
  out[n] = '\0';
  return ASL_OK;
}

static asl_status read_errors(const cube_jobs *J, int j0, int n, cube_rows *R, const char *path) {
  if (J->version < 2) return read_strings(J->error, CUBE_ERROR_LEN, j0, n, R->error, path, CUBE_DS_JOB_ERROR);
  asl_status st = read_rows(J->error_at, H5T_NATIVE_INT64, j0, n, R->error_at, path,
                            CUBE_DS_JOB_ERROR_AT);
  for (int i = 0; i < n && !st; i++)
    st = heap_text(J, R->error_at[i], R->error + (size_t)i * CUBE_ERROR_LEN, path);
  return st;
}

static void nan_rows(float *v, size_t n) {
  for (size_t i = 0; i < n; i++) v[i] = NAN;
}

// Version 2: the loss rows of a block's train jobs are consecutive (rows are
// numbered in job order), so one hyperslab of rows [lo, hi] covers them.
static asl_status read_losses(const cube_jobs *J, int j0, int n, cube_rows *R, const char *path) {
  size_t E = (size_t)J->epochs;
  hsize_t start[2] = {(hsize_t)j0, 0}, count[2] = {(hsize_t)n, E};
  if (E != (size_t)R->epochs)
    return asl_fail(ASL_EFORMAT, "%s: loss rows of %zu epochs, buffers of %d", path, E, R->epochs);
  if (J->version < 2) {
    asl_status st = cube_read_block(J->train_loss, H5T_NATIVE_FLOAT, 2, start, count, R->train_loss);
    if (!st) st = cube_read_block(J->val_loss, H5T_NATIVE_FLOAT, 2, start, count, R->val_loss);
    return st ? cube_fail_wrap(st, "%s: loss rows %d..%d", path, j0, j0 + n - 1) : ASL_OK;
  }
  asl_status st = read_rows(J->loss_row, H5T_NATIVE_INT32, j0, n, R->loss_row, path,
                            CUBE_DS_JOB_LOSS_ROW);
  if (st) return st;
  int lo = -1, hi = -1;
  for (int i = 0; i < n; i++) {
    int r = R->loss_row[i];
    if (r < 0) continue;
    if (r >= J->n_loss_rows)
      return asl_fail(ASL_EFORMAT, "%s: %s of job %d is %d, past the %d loss rows: the cube is "
                      "damaged", path, cube_ds_path(CUBE_DS_JOB_LOSS_ROW), j0 + i, r, J->n_loss_rows);
    if (lo < 0 || r < lo) lo = r;
    if (r > hi) hi = r;
  }
  nan_rows(R->train_loss, (size_t)n * E);
  nan_rows(R->val_loss, (size_t)n * E);
  if (lo < 0) return ASL_OK;
  if (hi - lo + 1 > n)
    return asl_fail(ASL_EFORMAT, "%s: %s is not in job order: the cube is damaged", path,
                    cube_ds_path(CUBE_DS_JOB_LOSS_ROW));
  // Read the span into the tail of the buffers' spare room: the val buffer
  // first holds train rows [lo, hi], then both are put in place.
  float *span = malloc(sizeof(float) * (size_t)(hi - lo + 1) * E * 2);
  if (!span) return asl_fail(ASL_ENOMEM, "%s: loss rows", path);
  start[0] = (hsize_t)lo;
  count[0] = (hsize_t)(hi - lo + 1);
  float *vspan = span + (size_t)(hi - lo + 1) * E;
  st = cube_read_block(J->train_loss, H5T_NATIVE_FLOAT, 2, start, count, span);
  if (!st) st = cube_read_block(J->val_loss, H5T_NATIVE_FLOAT, 2, start, count, vspan);
  for (int i = 0; i < n && !st; i++) {
    int r = R->loss_row[i];
    if (r < 0) continue;
    memcpy(R->train_loss + (size_t)i * E, span + (size_t)(r - lo) * E, E * sizeof(float));
    memcpy(R->val_loss + (size_t)i * E, vspan + (size_t)(r - lo) * E, E * sizeof(float));
  }
  free(span);
  return st ? cube_fail_wrap(st, "%s: loss rows %d..%d", path, lo, hi) : ASL_OK;
}

static asl_status read_numbers(const cube_jobs *J, int j0, int n, cube_rows *R, const char *path) {
  asl_status st = ASL_OK;
  if ((st = read_rows(J->kind, H5T_NATIVE_INT8, j0, n, R->kind, path, CUBE_DS_JOB_KIND)) ||
      (st = read_rows(J->train_job, H5T_NATIVE_INT32, j0, n, R->train_job, path, CUBE_DS_JOB_TRAIN_JOB)) ||
      (st = read_rows(J->experiment, H5T_NATIVE_INT32, j0, n, R->experiment, path,
                      CUBE_DS_JOB_EXPERIMENT)) ||
      (st = read_rows(J->seed, H5T_NATIVE_UINT64, j0, n, R->seed, path, CUBE_DS_JOB_SEED)) ||
      (st = read_rows(J->status, H5T_NATIVE_INT8, j0, n, R->status, path, CUBE_DS_JOB_STATUS)) ||
      (st = read_rows(J->seconds, H5T_NATIVE_DOUBLE, j0, n, R->seconds, path, CUBE_DS_JOB_SECONDS)) ||
      (st = read_rows(J->rank, H5T_NATIVE_INT32, j0, n, R->rank, path, CUBE_DS_JOB_RANK)))
    return st;
  if (J->checksum < 0) {
    memset(R->checksum, 0, sizeof(uint64_t) * (size_t)n);
    return ASL_OK;
  }
  return read_rows(J->checksum, H5T_NATIVE_UINT64, j0, n, R->checksum, path, CUBE_DS_JOB_CHECKSUM);
}

// A cube from before /jobs/chosen_param recorded no tuned values: NaN.
static asl_status read_chosen(const cube_jobs *J, int j0, int n, cube_rows *R, const char *path) {
  if (J->chosen_param >= 0)
    return read_rows(J->chosen_param, H5T_NATIVE_DOUBLE, j0, n, R->chosen_param, path,
                     CUBE_DS_JOB_CHOSEN_PARAM);
  for (int i = 0; i < n; i++) R->chosen_param[i] = NAN;
  return ASL_OK;
}

asl_status cube_rows_read(const cube_jobs *J, int j0, int n, unsigned want, cube_rows *R,
                          const char *path) {
  if (n > R->cap || j0 < 0 || j0 + n > J->n_jobs)
    return asl_fail(ASL_EINVAL, "%s: rows %d..%d of %d jobs (buffers of %d)", path, j0,
                    j0 + n - 1, J->n_jobs, R->cap);
  R->j0 = j0;
  R->n = n;
  asl_status st = ASL_OK;
  if (!st && (want & CUBE_ROW_KEY))
    st = read_strings(J->key, CUBE_KEY_LEN, j0, n, R->key, path, CUBE_DS_JOB_KEY);
  if (!st && (want & CUBE_ROW_HOST))
    st = read_strings(J->host, CUBE_HOST_LEN, j0, n, R->host, path, CUBE_DS_JOB_HOST);
  if (!st && (want & CUBE_ROW_ERROR)) st = read_errors(J, j0, n, R, path);
  if (!st && (want & CUBE_ROW_NUMBERS)) st = read_numbers(J, j0, n, R, path);
  if (!st && (want & CUBE_ROW_LOSS)) st = read_losses(J, j0, n, R, path);
  if (!st && (want & CUBE_ROW_CHOSEN)) st = read_chosen(J, j0, n, R, path);
  return st;
}

int cube_loss_rows(int n_jobs, const signed char *kind, int32_t *out) {
  int r = 0;
  for (int j = 0; j < n_jobs; j++) out[j] = kind[j] == 0 ? r++ : -1;
  return r;
}

asl_status cube_heap_used(const cube_jobs *J, int64_t *used, const char *path) {
  *used = 0;
  if (J->version < 2) return ASL_OK;
  int64_t *at = malloc(sizeof(int64_t) * CUBE_ROWS_BLOCK), last = -1;
  if (!at) return asl_fail(ASL_ENOMEM, "%s: error heap", path);
  asl_status st = ASL_OK;
  for (int j0 = 0; j0 < J->n_jobs && !st; j0 += CUBE_ROWS_BLOCK) {
    int n = J->n_jobs - j0 < CUBE_ROWS_BLOCK ? J->n_jobs - j0 : CUBE_ROWS_BLOCK;
    st = read_rows(J->error_at, H5T_NATIVE_INT64, j0, n, at, path, CUBE_DS_JOB_ERROR_AT);
    for (int i = 0; i < n && !st; i++)
      if (at[i] > last) last = at[i];
  }
  free(at);
  if (st || last < 0) return st;
  // Texts never overlap, so the one furthest in ends last.
  char text[CUBE_ERROR_LEN];
  if ((st = heap_text(J, last, text, path))) return st;
  *used = last + (int64_t)strlen(text) + 1;
  if (*used > J->heap_size) *used = J->heap_size;
  return ASL_OK;
}
