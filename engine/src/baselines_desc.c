// Descriptors of the classical baselines (nn/desc.h): identity, gaussian
// and nlm. None trains; gaussian sigma and nlm h may be `auto`, chosen per
// fold among the candidates below (docs/denoise.md).
#include <math.h>

#include "nn/desc.h"

extern const nn_model_desc nn_identity_desc, nn_gaussian_desc, nn_nlm_desc;

static const char *const borders[] = {"reflect", "zeros", NULL};
// Gaussian sigma in voxels; NLM h in units of the noise SD (baseline_nlm.c).
static const char *const sigma_candidates[] = {"0.5", "0.75", "1", "1.5", "2", "3", NULL};
static const char *const h_candidates[] = {"0.4", "0.6", "0.8", "1.2", "1.6", "2.4", NULL};

static const nn_param_desc gaussian_params[] = {
    {"sigma", NN_PT_REAL, 0.05, 8, "1", NULL, sigma_candidates},
    {"border", NN_PT_ENUM, 0, 0, "reflect", borders, NULL},
};

static const nn_param_desc nlm_params[] = {
    {"patch", NN_PT_ODD, 1, 9, "3", NULL, NULL},
    {"search", NN_PT_ODD, 1, 21, "7", NULL, NULL},
    {"h", NN_PT_REAL, 1e-3, 100, "1", NULL, h_candidates},
};

// A copy.
static double identity_cost(const nn_param *p, int n) {
  (void)p, (void)n;
  return 1;
}

// Three separable passes of 2 ceil(3 sigma) + 1 taps.
static double gaussian_cost(const nn_param *p, int n) {
  return 6 * (2 * ceil(3 * nn_desc_number(&nn_gaussian_desc, p, n, "sigma")) + 1);
}

static double nlm_cost(const nn_param *p, int n) {
  double s = nn_desc_number(&nn_nlm_desc, p, n, "search");
  double q = nn_desc_number(&nn_nlm_desc, p, n, "patch");
  return 2 * s * s * s * q * q * q;
}

const nn_model_desc nn_identity_desc = {
    .kind = "identity",
    .fixed_loss = -1,
    .cost_per_voxel = identity_cost,
};

const nn_model_desc nn_gaussian_desc = {
    .kind = "gaussian",
    .params = gaussian_params,
    .n_params = sizeof gaussian_params / sizeof gaussian_params[0],
    .fixed_loss = -1,
    .cost_per_voxel = gaussian_cost,
};

const nn_model_desc nn_nlm_desc = {
    .kind = "nlm",
    .params = nlm_params,
    .n_params = sizeof nlm_params / sizeof nlm_params[0],
    .fixed_loss = -1,
    .cost_per_voxel = nlm_cost,
};
