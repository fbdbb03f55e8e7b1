// Private pieces of the fast 3x3x3 convolution (engine/src/conv3d*.c).
//
// The fast kernels work on a padded, channel-major copy of a tensor:
// (C, N, D+2, H+2, W+2) with zeros around every sample, each channel's
// N padded volumes laid end to end and followed by a zeroed slack. In that
// layout the 27 taps of a voxel at flat index p are at p + off[k] with one
// fixed off[k] = dz*plane + dy*row + dx, so the convolution becomes 27
// shifted GEMMs over one long flat axis with no im2col and no bounds tests.
// Outputs at padding positions are computed and thrown away (6% extra work
// at 32x64x64).
#ifndef NN_CONV3D_INTERNAL_H
#define NN_CONV3D_INTERNAL_H

#include <stddef.h>

// Output channels per forward micro-tile and flat positions per micro-tile.
#define CONV3D_RB 8
#define CONV3D_PB 48
// Output channels per weight-gradient micro-tile.
#define CONV3D_WB 3

typedef struct {
  int N, D, H, W;
  ptrdiff_t row, plane, vol;  // padded strides: W+2, (H+2)(W+2), (D+2)plane
  ptrdiff_t first, last;      // flat range [first, last) holding every interior voxel
  ptrdiff_t stride;           // floats per channel (N*vol + slack, multiple of 16)
  ptrdiff_t off[27];          // tap k = (dz+1)*9 + (dy+1)*3 + (dx+1) -> flat offset
} conv3d_geom;

void conv3d_geom_init(conv3d_geom *g, int N, int D, int H, int W);

// dst (C, stride) <- padded copy of src (N, C, D, H, W); every float written.
void conv3d_pad(float *dst, const float *src, int C, const conv3d_geom *g);
// dst (N, C, D, H, W) = (or += when accumulate) interior of src (C, stride),
// plus b[c] when b is not NULL.
void conv3d_unpad(float *dst, const float *src, const float *b, int C,
                  int accumulate, const conv3d_geom *g);

// wp (ceil(Co/RB), Ci, 27, RB) <- w (Co, Ci, 27), zero rows past Co;
// flip = 1 packs the transposed, tap-reversed weights of the input gradient
// (roles of Ci and Co swapped: wp (ceil(Ci/RB), Co, 27, RB)).
void conv3d_pack_weights(float *wp, const float *w, int Ci, int Co, int flip);

// outp (Co, stride) over [first, last) rounded to PB tiles <- 27 shifted
// GEMMs of the packed weights with inp (Ci, stride).
void conv3d_gemm_taps(float *outp, const float *inp, const float *wp, int Ci,
                      int Co, const conv3d_geom *g);

// dw (Co, Ci, 27) += sum over p of doutp(co, p) inp(ci, p + off[k]), using
// acc (Co*Ci*27 doubles) as the per-entry double accumulator.
void conv3d_weight_grad(float *dw, double *acc, const float *doutp,
                        const float *inp, int Ci, int Co, const conv3d_geom *g);

#endif
