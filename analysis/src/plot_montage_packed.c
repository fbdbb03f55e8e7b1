#include "plot_montage_packed.h"

#include <stdlib.h>
#include <string.h>

#include "cube/volumes.h"

int ana_montage_packed_has(const char *volumes_dir, const char *key, const char *subject,
                           char *path, size_t n) {
  char name[CUBE_VOLUME_NAME_LEN];
  if (cube_volumes_name(name, sizeof name, key, subject, "denoised")) return 0;
  int found = cube_volumes_find(volumes_dir, name, path, n) == ASL_OK;
  asl_error_clear(); // not finding one is an answer, not an error
  return found;
}

static asl_status load_one(asl_vol *v, const char *path, const char *name) {
  cube_volume_geom g;
  float *data;
  asl_status st = cube_volumes_read(path, name, &g, &data);
  if (st) return st;
  memset(v, 0, sizeof *v);
  v->nx = g.nx, v->ny = g.ny, v->nz = g.nz, v->nt = 1;
  v->dx = g.voxel[0], v->dy = g.voxel[1], v->dz = g.voxel[2];
  memcpy(v->affine, g.affine, sizeof v->affine);
  v->data = data;
  return ASL_OK;
}

asl_status ana_montage_packed_load(asl_vol v[4], const char *path, const char *key,
                                   const char *subject) {
  static const char *what[4] = {"input", "denoised", "gt100", "uncertainty"};
  char name[CUBE_VOLUME_NAME_LEN];
  for (int k = 0; k < 4; k++) {
    asl_status st = cube_volumes_name(name, sizeof name, key, subject, what[k]);
    if (k == 3 && (st || !cube_volumes_holds(path, name))) break;
    if (!st) st = load_one(&v[k], path, name);
    if (st) return st;
    if (k && (v[k].nx != v[0].nx || v[k].ny != v[0].ny || v[k].nz != v[0].nz))
      return asl_fail(ASL_ESHAPE, "%s: %s is %dx%dx%d, the input %dx%dx%d", path, name, v[k].nx,
                      v[k].ny, v[k].nz, v[0].nx, v[0].ny, v[0].nz);
  }
  return ASL_OK;
}
