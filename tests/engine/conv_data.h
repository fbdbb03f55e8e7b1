// Test data the convolution tests (test_conv3d, test_conv3d_wino, test_isa)
// share: seeded uniform arrays and the shape of one convolution call.
#ifndef ENGINE_CONV_DATA_H
#define ENGINE_CONV_DATA_H

#include <stdint.h>
#include <stdlib.h>

#include "asl/rng.h"

// n floats uniform in [-1, 1) from seed (the caller frees them).
static inline float *rand_buf(size_t n, uint64_t seed) {
  asl_rng r;
  asl_rng_seed(&r, seed);
  float *p = malloc(n * sizeof(float));
  for (size_t i = 0; i < n; i++) p[i] = (float)(2.0 * asl_rng_uniform(&r) - 1.0);
  return p;
}

// Batch, input and output channels, depth, height, width.
typedef struct {
  int N, Ci, Co, D, H, W;
} shape;

#endif
