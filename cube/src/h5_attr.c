// Schema types as HDF5 types, and the cube's scalar attributes.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cube/h5.h"

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

hid_t cube_file_type(cube_type t, size_t len) {
  switch (t) {
  case CUBE_T_I8: return H5T_STD_I8LE;
  case CUBE_T_I32: return H5T_STD_I32LE;
  case CUBE_T_I64: return H5T_STD_I64LE;
  case CUBE_T_U64: return H5T_STD_U64LE;
  case CUBE_T_F32: return H5T_IEEE_F32LE;
  case CUBE_T_F64: return H5T_IEEE_F64LE;
  case CUBE_T_STR: return cube_str_type(len);
  }
  return H5I_INVALID_HID;
}

hid_t cube_mem_type(cube_type t, size_t len) {
  switch (t) {
  case CUBE_T_I8: return H5T_NATIVE_SCHAR;
  case CUBE_T_I32: return H5T_NATIVE_INT;
  case CUBE_T_I64: return H5T_NATIVE_INT64;
  case CUBE_T_U64: return H5T_NATIVE_UINT64;
  case CUBE_T_F32: return H5T_NATIVE_FLOAT;
  case CUBE_T_F64: return H5T_NATIVE_DOUBLE;
  case CUBE_T_STR: return cube_str_type(len);
  }
  return H5I_INVALID_HID;
}

asl_status cube_attr_str(hid_t loc, const char *name, const char *value) {
  asl_status st = ASL_OK;
  hid_t type = H5I_INVALID_HID, space = H5I_INVALID_HID, attr = H5I_INVALID_HID;
  CUBE_CHECK(type = cube_str_type(strlen(value) + 1), "string type for attribute %s", name);
  CUBE_CHECK(space = H5Screate(H5S_SCALAR), "dataspace for attribute %s", name);
  CUBE_CHECK(attr = H5Acreate2(loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT),
             "create attribute %s", name);
  CUBE_CHECK(H5Awrite(attr, type, value), "write attribute %s", name);
fail:
  cube_h5_close(&attr);
  cube_h5_close(&space);
  cube_h5_close(&type);
  return st;
}

asl_status cube_attr_int(hid_t loc, const char *name, int value) {
  asl_status st = ASL_OK;
  hid_t space = H5I_INVALID_HID, attr = H5I_INVALID_HID;
  CUBE_CHECK(space = H5Screate(H5S_SCALAR), "dataspace for attribute %s", name);
  CUBE_CHECK(attr = H5Acreate2(loc, name, H5T_STD_I32LE, space, H5P_DEFAULT, H5P_DEFAULT),
             "create attribute %s", name);
  CUBE_CHECK(H5Awrite(attr, H5T_NATIVE_INT, &value), "write attribute %s", name);
fail:
  cube_h5_close(&attr);
  cube_h5_close(&space);
  return st;
}

asl_status cube_attr_read_str(hid_t loc, const char *name, char *out, size_t n) {
  char *all = NULL;
  out[0] = '\0';
  asl_status st = cube_attr_read_str_alloc(loc, name, &all);
  if (!st) snprintf(out, n, "%s", all);
  free(all);
  return st;
}

asl_status cube_attr_read_str_alloc(hid_t loc, const char *name, char **out) {
  asl_status st = ASL_OK;
  hid_t attr = H5I_INVALID_HID, ftype = H5I_INVALID_HID, mtype = H5I_INVALID_HID;
  char *buf = NULL;
  *out = NULL;
  CUBE_CHECK(attr = H5Aopen(loc, name, H5P_DEFAULT), "open attribute %s", name);
  CUBE_CHECK(ftype = H5Aget_type(attr), "type of attribute %s", name);
  size_t len = H5Tget_size(ftype);
  if (H5Tis_variable_str(ftype) > 0 || len == 0) {
    st = asl_fail(ASL_EFORMAT, "attribute %s is not a fixed-length string", name);
    goto fail;
  }
  CUBE_CHECK(mtype = cube_str_type(len + 1), "string type for attribute %s", name);
  buf = calloc(1, len + 1);
  if (!buf) {
    st = asl_fail(ASL_ENOMEM, "attribute %s", name);
    goto fail;
  }
  CUBE_CHECK(H5Aread(attr, mtype, buf), "read attribute %s", name);
  *out = buf;
  buf = NULL;
fail:
  free(buf);
  cube_h5_close(&mtype);
  cube_h5_close(&ftype);
  cube_h5_close(&attr);
  return st;
}
