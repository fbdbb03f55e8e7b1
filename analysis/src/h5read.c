#include "h5read.h"

#include <stdlib.h>
#include <string.h>

int h5r_exists(hid_t loc, const char *name) { return H5Lexists(loc, name, H5P_DEFAULT) > 0; }

static asl_status missing(const char *file, const char *where, const char *name) {
  return asl_fail(ASL_EFORMAT,
                  "%s: %s has no '%s' (not a complete aslsweep results cube; see docs/cube.md)",
                  file, where, name);
}

// Copies a possibly unterminated string of `n` bytes into buf.
static void copy_str(char *buf, size_t len, const char *src, size_t n) {
  size_t k = 0;
  while (k < n && k + 1 < len && src[k] != '\0') {
    buf[k] = src[k];
    k++;
  }
  buf[k] = '\0';
}

asl_status h5r_attr_str(hid_t loc, const char *file, const char *where, const char *name,
                        char *buf, size_t len) {
  if (H5Aexists(loc, name) <= 0) return missing(file, where, name);
  asl_status st = ASL_OK;
  hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
  hid_t ft = H5Aget_type(a);
  if (H5Tget_class(ft) != H5T_STRING) {
    st = asl_fail(ASL_EFORMAT, "%s: attribute %s of %s is not a string", file, name, where);
  } else if (H5Tis_variable_str(ft) > 0) {
    char *s = NULL;
    hid_t mt = H5Tcopy(H5T_C_S1);
    H5Tset_size(mt, H5T_VARIABLE);
    if (H5Aread(a, mt, &s) < 0)
      st = asl_fail(ASL_EHDF5, "%s: cannot read attribute %s of %s", file, name, where);
    else
      copy_str(buf, len, s ? s : "", s ? strlen(s) : 0);
    if (s) H5free_memory(s);
    H5Tclose(mt);
  } else {
    size_t n = H5Tget_size(ft);
    char *tmp = calloc(n + 1, 1);
    hid_t mt = H5Tcopy(H5T_C_S1);
    H5Tset_size(mt, n);
    if (!tmp) st = asl_fail(ASL_ENOMEM, "%s: out of memory reading %s", file, name);
    else if (H5Aread(a, mt, tmp) < 0)
      st = asl_fail(ASL_EHDF5, "%s: cannot read attribute %s of %s", file, name, where);
    else
      copy_str(buf, len, tmp, n);
    free(tmp);
    H5Tclose(mt);
  }
  H5Tclose(ft);
  H5Aclose(a);
  return st;
}

asl_status h5r_attr_int(hid_t loc, const char *file, const char *where, const char *name,
                        long long *out) {
  if (H5Aexists(loc, name) <= 0) return missing(file, where, name);
  asl_status st = ASL_OK;
  hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
  hid_t ft = H5Aget_type(a);
  hid_t sp = H5Aget_space(a);
  if (H5Tget_class(ft) != H5T_INTEGER || H5Sget_simple_extent_npoints(sp) != 1)
    st = asl_fail(ASL_EFORMAT, "%s: attribute %s of %s is not a single integer", file, name,
                  where);
  else if (H5Aread(a, H5T_NATIVE_LLONG, out) < 0)
    st = asl_fail(ASL_EHDF5, "%s: cannot read attribute %s of %s", file, name, where);
  H5Sclose(sp);
  H5Tclose(ft);
  H5Aclose(a);
  return st;
}

asl_status h5r_shape(hid_t loc, const char *file, const char *where, const char *name,
                     int max_rank, int *rank, hsize_t *dims) {
  if (!h5r_exists(loc, name)) return missing(file, where, name);
  hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
  if (d < 0) return asl_fail(ASL_EFORMAT, "%s: %s/%s is not a dataset", file, where, name);
  hid_t sp = H5Dget_space(d);
  int r = H5Sget_simple_extent_ndims(sp);
  asl_status st = ASL_OK;
  if (r < 0 || r > max_rank)
    st = asl_fail(ASL_EFORMAT, "%s: %s/%s has rank %d, at most %d expected", file, where, name, r,
                  max_rank);
  else {
    *rank = r;
    H5Sget_simple_extent_dims(sp, dims, NULL);
  }
  H5Sclose(sp);
  H5Dclose(d);
  return st;
}

// Opens dataset `name` and checks it holds `n` elements of class `cls`.
static asl_status open_checked(hid_t loc, const char *file, const char *where, const char *name,
                               size_t n, H5T_class_t cls, hid_t *out) {
  if (!h5r_exists(loc, name)) return missing(file, where, name);
  hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
  if (d < 0) return asl_fail(ASL_EFORMAT, "%s: %s/%s is not a dataset", file, where, name);
  hid_t sp = H5Dget_space(d), ft = H5Dget_type(d);
  hssize_t np = H5Sget_simple_extent_npoints(sp);
  H5T_class_t c = H5Tget_class(ft);
  int ok_class = c == cls || (cls == H5T_FLOAT && c == H5T_INTEGER) ||
                 (cls == H5T_INTEGER && c == H5T_INTEGER);
  H5Sclose(sp);
  H5Tclose(ft);
  if (np != (hssize_t)n || !ok_class) {
    H5Dclose(d);
    return asl_fail(ASL_EFORMAT, "%s: %s/%s holds %lld %s values, expected %zu %s", file, where,
                    name, (long long)np, c == H5T_STRING ? "string" : "numeric", n,
                    cls == H5T_STRING ? "strings" : "numbers");
  }
  *out = d;
  return ASL_OK;
}

asl_status h5r_strings(hid_t loc, const char *file, const char *where, const char *name,
                       size_t n, char *out, size_t stride) {
  hid_t d;
  asl_status st = open_checked(loc, file, where, name, n, H5T_STRING, &d);
  if (st) return st;
  hid_t ft = H5Dget_type(d);
  if (H5Tis_variable_str(ft) > 0) {
    H5Tclose(ft);
    H5Dclose(d);
    return asl_fail(ASL_EFORMAT,
                    "%s: %s/%s holds variable-length strings; the cube stores fixed-length "
                    "strings (docs/cube.md)",
                    file, where, name);
  }
  size_t w = H5Tget_size(ft);
  H5Tclose(ft);
  char *tmp = malloc(n * w + 1);
  hid_t mt = H5Tcopy(H5T_C_S1);
  H5Tset_size(mt, w);
  if (!tmp) st = asl_fail(ASL_ENOMEM, "%s: out of memory reading %s", file, name);
  else if (n > 0 && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, tmp) < 0)
    st = asl_fail(ASL_EHDF5, "%s: cannot read %s/%s", file, where, name);
  else
    for (size_t i = 0; i < n; i++) copy_str(out + i * stride, stride, tmp + i * w, w);
  free(tmp);
  H5Tclose(mt);
  H5Dclose(d);
  return st;
}

asl_status h5r_numbers(hid_t loc, const char *file, const char *where, const char *name,
                       size_t n, hid_t memtype, void *out) {
  hid_t d;
  H5T_class_t cls = H5Tget_class(memtype);
  asl_status st = open_checked(loc, file, where, name, n, cls, &d);
  if (st) return st;
  if (n > 0 && H5Dread(d, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) < 0)
    st = asl_fail(ASL_EHDF5, "%s: cannot read %s/%s", file, where, name);
  H5Dclose(d);
  return st;
}

int h5r_is_int(hid_t loc, const char *name) {
  if (!h5r_exists(loc, name)) return -1;
  hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
  if (d < 0) return -1;
  hid_t ft = H5Dget_type(d);
  H5T_class_t c = H5Tget_class(ft);
  H5Tclose(ft);
  H5Dclose(d);
  return c == H5T_INTEGER ? 1 : c == H5T_STRING ? 0 : -1;
}
