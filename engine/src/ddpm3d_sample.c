// ddpm3d inference: DDIM or DDPM ancestral sampling over sample_steps of the
// T timesteps, optional classifier-free guidance, the mean of `samples`
// draws as the output and their per-voxel SD as the uncertainty map.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ddpm3d.h"

// eps_hat at timestep t for the state d->x and the condition (N, C, V);
// with guidance w > 0: (1 + w) eps(x, c) - w eps(x, 0) (Ho & Salimans 2022).
static asl_status predict_eps(nn_model *m, const float *cond, int t, int N,
                              int D, int H, int W, const float **eps) {
  ddpm3d *d = m->impl;
  const size_t V = (size_t)D * H * W;
  const int C = m->in_channels;
  for (int n = 0; n < N; n++) {
    d->t[n] = t;
    float *xin = d->xin + (size_t)n * (C + 1) * V;
    memcpy(xin, d->x + n * V, V * sizeof(float));
    memcpy(xin + V, cond + n * C * V, C * V * sizeof(float));
  }
  asl_status s = ddpm3d_predict(m, d->t, N, D, H, W, 0, eps);
  if (s || d->guidance == 0.0f) return s;
  memcpy(d->epsu, *eps, (size_t)N * V * sizeof(float));
  for (int n = 0; n < N; n++)
    memset(d->xin + ((size_t)n * (C + 1) + 1) * V, 0, C * V * sizeof(float));
  const float *e0;
  s = ddpm3d_predict(m, d->t, N, D, H, W, 0, &e0);
  if (s) return s;
  const float w = d->guidance;
  for (size_t i = 0; i < (size_t)N * V; i++) d->epsu[i] = (1 + w) * d->epsu[i] - w * e0[i];
  *eps = d->epsu;
  return ASL_OK;
}

// One chain down to x_0, left in d->x. It starts from x_{T-1} ~ N(0, I),
// or with sample_start < 1 (SDEdit, Meng et al. 2022) from the ASL
// condition channel diffused to start_t: sqrt(ab) c + sqrt(1 - ab) z.
static asl_status chain(nn_model *m, const float *cond, const int *tau,
                        asl_rng *r, int N, int D, int H, int W) {
  ddpm3d *d = m->impl;
  const size_t V = (size_t)D * H * W, NV = (size_t)N * V;
  for (size_t i = 0; i < NV; i++) d->x[i] = (float)asl_rng_normal(r);
  if (d->start_t < d->T - 1)
    for (int n = 0; n < N; n++)
      nn_diffusion_q_sample(d->x + n * V, cond + (size_t)n * m->in_channels * V,
                            d->x + n * V, d->alpha_bar[d->start_t], V);
  for (int i = d->sample_steps - 1; i >= 0; i--) {
    const float *eps;
    asl_status s = predict_eps(m, cond, tau[i], N, D, H, W, &eps);
    if (s) return s;
    const double ab = d->alpha_bar[tau[i]], ab_prev = i ? d->alpha_bar[tau[i - 1]] : 1.0;
    const int noisy = i > 0 && (d->sampler == NN_SAMPLER_DDPM || d->eta > 0);
    for (size_t k = 0; noisy && k < NV; k++) d->z[k] = (float)asl_rng_normal(r);
    if (d->sampler == NN_SAMPLER_DDPM) nn_ddpm_step(d->x, d->x, eps, d->z, ab, ab_prev, NV);
    else nn_ddim_step(d->x, d->x, eps, d->z, ab, ab_prev, d->eta, NV);
  }
  return ASL_OK;
}

asl_status ddpm3d_sample(nn_model *m, const float *x, int N, int D, int H,
                         int W) {
  ddpm3d *d = m->impl;
  const size_t NV = (size_t)N * D * H * W;
  asl_status s = ddpm3d_reserve(m, N, (size_t)D * H * W);
  int *tau = malloc(sizeof(int) * d->sample_steps);
  if (!s && !tau) s = asl_fail(ASL_ENOMEM, "model ddpm3d: out of memory");
  if (s) return free(tau), s;
  nn_diffusion_timesteps(d->start_t + 1, d->sample_steps, tau);
  // A fresh stream per call: the same volume always gets the same samples,
  // whatever was inferred before.
  asl_rng r;
  asl_rng_seed_key(&r, m->seed, "ddpm-sample");
  memset(d->sum, 0, NV * sizeof(double));
  memset(d->sum2, 0, NV * sizeof(double));
  d->unc_n = 0;
  for (int k = 0; k < d->samples && !s; k++) {
    s = chain(m, x, tau, &r, N, D, H, W);
    for (size_t i = 0; !s && i < NV; i++) d->sum[i] += d->x[i], d->sum2[i] += (double)d->x[i] * d->x[i];
  }
  free(tau);
  if (s) return s;
  const int K = d->samples;
  for (size_t i = 0; i < NV; i++) {
    const double mean = d->sum[i] / K;
    const double var = K > 1 ? (d->sum2[i] - K * mean * mean) / (K - 1) : 0.0;
    d->pred[i] = (float)mean;
    d->unc[i] = (float)sqrt(fmax(var, 0.0));
  }
  d->unc_n = N, d->unc_d = D, d->unc_h = H, d->unc_w = W;
  return ASL_OK;
}

asl_status nn_ddpm_last_uncertainty(const nn_model *m, int nx, int ny, int nz,
                                    float *out) {
  if (m->ops != &nn_ddpm3d_ops)
    return asl_fail(ASL_EINVAL, "model %s has no uncertainty map (ddpm3d only)", m->ops->desc->kind);
  const ddpm3d *d = m->impl;
  const int k = m->ops->size_multiple(m);
  if (d->unc_n != 1 || nx < 1 || ny < 1 || nz < 1 || (nx + k - 1) / k * k != d->unc_w ||
      (ny + k - 1) / k * k != d->unc_h || (nz + k - 1) / k * k != d->unc_d)
    return asl_fail(ASL_ENOTFOUND,
                    "model ddpm3d: no uncertainty map for a %dx%dx%d volume (call "
                    "nn_infer_volume on that volume first)", nx, ny, nz);
  for (int z = 0; z < nz; z++)
    for (int y = 0; y < ny; y++)
      memcpy(out + ((size_t)z * ny + y) * nx,
             d->unc + ((size_t)z * d->unc_h + y) * d->unc_w, nx * sizeof(float));
  return ASL_OK;
}
