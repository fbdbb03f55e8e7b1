// Checked HDF5 calls and the cube's handling of HDF5's error stack.
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cube/h5.h"

// The innermost HDF5 error description: the library's own reason.
static herr_t first_desc(unsigned n, const H5E_error2_t *e, void *data) {
  char *out = data;
  if (n == 0 && e->desc) snprintf(out, 256, "%s", e->desc);
  return 0;
}

asl_status cube_h5_fail(const char *call, const char *where, int line, const char *fmt, ...) {
  char what[1024], reason[256] = "no HDF5 detail";
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, first_desc, reason);
  H5Eclear2(H5E_DEFAULT);
  const char *base = strrchr(where, '/');
  return asl_fail(ASL_EHDF5, "%s: HDF5 %s failed (%s) [%s:%d]", what, call, reason,
                  base ? base + 1 : where, line);
}

asl_status cube_fail_wrap(asl_status st, const char *fmt, ...) {
  char prev[2048], prefix[1024];
  snprintf(prev, sizeof prev, "%s", asl_error_message());
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(prefix, sizeof prefix, fmt, ap);
  va_end(ap);
  return asl_fail(st, "%s: %s", prefix, prev);
}

void cube_h5_close(hid_t *id) {
  if (*id < 0) return;
  H5I_type_t t = H5Iget_type(*id);
  if (t == H5I_DATASET) H5Dclose(*id);
  else if (t == H5I_GROUP) H5Gclose(*id);
  else if (t == H5I_FILE) H5Fclose(*id);
  else if (t == H5I_DATASPACE) H5Sclose(*id);
  else if (t == H5I_DATATYPE) H5Tclose(*id);
  else if (t == H5I_ATTR) H5Aclose(*id);
  else if (t == H5I_GENPROP_LST) H5Pclose(*id);
  *id = H5I_INVALID_HID;
}

void cube_h5_quiet_begin(cube_h5_quiet *q) {
  q->fn = NULL;
  q->data = NULL;
  H5Eget_auto2(H5E_DEFAULT, &q->fn, &q->data);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

void cube_h5_quiet_end(const cube_h5_quiet *q) { H5Eset_auto2(H5E_DEFAULT, q->fn, q->data); }
