// One phantom subject: deformed anatomy, CBF, M0, mask and the series.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asl/subject.h"
#include "phantom_internal.h"

#define MAX_REGIONS 256

void asl_phantom_defaults(asl_phantom_opts *o) {
  memset(o, 0, sizeof *o);
  o->subjects = 12;
  o->shape[0] = 64, o->shape[1] = 64, o->shape[2] = 32;
  o->timepoints = 32;
  o->seed = 1;
  o->noise = 1.0;
}

// Random smooth deformation and scaling of the template anatomy.
static void deform(asl_phantom_subject *s, const asl_phantom_anatomy *a, asl_rng *r, int *region) {
  int shape[3] = {a->gm.nx, a->gm.ny, a->gm.nz};
  ph_field u[3];
  double scale[3], amp[3] = {1.0, 1.0, 0.5}; // displacement SD in voxels
  double common = 1.0 + 0.08 * (asl_rng_uniform(r) - 0.5);
  for (int k = 0; k < 3; k++) {
    ph_field_init(&u[k], r, shape, 1.5);
    scale[k] = common * (1.0 + 0.04 * (asl_rng_uniform(r) - 0.5));
  }
  double c[3] = {0.5 * (shape[0] - 1), 0.5 * (shape[1] - 1), 0.5 * (shape[2] - 1)};
  size_t i = 0;
  for (int z = 0; z < shape[2]; z++)
    for (int y = 0; y < shape[1]; y++)
      for (int x = 0; x < shape[0]; x++, i++) {
        double p[3] = {x, y, z};
        for (int k = 0; k < 3; k++)
          p[k] = c[k] + (p[k] - c[k]) / scale[k] + amp[k] * ph_field_at(&u[k], x, y, z);
        s->gm.data[i] = ph_sample(&a->gm, 0, p[0], p[1], p[2]);
        s->wm.data[i] = ph_sample(&a->wm, 0, p[0], p[1], p[2]);
        s->cbf.data[i] = ph_sample(&a->csf, 0, p[0], p[1], p[2]); // CSF, until cbf is made
        region[i] = (int)ph_sample_nearest(&a->region, 0, p[0], p[1], p[2]);
      }
}

// Hypoperfused lesion: CBF x 0.4 in a ball around a random GM voxel, with a
// smooth rim.
static void hypoperfuse(asl_phantom_subject *s, asl_rng *r) {
  size_t n = asl_vol_nvox(&s->cbf), centre = 0;
  for (int tries = 0; tries < 10000; tries++) {
    size_t i = (size_t)asl_rng_below(r, n);
    if (s->gm.data[i] > 0.5f) { centre = i; break; }
  }
  int nx = s->cbf.nx, ny = s->cbf.ny;
  double cx = (double)(centre % nx), cy = (double)(centre / nx % ny), cz = (double)(centre / ((size_t)nx * ny));
  double radius = 0.1 * nx, zratio = s->cbf.dz / s->cbf.dx;
  size_t i = 0;
  for (int z = 0; z < s->cbf.nz; z++)
    for (int y = 0; y < ny; y++)
      for (int x = 0; x < nx; x++, i++) {
        double d = sqrt((x - cx) * (x - cx) + (y - cy) * (y - cy) + (z - cz) * (z - cz) * zratio * zratio) / radius;
        double w = d <= 1.0 ? 1.0 : d >= 1.5 ? 0.0 : 0.5 * (1.0 + cos(PH_PI * (d - 1.0) / 0.5));
        s->cbf.data[i] *= (float)(1.0 - 0.6 * w);
      }
}

// CBF = GM * 60 + WM * 20 (ml/100g/min), times a subject factor, a factor per
// AAL region (GM only) and a smooth +-10% field. Returns CSF fractions in csf.
static void make_cbf(asl_phantom_subject *s, asl_rng *r, const int *region, float *csf) {
  double regional[MAX_REGIONS];
  for (int k = 0; k < MAX_REGIONS; k++) regional[k] = fmin(1.3, fmax(0.7, 1.0 + 0.1 * asl_rng_normal(r)));
  regional[0] = 1.0;
  double global = 1.0 + 0.2 * (asl_rng_uniform(r) - 0.5);
  ph_field f;
  int shape[3] = {s->cbf.nx, s->cbf.ny, s->cbf.nz};
  ph_field_init(&f, r, shape, 2.0);
  size_t i = 0;
  for (int z = 0; z < shape[2]; z++)
    for (int y = 0; y < shape[1]; y++)
      for (int x = 0; x < shape[0]; x++, i++) {
        csf[i] = s->cbf.data[i];
        double smooth = global * (1.0 + 0.1 * ph_field_at(&f, x, y, z));
        int reg = region[i] >= 0 && region[i] < MAX_REGIONS ? region[i] : 0;
        s->cbf.data[i] = (float)(smooth * (s->gm.data[i] * PH_CBF_GM * regional[reg] + s->wm.data[i] * PH_CBF_WM));
      }
}

// Clean M0 from proton density with a smooth coil sensitivity, the clean
// deltam, the brain mask, and the noise level of the subject.
static asl_status make_m0_mask(asl_phantom_subject *s, const asl_phantom_opts *o, asl_rng *r,
                               const float *csf, asl_vol *m0_clean) {
  ph_field coil;
  int shape[3] = {s->cbf.nx, s->cbf.ny, s->cbf.nz};
  ph_field_init(&coil, r, shape, 0.7);
  asl_vol brain;
  asl_status st = asl_vol_init_like(&brain, &s->cbf, 1);
  if (st != ASL_OK) return st;
  double k = ph_deltam_per_cbf(o), gm_sum = 0.0;
  size_t i = 0, gm_n = 0;
  for (int z = 0; z < shape[2]; z++)
    for (int y = 0; y < shape[1]; y++)
      for (int x = 0; x < shape[0]; x++, i++) {
        float gm = s->gm.data[i], wm = s->wm.data[i];
        double pd = PH_PD_GM * gm + PH_PD_WM * wm + PH_PD_CSF * csf[i];
        m0_clean->data[i] = (float)(PH_M0_SCALE * pd * (1.0 + 0.08 * ph_field_at(&coil, x, y, z)));
        s->deltam.data[i] = (float)(k * m0_clean->data[i] * s->cbf.data[i]);
        float frac = gm + wm + csf[i];
        brain.data[i] = frac >= 0.5f ? frac : 0.0f;
        if (gm > 0.5f) gm_sum += s->deltam.data[i], gm_n++;
      }
  st = asl_mask_from_image(&brain, &s->mask);
  asl_vol_free(&brain);
  if (st != ASL_OK) return st;
  // Two SNR tiers, alternating over subjects (the seed's low bit picks which
  // starts), each with its own spread: k-means with k = 2 can separate them.
  double level = s->low_snr ? 1.8 + 0.9 * asl_rng_uniform(r) : 0.6 + 0.4 * asl_rng_uniform(r);
  s->noise_sd = o->noise * level * (gm_n ? gm_sum / gm_n : 1.0);
  return ASL_OK;
}

static asl_status alloc_maps(asl_phantom_subject *s, const asl_phantom_anatomy *a) {
  asl_vol *maps[] = {&s->cbf, &s->deltam, &s->gm, &s->wm, &s->m0};
  for (size_t k = 0; k < sizeof maps / sizeof *maps; k++) {
    asl_status st = asl_vol_init_like(maps[k], &a->gm, 1);
    if (st != ASL_OK) return st;
  }
  return ASL_OK;
}

static asl_status build(asl_phantom_subject *s, const asl_phantom_anatomy *a,
                        const asl_phantom_opts *o, asl_rng *r, int *region, float *csf) {
  asl_vol m0_clean, stat;
  memset(&m0_clean, 0, sizeof m0_clean), memset(&stat, 0, sizeof stat);
  asl_status st = alloc_maps(s, a);
  if (st != ASL_OK) return st;
  deform(s, a, r, region);
  make_cbf(s, r, region, csf);
  if (s->hypoperfused) hypoperfuse(s, r);
  st = asl_vol_init_like(&m0_clean, &a->gm, 1);
  if (st == ASL_OK) st = make_m0_mask(s, o, r, csf, &m0_clean);
  if (st == ASL_OK) st = asl_vol_copy(&stat, &m0_clean);
  if (st == ASL_OK) {
    size_t n = asl_vol_nvox(&stat);
    double m0_sd = 0.01 * PH_M0_SCALE; // M0 scan: one averaged volume, high SNR
    for (size_t i = 0; i < n; i++) {
      stat.data[i] *= (float)PH_BS_RESIDUAL;
      s->m0.data[i] = m0_clean.data[i] + (float)(m0_sd * asl_rng_normal(r));
    }
    st = ph_make_series(s, o, r, &stat);
  }
  asl_vol_free(&m0_clean), asl_vol_free(&stat);
  return st;
}

asl_status asl_phantom_subject_make(asl_phantom_subject *s, const asl_phantom_anatomy *a,
                                    const asl_phantom_opts *o, int index) {
  memset(s, 0, sizeof *s);
  if (o->timepoints < 1 || o->timepoints > 100000)
    return asl_fail(ASL_EINVAL, "phantom: --timepoints %d must be 1..100000 control/label pairs", o->timepoints);
  if (index < 0 || index > 9999) return asl_fail(ASL_EINVAL, "phantom: subject index %d out of range", index);
  snprintf(s->id, sizeof s->id, "sub-%02d", index + 1);
  asl_rng r;
  asl_rng_seed_key(&r, o->seed, s->id);
  s->low_snr = (index + (int)(o->seed & 1)) % 2;
  s->hypoperfused = o->hypoperfusion && index % 3 == 2;
  size_t n = asl_vol_nvox(&a->gm);
  int *region = malloc(n * sizeof *region);
  float *csf = malloc(n * sizeof *csf);
  asl_status st = region && csf ? build(s, a, o, &r, region, csf)
                                : asl_fail(ASL_ENOMEM, "phantom: out of memory");
  free(region), free(csf);
  if (st != ASL_OK) asl_phantom_subject_free(s);
  return st;
}

void asl_phantom_subject_free(asl_phantom_subject *s) {
  if (!s) return;
  asl_vol *maps[] = {&s->asl, &s->m0, &s->mask, &s->cbf, &s->deltam, &s->gm, &s->wm};
  for (size_t k = 0; k < sizeof maps / sizeof *maps; k++) asl_vol_free(maps[k]);
  free(s->vol_type);
  memset(s, 0, sizeof *s);
}
