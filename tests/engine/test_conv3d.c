// The 3x3x3 convolution: the reference against hand-computed cases and
// central differences, the fast kernels against the reference on odd shapes
// in both directions, and bitwise determinism across thread counts.
#include <omp.h>
#include <stdlib.h>

#include "asl/rng.h"
#include "conv_data.h"
#include "harness.h"
#include "nn/conv3d.h"

static float *ws_for(int N, int Ci, int Co, int D, int H, int W) {
  size_t n = nn_conv3d_workspace_floats(N, Ci, Co, D, H, W, omp_get_max_threads());
  float *ws = aligned_alloc(64, (n * sizeof(float) + 63) / 64 * 64);
  // Poison the workspace: the kernels must not depend on its contents.
  for (size_t i = 0; i < n; i++) ws[i] = 1e30f;
  return ws;
}

// Element-wise |a - b| <= tol * (1 + |b|).
static void assert_close(const float *a, const float *b, size_t n, double tol) {
  for (size_t i = 0; i < n; i++)
    if (!(fabs((double)a[i] - b[i]) <= tol * (1.0 + fabs((double)b[i]))))
      HARNESS_FAIL("element %zu: %.9g vs reference %.9g", i, a[i], b[i]);
}

// All-ones 3x3x3 input and weights: each output counts its in-bounds
// neighbours, (2 or 3 per axis) multiplied, plus the bias.
TEST(ref_forward_counts_in_bounds_neighbours) {
  float in[27], w[27], out[27], b = 0.5f;
  for (int i = 0; i < 27; i++) in[i] = w[i] = 1.0f;
  nn_conv3d_forward_ref(out, in, w, &b, 1, 1, 1, 3, 3, 3);
  for (int z = 0; z < 3; z++)
    for (int y = 0; y < 3; y++)
      for (int x = 0; x < 3; x++) {
        int nz = z == 1 ? 3 : 2, ny = y == 1 ? 3 : 2, nx = x == 1 ? 3 : 2;
        ASSERT_NEAR(nz * ny * nx + 0.5, out[(z * 3 + y) * 3 + x], 0);
      }
}

// A single tap at (dz, dy, dx) = (+1, 0, -1) is cross-correlation: out(z, y,
// x) = in(z + 1, y, x - 1), zero where that falls outside.
TEST(ref_forward_single_tap_shifts_input) {
  enum { D = 3, H = 4, W = 5 };
  float in[D * H * W], w[27] = {0}, out[D * H * W];
  for (int i = 0; i < D * H * W; i++) in[i] = (float)(i + 1);
  w[2 * 9 + 1 * 3 + 0] = 2.0f;
  nn_conv3d_forward_ref(out, in, w, NULL, 1, 1, 1, D, H, W);
  for (int z = 0; z < D; z++)
    for (int y = 0; y < H; y++)
      for (int x = 0; x < W; x++) {
        float want = (z + 1 < D && x >= 1) ? 2.0f * in[((z + 1) * H + y) * W + x - 1] : 0.0f;
        ASSERT_NEAR(want, out[(z * H + y) * W + x], 0);
      }
}

// L = sum(out * G) is linear in w, in and b, so central differences are
// exact up to the float rounding of out: the reference backward must match.
TEST(ref_backward_matches_central_differences) {
  enum { N = 2, Ci = 2, Co = 3, D = 3, H = 4, W = 3 };
  size_t ni = (size_t)N * Ci * D * H * W, no = (size_t)N * Co * D * H * W;
  float *in = rand_buf(ni, 1), *w = rand_buf(Co * Ci * 27, 2), *b = rand_buf(Co, 3);
  float *g = rand_buf(no, 4), *out = malloc(no * sizeof(float));
  float *din = calloc(ni, sizeof(float)), *dw = calloc(Co * Ci * 27, sizeof(float));
  float *db = calloc(Co, sizeof(float));
  nn_conv3d_backward_ref(din, dw, db, g, in, w, N, Ci, Co, D, H, W);
  float *params[3] = {in, w, b}, *grads[3] = {din, dw, db};
  size_t counts[3] = {ni, (size_t)Co * Ci * 27, Co};
  for (int which = 0; which < 3; which++)
    for (size_t i = 0; i < counts[which]; i += 7) {
      double loss[2];
      float keep = params[which][i];
      for (int s = 0; s < 2; s++) {
        params[which][i] = keep + (s ? -0.5f : 0.5f);
        nn_conv3d_forward_ref(out, in, w, b, N, Ci, Co, D, H, W);
        loss[s] = 0.0;
        for (size_t j = 0; j < no; j++) loss[s] += (double)out[j] * g[j];
      }
      params[which][i] = keep;
      ASSERT_NEAR(loss[0] - loss[1], grads[which][i], 1e-4);
    }
  free(in), free(w), free(b), free(g), free(out), free(din), free(dw), free(db);
}

// Fast forward and backward against the reference on one shape; backward
// accumulates onto nonzero gradients, optionally without din or db.
static void check_shape(int N, int Ci, int Co, int D, int H, int W, int with_din,
                        int with_db) {
  size_t ni = (size_t)N * Ci * D * H * W, no = (size_t)N * Co * D * H * W;
  size_t nw = (size_t)Co * Ci * 27;
  float *in = rand_buf(ni, 11), *w = rand_buf(nw, 12), *b = rand_buf(Co, 13);
  float *g = rand_buf(no, 14), *ws = ws_for(N, Ci, Co, D, H, W);
  float *o1 = malloc(no * sizeof(float)), *o2 = malloc(no * sizeof(float));
  nn_conv3d_forward_ref(o1, in, w, b, N, Ci, Co, D, H, W);
  nn_conv3d_forward(o2, in, w, b, N, Ci, Co, D, H, W, ws);
  assert_close(o2, o1, no, 1e-4);
  float *din1 = rand_buf(ni, 15), *din2 = rand_buf(ni, 15);
  float *dw1 = rand_buf(nw, 16), *dw2 = rand_buf(nw, 16);
  float *db1 = rand_buf(Co, 17), *db2 = rand_buf(Co, 17);
  nn_conv3d_backward_ref(with_din ? din1 : NULL, dw1, with_db ? db1 : NULL, g, in,
                         w, N, Ci, Co, D, H, W);
  nn_conv3d_backward(with_din ? din2 : NULL, dw2, with_db ? db2 : NULL, g, in, w,
                     N, Ci, Co, D, H, W, ws);
  assert_close(din2, din1, ni, 1e-4);
  assert_close(dw2, dw1, nw, 1e-4);
  assert_close(db2, db1, Co, 1e-4);
  free(in), free(w), free(b), free(g), free(ws), free(o1), free(o2);
  free(din1), free(din2), free(dw1), free(dw2), free(db1), free(db2);
}

// Grids whose padding adds less than 2x work run the padded layout, the
// others im2col: the list covers both.
TEST(fast_matches_ref_on_odd_shapes) {
  check_shape(2, 3, 10, 7, 9, 11, 1, 1);   // padded
  check_shape(1, 5, 13, 9, 10, 12, 1, 1);  // padded
  check_shape(1, 3, 5, 5, 7, 9, 1, 1);     // im2col from here on
  check_shape(2, 2, 16, 4, 6, 5, 1, 1);
  check_shape(3, 17, 9, 3, 3, 3, 1, 1);
  check_shape(1, 1, 1, 1, 1, 1, 1, 1);
  check_shape(2, 9, 11, 1, 5, 2, 1, 1);
}

TEST(fast_backward_skips_null_din_and_db) {
  check_shape(2, 5, 7, 3, 5, 4, 0, 0);
  check_shape(1, 4, 3, 2, 3, 7, 1, 0);
}

// A U-Net-like shape: channel counts that fill the register tiles exactly.
TEST(fast_matches_ref_on_unet_shape) { check_shape(2, 16, 16, 6, 12, 16, 1, 1); }

// Every output element is summed by one thread in a fixed order, so the
// team size does not change a single bit.
static void check_deterministic(int N, int Ci, int Co, int D, int H, int W) {
  size_t ni = (size_t)N * Ci * D * H * W, no = (size_t)N * Co * D * H * W;
  size_t nw = (size_t)Co * Ci * 27;
  float *in = rand_buf(ni, 21), *w = rand_buf(nw, 22), *g = rand_buf(no, 23);
  float *out[2], *din[2], *dw[2], *db[2];
  int saved = omp_get_max_threads();
  for (int run = 0; run < 2; run++) {
    omp_set_num_threads(run ? 3 : 1);
    float *ws = ws_for(N, Ci, Co, D, H, W);
    out[run] = malloc(no * sizeof(float));
    din[run] = calloc(ni, sizeof(float)), dw[run] = calloc(nw, sizeof(float));
    db[run] = calloc(Co, sizeof(float));
    nn_conv3d_forward(out[run], in, w, NULL, N, Ci, Co, D, H, W, ws);
    nn_conv3d_backward(din[run], dw[run], db[run], g, in, w, N, Ci, Co, D, H, W, ws);
    free(ws);
  }
  omp_set_num_threads(saved);
  ASSERT(memcmp(out[0], out[1], no * sizeof(float)) == 0);
  ASSERT(memcmp(din[0], din[1], ni * sizeof(float)) == 0);
  ASSERT(memcmp(dw[0], dw[1], nw * sizeof(float)) == 0);
  ASSERT(memcmp(db[0], db[1], Co * sizeof(float)) == 0);
  for (int run = 0; run < 2; run++) free(out[run]), free(din[run]), free(dw[run]), free(db[run]);
  free(in), free(w), free(g);
}

TEST(fast_is_bitwise_identical_across_thread_counts) {
  check_deterministic(2, 7, 10, 8, 9, 11);  // padded
  check_deterministic(2, 7, 10, 5, 9, 11);  // im2col
}

int main(void) {
  RUN(ref_forward_counts_in_bounds_neighbours);
  RUN(ref_forward_single_tap_shifts_input);
  RUN(ref_backward_matches_central_differences);
  RUN(fast_matches_ref_on_odd_shapes);
  RUN(fast_backward_skips_null_din_and_db);
  RUN(fast_matches_ref_on_unet_shape);
  RUN(fast_is_bitwise_identical_across_thread_counts);
  return DONE();
}
