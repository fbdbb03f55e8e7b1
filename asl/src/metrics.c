// SSIM, PSNR and NMAE of a volume against a reference (asl/metrics.h).
#include "asl/metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define R_ ASL_SSIM_RADIUS

asl_status asl_metrics_ctx_init(asl_metrics_ctx *c, int nx, int ny, int nz) {
  memset(c, 0, sizeof *c);
  if (nx < ASL_SSIM_MIN_SIDE || ny < ASL_SSIM_MIN_SIDE || nz < ASL_SSIM_MIN_SIDE)
    return asl_fail(ASL_EINVAL,
                    "SSIM of a %dx%dx%d volume: every side must be at least %d voxels (the "
                    "Gaussian window, sigma 1.5 truncated at 3.5, is %d wide; scikit-image "
                    "refuses such volumes too)",
                    nx, ny, nz, ASL_SSIM_MIN_SIDE, ASL_SSIM_MIN_SIDE);
  size_t nv = (size_t)nx * ny * nz;
  size_t cz = (size_t)(nz - 2 * R_), cy = (size_t)(ny - 2 * R_);
  size_t n1 = cz * ny * nx, n2 = cz * cy * nx;
  size_t total = 2 * nv + 5 * n1 + 5 * n2 + 6 * (size_t)nx;
  c->buf = malloc(total * sizeof(double));
  if (!c->buf)
    return asl_fail(ASL_ENOMEM, "SSIM workspace for %dx%dx%d: out of memory", nx, ny, nz);
  c->nx = nx, c->ny = ny, c->nz = nz;
  double *p = c->buf;
  c->xa = p, p += nv;
  c->ya = p, p += nv;
  for (int q = 0; q < 5; q++) c->p1[q] = p, p += n1;
  for (int q = 0; q < 5; q++) c->p2[q] = p, p += n2;
  c->row = p;
  // scipy.ndimage._gaussian_kernel1d: exp(-x^2 / (2 sigma^2)), normalized.
  double sum = 0.0, sigma2 = 1.5 * 1.5;
  for (int k = 0; k <= R_; k++) {
    c->w[k] = exp(-0.5 / sigma2 * k * k);
    sum += k == 0 ? c->w[k] : 2.0 * c->w[k];
  }
  for (int k = 0; k <= R_; k++) c->w[k] /= sum;
  return ASL_OK;
}

void asl_metrics_ctx_free(asl_metrics_ctx *c) {
  if (!c) return;
  free(c->buf);
  memset(c, 0, sizeof *c);
}

// Data range of the reference inside the mask; refuses non-finite voxels of
// either volume and an empty mask.
static asl_status check_and_range(const float *ref, const float *pred, const float *mask,
                                  size_t n, double *range) {
  float lo = INFINITY, hi = -INFINITY;
  size_t count = 0;
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(ref[i]) || !isfinite(pred[i]))
      return asl_fail(ASL_ENUMERIC, "metrics: %s voxel %zu is %g; refusing to score NaN/Inf",
                      isfinite(ref[i]) ? "prediction" : "reference", i,
                      isfinite(ref[i]) ? pred[i] : ref[i]);
    if (mask && mask[i] == 0.0f) continue;
    count++;
    if (ref[i] < lo) lo = ref[i];
    if (ref[i] > hi) hi = ref[i];
  }
  if (count == 0) return asl_fail(ASL_EINVAL, "metrics: the mask selects no voxel");
  *range = (double)hi - (double)lo;
  if (!(*range > 0.0))
    return asl_fail(ASL_ENUMERIC,
                    "metrics: the reference is constant (%g) inside the mask, so its data "
                    "range is 0 and SSIM/PSNR are undefined",
                    (double)lo);
  return ASL_OK;
}

// z pass: p1[q] = Gaussian along z of (x, y, xx, yy, xy) for the cropped
// planes z = R_ .. nz-R_-1, every (y, x).
static void pass_z(asl_metrics_ctx *c) {
  size_t plane = (size_t)c->nx * c->ny;
  const double *w = c->w;
  for (int zo = 0; zo < c->nz - 2 * R_; zo++) {
    const double *x0 = c->xa + (size_t)(zo + R_) * plane;
    const double *y0 = c->ya + (size_t)(zo + R_) * plane;
    double *o[5];
    for (int q = 0; q < 5; q++) o[q] = c->p1[q] + (size_t)zo * plane;
    for (size_t i = 0; i < plane; i++) {
      double a = x0[i], b = y0[i];
      double sx = w[0] * a, sy = w[0] * b, sxx = w[0] * a * a, syy = w[0] * b * b;
      double sxy = w[0] * a * b;
      for (int k = 1; k <= R_; k++) {
        size_t off = (size_t)k * plane;
        double am = x0[i - off], ap = x0[i + off], bm = y0[i - off], bp = y0[i + off];
        sx += w[k] * (am + ap);
        sy += w[k] * (bm + bp);
        sxx += w[k] * (am * am + ap * ap);
        syy += w[k] * (bm * bm + bp * bp);
        sxy += w[k] * (am * bm + ap * bp);
      }
      o[0][i] = sx, o[1][i] = sy, o[2][i] = sxx, o[3][i] = syy, o[4][i] = sxy;
    }
  }
}

// y pass: p2[q] = Gaussian along y of p1[q] for the cropped rows.
static void pass_y(asl_metrics_ctx *c) {
  int nx = c->nx, ny = c->ny, cy = ny - 2 * R_, cz = c->nz - 2 * R_;
  const double *w = c->w;
  for (int q = 0; q < 5; q++)
    for (int zo = 0; zo < cz; zo++)
      for (int yo = 0; yo < cy; yo++) {
        const double *in = c->p1[q] + ((size_t)zo * ny + yo + R_) * nx;
        double *out = c->p2[q] + ((size_t)zo * cy + yo) * nx;
        for (int x = 0; x < nx; x++) {
          double s = w[0] * in[x];
          for (int k = 1; k <= R_; k++) s += w[k] * (in[x - k * nx] + in[x + k * nx]);
          out[x] = s;
        }
      }
}

// x pass on one cropped row and the SSIM of its voxels; returns their sum.
static double row_ssim(asl_metrics_ctx *c, size_t row_off, double c1, double c2) {
  int cx = c->nx - 2 * R_;
  const double *w = c->w;
  double *f[5];
  for (int q = 0; q < 5; q++) {
    const double *in = c->p2[q] + row_off + R_;
    f[q] = c->row + (size_t)q * c->nx;
    for (int x = 0; x < cx; x++) {
      double s = w[0] * in[x];
      for (int k = 1; k <= R_; k++) s += w[k] * (in[x - k] + in[x + k]);
      f[q][x] = s;
    }
  }
  double *ssim = c->row + 5 * (size_t)c->nx;
  for (int x = 0; x < cx; x++) {
    double ux = f[0][x], uy = f[1][x];
    double vx = f[2][x] - ux * ux, vy = f[3][x] - uy * uy, vxy = f[4][x] - ux * uy;
    ssim[x] = ((2 * ux * uy + c1) * (2 * vxy + c2)) /
              ((ux * ux + uy * uy + c1) * (vx + vy + c2));
  }
  // Four partial sums keep the reduction short and vector-friendly.
  double s4[4] = {0, 0, 0, 0};
  int x = 0;
  for (; x + 4 <= cx; x += 4)
    for (int j = 0; j < 4; j++) s4[j] += ssim[x + j];
  for (; x < cx; x++) s4[0] += ssim[x];
  return (s4[0] + s4[1]) + (s4[2] + s4[3]);
}

asl_status asl_ssim_frame(asl_metrics_ctx *c, const float *ref, const float *pred,
                          const float *mask, double *ssim) {
  size_t nv = (size_t)c->nx * c->ny * c->nz;
  double range;
  asl_status s = check_and_range(ref, pred, mask, nv, &range);
  if (s != ASL_OK) return s;
  if (mask)
    for (size_t i = 0; i < nv; i++) {
      int in = mask[i] != 0.0f;
      c->xa[i] = in ? ref[i] : 0.0;
      c->ya[i] = in ? pred[i] : 0.0;
    }
  else
    for (size_t i = 0; i < nv; i++) c->xa[i] = ref[i], c->ya[i] = pred[i];
  pass_z(c);
  pass_y(c);
  double c1 = (0.01 * range) * (0.01 * range), c2 = (0.03 * range) * (0.03 * range);
  int cy = c->ny - 2 * R_, cz = c->nz - 2 * R_;
  double total = 0.0;
  for (int zo = 0; zo < cz; zo++)
    for (int yo = 0; yo < cy; yo++)
      total += row_ssim(c, ((size_t)zo * cy + yo) * c->nx, c1, c2);
  *ssim = total / ((double)cz * cy * (c->nx - 2 * R_));
  return ASL_OK;
}

asl_status asl_psnr(const float *ref, const float *pred, const float *mask, size_t n,
                    double *psnr) {
  double range;
  asl_status s = check_and_range(ref, pred, mask, n, &range);
  if (s != ASL_OK) return s;
  double se = 0.0;
  size_t count = 0;
  for (size_t i = 0; i < n; i++) {
    if (mask && mask[i] == 0.0f) continue;
    double d = (double)pred[i] - ref[i];
    se += d * d;
    count++;
  }
  double mse = se / (double)count;
  *psnr = mse > 0.0 ? 10.0 * log10(range * range / mse) : INFINITY;
  return ASL_OK;
}

asl_status asl_nmae(const float *ref, const float *pred, const float *mask, size_t n,
                    double *nmae) {
  double err = 0.0, mag = 0.0;
  size_t count = 0;
  for (size_t i = 0; i < n; i++) {
    if (mask && mask[i] == 0.0f) continue;
    if (!isfinite(ref[i]) || !isfinite(pred[i]))
      return asl_fail(ASL_ENUMERIC, "NMAE: voxel %zu is not finite; refusing to score NaN/Inf",
                      i);
    err += fabs((double)pred[i] - ref[i]);
    mag += fabs((double)ref[i]);
    count++;
  }
  if (count == 0) return asl_fail(ASL_EINVAL, "NMAE: the mask selects no voxel");
  if (!(mag > 0.0))
    return asl_fail(ASL_ENUMERIC, "NMAE: the reference is zero everywhere inside the mask");
  *nmae = err / mag; // the counts cancel: mean|d| / mean|ref|
  return ASL_OK;
}

asl_status asl_metrics_frame(asl_metrics_ctx *c, const float *ref, const float *pred,
                             const float *mask, asl_metrics *out) {
  size_t nv = (size_t)c->nx * c->ny * c->nz;
  asl_status s = asl_ssim_frame(c, ref, pred, mask, &out->ssim);
  if (s == ASL_OK) s = asl_psnr(ref, pred, mask, nv, &out->psnr);
  if (s == ASL_OK) s = asl_nmae(ref, pred, mask, nv, &out->nmae);
  return s;
}

static int same_grid(const asl_vol *a, const asl_vol *b) {
  return a->nx == b->nx && a->ny == b->ny && a->nz == b->nz;
}

asl_status asl_metrics_vol(const asl_vol *ref, const asl_vol *pred, const asl_vol *mask,
                           asl_metrics *out) {
  if (!same_grid(ref, pred) || ref->nt != pred->nt)
    return asl_fail(ASL_ESHAPE,
                    "metrics: prediction %dx%dx%dx%d and reference %dx%dx%dx%d differ in shape",
                    pred->nx, pred->ny, pred->nz, pred->nt, ref->nx, ref->ny, ref->nz, ref->nt);
  if (mask && !same_grid(ref, mask))
    return asl_fail(ASL_ESHAPE, "metrics: mask %dx%dx%d and reference %dx%dx%d differ in shape",
                    mask->nx, mask->ny, mask->nz, ref->nx, ref->ny, ref->nz);
  if (ref->nt != 1 || (mask && mask->nt != 1))
    return asl_fail(ASL_ESHAPE,
                    "metrics: reference has %d volumes and mask %d; score one 3D volume at a time",
                    ref->nt, mask ? mask->nt : 1);
  asl_metrics_ctx c;
  asl_status s = asl_metrics_ctx_init(&c, ref->nx, ref->ny, ref->nz);
  if (s != ASL_OK) return s;
  s = asl_metrics_frame(&c, ref->data, pred->data, mask ? mask->data : NULL, out);
  asl_metrics_ctx_free(&c);
  return s;
}
