// The vectorized, plane-streaming SSIM against a naive one written straight
// from the definition (full 3D window sums at every cropped voxel), on grids
// whose x sizes cover every remainder of the vector width.
#include <stdlib.h>

#include "asl/metrics.h"
#include "asl/rng.h"
#include "harness.h"

// Naive SSIM: 11x11x11 Gaussian window products, population statistics,
// SSIM map averaged over voxels at least 5 from every face.
static double ssim_naive(const float *ref, const float *pred, const float *mask, int nx, int ny,
                         int nz) {
  double w[11], sw = 0;
  for (int k = -5; k <= 5; k++) sw += w[k + 5] = exp(-k * k / (2 * 1.5 * 1.5));
  for (int k = 0; k < 11; k++) w[k] /= sw;
  size_t n = (size_t)nx * ny * nz;
  double lo = INFINITY, hi = -INFINITY;
  for (size_t i = 0; i < n; i++)
    if (!mask || mask[i] != 0) lo = fmin(lo, ref[i]), hi = fmax(hi, ref[i]);
  double R = hi - lo, c1 = (0.01 * R) * (0.01 * R), c2 = (0.03 * R) * (0.03 * R), sum = 0;
  for (int z = 5; z < nz - 5; z++)
    for (int y = 5; y < ny - 5; y++)
      for (int x = 5; x < nx - 5; x++) {
        double m[5] = {0};
        for (int k = -5; k <= 5; k++)
          for (int j = -5; j <= 5; j++)
            for (int i = -5; i <= 5; i++) {
              size_t v = ((size_t)(z + k) * ny + (y + j)) * nx + (x + i);
              int in = !mask || mask[v] != 0;
              double a = in ? ref[v] : 0, b = in ? pred[v] : 0, ww = w[k + 5] * w[j + 5] * w[i + 5];
              m[0] += ww * a, m[1] += ww * b, m[2] += ww * a * a, m[3] += ww * b * b;
              m[4] += ww * a * b;
            }
        double vx = m[2] - m[0] * m[0], vy = m[3] - m[1] * m[1], vxy = m[4] - m[0] * m[1];
        sum += (2 * m[0] * m[1] + c1) * (2 * vxy + c2) /
               ((m[0] * m[0] + m[1] * m[1] + c1) * (vx + vy + c2));
      }
  return sum / ((double)(nx - 10) * (ny - 10) * (nz - 10));
}

static void compare(int nx, int ny, int nz, int masked, uint64_t seed) {
  size_t n = (size_t)nx * ny * nz;
  float *ref = malloc(n * sizeof *ref), *pred = malloc(n * sizeof *pred);
  float *mask = malloc(n * sizeof *mask);
  asl_rng r;
  asl_rng_seed(&r, seed);
  for (size_t i = 0; i < n; i++) {
    ref[i] = (float)(30 + 10 * sin(0.5 * (double)(i % nx)) + 3 * asl_rng_normal(&r));
    pred[i] = ref[i] + (float)(4 * asl_rng_normal(&r));
    mask[i] = asl_rng_uniform(&r) < 0.8 ? 1.0f : 0.0f;
  }
  asl_metrics_ctx c;
  ASSERT_OK(asl_metrics_ctx_init(&c, nx, ny, nz));
  double fast;
  ASSERT_OK(asl_ssim_frame(&c, ref, pred, masked ? mask : NULL, &fast));
  asl_metrics_ctx_free(&c);
  double naive = ssim_naive(ref, pred, masked ? mask : NULL, nx, ny, nz);
  free(ref), free(pred), free(mask);
  printf("  %dx%dx%d%s: fast %.12f naive %.12f\n", nx, ny, nz, masked ? " masked" : "", fast,
         naive);
  ASSERT_NEAR(naive, fast, 1e-10);
}

TEST(fast_ssim_equals_naive_for_every_row_remainder) {
  for (int nx = 11; nx <= 15; nx++) compare(nx, 12, 11, nx % 2, (uint64_t)nx);
}

TEST(fast_ssim_equals_naive_on_unequal_sides_with_mask) {
  compare(19, 13, 17, 1, 7);
  compare(12, 21, 11, 0, 8);
}

int main(void) {
  RUN(fast_ssim_equals_naive_for_every_row_remainder);
  RUN(fast_ssim_equals_naive_on_unequal_sides_with_mask);
  return DONE();
}
