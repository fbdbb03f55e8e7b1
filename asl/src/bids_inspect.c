// Dataset inspection: load, check and score every subject (asl_bids_inspect).
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asl/bids.h"
#include "asl/snr.h"
#include "asl/subject.h"

static void note(asl_bids_report *r, const char *fmt, const char *arg) {
  size_t used = strlen(r->problem);
  if (used + 3 >= sizeof r->problem) return;
  if (used) strcpy(r->problem + used, "; "), used += 2;
  snprintf(r->problem + used, sizeof r->problem - used, fmt, arg);
}

static void describe(asl_bids_report *r, const asl_subject *s) {
  r->nx = s->asl.nx, r->ny = s->asl.ny, r->nz = s->asl.nz, r->nt = s->asl.nt;
  r->dx = s->asl.dx, r->dy = s->asl.dy, r->dz = s->asl.dz;
  r->n_deltam = asl_subject_n_deltam(s);
  memcpy(r->labeling_type, s->labeling_type, sizeof r->labeling_type);
  memcpy(r->m0_type, s->m0_type, sizeof r->m0_type);
  r->has_m0 = s->has_m0, r->has_mask = s->has_mask, r->mask_source = s->mask_source;
  if (!s->has_m0) note(r, "%s", "no M0 (M0Type Absent): sweeps that use M0 refuse this subject");
  if (s->n_skipped) note(r, "%s", "cbf/noRF volumes are skipped");
  if (!s->has_mask) note(r, "%s", "no mask: metrics use the whole volume");
  if (s->warnings[0]) note(r, "warning: %s", s->warnings);
}

// Scores one subject; the subject's data is freed before returning.
static void score(asl_bids_report *r, asl_subject *s) {
  asl_vol dm;
  asl_status st = asl_subject_deltam(s, &dm);
  if (st == ASL_OK) {
    st = asl_snr_features(&dm, s->has_mask ? &s->mask : NULL, &r->ssim, &r->nmae);
    asl_vol_free(&dm);
  }
  if (st == ASL_OK && isfinite(r->ssim) && isfinite(r->nmae)) {
    r->usable = 1;
  } else {
    r->usable = 0;
    note(r, "SNR features: %s", st != ASL_OK ? asl_error_message() : "not finite");
  }
}

static void inspect_one(const char *root, const char *id, const asl_bids_query *q,
                        asl_bids_report *r) {
  memset(r, 0, sizeof *r);
  snprintf(r->id, sizeof r->id, "%s", id);
  r->ssim = r->nmae = NAN;
  r->group = -1;
  asl_subject s;
  asl_status st = asl_subject_load_q(&s, root, id, q);
  if (st != ASL_OK) {
    note(r, "%s", asl_error_message());
    return;
  }
  describe(r, &s);
  score(r, &s);
  asl_subject_free(&s);
}

static asl_status group_usable(asl_bids_report *rows, int n, int k, uint64_t seed) {
  double *ssim = malloc((size_t)n * sizeof *ssim), *nmae = malloc((size_t)n * sizeof *nmae);
  int *group = malloc((size_t)n * sizeof *group), m = 0;
  asl_status st = ASL_OK;
  if (!ssim || !nmae || !group) st = asl_fail(ASL_ENOMEM, "inspect: out of memory");
  for (int i = 0; st == ASL_OK && i < n; i++)
    if (rows[i].usable) ssim[m] = rows[i].ssim, nmae[m] = rows[i].nmae, m++;
  if (st == ASL_OK && m > 0) st = asl_snr_groups(ssim, nmae, m, k < m ? k : m, seed, group);
  for (int i = 0, j = 0; st == ASL_OK && i < n; i++)
    if (rows[i].usable) rows[i].group = group[j++];
  free(ssim), free(nmae), free(group);
  return st;
}

asl_status asl_bids_inspect_q(const char *root, const asl_bids_query *q, int k, uint64_t seed,
                              asl_bids_report **rows, int *n) {
  *rows = NULL, *n = 0;
  if (k < 1) return asl_fail(ASL_EINVAL, "inspect: k = %d SNR groups; give at least 1", k);
  asl_bids_scan *scans;
  int count;
  asl_status st = asl_bids_list_scans(root, q, &scans, &count);
  if (st != ASL_OK) return st;
  if (count == 0)
    return asl_fail(ASL_ENOTFOUND,
                    "%s: no subject found (expected sub-<label>/[ses-<label>/]perf/ folders of a "
                    "BIDS-ASL dataset)",
                    root);
  asl_bids_report *out = calloc((size_t)count, sizeof *out);
  if (!out) {
    free(scans);
    return asl_fail(ASL_ENOMEM, "inspect: out of memory");
  }
  for (int i = 0; i < count; i++) inspect_one(root, scans[i].label, q, &out[i]);
  free(scans);
  st = group_usable(out, count, k, seed);
  if (st != ASL_OK) {
    free(out);
    return st;
  }
  *rows = out, *n = count;
  return ASL_OK;
}

asl_status asl_bids_inspect(const char *root, int k, uint64_t seed, asl_bids_report **rows, int *n) {
  return asl_bids_inspect_q(root, NULL, k, seed, rows, n);
}
