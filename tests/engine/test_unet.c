// The 3D U-Net: its size (FLOPs, parameters) at the paper's grid, parameter
// validation, and a whole-network gradient check by central differences on
// a small grid (16x16x8, depth 3, 3 base channels, 2 inputs, batch 2).
#include <string.h>

#include "gradcheck.h"
#include "harness.h"
#include "nn/model.h"

TEST(paper_unet_costs_18_3_gflop_and_4_78m_parameters) {
  nn_model *m;
  const int grid[3] = {64, 64, 32};
  ASSERT_OK(nn_model_create(&m, "unet3d", 2, grid, NULL, 0, 1));
  // Counted independently in docs/engine.md: 18.3385 GFLOP, 4,776,385 params.
  ASSERT_NEAR(18.338545664e9, nn_model_flops(m, 64, 64, 32), 1e3);
  ASSERT_EQ(4776385, nn_model_param_count(m));
  ASSERT_EQ(16, nn_model_size_multiple(m));
  ASSERT_EQ(1, nn_model_trainable(m));
  size_t off, n;
  ASSERT_OK(nn_model_param_find(m, "enc0.a.conv", &off, &n));
  ASSERT_EQ(0, off);
  ASSERT_EQ(16 * 2 * 27, n);
  ASSERT_OK(nn_model_param_find(m, "final.bias", &off, &n));
  ASSERT_EQ(nn_model_param_count(m) - 1, off);
  ASSERT_EQ(ASL_ENOTFOUND, nn_model_param_find(m, "enc9.conv", &off, &n));
  nn_model_free(m);
}

TEST(unknown_key_names_the_key_and_the_allowed_ones) {
  nn_model *m;
  const int grid[3] = {64, 64, 32};
  nn_param p[] = {{"base_channels", "8"}, {"widht", "3"}};
  ASSERT_EQ(ASL_EINVAL, nn_model_create(&m, "unet3d", 1, grid, p, 2, 1));
  ASSERT(strstr(asl_error_message(), "'widht'"));
  ASSERT(strstr(asl_error_message(), "base_channels, depth, dropout"));
  ASSERT(m == NULL);
  nn_param bad[] = {{"dropout", "1.5"}};
  ASSERT_EQ(ASL_EINVAL, nn_model_create(&m, "unet3d", 1, grid, bad, 1, 1));
  ASSERT(strstr(asl_error_message(), "dropout"));
  const int odd[3] = {64, 60, 32};
  ASSERT_EQ(ASL_EINVAL, nn_model_create(&m, "unet3d", 1, odd, NULL, 0, 1));
  ASSERT(strstr(asl_error_message(), "multiple of 16"));
  ASSERT_EQ(ASL_EINVAL, nn_model_create(&m, "transformer", 1, grid, NULL, 0, 1));
  ASSERT(strstr(asl_error_message(), "unet3d, identity, gaussian"));
  ASSERT_EQ(ASL_EINVAL, nn_model_create(&m, "unet3d", 3, grid, NULL, 0, 1));
}

// ---- whole-network gradient check -----------------------------------------
enum { GX = 16, GY = 16, GZ = 8, GB = 2, GV = GX * GY * GZ };
static nn_model *gm;
static float gx[GB * 2 * GV], gy[GB * GV], gw[GB * GV];

static double net_loss(void *ctx) {
  (void)ctx;
  float l;
  ASSERT_OK(nn_model_compute_gradients(gm, gx, gy, gw, GB, &l));
  // Recompute in double from the prediction for a cleaner difference.
  const float *p = nn_model_last_output(gm);
  double s = 0, sw = 0;
  for (int i = 0; i < GB * GV; i++) {
    s += gw[i] * ((double)p[i] - gy[i]) * ((double)p[i] - gy[i]);
    sw += gw[i];
  }
  return s / sw;
}

TEST(unet_gradient_matches_central_differences) {
  const int grid[3] = {GX, GY, GZ};
  nn_param p[] = {{"base_channels", "3"}, {"depth", "3"}, {"dropout", "0"}};
  ASSERT_OK(nn_model_create(&gm, "unet3d", 2, grid, p, 3, 5));
  nn_optim_config c;
  nn_optim_config_default(&c);
  c.loss = NN_LOSS_MSE;
  ASSERT_OK(nn_model_set_optimizer(gm, &c));
  asl_rng r;
  asl_rng_seed(&r, 3);
  gc_fill(gx, GB * 2 * GV, &r, 1.0);
  gc_fill(gy, GB * GV, &r, 1.0);
  for (int i = 0; i < GB * GV; i++) gw[i] = (i % 7) ? 1.0f : 0.0f;
  float *params = nn_model_params(gm);
  static float grad[200000];
  size_t np = nn_model_param_count(gm);
  ASSERT(np < 200000);
  net_loss(NULL);
  memcpy(grad, nn_model_grads(gm), np * sizeof(float));
  // Per tensor, the directional derivative along its own gradient g/|g|
  // must equal |g|. A whole-network check per single weight is dominated by
  // ReLU and max-pool switches (thousands of kinks); moving a whole tensor
  // along g with a step of 1e-4 averages them out (the difference converges
  // to |g| as the step shrinks: 10% at 1e-2, 1% at 1e-3, 0.3% at 1e-4).
  const char *names[] = {"enc0.a.conv", "enc0.b.bn.weight", "enc1.a.bn.bias",
                         "centre.1.conv", "up2.weight", "up0.bias",
                         "dec1.a.conv", "dec0.c.conv", "dec0.c.bn.weight",
                         "final.weight", "final.bias"};
  static float keep[200000];
  const double t = 1e-4;
  for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
    size_t off, n;
    ASSERT_OK(nn_model_param_find(gm, names[k], &off, &n));
    double g2 = 0;
    for (size_t i = 0; i < n; i++) g2 += (double)grad[off + i] * grad[off + i];
    const double gn = sqrt(g2);
    ASSERT(gn > 0);
    memcpy(keep, params + off, n * sizeof(float));
    for (size_t i = 0; i < n; i++) params[off + i] = keep[i] + (float)(t * grad[off + i] / gn);
    double fp = net_loss(NULL);
    for (size_t i = 0; i < n; i++) params[off + i] = keep[i] - (float)(t * grad[off + i] / gn);
    double fm = net_loss(NULL);
    memcpy(params + off, keep, n * sizeof(float));
    double d = (fp - fm) / (2 * t);
    if (fabs(d - gn) > 3e-2 * gn)
      HARNESS_FAIL("%s: directional derivative %.6g, |grad| %.6g", names[k], d, gn);
  }
  nn_model_free(gm);
}

// nn_infer_volume on an odd-sized volume equals running the network on the
// volume zero-padded (at the high end) to multiples of 8, then cropped.
TEST(infer_volume_pads_to_the_size_multiple_and_crops_back) {
  enum { NX = 20, NY = 13, NZ = 9, PX = 24, PY = 16, PZ = 16 };
  static float x[NX * NY * NZ], padded[PX * PY * PZ], out[NX * NY * NZ],
      full[PX * PY * PZ];
  const int grid[3] = {16, 16, 8};
  nn_param p[] = {{"base_channels", "2"}, {"depth", "3"}};
  nn_model *m;
  ASSERT_OK(nn_model_create(&m, "unet3d", 1, grid, p, 2, 8));
  ASSERT_EQ(8, nn_model_size_multiple(m));
  asl_rng r;
  asl_rng_seed(&r, 4);
  for (int i = 0; i < NX * NY * NZ; i++) x[i] = (float)asl_rng_uniform(&r);
  memset(padded, 0, sizeof padded);
  for (int z = 0; z < NZ; z++)
    for (int y = 0; y < NY; y++)
      memcpy(padded + (z * PY + y) * PX, x + (z * NY + y) * NX, NX * sizeof(float));
  ASSERT_OK(nn_infer_volume(m, x, NX, NY, NZ, out));
  ASSERT_OK(nn_infer_volume(m, padded, PX, PY, PZ, full));
  for (int z = 0; z < NZ; z++)
    for (int y = 0; y < NY; y++)
      for (int i = 0; i < NX; i++)
        ASSERT(out[(z * NY + y) * NX + i] == full[(z * PY + y) * PX + i]);
  int varied = 0;
  for (int i = 1; i < NX * NY * NZ; i++) varied += out[i] != out[0] && isfinite(out[i]);
  ASSERT(varied > NX * NY * NZ / 4); // a real output, not a constant
  nn_model_free(m);
}

// A NaN in the batch makes the loss NaN: the step reports ASL_ENUMERIC and
// leaves the weights untouched; every loss kind trains to a finite value.
TEST(nan_loss_is_refused_and_every_loss_trains) {
  enum { N = 16 * 16 * 8 };
  static float x[N], y[N], keep[20000];
  const int grid[3] = {16, 16, 8};
  nn_param p[] = {{"base_channels", "2"}, {"depth", "3"}};
  nn_model *m;
  ASSERT_OK(nn_model_create(&m, "unet3d", 1, grid, p, 2, 8));
  size_t np = nn_model_param_count(m);
  ASSERT(np < 20000);
  asl_rng r;
  asl_rng_seed(&r, 6);
  for (int i = 0; i < N; i++) x[i] = (float)asl_rng_uniform(&r), y[i] = 0.5f * x[i];
  nn_loss_kind kinds[3] = {NN_LOSS_L1, NN_LOSS_MSE, NN_LOSS_SSIM};
  for (int k = 0; k < 3; k++) {
    nn_optim_config c;
    nn_optim_config_default(&c);
    c.loss = kinds[k];
    ASSERT_OK(nn_model_set_optimizer(m, &c));
    float first, last;
    ASSERT_OK(nn_train_step(m, x, y, NULL, 1, &first));
    for (int s = 0; s < 4; s++) ASSERT_OK(nn_train_step(m, x, y, NULL, 1, &last));
    ASSERT(isfinite(last) && last < first);
  }
  memcpy(keep, nn_model_params(m), np * sizeof(float));
  x[100] = NAN;
  float loss;
  ASSERT_EQ(ASL_ENUMERIC, nn_train_step(m, x, y, NULL, 1, &loss));
  ASSERT(isnan(loss));
  ASSERT(strstr(asl_error_message(), "training loss"));
  ASSERT(memcmp(keep, nn_model_params(m), np * sizeof(float)) == 0);
  nn_optim_config bad;
  nn_optim_config_default(&bad);
  bad.lr = -1;
  ASSERT_EQ(ASL_EINVAL, nn_model_set_optimizer(m, &bad));
  nn_model_free(m);
}

int main(void) {
  nn_set_threads(1); // tiny grid: a team would mostly wait
  RUN(paper_unet_costs_18_3_gflop_and_4_78m_parameters);
  RUN(unknown_key_names_the_key_and_the_allowed_ones);
  RUN(unet_gradient_matches_central_differences);
  RUN(infer_volume_pads_to_the_size_multiple_and_crops_back);
  RUN(nan_loss_is_refused_and_every_loss_trains);
  return DONE();
}
