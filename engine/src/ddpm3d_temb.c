// ddpm3d's timestep embedding: sinusoid(t) -> Linear -> SiLU -> Linear ->
// SiLU -> Linear to one bias per channel of every U-Net block (cbias_n
// values per sample, the blocks' projections stacked in one matrix), and
// the noise prediction that feeds it to the U-Net.
#include <math.h>
#include <string.h>

#include "ddpm3d.h"
#include "nn/transformer.h"
#include "unet3d.h"

static float sigmoid(float x) { return 1.0f / (1.0f + expf(-x)); }

static void silu_forward(float *out, const float *in, size_t n) {
  for (size_t i = 0; i < n; i++) out[i] = in[i] * sigmoid(in[i]);
}

// d = g * silu'(x), silu'(x) = s (1 + x (1 - s)).
static void silu_backward(float *d, const float *g, const float *x, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const float s = sigmoid(x[i]);
    d[i] = g[i] * s * (1.0f + x[i] * (1.0f - s));
  }
}

void ddpm3d_temb_forward(nn_model *m, const int *t, int N) {
  ddpm3d *d = m->impl;
  const float *p = m->params;
  const int E = d->temb_dim, Hd = d->hidden;
  const size_t nh = (size_t)N * Hd;
  nn_timestep_embedding(d->emb, t, N, E);
  nn_linear_forward(d->h1, d->emb, p + d->fc1w, p + d->fc1b, N, E, Hd);
  silu_forward(d->a1, d->h1, nh);
  nn_linear_forward(d->h2, d->a1, p + d->fc2w, p + d->fc2b, N, Hd, Hd);
  silu_forward(d->a2, d->h2, nh);
  nn_linear_forward(d->cb, d->a2, p + d->outw, p + d->outb, N, Hd, d->cbias_n);
}

// From d->dcb (the U-Net's bias gradients) into m->grads.
void ddpm3d_temb_backward(nn_model *m, int N) {
  ddpm3d *d = m->impl;
  const float *p = m->params;
  float *g = m->grads;
  const int E = d->temb_dim, Hd = d->hidden;
  const size_t nh = (size_t)N * Hd;
  memset(d->dg, 0, nh * sizeof(float));
  nn_linear_backward(d->dg, g + d->outw, g + d->outb, d->dcb, d->a2,
                     p + d->outw, N, Hd, d->cbias_n);
  silu_backward(d->dh, d->dg, d->h2, nh);
  memset(d->dg, 0, nh * sizeof(float));
  nn_linear_backward(d->dg, g + d->fc2w, g + d->fc2b, d->dh, d->a1,
                     p + d->fc2w, N, Hd, Hd);
  silu_backward(d->dh, d->dg, d->h1, nh);
  nn_linear_backward(NULL, g + d->fc1w, g + d->fc1b, d->dh, d->emb,
                     p + d->fc1w, N, E, Hd);
}

asl_status ddpm3d_predict(nn_model *m, const int *t, int N, int D, int H,
                          int W, int train, const float **eps) {
  ddpm3d *d = m->impl;
  d->net.params = m->params, d->net.grads = m->grads, d->net.buffers = m->buffers;
  ddpm3d_temb_forward(m, t, N);
  ((unet3d *)d->net.impl)->cbias = d->cb;
  // Dropout draws from the model's RNG, so a checkpoint resumes it.
  d->net.rng = m->rng;
  // On the device when the model moved there (its U-Net is the body).
  asl_status s = nn_device_forward(&d->net, d->xin, N, D, H, W, train, eps);
  m->rng = d->net.rng;
  return s;
}
