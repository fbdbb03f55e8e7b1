// Phantom anatomy: the mricron-data MNI templates segmented into GM/WM/CSF
// and resampled (by 3x3x3 supersampling, which gives partial volume) onto
// the phantom grid. Done once per phantom run.
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "asl/nifti.h"
#include "phantom_internal.h"

#define DEFAULT_TEMPLATES "/usr/share/mricron/templates"
// Intensity classes of the skull-stripped ch2bet T1 (uint8 0..133): inside
// the brain, below 50 is CSF, 50..97 grey matter, 98 and above white matter
// (the valley between the GM peak near 87 and the WM peak near 113).
#define T1_CSF_MAX 50.0f
#define T1_GM_MAX 98.0f
#define SUPER 3  // samples per axis inside each phantom voxel
#define MARGIN 1.1 // field of view = brain bounding box x 1.1

enum { CLS_NONE, CLS_CSF, CLS_GM, CLS_WM };

static int tissue_class(float t1) {
  if (t1 <= 0.0f) return CLS_NONE;
  return t1 < T1_CSF_MAX ? CLS_CSF : t1 < T1_GM_MAX ? CLS_GM : CLS_WM;
}

static asl_status load_templates(asl_vol *t1, asl_vol *atlas, const char *dir) {
  char p1[1024], p2[1024];
  snprintf(p1, sizeof p1, "%s/ch2bet.nii.gz", dir);
  snprintf(p2, sizeof p2, "%s/aal.nii.gz", dir);
  struct stat st;
  if (stat(p1, &st) != 0 || stat(p2, &st) != 0)
    return asl_fail(ASL_ENOTFOUND,
                    "%s: template ch2bet.nii.gz or aal.nii.gz not found; install the Debian "
                    "package mricron-data (apt-get install mricron-data)",
                    dir);
  asl_status s = asl_nifti_read(t1, p1);
  if (s != ASL_OK) return s;
  s = asl_nifti_read(atlas, p2);
  if (s == ASL_OK && (atlas->nx != t1->nx || atlas->ny != t1->ny || atlas->nz != t1->nz))
    s = asl_fail(ASL_ESHAPE, "%s: aal.nii.gz and ch2bet.nii.gz differ in grid; reinstall mricron-data",
                 dir);
  if (s != ASL_OK) asl_vol_free(t1), asl_vol_free(atlas);
  return s;
}

// Brain bounding box (voxel indices) of the template.
static void brain_box(const asl_vol *t1, int lo[3], int hi[3]) {
  lo[0] = t1->nx, lo[1] = t1->ny, lo[2] = t1->nz, hi[0] = hi[1] = hi[2] = -1;
  for (int z = 0; z < t1->nz; z++)
    for (int y = 0; y < t1->ny; y++)
      for (int x = 0; x < t1->nx; x++) {
        if (t1->data[((size_t)z * t1->ny + y) * t1->nx + x] <= 0.0f) continue;
        int p[3] = {x, y, z};
        for (int a = 0; a < 3; a++) {
          if (p[a] < lo[a]) lo[a] = p[a];
          if (p[a] > hi[a]) hi[a] = p[a];
        }
      }
}

// Phantom grid geometry: in-plane isotropic voxels that fit the brain box
// with a margin; the phantom voxel (i,j,k) maps to template voxel
// origin + (i,j,k) * step (template voxels are 1 mm in mricron-data).
static void plan_grid(const asl_vol *t1, const int shape[3], double origin[3], double step[3]) {
  int lo[3], hi[3];
  brain_box(t1, lo, hi);
  double ext[3], centre[3];
  for (int a = 0; a < 3; a++) ext[a] = (hi[a] - lo[a] + 1) * MARGIN, centre[a] = 0.5 * (lo[a] + hi[a]);
  double inplane = fmax(ext[0] / shape[0], ext[1] / shape[1]);
  step[0] = step[1] = inplane, step[2] = ext[2] / shape[2];
  for (int a = 0; a < 3; a++) origin[a] = centre[a] - 0.5 * (shape[a] - 1) * step[a];
}

static void set_geometry(asl_vol *v, const asl_vol *t1, const double origin[3], const double step[3]) {
  v->dx = (float)(step[0] * t1->dx), v->dy = (float)(step[1] * t1->dy), v->dz = (float)(step[2] * t1->dz);
  for (int r = 0; r < 3; r++) {
    for (int c = 0; c < 3; c++) v->affine[r][c] = (float)(t1->affine[r][c] * step[c]);
    double off = t1->affine[r][3];
    for (int c = 0; c < 3; c++) off += t1->affine[r][c] * origin[c];
    v->affine[r][3] = (float)off;
  }
}

// Fractions and majority label of one phantom voxel from SUPER^3 samples.
static void resample_voxel(asl_phantom_anatomy *a, size_t out, const asl_vol *t1, const asl_vol *atlas,
                           const double pos[3], const double step[3]) {
  int counts[4] = {0}, labels[SUPER * SUPER * SUPER], n_labels = 0;
  for (int k = 0; k < SUPER; k++)
    for (int j = 0; j < SUPER; j++)
      for (int i = 0; i < SUPER; i++) {
        double off[3] = {(i + 0.5) / SUPER - 0.5, (j + 0.5) / SUPER - 0.5, (k + 0.5) / SUPER - 0.5};
        double p[3];
        for (int d = 0; d < 3; d++) p[d] = pos[d] + off[d] * step[d];
        counts[tissue_class(ph_sample_nearest(t1, 0, p[0], p[1], p[2]))]++;
        int lab = (int)ph_sample_nearest(atlas, 0, p[0], p[1], p[2]);
        if (lab > 0) labels[n_labels++] = lab;
      }
  const float total = SUPER * SUPER * SUPER;
  a->csf.data[out] = counts[CLS_CSF] / total;
  a->gm.data[out] = counts[CLS_GM] / total;
  a->wm.data[out] = counts[CLS_WM] / total;
  int best = 0, best_n = 0;
  for (int i = 0; i < n_labels; i++) {
    int n = 0;
    for (int j = 0; j < n_labels; j++) n += labels[j] == labels[i];
    if (n > best_n) best_n = n, best = labels[i];
  }
  a->region.data[out] = (float)best;
}

static asl_status resample(asl_phantom_anatomy *a, const asl_vol *t1, const asl_vol *atlas,
                           const int shape[3]) {
  double origin[3], step[3];
  plan_grid(t1, shape, origin, step);
  asl_vol *parts[4] = {&a->gm, &a->wm, &a->csf, &a->region};
  for (int i = 0; i < 4; i++) {
    asl_status s = asl_vol_init(parts[i], shape[0], shape[1], shape[2], 1);
    if (s != ASL_OK) return s;
    set_geometry(parts[i], t1, origin, step);
  }
  size_t out = 0;
  for (int k = 0; k < shape[2]; k++)
    for (int j = 0; j < shape[1]; j++)
      for (int i = 0; i < shape[0]; i++, out++) {
        double pos[3] = {origin[0] + i * step[0], origin[1] + j * step[1], origin[2] + k * step[2]};
        resample_voxel(a, out, t1, atlas, pos, step);
      }
  return ASL_OK;
}

asl_status asl_phantom_anatomy_load(asl_phantom_anatomy *a, const asl_phantom_opts *o) {
  memset(a, 0, sizeof *a);
  for (int i = 0; i < 3; i++)
    if (o->shape[i] < 4 || o->shape[i] > 1024)
      return asl_fail(ASL_EINVAL, "phantom shape %dx%dx%d: each size must be 4..1024", o->shape[0],
                      o->shape[1], o->shape[2]);
  asl_vol t1, atlas;
  asl_status s = load_templates(&t1, &atlas, o->template_dir ? o->template_dir : DEFAULT_TEMPLATES);
  if (s != ASL_OK) return s;
  s = resample(a, &t1, &atlas, o->shape);
  asl_vol_free(&t1), asl_vol_free(&atlas);
  if (s != ASL_OK) asl_phantom_anatomy_free(a);
  return s;
}

void asl_phantom_anatomy_free(asl_phantom_anatomy *a) {
  if (!a) return;
  asl_vol_free(&a->gm), asl_vol_free(&a->wm), asl_vol_free(&a->csf), asl_vol_free(&a->region);
}
