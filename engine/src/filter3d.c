// Separable 3D filtering with a symmetric kernel, zero or reflect borders.
#include "nn/loss.h"
#include "omp_work.h"

// Index i mirrored into [0, n) as scipy's 'reflect' (d c b a | a b c d).
static int reflect_index(int i, int n) {
  if (n == 1) return 0;
  for (;;) {
    if (i < 0) i = -i - 1;
    else if (i >= n) i = 2 * n - i - 1;
    else return i;
  }
}

// Filters `count` lines of length n, line l starting at l's base offset
// (given by the caller's mapping) with element stride `stride`.
static void filter_lines(float *out, const float *in, int lines, int n,
                         size_t stride, int inner, size_t outer_stride,
                         const float *k, int r, int reflect) {
#pragma omp parallel for schedule(static) if ((size_t)lines * n >= NN_OMP_MIN_WORK)
  for (int l = 0; l < lines; l++) {
    size_t base = (size_t)(l / inner) * outer_stride + (size_t)(l % inner);
    for (int i = 0; i < n; i++) {
      float s = 0.0f;
      for (int t = -r; t <= r; t++) {
        int j = i + t;
        if (j < 0 || j >= n) {
          if (!reflect) continue;
          j = reflect_index(j, n);
        }
        s += k[t + r] * in[base + (size_t)j * stride];
      }
      out[base + (size_t)i * stride] = s;
    }
  }
}

// in, out, tmp: (D, H, W)
void nn_filter3d_separable(float *out, const float *in, float *tmp, int D,
                           int H, int W, const float *k, int r, int reflect) {
  const size_t plane = (size_t)H * W;
  // Along W: lines are (z, y), contiguous.
  filter_lines(out, in, D * H, W, 1, 1, (size_t)W, k, r, reflect);
  // Along H: lines are (z, x), stride W.
  filter_lines(tmp, out, D * W, H, (size_t)W, W, plane, k, r, reflect);
  // Along D: lines are (y, x), stride H*W.
  filter_lines(out, tmp, H * W, D, plane, H * W, 0, k, r, reflect);
}
