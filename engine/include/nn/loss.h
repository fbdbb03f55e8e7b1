// Losses between a prediction and a target with an optional per-voxel
// weight w (NULL = every voxel weight 1). Every loss is a mean over weighted
// voxels: sum(w * e) / sum(w), over the whole batch; a batch whose weights
// sum to 0 has loss 0 and no gradient.
//
// Backward adds scale * dloss/dpred into dpred (scale = the upstream
// gradient, 1 for a plain loss).
#ifndef NN_LOSS_H
#define NN_LOSS_H

#include <stddef.h>

// pred, target, w: (n)
double nn_l1_loss_forward(const float *pred, const float *target,
                          const float *w, size_t n);
void nn_l1_loss_backward(float *dpred, const float *pred, const float *target,
                         const float *w, size_t n, float scale);
double nn_mse_loss_forward(const float *pred, const float *target,
                           const float *w, size_t n);
void nn_mse_loss_backward(float *dpred, const float *pred,
                          const float *target, const float *w, size_t n,
                          float scale);

// SSIM loss: 1 - weighted mean of the local SSIM map, per sample in 3D.
//   pred, target, w: (N, 1, D, H, W)
// Local means, variances and covariance come from a separable Gaussian
// window (sigma 1.5 voxels, radius 2, normalized, zero padding, output the
// same size), population statistics, C1 = (0.01 L)^2, C2 = (0.03 L)^2 with
// L = max - min of the sample's target (1 when the target is constant).
// ws: nn_ssim_loss_workspace_floats(D, H, W) floats.
size_t nn_ssim_loss_workspace_floats(int D, int H, int W);
double nn_ssim_loss_forward(const float *pred, const float *target,
                            const float *w, int N, int D, int H, int W,
                            float *ws);
void nn_ssim_loss_backward(float *dpred, const float *pred,
                           const float *target, const float *w, int N, int D,
                           int H, int W, float scale, float *ws);

// Separable 3D filtering with a symmetric kernel k[-r..r] (passed as
// k[0..2r]) along W, H and D. reflect = 0: zeros outside; 1: mirror about
// the edge voxel's outer face (scipy 'reflect': ... b a | a b c ...).
// in, out, tmp: (D, H, W); out and tmp must not alias in.
void nn_filter3d_separable(float *out, const float *in, float *tmp, int D,
                           int H, int W, const float *k, int r, int reflect);

#endif
