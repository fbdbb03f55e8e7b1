#include "asl/volume.h"

#include <stdlib.h>
#include <string.h>

asl_status asl_vol_init(asl_vol *v, int nx, int ny, int nz, int nt) {
  memset(v, 0, sizeof *v);
  if (nx <= 0 || ny <= 0 || nz <= 0 || nt <= 0)
    return asl_fail(ASL_EINVAL, "volume shape %dx%dx%dx%d: every size must be positive", nx, ny,
                    nz, nt);
  size_t n = (size_t)nx * ny * nz * nt;
  v->data = calloc(n, sizeof(float));
  if (!v->data)
    return asl_fail(ASL_ENOMEM, "volume %dx%dx%dx%d: out of memory", nx, ny, nz, nt);
  v->nx = nx, v->ny = ny, v->nz = nz, v->nt = nt;
  v->dx = v->dy = v->dz = 1.0f;
  for (int i = 0; i < 4; i++) v->affine[i][i] = 1.0f;
  return ASL_OK;
}

void asl_vol_free(asl_vol *v) {
  if (!v) return;
  free(v->data);
  memset(v, 0, sizeof *v);
}

asl_status asl_vol_init_like(asl_vol *v, const asl_vol *like, int nt) {
  asl_status s = asl_vol_init(v, like->nx, like->ny, like->nz, nt);
  if (s != ASL_OK) return s;
  v->dx = like->dx, v->dy = like->dy, v->dz = like->dz;
  memcpy(v->affine, like->affine, sizeof v->affine);
  return ASL_OK;
}

asl_status asl_vol_copy(asl_vol *dst, const asl_vol *src) {
  asl_status s = asl_vol_init_like(dst, src, src->nt);
  if (s != ASL_OK) return s;
  memcpy(dst->data, src->data, asl_vol_nvox(src) * src->nt * sizeof(float));
  return ASL_OK;
}
