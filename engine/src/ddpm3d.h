// The conditional diffusion denoiser (kind ddpm3d; docs/ddpm3d.md): the
// project's 3D U-Net predicts the noise eps from (x_t, condition channels),
// with a sinusoidal timestep embedding -> MLP -> one channel bias per U-Net
// block (the U-Net's OP_CBIAS hook).
//
// Parameter buffer: the U-Net's parameters first (same layout and names as
// unet3d), then the time MLP "temb.fc1|fc2|out.weight|bias" (PyTorch
// nn.Linear layout). Buffers: the U-Net's BN statistics.
#ifndef NN_DDPM3D_H
#define NN_DDPM3D_H

#include "model_internal.h"
#include "nn/diffusion.h"

typedef struct {
  nn_model net;          // the U-Net; params/grads/buffers alias the outer model's
  int T, temb_dim, hidden, sample_steps, samples;
  nn_schedule_kind schedule;
  nn_sampler_kind sampler;
  float beta_start, beta_end, eta, p_uncond, guidance, sample_start;
  int start_t;                    // last timestep of the chain (T-1: from noise)
  double *beta, *alpha_bar;       // (T)
  int cbias_n;                    // channel biases per sample (all blocks)
  size_t fc1w, fc1b, fc2w, fc2b, outw, outb; // time MLP offsets
  // Scratch for a batch of up to cap_n volumes of cap_v voxels.
  int cap_n, n_fwd;               // n_fwd: batch of the last forward
  size_t cap_v;
  int *t;
  float *keep, *xin, *eps, *pred;  // (N), (N,C+1,V), (N,V), (N,V)
  float *emb, *h1, *a1, *h2, *a2, *cb, *dcb, *dh, *dg; // time MLP (N, .)
  // Sampling: state, noise, guidance output and the running sums.
  float *x, *z, *epsu;
  double *sum, *sum2;
  float *unc;                     // (N, V) SD of the last sampling
  int unc_n, unc_d, unc_h, unc_w; // its shape; unc_n = 0: none yet
  // Test-only fixed draws (nn_ddpm_set_draw).
  const int *fix_t;
  const float *fix_eps, *fix_keep;
} ddpm3d;

// Grows the scratch for N volumes of V voxels.
asl_status ddpm3d_reserve(nn_model *m, int N, size_t V);
// The time MLP: t (N) -> d->cb (N, cbias_n); backward from d->dcb.
void ddpm3d_temb_forward(nn_model *m, const int *t, int N);
void ddpm3d_temb_backward(nn_model *m, int N);
// One noise prediction: d->xin (N, C+1, D, H, W) at timesteps t -> *eps.
asl_status ddpm3d_predict(nn_model *m, const int *t, int N, int D, int H,
                          int W, int train, const float **eps);
// Sampling (inference): x (N, C, D, H, W) conditions -> d->pred, d->unc.
asl_status ddpm3d_sample(nn_model *m, const float *x, int N, int D, int H,
                         int W);

// The chain's first timestep: round(sample_start x timesteps) - 1, at
// least 0 (ddpm3d_desc.c, shared with the descriptor's check).
int ddpm3d_start_t(const nn_param *p, int n);

#endif
