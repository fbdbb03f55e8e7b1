// The diffusion helpers (nn/diffusion.h): schedules against hand-computed
// alpha-bar values, the forward process against its closed form
// q(x_t | x_0) = N(sqrt(ab) x_0, (1 - ab) I) on many draws, the sampling
// timesteps, the reverse steps' algebra and the timestep embedding.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "asl/rng.h"
#include "harness.h"
#include "nn/diffusion.h"

TEST(linear_schedule_matches_hand_values) {
  // T = 4, beta 0.1 .. 0.4: betas 0.1, 0.2, 0.3, 0.4;
  // ab = 0.9, 0.9 * 0.8, 0.72 * 0.7, 0.504 * 0.6.
  double beta[4], ab[4];
  ASSERT_OK(nn_diffusion_schedule(NN_SCHEDULE_LINEAR, 4, 0.1, 0.4, beta, ab));
  const double want_b[4] = {0.1, 0.2, 0.3, 0.4}, want_ab[4] = {0.9, 0.72, 0.504, 0.3024};
  for (int t = 0; t < 4; t++) {
    ASSERT_NEAR(want_b[t], beta[t], 1e-15);
    ASSERT_NEAR(want_ab[t], ab[t], 1e-15);
  }
  // Ho et al.'s T = 1000, 1e-4 .. 0.02: ab[999] = prod(1 - beta) ~ 4.04e-5.
  double *b = malloc(sizeof(double) * 1000), *a = malloc(sizeof(double) * 1000);
  ASSERT_OK(nn_diffusion_schedule(NN_SCHEDULE_LINEAR, 1000, 1e-4, 0.02, b, a));
  double log_ab = 0;
  for (int t = 0; t < 1000; t++) log_ab += log(1 - (1e-4 + (0.02 - 1e-4) * t / 999.0));
  ASSERT_NEAR(exp(log_ab), a[999], 1e-12);
  ASSERT(a[999] > 4.0e-5 && a[999] < 4.1e-5);
  free(b), free(a);
}

TEST(cosine_schedule_matches_hand_values_and_clips) {
  // T = 4, s = 0.008, f(u) = cos((u/4 + s)/(1 + s) pi/2)^2, ab[t] = f(t+1)/f(0):
  // f(1)/f(0) = 0.847012161..., f(2)/f(0) = 0.493843590..., f(3)/f(0) =
  // 0.144272102...; the last beta 1 - f(4)/f(3) = 1 is clipped to 0.999.
  double beta[4], ab[4];
  ASSERT_OK(nn_diffusion_schedule(NN_SCHEDULE_COSINE, 4, 0, 0, beta, ab));
  ASSERT_NEAR(0.8470121613269047, ab[0], 1e-13);
  ASSERT_NEAR(0.4938435904406378, ab[1], 1e-13);
  ASSERT_NEAR(0.1442721023857358, ab[2], 1e-13);
  ASSERT_NEAR(0.999, beta[3], 1e-15);
  ASSERT_NEAR(0.1442721023857358 * 0.001, ab[3], 1e-15);
  // T = 1000: below the clipped tail ab[t] is the closed form f(t+1)/f(0).
  double *b = malloc(sizeof(double) * 1000), *a = malloc(sizeof(double) * 1000);
  ASSERT_OK(nn_diffusion_schedule(NN_SCHEDULE_COSINE, 1000, 0, 0, b, a));
  const double s = 0.008, hp = 1.5707963267948966;
  const double f0 = pow(cos(s / (1 + s) * hp), 2);
  for (int t = 0; t < 999; t++) ASSERT(b[t] < 0.999); // only the last step clips
  for (int t = 0; t < 990; t += 7) {
    const double ft = pow(cos(((t + 1) / 1000.0 + s) / (1 + s) * hp), 2);
    ASSERT_NEAR(ft / f0, a[t], 1e-10);
  }
  ASSERT(b[999] == 0.999);
  for (int t = 1; t < 1000; t++) ASSERT(a[t] < a[t - 1]);
  free(b), free(a);
}

TEST(schedule_errors) {
  double b[2], a[2];
  ASSERT_EQ(ASL_EINVAL, nn_diffusion_schedule(NN_SCHEDULE_LINEAR, 0, 1e-4, 0.02, b, a));
  ASSERT_EQ(ASL_EINVAL, nn_diffusion_schedule(NN_SCHEDULE_LINEAR, 2, 0.0, 0.02, b, a));
  ASSERT_EQ(ASL_EINVAL, nn_diffusion_schedule(NN_SCHEDULE_LINEAR, 2, 1e-4, 1.0, b, a));
  nn_schedule_kind k;
  nn_sampler_kind s;
  ASSERT_OK(nn_schedule_parse("cosine", &k));
  ASSERT_EQ(NN_SCHEDULE_COSINE, k);
  ASSERT_EQ(ASL_EINVAL, nn_schedule_parse("quadratic", &k));
  ASSERT(strstr(asl_error_message(), "linear, cosine"));
  ASSERT_OK(nn_sampler_parse("ddpm", &s));
  ASSERT_EQ(NN_SAMPLER_DDPM, s);
  ASSERT_EQ(ASL_EINVAL, nn_sampler_parse("euler", &s));
}

// x_t over many noise draws at fixed x_0: per-voxel mean sqrt(ab) x_0 and
// variance 1 - ab, within 5 standard errors.
TEST(forward_process_matches_closed_form) {
  enum { V = 4, DRAWS = 100000 };
  const float x0[V] = {-1.5f, 0.0f, 0.7f, 2.0f};
  double beta[50], ab[50];
  ASSERT_OK(nn_diffusion_schedule(NN_SCHEDULE_COSINE, 50, 0, 0, beta, ab));
  asl_rng r;
  asl_rng_seed(&r, 11);
  const int ts[3] = {0, 20, 49};
  for (int k = 0; k < 3; k++) {
    const double a = ab[ts[k]];
    double sum[V] = {0}, sum2[V] = {0};
    for (int d = 0; d < DRAWS; d++) {
      float eps[V], xt[V];
      for (int i = 0; i < V; i++) eps[i] = (float)asl_rng_normal(&r);
      nn_diffusion_q_sample(xt, x0, eps, a, V);
      for (int i = 0; i < V; i++) sum[i] += xt[i], sum2[i] += (double)xt[i] * xt[i];
    }
    for (int i = 0; i < V; i++) {
      const double mean = sum[i] / DRAWS, var = sum2[i] / DRAWS - mean * mean;
      const double want_var = 1 - a;
      ASSERT_NEAR(sqrt(a) * x0[i], mean, 5 * sqrt(want_var / DRAWS) + 1e-6);
      ASSERT_NEAR(want_var, var, 5 * want_var * sqrt(2.0 / DRAWS) + 1e-6);
    }
  }
}

TEST(sampling_timesteps) {
  int tau[50];
  nn_diffusion_timesteps(10, 3, tau);
  ASSERT_EQ(0, tau[0]);
  ASSERT_EQ(3, tau[1]);
  ASSERT_EQ(6, tau[2]);
  nn_diffusion_timesteps(10, 10, tau);
  for (int i = 0; i < 10; i++) ASSERT_EQ(i, tau[i]);
  nn_diffusion_timesteps(1000, 50, tau);
  ASSERT_EQ(980, tau[49]);
  nn_diffusion_timesteps(10, 1, tau);
  ASSERT_EQ(0, tau[0]);
}

// With the true noise, a deterministic DDIM step lands exactly on the
// forward process at the earlier timestep (x_0 itself at the end); DDPM's
// ancestral step equals DDIM with eta = 1 for the same z.
TEST(reverse_steps) {
  enum { N = 64 };
  asl_rng r;
  asl_rng_seed(&r, 5);
  float x0[N], eps[N], z[N], xt[N], xp[N], want[N], alt[N];
  for (int i = 0; i < N; i++)
    x0[i] = (float)asl_rng_normal(&r), eps[i] = (float)asl_rng_normal(&r),
    z[i] = (float)asl_rng_normal(&r);
  const double ab_t = 0.3, ab_prev = 0.8;
  nn_diffusion_q_sample(xt, x0, eps, ab_t, N);
  nn_ddim_step(xp, xt, eps, z, ab_t, ab_prev, 0.0, N);
  nn_diffusion_q_sample(want, x0, eps, ab_prev, N);
  for (int i = 0; i < N; i++) ASSERT_NEAR(want[i], xp[i], 1e-5);
  nn_ddim_step(xp, xt, eps, z, ab_t, 1.0, 0.0, N);
  for (int i = 0; i < N; i++) ASSERT_NEAR(x0[i], xp[i], 1e-5);
  nn_ddpm_step(xp, xt, eps, z, ab_t, ab_prev, N);
  nn_ddim_step(alt, xt, eps, z, ab_t, ab_prev, 1.0, N);
  double diff = 0;
  for (int i = 0; i < N; i++) {
    ASSERT_NEAR(alt[i], xp[i], 1e-5);
    diff += fabs(xp[i] - want[i]);
  }
  ASSERT(diff > 0.1 * N * 0.1); // and the noise term is really there
  // In place (x_prev == x_t), as the sampler calls it.
  nn_ddpm_step(xt, xt, eps, z, ab_t, ab_prev, N);
  for (int i = 0; i < N; i++) ASSERT_NEAR(alt[i], xt[i], 1e-5);
}

TEST(timestep_embedding) {
  int t[2] = {0, 5};
  float e[8];
  nn_timestep_embedding(e, t, 2, 4); // frequencies 1 and 10000^-0.5 = 0.01
  ASSERT_NEAR(0.0, e[0], 0);
  ASSERT_NEAR(0.0, e[1], 0);
  ASSERT_NEAR(1.0, e[2], 0);
  ASSERT_NEAR(1.0, e[3], 0);
  ASSERT_NEAR(sin(5.0), e[4], 1e-7);
  ASSERT_NEAR(sin(0.05), e[5], 1e-7);
  ASSERT_NEAR(cos(5.0), e[6], 1e-7);
  ASSERT_NEAR(cos(0.05), e[7], 1e-7);
}

int main(void) {
  RUN(linear_schedule_matches_hand_values);
  RUN(cosine_schedule_matches_hand_values_and_clips);
  RUN(schedule_errors);
  RUN(forward_process_matches_closed_form);
  RUN(sampling_timesteps);
  RUN(reverse_steps);
  RUN(timestep_embedding);
  return DONE();
}
