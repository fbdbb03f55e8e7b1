// One small U-Net (16x16x8, depth 3, 4 base channels, 2 inputs, batch 2)
// trained one Adam step in the engine and in PyTorch from the same weights
// and inputs (fixtures/unet_step.bin): the output, the loss, every gradient,
// the weights after the update and the BN running statistics must agree,
// and so must the loss of the next forward pass.
#include <math.h>
#include <string.h>

#include "fixture.h"
#include "harness.h"
#include "nn/model.h"

static fx_file fx;

// Every parameter name the PyTorch model has, in the engine's naming.
static int for_each_name(nn_model *m, const char *prefix,
                         int (*fn)(nn_model *, const char *, const char *)) {
  int n = 0;
  for (int i = 0; i < fx.count; i++)
    if (strncmp(fx.names[i], prefix, strlen(prefix)) == 0) {
      if (fn(m, fx.names[i] + strlen(prefix), fx.names[i])) return -1;
      n++;
    }
  return n;
}

static int load_param(nn_model *m, const char *name, const char *fxname) {
  size_t off, n, fn;
  if (nn_model_param_find(m, name, &off, &n)) return -1;
  const float *src = fx_get(&fx, fxname, &fn);
  if (n != fn) return -1;
  memcpy(nn_model_params(m) + off, src, n * sizeof(float));
  return 0;
}

static double worst;
static char worst_name[64];
static int compare(const float *a, const char *name, const char *fxname,
                   double atol, double rtol) {
  size_t n;
  const float *b = fx_get(&fx, fxname, &n);
  double e = fx_err(a, b, n, atol, rtol);
  if (e > worst) {
    worst = e;
    snprintf(worst_name, sizeof worst_name, "%s", name);
  }
  return 0;
}

static int compare_grad(nn_model *m, const char *name, const char *fxname) {
  size_t off, n;
  if (nn_model_param_find(m, name, &off, &n)) return -1;
  return compare(nn_model_grads(m) + off, name, fxname, 1e-5, 2e-3);
}

static int compare_final(nn_model *m, const char *name, const char *fxname) {
  size_t off, n, k;
  if (nn_model_param_find(m, name, &off, &n)) return -1;
  if (strstr(name, "running_"))
    return compare(nn_model_buffers(m) + off, name, fxname, 1e-6, 1e-5);
  // A first Adam step moves each weight by lr * g / (|g| + eps): exactly
  // +-lr unless |g| is within float noise of eps, where the direction
  // itself is noise (allowed to differ by up to 2 lr).
  char gname[96];
  snprintf(gname, sizeof gname, "grad.%s", name);
  const float *g = fx_get(&fx, gname, &k), *want = fx_get(&fx, fxname, NULL);
  const float *have = nn_model_params(m) + off;
  for (size_t i = 0; i < n; i++) {
    double tol = fabs(g[i]) < 1e-6 ? 2.5e-3 : 2e-6;
    double e = fabs((double)have[i] - want[i]) / tol;
    if (e > worst) {
      worst = e;
      snprintf(worst_name, sizeof worst_name, "%s[%zu]", name, i);
    }
  }
  return 0;
}

TEST(unet_adam_step_matches_pytorch) {
  const int grid[3] = {16, 16, 8};
  nn_param p[] = {{"base_channels", "4"}, {"depth", "3"}, {"dropout", "0"}};
  nn_model *m;
  ASSERT_OK(nn_model_create(&m, "unet3d", 2, grid, p, 3, 1));
  ASSERT(for_each_name(m, "init.", load_param) == 62);
  nn_optim_config c;
  nn_optim_config_default(&c); // adam, lr 1e-3, l1
  ASSERT_OK(nn_model_set_optimizer(m, &c));
  const float *x = fx_get(&fx, "unet.x", NULL), *y = fx_get(&fx, "unet.y", NULL);
  const float *w = fx_get(&fx, "unet.w", NULL);
  float loss;
  ASSERT_OK(nn_train_step(m, x, y, w, 2, &loss));
  ASSERT_NEAR(fx_get(&fx, "step0.loss", NULL)[0], loss, 1e-5);
  worst = 0;
  compare(nn_model_last_output(m), "step0.out", "step0.out", 1e-5, 1e-4);
  ASSERT(worst <= 1);
  ASSERT(for_each_name(m, "grad.", compare_grad) == 62);
  if (worst > 1) HARNESS_FAIL("gradient %s differs from PyTorch (%g x tol)", worst_name, worst);
  ASSERT(for_each_name(m, "final.", compare_final) == 62 + 2 * 18);
  if (worst > 1) HARNESS_FAIL("%s after one step differs from PyTorch (%g x tol)", worst_name, worst);
  ASSERT_OK(nn_model_compute_gradients(m, x, y, w, 2, &loss));
  ASSERT_NEAR(fx_get(&fx, "step1.loss", NULL)[0], loss, 1e-4);
  nn_model_free(m);
}

int main(void) {
  nn_set_threads(1); // tiny grid: a team would mostly wait
  if (fx_load(&fx, "unet_step.bin")) return 1;
  RUN(unet_adam_step_matches_pytorch);
  fx_free(&fx);
  return DONE();
}
