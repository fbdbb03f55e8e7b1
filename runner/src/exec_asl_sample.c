#include "exec_asl_sample.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "asl/average.h"
#include "asl/normalize.h"
#include "nn/diffusion.h"

static asl_status make_images(exa_sample *s, const sweep_plan *p, const sweep_job *jb,
                              const exa_subject *u, const char *input) {
  if (strcmp(input, "pre") != 0 && input[0] != '\0')
    return asl_ground_truth(&s->images, &u->deltam, exa_gt_fraction(p, input));
  asl_strategy strat;
  asl_status st = asl_strategy_parse(jb->cond.strategy, &strat);
  if (st) return st;
  return asl_preaverage(&s->images, &u->deltam, jb->cond.nav, strat, p->remainder_error, NULL);
}

static asl_status make_target(exa_sample *s, const sweep_plan *p, const exa_subject *u,
                              const char *target) {
  asl_vol gt = {0};
  asl_status st = asl_ground_truth(&gt, &u->deltam, exa_gt_fraction(p, target));
  if (!st) st = asl_vol_init_like(&s->target, &s->images, s->images.nt);
  for (int t = 0; !st && t < s->images.nt; t++) {
    memcpy(asl_vol_frame(&s->target, t), gt.data, sizeof(float) * asl_vol_nvox(&gt));
    asl_norm_divide(&s->target, t, s->scale[t]);
  }
  if (gt.data) asl_vol_free(&gt);
  return st;
}

asl_status exa_sample_make(exa_sample *s, const sweep_plan *p, const sweep_job *jb,
                           const exa_subject *u, const char *input, const char *target) {
  memset(s, 0, sizeof *s);
  s->mask = u->has_mask ? &u->mask : NULL;
  asl_status st = make_images(s, p, jb, u, input);
  if (st) goto fail;
  s->scale = malloc(sizeof(double) * (size_t)s->images.nt);
  if (!s->scale) {
    st = asl_fail(ASL_ENOMEM, "scales of %s", u->id);
    goto fail;
  }
  for (int t = 0; t < s->images.nt && !st; t++)
    st = asl_norm_scale(&s->images, t, s->mask, &s->scale[t]);
  if (!st && target) st = make_target(s, p, u, target);
  if (!st && jb->cond.m0) {
    double m0_scale = 1;
    if (!u->has_m0) {
      st = asl_fail(ASL_ENOTFOUND, "subject %s has no M0 image, but the job uses m0=on", u->id);
      goto fail;
    }
    st = asl_vol_copy(&s->m0, &u->m0);
    s->has_m0 = !st;
    if (!st) st = asl_norm_scale(&s->m0, 0, s->mask, &m0_scale);
    if (!st) asl_norm_divide(&s->m0, 0, m0_scale);
  }
fail:
  if (st) exa_sample_free(s);
  return st;
}

void exa_sample_free(exa_sample *s) {
  if (s->images.data) asl_vol_free(&s->images);
  if (s->target.data) asl_vol_free(&s->target);
  if (s->has_m0) asl_vol_free(&s->m0);
  free(s->scale);
  memset(s, 0, sizeof *s);
}

void exa_sample_channels(const exa_sample *s, int t, float *x) {
  size_t n = asl_vol_nvox(&s->images);
  const float *src = asl_vol_frame(&s->images, t);
  float inv = (float)(1.0 / s->scale[t]);
  for (size_t i = 0; i < n; i++) x[i] = src[i] * inv;
  if (s->has_m0) memcpy(x + n, s->m0.data, sizeof(float) * n);
}

// With unc (ddpm3d only): the per-voxel SD across the model's samples of
// image 0, in the input's units.
static asl_status keep_uncertainty(const nn_model *m, const exa_sample *s, asl_vol *unc) {
  const asl_vol *im = &s->images;
  asl_status st = asl_vol_init_like(unc, im, 1);
  if (!st) st = nn_ddpm_last_uncertainty(m, im->nx, im->ny, im->nz, unc->data);
  size_t n = asl_vol_nvox(im);
  for (size_t i = 0; !st && i < n; i++) unc->data[i] = (float)(unc->data[i] * s->scale[0]);
  if (st && unc->data) asl_vol_free(unc);
  return st;
}

asl_status exa_sample_denoise(nn_model *m, const exa_sample *s, asl_vol *out, asl_vol *unc,
                              int (*stop)(void *), void *arg, const char *what) {
  const asl_vol *im = &s->images;
  size_t n = asl_vol_nvox(im);
  float *x = malloc(sizeof(float) * n * 2);
  asl_status st = x ? asl_vol_init_like(out, im, im->nt) : asl_fail(ASL_ENOMEM, "inference input");
  for (int t = 0; !st && t < im->nt; t++) {
    if (stop && stop(arg)) {
      st = asl_fail(ASL_EINTERRUPTED, "%s: stopped", what);
      break;
    }
    exa_sample_channels(s, t, x);
    st = nn_infer_volume(m, x, im->nx, im->ny, im->nz, asl_vol_frame(out, t));
    float *o = asl_vol_frame(out, t);
    for (size_t i = 0; !st && i < n; i++) {
      o[i] = (float)(o[i] * s->scale[t]);
      if (!isfinite(o[i])) st = asl_fail(ASL_ENUMERIC, "%s: non-finite network output (image %d)", what, t);
    }
    if (!st && t == 0 && unc) st = keep_uncertainty(m, s, unc);
  }
  free(x);
  if (st && out->data) asl_vol_free(out);
  return st;
}
