// GELU in its exact form (PyTorch nn.GELU(approximate='none')):
// gelu(x) = x Phi(x), Phi the standard normal CDF. libm's erff is a scalar
// call (GELU was about a tenth of a ViT training step); Phi here comes from
// a vectorizable erfc (below), within about 1e-7 absolute of erff's.
#include <math.h>
#include <string.h>

#include "exp_poly.h"
#include "nn/transformer.h"
#include "omp_work.h"

static const float inv_sqrt2 = 0.70710678118654752f;
static const float inv_sqrt2pi = 0.39894228040143268f;

// Phi(x) = 1 - erfc(x / sqrt2) / 2 for x >= 0, erfc(-x / sqrt2) / 2 below,
// with erfc(z) = t exp(-z^2 + P(t)), t = 1 / (1 + z/2) (Numerical Recipes'
// erfcc, Chebyshev fit, relative error < 1.2e-7 for z >= 0). z is clamped
// at 10 (erfc(10) ~ 2e-45, below float) so exp_nonpos' integer conversion
// stays in range; the sign selects by bits, not a branch.
// min(a, b) for a, b >= 0 (or a NaN, giving b) as integers: non-negative
// floats order as their bit patterns, and a float comparison in the loop
// body keeps GCC from vectorizing it.
static inline float min_nonneg(float a, float b) {
  int ia, ib;
  memcpy(&ia, &a, sizeof ia);
  memcpy(&ib, &b, sizeof ib);
  ia = ia < ib ? ia : ib;
  memcpy(&a, &ia, sizeof a);
  return a;
}

static inline float phi(float x) {
  const float z = min_nonneg(fabsf(x) * inv_sqrt2, 10.0f);
  const float t = 1.0f / (1.0f + 0.5f * z);
  float p = 0.17087277f;
  p = p * t - 0.82215223f;
  p = p * t + 1.48851587f;
  p = p * t - 1.13520398f;
  p = p * t + 0.27886807f;
  p = p * t - 0.18628806f;
  p = p * t + 0.09678418f;
  p = p * t + 0.37409196f;
  p = p * t + 1.00002368f;
  p = p * t - 1.26551223f;
  const float h = 0.5f * t * exp_nonpos(p - z * z), one_minus_h = 1.0f - h;
  // x < 0 ? h : 1 - h, selected by the sign bit (h itself in the lower
  // tail keeps its relative accuracy there).
  int xi, hi, oi;
  memcpy(&xi, &x, sizeof xi);
  memcpy(&hi, &h, sizeof hi);
  memcpy(&oi, &one_minus_h, sizeof oi);
  const int neg = xi >> 31; // all ones when the sign bit is set
  oi = (hi & neg) | (oi & ~neg);
  float r;
  memcpy(&r, &oi, sizeof r);
  return r;
}

void nn_gelu_forward(float *out, const float *in, size_t n) {
#pragma omp parallel for simd schedule(static) if (n >= NN_OMP_MIN_WORK)
  for (size_t i = 0; i < n; i++) out[i] = in[i] * phi(in[i]);
}

// d/dx x Phi(x) = Phi(x) + x phi(x), the density's exponent clamped as in
// phi() (exp(-50) is below float).
void nn_gelu_backward(float *din, const float *dout, const float *in,
                      size_t n) {
#pragma omp parallel for simd schedule(static) if (n >= NN_OMP_MIN_WORK)
  for (size_t i = 0; i < n; i++) {
    const float x = in[i];
    const float pdf = inv_sqrt2pi * exp_nonpos(-min_nonneg(0.5f * x * x, 100.0f));
    din[i] += dout[i] * (phi(x) + x * pdf);
  }
}
