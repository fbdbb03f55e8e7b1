// Training-time augmentation: one random in-plane transform drawn per
// sample from a seeded asl_rng and applied identically to every channel
// (ASL input, M0, target, loss weight), slice by slice.
//
// The transform, in the order it acts on the image:
//   1. flip x      (x -> nx-1-x)
//   2. flip y      (y -> ny-1-y)
//   3. transpose   (x <-> y); only defined for square slices (nx == ny):
//                  training patches are square (64×64 by default), and a
//                  transpose of a non-square slice would change the grid.
//                  asl_aug_draw never picks it for nx != ny and
//                  asl_aug_apply refuses it there.
//   4. shift       by whole voxels (sx, sy), |s| <= max_shift
//   5. rotation    by `angle_deg` (uniform in [-45, 45] when drawn),
//                  counter-clockwise in the (x, y) plane about the slice
//                  centre ((nx-1)/2, (ny-1)/2), linear interpolation.
// Output voxels whose source lies outside the slice read 0 (neighbours
// outside count as 0 in the interpolation). Flips, transpose and shifts
// without rotation copy values exactly.
#ifndef ASL_AUGMENT_H
#define ASL_AUGMENT_H

#include "asl/rng.h"
#include "asl/volume.h"

// Same bits as SWEEP_AUG_* in sweep/plan.h.
enum {
  ASL_AUG_FLIP_X = 1u << 0,
  ASL_AUG_FLIP_Y = 1u << 1,
  ASL_AUG_TRANSPOSE = 1u << 2,
  ASL_AUG_SHIFT = 1u << 3,
  ASL_AUG_ROTATE = 1u << 4,
  ASL_AUG_ALL = (1u << 5) - 1
};

typedef struct {
  int flip_x, flip_y, transpose; // 0 or 1
  int shift_x, shift_y;          // voxels
  double angle_deg;              // counter-clockwise
} asl_aug;

// The identity transform.
void asl_aug_identity(asl_aug *a);

// Draws a transform: each enabled flip/transpose with probability 1/2,
// shifts uniform in [-max_shift, max_shift], angle uniform in [-45, 45].
// Disabled parts stay identity. Draws the same number of values whatever is
// enabled, so one bit does not change the others' streams.
void asl_aug_draw(asl_aug *a, asl_rng *r, unsigned enabled, int max_shift, int nx, int ny);

// dst = transform of src, both nx*ny*nz (x fastest), every slice alike.
// dst and src must not overlap. ASL_EINVAL for a transpose with nx != ny.
asl_status asl_aug_apply(float *dst, const float *src, int nx, int ny, int nz, const asl_aug *a);

#endif
