#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cube_internal.h"

hid_t cube_str_type(size_t len) {
  hid_t t = H5Tcopy(H5T_C_S1);
  if (t < 0) return t;
  if (H5Tset_size(t, len ? len : 1) < 0 || H5Tset_strpad(t, H5T_STR_NULLTERM) < 0 ||
      H5Tset_cset(t, H5T_CSET_ASCII) < 0) {
    H5Tclose(t);
    return H5I_INVALID_HID;
  }
  return t;
}

asl_status cube_attr_str(hid_t loc, const char *name, const char *value) {
  asl_status st = ASL_OK;
  hid_t type = H5I_INVALID_HID, space = H5I_INVALID_HID, attr = H5I_INVALID_HID;
  HCHECK(type = cube_str_type(strlen(value) + 1), "string type for attribute %s", name);
  HCHECK(space = H5Screate(H5S_SCALAR), "dataspace for attribute %s", name);
  HCHECK(attr = H5Acreate2(loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT),
          "create attribute %s", name);
  HCHECK(H5Awrite(attr, type, value), "write attribute %s", name);
fail:
  run_h5_close(&attr);
  run_h5_close(&space);
  run_h5_close(&type);
  return st;
}

asl_status cube_attr_int(hid_t loc, const char *name, int value) {
  asl_status st = ASL_OK;
  hid_t space = H5I_INVALID_HID, attr = H5I_INVALID_HID;
  HCHECK(space = H5Screate(H5S_SCALAR), "dataspace for attribute %s", name);
  HCHECK(attr = H5Acreate2(loc, name, H5T_STD_I32LE, space, H5P_DEFAULT, H5P_DEFAULT),
          "create attribute %s", name);
  HCHECK(H5Awrite(attr, H5T_NATIVE_INT, &value), "write attribute %s", name);
fail:
  run_h5_close(&attr);
  run_h5_close(&space);
  return st;
}

asl_status cube_attr_read_str(hid_t loc, const char *name, char *out, size_t n) {
  asl_status st = ASL_OK;
  hid_t attr = H5I_INVALID_HID, ftype = H5I_INVALID_HID, mtype = H5I_INVALID_HID;
  char *buf = NULL;
  out[0] = '\0';
  HCHECK(attr = H5Aopen(loc, name, H5P_DEFAULT), "open attribute %s", name);
  HCHECK(ftype = H5Aget_type(attr), "type of attribute %s", name);
  size_t len = H5Tget_size(ftype);
  if (H5Tis_variable_str(ftype) > 0 || len == 0) {
    st = asl_fail(ASL_EFORMAT, "attribute %s is not a fixed-length string", name);
    goto fail;
  }
  HCHECK(mtype = cube_str_type(len + 1), "string type for attribute %s", name);
  buf = calloc(1, len + 1);
  if (!buf) {
    st = asl_fail(ASL_ENOMEM, "attribute %s", name);
    goto fail;
  }
  HCHECK(H5Aread(attr, mtype, buf), "read attribute %s", name);
  snprintf(out, n, "%s", buf);
fail:
  free(buf);
  run_h5_close(&mtype);
  run_h5_close(&ftype);
  run_h5_close(&attr);
  return st;
}

asl_status cube_dataset(hid_t *out, hid_t loc, const char *name, hid_t type, int rank,
                        const hsize_t *dims, const void *fill) {
  asl_status st = ASL_OK;
  hid_t space = H5I_INVALID_HID, dcpl = H5I_INVALID_HID;
  *out = H5I_INVALID_HID;
  HCHECK(space = H5Screate_simple(rank, dims, NULL), "dataspace of %s", name);
  HCHECK(dcpl = H5Pcreate(H5P_DATASET_CREATE), "creation properties of %s", name);
  HCHECK(H5Pset_layout(dcpl, H5D_CONTIGUOUS), "contiguous layout of %s", name);
  HCHECK(H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY), "early allocation of %s", name);
  if (fill) {
    HCHECK(H5Pset_fill_value(dcpl, type, fill), "fill value of %s", name);
    HCHECK(H5Pset_fill_time(dcpl, H5D_FILL_TIME_ALLOC), "fill time of %s", name);
  }
  HCHECK(*out = H5Dcreate2(loc, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
          "create dataset %s", name);
fail:
  run_h5_close(&dcpl);
  run_h5_close(&space);
  return st;
}

static asl_status block_io(int write, hid_t ds, hid_t memtype, int rank, const hsize_t *start,
                           const hsize_t *count, void *buf) {
  asl_status st = ASL_OK;
  hid_t fspace = H5I_INVALID_HID, mspace = H5I_INVALID_HID;
  HCHECK(fspace = H5Dget_space(ds), "file dataspace");
  HCHECK(H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL),
          "hyperslab selection");
  HCHECK(mspace = H5Screate_simple(rank, count, NULL), "memory dataspace");
  if (write)
    HCHECK(H5Dwrite(ds, memtype, mspace, fspace, H5P_DEFAULT, buf), "hyperslab write");
  else
    HCHECK(H5Dread(ds, memtype, mspace, fspace, H5P_DEFAULT, buf), "hyperslab read");
fail:
  run_h5_close(&mspace);
  run_h5_close(&fspace);
  return st;
}

asl_status cube_write_block(hid_t ds, hid_t memtype, int rank, const hsize_t *start,
                            const hsize_t *count, const void *buf) {
  return block_io(1, ds, memtype, rank, start, count, (void *)buf);
}

asl_status cube_read_block(hid_t ds, hid_t memtype, int rank, const hsize_t *start,
                           const hsize_t *count, void *buf) {
  return block_io(0, ds, memtype, rank, start, count, buf);
}

int cube_labels_numeric(int n, char *const *labels) {
  for (int i = 0; i < n; i++) {
    const char *s = labels[i];
    if (*s == '-') s++;
    if (!*s || strlen(s) > 9) return 0;
    for (; *s; s++)
      if (!isdigit((unsigned char)*s)) return 0;
  }
  return n > 0;
}
