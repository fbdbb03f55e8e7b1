// 3D max-pooling, kernel 2, stride 2.
#include "nn/layers.h"
#include "omp_work.h"

// The largest of the 8 values of one 2x2x2 block and its index (dz, dy, dx
// scan order). A strict '>' keeps the first of equal values and a NaN wins,
// as in PyTorch.
static inline float block_max(const float *src, size_t plane, int W, int *arg) {
  float best = src[0];
  int bk = 0;
  for (int k = 1; k < 8 && best == best; k++) {
    float v = src[(size_t)(k >> 2) * plane + (size_t)((k >> 1) & 1) * W + (k & 1)];
    if (v > best || v != v) best = v, bk = k;
  }
  *arg = bk;
  return best;
}

// in: (N, C, D, H, W)  out, arg: (N, C, D/2, H/2, W/2)
void nn_maxpool3d_forward(float *out, uint8_t *arg, const float *in, int N,
                          int C, int D, int H, int W) {
  const int d2 = D / 2, h2 = H / 2, w2 = W / 2;
  const size_t plane = (size_t)H * W;
#pragma omp parallel for schedule(static) if ((size_t)N * C * D * H * W >= NN_OMP_MIN_WORK)
  for (int ncz = 0; ncz < N * C * d2; ncz++) {
    const int nc = ncz / d2, z = ncz % d2;
    const float *src = in + (size_t)nc * D * plane + (size_t)2 * z * plane;
    size_t o = (size_t)ncz * h2 * w2;
    for (int y = 0; y < h2; y++)
      for (int x = 0; x < w2; x++, o++) {
        int k;
        out[o] = block_max(src + (size_t)2 * y * W + 2 * x, plane, W, &k);
        arg[o] = (uint8_t)k;
      }
  }
}

// din: (N, C, D, H, W) += dout at the recorded winners.
void nn_maxpool3d_backward(float *din, const float *dout, const uint8_t *arg,
                           int N, int C, int D, int H, int W) {
  const int d2 = D / 2, h2 = H / 2, w2 = W / 2;
  const size_t plane = (size_t)H * W;
#pragma omp parallel for schedule(static) if ((size_t)N * C * D * H * W >= NN_OMP_MIN_WORK)
  for (int nc = 0; nc < N * C; nc++) {
    float *dst = din + (size_t)nc * D * plane;
    size_t o = (size_t)nc * d2 * h2 * w2;
    for (int z = 0; z < d2; z++)
      for (int y = 0; y < h2; y++)
        for (int x = 0; x < w2; x++, o++) {
          int k = arg[o], dz = k >> 2, dy = (k >> 1) & 1, dx = k & 1;
          dst[(size_t)(2 * z + dz) * plane + (size_t)(2 * y + dy) * W +
              (2 * x + dx)] += dout[o];
        }
  }
}
