// Noise schedules, the forward process and the reverse steps of the
// diffusion model (nn/diffusion.h). Schedules are kept in double: 1 - ab
// near t = 0 is tiny and float would round it away.
#include <math.h>
#include <string.h>

#include "nn/diffusion.h"

asl_status nn_schedule_parse(const char *name, nn_schedule_kind *out) {
  if (name && strcmp(name, "linear") == 0) *out = NN_SCHEDULE_LINEAR;
  else if (name && strcmp(name, "cosine") == 0) *out = NN_SCHEDULE_COSINE;
  else
    return asl_fail(ASL_EINVAL, "unknown noise schedule '%s' (allowed: linear, cosine)",
                    name ? name : "(null)");
  return ASL_OK;
}

asl_status nn_sampler_parse(const char *name, nn_sampler_kind *out) {
  if (name && strcmp(name, "ddim") == 0) *out = NN_SAMPLER_DDIM;
  else if (name && strcmp(name, "ddpm") == 0) *out = NN_SAMPLER_DDPM;
  else
    return asl_fail(ASL_EINVAL, "unknown sampler '%s' (allowed: ddim, ddpm)",
                    name ? name : "(null)");
  return ASL_OK;
}

static const double HALF_PI = 1.57079632679489661923;

static double cosine_f(double u, int T) {
  const double s = 0.008, c = cos((u / T + s) / (1 + s) * HALF_PI);
  return c * c;
}

asl_status nn_diffusion_schedule(nn_schedule_kind kind, int T,
                                 double beta_start, double beta_end,
                                 double *beta, double *alpha_bar) {
  if (T < 1)
    return asl_fail(ASL_EINVAL, "diffusion schedule: T = %d, need at least 1 step", T);
  if (kind == NN_SCHEDULE_LINEAR &&
      !(beta_start > 0 && beta_start < 1 && beta_end > 0 && beta_end < 1))
    return asl_fail(ASL_EINVAL,
                    "diffusion schedule: beta_start %g and beta_end %g must lie in (0, 1)",
                    beta_start, beta_end);
  double ab = 1.0;
  for (int t = 0; t < T; t++) {
    if (kind == NN_SCHEDULE_LINEAR)
      beta[t] = T == 1 ? beta_start : beta_start + (beta_end - beta_start) * t / (T - 1);
    else
      beta[t] = fmin(1.0 - cosine_f(t + 1, T) / cosine_f(t, T), 0.999);
    ab *= 1.0 - beta[t];
    alpha_bar[t] = ab;
  }
  return ASL_OK;
}

void nn_diffusion_q_sample(float *xt, const float *x0, const float *eps,
                           double alpha_bar, size_t n) {
  const float a = (float)sqrt(alpha_bar), b = (float)sqrt(1.0 - alpha_bar);
  for (size_t i = 0; i < n; i++) xt[i] = a * x0[i] + b * eps[i];
}

void nn_diffusion_timesteps(int T, int S, int *tau) {
  for (int i = 0; i < S; i++) tau[i] = (int)((long long)i * T / S);
}

void nn_ddim_step(float *x_prev, const float *x_t, const float *eps_hat,
                  const float *z, double ab_t, double ab_prev, double eta,
                  size_t n) {
  const double sigma = eta * sqrt((1 - ab_prev) / (1 - ab_t)) * sqrt(1 - ab_t / ab_prev);
  const double dir = sqrt(fmax(0.0, 1 - ab_prev - sigma * sigma));
  // x_prev = sqrt(ab_prev) x0_hat + dir eps_hat + sigma z, x0_hat expanded.
  const float cx = (float)(sqrt(ab_prev / ab_t));
  const float ce = (float)(dir - sqrt(ab_prev) * sqrt(1 - ab_t) / sqrt(ab_t));
  const float cz = (float)sigma;
  for (size_t i = 0; i < n; i++)
    x_prev[i] = cx * x_t[i] + ce * eps_hat[i] + (cz != 0.0f ? cz * z[i] : 0.0f);
}

void nn_ddpm_step(float *x_prev, const float *x_t, const float *eps_hat,
                  const float *z, double ab_t, double ab_prev, size_t n) {
  const double beta = 1 - ab_t / ab_prev;
  const double c0 = sqrt(ab_prev) * beta / (1 - ab_t);
  const double ct = sqrt(1 - beta) * (1 - ab_prev) / (1 - ab_t);
  const float sd = (float)sqrt(beta * (1 - ab_prev) / (1 - ab_t));
  // c0 x0_hat + ct x_t with x0_hat = (x_t - sqrt(1-ab_t) eps_hat)/sqrt(ab_t).
  const float cx = (float)(c0 / sqrt(ab_t) + ct);
  const float ce = (float)(-c0 * sqrt(1 - ab_t) / sqrt(ab_t));
  for (size_t i = 0; i < n; i++)
    x_prev[i] = cx * x_t[i] + ce * eps_hat[i] + (sd != 0.0f ? sd * z[i] : 0.0f);
}

void nn_timestep_embedding(float *out, const int *t, int N, int dim) {
  const int half = dim / 2;
  for (int n = 0; n < N; n++)
    for (int i = 0; i < half; i++) {
      const double f = exp(-log(10000.0) * i / half), a = t[n] * f;
      out[(size_t)n * dim + i] = (float)sin(a);
      out[(size_t)n * dim + half + i] = (float)cos(a);
    }
}
