// Loading one BIDS-ASL subject: files, sidecar, aslcontext, checks.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "asl/bids.h"
#include "asl/nifti.h"
#include "subject_internal.h"

static int file_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int asl_same_grid(const asl_vol *a, const asl_vol *b) {
  if (a->nx != b->nx || a->ny != b->ny || a->nz != b->nz) return 0;
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 4; j++)
      if (fabsf(a->affine[i][j] - b->affine[i][j]) > 0.01f) return 0;
  return 1;
}

asl_status asl_mean_of_type(const asl_vol *src, const int *types, int type, asl_vol *out) {
  memset(out, 0, sizeof *out);
  int count = 0;
  for (int t = 0; t < src->nt; t++) count += types[t] == type;
  if (count == 0) return ASL_ENOTFOUND;
  asl_status s = asl_vol_init_like(out, src, 1);
  if (s != ASL_OK) return s;
  size_t n = asl_vol_nvox(src);
  for (int t = 0; t < src->nt; t++) {
    if (types[t] != type) continue;
    const float *f = asl_vol_frame(src, t);
    for (size_t i = 0; i < n; i++) out->data[i] += f[i] / (float)count;
  }
  return ASL_OK;
}

static asl_status set_ids(asl_subject *s, const char *root, const char *subject_id) {
  int n = snprintf(s->id, sizeof s->id, "%s%s", strncmp(subject_id, "sub-", 4) ? "sub-" : "",
                   subject_id);
  if (n < 0 || (size_t)n >= sizeof s->id || strchr(subject_id, '/'))
    return asl_fail(ASL_EINVAL, "subject id \"%s\" is not a plain BIDS id (sub-<label>, at most 31 characters)",
                    subject_id);
  n = snprintf(s->dir, sizeof s->dir, "%s/%s/perf", root, s->id);
  if (n < 0 || (size_t)n >= sizeof s->dir) return asl_fail(ASL_EINVAL, "%s: path too long", root);
  struct stat st;
  if (stat(s->dir, &st) != 0 || !S_ISDIR(st.st_mode))
    return asl_fail(ASL_ENOTFOUND, "%s: no such folder; a BIDS-ASL subject keeps its scans in perf/",
                    s->dir);
  return ASL_OK;
}

static asl_status read_series(asl_subject *s, const char *asl_path, const char *tsv_path) {
  int n_rows = 0, n_deltam = 0;
  asl_status st = asl_bids_read_aslcontext(tsv_path, &s->vol_type, &n_rows);
  if (st != ASL_OK) return st;
  st = asl_nifti_read(&s->asl, asl_path);
  if (st != ASL_OK) return st;
  if (s->asl.nt != n_rows)
    return asl_fail(ASL_ESHAPE,
                    "%s: %d volumes but %s lists %d rows; the table needs one row per volume",
                    asl_path, s->asl.nt, tsv_path, n_rows);
  if (s->asl.nz < 1 || s->asl.nx < 2 || s->asl.ny < 2)
    return asl_fail(ASL_ESHAPE, "%s: grid %dx%dx%d is not a 3D image series", asl_path, s->asl.nx,
                    s->asl.ny, s->asl.nz);
  st = asl_context_check(s->vol_type, n_rows, tsv_path, &n_deltam);
  if (st != ASL_OK) return st;
  for (int t = 0; t < n_rows; t++) s->n_skipped += s->vol_type[t] == ASL_VOL_OTHER;
  return ASL_OK;
}

// "<dir>/<id>_<suffix>.nii.gz", or ".nii" when only that exists.
void asl_subject_path(const asl_subject *s, const char *suffix, char *path, size_t n) {
  int k = snprintf(path, n, "%s/%s_%s.nii.gz", s->dir, s->id, suffix);
  if (k < 0 || (size_t)k >= n || file_exists(path)) return;
  path[k - 3] = '\0'; // drop ".gz"
  if (!file_exists(path)) path[k - 3] = '.';
}

static asl_status load_parts(asl_subject *s) {
  char asl_path[4200], tsv_path[4200], json_path[4200];
  asl_subject_path(s, "asl", asl_path, sizeof asl_path);
  snprintf(tsv_path, sizeof tsv_path, "%s/%s_aslcontext.tsv", s->dir, s->id);
  snprintf(json_path, sizeof json_path, "%s/%s_asl.json", s->dir, s->id);
  if (!file_exists(asl_path))
    return asl_fail(ASL_ENOTFOUND,
                    "%s: missing ASL series; name it %s_asl.nii.gz (no ses/acq/run entities)",
                    asl_path, s->id);
  asl_bids_sidecar car;
  asl_status st = asl_bids_read_sidecar(json_path, &car);
  if (st != ASL_OK) return st;
  memcpy(s->labeling_type, car.labeling_type, sizeof s->labeling_type);
  memcpy(s->m0_type, car.m0_type, sizeof s->m0_type);
  s->pld = car.pld;
  s->labeling_duration = car.labeling_duration;
  s->background_suppression = car.background_suppression;
  st = read_series(s, asl_path, tsv_path);
  if (st == ASL_OK) st = asl_subject_load_m0(s, car.m0_estimate);
  if (st == ASL_OK) st = asl_subject_load_mask(s);
  return st;
}

asl_status asl_subject_load(asl_subject *s, const char *bids_root, const char *subject_id) {
  memset(s, 0, sizeof *s);
  asl_status st = set_ids(s, bids_root, subject_id);
  if (st == ASL_OK) st = load_parts(s);
  if (st != ASL_OK) asl_subject_free(s);
  return st;
}

void asl_subject_free(asl_subject *s) {
  if (!s) return;
  asl_vol_free(&s->asl);
  asl_vol_free(&s->m0);
  asl_vol_free(&s->mask);
  free(s->vol_type);
  memset(s, 0, sizeof *s);
}
