// AVX2+FMA micro-kernels of the fast convolution (see conv3d_internal.h),
// compiled with -mavx2 -mfma -mno-avx512f (engine/CMakeLists.txt) and run
// only when CPUID reports both (isa.c). With 16 vector registers the
// AVX-512 register blocks do not fit, so each kernel walks its tile in
// sub-blocks; every output is still one FMA chain in the same order as in
// the AVX-512 kernels, so both give bitwise identical results.
#if defined(__x86_64__) || defined(__i386__)
#include "conv3d_internal.h"
#include "conv3d_simd.h"
#include "conv3d_wino_kern.h"

enum { SR = 4, SV = 3, SP = 8 * SV };  // sub-block: 4 channels x 24 positions

// rows x SP outputs at out (ostride apart) from weights wp (RB per tap).
static inline void sub_tile(float *out, ptrdiff_t ostride, int rows,
                            const float *in, const float *wp, int Ci,
                            ptrdiff_t stride, const ptrdiff_t *off) {
  __m256 acc[SR][SV];
#pragma GCC unroll 4
  for (int r = 0; r < SR; r++)
#pragma GCC unroll 3
    for (int j = 0; j < SV; j++) acc[r][j] = _mm256_setzero_ps();
  for (int ci = 0; ci < Ci; ci++) {
    const float *x = in + ci * stride;
    const float *wc = wp + (size_t)ci * 27 * CONV3D_RB;
    for (int k = 0; k < 27; k++) {
      const float *xk = x + off[k], *wk = wc + k * CONV3D_RB;
      __m256 v[SV];
#pragma GCC unroll 3
      for (int j = 0; j < SV; j++) v[j] = _mm256_loadu_ps(xk + 8 * j);
#pragma GCC unroll 4
      for (int r = 0; r < SR; r++) {
        __m256 wr = _mm256_broadcast_ss(wk + r);
#pragma GCC unroll 3
        for (int j = 0; j < SV; j++) acc[r][j] = _mm256_fmadd_ps(wr, v[j], acc[r][j]);
      }
    }
  }
  // Constant indices only: with acc[r] indexed by a run-time row count GCC
  // keeps acc in memory and stores all 12 registers every iteration.
#pragma GCC unroll 4
  for (int r = 0; r < SR; r++)
    if (r < rows)
#pragma GCC unroll 3
      for (int j = 0; j < SV; j++) _mm256_storeu_ps(out + r * ostride + 8 * j, acc[r][j]);
}

// 12 accumulators of 8 floats per sub-block; sub-blocks holding no stored
// row (rows <= 4) are skipped.
static void tile_avx2(float *out, ptrdiff_t ostride, int rows, const float *in,
                      const float *wp, int Ci, ptrdiff_t stride,
                      const ptrdiff_t *off) {
  for (int r0 = 0; r0 < rows; r0 += SR) {
    int n = rows - r0 < SR ? rows - r0 : SR;
    for (int p0 = 0; p0 < CONV3D_PB; p0 += SP)
      sub_tile(out + r0 * ostride + p0, ostride, n, in + p0, wp + r0, Ci, stride, off);
  }
}

// One pass: the WB channels by NT taps (k0..k0+NT-1, NT <= 4) over the
// lanes [lane, lane + 8) of every 16 positions, into acc (WB, NT, 8):
// 12 accumulators, 3 output-gradient vectors and one input vector fill
// the 16 registers, 7 loads for 12 FMAs.
static inline __attribute__((always_inline)) void
wg_pass(float acc[CONV3D_WB][4][8], const float *const d[CONV3D_WB],
        const float *x, const ptrdiff_t *off, int nt, ptrdiff_t p0, ptrdiff_t p1) {
  __m256 a[CONV3D_WB][4];
#pragma GCC unroll 3
  for (int r = 0; r < CONV3D_WB; r++)
#pragma GCC unroll 4
    for (int t = 0; t < 4; t++) a[r][t] = _mm256_setzero_ps();
  const float *d0 = d[0], *d1 = d[1], *d2 = d[2];
  const float *x0 = x + off[0], *x1 = x + off[nt > 1], *x2 = x + off[nt > 2 ? 2 : 0];
  const float *x3 = x + off[nt > 3 ? 3 : 0];
  for (ptrdiff_t p = p0; p < p1; p += 16) {
    __m256 g0 = _mm256_loadu_ps(d0 + p), g1 = _mm256_loadu_ps(d1 + p);
    __m256 g2 = _mm256_loadu_ps(d2 + p);
    const float *xs[4] = {x0, x1, x2, x3};
#pragma GCC unroll 4
    for (int t = 0; t < 4; t++) {
      if (t >= nt) break;
      __m256 v = _mm256_loadu_ps(xs[t] + p);
      a[0][t] = _mm256_fmadd_ps(g0, v, a[0][t]);
      a[1][t] = _mm256_fmadd_ps(g1, v, a[1][t]);
      a[2][t] = _mm256_fmadd_ps(g2, v, a[2][t]);
    }
  }
#pragma GCC unroll 3
  for (int r = 0; r < CONV3D_WB; r++)
#pragma GCC unroll 4
    for (int t = 0; t < 4; t++) _mm256_storeu_ps(acc[r][t], a[r][t]);
}

static void wg_pass4(float acc[CONV3D_WB][4][8], const float *const d[CONV3D_WB],
                     const float *x, const ptrdiff_t *off, ptrdiff_t p0, ptrdiff_t p1) {
  wg_pass(acc, d, x, off, 4, p0, p1);
}

static void wg_pass3(float acc[CONV3D_WB][4][8], const float *const d[CONV3D_WB],
                     const float *x, const ptrdiff_t *off, ptrdiff_t p0, ptrdiff_t p1) {
  wg_pass(acc, d, x, off, 3, p0, p1);
}

// The 16 lanes of each AVX-512 accumulator become two 8-lane halves, each
// summed in its own pass; the 27 taps go 4 at a time (the last 3).
static void wg_avx2(double sums[CONV3D_WB][27], const float *const d[CONV3D_WB],
                    const float *x, const ptrdiff_t *off, ptrdiff_t p0,
                    ptrdiff_t p1) {
  const float *dh[CONV3D_WB] = {d[0] + 8, d[1] + 8, d[2] + 8};
  for (int k0 = 0; k0 < 27; k0 += 4) {
    float lo[CONV3D_WB][4][8], hi[CONV3D_WB][4][8];
    int nt = 27 - k0 < 4 ? 27 - k0 : 4;
    if (nt == 4) {
      wg_pass4(lo, d, x, off + k0, p0, p1);
      wg_pass4(hi, dh, x + 8, off + k0, p0, p1);
    } else {
      wg_pass3(lo, d, x, off + k0, p0, p1);
      wg_pass3(hi, dh, x + 8, off + k0, p0, p1);
    }
    for (int r = 0; r < CONV3D_WB; r++)
      for (int t = 0; t < nt; t++)
        sums[r][k0 + t] += conv3d_reduce16(_mm256_loadu_ps(lo[r][t]),
                                           _mm256_loadu_ps(hi[r][t]));
  }
}

// Tile-domain GEMM of the Winograd path: 4 rows x 24 columns at a time
// (12 accumulators), four sub-blocks per micro-tile.
static inline void wgemm_sub(float *m, ptrdiff_t mstride, const float *v,
                             ptrdiff_t vstride, const float *u, int Ci) {
  __m256 acc[SR][SV];
#pragma GCC unroll 4
  for (int r = 0; r < SR; r++)
#pragma GCC unroll 3
    for (int j = 0; j < SV; j++) acc[r][j] = _mm256_setzero_ps();
  for (int ci = 0; ci < Ci; ci++) {
    const float *x = v + ci * vstride, *w = u + ci * CONV3D_RB;
    __m256 x0 = _mm256_loadu_ps(x), x1 = _mm256_loadu_ps(x + 8);
    __m256 x2 = _mm256_loadu_ps(x + 16);
#pragma GCC unroll 4
    for (int r = 0; r < SR; r++) {
      __m256 wr = _mm256_broadcast_ss(w + r);
      acc[r][0] = _mm256_fmadd_ps(wr, x0, acc[r][0]);
      acc[r][1] = _mm256_fmadd_ps(wr, x1, acc[r][1]);
      acc[r][2] = _mm256_fmadd_ps(wr, x2, acc[r][2]);
    }
  }
#pragma GCC unroll 4
  for (int r = 0; r < SR; r++)
#pragma GCC unroll 3
    for (int j = 0; j < SV; j++) _mm256_storeu_ps(m + r * mstride + 8 * j, acc[r][j]);
}

static void wgemm_avx2(float *m, ptrdiff_t mstride, const float *v,
                       ptrdiff_t vstride, const float *u, int Ci) {
  for (int r0 = 0; r0 < CONV3D_RB; r0 += SR)
    for (int p0 = 0; p0 < WINO_PB; p0 += SP)
      wgemm_sub(m + r0 * mstride + p0, mstride, v + p0, vstride, u + r0, Ci);
}

static void win_avx2(float *v, ptrdiff_t xs, const float *p, ptrdiff_t rs,
                     ptrdiff_t ps, ptrdiff_t re) {
  wino_in16(v, xs, p, rs, ps, re);
}

static void wout_avx2(float y[2][2][2 * WINO_G], const float *m, ptrdiff_t xs) {
  wino_out16(y, m, xs);
}

const conv3d_kernels conv3d_kernels_avx2 = {.tile = tile_avx2, .wg = wg_avx2,
                                            .wgemm = wgemm_avx2, .win = win_avx2,
                                            .wout = wout_avx2};
#endif
