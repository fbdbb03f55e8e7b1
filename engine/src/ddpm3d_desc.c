// The ddpm3d descriptor (nn/desc.h): the U-Net's parameters plus the
// diffusion ones, the checks across them, and the planner's cost (one
// U-Net evaluation per voxel; sampling takes sample_steps x samples of
// them, twice with guidance). It trains on the noise MSE whatever loss the
// spec names and can return a per-voxel uncertainty (docs/ddpm3d.md).
#include <math.h>
#include <string.h>

#include "ddpm3d.h"
#include "unet3d_desc.h"

extern const nn_model_desc nn_ddpm3d_desc;

static const char *const schedules[] = {"linear", "cosine", NULL};
static const char *const samplers[] = {"ddim", "ddpm", NULL};

static const nn_param_desc params[] = {
    UNET3D_PARAM_ROWS,
    {"timesteps", NN_PT_INT, 1, 10000, "1000", NULL, NULL},
    {"schedule", NN_PT_ENUM, 0, 0, "cosine", schedules, NULL},
    {"beta_start", NN_PT_REAL, 1e-8, 0.5, "1e-4", NULL, NULL},
    {"beta_end", NN_PT_REAL, 1e-8, 0.999, "0.02", NULL, NULL},
    {"temb_dim", NN_PT_INT, 2, 1024, "32", NULL, NULL},
    {"sampler", NN_PT_ENUM, 0, 0, "ddim", samplers, NULL},
    {"sample_steps", NN_PT_INT, 1, 10000, "50", NULL, NULL},
    {"eta", NN_PT_REAL, 0, 1, "0", NULL, NULL},
    {"samples", NN_PT_INT, 1, 64, "1", NULL, NULL},
    {"p_uncond", NN_PT_REAL, 0, 1, "0", NULL, NULL},
    {"guidance", NN_PT_REAL, 0, 20, "0", NULL, NULL},
    {"sample_start", NN_PT_REAL, 1e-4, 1, "1", NULL, NULL},
};

// The last timestep the sampling chain starts from (ddpm3d_model.c keeps
// it); computed from the float the model stores.
int ddpm3d_start_t(const nn_param *p, int n) {
  const nn_model_desc *d = &nn_ddpm3d_desc;
  int t = (int)lround((double)nn_desc_float(d, p, n, "sample_start") *
                      nn_desc_int(d, p, n, "timesteps")) - 1;
  return t < 0 ? 0 : t;
}

static asl_status check(const nn_param *p, int n) {
  const nn_model_desc *d = &nn_ddpm3d_desc;
  const int temb = nn_desc_int(d, p, n, "temb_dim"), steps = nn_desc_int(d, p, n, "sample_steps");
  const int start = ddpm3d_start_t(p, n);
  const float b0 = nn_desc_float(d, p, n, "beta_start"), b1 = nn_desc_float(d, p, n, "beta_end");
  const char *sched = nn_desc_text(d, p, n, "schedule");
  if (temb % 2)
    return asl_fail(ASL_EINVAL, "temb_dim %d must be even (sine and cosine halves)", temb);
  if (steps > start + 1)
    return asl_fail(ASL_EINVAL,
                    "sample_steps %d exceeds the %d timesteps the chain runs "
                    "(timesteps x sample_start; lower sample_steps or raise "
                    "timesteps)", steps, start + 1);
  if (strcmp(sched, "linear") == 0 && !(b1 >= b0))
    return asl_fail(ASL_EINVAL, "beta_end %g is below beta_start %g", b1, b0);
  return unet3d_desc_check(p, n);
}

static double evaluations(const nn_param *p, int n) {
  const nn_model_desc *d = &nn_ddpm3d_desc;
  double evals = nn_desc_number(d, p, n, "sample_steps") * nn_desc_number(d, p, n, "samples");
  return nn_desc_number(d, p, n, "guidance") > 0 ? 2 * evals : evals;
}

const nn_model_desc nn_ddpm3d_desc = {
    .kind = "ddpm3d",
    .params = params,
    .n_params = sizeof params / sizeof params[0],
    .trainable = 1,
    .cuda = 1,
    .fixed_loss = NN_LOSS_MSE,
    .uncertainty = 1,
    .check = check,
    .grid_multiple = unet3d_grid_multiple,
    .rule = "2^depth",
    .cost_per_voxel = unet3d_cost_per_voxel,
    .infer_evaluations = evaluations,
};
