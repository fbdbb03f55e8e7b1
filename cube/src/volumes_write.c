// Packed side volumes, the writing half (cube/volumes.h).
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cube/h5.h"
#include "cube/volumes.h"

asl_status cube_volumes_name(char *out, size_t n, const char *job_key, const char *subject,
                             const char *kind) {
  size_t k = 0;
  // Percent-escaping keeps a key's '/' from making HDF5 groups and the '|'
  // separators unambiguous.
  for (const char *c = job_key; *c && k + 4 < n; c++) {
    if (*c == '%' || *c == '/' || *c == '|') k += (size_t)snprintf(out + k, n - k, "%%%02X", (unsigned char)*c);
    else out[k++] = *c;
  }
  int m = k + 4 < n ? snprintf(out + k, n - k, "|%s|%s", subject, kind) : -1;
  if (m < 0 || (size_t)m >= n - k)
    return asl_fail(ASL_EINVAL, "volume name of job %s, subject %s, %s is longer than %zu bytes",
                    job_key, subject, kind, n - 1);
  return ASL_OK;
}

static hid_t create_file(const char *path) {
  // Latest format: compact link storage keeps thousands of datasets in one
  // group cheap to append to.
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  if (fapl < 0) return fapl;
  H5Pset_libver_bounds(fapl, H5F_LIBVER_V110, H5F_LIBVER_LATEST);
  hid_t f = H5Fcreate(path, H5F_ACC_EXCL, H5P_DEFAULT, fapl);
  H5Pclose(fapl);
  return f;
}

asl_status cube_volumes_open(cube_volumes *w, const char *path) {
  memset(w, 0, sizeof *w);
  w->file = H5I_INVALID_HID;
  snprintf(w->path, sizeof w->path, "%s", path);
  cube_h5_quiet q;
  cube_h5_quiet_begin(&q);
  asl_status st = ASL_OK;
  if (access(path, F_OK) == 0) {
    w->file = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    if (w->file < 0) {
      char aside[4300];
      snprintf(aside, sizeof aside, "%s.damaged", path);
      if (rename(path, aside) != 0) {
        st = asl_fail(ASL_EIO, "%s: cannot be opened by HDF5 nor renamed to %s (%s); remove it",
                      path, aside, strerror(errno));
        goto fail;
      }
      fprintf(stderr, "aslsweep: warning: %s could not be opened (killed while writing?); kept as "
                      "%s, its volumes are written again as jobs rerun\n", path, aside);
    }
  }
  if (w->file < 0) CUBE_CHECK(w->file = create_file(path), "creating %s", path);
fail:
  cube_h5_quiet_end(&q);
  return st;
}

static asl_status put_attrs(hid_t ds, const cube_volume_geom *g, const char *path) {
  asl_status st = ASL_OK;
  hid_t sp = H5I_INVALID_HID, a = H5I_INVALID_HID;
  int shape[3] = {g->nx, g->ny, g->nz};
  hsize_t three = 3, four[2] = {4, 4};
  CUBE_CHECK(sp = H5Screate_simple(1, &three, NULL), "%s: attribute space", path);
  CUBE_CHECK(a = H5Acreate2(ds, "shape", H5T_STD_I32LE, sp, H5P_DEFAULT, H5P_DEFAULT), "%s: shape", path);
  CUBE_CHECK(H5Awrite(a, H5T_NATIVE_INT, shape), "%s: shape", path);
  cube_h5_close(&a);
  CUBE_CHECK(a = H5Acreate2(ds, "voxel_size", H5T_IEEE_F32LE, sp, H5P_DEFAULT, H5P_DEFAULT), "%s: voxel_size", path);
  CUBE_CHECK(H5Awrite(a, H5T_NATIVE_FLOAT, g->voxel), "%s: voxel_size", path);
  cube_h5_close(&a);
  cube_h5_close(&sp);
  CUBE_CHECK(sp = H5Screate_simple(2, four, NULL), "%s: attribute space", path);
  CUBE_CHECK(a = H5Acreate2(ds, "affine", H5T_IEEE_F32LE, sp, H5P_DEFAULT, H5P_DEFAULT), "%s: affine", path);
  CUBE_CHECK(H5Awrite(a, H5T_NATIVE_FLOAT, g->affine), "%s: affine", path);
fail:
  cube_h5_close(&a);
  cube_h5_close(&sp);
  return st;
}

// One chunk per image, deflated: kept volumes are read whole, and masked
// ASL images are mostly zeros.
static hid_t chunked(const hsize_t *dims) {
  hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  if (dcpl < 0) return dcpl;
  size_t bytes = (size_t)(dims[0] * dims[1] * dims[2]) * sizeof(float);
  if (bytes < ((size_t)1 << 31) && H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0) {
    H5Pset_chunk(dcpl, 3, dims);
    H5Pset_shuffle(dcpl);
    H5Pset_deflate(dcpl, 4);
  }
  return dcpl;
}

asl_status cube_volumes_put(cube_volumes *w, const char *name, const cube_volume_geom *g,
                            const float *data) {
  asl_status st = ASL_OK;
  hid_t sp = H5I_INVALID_HID, dcpl = H5I_INVALID_HID, ds = H5I_INVALID_HID;
  hsize_t dims[3] = {(hsize_t)g->nz, (hsize_t)g->ny, (hsize_t)g->nx};
  cube_h5_quiet q;
  cube_h5_quiet_begin(&q);
  // A rerun job (killed after its volumes were flushed, before its commit)
  // replaces what it wrote before.
  if (H5Lexists(w->file, name, H5P_DEFAULT) > 0)
    CUBE_CHECK(H5Ldelete(w->file, name, H5P_DEFAULT), "%s: replacing %s", w->path, name);
  CUBE_CHECK(sp = H5Screate_simple(3, dims, NULL), "%s: space of %s", w->path, name);
  CUBE_CHECK(dcpl = chunked(dims), "%s: layout of %s", w->path, name);
  CUBE_CHECK(ds = H5Dcreate2(w->file, name, H5T_IEEE_F32LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT),
             "%s: creating %s", w->path, name);
  CUBE_CHECK(H5Dwrite(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), "%s: writing %s",
             w->path, name);
  st = put_attrs(ds, g, w->path);
  if (!st) w->written++;
fail:
  cube_h5_close(&ds);
  cube_h5_close(&dcpl);
  cube_h5_close(&sp);
  cube_h5_quiet_end(&q);
  return st;
}

asl_status cube_volumes_flush(cube_volumes *w) {
  asl_status st = ASL_OK;
  cube_h5_quiet q;
  cube_h5_quiet_begin(&q);
  CUBE_CHECK(H5Fflush(w->file, H5F_SCOPE_LOCAL), "flushing %s (disk full?)", w->path);
fail:
  cube_h5_quiet_end(&q);
  return st;
}

void cube_volumes_close(cube_volumes *w) {
  if (w->file > 0) H5Fclose(w->file);
  w->file = H5I_INVALID_HID;
}
