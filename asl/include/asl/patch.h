// Model-grid patches for training, and pad/crop for whole-volume inference.
//
// Patches: a patch is a px×py×pz box placed at an origin in the volume's
// voxel coordinates. Along an axis where the volume is at least the patch
// size, the origin is uniform over every placement that stays inside; where
// the volume is smaller, the volume is centred in the patch (origin
// -(p-n)/2, negative) and the rest is zero padding. Voxels of the patch that
// fall outside the volume read 0 and get weight 0 in the loss. Every channel
// of one sample (ASL, M0, target, weight) is cut with the same asl_patch, so
// they stay aligned.
//
// Pad/crop: inference on a network that needs sizes divisible by `multiple`
// (16 for the U-Net) pads each axis up to the next multiple with zeros, the
// volume centred (the extra voxel of an odd pad at the end), and crops the
// output back to the input geometry. The padded volume's affine is shifted
// so that its voxels keep their scanner positions.
//
// Buffers are (pz, py, px) with x fastest, as asl_vol frames.
#ifndef ASL_PATCH_H
#define ASL_PATCH_H

#include "asl/rng.h"
#include "asl/volume.h"

typedef struct {
  int px, py, pz; // patch size
  int ox, oy, oz; // volume voxel at patch voxel (0, 0, 0); may be negative
} asl_patch;

// Draws a patch position for a volume of v's grid. Sizes must be positive.
asl_status asl_patch_draw(asl_patch *p, asl_rng *r, const asl_vol *v, int px, int py, int pz);

// dst (px*py*pz floats) = frame t of v under the patch, zeros outside v.
void asl_patch_extract(float *dst, const asl_vol *v, int t, const asl_patch *p);

// dst = loss weight: 1 where the patch voxel lies inside v (and, when mask
// is given, where the mask is nonzero), 0 elsewhere. mask: 3D on v's grid
// or NULL; ASL_ESHAPE when its grid differs.
asl_status asl_patch_weight(float *dst, const asl_vol *v, const asl_vol *mask,
                            const asl_patch *p);

typedef struct {
  int nx, ny, nz; // original grid
  int px, py, pz; // padded grid (multiples of `multiple`)
  int ox, oy, oz; // original voxel (0,0,0) sits at padded voxel (ox, oy, oz)
} asl_pad_geom;

// Padded geometry of an nx×ny×nz grid for a size multiple (>= 1).
asl_status asl_pad_geom_init(asl_pad_geom *g, int nx, int ny, int nz, int multiple);

// out (must not hold memory) = in zero-padded to g's padded grid, all frames.
asl_status asl_pad_vol(asl_vol *out, const asl_vol *in, const asl_pad_geom *g);
// out (must not hold memory) = in (on g's padded grid) cropped back to the
// original grid, all frames; the affine is shifted back accordingly.
asl_status asl_crop_vol(asl_vol *out, const asl_vol *in, const asl_pad_geom *g);

// Frame-level forms for buffers the caller owns: src nx*ny*nz -> dst px*py*pz
// and back.
void asl_pad_frame(float *dst, const float *src, const asl_pad_geom *g);
void asl_crop_frame(float *dst, const float *src, const asl_pad_geom *g);

#endif
