// Private pieces of the fast 3x3x3 convolution (engine/src/conv3d*.c).
//
// The kernels see a tensor through a "prepared" buffer in which the 27 taps
// of the voxel at flat position p of channel c sit at
//   x + c * stride + off[k] + p,   off[k] = zoff[k / 9] + off9[k % 9],
// so the convolution is 27 shifted GEMMs over one long flat axis with no
// bounds tests. Two layouts give that property:
//   PAD: (C, N, D+2, H+2, W+2) with zeros around every sample, each
//        channel's N padded volumes end to end; off[k] = dz*plane + dy*row
//        + dx. Outputs at padding positions are computed and dropped, which
//        costs (D+2)(H+2)(W+2)/(DHW) - 1 extra work (6% at 32x64x64).
//   COL: im2col, (C, 27, N*D*H*W) rows; off[k] = k * pstride. Used for
//        small grids where the padding would more than double the work,
//        up to 128 channels (beyond, a tile's columns overflow L2).
// Positions p run over [first, last); a single-channel buffer over
// positions (the output gradient for the weight gradient) has stride pstride.
#ifndef NN_CONV3D_INTERNAL_H
#define NN_CONV3D_INTERNAL_H

#include <stddef.h>

#include "omp_work.h"

// Below this many multiply-adds a GEMM or weight-gradient pass runs on one
// thread (about 0.3 ms of one core): waking the team costs more.
#define NN_CONV3D_MIN_MACS 4e6

// Output channels per forward micro-tile and flat positions per micro-tile.
#define CONV3D_RB 8
#define CONV3D_PB 48
// Output channels per weight-gradient micro-tile.
#define CONV3D_WB 3
// Winograd path (conv3d_wino.c): tiles per transform call and tiles
// (columns) per tile-domain GEMM micro-tile of CONV3D_RB rows.
#define WINO_G 16
#define WINO_PB 48

typedef enum { CONV3D_PAD = 0, CONV3D_COL = 1 } conv3d_mode;

typedef struct {
  conv3d_mode mode;
  int N, D, H, W;
  ptrdiff_t vox;              // D*H*W
  ptrdiff_t row, plane, vol;  // PAD strides: W+2, (H+2)(W+2), (D+2)plane
  ptrdiff_t first, last;      // positions holding every output voxel
  ptrdiff_t pstride;          // floats per channel of a position buffer
  ptrdiff_t stride;           // floats per channel of a prepared buffer
  ptrdiff_t zoff[3], off9[9], off[27];
} conv3d_geom;

void conv3d_geom_init(conv3d_geom *g, int N, int Ci, int Co, int D, int H,
                      int W);

// dst (C, stride) <- src (N, C, D, H, W) in the prepared layout of g.
void conv3d_prepare(float *dst, const float *src, int C, const conv3d_geom *g);
// dst (C, pstride) <- src (N, C, D, H, W) over positions (PAD: same as
// conv3d_prepare; COL: plain transpose to channel-major).
void conv3d_positions(float *dst, const float *src, int C, const conv3d_geom *g);

// wp (ceil(Co/RB), Ci, 27, RB) <- w (Co, Ci, 27), zero rows past Co;
// flip = 1 packs the transposed, tap-reversed weights of the input gradient
// (roles of Ci and Co swapped: wp (ceil(Ci/RB), Co, 27, RB)).
void conv3d_pack_weights(float *wp, const float *w, int Ci, int Co, int flip);

// out (N, Co, D, H, W) = (or += when accumulate) the 27 shifted GEMMs of
// the packed weights with the prepared x (Ci, stride), plus b when not NULL.
void conv3d_gemm_taps(float *out, const float *b, int accumulate,
                      const float *x, const float *wp, int Ci, int Co,
                      const conv3d_geom *g);

// dw (Co, Ci, 27) += sum over p of dpos(co, p) x(ci, p + off[k]), with
// dpos a position buffer (Co, pstride) and x prepared (Ci, stride); acc
// (Co*Ci*27 doubles) is the per-entry double accumulator.
void conv3d_weight_grad(float *dw, double *acc, const float *dpos,
                        const float *x, int Ci, int Co, const conv3d_geom *g);

// The per-ISA micro-kernels (conv3d_kern_*.c), chosen at run time (isa.c).
//
// tile: out (RB rows of ostride, first `rows` stored) <- one tile of RB
// output channels by PB positions from `in`, summed over Ci channels
// (stride apart) and the 27 taps at off[k], weights packed (Ci, 27, RB).
// wg: sums[r][k] += sum over p in [p0, p1) of d[r][p] x[p + off[k]] for
// the 27 taps k; p1 - p0 a multiple of 16. Each sum is taken in 16 lanes
// (lane = p mod 16), reduced by one fixed tree (conv3d_simd.h) in every x86
// variant, whatever taps a variant groups into one pass.
typedef struct {
  void (*tile)(float *out, ptrdiff_t ostride, int rows, const float *in,
               const float *wp, int Ci, ptrdiff_t stride, const ptrdiff_t *off);
  void (*wg)(double sums[CONV3D_WB][27], const float *const d[CONV3D_WB],
             const float *x, const ptrdiff_t *off, ptrdiff_t p0, ptrdiff_t p1);
  // Winograd (conv3d_wino_kern.h): wgemm: m[r][t] (r < RB rows mstride
  // apart, t < WINO_PB) <- sum over ci < Ci, in order, of u[ci RB + r]
  // v[ci vstride + t], one FMA chain per output as in every FMA variant;
  // win / wout: the input and output transforms of WINO_G tiles.
  void (*wgemm)(float *m, ptrdiff_t mstride, const float *v, ptrdiff_t vstride,
                const float *u, int Ci);
  void (*win)(float *v, ptrdiff_t xs, const float *p, ptrdiff_t rs,
              ptrdiff_t ps, ptrdiff_t re);
  void (*wout)(float y[2][2][2 * WINO_G], const float *m, ptrdiff_t xs);
} conv3d_kernels;

extern const conv3d_kernels conv3d_kernels_generic;
#if defined(__x86_64__) || defined(__i386__)
extern const conv3d_kernels conv3d_kernels_avx2, conv3d_kernels_avx512;
#endif

// The variant chosen for this process (nn/isa.h).
const conv3d_kernels *conv3d_kernels_get(void);

#endif
