// The forward micro-kernel: one tile of CONV3D_RB output channels by
// CONV3D_PB flat positions, accumulated over every input channel and tap in
// registers (24 accumulators of 16 floats under AVX-512), then stored once.
// Inputs are read at 27 shifted addresses of the padded layout; weights come
// packed so the 8 values of one (ci, tap) are adjacent for broadcasting.
#include "conv3d_internal.h"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#if defined(__AVX512F__)
static void tile_kernel(float *out, ptrdiff_t stride, int rows,
                        const float *in, const float *wp, int Ci,
                        const ptrdiff_t *off) {
  __m512 acc[CONV3D_RB][3];
  for (int r = 0; r < CONV3D_RB; r++)
    acc[r][0] = acc[r][1] = acc[r][2] = _mm512_setzero_ps();
  for (int ci = 0; ci < Ci; ci++) {
    const float *x = in + ci * stride;
    const float *wc = wp + (size_t)ci * 27 * CONV3D_RB;
    for (int k = 0; k < 27; k++) {
      const float *xk = x + off[k];
      __m512 v0 = _mm512_loadu_ps(xk);
      __m512 v1 = _mm512_loadu_ps(xk + 16);
      __m512 v2 = _mm512_loadu_ps(xk + 32);
      const float *wk = wc + k * CONV3D_RB;
#pragma GCC unroll 8
      for (int r = 0; r < CONV3D_RB; r++) {
        __m512 wr = _mm512_set1_ps(wk[r]);
        acc[r][0] = _mm512_fmadd_ps(wr, v0, acc[r][0]);
        acc[r][1] = _mm512_fmadd_ps(wr, v1, acc[r][1]);
        acc[r][2] = _mm512_fmadd_ps(wr, v2, acc[r][2]);
      }
    }
  }
  for (int r = 0; r < rows; r++) {
    _mm512_storeu_ps(out + r * stride, acc[r][0]);
    _mm512_storeu_ps(out + r * stride + 16, acc[r][1]);
    _mm512_storeu_ps(out + r * stride + 32, acc[r][2]);
  }
}
#else
// Portable version of the same tile; compilers vectorise the inner p loop.
static void tile_kernel(float *out, ptrdiff_t stride, int rows,
                        const float *in, const float *wp, int Ci,
                        const ptrdiff_t *off) {
  float acc[CONV3D_RB][CONV3D_PB] = {{0}};
  for (int ci = 0; ci < Ci; ci++) {
    const float *x = in + ci * stride;
    const float *wc = wp + (size_t)ci * 27 * CONV3D_RB;
    for (int k = 0; k < 27; k++) {
      const float *xk = x + off[k];
      for (int r = 0; r < CONV3D_RB; r++) {
        float wr = wc[k * CONV3D_RB + r];
        for (int p = 0; p < CONV3D_PB; p++) acc[r][p] += wr * xk[p];
      }
    }
  }
  for (int r = 0; r < rows; r++)
    for (int p = 0; p < CONV3D_PB; p++) out[r * stride + p] = acc[r][p];
}
#endif

void conv3d_gemm_taps(float *outp, const float *inp, const float *wp, int Ci,
                      int Co, const conv3d_geom *g) {
  ptrdiff_t tiles = (g->last - g->first + CONV3D_PB - 1) / CONV3D_PB;
  int blocks = (Co + CONV3D_RB - 1) / CONV3D_RB;
  // Threads split the flat axis; each tile runs every channel block so its
  // input window (Ci x 9 row segments) is reused from L1.
#pragma omp parallel for schedule(static)
  for (ptrdiff_t t = 0; t < tiles; t++) {
    ptrdiff_t p = g->first + t * CONV3D_PB;
    for (int blk = 0; blk < blocks; blk++) {
      int rows = Co - blk * CONV3D_RB;
      if (rows > CONV3D_RB) rows = CONV3D_RB;
      tile_kernel(outp + blk * CONV3D_RB * g->stride + p, g->stride, rows,
                  inp + p, wp + (size_t)blk * Ci * 27 * CONV3D_RB, Ci, g->off);
    }
  }
}
