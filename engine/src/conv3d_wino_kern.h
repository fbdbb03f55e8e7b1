// The Winograd F(2x2x2, 3x3x3) transforms of 16 tiles at a time (see
// conv3d_wino.c), included by every conv3d_kern_*.c so each instruction
// set vectorises them across the 16 tiles. They only add and subtract, in
// the order written here, so every variant computes the same bits.
#ifndef CONV3D_WINO_KERN_H
#define CONV3D_WINO_KERN_H

#include "conv3d_internal.h"

// 1D B^T d of four values: d0 - d2, d1 + d2, d2 - d1, d1 - d3.
#define WINO_BT(o0, o1, o2, o3, d0, d1, d2, d3) \
  do {                                         \
    o0 = (d0) - (d2);                          \
    o1 = (d1) + (d2);                          \
    o2 = (d2) - (d1);                          \
    o3 = (d1) - (d3);                          \
  } while (0)

// v[xi * xs + i] <- (B^T d B) of tile i for xi = 16 a + 4 b + j, where d is
// the 4x4x4 input window whose row (a, b) is p + a ps + b rs: even padded x
// at [0, re), odd at [re, 2 re), tile i starting at even entry i.
static inline void wino_in16(float *restrict v, ptrdiff_t xs, const float *p,
                             ptrdiff_t rs, ptrdiff_t ps, ptrdiff_t re) {
  float e[4][4][4][WINO_G];  // [z][y][x frequency][tile]
  for (int a = 0; a < 4; a++)
    for (int b = 0; b < 4; b++) {
      const float *r = p + a * ps + b * rs;
#pragma omp simd
      for (int i = 0; i < WINO_G; i++)
        WINO_BT(e[a][b][0][i], e[a][b][1][i], e[a][b][2][i], e[a][b][3][i],
                r[i], r[re + i], r[i + 1], r[re + i + 1]);
    }
  for (int a = 0; a < 4; a++)
    for (int j = 0; j < 4; j++)
#pragma omp simd
      for (int i = 0; i < WINO_G; i++) {
        float f0, f1, f2, f3;
        WINO_BT(f0, f1, f2, f3, e[a][0][j][i], e[a][1][j][i], e[a][2][j][i],
                e[a][3][j][i]);
        e[a][0][j][i] = f0, e[a][1][j][i] = f1, e[a][2][j][i] = f2, e[a][3][j][i] = f3;
      }
  for (int b = 0; b < 4; b++)
    for (int j = 0; j < 4; j++) {
      float *o = v + (4 * b + j) * xs;
#pragma omp simd
      for (int i = 0; i < WINO_G; i++)
        WINO_BT(o[i], o[16 * xs + i], o[32 * xs + i], o[48 * xs + i],
                e[0][b][j][i], e[1][b][j][i], e[2][b][j][i], e[3][b][j][i]);
    }
}

// 1D A^T m: m0 + m1 + m2, m1 - m2 - m3.
#define WINO_AT(o0, o1, m0, m1, m2, m3) \
  do {                                 \
    o0 = (m0) + (m1) + (m2);           \
    o1 = (m1) - (m2) - (m3);           \
  } while (0)

// y[a][b][2 i + c] <- (A^T M A) of tile i, M[xi] at m + xi * xs: the two
// x outputs of each tile interleaved, as they lie in the output row.
static inline void wino_out16(float y[2][2][2 * WINO_G], const float *m, ptrdiff_t xs) {
  float e[2][4][4][WINO_G];  // [z out][y freq][x freq][tile]
  for (int b = 0; b < 4; b++)
    for (int j = 0; j < 4; j++) {
      const float *s = m + (4 * b + j) * xs;
#pragma omp simd
      for (int i = 0; i < WINO_G; i++)
        WINO_AT(e[0][b][j][i], e[1][b][j][i], s[i], s[16 * xs + i],
                s[32 * xs + i], s[48 * xs + i]);
    }
  float f[2][2][4][WINO_G];  // [z out][y out][x freq][tile]
  for (int a = 0; a < 2; a++)
    for (int j = 0; j < 4; j++)
#pragma omp simd
      for (int i = 0; i < WINO_G; i++)
        WINO_AT(f[a][0][j][i], f[a][1][j][i], e[a][0][j][i], e[a][1][j][i],
                e[a][2][j][i], e[a][3][j][i]);
  for (int a = 0; a < 2; a++)
    for (int b = 0; b < 2; b++)
#pragma omp simd
      for (int i = 0; i < WINO_G; i++)
        WINO_AT(y[a][b][2 * i], y[a][b][2 * i + 1], f[a][b][0][i], f[a][b][1][i],
                f[a][b][2][i], f[a][b][3][i]);
}

#endif
