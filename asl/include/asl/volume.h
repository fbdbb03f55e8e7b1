// A 3D or 4D image in memory: the one image type shared by every part of
// aslsweep that touches voxels.
//
// Layout: x fastest, then y, z, t (NIfTI order), float32. A 3D volume has
// nt == 1. The same memory read as an engine tensor is (N=nt or 1, C, D=nz,
// H=ny, W=nx), so no transpose is needed between asl/ and engine/.
#ifndef ASL_VOLUME_H
#define ASL_VOLUME_H

#include <stddef.h>

#include "asl/status.h"

typedef struct {
  int nx, ny, nz, nt;
  float dx, dy, dz;   // voxel size in mm
  float affine[4][4]; // voxel (i, j, k) -> scanner mm (NIfTI sform/qform)
  float *data;        // nx*ny*nz*nt values, owned by the volume
} asl_vol;

// Allocates a zero-filled volume with unit voxels and an identity affine.
asl_status asl_vol_init(asl_vol *v, int nx, int ny, int nz, int nt);
void asl_vol_free(asl_vol *v);
// Deep copy; `dst` must not hold memory.
asl_status asl_vol_copy(asl_vol *dst, const asl_vol *src);
// Same grid and geometry as `like`, nt time points, zero-filled.
asl_status asl_vol_init_like(asl_vol *v, const asl_vol *like, int nt);

static inline size_t asl_vol_nvox(const asl_vol *v) {
  return (size_t)v->nx * (size_t)v->ny * (size_t)v->nz;
}
// Pointer to time point t (a 3D frame of asl_vol_nvox values).
static inline float *asl_vol_frame(const asl_vol *v, int t) {
  return v->data + (size_t)t * asl_vol_nvox(v);
}

#endif
