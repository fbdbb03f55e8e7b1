// GELU in its exact form (PyTorch nn.GELU(approximate='none')):
// gelu(x) = x Phi(x), Phi the standard normal CDF, via erff.
#include <math.h>

#include "nn/transformer.h"
#include "omp_work.h"

static const float inv_sqrt2 = 0.70710678118654752f;
static const float inv_sqrt2pi = 0.39894228040143268f;

void nn_gelu_forward(float *out, const float *in, size_t n) {
#pragma omp parallel for schedule(static) if (n >= NN_OMP_MIN_WORK)
  for (size_t i = 0; i < n; i++)
    out[i] = 0.5f * in[i] * (1.0f + erff(in[i] * inv_sqrt2));
}

// d/dx x Phi(x) = Phi(x) + x phi(x).
void nn_gelu_backward(float *din, const float *dout, const float *in,
                      size_t n) {
#pragma omp parallel for schedule(static) if (n >= NN_OMP_MIN_WORK)
  for (size_t i = 0; i < n; i++) {
    const float x = in[i];
    const float cdf = 0.5f * (1.0f + erff(x * inv_sqrt2));
    const float pdf = inv_sqrt2pi * expf(-0.5f * x * x);
    din[i] += dout[i] * (cdf + x * pdf);
  }
}
