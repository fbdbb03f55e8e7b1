// cube_set_version FILE N: rewrites the root format_version of a results
// cube in place, to test the readers' refusal of other versions.
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>

#include "cube/schema.h"

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: cube_set_version FILE VERSION\n");
    return 2;
  }
  int v = atoi(argv[2]);
  hid_t f = H5Fopen(argv[1], H5F_ACC_RDWR, H5P_DEFAULT);
  hid_t a = f < 0 ? -1 : H5Aopen(f, cube_attr_name(CUBE_ATTR_FORMAT_VERSION), H5P_DEFAULT);
  int rc = a < 0 || H5Awrite(a, H5T_NATIVE_INT, &v) < 0;
  if (a >= 0) H5Aclose(a);
  if (f >= 0) H5Fclose(f);
  if (rc) fprintf(stderr, "cube_set_version: cannot rewrite %s\n", argv[1]);
  return rc;
}
