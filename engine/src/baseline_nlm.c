// Non-local means (Buades et al.) in 3D on the ASL channel, a classical
// baseline behind the model API (not trainable; docs/vit3d.md):
//   out(i) = sum_j w(i, j) x(j) / sum_j w(i, j) over j in the search cube,
//   w = exp(-max(d2 - 2 s^2, 0) / (h s)^2),
// d2 the mean squared difference of the patch cubes around i and j, s the
// noise SD estimated from the input itself (robust MAD of a Laplacian-like
// residual), h the filter strength in units of s. Patch distances are
// computed per search offset as one difference image and a separable box
// sum, so the cost is O(search^3 patch) per voxel, not O(search^3 patch^3).
// Borders are clamped (edge voxels repeat). The result does not depend on
// the thread count (each voxel's sums run over the offsets in order).
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"
#include "omp_work.h"

typedef struct {
  int rp, rs;  // patch and search radii
  float h;     // strength relative to the noise SD
  float *out, *num, *den, *diff, *tmp, *pad;
  size_t out_n, num_n, den_n, diff_n, tmp_n, pad_n;
} nlm;

static int clampi(int i, int n) { return i < 0 ? 0 : (i >= n ? n - 1 : i); }

static asl_status nlm_create(nn_model *m, const nn_param *p, int n) {
  nlm *b = calloc(1, sizeof *b);
  if (!b) return asl_fail(ASL_ENOMEM, "model nlm: out of memory");
  m->impl = b;
  // Odd sizes in range and h were checked (baselines_desc.c).
  b->rp = nn_desc_int(&nn_nlm_desc, p, n, "patch") / 2;
  b->rs = nn_desc_int(&nn_nlm_desc, p, n, "search") / 2;
  b->h = nn_desc_float(&nn_nlm_desc, p, n, "h");
  m->n_params = m->n_buffers = 0;
  return ASL_OK;
}

static void nlm_destroy(nn_model *m) {
  nlm *b = m->impl;
  free(b->out), free(b->num), free(b->den), free(b->diff), free(b->tmp);
  free(b->pad);
  free(b);
  m->impl = NULL;
}

static int one(const nn_model *m) { (void)m; return 1; }

// Per voxel and search offset: the difference image (3), three box sums of
// `patch` taps, the weight and the two sums (about 6).
static double nlm_flops(const nn_model *m, int nx, int ny, int nz) {
  const nlm *b = m->impl;
  const double s = 2 * b->rs + 1, k = 2 * b->rp + 1;
  return (9.0 + 3.0 * k) * s * s * s * nx * ny * (double)nz;
}

static int cmp_float(const void *a, const void *b) {
  float x = *(const float *)a, y = *(const float *)b;
  return (x > y) - (x < y);
}

// Noise SD from r = x - mean of the 6 face neighbours (var = 7/6 sigma^2
// for white noise on a locally linear signal): 1.4826 MAD(r) sqrt(6/7),
// over interior voxels whose neighbourhood is not all zero (masked
// background would bias it to 0). ws: V floats.
static float noise_sd(const float *x, int D, int H, int W, float *ws) {
  size_t n = 0;
  // Signed strides: c[-sy] with an unsigned stride would wrap the pointer.
  const ptrdiff_t sy = W, sz = (ptrdiff_t)H * W;
  for (int z = 1; z < D - 1; z++)
    for (int y = 1; y < H - 1; y++)
      for (int xx = 1; xx < W - 1; xx++) {
        const float *c = x + z * sz + y * sy + xx;
        const float nb = c[-1] + c[1] + c[-sy] + c[sy] + c[-sz] + c[sz];
        if (c[0] == 0.0f && c[-1] == 0.0f && c[1] == 0.0f && c[-sy] == 0.0f &&
            c[sy] == 0.0f && c[-sz] == 0.0f && c[sz] == 0.0f)
          continue;
        ws[n++] = c[0] - nb / 6.0f;
      }
  if (n < 16) return 0.0f;
  qsort(ws, n, sizeof(float), cmp_float);
  const float med = ws[n / 2];
  for (size_t i = 0; i < n; i++) ws[i] = fabsf(ws[i] - med);
  qsort(ws, n, sizeof(float), cmp_float);
  return 1.4826f * ws[n / 2] * sqrtf(6.0f / 7.0f);
}

// The volume padded by r voxels on every side, edge voxels repeated:
// xp (D+2r, H+2r, W+2r).
static void pad_clamped(float *xp, const float *x, int D, int H, int W, int r) {
  const int Hp = H + 2 * r, Wp = W + 2 * r;
  for (int z = 0; z < D + 2 * r; z++)
    for (int y = 0; y < Hp; y++)
      for (int i = 0; i < Wp; i++)
        xp[((size_t)z * Hp + y) * Wp + i] =
            x[((size_t)clampi(z - r, D) * H + clampi(y - r, H)) * W +
              clampi(i - r, W)];
}

// Adds search offset (oz, oy, ox) to num and den. Stages, each split over
// z by the enclosing team: squared differences over the patch-padded
// region, then patch sums along x, y and (with the weights) z.
static void add_offset(nlm *b, int D, int H, int W, int oz, int oy, int ox,
                       float sig2, float inv_h2) {
  const int rp = b->rp, rs = b->rs, R = rp + rs, k = 2 * rp + 1;
  const int Dq = D + 2 * rp, Hq = H + 2 * rp, Wq = W + 2 * rp;
  const int Hp = H + 2 * R, Wp = W + 2 * R;
  const float *xp = b->pad;
  const float inv_k3 = 1.0f / (float)(k * k * k);
#pragma omp for schedule(static)
  for (int z = 0; z < Dq; z++)
    for (int y = 0; y < Hq; y++) {
      const float *c = xp + ((size_t)(z + rs) * Hp + y + rs) * Wp + rs;
      const float *o = c + ((ptrdiff_t)oz * Hp + oy) * Wp + ox;
      float *d = b->diff + ((size_t)z * Hq + y) * Wq;
      for (int i = 0; i < Wq; i++) d[i] = (c[i] - o[i]) * (c[i] - o[i]);
    }
#pragma omp for schedule(static)
  for (int z = 0; z < Dq; z++)
    for (int y = 0; y < Hq; y++) {
      const float *d = b->diff + ((size_t)z * Hq + y) * Wq;
      float *t = b->tmp + ((size_t)z * Hq + y) * W;
      for (int i = 0; i < W; i++) {
        float s = 0.0f;
        for (int j = 0; j < k; j++) s += d[i + j];
        t[i] = s;
      }
    }
#pragma omp for schedule(static)
  for (int z = 0; z < Dq; z++)
    for (int y = 0; y < H; y++) {
      float *t = b->diff + ((size_t)z * H + y) * W;
      for (int i = 0; i < W; i++) {
        float s = 0.0f;
        for (int j = 0; j < k; j++) s += b->tmp[((size_t)z * Hq + y + j) * W + i];
        t[i] = s;
      }
    }
#pragma omp for schedule(static)
  for (int z = 0; z < D; z++)
    for (int y = 0; y < H; y++) {
      const float *o = xp + ((size_t)(z + R + oz) * Hp + y + R + oy) * Wp + R + ox;
      float *num = b->num + ((size_t)z * H + y) * W, *den = b->den + ((size_t)z * H + y) * W;
      for (int i = 0; i < W; i++) {
        float s = 0.0f;
        for (int j = 0; j < k; j++) s += b->diff[((size_t)(z + j) * H + y) * W + i];
        const float d2 = s * inv_k3 - 2.0f * sig2;
        const float w = expf(-(d2 > 0.0f ? d2 : 0.0f) * inv_h2);
        num[i] += w * o[i];
        den[i] += w;
      }
    }
}

static void denoise(nlm *b, float *out, const float *x, int D, int H, int W) {
  const size_t V = (size_t)D * H * W;
  memcpy(b->tmp, x, V * sizeof(float));
  const float s = noise_sd(x, D, H, W, b->tmp);
  if (!(s > 0.0f)) { // noise-free or constant: nothing to average away
    memcpy(out, x, V * sizeof(float));
    return;
  }
  const float sig2 = s * s, inv_h2 = 1.0f / (b->h * s * b->h * s);
  pad_clamped(b->pad, x, D, H, W, b->rp + b->rs);
  memset(b->num, 0, V * sizeof(float));
  memset(b->den, 0, V * sizeof(float));
  const int r = b->rs;
#pragma omp parallel if (V >= NN_OMP_MIN_WORK)
  for (int oz = -r; oz <= r; oz++)
    for (int oy = -r; oy <= r; oy++)
      for (int ox = -r; ox <= r; ox++)
        add_offset(b, D, H, W, oz, oy, ox, sig2, inv_h2);
  for (size_t i = 0; i < V; i++) out[i] = b->num[i] / b->den[i];
}

static asl_status nlm_forward(nn_model *m, const float *x, int N, int D,
                              int H, int W, int train, const float **out) {
  (void)train;
  nlm *b = m->impl;
  const size_t V = (size_t)D * H * W;
  const int R = b->rp + b->rs, q = 2 * b->rp;
  // diff and tmp hold the patch-padded region (and tmp the noise residuals).
  const size_t Vq = (size_t)(D + q) * (H + q) * (W + q);
  asl_status s = nn_scratch_reserve(&b->out, &b->out_n, (size_t)N * V);
  if (!s) s = nn_scratch_reserve(&b->num, &b->num_n, V);
  if (!s) s = nn_scratch_reserve(&b->den, &b->den_n, V);
  if (!s) s = nn_scratch_reserve(&b->diff, &b->diff_n, Vq);
  if (!s) s = nn_scratch_reserve(&b->tmp, &b->tmp_n, Vq);
  if (!s)
    s = nn_scratch_reserve(&b->pad, &b->pad_n,
                           (size_t)(D + 2 * R) * (H + 2 * R) * (W + 2 * R));
  if (s) return s;
  for (int n = 0; n < N; n++) // channel 0 is the ASL image
    denoise(b, b->out + n * V, x + (size_t)n * m->in_channels * V, D, H, W);
  *out = b->out;
  return ASL_OK;
}

const nn_model_ops nn_nlm_ops = {
    .desc = &nn_nlm_desc,
    .create = nlm_create,
    .destroy = nlm_destroy,
    .size_multiple = one,
    .flops = nlm_flops,
    .forward = nlm_forward,
};
