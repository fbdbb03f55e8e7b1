// Model descriptors (nn/desc.h): every registered kind's table round-trips
// its defaults through the parser and builds the same model as no
// parameters at all; the checks across parameters refuse the known bad
// combinations, with the same message from the descriptor as from
// nn_model_create (the planner and the factory run one check).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "nn/desc.h"
#include "nn/model.h"

static const int grid[3] = {32, 32, 16};

// The model from these parameters (NULL on refusal).
static nn_model *make(const char *kind, const nn_param *p, int n) {
  nn_model *m = NULL;
  if (nn_model_create(&m, kind, 1, grid, p, n, 7) != ASL_OK) return NULL;
  return m;
}

static void round_trip(const nn_model_desc *d) {
  nn_param all[32];
  ASSERT(d->n_params <= 32);
  for (int i = 0; i < d->n_params; i++) {
    const nn_param_desc *pd = &d->params[i];
    ASSERT(pd->dflt != NULL);
    if (nn_param_desc_check(d, pd, pd->dflt) != ASL_OK)
      HARNESS_FAIL("%s.%s: default '%s' refused: %s", d->kind, pd->name, pd->dflt,
                   asl_error_message());
    ASSERT_STR_EQ(pd->dflt, nn_desc_text(d, NULL, 0, pd->name));
    ASSERT(nn_param_desc_find(d, pd->name) == pd);
    for (int k = 0; pd->candidates && pd->candidates[k]; k++)
      ASSERT_OK(nn_param_desc_check(d, pd, pd->candidates[k]));
    for (int k = 0; pd->choices && pd->choices[k]; k++)
      ASSERT_OK(nn_param_desc_check(d, pd, pd->choices[k]));
    all[i] = (nn_param){pd->name, pd->dflt};
  }
  ASSERT_OK(nn_model_desc_check(d, all, d->n_params));
  ASSERT_OK(nn_model_desc_check_grid(d, all, d->n_params, grid));
  ASSERT(nn_model_desc_cost(d, all, d->n_params) == nn_model_desc_cost(d, NULL, 0));
  ASSERT(nn_model_desc_cost(d, NULL, 0) > 0);
  ASSERT(nn_model_desc_evaluations(d, all, d->n_params) == nn_model_desc_evaluations(d, NULL, 0));
  // Defaults written out build the model that no parameters build, bit for bit.
  nn_model *a = make(d->kind, all, d->n_params), *b = make(d->kind, NULL, 0);
  if (!a || !b) HARNESS_FAIL("%s: %s", d->kind, asl_error_message());
  ASSERT(nn_model_describe(a) == d);
  ASSERT_EQ(d->trainable, nn_model_trainable(a));
  ASSERT_EQ(nn_model_param_count(b), nn_model_param_count(a));
  ASSERT(memcmp(nn_model_params(a), nn_model_params(b),
                nn_model_param_count(a) * sizeof(float)) == 0);
  nn_model_free(a);
  nn_model_free(b);
}

TEST(every_kind_round_trips_its_defaults) {
  ASSERT(nn_model_desc_count() >= 6);
  for (int i = 0; i < nn_model_desc_count(); i++) {
    const nn_model_desc *d = nn_model_desc_at(i);
    ASSERT(nn_model_desc_find(d->kind) == d);
    ASSERT(strstr(nn_model_kinds(), d->kind));
    round_trip(d);
  }
  ASSERT(nn_model_desc_find("resnet") == NULL);
}

TEST(capabilities_are_declared_not_inferred_from_names) {
  const nn_model_desc *ddpm = nn_model_desc_find("ddpm3d"), *vit = nn_model_desc_find("vit3d");
  const nn_model_desc *gauss = nn_model_desc_find("gaussian");
  ASSERT_EQ(NN_LOSS_MSE, ddpm->fixed_loss);
  ASSERT_EQ(1, ddpm->uncertainty);
  ASSERT_EQ(-1, nn_model_desc_find("unet3d")->fixed_loss);
  ASSERT_EQ(1, vit->tiled);
  ASSERT_EQ(0, gauss->trainable);
  ASSERT(nn_param_desc_find(gauss, "sigma")->candidates != NULL);
  ASSERT(nn_param_desc_find(nn_model_desc_find("nlm"), "h")->candidates != NULL);
  ASSERT(nn_param_desc_find(vit, "dim")->candidates == NULL);
  // ddpm3d samples sample_steps x samples evaluations, twice with guidance.
  nn_param g[] = {{"sample_steps", "20"}, {"samples", "3"}, {"guidance", "1.5"}};
  ASSERT_NEAR(120, nn_model_desc_evaluations(ddpm, g, 3), 0);
  ASSERT_NEAR(1, nn_model_desc_evaluations(vit, NULL, 0), 0);
}

// Each refused by the descriptor and by model creation with one message.
static void refused(const char *kind, const nn_param *p, int n, const char *says) {
  const nn_model_desc *d = nn_model_desc_find(kind);
  if (nn_model_desc_check(d, p, n) != ASL_EINVAL) HARNESS_FAIL("%s: '%s' accepted", kind, says);
  char msg[512];
  snprintf(msg, sizeof msg, "%s", asl_error_message());
  if (!strstr(msg, says)) HARNESS_FAIL("%s: message '%s' lacks '%s'", kind, msg, says);
  ASSERT(make(kind, p, n) == NULL);
  ASSERT_STR_EQ(msg, asl_error_message());
}

TEST(cross_checks_refuse_the_known_bad_combinations) {
  nn_param temb[] = {{"depth", "2"}, {"temb_dim", "7"}};
  refused("ddpm3d", temb, 2, "temb_dim 7 must be even");
  nn_param chain[] = {{"depth", "2"}, {"timesteps", "100"}, {"sample_start", "0.1"},
                      {"sample_steps", "11"}};
  refused("ddpm3d", chain, 4, "sample_steps 11 exceeds the 10 timesteps");
  chain[3].value = "10";
  ASSERT_OK(nn_model_desc_check(nn_model_desc_find("ddpm3d"), chain, 4));
  nn_param beta[] = {{"schedule", "linear"}, {"beta_start", "0.02"}, {"beta_end", "0.01"}};
  refused("ddpm3d", beta, 3, "beta_end 0.01 is below beta_start 0.02");
  nn_param heads[] = {{"dim", "60"}, {"heads", "8"}};
  refused("vit3d", heads, 2, "dim 60 is not a multiple of heads 8");
  nn_param patch[] = {{"patch", "8abc"}};
  refused("vit3d", patch, 1, "vit3d.patch must be one size");
  nn_param wide[] = {{"base_channels", "256"}, {"depth", "8"}};
  refused("unet3d", wide, 2, "too large");
  nn_param odd[] = {{"patch", "4"}};
  refused("nlm", odd, 1, "nlm.patch must be odd");
  nn_param border[] = {{"border", "wrap"}};
  refused("gaussian", border, 1, "allowed: reflect, zeros");
  nn_param none[] = {{"sigma", "1"}};
  refused("identity", none, 1, "allowed: none");
}

TEST(grid_rule_follows_depth_and_patch) {
  const nn_model_desc *u = nn_model_desc_find("unet3d"), *v = nn_model_desc_find("vit3d");
  nn_param d2[] = {{"depth", "2"}};
  const int g12[3] = {12, 12, 8}, g30[3] = {30, 32, 16};
  ASSERT_OK(nn_model_desc_check_grid(u, d2, 1, g12));
  ASSERT_EQ(ASL_EINVAL, nn_model_desc_check_grid(u, NULL, 0, g12));
  ASSERT(strstr(asl_error_message(), "multiple of 16x16x16 (2^depth"));
  ASSERT_EQ(ASL_EINVAL, nn_model_desc_check_grid(v, NULL, 0, g30));
  nn_param p6[] = {{"patch", "6,8,4"}}, bad[] = {{"patch", "6x"}};
  ASSERT_OK(nn_model_desc_check_grid(v, p6, 1, g30));
  // A bad value is reported, not read as a grid rule.
  ASSERT_EQ(ASL_EINVAL, nn_model_desc_check_grid(v, bad, 1, g30));
  ASSERT(strstr(asl_error_message(), "vit3d.patch must be one size"));
  // 131072 one-voxel tokens: refused by the descriptor and the factory alike.
  nn_param p1[] = {{"patch", "1"}, {"dim", "8"}, {"heads", "2"}};
  const int big[3] = {64, 64, 32};
  ASSERT_EQ(ASL_EINVAL, nn_model_desc_check_grid(v, p1, 3, big));
  ASSERT(strstr(asl_error_message(), "131072 tokens are too large"));
  nn_model *m = NULL;
  ASSERT_EQ(ASL_EINVAL, nn_model_create(&m, "vit3d", 1, big, p1, 3, 1));
  ASSERT(strstr(asl_error_message(), "131072 tokens are too large") && m == NULL);
}

int main(void) {
  RUN(every_kind_round_trips_its_defaults);
  RUN(capabilities_are_declared_not_inferred_from_names);
  RUN(cross_checks_refuse_the_known_bad_combinations);
  RUN(grid_rule_follows_depth_and_patch);
  return DONE();
}
