// Gradient checks by central differences for the transformer layers
// (nn/transformer.h): linear, LayerNorm, GELU, attention (with its softmax)
// and the 3D patch embedding's patchify/unpatchify pair.
#include <string.h>

#include "asl/status.h"
#include "gradcheck.h"
#include "harness.h"
#include "nn/transformer.h"

enum { MAXN = 8192 };
static float X[MAXN], Wt[MAXN], B[256], OUT[MAXN], R[MAXN], AUX[MAXN];
static float MEAN[512], RSTD[512];
static float DX[MAXN], DW[MAXN], DB[256], WS[MAXN];
static int gM, gK, gN, gT, gH, gDh;

static void setup(uint64_t seed) {
  asl_rng r;
  asl_rng_seed(&r, seed);
  gc_fill(X, MAXN, &r, 1.0);
  gc_fill(Wt, MAXN, &r, 0.5);
  gc_fill(B, 256, &r, 0.5);
  gc_fill(R, MAXN, &r, 1.0);
  memset(DX, 0, sizeof DX);
  memset(DW, 0, sizeof DW);
  memset(DB, 0, sizeof DB);
}

// ---- linear ------------------------------------------------------------------
static double linear_f(void *c) {
  (void)c;
  nn_linear_forward(OUT, X, Wt, B, gM, gK, gN);
  return gc_project(OUT, R, (size_t)gM * gN);
}

TEST(linear_gradient_matches_central_differences) {
  setup(1);
  gM = 7, gK = 5, gN = 6;
  linear_f(NULL);
  nn_linear_backward(DX, DW, DB, R, X, Wt, gM, gK, gN);
  ASSERT(gc_check(linear_f, NULL, X, gM * gK, DX, 1e-2, 100, 1e-2, "lin.dx") < 1e-3);
  ASSERT(gc_check(linear_f, NULL, Wt, gN * gK, DW, 1e-2, 100, 1e-2, "lin.dw") < 1e-3);
  ASSERT(gc_check(linear_f, NULL, B, gN, DB, 1e-2, 100, 1e-2, "lin.db") < 1e-3);
}

// Above the size where the rows are split over the OpenMP team: forward
// and both gradients equal sums done in double.
TEST(linear_split_over_threads_matches_naive_sums) {
  enum { M = 400, K = 80, N = 80 }; // 2.56 M multiply-adds: a team runs
  static float x[M * K], w[N * K], b[N], o[M * N], d[M * N], dx[M * K], dw[N * K], db[N];
  asl_rng r;
  asl_rng_seed(&r, 2);
  gc_fill(x, M * K, &r, 1.0), gc_fill(w, N * K, &r, 1.0);
  gc_fill(b, N, &r, 1.0), gc_fill(d, M * N, &r, 1.0);
  nn_linear_forward(o, x, w, b, M, K, N);
  nn_linear_backward(dx, dw, db, d, x, w, M, K, N);
  for (int i = 0; i < M; i += 7)
    for (int j = 0; j < N; j++) {
      double s = b[j];
      for (int k = 0; k < K; k++) s += (double)x[i * K + k] * w[j * K + k];
      ASSERT_NEAR(s, o[i * N + j], 1e-4);
    }
  for (int j = 0; j < N; j += 3)
    for (int k = 0; k < K; k++) {
      double s = 0;
      for (int i = 0; i < M; i++) s += (double)d[i * N + j] * x[i * K + k];
      ASSERT_NEAR(s, dw[j * K + k], 1e-3);
    }
  for (int i = 0; i < M; i += 11)
    for (int k = 0; k < K; k++) {
      double s = 0;
      for (int j = 0; j < N; j++) s += (double)d[i * N + j] * w[j * K + k];
      ASSERT_NEAR(s, dx[i * K + k], 1e-4);
    }
}

// ---- LayerNorm -----------------------------------------------------------
static double ln_f(void *c) {
  (void)c;
  nn_layernorm_forward(OUT, MEAN, RSTD, X, Wt, B, gM, gK, 1e-5f);
  return gc_project(OUT, R, (size_t)gM * gK);
}

TEST(layernorm_gradient_matches_central_differences) {
  setup(3);
  gM = 6, gK = 10;
  for (int i = 0; i < gK; i++) Wt[i] += 1.0f; // gamma around 1
  ln_f(NULL);
  nn_layernorm_backward(DX, DW, DB, R, X, MEAN, RSTD, Wt, gM, gK);
  ASSERT(gc_check(ln_f, NULL, X, gM * gK, DX, 1e-2, 100, 1e-2, "ln.dx") < 1e-2);
  ASSERT(gc_check(ln_f, NULL, Wt, gK, DW, 1e-2, 100, 1e-2, "ln.dgamma") < 1e-3);
  ASSERT(gc_check(ln_f, NULL, B, gK, DB, 1e-2, 100, 1e-2, "ln.dbeta") < 1e-3);
}

TEST(layernorm_rows_have_zero_mean_unit_variance) {
  setup(4);
  float g[16], b[16] = {0};
  for (int i = 0; i < 16; i++) g[i] = 1.0f, X[i] = 100.0f + 0.001f * i * i;
  nn_layernorm_forward(OUT, MEAN, RSTD, X, g, b, 1, 16, 1e-5f);
  double s = 0, q = 0;
  for (int i = 0; i < 16; i++) s += OUT[i], q += (double)OUT[i] * OUT[i];
  ASSERT_NEAR(0.0, s / 16, 1e-4);
  ASSERT_NEAR(1.0, q / 16, 2e-2); // eps 1e-5 against a variance of ~0.005
}

// ---- GELU ------------------------------------------------------------------
static double gelu_f(void *c) {
  (void)c;
  nn_gelu_forward(OUT, X, (size_t)gM);
  return gc_project(OUT, R, (size_t)gM);
}

TEST(gelu_gradient_matches_central_differences) {
  setup(5);
  gM = 200;
  for (int i = 0; i < gM; i++) X[i] *= 4.0f;
  gelu_f(NULL);
  nn_gelu_backward(DX, R, X, (size_t)gM);
  ASSERT(gc_check(gelu_f, NULL, X, gM, DX, 1e-2, 200, 1e-2, "gelu.dx") < 1e-3);
  float v[3] = {-1.0f, 0.0f, 1.0f}, o[3];
  nn_gelu_forward(o, v, 3);
  ASSERT_NEAR(-0.158655254, o[0], 1e-6); // -Phi(-1)
  ASSERT_NEAR(0.0, o[1], 0);
  ASSERT_NEAR(0.841344746, o[2], 1e-6);
}

// ---- attention ----------------------------------------------------------------
static double att_f(void *c) {
  (void)c;
  nn_attention_forward(OUT, AUX, X, gN, gT, gH, gDh);
  return gc_project(OUT, R, (size_t)gN * gT * gH * gDh);
}

TEST(attention_gradient_matches_central_differences) {
  setup(6);
  gN = 2, gT = 7, gH = 3, gDh = 4;
  for (int i = 0; i < MAXN; i++) X[i] *= 2.0f; // peaked softmax rows
  att_f(NULL);
  nn_attention_backward(DX, R, X, AUX, gN, gT, gH, gDh, WS);
  const int n = gN * gT * 3 * gH * gDh;
  ASSERT(gc_check(att_f, NULL, X, n, DX, 1e-2, 600, 1e-2, "att.dqkv") < 1e-2);
}

TEST(attention_rows_are_probabilities) {
  setup(7);
  gN = 1, gT = 9, gH = 2, gDh = 3;
  att_f(NULL);
  for (int h = 0; h < gH; h++)
    for (int i = 0; i < gT; i++) {
      double s = 0;
      for (int j = 0; j < gT; j++) {
        float p = AUX[(h * gT + i) * gT + j];
        ASSERT(p > 0.0f && p < 1.0f);
        s += p;
      }
      ASSERT_NEAR(1.0, s, 1e-6);
    }
}

// Scores hundreds apart: most probabilities underflow to 0, none is NaN,
// rows still sum to 1 and the winner of each row gets (almost) all.
TEST(attention_survives_very_peaked_scores) {
  setup(9);
  gN = 1, gT = 16, gH = 1, gDh = 8;
  for (int i = 0; i < gT * 3 * gDh; i++) X[i] *= 40.0f;
  att_f(NULL);
  for (int i = 0; i < gT; i++) {
    double s = 0, mx = 0;
    for (int j = 0; j < gT; j++) {
      float p = AUX[i * gT + j];
      ASSERT(p >= 0.0f && p <= 1.0f);
      s += p;
      mx = p > mx ? p : mx;
    }
    ASSERT_NEAR(1.0, s, 1e-6);
    ASSERT(mx > 0.5);
  }
}

// ---- patches ----------------------------------------------------------------
TEST(patchify_then_unpatchify_is_the_identity) {
  setup(8);
  enum { N = 2, C = 2, D = 4, H = 6, W = 8 };
  const size_t n = (size_t)N * C * D * H * W;
  memset(OUT, 0, n * sizeof(float));
  nn_patchify3d(AUX, X, N, C, D, H, W, 2, 3, 4);
  nn_unpatchify3d_add(OUT, AUX, N, C, D, H, W, 2, 3, 4);
  for (size_t i = 0; i < n; i++) ASSERT_NEAR(X[i], OUT[i], 0);
  // Token 1 (grid x = 1) of volume 0 starts at voxel (c0, z0, y0, x4), and
  // its second row entry is (c0, z0, y0, x5).
  const int P = C * 2 * 3 * 4;
  ASSERT_NEAR(X[4], AUX[P], 0);
  ASSERT_NEAR(X[5], AUX[P + 1], 0);
  // Entry (c1, dz0, dy0, dx0) of token 0 is channel 1's first voxel.
  ASSERT_NEAR(X[D * H * W], AUX[2 * 3 * 4], 0);
}

int main(void) {
  RUN(linear_gradient_matches_central_differences);
  RUN(linear_split_over_threads_matches_naive_sums);
  RUN(layernorm_gradient_matches_central_differences);
  RUN(layernorm_rows_have_zero_mean_unit_variance);
  RUN(gelu_gradient_matches_central_differences);
  RUN(attention_gradient_matches_central_differences);
  RUN(attention_rows_are_probabilities);
  RUN(attention_survives_very_peaked_scores);
  RUN(patchify_then_unpatchify_is_the_identity);
  return DONE();
}
