// AVX-512F micro-kernels of the fast convolution (see conv3d_internal.h),
// compiled with -mavx512f -mfma (engine/CMakeLists.txt) and run only when
// CPUID reports AVX-512F (isa.c).
#if defined(__x86_64__) || defined(__i386__)
#include "conv3d_internal.h"
#include "conv3d_simd.h"
#include "conv3d_wino_kern.h"

enum { PV = CONV3D_PB / 16 };  // vectors of 16 positions per tile

// 24 accumulators of 16 floats: all RB x PB outputs of the tile live in
// registers for the whole Ci x 27 reduction and are stored once.
static void tile_avx512(float *out, ptrdiff_t ostride, int rows,
                        const float *in, const float *wp, int Ci,
                        ptrdiff_t stride, const ptrdiff_t *off) {
  __m512 acc[CONV3D_RB][PV];
#pragma GCC unroll 16
  for (int r = 0; r < CONV3D_RB; r++)
#pragma GCC unroll 16
    for (int j = 0; j < PV; j++) acc[r][j] = _mm512_setzero_ps();
  for (int ci = 0; ci < Ci; ci++) {
    const float *x = in + ci * stride;
    const float *wc = wp + (size_t)ci * 27 * CONV3D_RB;
    for (int k = 0; k < 27; k++) {
      const float *xk = x + off[k];
      __m512 v[PV];
#pragma GCC unroll 16
      for (int j = 0; j < PV; j++) v[j] = _mm512_loadu_ps(xk + 16 * j);
      const float *wk = wc + k * CONV3D_RB;
#pragma GCC unroll 16
      for (int r = 0; r < CONV3D_RB; r++) {
        __m512 wr = _mm512_set1_ps(wk[r]);
#pragma GCC unroll 16
        for (int j = 0; j < PV; j++) acc[r][j] = _mm512_fmadd_ps(wr, v[j], acc[r][j]);
      }
    }
  }
  for (int r = 0; r < rows; r++)
#pragma GCC unroll 16
    for (int j = 0; j < PV; j++) _mm512_storeu_ps(out + r * ostride + 16 * j, acc[r][j]);
}

static float reduce_avx512(__m512 a) {
  __m256 hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(a), 1));
  return conv3d_reduce16(_mm512_castps512_ps256(a), hi);
}

// 27 accumulators: WB output channels by the 9 taps of one dz plane.
static void wg_plane(double sums[CONV3D_WB][27], const float *const d[CONV3D_WB],
                     const float *x, const ptrdiff_t *off9, ptrdiff_t p0,
                     ptrdiff_t p1) {
  __m512 acc[CONV3D_WB][9];
  for (int r = 0; r < CONV3D_WB; r++)
    for (int t = 0; t < 9; t++) acc[r][t] = _mm512_setzero_ps();
  for (ptrdiff_t p = p0; p < p1; p += 16) {
    __m512 g0 = _mm512_loadu_ps(d[0] + p);
    __m512 g1 = _mm512_loadu_ps(d[1] + p);
    __m512 g2 = _mm512_loadu_ps(d[2] + p);
#pragma GCC unroll 9
    for (int t = 0; t < 9; t++) {
      __m512 v = _mm512_loadu_ps(x + p + off9[t]);
      // Keep v in a register: folded into each FMA it would be loaded
      // three times, and the kernel is bound by (line-splitting) loads.
      __asm__("" : "+v"(v));
      acc[0][t] = _mm512_fmadd_ps(g0, v, acc[0][t]);
      acc[1][t] = _mm512_fmadd_ps(g1, v, acc[1][t]);
      acc[2][t] = _mm512_fmadd_ps(g2, v, acc[2][t]);
    }
  }
  for (int r = 0; r < CONV3D_WB; r++)
    for (int t = 0; t < 9; t++) sums[r][t] += reduce_avx512(acc[r][t]);
}

static void wg_avx512(double sums[CONV3D_WB][27], const float *const d[CONV3D_WB],
                      const float *x, const ptrdiff_t *off, ptrdiff_t p0,
                      ptrdiff_t p1) {
  for (int dz = 0; dz < 3; dz++) {
    double s[CONV3D_WB][27] = {{0}};
    wg_plane(s, d, x, off + 9 * dz, p0, p1);
    for (int r = 0; r < CONV3D_WB; r++)
      for (int t = 0; t < 9; t++) sums[r][9 * dz + t] += s[r][t];
  }
}

// Tile-domain GEMM of the Winograd path: the forward tile with one tap.
static void wgemm_avx512(float *m, ptrdiff_t mstride, const float *v,
                         ptrdiff_t vstride, const float *u, int Ci) {
  enum { WV = WINO_PB / 16 };
  __m512 acc[CONV3D_RB][WV];
#pragma GCC unroll 16
  for (int r = 0; r < CONV3D_RB; r++)
#pragma GCC unroll 16
    for (int j = 0; j < WV; j++) acc[r][j] = _mm512_setzero_ps();
  for (int ci = 0; ci < Ci; ci++) {
    const float *x = v + ci * vstride, *w = u + ci * CONV3D_RB;
    __m512 x0 = _mm512_loadu_ps(x), x1 = _mm512_loadu_ps(x + 16);
    __m512 x2 = _mm512_loadu_ps(x + 32);
#pragma GCC unroll 16
    for (int r = 0; r < CONV3D_RB; r++) {
      __m512 wr = _mm512_set1_ps(w[r]);
      acc[r][0] = _mm512_fmadd_ps(wr, x0, acc[r][0]);
      acc[r][1] = _mm512_fmadd_ps(wr, x1, acc[r][1]);
      acc[r][2] = _mm512_fmadd_ps(wr, x2, acc[r][2]);
    }
  }
#pragma GCC unroll 16
  for (int r = 0; r < CONV3D_RB; r++)
#pragma GCC unroll 16
    for (int j = 0; j < WV; j++) _mm512_storeu_ps(m + r * mstride + 16 * j, acc[r][j]);
}

static void win_avx512(float *v, ptrdiff_t xs, const float *p, ptrdiff_t rs,
                       ptrdiff_t ps, ptrdiff_t re) {
  wino_in16(v, xs, p, rs, ps, re);
}

static void wout_avx512(float y[2][2][2 * WINO_G], const float *m, ptrdiff_t xs) {
  wino_out16(y, m, xs);
}

const conv3d_kernels conv3d_kernels_avx512 = {.tile = tile_avx512, .wg = wg_avx512,
                                              .wgemm = wgemm_avx512, .win = win_avx512,
                                              .wout = wout_avx512};
#endif
