// The vit3d descriptor (nn/desc.h): parameters, the heads rule, the patch as
// grid multiple and the planner's cost. The model is in vit3d_model.c.
#include <math.h>

#include "nn/desc.h"
#include "vit3d.h"

extern const nn_model_desc nn_vit3d_desc;

static const nn_param_desc params[] = {
    {"dim", NN_PT_INT, 4, 4096, "128", NULL, NULL},
    {"depth", NN_PT_INT, 1, VIT_MAX_DEPTH, "4", NULL, NULL},
    {"heads", NN_PT_INT, 1, 64, "4", NULL, NULL},
    {"mlp_ratio", NN_PT_REAL, 0.25, 16, "4", NULL, NULL},
    {"dropout", NN_PT_REAL, 0, 0.9, "0", NULL, NULL},
    {"patch", NN_PT_SIZE3, 1, 64, "8,8,4", NULL, NULL},
};

static asl_status check(const nn_param *p, int n) {
  const int dim = nn_desc_int(&nn_vit3d_desc, p, n, "dim");
  const int heads = nn_desc_int(&nn_vit3d_desc, p, n, "heads");
  if (dim % heads)
    return asl_fail(ASL_EINVAL,
                    "dim %d is not a multiple of heads %d (each head gets "
                    "dim/heads channels)", dim, heads);
  return ASL_OK;
}

// A token is one patch: the grid holds whole patches.
static void grid_multiple(const nn_param *p, int n, int mult[3]) {
  asl_status s = nn_desc_size3(&nn_vit3d_desc, "patch",
                               nn_desc_text(&nn_vit3d_desc, p, n, "patch"), mult);
  ASL_ASSERT(s == ASL_OK); // checked before
}

// Weights and attention grow with the tokens of the grid: refuse nets
// beyond 2^28 parameters or 65536 tokens before building them.
static asl_status check_grid(const nn_param *p, int n, const int grid[3]) {
  const nn_model_desc *d = &nn_vit3d_desc;
  int q[3];
  grid_multiple(p, n, q);
  const int dim = nn_desc_int(d, p, n, "dim"), depth = nn_desc_int(d, p, n, "depth");
  const double T = (double)(grid[0] / q[0]) * (grid[1] / q[1]) * (grid[2] / q[2]);
  long hidden = lround(nn_desc_float(d, p, n, "mlp_ratio") * dim);
  if (hidden < 1) hidden = 1;
  double weights = (double)depth * (4.0 * dim + 2.0 * hidden) * dim + T * dim;
  if (weights > (double)(1 << 28) || T > 65536)
    return asl_fail(ASL_EINVAL,
                    "dim %d, depth %d and %.0f tokens are too large (over 2^28 "
                    "parameters or 65536 tokens)", dim, depth, T);
  return ASL_OK;
}

// Per token and block: QKV + projection 8 d^2, MLP 4 r d^2 (2 per
// multiply-add); a token covers one patch of voxels; embedding in and out.
static double cost(const nn_param *p, int n) {
  const nn_model_desc *d = &nn_vit3d_desc;
  double dim = nn_desc_number(d, p, n, "dim"), r = nn_desc_number(d, p, n, "mlp_ratio");
  int q[3];
  grid_multiple(p, n, q);
  return nn_desc_number(d, p, n, "depth") * (8 + 4 * r) * dim * dim /
             ((double)q[0] * q[1] * q[2]) + 4 * dim;
}

const nn_model_desc nn_vit3d_desc = {
    .kind = "vit3d",
    .params = params,
    .n_params = sizeof params / sizeof params[0],
    .trainable = 1,
    .cuda = 1,
    .fixed_loss = -1,
    .tiled = 1,
    .check = check,
    .grid_multiple = grid_multiple,
    .rule = "the patch",
    .check_grid = check_grid,
    .cost_per_voxel = cost,
};
