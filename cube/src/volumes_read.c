// Packed side volumes, the reading half (cube/volumes.h).
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cube/h5.h"
#include "cube/volumes.h"

static int is_h5(const char *name) {
  size_t n = strlen(name);
  return n > 3 && strcmp(name + n - 3, ".h5") == 0;
}

int cube_volumes_holds(const char *path, const char *name) {
  cube_h5_quiet q;
  cube_h5_quiet_begin(&q);
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  int yes = f >= 0 && H5Lexists(f, name, H5P_DEFAULT) > 0;
  if (f >= 0) H5Fclose(f);
  cube_h5_quiet_end(&q);
  return yes;
}

asl_status cube_volumes_find(const char *dir, const char *name, char *path, size_t n) {
  DIR *d = opendir(dir);
  if (!d) return asl_fail(ASL_ENOTFOUND, "%s: no such folder, so no packed volumes", dir);
  struct dirent *e;
  int found = 0;
  while (!found && (e = readdir(d)) != NULL) {
    if (!is_h5(e->d_name)) continue;
    snprintf(path, n, "%s/%s", dir, e->d_name);
    found = cube_volumes_holds(path, name);
  }
  closedir(d);
  return found ? ASL_OK : asl_fail(ASL_ENOTFOUND, "%s: no packed file (*.h5) holds %s", dir, name);
}

static asl_status read_attr(hid_t ds, const char *attr, hid_t type, void *buf, const char *path) {
  asl_status st = ASL_OK;
  hid_t a = H5I_INVALID_HID;
  CUBE_CHECK(a = H5Aopen(ds, attr, H5P_DEFAULT), "%s: attribute %s", path, attr);
  CUBE_CHECK(H5Aread(a, type, buf), "%s: attribute %s", path, attr);
fail:
  cube_h5_close(&a);
  return st;
}

asl_status cube_volumes_read(const char *path, const char *name, cube_volume_geom *g,
                             float **data) {
  asl_status st = ASL_OK;
  hid_t f = H5I_INVALID_HID, ds = H5I_INVALID_HID, sp = H5I_INVALID_HID;
  hsize_t dims[3];
  int shape[3];
  *data = NULL;
  memset(g, 0, sizeof *g);
  cube_h5_quiet q;
  cube_h5_quiet_begin(&q);
  CUBE_CHECK(f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT), "opening %s", path);
  CUBE_CHECK(ds = H5Dopen2(f, name, H5P_DEFAULT), "%s: no volume %s", path, name);
  CUBE_CHECK(sp = H5Dget_space(ds), "%s: %s", path, name);
  if (H5Sget_simple_extent_ndims(sp) != 3) {
    st = asl_fail(ASL_EFORMAT, "%s: %s is not a 3D volume", path, name);
    goto fail;
  }
  H5Sget_simple_extent_dims(sp, dims, NULL);
  if ((st = read_attr(ds, "shape", H5T_NATIVE_INT, shape, path))) goto fail;
  if ((hsize_t)shape[0] != dims[2] || (hsize_t)shape[1] != dims[1] || (hsize_t)shape[2] != dims[0]) {
    st = asl_fail(ASL_EFORMAT, "%s: %s: attribute shape %dx%dx%d disagrees with the dataset", path,
                  name, shape[0], shape[1], shape[2]);
    goto fail;
  }
  g->nx = shape[0], g->ny = shape[1], g->nz = shape[2];
  if ((st = read_attr(ds, "voxel_size", H5T_NATIVE_FLOAT, g->voxel, path))) goto fail;
  if ((st = read_attr(ds, "affine", H5T_NATIVE_FLOAT, g->affine, path))) goto fail;
  *data = malloc(sizeof(float) * (size_t)(dims[0] * dims[1] * dims[2]));
  if (!*data) {
    st = asl_fail(ASL_ENOMEM, "%s: %s", path, name);
    goto fail;
  }
  CUBE_CHECK(H5Dread(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, *data), "%s: reading %s",
             path, name);
fail:
  if (st) free(*data), *data = NULL;
  cube_h5_close(&sp);
  cube_h5_close(&ds);
  cube_h5_close(&f);
  cube_h5_quiet_end(&q);
  return st;
}
