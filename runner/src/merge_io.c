// Whole-dataset reads and writes for the merge, in the file's own types:
// the parts and the merged cube share one layout, so bytes move unchanged.
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "merge_internal.h"

asl_status merge_read_all(hid_t file, const char *name, const char *path, size_t *n,
                          size_t *size, void **buf) {
  asl_status st = ASL_OK;
  hid_t ds = H5I_INVALID_HID, type = H5I_INVALID_HID, space = H5I_INVALID_HID;
  *buf = NULL;
  HCHECK(ds = H5Dopen2(file, name, H5P_DEFAULT), "%s: open %s", path, name);
  HCHECK(type = H5Dget_type(ds), "%s: type of %s", path, name);
  HCHECK(space = H5Dget_space(ds), "%s: extent of %s", path, name);
  hssize_t points = H5Sget_simple_extent_npoints(space);
  *size = H5Tget_size(type);
  if (points < 0 || *size == 0) {
    st = asl_fail(ASL_EFORMAT, "%s: %s has no readable extent", path, name);
    goto fail;
  }
  *n = (size_t)points;
  *buf = malloc(*n * *size + 1);
  if (!*buf) {
    st = asl_fail(ASL_ENOMEM, "%s: %s (%zu values)", path, name, *n);
    goto fail;
  }
  HCHECK(H5Dread(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, *buf), "%s: read %s", path, name);
fail:
  if (st) {
    free(*buf);
    *buf = NULL;
  }
  run_h5_close(&space);
  run_h5_close(&type);
  run_h5_close(&ds);
  return st;
}

asl_status merge_fill_value(hid_t file, const char *name, const char *path, void *out,
                            size_t size) {
  asl_status st = ASL_OK;
  hid_t ds = H5I_INVALID_HID, type = H5I_INVALID_HID, dcpl = H5I_INVALID_HID;
  memset(out, 0, size);
  HCHECK(ds = H5Dopen2(file, name, H5P_DEFAULT), "%s: open %s", path, name);
  HCHECK(type = H5Dget_type(ds), "%s: type of %s", path, name);
  HCHECK(dcpl = H5Dget_create_plist(ds), "%s: creation properties of %s", path, name);
  if (H5Tget_size(type) != size) {
    st = asl_fail(ASL_EFORMAT, "%s: %s has %zu-byte values, expected %zu", path, name,
                  H5Tget_size(type), size);
    goto fail;
  }
  HCHECK(H5Pget_fill_value(dcpl, type, out), "%s: fill value of %s", path, name);
fail:
  run_h5_close(&dcpl);
  run_h5_close(&type);
  run_h5_close(&ds);
  return st;
}

asl_status merge_set_open(merge_set *s, hid_t file, const char *name, const char *path) {
  asl_status st = ASL_OK;
  hid_t space = H5I_INVALID_HID;
  memset(s, 0, sizeof *s);
  s->ds = s->type = H5I_INVALID_HID;
  snprintf(s->where, sizeof s->where, "%s: %s", path, name);
  HCHECK(s->ds = H5Dopen2(file, name, H5P_DEFAULT), "%s: open %s", path, name);
  HCHECK(s->type = H5Dget_type(s->ds), "%s: type of %s", path, name);
  HCHECK(space = H5Dget_space(s->ds), "%s: extent of %s", path, name);
  s->rank = H5Sget_simple_extent_ndims(space);
  s->size = H5Tget_size(s->type);
  if (s->rank < 1 || s->rank > CUBE_MAX_RANK || s->size == 0) {
    st = asl_fail(ASL_EFORMAT, "%s: %s has no readable extent", path, name);
    goto fail;
  }
  H5Sget_simple_extent_dims(space, s->dims, NULL);
fail:
  run_h5_close(&space);
  if (st) merge_set_close(s);
  return st;
}

void merge_set_close(merge_set *s) {
  run_h5_close(&s->type);
  run_h5_close(&s->ds);
}

// The block's hyperslab: `start`/`count` over the first `lead` dimensions,
// the rest whole; the bytes move in the file's own type.
static asl_status block_io(int write, const merge_set *s, int lead, const hsize_t *start,
                           const hsize_t *count, void *buf) {
  hsize_t at[CUBE_MAX_RANK], n[CUBE_MAX_RANK];
  for (int d = 0; d < s->rank; d++) {
    at[d] = d < lead ? start[d] : 0;
    n[d] = d < lead ? count[d] : s->dims[d];
  }
  asl_status st = write ? cube_write_block(s->ds, s->type, s->rank, at, n, buf)
                        : cube_read_block(s->ds, s->type, s->rank, at, n, buf);
  return st ? run_fail_wrap(st, "%s", s->where) : ASL_OK;
}

asl_status merge_read_block(const merge_set *s, int lead, const hsize_t *start,
                            const hsize_t *count, void *buf) {
  return block_io(0, s, lead, start, count, buf);
}

asl_status merge_write_block(const merge_set *s, int lead, const hsize_t *start,
                             const hsize_t *count, const void *buf) {
  return block_io(1, s, lead, start, count, (void *)buf);
}
