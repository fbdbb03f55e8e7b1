// The cube's layout written from the schema table (cube/layout.h).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hdf5_hl.h>

#include "cube/h5.h"
#include "cube/layout.h"

asl_status cube_write_root(hid_t file, const char *const text[CUBE_ATTR_COUNT]) {
  asl_status st = cube_attr_int(file, cube_attr_name(CUBE_ATTR_FORMAT_VERSION),
                                CUBE_FORMAT_VERSION);
  for (int a = 0; a < CUBE_ATTR_COUNT && !st; a++)
    if (text[a] && strcmp(cube_attributes[a].where, "/") == 0 && a != CUBE_ATTR_FORMAT_VERSION)
      st = cube_attr_str(file, cube_attr_name(a), text[a]);
  return st;
}

// Only the writer puts values in; the other ranks take part in the
// collective metadata calls around it (identical raw writes would be waste).
// Under MPI-IO the write is collective, every other rank selecting nothing:
// parallel HDF5 writes compressed datasets collectively only.
static asl_status write_whole(hid_t ds, hid_t memtype, const void *buf, int writer) {
  asl_status st = ASL_OK;
  hid_t fapl = H5I_INVALID_HID, dxpl = H5I_INVALID_HID, file = H5I_INVALID_HID;
  hid_t fspace = H5I_INVALID_HID, mspace = H5I_INVALID_HID;
  CUBE_CHECK(file = H5Iget_file_id(ds), "file of a dataset");
  CUBE_CHECK(fapl = H5Fget_access_plist(file), "access properties");
  if (H5Pget_driver(fapl) != H5FD_MPIO) {
    if (writer)
      CUBE_CHECK(H5Dwrite(ds, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf), "static values");
    goto fail;
  }
  CUBE_CHECK(dxpl = H5Pcreate(H5P_DATASET_XFER), "transfer properties");
  CUBE_CHECK(H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE), "collective transfer");
  CUBE_CHECK(fspace = H5Dget_space(ds), "dataspace");
  CUBE_CHECK(mspace = H5Scopy(fspace), "memory dataspace");
  if (!writer) {
    CUBE_CHECK(H5Sselect_none(fspace), "empty selection");
    CUBE_CHECK(H5Sselect_none(mspace), "empty selection");
  }
  CUBE_CHECK(H5Dwrite(ds, memtype, mspace, fspace, dxpl, buf), "static values");
fail:
  cube_h5_close(&mspace);
  cube_h5_close(&fspace);
  cube_h5_close(&dxpl);
  cube_h5_close(&fapl);
  cube_h5_close(&file);
  return st;
}

asl_status cube_ds_write(hid_t loc, cube_ds d, int rank, const hsize_t *dims, const void *buf,
                         int writer, hid_t *keep) {
  asl_status st = ASL_OK;
  hid_t ds = H5I_INVALID_HID, mem = H5I_INVALID_HID;
  const cube_dataset_def *x = &cube_datasets[d];
  if ((st = cube_ds_create(&ds, loc, d, rank, dims))) goto fail;
  CUBE_CHECK(mem = cube_mem_type(x->type, x->str_len), "memory type of %s", x->name);
  if (buf && (st = write_whole(ds, mem, buf, writer))) goto fail;
  if (keep) {
    *keep = ds;
    ds = H5I_INVALID_HID;
  }
fail:
  if (x->type == CUBE_T_STR) cube_h5_close(&mem);
  cube_h5_close(&ds);
  if (st) return cube_fail_wrap(st, "%s", x->name);
  return st;
}

char *cube_string_rows(int n, size_t len, const char *(*get)(const void *, int), const void *ctx) {
  char *buf = calloc((size_t)n * len + 1, 1);
  if (!buf) return NULL;
  for (int i = 0; i < n; i++) snprintf(buf + (size_t)i * len, len, "%s", get(ctx, i));
  return buf;
}

asl_status cube_axis_create(hid_t g, const char *name, int n, const char *rows, size_t len,
                            const int *ints, int writer, hid_t *out) {
  asl_status st = ASL_OK;
  hid_t type = H5I_INVALID_HID;
  hsize_t dims[1] = {(hsize_t)n};
  *out = H5I_INVALID_HID;
  CUBE_CHECK(type = ints ? H5Tcopy(H5T_STD_I32LE) : cube_str_type(len),
             "type of axis %s", name);
  // A long integer index (the /jobs `job` scale) is packed like the table's
  // static datasets; labels and short axes stay contiguous.
  if (ints && dims[0] > CUBE_PACK_MIN) st = cube_h5_dataset_packed(out, g, name, type, dims);
  else st = cube_h5_dataset(out, g, name, type, 1, dims, NULL);
  if (st) goto fail;
  if ((st = write_whole(*out, ints ? H5T_NATIVE_INT : type, ints ? (const void *)ints : rows,
                        writer)))
    goto fail;
  CUBE_CHECK(H5DSset_scale(*out, name), "make %s a dimension scale", name);
  if (!ints) st = cube_attr_utf8(*out);
fail:
  cube_h5_close(&type);
  return st;
}

asl_status cube_axes_attach(hid_t ds, const hid_t *axis, int rank) {
  asl_status st = ASL_OK;
  char name[128];
  for (int d = 0; d < rank; d++) {
    CUBE_CHECK(H5DSattach_scale(ds, axis[d], (unsigned)d), "attach axis %d", d);
    // The dimension's label repeats the axis name for readers that show
    // labels rather than scale names.
    CUBE_CHECK(H5Iget_name(axis[d], name, sizeof name), "name of axis %d", d);
    const char *base = strrchr(name, '/');
    CUBE_CHECK(H5DSset_label(ds, (unsigned)d, base ? base + 1 : name), "label axis %d", d);
  }
fail:
  return st;
}

asl_status cube_exp_attributes(hid_t g, int n_own, const char *const *own,
                               const char *description) {
  size_t len = 64;
  for (int a = 0; a < n_own; a++) len += strlen(own[a]) + 1;
  char *s = calloc(len, 1);
  if (!s) return asl_fail(ASL_ENOMEM, "axes attribute");
  for (int a = 0; a < n_own; a++) {
    strcat(s, own[a]);
    strcat(s, ",");
  }
  strcat(s, CUBE_AXIS_SUBJECT "," CUBE_AXIS_STAGE "," CUBE_AXIS_METRIC);
  asl_status st = cube_attr_str(g, cube_attr_name(CUBE_ATTR_EXP_AXES), s);
  if (!st) st = cube_attr_str(g, cube_attr_name(CUBE_ATTR_EXP_DESCRIPTION), description);
  free(s);
  return st;
}
