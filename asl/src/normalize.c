// Normalization by masked means with a recorded scale (asl/normalize.h).
#include "asl/normalize.h"

#include <math.h>

static asl_status check_mask(const asl_vol *v, const asl_vol *mask) {
  if (mask && (mask->nx != v->nx || mask->ny != v->ny || mask->nz != v->nz))
    return asl_fail(ASL_ESHAPE, "mask grid %dx%dx%d differs from image grid %dx%dx%d", mask->nx,
                    mask->ny, mask->nz, v->nx, v->ny, v->nz);
  return ASL_OK;
}

asl_status asl_masked_mean(const asl_vol *v, int t, const asl_vol *mask, double *mean) {
  asl_status s = check_mask(v, mask);
  if (s != ASL_OK) return s;
  if (t < 0 || t >= v->nt)
    return asl_fail(ASL_EINVAL, "masked mean: frame %d of a %d-frame image", t, v->nt);
  const float *f = asl_vol_frame(v, t);
  const float *m = mask ? mask->data : NULL;
  size_t nv = asl_vol_nvox(v), count = 0;
  double sum = 0.0;
  for (size_t i = 0; i < nv; i++) {
    if (m && m[i] == 0.0f) continue;
    sum += f[i];
    count++;
  }
  if (count == 0) return asl_fail(ASL_EINVAL, "masked mean: the mask selects no voxel");
  *mean = sum / (double)count;
  return ASL_OK;
}

asl_status asl_norm_scale(const asl_vol *v, int t, const asl_vol *mask, double *scale) {
  double m;
  asl_status s = asl_masked_mean(v, t, mask, &m);
  if (s != ASL_OK) return s;
  if (!(m > 0.0) || !isfinite(m))
    return asl_fail(ASL_ENUMERIC,
                    "normalization: frame %d has masked mean %g, which cannot serve as a "
                    "scale (it must be positive); check the mask, the label/control order "
                    "(ΔM = control - label) or use a larger Nav",
                    t, m);
  *scale = m;
  return ASL_OK;
}

void asl_norm_divide(asl_vol *v, int t, double scale) {
  float *f = asl_vol_frame(v, t);
  size_t nv = asl_vol_nvox(v);
  for (size_t i = 0; i < nv; i++) f[i] = (float)(f[i] / scale);
}

void asl_norm_multiply(asl_vol *v, int t, double scale) {
  float *f = asl_vol_frame(v, t);
  size_t nv = asl_vol_nvox(v);
  for (size_t i = 0; i < nv; i++) f[i] = (float)(f[i] * scale);
}

asl_status asl_normalize(asl_vol *v, const asl_vol *mask, double *scales) {
  // All scales first, so a bad frame leaves the image untouched.
  for (int t = 0; t < v->nt; t++) {
    asl_status s = asl_norm_scale(v, t, mask, &scales[t]);
    if (s != ASL_OK) return s;
  }
  for (int t = 0; t < v->nt; t++) asl_norm_divide(v, t, scales[t]);
  return ASL_OK;
}

void asl_denormalize(asl_vol *v, const double *scales) {
  for (int t = 0; t < v->nt; t++) asl_norm_multiply(v, t, scales[t]);
}
