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

asl_status merge_write_all(hid_t file, const char *name, const char *path, const void *buf) {
  asl_status st = ASL_OK;
  hid_t ds = H5I_INVALID_HID, type = H5I_INVALID_HID;
  HCHECK(ds = H5Dopen2(file, name, H5P_DEFAULT), "%s: open %s", path, name);
  HCHECK(type = H5Dget_type(ds), "%s: type of %s", path, name);
  HCHECK(H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf), "%s: write %s", path, name);
fail:
  run_h5_close(&type);
  run_h5_close(&ds);
  return st;
}
