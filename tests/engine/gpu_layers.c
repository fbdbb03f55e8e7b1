// Every CUDA layer against the CPU engine's layer on random data, forward
// and backward: cuDNN convolutions (3x3x3, 1x1x1, the 2x2x2
// up-convolution), BN+ReLU, max-pooling, dropout, residual add, the loss
// sums and gradients, and Adam. Element-wise results must match bitwise
// where the CPU's float expression is evaluated the same way; sums within
// float rounding. Skips (exit 77) without a CUDA device.
#include <cuda_runtime_api.h>
#include <cudnn.h>
#include <stdlib.h>
#include <string.h>

#include "cuda_conv.h"
#include "cuda_layers.h"
#include "fixture.h"
#include "gpu_skip.h"
#include "harness.h"
#include "nn/conv3d.h"
#include "nn/layers.h"
#include "nn/loss.h"
#include "nn/optim.h"

static asl_rng rng;
static cudnnHandle_t dnn;

static float *host_rand(size_t n, float lo, float hi) {
  float *a = malloc(n * sizeof(float));
  for (size_t i = 0; i < n; i++) a[i] = lo + (hi - lo) * (float)asl_rng_uniform(&rng);
  return a;
}

static void *dev_copy(const void *h, size_t bytes) {
  void *d = NULL;
  if (cudaMalloc(&d, bytes) != cudaSuccess) return NULL;
  if (h) cudaMemcpy(d, h, bytes, cudaMemcpyHostToDevice);
  else cudaMemset(d, 0, bytes);
  return d;
}

static float *dev_f(const float *h, size_t n) { return dev_copy(h, n * sizeof(float)); }

static float *down(const float *d, size_t n) {
  float *h = malloc(n * sizeof(float));
  cudaDeviceSynchronize();
  cudaMemcpy(h, d, n * sizeof(float), cudaMemcpyDeviceToHost);
  return h;
}

// Fails the test when the device copy d differs from the host h.
static void expect_close(const char *what, const float *d, const float *h,
                         size_t n, double atol, double rtol) {
  float *g = down(d, n);
  double e = fx_err(g, h, n, atol, rtol);
  free(g);
  if (e > 1) HARNESS_FAIL("%s: CUDA differs from the CPU (%g x tol)", what, e);
}

// in: (N, Ci, D, H, W), w: (Co, Ci, 3, 3, 3) and (Co, Ci) for 1x1x1.
static void conv_case(int k, int N, int Ci, int Co, int D, int H, int W) {
  const size_t V = (size_t)D * H * W, ni = N * Ci * V, no = N * Co * V;
  const size_t nw = (size_t)Co * Ci * k * k * k;
  float *x = host_rand(ni, -1, 1), *w = host_rand(nw, -0.3f, 0.3f), *dy = host_rand(no, -1, 1);
  float *y = calloc(no, 4), *dx = calloc(ni, 4), *dw = calloc(nw, 4), *db = calloc(Co, 4);
  if (k == 3) {
    nn_conv3d_forward_ref(y, x, w, NULL, N, Ci, Co, D, H, W);
    nn_conv3d_backward_ref(dx, dw, NULL, dy, x, w, N, Ci, Co, D, H, W);
  } else {
    nn_conv1x1_forward(y, x, w, NULL, N, Ci, Co, (int)V);
    nn_conv1x1_backward(dx, dw, db, dy, x, w, N, Ci, Co, (int)V);
  }
  nn_cuda_conv c = {0};
  nn_cuda_conv_shape s = {.N = N, .ci = Ci, .co = Co, .k = k, .stride = 1,
                          .pad = k / 2, .d = D, .h = H, .w = W,
                          .deterministic = 1, .train = 1};
  ASSERT_OK(nn_cuda_conv_setup(&c, dnn, &s));
  void *ws = dev_copy(NULL, c.ws_bytes ? c.ws_bytes : 1);
  float *gx = dev_f(x, ni), *gw = dev_f(w, nw), *gy = dev_f(NULL, no), *gdy = dev_f(dy, no);
  float *gdx = dev_f(NULL, ni), *gdw = dev_f(NULL, nw);
  ASSERT_OK(nn_cuda_conv_forward(&c, dnn, gy, gx, gw, ws, c.ws_bytes, 0.0f));
  ASSERT_OK(nn_cuda_conv_backward_data(&c, dnn, gdx, gdy, gw, ws, c.ws_bytes, 1.0f));
  ASSERT_OK(nn_cuda_conv_backward_filter(&c, dnn, gdw, gx, gdy, ws, c.ws_bytes, 1.0f));
  expect_close("conv forward", gy, y, no, 1e-5, 1e-4);
  expect_close("conv data gradient", gdx, dx, ni, 1e-5, 1e-4);
  expect_close("conv filter gradient", gdw, dw, nw, 1e-4, 1e-4);
  nn_cuda_conv_free(&c);
  cudaFree(ws), cudaFree(gx), cudaFree(gw), cudaFree(gy), cudaFree(gdy), cudaFree(gdx), cudaFree(gdw);
  free(x), free(w), free(dy), free(y), free(dx), free(dw), free(db);
}

TEST(cuda_conv3x3x3_matches_cpu) {
  conv_case(3, 2, 3, 5, 6, 8, 10);
  conv_case(3, 1, 16, 16, 8, 8, 8);
}

TEST(cuda_conv1x1x1_matches_cpu) { conv_case(1, 2, 8, 1, 4, 6, 8); }

// The up-convolution as the U-Net runs it: the data gradient of a stride-2
// convolution (weights (Ci, Co, 2, 2, 2) read as K = Ci, C = Co), plus bias.
TEST(cuda_upconv_matches_cpu) {
  const int N = 2, Ci = 6, Co = 3, D = 3, H = 4, W = 5;
  const size_t vi = (size_t)D * H * W, vo = 8 * vi, ni = N * Ci * vi, no = N * Co * vo;
  const size_t nw = (size_t)Ci * Co * 8;
  float *x = host_rand(ni, -1, 1), *w = host_rand(nw, -0.5f, 0.5f), *b = host_rand(Co, -1, 1);
  float *dy = host_rand(no, -1, 1), *y = calloc(no, 4), *dx = calloc(ni, 4);
  float *dw = calloc(nw, 4), *db = calloc(Co, 4);
  nn_upconv3d_forward_ref(y, x, w, b, N, Ci, Co, D, H, W);
  nn_upconv3d_backward_ref(dx, dw, db, dy, x, w, N, Ci, Co, D, H, W);
  nn_cuda_conv c = {0};
  nn_cuda_conv_shape s = {.N = N, .ci = Co, .co = Ci, .k = 2, .stride = 2,
                          .pad = 0, .d = 2 * D, .h = 2 * H, .w = 2 * W,
                          .deterministic = 1, .train = 1};
  ASSERT_OK(nn_cuda_conv_setup(&c, dnn, &s));
  void *ws = dev_copy(NULL, c.ws_bytes ? c.ws_bytes : 1);
  float *gx = dev_f(x, ni), *gw = dev_f(w, nw), *gb = dev_f(b, Co), *gup = dev_f(NULL, no);
  float *gy = dev_f(NULL, no), *gdy = dev_f(dy, no), *gdx = dev_f(NULL, ni);
  float *gdw = dev_f(NULL, nw), *gdb = dev_f(NULL, Co);
  double *red = dev_copy(NULL, nn_cu_chansum_scratch(N, Co, (int)vo) * sizeof(double));
  ASSERT_OK(nn_cuda_conv_backward_data(&c, dnn, gup, gx, gw, ws, c.ws_bytes, 0.0f));
  nn_cu_upcat_forward(gy, gup, gb, NULL, N, Co, 0, vo, 0);
  expect_close("up-convolution forward", gy, y, no, 1e-5, 1e-4);
  nn_cu_upcat_backward(gup, NULL, gdy, N, Co, 0, vo, 0);
  nn_cu_bias_backward(gdb, gup, N, Co, (int)vo, red, 0);
  ASSERT_OK(nn_cuda_conv_forward(&c, dnn, gdx, gup, gw, ws, c.ws_bytes, 1.0f));
  ASSERT_OK(nn_cuda_conv_backward_filter(&c, dnn, gdw, gup, gx, ws, c.ws_bytes, 1.0f));
  expect_close("up-convolution data gradient", gdx, dx, ni, 1e-5, 1e-4);
  expect_close("up-convolution filter gradient", gdw, dw, nw, 1e-4, 1e-4);
  expect_close("up-convolution bias gradient", gdb, db, Co, 1e-4, 1e-5);
  nn_cuda_conv_free(&c);
  cudaFree(ws), cudaFree(gx), cudaFree(gw), cudaFree(gb), cudaFree(gup), cudaFree(gy);
  cudaFree(gdy), cudaFree(gdx), cudaFree(gdw), cudaFree(gdb), cudaFree(red);
  free(x), free(w), free(b), free(dy), free(y), free(dx), free(dw), free(db);
}

TEST(cuda_bnrelu_matches_cpu) {
  const int N = 3, C = 5, V = 17 * 33 * 41; // 3 chunks per channel
  const size_t n = (size_t)N * C * V;
  float *x = host_rand(n, -2, 3), *g = host_rand(C, 0.5f, 1.5f), *b = host_rand(C, -0.5f, 0.5f);
  float *dy = host_rand(n, -1, 1), rm[5] = {0.1f, 0, 0, 0, 0}, rv[5] = {1, 1, 2, 1, 1};
  float *y = malloc(n * 4), *dx = calloc(n, 4), sm[5], si[5], dg[5] = {0}, dbt[5] = {0};
  float *gx = dev_f(x, n), *gg = dev_f(g, C), *gb = dev_f(b, C), *gy = dev_f(NULL, n);
  float *gdy = dev_f(dy, n), *gdx = dev_f(NULL, n), *gsm = dev_f(NULL, C), *gsi = dev_f(NULL, C);
  float *grm = dev_f(rm, C), *grv = dev_f(rv, C), *gdg = dev_f(NULL, C), *gdb = dev_f(NULL, C);
  double *red = dev_copy(NULL, nn_cu_chansum_scratch(N, C, V) * sizeof(double));
  nn_bnrelu_forward_train(y, sm, si, rm, rv, x, g, b, 0.1f, 1e-5f, N, C, V);
  nn_bnrelu_backward(dx, dg, dbt, dy, x, sm, si, g, b, N, C, V);
  nn_cu_bnrelu_forward_train(gy, gsm, gsi, grm, grv, gx, gg, gb, 0.1f, 1e-5f, N, C, V, red, 0);
  nn_cu_bnrelu_backward(gdx, gdg, gdb, gdy, gx, gsm, gsi, gg, gb, N, C, V, red, 0);
  expect_close("BN mean", gsm, sm, C, 1e-7, 1e-6);
  expect_close("BN 1/std", gsi, si, C, 0, 1e-6);
  expect_close("BN running mean", grm, rm, C, 1e-7, 1e-6);
  expect_close("BN running var", grv, rv, C, 0, 1e-6);
  expect_close("BN+ReLU forward", gy, y, n, 1e-6, 1e-5);
  expect_close("BN+ReLU dgamma", gdg, dg, C, 1e-4, 1e-5);
  expect_close("BN+ReLU dbeta", gdb, dbt, C, 1e-4, 1e-5);
  expect_close("BN+ReLU din", gdx, dx, n, 1e-6, 1e-4);
  // Inference mode with the updated running statistics: same expression.
  nn_bnrelu_forward_eval(y, x, g, b, rm, rv, 1e-5f, N, C, V);
  nn_cu_bnrelu_forward_eval(gy, gx, gg, gb, grm, grv, 1e-5f, N, C, V, 0);
  expect_close("BN+ReLU eval", gy, y, n, 1e-6, 1e-6);
  cudaFree(gx), cudaFree(gg), cudaFree(gb), cudaFree(gy), cudaFree(gdy), cudaFree(gdx);
  cudaFree(gsm), cudaFree(gsi), cudaFree(grm), cudaFree(grv), cudaFree(gdg), cudaFree(gdb);
  cudaFree(red);
  free(x), free(g), free(b), free(dy), free(y), free(dx);
}

TEST(cuda_maxpool_matches_cpu_bitwise) {
  const int N = 2, C = 3, D = 4, H = 6, W = 8;
  const size_t n = (size_t)N * C * D * H * W, no = n / 8;
  float *x = host_rand(n, -1, 1), *dy = host_rand(no, -1, 1);
  for (size_t i = 0; i < n; i += 5) x[i] = 0.25f; // ties: the first wins
  float *y = malloc(no * 4), *dx = calloc(n, 4);
  uint8_t *arg = malloc(no);
  nn_maxpool3d_forward(y, arg, x, N, C, D, H, W);
  nn_maxpool3d_backward(dx, dy, arg, N, C, D, H, W);
  float *gx = dev_f(x, n), *gy = dev_f(NULL, no), *gdy = dev_f(dy, no), *gdx = dev_f(NULL, n);
  uint8_t *garg = dev_copy(NULL, no);
  nn_cu_maxpool_forward(gy, garg, gx, N, C, D, H, W, 0);
  nn_cu_maxpool_backward(gdx, gdy, garg, N, C, D, H, W, 0);
  expect_close("max-pool forward", gy, y, no, 0, 0);
  expect_close("max-pool backward", gdx, dx, n, 0, 0);
  cudaFree(gx), cudaFree(gy), cudaFree(gdy), cudaFree(gdx), cudaFree(garg);
  free(x), free(dy), free(y), free(dx), free(arg);
}

// Dropout draws its own (counter-based) stream on the device: the rate
// and the inverted scaling are checked, and backward against the mask.
TEST(cuda_dropout_rate_and_scaling) {
  const size_t n = 1 << 20;
  const float p = 0.3f, keep = 1.0f / (1.0f - p);
  float *x = host_rand(n, 0.5f, 1), *dy = host_rand(n, -1, 1);
  float *gx = dev_f(x, n), *gy = dev_f(NULL, n), *gdy = dev_f(dy, n), *gdx = dev_f(NULL, n);
  uint8_t *gm = dev_copy(NULL, n), *mask = malloc(n);
  nn_cu_dropout_forward(gy, gm, gx, p, n, 12345, 0);
  nn_cu_dropout_backward(gdx, gdy, gm, p, n, 0);
  float *y = down(gy, n), *dx = down(gdx, n);
  cudaMemcpy(mask, gm, n, cudaMemcpyDeviceToHost);
  size_t dropped = 0;
  for (size_t i = 0; i < n; i++) {
    dropped += !mask[i];
    ASSERT(y[i] == x[i] * (mask[i] ? keep : 0.0f));
    ASSERT(dx[i] == dy[i] * (mask[i] ? keep : 0.0f));
  }
  ASSERT_NEAR(p, (double)dropped / n, 0.003); // ~6 SD of a binomial
  cudaFree(gx), cudaFree(gy), cudaFree(gdy), cudaFree(gdx), cudaFree(gm);
  free(x), free(dy), free(y), free(dx), free(mask);
}

TEST(cuda_add_and_accumulate_bitwise) {
  const size_t n = 100003;
  float *a = host_rand(n, -1, 1), *b = host_rand(n, -1, 1), *o = malloc(n * 4);
  nn_add_forward(o, a, b, n);
  float *ga = dev_f(a, n), *gb = dev_f(b, n), *go = dev_f(NULL, n);
  nn_cu_add(go, ga, gb, n, 0);
  expect_close("add", go, o, n, 0, 0);
  nn_add_backward(a, NULL, b, n);
  nn_cu_accumulate(ga, gb, n, 0);
  expect_close("accumulate", ga, a, n, 0, 0);
  cudaFree(ga), cudaFree(gb), cudaFree(go);
  free(a), free(b), free(o);
}

static void loss_case(nn_loss_kind kind) {
  const size_t n = 300001;
  float *p = host_rand(n, -1, 2), *t = host_rand(n, -1, 2), *w = host_rand(n, 0, 1);
  for (size_t i = 0; i < n; i += 3) w[i] = 0.0f;
  float *d = calloc(n, 4);
  double want, sw = 0, sums[2];
  for (size_t i = 0; i < n; i++) sw += w[i];
  if (kind == NN_LOSS_L1) {
    want = nn_l1_loss_forward(p, t, w, n);
    nn_l1_loss_backward(d, p, t, w, n, 1.0f);
  } else {
    want = nn_mse_loss_forward(p, t, w, n);
    nn_mse_loss_backward(d, p, t, w, n, 1.0f);
  }
  float *gp = dev_f(p, n), *gt = dev_f(t, n), *gw = dev_f(w, n), *gd = dev_f(NULL, n);
  double *red = dev_copy(NULL, nn_cu_loss_scratch(n) * sizeof(double));
  nn_cu_loss_sums(sums, kind, gp, gt, gw, n, red, 0);
  ASSERT_NEAR(sw, sums[0], 1e-9 * sw);
  ASSERT_NEAR(want, sums[1] / sums[0], 1e-12 * fabs(want));
  const float k = (float)((kind == NN_LOSS_MSE ? 2.0 : 1.0) / sums[0]);
  nn_cu_loss_backward(gd, kind, gp, gt, gw, n, k, 0);
  expect_close("loss gradient", gd, d, n, 0, 1e-6);
  cudaFree(gp), cudaFree(gt), cudaFree(gw), cudaFree(gd), cudaFree(red);
  free(p), free(t), free(w), free(d);
}

TEST(cuda_l1_loss_matches_cpu) { loss_case(NN_LOSS_L1); }
TEST(cuda_mse_loss_matches_cpu) { loss_case(NN_LOSS_MSE); }

TEST(cuda_adam_matches_cpu_bitwise) {
  const size_t n = 70001;
  float *p = host_rand(n, -1, 1), *g = host_rand(n, -1e-3f, 1e-3f);
  float *m = host_rand(n, -1e-4f, 1e-4f), *v = host_rand(n, 0, 1e-6f);
  float *gp = dev_f(p, n), *gg = dev_f(g, n), *gm = dev_f(m, n), *gv = dev_f(v, n);
  nn_optim_config c;
  nn_optim_config_default(&c);
  for (int kind = 0; kind < 2; kind++) {
    c.kind = kind ? NN_OPT_ADAMW : NN_OPT_ADAM;
    c.weight_decay = 1e-2f;
    for (long step = 1; step <= 3; step++) {
      nn_adam_update(p, g, m, v, n, &c, step);
      nn_cu_adam(gp, gg, gm, gv, n, &c, step, 0);
    }
  }
  expect_close("Adam weights", gp, p, n, 0, 0);
  expect_close("Adam first moment", gm, m, n, 0, 0);
  expect_close("Adam second moment", gv, v, n, 0, 0);
  cudaFree(gp), cudaFree(gg), cudaFree(gm), cudaFree(gv);
  free(p), free(g), free(m), free(v);
}

int main(void) {
  if (!gpu_present()) return GPU_SKIP;
  nn_set_threads(1);
  asl_rng_seed(&rng, 2024);
  if (cudnnCreate(&dnn) != CUDNN_STATUS_SUCCESS) {
    fprintf(stderr, "cuDNN cannot start\n");
    return 1;
  }
  RUN(cuda_conv3x3x3_matches_cpu);
  RUN(cuda_conv1x1x1_matches_cpu);
  RUN(cuda_upconv_matches_cpu);
  RUN(cuda_bnrelu_matches_cpu);
  RUN(cuda_maxpool_matches_cpu_bitwise);
  RUN(cuda_dropout_rate_and_scaling);
  RUN(cuda_add_and_accumulate_bitwise);
  RUN(cuda_l1_loss_matches_cpu);
  RUN(cuda_mse_loss_matches_cpu);
  RUN(cuda_adam_matches_cpu_bitwise);
  cudnnDestroy(dnn);
  return DONE();
}
