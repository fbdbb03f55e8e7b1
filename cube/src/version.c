// The one format-version check every cube reader runs first.
#include <stdio.h>

#include "cube/h5.h"

static int read_version(hid_t file, int *v) {
  hid_t a = H5Aopen(file, cube_attr_name(CUBE_ATTR_FORMAT_VERSION), H5P_DEFAULT);
  if (a < 0) return -1;
  herr_t rc = H5Aread(a, H5T_NATIVE_INT, v);
  H5Aclose(a);
  return rc < 0 ? -1 : 0;
}

asl_status cube_check_version(hid_t file, const char *path, int *version) {
  cube_h5_quiet q;
  cube_h5_quiet_begin(&q);
  int v = -1;
  asl_status st = ASL_OK;
  char writer[64] = "";
  if (read_version(file, &v) != 0) {
    v = -1;
    st = asl_fail(ASL_EFORMAT, "%s: no readable %s attribute: not an aslsweep results cube "
                  "(expected DIR/results.h5 written by `aslsweep run`)", path,
                  cube_attr_name(CUBE_ATTR_FORMAT_VERSION));
  } else if (v < CUBE_FORMAT_VERSION_MIN || v > CUBE_FORMAT_VERSION) {
    if (H5Aexists(file, cube_attr_name(CUBE_ATTR_PROGRAM_VERSION)) > 0)
      cube_attr_read_str(file, cube_attr_name(CUBE_ATTR_PROGRAM_VERSION), writer, sizeof writer);
    H5Eclear2(H5E_DEFAULT);
    st = asl_fail(ASL_EFORMAT, "%s: cube format version %d, this aslsweep reads versions %d to %d; the cube is "
                  "%s: read or resume it with the aslsweep that wrote it (%s; this one is %s), "
                  "or run the sweep again into a new directory", path, v, CUBE_FORMAT_VERSION_MIN,
                  CUBE_FORMAT_VERSION,
                  v > CUBE_FORMAT_VERSION ? "newer" : "older",
                  writer[0] ? writer : "version unknown", ASLSWEEP_VERSION);
  }
  cube_h5_quiet_end(&q);
  if (version) *version = v;
  return st;
}
