// The U-Net's parameter rows and rules, shared by the unet3d descriptor and
// by ddpm3d's (whose noise network is this U-Net).
#ifndef NN_UNET3D_DESC_H
#define NN_UNET3D_DESC_H

#include "nn/desc.h"

#define UNET3D_PARAM_ROWS                                       \
  {"base_channels", NN_PT_INT, 1, 256, "16", NULL, NULL},       \
  {"depth", NN_PT_INT, 1, 8, "4", NULL, NULL},                  \
  {"dropout", NN_PT_REAL, 0, 0.9, "0.05", NULL, NULL},          \
  {"bn_momentum", NN_PT_REAL, 0, 1, "0.1", NULL, NULL}

extern const nn_model_desc nn_unet3d_desc;

asl_status unet3d_desc_check(const nn_param *p, int n);
void unet3d_grid_multiple(const nn_param *p, int n, int mult[3]);
double unet3d_cost_per_voxel(const nn_param *p, int n);

#endif
