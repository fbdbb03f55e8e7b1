// The /jobs writes of format version 2 that are more than one hyperslab
// (cube/jobs.h): error texts appended to a writer's stretch of the heap.
// Every writer owns its stretch, so ranks append without talking to each
// other and nothing but raw data changes in the file.
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cube/h5.h"
#include "cube/jobs.h"

void cube_heap_split(cube_heap_region *r, int64_t used, int64_t heap_size, int part, int n_parts) {
  memset(r, 0, sizeof *r);
  r->last_at = -1;
  if (n_parts < 1) n_parts = 1;
  int64_t free_bytes = heap_size > used ? heap_size - used : 0, each = free_bytes / n_parts;
  r->next = used + each * part;
  r->end = part == n_parts - 1 ? heap_size : r->next + each;
}

static asl_status put_at(const cube_jobs *J, int j, int64_t at, const char *path) {
  hsize_t start[1] = {(hsize_t)j}, one[1] = {1};
  asl_status st = cube_write_block(J->error_at, H5T_NATIVE_INT64, 1, start, one, &at);
  if (st) return cube_fail_wrap(st, "%s: %s of job %d", path, cube_ds_path(CUBE_DS_JOB_ERROR_AT), j);
  return ASL_OK;
}

// The text as it will be stored: whole, or cut to `room` bytes with the NUL
// and a note saying where the whole text is.
static size_t fit(const char *text, int64_t room, char *out) {
  static const char note[] = " [cut: the cube's error space is full; DIR/logs has the text]";
  size_t len = strlen(text);
  if (len > CUBE_ERROR_LEN - 1) len = CUBE_ERROR_LEN - 1;
  if ((int64_t)len + 1 <= room) {
    memcpy(out, text, len);
    out[len] = '\0';
    return len + 1;
  }
  if (room < (int64_t)sizeof note + 1) return 0;
  size_t keep = (size_t)room - sizeof note;
  memcpy(out, text, keep);
  memcpy(out + keep, note, sizeof note);
  return keep + sizeof note;
}

asl_status cube_jobs_put_error(const cube_jobs *J, cube_heap_region *r, int j, const char *text,
                               char *stored, const char *path) {
  char buf[CUBE_ERROR_LEN];
  if (stored) stored[0] = '\0';
  if (!text || !text[0]) return put_at(J, j, -1, path);
  if (r->last_at >= 0 && strncmp(r->last, text, sizeof r->last - 1) == 0) {
    if (stored) snprintf(stored, CUBE_ERROR_LEN, "%s", r->last_stored);
    return put_at(J, j, r->last_at, path);
  }
  size_t n = fit(text, r->end - r->next, buf);
  if (n == 0) return put_at(J, j, -1, path); // no room at all: the log keeps it
  hsize_t start[1] = {(hsize_t)r->next}, count[1] = {n};
  asl_status st = cube_write_block(J->error_text, H5T_NATIVE_SCHAR, 1, start, count, buf);
  if (st) return cube_fail_wrap(st, "%s: error text of job %d", path, j);
  int64_t at = r->next;
  r->next += (int64_t)n;
  snprintf(r->last, sizeof r->last, "%s", text);
  snprintf(r->last_stored, sizeof r->last_stored, "%s", buf);
  if (stored) snprintf(stored, CUBE_ERROR_LEN, "%s", buf);
  r->last_at = at;
  return put_at(J, j, at, path);
}

asl_status cube_jobs_put_error_v1(const cube_jobs *J, int j, const char *text, const char *path) {
  char buf[CUBE_ERROR_LEN];
  snprintf(buf, sizeof buf, "%s", text ? text : "");
  hid_t t = cube_str_type(CUBE_ERROR_LEN);
  if (t < 0) return asl_fail(ASL_EHDF5, "%s: error type", path);
  hsize_t start[1] = {(hsize_t)j}, one[1] = {1};
  asl_status st = cube_write_block(J->error, t, 1, start, one, buf);
  H5Tclose(t);
  if (st) return cube_fail_wrap(st, "%s: error of job %d", path, j);
  return ASL_OK;
}

asl_status cube_jobs_put_loss(const cube_jobs *J, int row, const float *train, const float *val,
                              const char *path) {
  if (row < 0) return ASL_OK;
  hsize_t start[2] = {(hsize_t)row, 0}, one[2] = {1, (hsize_t)J->epochs};
  asl_status st = cube_write_block(J->train_loss, H5T_NATIVE_FLOAT, 2, start, one, train);
  if (!st) st = cube_write_block(J->val_loss, H5T_NATIVE_FLOAT, 2, start, one, val);
  if (st) return cube_fail_wrap(st, "%s: loss row %d", path, row);
  return ASL_OK;
}

void cube_rows_copy(cube_rows *dst, int i, const cube_rows *src, int k) {
  size_t E = (size_t)dst->epochs, Es = src ? (size_t)src->epochs : 0, common = E < Es ? E : Es;
  float *t = dst->train_loss + (size_t)i * E, *v = dst->val_loss + (size_t)i * E;
  dst->status[i] = src ? src->status[k] : CUBE_JOB_PENDING;
  dst->seconds[i] = src ? src->seconds[k] : NAN;
  dst->rank[i] = src ? src->rank[k] : -1;
  dst->checksum[i] = src ? src->checksum[k] : 0;
  dst->chosen_param[i] = src ? src->chosen_param[k] : NAN;
  char *h = dst->host + (size_t)i * CUBE_HOST_LEN, *e = dst->error + (size_t)i * CUBE_ERROR_LEN;
  if (src) {
    memcpy(h, src->host + (size_t)k * CUBE_HOST_LEN, CUBE_HOST_LEN);
    memcpy(e, src->error + (size_t)k * CUBE_ERROR_LEN, CUBE_ERROR_LEN);
    memcpy(t, src->train_loss + (size_t)k * Es, common * sizeof(float));
    memcpy(v, src->val_loss + (size_t)k * Es, common * sizeof(float));
  } else {
    memset(h, 0, CUBE_HOST_LEN);
    memset(e, 0, CUBE_ERROR_LEN);
  }
  for (size_t x = common; x < E; x++) t[x] = v[x] = NAN;
}

static asl_status write_numbers(const cube_jobs *J, const cube_rows *R, const char *path) {
  hsize_t start[1] = {(hsize_t)R->j0}, count[1] = {(hsize_t)R->n};
  hid_t host_t = cube_str_type(CUBE_HOST_LEN);
  if (host_t < 0) return asl_fail(ASL_EHDF5, "%s: host type", path);
  asl_status st = ASL_OK;
  if ((st = cube_write_block(J->seconds, H5T_NATIVE_DOUBLE, 1, start, count, R->seconds)) ||
      (st = cube_write_block(J->rank, H5T_NATIVE_INT32, 1, start, count, R->rank)) ||
      (st = cube_write_block(J->host, host_t, 1, start, count, R->host)) ||
      (J->checksum >= 0 &&
       (st = cube_write_block(J->checksum, H5T_NATIVE_UINT64, 1, start, count, R->checksum))) ||
      (J->chosen_param >= 0 &&
       (st = cube_write_block(J->chosen_param, H5T_NATIVE_DOUBLE, 1, start, count, R->chosen_param))))
    st = cube_fail_wrap(st, "%s: /%s rows %d..%d", path, CUBE_GROUP_JOBS, R->j0, R->j0 + R->n - 1);
  H5Tclose(host_t);
  return st;
}

asl_status cube_rows_write(const cube_jobs *J, cube_heap_region *heap, const cube_rows *R,
                           const char *path) {
  size_t E = (size_t)R->epochs;
  if (R->epochs != J->epochs)
    return asl_fail(ASL_EINVAL, "%s: rows of %d epochs for loss rows of %d", path, R->epochs,
                    J->epochs);
  asl_status st = write_numbers(J, R, path);
  for (int i = 0; i < R->n && !st; i++) {
    const char *err = R->error + (size_t)i * CUBE_ERROR_LEN;
    int j = R->j0 + i, row = J->version >= 2 ? R->loss_row[i] : j;
    if (J->version >= 2) st = cube_jobs_put_error(J, heap, j, err, NULL, path);
    else st = cube_jobs_put_error_v1(J, j, err, path);
    if (!st) st = cube_jobs_put_loss(J, row, R->train_loss + (size_t)i * E,
                                     R->val_loss + (size_t)i * E, path);
  }
  hsize_t start[1] = {(hsize_t)R->j0}, count[1] = {(hsize_t)R->n};
  if (!st) st = cube_write_block(J->status, H5T_NATIVE_INT8, 1, start, count, R->status);
  return st;
}
