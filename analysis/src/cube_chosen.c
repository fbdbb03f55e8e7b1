// /jobs/chosen_param: what a tuned baseline chose per job (docs/cube.md).
#include <math.h>
#include <stdlib.h>

#include "cube/schema.h"
#include "cube_internal.h"

asl_status ana_read_chosen(hid_t f, ana_cube *c) {
  size_t n = (size_t)c->jobs.n;
  const char *path = cube_ds_path(CUBE_DS_JOB_CHOSEN_PARAM);
  if (!(c->jobs.chosen_param = malloc((n + 1) * sizeof(double))))
    return asl_fail(ASL_ENOMEM, "%s: out of memory for %zu tuned values", c->path, n);
  for (size_t i = 0; i < n; i++) c->jobs.chosen_param[i] = NAN;
  if (n == 0 || H5Lexists(f, path, H5P_DEFAULT) <= 0) return ASL_OK;
  hid_t ds = H5Dopen2(f, path, H5P_DEFAULT), space = ds >= 0 ? H5Dget_space(ds) : -1;
  hssize_t have = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
  herr_t rd = have == (hssize_t)n ? H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                                            c->jobs.chosen_param)
                                  : -1;
  if (space >= 0) H5Sclose(space);
  if (ds >= 0) H5Dclose(ds);
  if (rd < 0)
    return asl_fail(ASL_EFORMAT, "%s: cannot read %s (%lld values for %zu jobs); is the file "
                    "damaged? `aslsweep verify` checks it", c->path, path, (long long)have, n);
  return ASL_OK;
}
