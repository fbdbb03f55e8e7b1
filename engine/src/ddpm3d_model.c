// The ddpm3d kind's table entry: hyper-parameters, architecture, weights,
// and the forward/backward the generic train/eval/infer code calls.
//   nn_train_step / nn_eval_loss (m->target = y set): draws t, the noise eps
//     and the condition dropout, predicts eps_hat from x_t and returns
//     y + (eps_hat - eps), so the configured loss against y (mse: the
//     epsilon-prediction objective) is the loss on the noise.
//   nn_infer_volume (no target): samples (ddpm3d_sample.c).
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ddpm3d.h"
#include "unet3d.h"

// Values and the checks across them (temb_dim even, sample_steps within
// the chain, beta order) passed nn_model_create (ddpm3d_desc.c).
static asl_status parse(ddpm3d *d, const nn_param *p, int n) {
  const nn_model_desc *k = &nn_ddpm3d_desc;
  asl_status s = nn_schedule_parse(nn_desc_text(k, p, n, "schedule"), &d->schedule);
  if (!s) s = nn_sampler_parse(nn_desc_text(k, p, n, "sampler"), &d->sampler);
  if (s) return s;
  d->T = nn_desc_int(k, p, n, "timesteps");
  d->beta_start = nn_desc_float(k, p, n, "beta_start");
  d->beta_end = nn_desc_float(k, p, n, "beta_end");
  d->temb_dim = nn_desc_int(k, p, n, "temb_dim");
  d->sample_steps = nn_desc_int(k, p, n, "sample_steps");
  d->eta = nn_desc_float(k, p, n, "eta");
  d->samples = nn_desc_int(k, p, n, "samples");
  d->p_uncond = nn_desc_float(k, p, n, "p_uncond");
  d->guidance = nn_desc_float(k, p, n, "guidance");
  d->sample_start = nn_desc_float(k, p, n, "sample_start");
  d->start_t = ddpm3d_start_t(p, n);
  d->hidden = 4 * d->temb_dim;
  d->beta = malloc(sizeof(double) * d->T);
  d->alpha_bar = malloc(sizeof(double) * d->T);
  if (!d->beta || !d->alpha_bar) return asl_fail(ASL_ENOMEM, "model ddpm3d: out of memory");
  return nn_diffusion_schedule(d->schedule, d->T, d->beta_start, d->beta_end,
                               d->beta, d->alpha_bar);
}

static asl_status ddpm_create(nn_model *m, const nn_param *p, int n) {
  ddpm3d *d = calloc(1, sizeof *d);
  if (!d) return asl_fail(ASL_ENOMEM, "model ddpm3d: out of memory");
  m->impl = d;
  asl_status s = parse(d, p, n);
  if (s) return s;
  // The U-Net sees x_t plus the condition channels.
  d->net.ops = &nn_unet3d_ops;
  d->net.in_channels = m->in_channels + 1;
  memcpy(d->net.grid, m->grid, sizeof m->grid);
  d->net.seed = m->seed;
  s = unet3d_build(&d->net, p, n, &nn_ddpm3d_desc, 1);
  if (s) return s;
  const unet3d *u = d->net.impl;
  d->cbias_n = u->cbias_n;
  size_t o = d->net.n_params;
  const size_t E = (size_t)d->temb_dim, Hd = (size_t)d->hidden, B = (size_t)d->cbias_n;
  d->fc1w = o, o += Hd * E, d->fc1b = o, o += Hd;
  d->fc2w = o, o += Hd * Hd, d->fc2b = o, o += Hd;
  d->outw = o, o += B * Hd, d->outb = o, o += B;
  m->n_params = o;
  m->n_buffers = d->net.n_buffers;
  return ASL_OK;
}

static void free_scratch(ddpm3d *d) {
  free(d->t), free(d->keep), free(d->xin), free(d->eps), free(d->pred);
  free(d->emb), free(d->h1), free(d->a1), free(d->h2), free(d->a2);
  free(d->cb), free(d->dcb), free(d->dh), free(d->dg);
  free(d->x), free(d->z), free(d->epsu), free(d->sum), free(d->sum2), free(d->unc);
}

static void ddpm_destroy(nn_model *m) {
  ddpm3d *d = m->impl;
  if (d->net.impl) nn_unet3d_ops.destroy(&d->net);
  free_scratch(d);
  free(d->beta), free(d->alpha_bar);
  free(d);
  m->impl = NULL;
}

asl_status ddpm3d_reserve(nn_model *m, int N, size_t V) {
  ddpm3d *d = m->impl;
  if (N <= d->cap_n && V <= d->cap_v) return ASL_OK;
  free_scratch(d); // every pointer is reassigned below
  d->unc_n = 0;
  const size_t NV = (size_t)N * V, Hd = (size_t)N * d->hidden, B = (size_t)N * d->cbias_n;
  d->t = malloc(sizeof(int) * N);
  d->keep = malloc(sizeof(float) * N);
  d->xin = malloc(sizeof(float) * NV * (m->in_channels + 1));
  float **nv[] = {&d->eps, &d->pred, &d->x, &d->z, &d->epsu, &d->unc};
  for (int i = 0; i < 6; i++) *nv[i] = malloc(sizeof(float) * NV);
  float **hd[] = {&d->h1, &d->a1, &d->h2, &d->a2, &d->dh, &d->dg};
  for (int i = 0; i < 6; i++) *hd[i] = malloc(sizeof(float) * Hd);
  d->emb = malloc(sizeof(float) * N * d->temb_dim);
  d->cb = malloc(sizeof(float) * B);
  d->dcb = malloc(sizeof(float) * B);
  d->sum = malloc(sizeof(double) * NV);
  d->sum2 = malloc(sizeof(double) * NV);
  int ok = d->t && d->keep && d->xin && d->emb && d->cb && d->dcb && d->sum && d->sum2;
  for (int i = 0; i < 6; i++) ok = ok && *nv[i] && *hd[i];
  if (!ok) {
    d->cap_n = 0;
    return asl_fail(ASL_ENOMEM, "model ddpm3d: cannot allocate scratch for %d volumes of %zu voxels",
                    N, V);
  }
  d->cap_n = N, d->cap_v = V;
  return ASL_OK;
}

// The U-Net as PyTorch initializes it; the time MLP as nn.Linear does
// (uniform in +-1/sqrt(fan_in) for weights and biases).
static void ddpm_init(nn_model *m, asl_rng *r) {
  ddpm3d *d = m->impl;
  d->net.params = m->params, d->net.buffers = m->buffers;
  nn_unet3d_ops.init(&d->net, r);
  const size_t E = d->temb_dim, Hd = d->hidden, B = d->cbias_n;
  const size_t off[3] = {d->fc1w, d->fc2w, d->outw}, fan[3] = {E, Hd, Hd};
  const size_t cnt[3] = {Hd * E + Hd, Hd * Hd + Hd, B * Hd + B};
  for (int l = 0; l < 3; l++) {
    const double bound = 1.0 / sqrt((double)fan[l]);
    for (size_t k = 0; k < cnt[l]; k++)
      m->params[off[l] + k] = (float)((2 * asl_rng_uniform(r) - 1) * bound);
  }
}

static int ddpm_multiple(const nn_model *m) {
  const ddpm3d *d = m->impl;
  return nn_unet3d_ops.size_multiple(&d->net);
}

// One noise prediction (the U-Net with one more input channel); sampling
// costs sample_steps x samples x (2 with guidance) of these.
static double ddpm_flops(const nn_model *m, int nx, int ny, int nz) {
  const ddpm3d *d = m->impl;
  return nn_unet3d_ops.flops(&d->net, nx, ny, nz);
}

static asl_status ddpm_param_find(const nn_model *m, const char *name,
                                  size_t *offset, size_t *count) {
  const ddpm3d *d = m->impl;
  const size_t E = d->temb_dim, Hd = d->hidden, B = d->cbias_n;
  const struct { const char *name; size_t off, n; } t[] = {
      {"temb.fc1.weight", d->fc1w, Hd * E}, {"temb.fc1.bias", d->fc1b, Hd},
      {"temb.fc2.weight", d->fc2w, Hd * Hd}, {"temb.fc2.bias", d->fc2b, Hd},
      {"temb.out.weight", d->outw, B * Hd}, {"temb.out.bias", d->outb, B}};
  for (int i = 0; i < 6; i++)
    if (strcmp(name, t[i].name) == 0) return *offset = t[i].off, *count = t[i].n, ASL_OK;
  if (nn_unet3d_ops.param_find(&d->net, name, offset, count) == ASL_OK) return ASL_OK;
  return asl_fail(ASL_ENOTFOUND, "model ddpm3d has no parameter '%s'", name);
}

// The draws of one training or evaluation batch: t uniform in [0, T), the
// condition kept with probability 1 - p_uncond (training only), eps ~ N(0, 1).
static void draw(ddpm3d *d, asl_rng *r, int N, size_t V, int train) {
  for (int n = 0; n < N; n++) {
    d->t[n] = d->fix_t ? d->fix_t[n] : (int)asl_rng_below(r, (uint64_t)d->T);
    d->keep[n] = d->fix_keep ? d->fix_keep[n]
                 : (train && asl_rng_uniform(r) < d->p_uncond) ? 0.0f : 1.0f;
  }
  for (size_t i = 0; i < (size_t)N * V; i++)
    d->eps[i] = d->fix_eps ? d->fix_eps[i] : (float)asl_rng_normal(r);
}

static asl_status noise_objective(nn_model *m, const float *x, const float *y,
                                  int N, int D, int H, int W, int train) {
  ddpm3d *d = m->impl;
  const size_t V = (size_t)D * H * W;
  const int C = m->in_channels;
  asl_status s = ddpm3d_reserve(m, N, V);
  if (s) return s;
  for (int n = 0; d->fix_t && n < N; n++)
    if (d->fix_t[n] < 0 || d->fix_t[n] >= d->T)
      return asl_fail(ASL_EINVAL, "model ddpm3d: fixed timestep %d of sample %d is outside 0..%d",
                      d->fix_t[n], n, d->T - 1);
  // Evaluation draws from a fixed stream so validation losses compare
  // across epochs; training from the model's (checkpointed) RNG.
  asl_rng er;
  asl_rng_seed_key(&er, m->seed, "ddpm-eval");
  draw(d, train ? &m->rng : &er, N, V, train);
  for (int n = 0; n < N; n++) {
    float *xin = d->xin + (size_t)n * (C + 1) * V;
    nn_diffusion_q_sample(xin, y + n * V, d->eps + n * V, d->alpha_bar[d->t[n]], V);
    for (size_t i = 0; i < C * V; i++) xin[V + i] = d->keep[n] * x[n * C * V + i];
  }
  const float *eps_hat;
  s = ddpm3d_predict(m, d->t, N, D, H, W, train, &eps_hat);
  if (s) return s;
  for (size_t i = 0; i < (size_t)N * V; i++) d->pred[i] = y[i] + (eps_hat[i] - d->eps[i]);
  d->n_fwd = N;
  return ASL_OK;
}

static asl_status ddpm_forward(nn_model *m, const float *x, int N, int D,
                               int H, int W, int train, const float **out) {
  ddpm3d *d = m->impl;
  asl_status s;
  if (m->target) s = noise_objective(m, x, m->target, N, D, H, W, train);
  else if (!train) s = ddpm3d_sample(m, x, N, D, H, W);
  else s = asl_fail(ASL_EUNSUPPORTED, "model ddpm3d: a training forward needs the target");
  *out = d->pred;
  return s;
}

static void ddpm_backward(nn_model *m, const float *dout) {
  ddpm3d *d = m->impl;
  memset(d->dcb, 0, sizeof(float) * d->n_fwd * d->cbias_n);
  d->net.grads = m->grads;
  ((unet3d *)d->net.impl)->cbias_grad = d->dcb;
  m->backward_status = nn_device_backward(&d->net, dout);
  if (!m->backward_status) ddpm3d_temb_backward(m, d->n_fwd);
}

// On a GPU the U-Net runs there; the time MLP, the draws, the loss, Adam and
// the sampler stay on the host (docs/gpu.md).
static nn_model *ddpm_body(nn_model *m) {
  ddpm3d *d = m->impl;
  d->net.params = m->params, d->net.grads = m->grads, d->net.buffers = m->buffers;
  return &d->net;
}

asl_status nn_ddpm_set_draw(nn_model *m, const int *t, const float *eps,
                            const float *keep) {
  if (m->ops != &nn_ddpm3d_ops)
    return asl_fail(ASL_EINVAL, "model %s is not a ddpm3d model", m->ops->desc->kind);
  ddpm3d *d = m->impl;
  d->fix_t = t, d->fix_eps = eps, d->fix_keep = keep;
  return ASL_OK;
}

const nn_model_ops nn_ddpm3d_ops = {
    .desc = &nn_ddpm3d_desc,
    .create = ddpm_create,
    .destroy = ddpm_destroy,
    .init = ddpm_init,
    .size_multiple = ddpm_multiple,
    .flops = ddpm_flops,
    .forward = ddpm_forward,
    .backward = ddpm_backward,
    .param_find = ddpm_param_find,
    .device_body = ddpm_body,
};
