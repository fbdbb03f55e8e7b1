// Loading one BIDS-ASL subject: files, sidecar, aslcontext, checks.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "asl/bids.h"
#include "asl/nifti.h"
#include "bids_scan_internal.h"
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

static asl_status set_ids(asl_subject *s, const asl_bids_scan *scan) {
  snprintf(s->id, sizeof s->id, "%s", scan->label);
  snprintf(s->dir, sizeof s->dir, "%s", scan->dir);
  snprintf(s->stem, sizeof s->stem, "%s", scan->stem);
  struct stat st;
  if (stat(s->dir, &st) != 0 || !S_ISDIR(st.st_mode))
    return asl_fail(ASL_ENOTFOUND, "%s: no such folder; a BIDS-ASL subject keeps its scans in perf/",
                    s->dir);
  return ASL_OK;
}

// Drops the volumes of the other delays of a multi-delay series.
static asl_status keep_frames(asl_subject *s, const int *keep, int n_before) {
  size_t nv = asl_vol_nvox(&s->asl);
  int m = 0;
  for (int t = 0; t < n_before; t++)
    if (keep[t]) {
      if (m != t) memmove(asl_vol_frame(&s->asl, m), asl_vol_frame(&s->asl, t), nv * sizeof(float));
      m++;
    }
  s->asl.nt = m;
  return ASL_OK;
}

static asl_status read_series(asl_subject *s, const asl_bids_scan *scan, const asl_bids_sidecar *car,
                              const char *asl_path, const char *tsv_path) {
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
  int *keep = malloc((size_t)n_rows * sizeof *keep), n_kept = n_rows;
  if (!keep) return asl_fail(ASL_ENOMEM, "%s: out of memory", asl_path);
  st = asl_bids_apply_pld(car, scan, s->vol_type, &n_kept, tsv_path, keep);
  if (st == ASL_OK && n_kept != n_rows) keep_frames(s, keep, n_rows);
  free(keep);
  if (st == ASL_OK) st = asl_context_check(s->vol_type, n_kept, tsv_path, &n_deltam);
  if (st != ASL_OK) return st;
  for (int t = 0; t < n_kept; t++) s->n_skipped += s->vol_type[t] == ASL_VOL_OTHER;
  return ASL_OK;
}

// "<dir>/<stem>_<suffix>.nii.gz", or ".nii" when only that exists.
void asl_subject_path(const asl_subject *s, const char *suffix, char *path, size_t n) {
  int k = snprintf(path, n, "%s/%s_%s.nii.gz", s->dir, s->stem, suffix);
  if (k < 0 || (size_t)k >= n || file_exists(path)) return;
  path[k - 3] = '\0'; // drop ".gz"
  if (!file_exists(path)) path[k - 3] = '.';
}

static asl_status load_parts(asl_subject *s, const char *root, const asl_bids_scan *scan,
                             const asl_bids_query *q) {
  char asl_path[4400], tsv_path[4400];
  asl_subject_path(s, "asl", asl_path, sizeof asl_path);
  snprintf(tsv_path, sizeof tsv_path, "%s/%s_aslcontext.tsv", s->dir, s->stem);
  if (!file_exists(asl_path))
    return asl_fail(ASL_ENOTFOUND, "%s: missing ASL series; name it %s_asl.nii.gz", asl_path, s->stem);
  asl_bids_sidecar car;
  asl_status st = asl_bids_scan_sidecar(root, scan, &car);
  if (st != ASL_OK) return st;
  memcpy(s->labeling_type, car.labeling_type, sizeof s->labeling_type);
  memcpy(s->m0_type, car.m0_type, sizeof s->m0_type);
  s->pld = car.n_plds > 1 ? scan->pld : car.pld;
  s->labeling_duration = car.labeling_duration;
  s->background_suppression = car.background_suppression;
  s->repetition_time = car.repetition_time > 0.0 ? car.repetition_time : car.repetition_time_prep;
  memcpy(s->warnings, car.warnings, sizeof s->warnings);
  st = read_series(s, scan, &car, asl_path, tsv_path);
  if (st == ASL_OK) st = asl_subject_load_m0(s, car.m0_estimate);
  if (st == ASL_OK) st = asl_subject_load_mask(s, root, scan, q ? q->masks : NULL);
  asl_bids_sidecar_free(&car);
  return st;
}

asl_status asl_subject_load_q(asl_subject *s, const char *bids_root, const char *label,
                              const asl_bids_query *q) {
  memset(s, 0, sizeof *s);
  asl_bids_scan scan;
  asl_status st = asl_bids_scan_from_label(bids_root, label, q, &scan);
  if (st == ASL_OK) st = set_ids(s, &scan);
  if (st == ASL_OK) st = load_parts(s, bids_root, &scan, q);
  if (st != ASL_OK) asl_subject_free(s);
  return st;
}

asl_status asl_subject_load(asl_subject *s, const char *bids_root, const char *subject_id) {
  return asl_subject_load_q(s, bids_root, subject_id, NULL);
}

void asl_subject_free(asl_subject *s) {
  if (!s) return;
  asl_vol_free(&s->asl);
  asl_vol_free(&s->m0);
  asl_vol_free(&s->mask);
  free(s->vol_type);
  memset(s, 0, sizeof *s);
}
