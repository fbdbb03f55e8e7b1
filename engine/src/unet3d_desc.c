// The unet3d descriptor (nn/desc.h): parameters, size limit, grid rule and
// the planner's cost. The architecture itself is in unet3d_graph.c.
#include "unet3d_desc.h"

static const nn_param_desc params[] = {UNET3D_PARAM_ROWS};

// The widest layer bounds the size: nets beyond 2^28 parameters (1 GiB of
// weights) are refused before they are built.
asl_status unet3d_desc_check(const nn_param *p, int n) {
  const int base = nn_desc_int(&nn_unet3d_desc, p, n, "base_channels");
  const int depth = nn_desc_int(&nn_unet3d_desc, p, n, "depth");
  double widest = (double)(base << (depth - 1));
  if (widest * widest * 27 * 8 > (double)(1 << 28))
    return asl_fail(ASL_EINVAL,
                    "base_channels %d with depth %d is too large (over 2^28 "
                    "parameters)", base, depth);
  return ASL_OK;
}

// Each level halves the grid: 2^depth along every axis.
void unet3d_grid_multiple(const nn_param *p, int n, int mult[3]) {
  mult[0] = mult[1] = mult[2] = 1 << nn_desc_int(&nn_unet3d_desc, p, n, "depth");
}

// docs/engine.md: 18.34 GFLOP per forward pass of the 16-channel U-Net on
// 64x64x32 voxels; convolution cost grows with channels squared.
double unet3d_cost_per_voxel(const nn_param *p, int n) {
  double c = nn_desc_number(&nn_unet3d_desc, p, n, "base_channels") / 16.0;
  return 1.4e5 * c * c;
}

const nn_model_desc nn_unet3d_desc = {
    .kind = "unet3d",
    .params = params,
    .n_params = sizeof params / sizeof params[0],
    .trainable = 1,
    .cuda = 1,
    .fixed_loss = -1,
    .check = unet3d_desc_check,
    .grid_multiple = unet3d_grid_multiple,
    .rule = "2^depth",
    .cost_per_voxel = unet3d_cost_per_voxel,
};
