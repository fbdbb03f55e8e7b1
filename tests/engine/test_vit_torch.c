// The transformer layers and vit3d against PyTorch (fixtures written by
// make_vit_fixtures.py): linear, LayerNorm, GELU and nn.MultiheadAttention
// forward and backward; a small vit3d (2 blocks of
// nn.TransformerEncoderLayer(norm_first=True, gelu)) trained two Adam steps
// from the same weights: output, loss, every gradient and the weights after.
#include <string.h>

#include "fixture.h"
#include "harness.h"
#include "nn/model.h"
#include "nn/transformer.h"

static fx_file fl, fv;

static const float *L(const char *name) { return fx_get(&fl, name, NULL); }

static void expect_close(const float *a, const fx_file *f, const char *name,
                         double atol, double rtol) {
  size_t n;
  const float *b = fx_get(f, name, &n);
  double e = fx_err(a, b, n, atol, rtol);
  if (!(e <= 1)) HARNESS_FAIL("%s differs from PyTorch (%g x tolerance)", name, e);
}

TEST(linear_matches_pytorch) {
  float out[35], dx[30] = {0}, dw[42] = {0}, db[7] = {0};
  nn_linear_forward(out, L("lin.x"), L("lin.w"), L("lin.b"), 5, 6, 7);
  expect_close(out, &fl, "lin.out", 1e-6, 1e-5);
  nn_linear_backward(dx, dw, db, L("lin.dout"), L("lin.x"), L("lin.w"), 5, 6, 7);
  expect_close(dx, &fl, "lin.dx", 1e-6, 1e-5);
  expect_close(dw, &fl, "lin.dw", 1e-6, 1e-5);
  expect_close(db, &fl, "lin.db", 1e-6, 1e-5);
}

TEST(layernorm_matches_pytorch) {
  float out[32], mean[4], rstd[4], dx[32] = {0}, dg[8] = {0}, db[8] = {0};
  nn_layernorm_forward(out, mean, rstd, L("ln.x"), L("ln.gamma"), L("ln.beta"),
                       4, 8, 1e-5f);
  expect_close(out, &fl, "ln.out", 1e-5, 1e-5);
  nn_layernorm_backward(dx, dg, db, L("ln.dout"), L("ln.x"), mean, rstd,
                        L("ln.gamma"), 4, 8);
  expect_close(dx, &fl, "ln.dx", 1e-5, 1e-4);
  expect_close(dg, &fl, "ln.dgamma", 1e-5, 1e-4);
  expect_close(db, &fl, "ln.dbeta", 1e-6, 1e-5);
}

TEST(gelu_is_the_exact_erf_form) {
  float out[64], dx[64] = {0};
  nn_gelu_forward(out, L("gelu.x"), 64);
  expect_close(out, &fl, "gelu.out", 1e-6, 1e-5);
  nn_gelu_backward(dx, L("gelu.dout"), L("gelu.x"), 64);
  expect_close(dx, &fl, "gelu.dx", 1e-6, 1e-5);
}

// in_proj -> attention -> out_proj equals nn.MultiheadAttention(8, 2).
TEST(attention_matches_multihead_attention) {
  enum { B = 2, T = 5, C = 8, M = B * T };
  float qkv[M * 3 * C], att[B * 2 * T * T], ao[M * C], out[M * C];
  nn_linear_forward(qkv, L("mha.x"), L("mha.in_w"), L("mha.in_b"), M, C, 3 * C);
  nn_attention_forward(ao, att, qkv, B, T, 2, C / 2);
  nn_linear_forward(out, ao, L("mha.out_w"), L("mha.out_b"), M, C, C);
  expect_close(out, &fl, "mha.out", 1e-5, 1e-4);
  float dao[M * C] = {0}, dqkv[M * 3 * C] = {0}, dx[M * C] = {0};
  float dow[C * C] = {0}, dob[C] = {0}, diw[3 * C * C] = {0}, dib[3 * C] = {0};
  float ws[T * T];
  nn_linear_backward(dao, dow, dob, L("mha.dout"), ao, L("mha.out_w"), M, C, C);
  nn_attention_backward(dqkv, dao, qkv, att, B, T, 2, C / 2, ws);
  nn_linear_backward(dx, diw, dib, dqkv, L("mha.x"), L("mha.in_w"), M, C, 3 * C);
  expect_close(dx, &fl, "mha.dx", 1e-5, 1e-4);
  expect_close(diw, &fl, "mha.din_w", 1e-5, 1e-4);
  expect_close(dib, &fl, "mha.din_b", 1e-5, 1e-4);
  expect_close(dow, &fl, "mha.dout_w", 1e-5, 1e-4);
  expect_close(dob, &fl, "mha.dout_b", 1e-5, 1e-4);
}

// Calls fn for every fixture array named prefix + <parameter name>.
static int for_each(nn_model *m, const char *prefix,
                    void (*fn)(nn_model *, const char *, const char *)) {
  int n = 0;
  for (int i = 0; i < fv.count; i++)
    if (strncmp(fv.names[i], prefix, strlen(prefix)) == 0) {
      fn(m, fv.names[i] + strlen(prefix), fv.names[i]);
      n++;
    }
  return n;
}

static void where(nn_model *m, const char *name, size_t n, size_t *off) {
  size_t count;
  ASSERT_OK(nn_model_param_find(m, name, off, &count));
  if (count != n) HARNESS_FAIL("%s: %zu values, fixture %zu", name, count, n);
}

static void load(nn_model *m, const char *name, const char *fxname) {
  size_t n, off;
  const float *src = fx_get(&fv, fxname, &n);
  where(m, name, n, &off);
  memcpy(nn_model_params(m) + off, src, n * sizeof(float));
}

static void check_grad(nn_model *m, const char *name, const char *fxname) {
  size_t n, off;
  fx_get(&fv, fxname, &n);
  where(m, name, n, &off);
  expect_close(nn_model_grads(m) + off, &fv, fxname, 1e-5, 2e-3);
}

// Adam moves a weight by about lr whatever the gradient's size, so weights
// whose gradient is at float noise agree to a fraction of lr only. The key
// bias (the middle third of in_proj_bias) has an exactly zero gradient
// (softmax ignores a constant added to every score of a row): its noise
// sets the direction of Adam's step in both, so it is left out after the
// update (its gradient was compared, ~0, before).
static void check_final(nn_model *m, const char *name, const char *fxname) {
  size_t n, off;
  const float *ref = fx_get(&fv, fxname, &n);
  where(m, name, n, &off);
  const float *got = nn_model_params(m) + off;
  if (strstr(name, "in_proj_bias")) {
    const size_t c = n / 3;
    double e = fmax(fx_err(got, ref, c, 5e-5, 1e-4),
                    fx_err(got + 2 * c, ref + 2 * c, c, 5e-5, 1e-4));
    if (!(e <= 1)) HARNESS_FAIL("%s q/v part differs from PyTorch (%g x tol)", fxname, e);
    return;
  }
  expect_close(got, &fv, fxname, 5e-5, 1e-4);
}

TEST(vit3d_two_adam_steps_match_pytorch) {
  const int grid[3] = {8, 8, 4};
  nn_param p[] = {{"dim", "16"}, {"depth", "2"}, {"heads", "2"},
                  {"mlp_ratio", "2"}, {"patch", "4,4,2"}};
  nn_model *m;
  ASSERT_OK(nn_model_create(&m, "vit3d", 2, grid, p, 5, 7));
  const int n_tensors = 3 + 12 * 2 + 4;
  ASSERT_EQ(n_tensors, for_each(m, "init.", load));
  nn_optim_config c;
  nn_optim_config_default(&c);
  ASSERT_OK(nn_model_set_optimizer(m, &c));
  const float *x = fx_get(&fv, "vit.x", NULL), *y = fx_get(&fv, "vit.y", NULL);
  const float *w = fx_get(&fv, "vit.w", NULL);
  float loss;
  ASSERT_OK(nn_train_step(m, x, y, w, 2, &loss));
  ASSERT_NEAR(fx_get(&fv, "step0.loss", NULL)[0], loss, 1e-5);
  expect_close(nn_model_last_output(m), &fv, "step0.out", 1e-5, 1e-4);
  ASSERT_EQ(n_tensors, for_each(m, "grad.", check_grad));
  ASSERT_OK(nn_train_step(m, x, y, w, 2, &loss));
  ASSERT_NEAR(fx_get(&fv, "step1.loss", NULL)[0], loss, 1e-5);
  ASSERT_EQ(n_tensors, for_each(m, "final.", check_final));
  nn_model_free(m);
}

int main(void) {
  nn_set_threads(1);
  if (fx_load(&fl, "vit_layers.bin") || fx_load(&fv, "vit_step.bin")) return 1;
  RUN(linear_matches_pytorch);
  RUN(layernorm_matches_pytorch);
  RUN(gelu_is_the_exact_erf_form);
  RUN(attention_matches_multihead_attention);
  RUN(vit3d_two_adam_steps_match_pytorch);
  fx_free(&fl);
  fx_free(&fv);
  return DONE();
}
