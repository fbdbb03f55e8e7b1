// e^x for the element-wise loops of the ViT (softmax, GELU) in a form the
// compiler vectorizes under `omp simd`; libm's expf and erff are scalar
// calls.
#ifndef NN_EXP_POLY_H
#define NN_EXP_POLY_H

#include <string.h>

// e^x for x <= 0 (softmax arguments after the row maximum is subtracted),
// in a form the compiler vectorizes (libm's expf is a scalar call): x =
// n ln2 + r, |r| <= ln2/2, Cephes' degree-6 polynomial for e^r (within
// 1e-7 relative), 2^n from the exponent bits; below 2^-126 the result is 0.
// No float comparison inside: one keeps GCC from vectorizing the loop.
static inline float exp_nonpos(float x) {
  const int n = (int)(x * 1.44269504088896341f - 0.5f); // round(x / ln2)
  const float r = x - n * 0.693359375f + n * 2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  const int e = n + 127 > 0 ? n + 127 : 0;
  const int bits = e << 23;
  float two_n;
  memcpy(&two_n, &bits, sizeof two_n); // 2^n (vectorizes; a union does not)
  return p * two_n;
}

#endif
