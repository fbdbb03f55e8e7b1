// Intensity normalization with a recorded scale.
//
// Each input image is divided by its own masked mean (the scale), its
// training target by the same scale, the M0 image by its own masked mean;
// network outputs are multiplied back by the scale before any metric.
// "Masked" means voxels where the mask is nonzero; no mask = every voxel.
// A mean that is zero, negative or not finite cannot serve as a scale and is
// refused with ASL_ENUMERIC and a message naming the frame and the value.
#ifndef ASL_NORMALIZE_H
#define ASL_NORMALIZE_H

#include "asl/volume.h"

// Mean of frame t of v over the mask (mask: 3D on v's grid, or NULL).
// ASL_ESHAPE when grids differ, ASL_EINVAL when the mask is empty.
asl_status asl_masked_mean(const asl_vol *v, int t, const asl_vol *mask, double *mean);

// The normalization scale of frame t: its masked mean, guarded (> 0, finite).
asl_status asl_norm_scale(const asl_vol *v, int t, const asl_vol *mask, double *scale);

// Frame t divided / multiplied by `scale` in place.
void asl_norm_divide(asl_vol *v, int t, double scale);
void asl_norm_multiply(asl_vol *v, int t, double scale);

// Every frame of v divided by its own scale; scales[] (v->nt entries)
// receives them. On failure v is unchanged.
asl_status asl_normalize(asl_vol *v, const asl_vol *mask, double *scales);
// Inverse of asl_normalize: frame t multiplied by scales[t].
void asl_denormalize(asl_vol *v, const double *scales);

#endif
