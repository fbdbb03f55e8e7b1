// Classical baselines behind the model API (no training): identity and 3D
// Gaussian smoothing of the ASL channel (channel 0).
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"
#include "nn/loss.h"

typedef struct {
  float sigma;
  int reflect, radius;
  float kernel[65];
  float *out, *tmp;
  size_t out_n, tmp_n;
} baseline;

static int one(const nn_model *m) { (void)m; return 1; }

static void baseline_destroy(nn_model *m) {
  baseline *b = m->impl;
  free(b->out);
  free(b->tmp);
  free(b);
  m->impl = NULL;
}

static asl_status identity_create(nn_model *m, const nn_param *p, int n) {
  (void)p, (void)n;
  m->impl = calloc(1, sizeof(baseline));
  return m->impl ? ASL_OK : asl_fail(ASL_ENOMEM, "model identity: out of memory");
}

// Kernel truncated at 4 sigma (scipy.ndimage.gaussian_filter's default),
// normalized to sum 1.
static asl_status gaussian_create(nn_model *m, const nn_param *p, int n) {
  asl_status s = identity_create(m, p, n);
  if (s) return s;
  baseline *b = m->impl;
  // sigma's range and border's values were checked (baselines_desc.c).
  b->sigma = nn_desc_float(&nn_gaussian_desc, p, n, "sigma");
  b->reflect = strcmp(nn_desc_text(&nn_gaussian_desc, p, n, "border"), "reflect") == 0;
  b->radius = (int)(4.0 * b->sigma + 0.5);
  if (b->radius < 1) b->radius = 1;
  double sum = 0;
  for (int t = -b->radius; t <= b->radius; t++)
    sum += b->kernel[t + b->radius] = (float)exp(-0.5 * t * t / (b->sigma * b->sigma));
  for (int t = 0; t <= 2 * b->radius; t++) b->kernel[t] = (float)(b->kernel[t] / sum);
  return ASL_OK;
}

static double identity_flops(const nn_model *m, int nx, int ny, int nz) {
  (void)m, (void)nx, (void)ny, (void)nz;
  return 0.0;
}

static double gaussian_flops(const nn_model *m, int nx, int ny, int nz) {
  const baseline *b = m->impl;
  return 3.0 * 2.0 * (2 * b->radius + 1) * nx * ny * (double)nz;
}

static asl_status run(nn_model *m, const float *x, int N, int D, int H, int W,
                      int smooth, const float **out) {
  baseline *b = m->impl;
  const size_t V = (size_t)D * H * W;
  asl_status s = nn_scratch_reserve(&b->out, &b->out_n, (size_t)N * V);
  if (!s && smooth) s = nn_scratch_reserve(&b->tmp, &b->tmp_n, V);
  if (s) return s;
  for (int n = 0; n < N; n++) {
    const float *asl = x + (size_t)n * m->in_channels * V; // channel 0
    if (smooth)
      nn_filter3d_separable(b->out + n * V, asl, b->tmp, D, H, W, b->kernel,
                            b->radius, b->reflect);
    else
      memcpy(b->out + n * V, asl, V * sizeof(float));
  }
  *out = b->out;
  return ASL_OK;
}

static asl_status identity_forward(nn_model *m, const float *x, int N, int D,
                                   int H, int W, int train, const float **out) {
  (void)train;
  return run(m, x, N, D, H, W, 0, out);
}

static asl_status gaussian_forward(nn_model *m, const float *x, int N, int D,
                                   int H, int W, int train, const float **out) {
  (void)train;
  return run(m, x, N, D, H, W, 1, out);
}

const nn_model_ops nn_identity_ops = {
    .desc = &nn_identity_desc,
    .create = identity_create,
    .destroy = baseline_destroy,
    .size_multiple = one,
    .flops = identity_flops,
    .forward = identity_forward,
};

const nn_model_ops nn_gaussian_ops = {
    .desc = &nn_gaussian_desc,
    .create = gaussian_create,
    .destroy = baseline_destroy,
    .size_multiple = one,
    .flops = gaussian_flops,
    .forward = gaussian_forward,
};
