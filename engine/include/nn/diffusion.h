// Diffusion helpers behind the ddpm3d model kind (docs/ddpm3d.md): noise
// schedules, the forward process q(x_t | x_0), the sampler steps, the
// sinusoidal timestep embedding, and what nn_infer_volume leaves behind for
// a ddpm3d model (the per-voxel uncertainty map).
//
// Timesteps are 0-based: t = 0..T-1, beta[t] the variance added at step t,
// alpha_bar[t] = prod_{s <= t} (1 - beta[s]); x_t = sqrt(alpha_bar[t]) x_0 +
// sqrt(1 - alpha_bar[t]) eps.
#ifndef NN_DIFFUSION_H
#define NN_DIFFUSION_H

#include <stddef.h>

#include "asl/status.h"
#include "nn/model.h"

typedef enum { NN_SCHEDULE_LINEAR = 0, NN_SCHEDULE_COSINE = 1 } nn_schedule_kind;
typedef enum { NN_SAMPLER_DDIM = 0, NN_SAMPLER_DDPM = 1 } nn_sampler_kind;

// "linear"/"cosine" and "ddim"/"ddpm"; ASL_EINVAL naming the allowed values.
asl_status nn_schedule_parse(const char *name, nn_schedule_kind *out);
asl_status nn_sampler_parse(const char *name, nn_sampler_kind *out);

// Fills beta[T] and alpha_bar[T] (caller allocates).
//   linear: beta[t] = beta_start + (beta_end - beta_start) t / (T - 1)
//           (Ho et al. 2020; beta_start when T = 1)
//   cosine: alpha_bar(t) = f(t + 1) / f(0), f(u) = cos((u/T + s)/(1 + s) pi/2)^2,
//           s = 0.008, beta[t] = min(1 - f(t+1)/f(t), 0.999) (Nichol &
//           Dhariwal 2021); beta_start/beta_end unused.
// ASL_EINVAL when T < 1 or the linear betas are not in (0, 1).
asl_status nn_diffusion_schedule(nn_schedule_kind kind, int T,
                                 double beta_start, double beta_end,
                                 double *beta, double *alpha_bar);

// x_t = sqrt(ab) x0 + sqrt(1 - ab) eps over n values.
void nn_diffusion_q_sample(float *xt, const float *x0, const float *eps,
                           double alpha_bar, size_t n);

// The S sampling timesteps out of T, ascending: tau[i] = floor(i T / S), the
// DDIM paper's spacing (tau[0] = 0; S = T gives every step). With S < T the
// chain starts at tau[S-1] < T - 1: the first step's x0 estimate divides
// the noise-prediction error by sqrt(alpha_bar), which at T - 1 is 0.0064
// (linear, T = 1000) or about 5e-5 (cosine). 1 <= S <= T.
void nn_diffusion_timesteps(int T, int S, int *tau);

// One reverse step from timestep t (alpha_bar ab_t) to the previous sampled
// one (ab_prev; 1 after the last step), given the predicted noise eps_hat
// and fresh standard normal noise z (ignored when its weight is 0):
//   x0_hat = (x_t - sqrt(1 - ab_t) eps_hat) / sqrt(ab_t)
// DDIM (Song et al. 2021), sigma = eta sqrt((1-ab_prev)/(1-ab_t)) sqrt(1 - ab_t/ab_prev):
//   x_prev = sqrt(ab_prev) x0_hat + sqrt(1 - ab_prev - sigma^2) eps_hat + sigma z
// DDPM ancestral (Ho et al. 2020) with beta = 1 - ab_t/ab_prev (the
// respaced schedule when steps are skipped): the posterior
//   x_prev = sqrt(ab_prev) beta/(1-ab_t) x0_hat + sqrt(1-beta)(1-ab_prev)/(1-ab_t) x_t
//            + sqrt(beta (1-ab_prev)/(1-ab_t)) z
// (equal to DDIM with eta = 1).
void nn_ddim_step(float *x_prev, const float *x_t, const float *eps_hat,
                  const float *z, double ab_t, double ab_prev, double eta,
                  size_t n);
void nn_ddpm_step(float *x_prev, const float *x_t, const float *eps_hat,
                  const float *z, double ab_t, double ab_prev, size_t n);

// Sinusoidal embedding of N timesteps, dim even: out[n, i] = sin(t f_i),
// out[n, dim/2 + i] = cos(t f_i), f_i = 10000^(-i / (dim/2)).
void nn_timestep_embedding(float *out, const int *t, int N, int dim);

// ---- ddpm3d models -----------------------------------------------------
// The per-voxel standard deviation across the `samples` draws of the last
// nn_infer_volume on m (zeros when samples = 1), cropped to (nz, ny, nx),
// which must be that call's volume size. ASL_EINVAL if m is not a ddpm3d
// model, ASL_ENOTFOUND before any inference or after a size mismatch.
asl_status nn_ddpm_last_uncertainty(const nn_model *m, int nx, int ny, int nz,
                                    float *out);

// Tests only: while set, training and evaluation use these draws instead of
// the model's RNG: t (batch), eps (batch, 1, D, H, W) and keep (batch; 0
// zeroes that sample's condition for classifier-free guidance). Pointers are
// kept (not copied) until nn_ddpm_set_draw(m, NULL, NULL, NULL).
asl_status nn_ddpm_set_draw(nn_model *m, const int *t, const float *eps,
                            const float *keep);

#endif
