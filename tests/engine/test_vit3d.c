// vit3d through the model API: parameters and errors, the gradient of the
// whole network by central differences, the untrained network being the
// identity, and whole-volume inference by overlapping tiles.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "asl/status.h"
#include "gradcheck.h"
#include "harness.h"
#include "nn/model.h"

static nn_model *small(int in_channels, const int grid[3], uint64_t seed) {
  nn_param p[] = {{"dim", "8"}, {"depth", "2"}, {"heads", "2"},
                  {"mlp_ratio", "2"}, {"patch", "2,2,2"}};
  nn_model *m;
  ASSERT_OK(nn_model_create(&m, "vit3d", in_channels, grid, p, 5, seed));
  return m;
}

// Random weights everywhere (the decoder starts at zero otherwise), with
// LayerNorm scales near 1.
static void randomize(nn_model *m, uint64_t seed) {
  asl_rng r;
  asl_rng_seed(&r, seed);
  gc_fill(nn_model_params(m), nn_model_param_count(m), &r, 0.4);
  const char *ln[] = {"blocks.0.norm1.weight", "blocks.0.norm2.weight",
                      "blocks.1.norm1.weight", "blocks.1.norm2.weight",
                      "norm.weight"};
  for (int i = 0; i < 5; i++) {
    size_t off, n;
    if (nn_model_param_find(m, ln[i], &off, &n)) continue; // a 1-block net
    for (size_t k = 0; k < n; k++) nn_model_params(m)[off + k] += 1.0f;
  }
}

TEST(defaults_are_dim128_depth4_heads4_patch_8x8x4) {
  const int grid[3] = {64, 64, 32};
  nn_model *m;
  ASSERT_OK(nn_model_create(&m, "vit3d", 2, grid, NULL, 0, 1));
  const size_t C = 128, F = 512, T = 8 * 8 * 8, pv = 8 * 8 * 4;
  const size_t block = 2 * C + 3 * C * C + 3 * C + C * C + C + 2 * C + F * C +
                       F + C * F + C;
  ASSERT_EQ(C * 2 * pv + C + T * C + 4 * block + 2 * C + pv * C + pv,
            nn_model_param_count(m));
  ASSERT_EQ(1, nn_model_size_multiple(m));
  ASSERT_EQ(1, nn_model_trainable(m));
  size_t off, n;
  ASSERT_OK(nn_model_param_find(m, "blocks.3.self_attn.in_proj_weight", &off, &n));
  ASSERT_EQ(3 * C * C, n);
  ASSERT(nn_model_param_find(m, "blocks.4.norm1.weight", &off, &n) == ASL_ENOTFOUND);
  // Embedding, 4 blocks (q/k/v, scores, mixing, projection, MLP), decoder:
  // 1.44 GFLOP per 64x64x32 volume (docs/vit3d.md).
  const double Td = (double)T, Cd = (double)C, Fd = (double)F;
  const double fb = 2 * Td * Cd * 3 * Cd + 4 * Td * Td * Cd + 2 * Td * Cd * Cd + 4 * Td * Cd * Fd;
  double f = nn_model_flops(m, 64, 64, 32);
  ASSERT_NEAR(2 * Td * 2 * pv * Cd + 4 * fb + 2 * Td * Cd * pv, f, 1);
  ASSERT(f > 1.4e9 && f < 1.5e9);
  // A volume twice the grid along x is three tiles.
  ASSERT_NEAR(3 * f, nn_model_flops(m, 128, 64, 32), 1);
  nn_model_free(m);
}

TEST(bad_parameters_are_refused_with_the_reason) {
  const int grid[3] = {64, 64, 32}, odd[3] = {64, 60, 32};
  nn_model *m = NULL;
  nn_param heads[] = {{"dim", "100"}, {"heads", "3"}};
  ASSERT(nn_model_create(&m, "vit3d", 1, grid, heads, 2, 1) == ASL_EINVAL);
  ASSERT(strstr(asl_error_message(), "multiple of heads"));
  ASSERT(nn_model_create(&m, "vit3d", 1, odd, NULL, 0, 1) == ASL_EINVAL);
  ASSERT(strstr(asl_error_message(), "multiple of 8x8x4 (the patch"));
  const char *bad[] = {"8,8", "8,", "8x", "8,8,4,", "0", "8,8,65", ""};
  for (int i = 0; i < 7; i++) {
    nn_param patch[] = {{"patch", bad[i]}};
    if (nn_model_create(&m, "vit3d", 1, grid, patch, 1, 1) != ASL_EINVAL)
      HARNESS_FAIL("patch \"%s\" was accepted", bad[i]);
    ASSERT(strstr(asl_error_message(), "vit3d.patch must be one size"));
  }
  nn_param cube[] = {{"patch", "16"}, {"dim", "32"}, {"depth", "1"}};
  ASSERT_OK(nn_model_create(&m, "vit3d", 1, grid, cube, 3, 1));
  size_t off, n;
  ASSERT_OK(nn_model_param_find(m, "pos_embed", &off, &n));
  ASSERT_EQ(4 * 4 * 2 * 32, n); // 16x16x16 patches on 64x64x32
  nn_model_free(m);
  ASSERT(m != NULL);
}

typedef struct {
  nn_model *m;
  const float *x, *y;
} ctx;

static double loss_f(void *c) {
  ctx *k = c;
  float l;
  if (nn_eval_loss(k->m, k->x, k->y, NULL, 2, &l)) return NAN;
  return l;
}

// The MSE loss of the whole network (2 blocks, 2 input channels, batch 2)
// against every kind of parameter, sampled across the buffer.
TEST(vit3d_gradient_matches_central_differences) {
  const int grid[3] = {4, 4, 4};
  nn_model *m = small(2, grid, 3);
  randomize(m, 4);
  nn_optim_config c;
  nn_optim_config_default(&c);
  c.loss = NN_LOSS_MSE;
  ASSERT_OK(nn_model_set_optimizer(m, &c));
  float x[2 * 2 * 64], y[2 * 64], l;
  asl_rng r;
  asl_rng_seed(&r, 5);
  gc_fill(x, 256, &r, 1.0);
  gc_fill(y, 128, &r, 3.0);
  ASSERT_OK(nn_model_compute_gradients(m, x, y, NULL, 2, &l));
  const size_t n = nn_model_param_count(m);
  float *g = malloc(n * sizeof(float));
  memcpy(g, nn_model_grads(m), n * sizeof(float));
  ctx k = {m, x, y};
  double e = gc_check(loss_f, &k, nn_model_params(m), n, g, 1e-2, 400, 1e-2,
                      "vit3d.grad");
  free(g);
  nn_model_free(m);
  printf("vit3d gradient: worst relative error %.2g over %zu parameters\n", e, n);
  ASSERT(e < 2e-2);
}

// Zero decoder: the output is the ASL channel exactly, for any volume size
// (one tile, several tiles, smaller than the grid).
TEST(untrained_vit3d_is_the_identity_at_any_size) {
  const int grid[3] = {8, 8, 4};
  nn_model *m = small(2, grid, 6);
  const int sizes[3][3] = {{8, 8, 4}, {13, 9, 6}, {5, 8, 2}};
  for (int s = 0; s < 3; s++) {
    const int nx = sizes[s][0], ny = sizes[s][1], nz = sizes[s][2];
    const size_t V = (size_t)nx * ny * nz;
    float *x = malloc(2 * V * sizeof(float)), *out = malloc(V * sizeof(float));
    asl_rng r;
    asl_rng_seed(&r, 7 + s);
    gc_fill(x, 2 * V, &r, 1.0);
    ASSERT_OK(nn_infer_volume(m, x, nx, ny, nz, out));
    for (size_t i = 0; i < V; i++) ASSERT_NEAR(x[i], out[i], 1e-6);
    free(x), free(out);
  }
  nn_model_free(m);
}

// A volume 12 voxels wide on an 8-wide grid is two tiles, x = 0..7 and
// 4..11: voxels 4..7 get the mean of both predictions, the rest one.
TEST(inference_averages_overlapping_grid_tiles) {
  const int grid[3] = {8, 4, 4};
  nn_model *m = small(1, grid, 8);
  randomize(m, 9);
  enum { NX = 12, NY = 4, NZ = 4 };
  float x[NZ * NY * NX], out[NZ * NY * NX], tile[2][NZ * NY * 8], y[NZ * NY * 8] = {0};
  asl_rng r;
  asl_rng_seed(&r, 10);
  gc_fill(x, NZ * NY * NX, &r, 1.0);
  for (int t = 0; t < 2; t++) {
    float in[NZ * NY * 8], l;
    for (int zy = 0; zy < NZ * NY; zy++) memcpy(in + zy * 8, x + zy * NX + 4 * t, 8 * sizeof(float));
    ASSERT_OK(nn_eval_loss(m, in, y, NULL, 1, &l));
    memcpy(tile[t], nn_model_last_output(m), sizeof tile[t]);
  }
  ASSERT_OK(nn_infer_volume(m, x, NX, NY, NZ, out));
  for (int zy = 0; zy < NZ * NY; zy++)
    for (int i = 0; i < NX; i++) {
      double want = i < 4 ? tile[0][zy * 8 + i]
                  : i >= 8 ? tile[1][zy * 8 + i - 4]
                           : 0.5 * (tile[0][zy * 8 + i] + tile[1][zy * 8 + i - 4]);
      ASSERT_NEAR(want, out[zy * NX + i], 1e-5);
    }
  // Not the identity: the check above compared real predictions.
  double diff = 0;
  for (int i = 0; i < NZ * NY * NX; i++) diff += fabs(out[i] - x[i]);
  ASSERT(diff > 1.0);
  nn_model_free(m);
}

// A checkpoint brings back the architecture (patch, dim, ...) and weights:
// the reloaded model predicts the same volume bit for bit.
TEST(checkpoint_round_trip_keeps_predictions) {
  const int grid[3] = {8, 4, 4};
  nn_model *m = small(2, grid, 15), *back;
  randomize(m, 16);
  enum { V = 10 * 5 * 4 };
  float x[2 * V], a[V], b[V];
  asl_rng r;
  asl_rng_seed(&r, 17);
  gc_fill(x, 2 * V, &r, 1.0);
  ASSERT_OK(nn_infer_volume(m, x, 10, 5, 4, a));
  char path[] = "/tmp/test_vit3d_ckpt_XXXXXX";
  int fd = mkstemp(path);
  ASSERT(fd >= 0);
  close(fd);
  ASSERT_OK(nn_checkpoint_save(m, path, 3, NULL, 0));
  int epoch;
  ASSERT_OK(nn_checkpoint_load(&back, path, &epoch, NULL, 0));
  remove(path);
  ASSERT_EQ(3, epoch);
  ASSERT_STR_EQ("vit3d", nn_model_kind(back));
  ASSERT_EQ(nn_model_param_count(m), nn_model_param_count(back));
  ASSERT_OK(nn_infer_volume(back, x, 10, 5, 4, b));
  ASSERT(memcmp(a, b, sizeof a) == 0);
  nn_model_free(m);
  nn_model_free(back);
}

TEST(dropout_changes_training_outputs_only) {
  const int grid[3] = {4, 4, 4};
  nn_param p[] = {{"dim", "8"}, {"depth", "1"}, {"heads", "2"},
                  {"patch", "2"}, {"dropout", "0.5"}};
  nn_model *m;
  ASSERT_OK(nn_model_create(&m, "vit3d", 1, grid, p, 5, 12));
  randomize(m, 13);
  float x[64], y[64] = {0}, l, a[64], b[64];
  asl_rng r;
  asl_rng_seed(&r, 14);
  gc_fill(x, 64, &r, 1.0);
  ASSERT_OK(nn_eval_loss(m, x, y, NULL, 1, &l));
  memcpy(a, nn_model_last_output(m), sizeof a);
  ASSERT_OK(nn_eval_loss(m, x, y, NULL, 1, &l));
  ASSERT(memcmp(a, nn_model_last_output(m), sizeof a) == 0);
  ASSERT_OK(nn_model_compute_gradients(m, x, y, NULL, 1, &l));
  memcpy(b, nn_model_last_output(m), sizeof b);
  ASSERT(memcmp(a, b, sizeof a) != 0);
  nn_model_free(m);
}

int main(void) {
  nn_set_threads(1);
  RUN(defaults_are_dim128_depth4_heads4_patch_8x8x4);
  RUN(bad_parameters_are_refused_with_the_reason);
  RUN(vit3d_gradient_matches_central_differences);
  RUN(untrained_vit3d_is_the_identity_at_any_size);
  RUN(inference_averages_overlapping_grid_tiles);
  RUN(checkpoint_round_trip_keeps_predictions);
  RUN(dropout_changes_training_outputs_only);
  return DONE();
}
