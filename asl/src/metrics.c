// SSIM, PSNR and NMAE of a volume against a reference (asl/metrics.h).
#include "asl/metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define R_ ASL_SSIM_RADIUS
// Vector loops run in steps of VW lanes over padded buffers; PAD covers the
// widest overrun (3 lanes past a row or plane end, plus R_ taps for the x
// pass), and buffer sizes are rounded up to 4, a multiple of either width.
#define PAD 16

// VW doubles per vector, with unaligned loads/stores through memcpy. GCC
// and clang lower these generic vectors to SIMD instructions whatever the
// optimization flags (GCC's -O2 cost model would not vectorize the plain
// loops on its own). With GCC on x86 the SSIM passes are compiled twice
// (SSIM_CLONES: AVX2, and the SSE2 baseline taking each 4-lane vector as two
// registers) and the loader picks one for the CPU it runs on, so a portable
// build is as fast as a native one. Clang refuses 4-lane double vectors in a
// non-AVX function, so there the width follows the build flags. Every lane
// computes its own voxel: widths and clones give the same bits.
#if defined(__x86_64__) && !defined(__AVX2__) && defined(__GNUC__) && !defined(__clang__)
#define VW 4
#define SSIM_CLONES __attribute__((target_clones("avx2", "default")))
#elif defined(__AVX__)
#define VW 4
#define SSIM_CLONES
#else
#define VW 2
#define SSIM_CLONES
#endif
#define HOT static inline __attribute__((always_inline))
#pragma GCC diagnostic ignored "-Wpsabi"
typedef double vd __attribute__((vector_size(VW * sizeof(double))));
typedef float vf __attribute__((vector_size(VW * sizeof(float))));
HOT vd ld(const double *p) {
  vd v;
  memcpy(&v, p, sizeof v);
  return v;
}
HOT vd ldf(const float *p) {
  vf v;
  memcpy(&v, p, sizeof v);
  return __builtin_convertvector(v, vd);
}
HOT void st(double *p, vd v) { memcpy(p, &v, sizeof v); }
HOT vd splat(double x) {
  vd v;
  for (int i = 0; i < VW; i++) v[i] = x;
  return v;
}

static size_t round4(size_t n) { return (n + 3) & ~(size_t)3; }

asl_status asl_metrics_ctx_init(asl_metrics_ctx *c, int nx, int ny, int nz) {
  memset(c, 0, sizeof *c);
  if (nx < ASL_SSIM_MIN_SIDE || ny < ASL_SSIM_MIN_SIDE || nz < ASL_SSIM_MIN_SIDE)
    return asl_fail(ASL_EINVAL,
                    "SSIM of a %dx%dx%d volume: every side must be at least %d voxels (the "
                    "Gaussian window, sigma 1.5 truncated at 3.5, is %d wide; scikit-image "
                    "refuses such volumes too)",
                    nx, ny, nz, ASL_SSIM_MIN_SIDE, ASL_SSIM_MIN_SIDE);
  size_t nv = (size_t)nx * ny * nz, plane = (size_t)nx * ny;
  size_t n1 = round4(plane) + PAD, n2 = round4(plane - 2 * R_ * (size_t)nx) + PAD;
  size_t nr = round4((size_t)nx) + PAD, nf = round4(nv) + PAD;
  size_t doubles = 5 * n1 + 5 * n2 + nr;
  // calloc: the padding is read by the vector loops' spare lanes, whose
  // results are discarded; zeros keep those lanes finite.
  c->buf = calloc(1, doubles * sizeof(double) + 2 * nf * sizeof(float));
  if (!c->buf)
    return asl_fail(ASL_ENOMEM, "SSIM workspace for %dx%dx%d: out of memory", nx, ny, nz);
  c->nx = nx, c->ny = ny, c->nz = nz;
  double *p = c->buf;
  for (int q = 0; q < 5; q++) c->p1[q] = p, p += n1;
  for (int q = 0; q < 5; q++) c->p2[q] = p, p += n2;
  c->row = p, p += nr;
  c->xa = (float *)p;
  c->ya = c->xa + nf;
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

// z pass of plane z (R_ <= z < nz-R_): p1 = Gaussian along z of
// (x, y, x*x, y*y, x*y) at every (y, x) of that plane.
HOT void pass_z(asl_metrics_ctx *c, int z) {
  size_t plane = (size_t)c->nx * c->ny;
  const float *a = c->xa + (size_t)z * plane, *b = c->ya + (size_t)z * plane;
  vd w[R_ + 1];
  for (int k = 0; k <= R_; k++) w[k] = splat(c->w[k]);
  for (size_t i = 0; i < plane; i += VW) {
    vd a0 = ldf(a + i), b0 = ldf(b + i);
    vd sx = w[0] * a0, sy = w[0] * b0, sxx = w[0] * a0 * a0, syy = w[0] * b0 * b0;
    vd sxy = w[0] * a0 * b0;
    for (int k = 1; k <= R_; k++) {
      size_t off = (size_t)k * plane;
      vd am = ldf(a + i - off), ap = ldf(a + i + off);
      vd bm = ldf(b + i - off), bp = ldf(b + i + off);
      sx += w[k] * (am + ap);
      sy += w[k] * (bm + bp);
      sxx += w[k] * (am * am + ap * ap);
      syy += w[k] * (bm * bm + bp * bp);
      sxy += w[k] * (am * bm + ap * bp);
    }
    st(c->p1[0] + i, sx), st(c->p1[1] + i, sy), st(c->p1[2] + i, sxx);
    st(c->p1[3] + i, syy), st(c->p1[4] + i, sxy);
  }
}

// Symmetric 11-tap Gaussian at p with neighbours `s` apart.
HOT vd taps(const vd *w, const double *p, size_t s) {
  vd acc = w[0] * ld(p);
  for (int k = 1; k <= R_; k++) acc += w[k] * (ld(p - k * s) + ld(p + k * s));
  return acc;
}

// y pass of the current plane: p2 rows yo = Gaussian along y of p1 rows
// yo + R_, for yo < ny - 2 R_. The rows are contiguous, so one loop runs
// over the whole cropped block.
HOT void pass_y(asl_metrics_ctx *c, const vd *w) {
  size_t nx = (size_t)c->nx, n = (size_t)(c->ny - 2 * R_) * nx;
  for (int q = 0; q < 5; q++) {
    const double *in = c->p1[q] + R_ * nx;
    for (size_t i = 0; i < n; i += VW) st(c->p2[q] + i, taps(w, in + i, nx));
  }
}

// x pass of row yo of the current plane and the SSIM of its cropped voxels;
// returns their sum.
HOT double row_ssim(asl_metrics_ctx *c, const vd *w, int yo, double c1, double c2) {
  int cx = c->nx - 2 * R_;
  const vd vc1 = splat(c1), vc2 = splat(c2), two = splat(2.0);
  double *ssim = c->row;
  for (int x = 0; x < cx; x += VW) {
    vd f[5];
    for (int q = 0; q < 5; q++) f[q] = taps(w, c->p2[q] + (size_t)yo * c->nx + R_ + x, 1);
    vd ux = f[0], uy = f[1];
    vd vx = f[2] - ux * ux, vy = f[3] - uy * uy, vxy = f[4] - ux * uy;
    vd s = ((two * ux * uy + vc1) * (two * vxy + vc2)) /
            ((ux * ux + uy * uy + vc1) * (vx + vy + vc2));
    st(ssim + x, s);
  }
  double sum = 0.0;
  for (int x = 0; x < cx; x++) sum += ssim[x];
  return sum;
}

// SSIM once the inputs are checked and R is known.
SSIM_CLONES static void ssim_checked(asl_metrics_ctx *c, const float *ref, const float *pred,
                         const float *mask, double range, double *ssim) {
  size_t nv = (size_t)c->nx * c->ny * c->nz;
  if (mask)
    for (size_t i = 0; i < nv; i++) {
      int in = mask[i] != 0.0f;
      c->xa[i] = in ? ref[i] : 0.0f;
      c->ya[i] = in ? pred[i] : 0.0f;
    }
  else {
    memcpy(c->xa, ref, nv * sizeof *ref);
    memcpy(c->ya, pred, nv * sizeof *pred);
  }
  vd w[R_ + 1];
  for (int k = 0; k <= R_; k++) w[k] = splat(c->w[k]);
  double c1 = (0.01 * range) * (0.01 * range), c2 = (0.03 * range) * (0.03 * range);
  double total = 0.0;
  for (int z = R_; z < c->nz - R_; z++) {
    pass_z(c, z);
    pass_y(c, w);
    for (int yo = 0; yo < c->ny - 2 * R_; yo++) total += row_ssim(c, w, yo, c1, c2);
  }
  *ssim = total / ((double)(c->nz - 2 * R_) * (c->ny - 2 * R_) * (c->nx - 2 * R_));
}

// Squared and absolute errors and |ref| summed over the mask, in one pass.
typedef struct {
  double se, ae, mag;
  size_t count;
} error_sums;

static error_sums sum_errors(const float *ref, const float *pred, const float *mask, size_t n) {
  error_sums e = {0, 0, 0, 0};
  for (size_t i = 0; i < n; i++) {
    if (mask && mask[i] == 0.0f) continue;
    double d = (double)pred[i] - ref[i];
    e.se += d * d, e.ae += fabs(d), e.mag += fabs((double)ref[i]);
    e.count++;
  }
  return e;
}

static double psnr_of(const error_sums *e, double range) {
  double mse = e->se / (double)e->count;
  return mse > 0.0 ? 10.0 * log10(range * range / mse) : INFINITY;
}

static asl_status nmae_of(const error_sums *e, double *nmae) {
  if (!(e->mag > 0.0))
    return asl_fail(ASL_ENUMERIC, "NMAE: the reference is zero everywhere inside the mask");
  *nmae = e->ae / e->mag; // the counts cancel: mean|d| / mean|ref|
  return ASL_OK;
}

asl_status asl_ssim_frame(asl_metrics_ctx *c, const float *ref, const float *pred,
                          const float *mask, double *ssim) {
  double range;
  asl_status s = check_and_range(ref, pred, mask, (size_t)c->nx * c->ny * c->nz, &range);
  if (s == ASL_OK) ssim_checked(c, ref, pred, mask, range, ssim);
  return s;
}

asl_status asl_psnr(const float *ref, const float *pred, const float *mask, size_t n,
                    double *psnr) {
  double range;
  asl_status s = check_and_range(ref, pred, mask, n, &range);
  if (s != ASL_OK) return s;
  error_sums e = sum_errors(ref, pred, mask, n);
  *psnr = psnr_of(&e, range);
  return ASL_OK;
}

// NMAE needs no data range, so a constant reference is fine here.
asl_status asl_nmae(const float *ref, const float *pred, const float *mask, size_t n,
                    double *nmae) {
  for (size_t i = 0; i < n; i++)
    if ((!mask || mask[i] != 0.0f) && (!isfinite(ref[i]) || !isfinite(pred[i])))
      return asl_fail(ASL_ENUMERIC, "NMAE: voxel %zu is not finite; refusing to score NaN/Inf",
                      i);
  error_sums e = sum_errors(ref, pred, mask, n);
  if (e.count == 0) return asl_fail(ASL_EINVAL, "NMAE: the mask selects no voxel");
  return nmae_of(&e, nmae);
}

asl_status asl_metrics_frame(asl_metrics_ctx *c, const float *ref, const float *pred,
                             const float *mask, asl_metrics *out) {
  size_t nv = (size_t)c->nx * c->ny * c->nz;
  double range;
  asl_status s = check_and_range(ref, pred, mask, nv, &range);
  if (s != ASL_OK) return s;
  error_sums e = sum_errors(ref, pred, mask, nv);
  s = nmae_of(&e, &out->nmae);
  if (s != ASL_OK) return s;
  out->psnr = psnr_of(&e, range);
  ssim_checked(c, ref, pred, mask, range, &out->ssim);
  return ASL_OK;
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

asl_status asl_metrics_series(asl_metrics_ctx *c, const asl_vol *images, const asl_vol *ref,
                              const asl_vol *mask, asl_metrics *per_image, asl_metrics *mean) {
  if (!same_grid(images, ref) || ref->nt != 1 || c->nx != ref->nx || c->ny != ref->ny ||
      c->nz != ref->nz || (mask && (!same_grid(mask, ref) || mask->nt != 1)))
    return asl_fail(ASL_ESHAPE,
                    "metrics: images %dx%dx%dx%d, reference %dx%dx%dx%d and scoring grid "
                    "%dx%dx%d must share one grid (reference and mask 3D)",
                    images->nx, images->ny, images->nz, images->nt, ref->nx, ref->ny, ref->nz,
                    ref->nt, c->nx, c->ny, c->nz);
  asl_metrics sum = {0, 0, 0};
  for (int t = 0; t < images->nt; t++) {
    asl_metrics m;
    asl_status s = asl_metrics_frame(c, ref->data, asl_vol_frame(images, t),
                                     mask ? mask->data : NULL, &m);
    if (s != ASL_OK) return s;
    if (per_image) per_image[t] = m;
    sum.ssim += m.ssim, sum.psnr += m.psnr, sum.nmae += m.nmae;
  }
  if (mean) {
    mean->ssim = sum.ssim / images->nt;
    mean->psnr = sum.psnr / images->nt;
    mean->nmae = sum.nmae / images->nt;
  }
  return ASL_OK;
}
