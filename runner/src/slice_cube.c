// Marking a part cube with its slice, so readers can tell which of its
// pending jobs belong to other array tasks, and so a part directory is never
// resumed as another slice or as a whole run.
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "cube/layout.h"
#include "cube_internal.h"
#include "run/slice.h"

// Collective: every rank creates the same attribute and dataset and joins
// one collective write in which rank 0 alone selects the values (identical
// bytes from every rank would be waste). Collective, because above
// CUBE_PACK_MIN jobs the dataset is compressed, and parallel HDF5 writes
// filtered datasets only collectively: an independent write fails on rank 0
// alone while the others wait in the flush.
static asl_status write_slices(run_cube *c, hid_t ds, const int *slice_of, int rank0,
                               int parallel) {
  asl_status st = ASL_OK;
  hid_t fspace = H5I_INVALID_HID, mspace = H5I_INVALID_HID, dxpl = H5I_INVALID_HID;
  hsize_t n[1] = {(hsize_t)c->n_jobs};
  HCHECK(fspace = H5Dget_space(ds), "%s: extent of %s", c->path, cube_ds_path(CUBE_DS_JOB_SLICE));
  HCHECK(mspace = H5Screate_simple(1, n, NULL), "%s: memory space", c->path);
  if (!rank0) {
    HCHECK(H5Sselect_none(fspace), "%s: empty selection", c->path);
    HCHECK(H5Sselect_none(mspace), "%s: empty selection", c->path);
  }
  HCHECK(dxpl = H5Pcreate(H5P_DATASET_XFER), "%s: transfer properties", c->path);
  if (parallel)
    HCHECK(H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE), "%s: collective transfer", c->path);
  HCHECK(H5Dwrite(ds, H5T_NATIVE_INT, mspace, fspace, dxpl, slice_of), "%s: write %s", c->path,
         cube_ds_path(CUBE_DS_JOB_SLICE));
fail:
  run_h5_close(&dxpl);
  run_h5_close(&mspace);
  run_h5_close(&fspace);
  return st;
}

static asl_status mark(run_cube *c, const int *slice_of, const char *text, int rank0,
                       int parallel) {
  asl_status st = ASL_OK;
  hid_t g = H5I_INVALID_HID, ds = H5I_INVALID_HID;
  hsize_t dims[1] = {(hsize_t)c->n_jobs};
  if ((st = cube_attr_str(c->file, cube_attr_name(CUBE_ATTR_SLICE), text))) goto fail;
  HCHECK(g = H5Gopen2(c->file, CUBE_GROUP_JOBS, H5P_DEFAULT), "%s: open /%s", c->path,
         CUBE_GROUP_JOBS);
  if ((st = cube_ds_create(&ds, g, CUBE_DS_JOB_SLICE, 1, dims)) ||
      (st = cube_jobs_link(g, ds, 1, 1)) || (st = write_slices(c, ds, slice_of, rank0, parallel)))
    goto fail;
  run_h5_close(&ds);
  HCHECK(H5Fflush(c->file, H5F_SCOPE_GLOBAL), "%s: flush after marking the slice", c->path);
fail:
  run_h5_close(&ds);
  run_h5_close(&g);
  if (st) return run_fail_wrap(st, "%s: marking slice %s", c->path, text);
  return ASL_OK;
}

static asl_status slice_mark(run_cube *c, const int *slice_of, int index, int count, int rank0) {
  char want[32] = "", have[64] = "";
  const char *attr = cube_attr_name(CUBE_ATTR_SLICE);
  if (count > 0) snprintf(want, sizeof want, "%d/%d", index, count);
  htri_t exists = H5Aexists(c->file, attr);
  if (exists < 0) return asl_fail(ASL_EHDF5, "%s: cannot look for the `slice` attribute", c->path);
  if (exists) {
    asl_status st = cube_attr_read_str(c->file, attr, have, sizeof have);
    if (st) return run_fail_wrap(st, "%s", c->path);
    if (count == 0)
      return asl_fail(ASL_ESPEC, "%s holds slice %s of a job array: rerun it with --slice %s, or "
                      "gather the parts with `aslsweep merge`", c->path, have, have);
    if (strcmp(have, want) != 0)
      return asl_fail(ASL_ESPEC, "%s holds slice %s, not %s: give each slice its own --out "
                      "(DIR/parts/i), or --force-new to discard this part", c->path, have, want);
    return ASL_OK;
  }
  if (count == 0) return ASL_OK;
  return mark(c, slice_of, want, rank0, 1);
}

asl_status run_slice_mark(run_cube *c, const int *slice_of, int index, int count, int rank0) {
  cube_h5_quiet q;
  cube_h5_quiet_begin(&q);
  asl_status st = slice_mark(c, slice_of, index, count, rank0);
  cube_h5_quiet_end(&q);
  return st;
}

static asl_status slice_read(hid_t f, const char *path, int n_jobs, int *slice_of, int *found,
                             char *text, size_t text_len) {
  asl_status st = ASL_OK;
  hid_t ds = H5I_INVALID_HID, space = H5I_INVALID_HID;
  const char *attr = cube_attr_name(CUBE_ATTR_SLICE), *set = cube_ds_path(CUBE_DS_JOB_SLICE);
  htri_t has = H5Aexists(f, attr);
  HCHECK(has, "%s: look for the `%s` attribute", path, attr);
  if (has && (st = cube_attr_read_str(f, attr, text, text_len))) goto fail;
  if (!has || H5Lexists(f, set, H5P_DEFAULT) <= 0) goto fail;
  HCHECK(ds = H5Dopen2(f, set, H5P_DEFAULT), "%s: open %s", path, set);
  HCHECK(space = H5Dget_space(ds), "%s: extent of %s", path, set);
  if (H5Sget_simple_extent_npoints(space) != (hssize_t)n_jobs) goto fail;
  if (n_jobs > 0)
    HCHECK(H5Dread(ds, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, slice_of), "%s: read %s",
           path, set);
  *found = 1;
fail:
  run_h5_close(&space);
  run_h5_close(&ds);
  return st;
}

asl_status run_slice_read(const char *path, int n_jobs, int *slice_of, int *found, char *text,
                          size_t text_len) {
  *found = 0;
  text[0] = '\0';
  cube_h5_quiet q;
  cube_h5_quiet_begin(&q);
  asl_status st = ASL_OK;
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) st = asl_fail(ASL_EFORMAT, "%s: cannot open as an HDF5 file to read its slice", path);
  else st = slice_read(f, path, n_jobs, slice_of, found, text, text_len);
  if (f >= 0) H5Fclose(f);
  cube_h5_quiet_end(&q);
  if (st) return run_fail_wrap(st, "%s: reading the slice marks", path);
  return ASL_OK;
}

asl_status run_slice_mark_file(const char *path, int n_jobs, const int *slice_of, int index,
                               int count) {
  run_cube c;
  char text[32];
  run_cube_reset(&c);
  c.n_jobs = n_jobs;
  snprintf(c.path, sizeof c.path, "%s", path);
  snprintf(text, sizeof text, "%d/%d", index, count);
  cube_h5_quiet q;
  cube_h5_quiet_begin(&q);
  asl_status st = ASL_OK;
  if ((c.file = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT)) < 0)
    st = asl_fail(ASL_EHDF5, "%s: cannot open to mark slice %s", path, text);
  if (!st) st = mark(&c, slice_of, text, 1, 0);
  if (c.file >= 0 && H5Fclose(c.file) < 0 && !st) st = asl_fail(ASL_EHDF5, "%s: close", path);
  cube_h5_quiet_end(&q);
  return st;
}
