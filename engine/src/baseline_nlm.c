// Non-local means (Buades et al.) in 3D on the ASL channel, a classical
// baseline behind the model API (not trainable; docs/vit3d.md):
//   out(i) = sum_j w(i, j) x(j) / sum_j w(i, j) over j in the search cube,
//   w = exp(-max(d2 - 2 s^2, 0) / (h s)^2),
// d2 the mean squared difference of the patch cubes around i and j, s the
// noise SD estimated from the input itself (robust MAD of a Laplacian-like
// residual), h the filter strength in units of s. Patch distances are
// computed per search offset as one difference image and a separable box
// filter, so the cost is O(search^3) per voxel, not O(search^3 patch^3).
// Borders are clamped (edge voxels repeat).
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"
#include "omp_work.h"

typedef struct {
  int rp, rs;  // patch and search radii
  float h;     // strength relative to the noise SD
  float *out, *num, *den, *diff, *tmp;
  size_t out_n, num_n, den_n, diff_n, tmp_n;
} nlm;

static const char *const nlm_keys[] = {"patch", "search", "h", NULL};

static int clampi(int i, int n) { return i < 0 ? 0 : (i >= n ? n - 1 : i); }

static asl_status odd_size(const nn_param *p, int n, const char *key, int def,
                           int hi, int *radius) {
  int v;
  asl_status s = nn_param_int(p, n, "nlm", key, def, 1, hi, &v);
  if (s) return s;
  if (v % 2 == 0)
    return asl_fail(ASL_EINVAL,
                    "model nlm: parameter %s = %d must be odd (a cube of "
                    "side 2r+1 around the voxel)",
                    key, v);
  *radius = v / 2;
  return ASL_OK;
}

static asl_status nlm_create(nn_model *m, const nn_param *p, int n) {
  nlm *b = calloc(1, sizeof *b);
  if (!b) return asl_fail(ASL_ENOMEM, "model nlm: out of memory");
  m->impl = b;
  asl_status s = odd_size(p, n, "patch", 3, 9, &b->rp);
  if (!s) s = odd_size(p, n, "search", 7, 21, &b->rs);
  if (!s) s = nn_param_float(p, n, "nlm", "h", 1.0, 1e-3, 100.0, &b->h);
  m->n_params = m->n_buffers = 0;
  return s;
}

static void nlm_destroy(nn_model *m) {
  nlm *b = m->impl;
  free(b->out), free(b->num), free(b->den), free(b->diff), free(b->tmp);
  free(b);
  m->impl = NULL;
}

static int one(const nn_model *m) { (void)m; return 1; }

// Per voxel and search offset: the difference image, three box passes and
// the weighted sums (about 12 operations).
static double nlm_flops(const nn_model *m, int nx, int ny, int nz) {
  const nlm *b = m->impl;
  const double s = 2 * b->rs + 1;
  return 12.0 * s * s * s * nx * ny * (double)nz;
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
  const size_t sy = W, sz = (size_t)H * W;
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

// Box mean of radius r along one axis (stride st, length L), clamped.
static void box_axis(float *out, const float *in, int D, int H, int W,
                     int axis, int r) {
  const int L = axis == 0 ? W : (axis == 1 ? H : D);
  const size_t st = axis == 0 ? 1 : (axis == 1 ? (size_t)W : (size_t)H * W);
  const float inv = 1.0f / (2 * r + 1);
#pragma omp parallel for schedule(static) if ((size_t)D * H * W >= NN_OMP_MIN_WORK)
  for (int z = 0; z < D; z++)
    for (int y = 0; y < H; y++)
      for (int x = 0; x < W; x++) {
        const int pos = axis == 0 ? x : (axis == 1 ? y : z);
        const size_t base = ((size_t)z * H + y) * W + x - (size_t)pos * st;
        float s = 0.0f;
        for (int t = -r; t <= r; t++) s += in[base + clampi(pos + t, L) * st];
        out[((size_t)z * H + y) * W + x] = s * inv;
      }
}

// Adds offset (oz, oy, ox)'s weighted neighbour values to num and den.
static void add_offset(nlm *b, const float *x, int D, int H, int W, int oz,
                       int oy, int ox, float sig2, float inv_h2) {
  const size_t V = (size_t)D * H * W;
#pragma omp parallel for schedule(static) if (V >= NN_OMP_MIN_WORK)
  for (int z = 0; z < D; z++)
    for (int y = 0; y < H; y++)
      for (int xx = 0; xx < W; xx++) {
        const size_t i = ((size_t)z * H + y) * W + xx;
        const float d = x[i] - x[((size_t)clampi(z + oz, D) * H +
                                  clampi(y + oy, H)) * W + clampi(xx + ox, W)];
        b->diff[i] = d * d;
      }
  box_axis(b->tmp, b->diff, D, H, W, 0, b->rp);
  box_axis(b->diff, b->tmp, D, H, W, 1, b->rp);
  box_axis(b->tmp, b->diff, D, H, W, 2, b->rp);
#pragma omp parallel for schedule(static) if (V >= NN_OMP_MIN_WORK)
  for (int z = 0; z < D; z++)
    for (int y = 0; y < H; y++)
      for (int xx = 0; xx < W; xx++) {
        const size_t i = ((size_t)z * H + y) * W + xx;
        const float d2 = b->tmp[i] - 2.0f * sig2;
        const float w = expf(-(d2 > 0.0f ? d2 : 0.0f) * inv_h2);
        b->num[i] += w * x[((size_t)clampi(z + oz, D) * H + clampi(y + oy, H)) * W +
                           clampi(xx + ox, W)];
        b->den[i] += w;
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
  memset(b->num, 0, V * sizeof(float));
  memset(b->den, 0, V * sizeof(float));
  const int r = b->rs;
  for (int oz = -r; oz <= r; oz++)
    for (int oy = -r; oy <= r; oy++)
      for (int ox = -r; ox <= r; ox++)
        add_offset(b, x, D, H, W, oz, oy, ox, sig2, inv_h2);
  for (size_t i = 0; i < V; i++) out[i] = b->num[i] / b->den[i];
}

static asl_status nlm_forward(nn_model *m, const float *x, int N, int D,
                              int H, int W, int train, const float **out) {
  (void)train;
  nlm *b = m->impl;
  const size_t V = (size_t)D * H * W;
  asl_status s = nn_scratch_reserve(&b->out, &b->out_n, (size_t)N * V);
  if (!s) s = nn_scratch_reserve(&b->num, &b->num_n, V);
  if (!s) s = nn_scratch_reserve(&b->den, &b->den_n, V);
  if (!s) s = nn_scratch_reserve(&b->diff, &b->diff_n, V);
  if (!s) s = nn_scratch_reserve(&b->tmp, &b->tmp_n, V);
  if (s) return s;
  for (int n = 0; n < N; n++) // channel 0 is the ASL image
    denoise(b, b->out + n * V, x + (size_t)n * m->in_channels * V, D, H, W);
  *out = b->out;
  return ASL_OK;
}

const nn_model_ops nn_nlm_ops = {
    .kind = "nlm",
    .keys = nlm_keys,
    .trainable = 0,
    .create = nlm_create,
    .destroy = nlm_destroy,
    .size_multiple = one,
    .flops = nlm_flops,
    .forward = nlm_forward,
};
