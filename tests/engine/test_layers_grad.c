// Gradient checks by central differences for every layer and loss other
// than the 3x3x3 convolution (tested with its kernels), plus the fast
// transposed convolution against its _ref.
#include <string.h>

#include "asl/status.h"
#include "gradcheck.h"
#include "harness.h"
#include "nn/layers.h"
#include "nn/loss.h"

enum { MAXN = 4096 };
static float X[MAXN], X2[MAXN], Wt[MAXN], B[64], OUT[MAXN], R[MAXN];
static float DX[MAXN], DX2[MAXN], DW[MAXN], DB[64], WS[8 * MAXN], AUXF[MAXN];
static uint8_t ARG[MAXN];
static int gN, gC, gCo, gD, gH, gW;

static void zero_grads(void) {
  memset(DX, 0, sizeof DX);
  memset(DX2, 0, sizeof DX2);
  memset(DW, 0, sizeof DW);
  memset(DB, 0, sizeof DB);
}

static void setup(uint64_t seed, int N, int C, int Co, int D, int H, int W) {
  asl_rng r;
  asl_rng_seed(&r, seed);
  gN = N, gC = C, gCo = Co, gD = D, gH = H, gW = W;
  gc_fill(X, MAXN, &r, 1.0);
  gc_fill(X2, MAXN, &r, 1.0);
  gc_fill(Wt, MAXN, &r, 0.5);
  gc_fill(B, 64, &r, 0.5);
  gc_fill(R, MAXN, &r, 1.0);
  zero_grads();
}

// ---- max-pooling -----------------------------------------------------------
static double pool_f(void *c) {
  (void)c;
  nn_maxpool3d_forward(OUT, ARG, X, gN, gC, gD, gH, gW);
  return gc_project(OUT, R, (size_t)gN * gC * gD * gH * gW / 8);
}

TEST(maxpool_gradient_matches_central_differences) {
  setup(1, 2, 3, 0, 4, 4, 6);
  size_t n = (size_t)gN * gC * gD * gH * gW;
  // Distinct values 0.01 apart so that no step of 1e-3 changes a winner.
  asl_rng r;
  asl_rng_seed(&r, 7);
  for (size_t i = 0; i < n; i++) X[i] = 0.01f * (float)i;
  for (size_t i = n - 1; i > 0; i--) {
    size_t j = asl_rng_below(&r, i + 1);
    float t = X[i]; X[i] = X[j]; X[j] = t;
  }
  pool_f(NULL);
  nn_maxpool3d_backward(DX, R, ARG, gN, gC, gD, gH, gW);
  ASSERT(gc_check(pool_f, NULL, X, n, DX, 1e-3, 400, 1e-2, "pool.dx") < 1e-2);
}

TEST(maxpool_ties_go_to_the_first_value) {
  float in[8] = {1, 3, 3, 0, 3, 0, 0, 0}, out[1];
  uint8_t arg[1];
  nn_maxpool3d_forward(out, arg, in, 1, 1, 2, 2, 2);
  ASSERT_EQ(1, arg[0]);
  ASSERT_NEAR(3.0, out[0], 0);
}

// ---- transposed convolution -----------------------------------------------
static double up_f(void *c) {
  (void)c;
  nn_upconv3d_forward(OUT, X, Wt, B, gN, gC, gCo, gD, gH, gW, WS);
  return gc_project(OUT, R, (size_t)gN * gCo * 8 * gD * gH * gW);
}

TEST(upconv_gradient_matches_central_differences) {
  setup(2, 2, 3, 4, 2, 3, 2);
  up_f(NULL);
  nn_upconv3d_backward(DX, DW, DB, R, X, Wt, gN, gC, gCo, gD, gH, gW, WS);
  size_t nx = (size_t)gN * gC * gD * gH * gW, nw = (size_t)gC * gCo * 8;
  ASSERT(gc_check(up_f, NULL, X, nx, DX, 1e-2, 200, 1e-2, "up.dx") < 1e-2);
  ASSERT(gc_check(up_f, NULL, Wt, nw, DW, 1e-2, 200, 1e-2, "up.dw") < 1e-2);
  ASSERT(gc_check(up_f, NULL, B, gCo, DB, 1e-2, 200, 1e-2, "up.db") < 1e-2);
}

TEST(upconv_fast_equals_ref) {
  // V = 2*40*16 = 1280 columns: more than one GEMM piece.
  setup(3, 1, 2, 3, 2, 40, 16);
  static float out_ref[8 * MAXN], out[8 * MAXN], dref[MAXN], dwr[MAXN], dbr[64];
  static float dout[8 * MAXN];
  size_t no = (size_t)gN * gCo * 8 * gD * gH * gW;
  asl_rng r;
  asl_rng_seed(&r, 4);
  gc_fill(dout, no, &r, 1.0);
  nn_upconv3d_forward_ref(out_ref, X, Wt, B, gN, gC, gCo, gD, gH, gW);
  nn_upconv3d_forward(out, X, Wt, B, gN, gC, gCo, gD, gH, gW, WS);
  for (size_t i = 0; i < no; i++) ASSERT_NEAR(out_ref[i], out[i], 1e-5);
  memset(dref, 0, sizeof dref), memset(dwr, 0, sizeof dwr), memset(dbr, 0, sizeof dbr);
  nn_upconv3d_backward_ref(dref, dwr, dbr, dout, X, Wt, gN, gC, gCo, gD, gH, gW);
  nn_upconv3d_backward(DX, DW, DB, dout, X, Wt, gN, gC, gCo, gD, gH, gW, WS);
  for (size_t i = 0; i < (size_t)gC * gD * gH * gW; i++) ASSERT_NEAR(dref[i], DX[i], 1e-4);
  for (int i = 0; i < gC * gCo * 8; i++) ASSERT_NEAR(dwr[i], DW[i], 1e-3 * fmax(1, fabs(dwr[i])));
  for (int i = 0; i < gCo; i++) ASSERT_NEAR(dbr[i], DB[i], 1e-3 * fmax(1, fabs(dbr[i])));
}

// ---- 1x1x1 convolution ----------------------------------------------------
static double c1_f(void *c) {
  (void)c;
  nn_conv1x1_forward(OUT, X, Wt, B, gN, gC, gCo, gD * gH * gW);
  return gc_project(OUT, R, (size_t)gN * gCo * gD * gH * gW);
}

TEST(conv1x1_gradient_matches_central_differences) {
  setup(5, 2, 3, 2, 2, 3, 4);
  c1_f(NULL);
  nn_conv1x1_backward(DX, DW, DB, R, X, Wt, gN, gC, gCo, gD * gH * gW);
  ASSERT(gc_check(c1_f, NULL, X, (size_t)gN * gC * 24, DX, 1e-2, 200, 1e-2, "c1.dx") < 1e-2);
  ASSERT(gc_check(c1_f, NULL, Wt, (size_t)gC * gCo, DW, 1e-2, 200, 1e-2, "c1.dw") < 1e-2);
  ASSERT(gc_check(c1_f, NULL, B, gCo, DB, 1e-2, 200, 1e-2, "c1.db") < 1e-2);
}

// ---- batch normalization ---------------------------------------------------
static float RM[64], RV[64], SM[64], SI[64];
static double bn_f(void *c) {
  (void)c;
  nn_batchnorm3d_forward_train(OUT, SM, SI, RM, RV, X, Wt, B, 0.1f, 1e-5f, gN,
                               gC, gD * gH * gW);
  return gc_project(OUT, R, (size_t)gN * gC * gD * gH * gW);
}

TEST(batchnorm_gradient_matches_central_differences) {
  setup(6, 3, 2, 0, 2, 2, 3);
  bn_f(NULL);
  nn_batchnorm3d_backward(DX, DW, DB, R, X, SM, SI, Wt, gN, gC, gD * gH * gW);
  ASSERT(gc_check(bn_f, NULL, X, (size_t)gN * gC * 12, DX, 1e-2, 200, 1e-1, "bn.dx") < 2e-2);
  ASSERT(gc_check(bn_f, NULL, Wt, gC, DW, 1e-2, 200, 1e-2, "bn.dgamma") < 1e-2);
  ASSERT(gc_check(bn_f, NULL, B, gC, DB, 1e-2, 200, 1e-2, "bn.dbeta") < 1e-2);
}

TEST(batchnorm_updates_running_stats_with_unbiased_variance) {
  float in[8] = {1, 2, 3, 4, 5, 6, 7, 8}, out[8], g[1] = {1}, b[1] = {0};
  float rm[1] = {0}, rv[1] = {1}, sm[1], si[1];
  nn_batchnorm3d_forward_train(out, sm, si, rm, rv, in, g, b, 0.1f, 1e-5f, 2, 1, 4);
  ASSERT_NEAR(0.45, rm[0], 1e-6);            // 0.1 * mean 4.5
  ASSERT_NEAR(0.9 + 0.1 * 6.0, rv[0], 1e-6); // unbiased var 42/7 = 6
  ASSERT_NEAR(1.0 / sqrt(5.25 + 1e-5), si[0], 1e-6);
  nn_batchnorm3d_forward_eval(out, in, g, b, rm, rv, 1e-5f, 2, 1, 4);
  ASSERT_NEAR((1 - 0.45) / sqrt(1.5 + 1e-5), out[0], 1e-5);
}

// ---- element-wise ----------------------------------------------------------
static size_t gn;
static double relu_f(void *c) {
  (void)c;
  nn_relu_forward(OUT, X, gn);
  return gc_project(OUT, R, gn);
}

TEST(relu_gradient_matches_central_differences) {
  setup(7, 0, 0, 0, 0, 0, 0);
  gn = 500;
  for (size_t i = 0; i < gn; i++) X[i] += X[i] > 0 ? 0.05f : -0.05f; // off the kink
  relu_f(NULL);
  nn_relu_backward(DX, R, OUT, gn);
  ASSERT(gc_check(relu_f, NULL, X, gn, DX, 1e-2, 500, 1e-2, "relu") < 1e-2);
}

static double drop_f(void *c) {
  (void)c;
  asl_rng r;
  asl_rng_seed(&r, 99); // the same mask every call
  nn_dropout_forward(OUT, AUXF, X, 0.3f, gn, &r);
  return gc_project(OUT, R, gn);
}

TEST(dropout_gradient_and_scaling) {
  setup(8, 0, 0, 0, 0, 0, 0);
  gn = 4000;
  drop_f(NULL);
  size_t zeros = 0;
  for (size_t i = 0; i < gn; i++) {
    if (AUXF[i] == 0.0f) zeros++;
    else ASSERT_NEAR(X[i] / 0.7, OUT[i], 1e-6);
  }
  ASSERT(zeros > 1000 && zeros < 1400); // p = 0.3 of 4000
  nn_dropout_backward(DX, R, AUXF, gn);
  ASSERT(gc_check(drop_f, NULL, X, gn, DX, 1e-2, 300, 1e-2, "dropout") < 1e-2);
}

static double addcat_f(void *c) {
  (void)c;
  // out = concat(a + b, b) with a: (2, 2, 5), b: (2, 2, 5)
  nn_add_forward(WS, X, X2, 20);
  nn_concat_forward(OUT, WS, X2, 2, 2, 2, 5);
  return gc_project(OUT, R, 40);
}

TEST(add_and_concat_gradients_match_central_differences) {
  setup(9, 0, 0, 0, 0, 0, 0);
  addcat_f(NULL);
  static float dsum[20];
  memset(dsum, 0, sizeof dsum);
  nn_concat_backward(dsum, DX2, R, 2, 2, 2, 5);
  nn_add_backward(DX, DX2, dsum, 20);
  ASSERT(gc_check(addcat_f, NULL, X, 20, DX, 1e-2, 20, 1e-2, "add.a") < 1e-2);
  ASSERT(gc_check(addcat_f, NULL, X2, 20, DX2, 1e-2, 20, 1e-2, "add.b") < 1e-2);
  ASSERT_NEAR(X2[7], OUT[(0 * 4 + 3) * 5 + 2], 0); // sample 0, channel 2+1
}

// ---- losses ----------------------------------------------------------------
static int gloss;
static double loss_f(void *c) {
  (void)c;
  size_t n = (size_t)gN * gD * gH * gW;
  if (gloss == 0) return nn_l1_loss_forward(X, X2, AUXF, n);
  if (gloss == 1) return nn_mse_loss_forward(X, X2, AUXF, n);
  return nn_ssim_loss_forward(X, X2, AUXF, gN, gD, gH, gW, WS);
}

static void check_loss(int which, double tol) {
  setup(10 + which, 2, 1, 0, 4, 5, 6);
  size_t n = (size_t)gN * gD * gH * gW;
  asl_rng r;
  asl_rng_seed(&r, 11);
  for (size_t i = 0; i < n; i++) {
    AUXF[i] = asl_rng_uniform(&r) < 0.2 ? 0.0f : 1.0f; // a padding mask
    X2[i] = 1.0f + 0.5f * X2[i];
    X[i] = X2[i] + 0.3f * X[i];
    if (fabsf(X[i] - X2[i]) < 0.03f) X[i] += 0.05f; // away from |e| kink
  }
  gloss = which;
  if (which == 0) nn_l1_loss_backward(DX, X, X2, AUXF, n, 1.0f);
  if (which == 1) nn_mse_loss_backward(DX, X, X2, AUXF, n, 1.0f);
  if (which == 2) nn_ssim_loss_backward(DX, X, X2, AUXF, gN, gD, gH, gW, 1.0f, WS);
  ASSERT(gc_check(loss_f, NULL, X, n, DX, 1e-3, 240, 1e-3, "loss") < tol);
}

TEST(l1_loss_gradient_matches_central_differences) { check_loss(0, 1e-2); }
TEST(mse_loss_gradient_matches_central_differences) { check_loss(1, 1e-2); }
TEST(ssim_loss_gradient_matches_central_differences) { check_loss(2, 3e-2); }

TEST(weighted_losses_average_over_weighted_voxels) {
  float p[4] = {1, 2, 3, 4}, y[4] = {0, 0, 0, 0}, w[4] = {1, 0, 1, 0};
  ASSERT_NEAR(2.0, nn_l1_loss_forward(p, y, w, 4), 1e-12);
  ASSERT_NEAR(5.0, nn_mse_loss_forward(p, y, w, 4), 1e-12);
  ASSERT_NEAR(2.5, nn_l1_loss_forward(p, y, NULL, 4), 1e-12);
  float z[4] = {0};
  ASSERT_NEAR(0.0, nn_l1_loss_forward(p, y, z, 4), 0);
}

TEST(ssim_loss_is_zero_for_identical_volumes) {
  setup(20, 1, 1, 0, 4, 6, 6);
  for (int i = 0; i < 144; i++) X2[i] = X[i];
  ASSERT_NEAR(0.0, nn_ssim_loss_forward(X, X2, NULL, 1, 4, 6, 6, WS), 1e-6);
  for (int i = 0; i < 144; i++) X2[i] = X[i] + 0.5f * X2[(i * 7) % 144];
  ASSERT(nn_ssim_loss_forward(X, X2, NULL, 1, 4, 6, 6, WS) > 0.05);
}

int main(void) {
  RUN(maxpool_gradient_matches_central_differences);
  RUN(maxpool_ties_go_to_the_first_value);
  RUN(upconv_gradient_matches_central_differences);
  RUN(upconv_fast_equals_ref);
  RUN(conv1x1_gradient_matches_central_differences);
  RUN(batchnorm_gradient_matches_central_differences);
  RUN(batchnorm_updates_running_stats_with_unbiased_variance);
  RUN(relu_gradient_matches_central_differences);
  RUN(dropout_gradient_and_scaling);
  RUN(add_and_concat_gradients_match_central_differences);
  RUN(l1_loss_gradient_matches_central_differences);
  RUN(mse_loss_gradient_matches_central_differences);
  RUN(ssim_loss_gradient_matches_central_differences);
  RUN(weighted_losses_average_over_weighted_voxels);
  RUN(ssim_loss_is_zero_for_identical_volumes);
  return DONE();
}
