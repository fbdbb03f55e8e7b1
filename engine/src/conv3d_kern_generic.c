// Portable C micro-kernels of the fast convolution (see conv3d_internal.h):
// the fallback on CPUs without AVX2 and on other architectures. Compilers
// vectorise the inner position loops for whatever the build targets.
#include "conv3d_internal.h"
#include "conv3d_wino_kern.h"

static void tile_generic(float *out, ptrdiff_t ostride, int rows,
                         const float *in, const float *wp, int Ci,
                         ptrdiff_t stride, const ptrdiff_t *off) {
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
    for (int p = 0; p < CONV3D_PB; p++) out[r * ostride + p] = acc[r][p];
}

static void wg_generic(double sums[CONV3D_WB][27], const float *const d[CONV3D_WB],
                       const float *x, const ptrdiff_t *off, ptrdiff_t p0,
                       ptrdiff_t p1) {
  float acc[CONV3D_WB][27][16] = {{{0}}};
  for (ptrdiff_t p = p0; p < p1; p += 16)
    for (int r = 0; r < CONV3D_WB; r++)
      for (int t = 0; t < 27; t++)
        for (int l = 0; l < 16; l++) acc[r][t][l] += d[r][p + l] * x[p + off[t] + l];
  for (int r = 0; r < CONV3D_WB; r++)
    for (int t = 0; t < 27; t++) {
      float s = 0.0f;
      for (int l = 0; l < 16; l++) s += acc[r][t][l];
      sums[r][t] += s;
    }
}

static void wgemm_generic(float *m, ptrdiff_t mstride, const float *v,
                          ptrdiff_t vstride, const float *u, int Ci) {
  float acc[CONV3D_RB][WINO_PB] = {{0}};
  for (int ci = 0; ci < Ci; ci++)
    for (int r = 0; r < CONV3D_RB; r++) {
      float wr = u[ci * CONV3D_RB + r];
      for (int t = 0; t < WINO_PB; t++) acc[r][t] += wr * v[ci * vstride + t];
    }
  for (int r = 0; r < CONV3D_RB; r++)
    for (int t = 0; t < WINO_PB; t++) m[r * mstride + t] = acc[r][t];
}

static void win_generic(float *v, ptrdiff_t xs, const float *p, ptrdiff_t rs,
                        ptrdiff_t ps, ptrdiff_t re) {
  wino_in16(v, xs, p, rs, ps, re);
}

static void wout_generic(float y[2][2][2 * WINO_G], const float *m, ptrdiff_t xs) {
  wino_out16(y, m, xs);
}

const conv3d_kernels conv3d_kernels_generic = {.tile = tile_generic, .wg = wg_generic,
                                               .wgemm = wgemm_generic, .win = win_generic,
                                               .wout = wout_generic};
