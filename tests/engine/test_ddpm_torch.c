// One ddpm3d training step (U-Net 8x8x4, depth 2, 4 base channels, ASL + M0
// conditions, batch 2, cosine schedule with T = 100) in the engine and in
// PyTorch from the same weights, inputs and draws (t, noise and the
// condition dropout fixed through nn_ddpm_set_draw; fixtures/ddpm_step.bin
// from make_ddpm_fixtures.py): the schedule, the predicted noise, the loss,
// every gradient (time embedding included), the weights after the Adam step
// and the BN running statistics must agree.
#include <math.h>
#include <string.h>

#include "fixture.h"
#include "harness.h"
#include "nn/diffusion.h"
#include "nn/model.h"

static fx_file fx;
static double worst;
static char worst_name[64];

static void compare(const float *a, const char *fxname, double atol, double rtol) {
  size_t n;
  const float *b = fx_get(&fx, fxname, &n);
  double e = fx_err(a, b, n, atol, rtol);
  if (e > worst) worst = e, snprintf(worst_name, sizeof worst_name, "%s", fxname);
}

// Applies fn to every fixture array named prefix + <engine name>.
static int each(nn_model *m, const char *prefix,
                int (*fn)(nn_model *, const char *, const char *)) {
  int n = 0;
  for (int i = 0; i < fx.count; i++)
    if (strncmp(fx.names[i], prefix, strlen(prefix)) == 0) {
      if (fn(m, fx.names[i] + strlen(prefix), fx.names[i])) return -1;
      n++;
    }
  return n;
}

static int load(nn_model *m, const char *name, const char *fxname) {
  size_t off, n, fn;
  if (nn_model_param_find(m, name, &off, &n)) return -1;
  const float *src = fx_get(&fx, fxname, &fn);
  if (n != fn) return -1;
  memcpy(nn_model_params(m) + off, src, n * sizeof(float));
  return 0;
}

static int grad(nn_model *m, const char *name, const char *fxname) {
  size_t off, n;
  if (nn_model_param_find(m, name, &off, &n)) return -1;
  compare(nn_model_grads(m) + off, fxname, 1e-5, 2e-3);
  return 0;
}

static int final(nn_model *m, const char *name, const char *fxname) {
  size_t off, n;
  if (nn_model_param_find(m, name, &off, &n)) return -1;
  const float *src = strstr(name, "running_") ? nn_model_buffers(m) : nn_model_params(m);
  compare(src + off, fxname, 5e-5, 1e-4); // a fraction of lr (see test_torch_unet.c)
  return 0;
}

TEST(ddpm_step_matches_pytorch) {
  const int grid[3] = {8, 8, 4};
  nn_param p[] = {{"base_channels", "4"}, {"depth", "2"},      {"dropout", "0"},
                  {"timesteps", "100"},   {"schedule", "cosine"}, {"temb_dim", "8"}};
  nn_model *m;
  ASSERT_OK(nn_model_create(&m, "ddpm3d", 2, grid, p, 6, 7));
  int n_init = each(m, "init.", load);
  ASSERT(n_init > 40);
  size_t total = 0, off, n;
  for (int i = 0; i < fx.count; i++)
    if (!strncmp(fx.names[i], "init.", 5)) total += fx.size[i];
  ASSERT_EQ(total, nn_model_param_count(m)); // every weight came from PyTorch
  // The schedule.
  double beta[100], ab[100];
  ASSERT_OK(nn_diffusion_schedule(NN_SCHEDULE_COSINE, 100, 0, 0, beta, ab));
  const float *ab_ref = fx_get(&fx, "ddpm.alpha_bar", &n);
  ASSERT_EQ(100, n);
  for (int t = 0; t < 100; t++) ASSERT_NEAR(ab_ref[t], ab[t], 1e-6 * ab_ref[t] + 1e-12);
  // The step, with the fixture's draws.
  const float *tf = fx_get(&fx, "ddpm.t", NULL);
  int t[2] = {(int)tf[0], (int)tf[1]};
  ASSERT_OK(nn_ddpm_set_draw(m, t, fx_get(&fx, "ddpm.eps", NULL), fx_get(&fx, "ddpm.keep", NULL)));
  nn_optim_config c;
  nn_optim_config_default(&c);
  c.loss = NN_LOSS_MSE;
  ASSERT_OK(nn_model_set_optimizer(m, &c));
  const float *y = fx_get(&fx, "ddpm.y", &n), *eps = fx_get(&fx, "ddpm.eps", NULL);
  float loss;
  ASSERT_OK(nn_train_step(m, fx_get(&fx, "ddpm.x", NULL), y,
                          fx_get(&fx, "ddpm.w", NULL), 2, &loss));
  ASSERT_NEAR(fx_get(&fx, "step.loss", NULL)[0], loss, 2e-5 * loss);
  // The output is y + (eps_hat - eps): recover eps_hat.
  float eps_hat[2 * 256];
  ASSERT_EQ(2 * 256, n);
  for (size_t i = 0; i < n; i++) eps_hat[i] = nn_model_last_output(m)[i] - y[i] + eps[i];
  worst = 0;
  compare(eps_hat, "step.eps_hat", 2e-5, 1e-4);
  if (worst > 1) HARNESS_FAIL("eps_hat differs from PyTorch (%g x tol)", worst);
  ASSERT(each(m, "grad.", grad) == n_init);
  ASSERT_OK(nn_model_param_find(m, "temb.fc1.weight", &off, &n));
  double gnorm = 0;
  for (size_t i = 0; i < n; i++) gnorm += fabs(nn_model_grads(m)[off + i]);
  ASSERT(gnorm > 1e-6); // the embedding path really carries gradient
  if (worst > 1) HARNESS_FAIL("gradient %s differs from PyTorch (%g x tol)", worst_name, worst);
  ASSERT(each(m, "final.", final) > n_init);
  if (worst > 1) HARNESS_FAIL("%s after the step differs from PyTorch (%g x tol)", worst_name, worst);
  nn_model_free(m);
}

int main(void) {
  nn_set_threads(1);
  if (fx_load(&fx, "ddpm_step.bin")) return 1;
  RUN(ddpm_step_matches_pytorch);
  fx_free(&fx);
  return DONE();
}
