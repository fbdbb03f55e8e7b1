// Every layer, loss and optimizer step against PyTorch on the same weights
// and inputs (fixtures/layers.bin, written by make_fixtures.py).
#include <math.h>
#include <string.h>

#include "fixture.h"
#include "harness.h"
#include "nn/conv3d.h"
#include "nn/layers.h"
#include "nn/loss.h"
#include "nn/optim.h"

static fx_file fx;
static float buf[8][4096], ws[16384];
static uint8_t arg[4096];

#define GET(name) fx_get(&fx, name, NULL)
#define CLOSE(a, name, n, atol, rtol)                                   \
  do {                                                                  \
    double e_ = fx_err(a, GET(name), n, atol, rtol);                    \
    if (e_ > 1) HARNESS_FAIL("%s differs from PyTorch (%g x tol)", name, e_); \
  } while (0)

static void clear(void) { memset(buf, 0, sizeof buf); }

TEST(maxpool_matches_pytorch) {
  clear();
  size_t n;
  fx_get(&fx, "pool.dx", &n);
  nn_maxpool3d_forward(buf[0], arg, GET("pool.x"), 2, 3, 4, 4, 6);
  CLOSE(buf[0], "pool.out", n / 8, 0, 0);
  nn_maxpool3d_backward(buf[1], GET("pool.dout"), arg, 2, 3, 4, 4, 6);
  CLOSE(buf[1], "pool.dx", n, 0, 0);
}

TEST(upconv_matches_pytorch) {
  clear();
  nn_upconv3d_forward(buf[0], GET("up.x"), GET("up.w"), GET("up.b"), 2, 3, 4, 2, 3, 2, ws);
  CLOSE(buf[0], "up.out", 2 * 4 * 8 * 12, 1e-6, 1e-5);
  nn_upconv3d_backward(buf[1], buf[2], buf[3], GET("up.dout"), GET("up.x"), GET("up.w"),
                       2, 3, 4, 2, 3, 2, ws);
  CLOSE(buf[1], "up.dx", 2 * 3 * 12, 1e-6, 1e-5);
  CLOSE(buf[2], "up.dw", 3 * 4 * 8, 1e-6, 1e-5);
  CLOSE(buf[3], "up.db", 4, 1e-6, 1e-5);
}

TEST(conv1x1_matches_pytorch) {
  clear();
  nn_conv1x1_forward(buf[0], GET("c1.x"), GET("c1.w"), GET("c1.b"), 2, 3, 2, 24);
  CLOSE(buf[0], "c1.out", 2 * 2 * 24, 1e-6, 1e-5);
  nn_conv1x1_backward(buf[1], buf[2], buf[3], GET("c1.dout"), GET("c1.x"), GET("c1.w"), 2, 3, 2, 24);
  CLOSE(buf[1], "c1.dx", 2 * 3 * 24, 1e-6, 1e-5);
  CLOSE(buf[2], "c1.dw", 6, 1e-6, 1e-5);
  CLOSE(buf[3], "c1.db", 2, 1e-6, 1e-5);
}

TEST(conv3d_matches_pytorch) {
  clear();
  nn_conv3d_forward_ref(buf[0], GET("c3.x"), GET("c3.w"), NULL, 2, 3, 2, 3, 4, 5);
  CLOSE(buf[0], "c3.out", 2 * 2 * 60, 1e-6, 1e-5);
  nn_conv3d_backward_ref(buf[1], buf[2], NULL, GET("c3.dout"), GET("c3.x"), GET("c3.w"), 2, 3, 2, 3, 4, 5);
  CLOSE(buf[1], "c3.dx", 2 * 3 * 60, 1e-6, 1e-5);
  CLOSE(buf[2], "c3.dw", 2 * 3 * 27, 1e-5, 1e-5);
}

TEST(batchnorm_matches_pytorch_in_training_and_inference) {
  clear();
  float rm[2] = {0, 0}, rv[2] = {1, 1}, sm[2], si[2];
  const int N = 3, C = 2, V = 12;
  nn_batchnorm3d_forward_train(buf[0], sm, si, rm, rv, GET("bn.x"), GET("bn.gamma"),
                               GET("bn.beta"), 0.1f, 1e-5f, N, C, V);
  CLOSE(buf[0], "bn.out", N * C * V, 1e-5, 1e-5);
  CLOSE(rm, "bn.running_mean", 2, 1e-6, 1e-5);
  CLOSE(rv, "bn.running_var", 2, 1e-6, 1e-5);
  nn_batchnorm3d_backward(buf[1], buf[2], buf[3], GET("bn.dout"), GET("bn.x"), sm, si,
                          GET("bn.gamma"), N, C, V);
  CLOSE(buf[1], "bn.dx", N * C * V, 1e-5, 1e-4);
  CLOSE(buf[2], "bn.dgamma", 2, 1e-5, 1e-5);
  CLOSE(buf[3], "bn.dbeta", 2, 1e-5, 1e-5);
  nn_batchnorm3d_forward_eval(buf[4], GET("bn.x"), GET("bn.gamma"), GET("bn.beta"), rm, rv,
                              1e-5f, N, C, V);
  CLOSE(buf[4], "bn.out_eval", N * C * V, 1e-5, 1e-5);
}

TEST(relu_matches_pytorch) {
  clear();
  nn_relu_forward(buf[0], GET("relu.x"), 200);
  CLOSE(buf[0], "relu.out", 200, 0, 0);
  nn_relu_backward(buf[1], GET("relu.dout"), buf[0], 200);
  CLOSE(buf[1], "relu.dx", 200, 0, 0);
}

TEST(weighted_losses_match_pytorch) {
  const float *p = GET("loss.pred"), *y = GET("loss.target"), *w = GET("loss.w");
  const size_t n = 2 * 4 * 5 * 6;
  float l[3] = {(float)nn_l1_loss_forward(p, y, w, n), (float)nn_mse_loss_forward(p, y, w, n),
                (float)nn_ssim_loss_forward(p, y, w, 2, 4, 5, 6, ws)};
  CLOSE(&l[0], "loss.l1", 1, 1e-7, 1e-5);
  CLOSE(&l[1], "loss.mse", 1, 1e-7, 1e-5);
  CLOSE(&l[2], "loss.ssim", 1, 1e-6, 1e-4);
  clear();
  nn_l1_loss_backward(buf[0], p, y, w, n, 1.0f);
  nn_mse_loss_backward(buf[1], p, y, w, n, 1.0f);
  nn_ssim_loss_backward(buf[2], p, y, w, 2, 4, 5, 6, 1.0f, ws);
  CLOSE(buf[0], "loss.l1.dpred", n, 1e-8, 1e-5);
  CLOSE(buf[1], "loss.mse.dpred", n, 1e-8, 1e-5);
  CLOSE(buf[2], "loss.ssim.dpred", n, 1e-6, 1e-3);
}

static void run_adam(nn_optim_kind kind, const char *expect) {
  nn_optim_config c;
  nn_optim_config_default(&c);
  c.kind = kind, c.lr = 1e-2f, c.weight_decay = 0.1f;
  float p[50], m[50] = {0}, v[50] = {0};
  memcpy(p, GET("adam.p0"), sizeof p);
  const char *g[3] = {"adam.g0", "adam.g1", "adam.g2"};
  for (int s = 0; s < 3; s++) nn_adam_update(p, GET(g[s]), m, v, 50, &c, s + 1);
  CLOSE(p, expect, 50, 1e-7, 1e-5);
}

TEST(adam_with_l2_matches_pytorch) { run_adam(NN_OPT_ADAM, "adam.p3"); }
TEST(adamw_matches_pytorch) { run_adam(NN_OPT_ADAMW, "adamw.p3"); }

int main(void) {
  if (fx_load(&fx, "layers.bin")) return 1;
  RUN(maxpool_matches_pytorch);
  RUN(upconv_matches_pytorch);
  RUN(conv1x1_matches_pytorch);
  RUN(conv3d_matches_pytorch);
  RUN(batchnorm_matches_pytorch_in_training_and_inference);
  RUN(relu_matches_pytorch);
  RUN(weighted_losses_match_pytorch);
  RUN(adam_with_l2_matches_pytorch);
  RUN(adamw_matches_pytorch);
  fx_free(&fx);
  return DONE();
}
