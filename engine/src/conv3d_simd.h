// The one reduction tree of 16 float lanes (as halves lo = lanes 0-7,
// hi = 8-15) shared by the AVX2 and AVX-512 weight-gradient kernels, so
// both round alike. It is the order of GCC's _mm512_reduce_add_ps:
// hi + lo, then the upper 4 + lower 4, then lanes {0,1} + {2,3}, then 0 + 1.
// Include only from files compiled with AVX enabled.
#ifndef CONV3D_SIMD_H
#define CONV3D_SIMD_H

#include <immintrin.h>

static inline float conv3d_reduce16(__m256 lo, __m256 hi) {
  __m256 s8 = _mm256_add_ps(hi, lo);
  __m128 s4 = _mm_add_ps(_mm256_extractf128_ps(s8, 1), _mm256_castps256_ps128(s8));
  __m128 s2 = _mm_add_ps(s4, _mm_shuffle_ps(s4, s4, _MM_SHUFFLE(1, 0, 3, 2)));
  return _mm_cvtss_f32(s2) + _mm_cvtss_f32(_mm_shuffle_ps(s2, s2, 1));
}

#endif
