// M0 and brain mask of a subject, by the rules of docs/data.md.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "asl/nifti.h"
#include "bids_scan_internal.h"
#include "subject_internal.h"

// Says which part differs: the matrix size, or (same size) the voxel-to-mm
// map, naming the first affine entry that differs.
static asl_status grid_mismatch(const char *path, const asl_vol *v, const asl_subject *s,
                                const char *what) {
  const asl_vol *a = &s->asl;
  if (v->nx != a->nx || v->ny != a->ny || v->nz != a->nz)
    return asl_fail(ASL_ESHAPE, "%s: %s grid %dx%dx%d does not match the ASL grid %dx%dx%d; "
                    "resample it onto the ASL series", path, what, v->nx, v->ny, v->nz, a->nx,
                    a->ny, a->nz);
  int i = 0, j = 0;
  for (int k = 0; k < 12; k++)
    if (fabsf(v->affine[k / 4][k % 4] - a->affine[k / 4][k % 4]) > 0.01f) {
      i = k / 4, j = k % 4;
      break;
    }
  return asl_fail(ASL_ESHAPE, "%s: %s has the ASL series' size %dx%dx%d but another position or "
                  "orientation (voxel-to-mm affine entry [%d][%d] is %g, the ASL series has %g); "
                  "resample it onto the ASL series", path, what, v->nx, v->ny, v->nz, i, j,
                  (double)v->affine[i][j], (double)a->affine[i][j]);
}

// "<dir>/<name>_<suffix>.nii.gz" or .nii; 1 when it exists.
static int find_file(const char *dir, const char *name, const char *suffix, char *path, size_t n) {
  struct stat st;
  snprintf(path, n, "%s/%s_%s.nii.gz", dir, name, suffix);
  if (stat(path, &st) == 0) return 1;
  snprintf(path, n, "%s/%s_%s.nii", dir, name, suffix);
  if (stat(path, &st) == 0) return 1;
  snprintf(path, n, "%s/%s_%s.nii.gz", dir, name, suffix);
  return 0;
}

// 1 when every entity of `name` (a file stem, "sub-01_ses-1_acq-hi") is
// one of the scan stem's entities.
static int entities_within(const char *name, size_t len, const char *stem) {
  size_t i = 0;
  while (i < len) {
    size_t k = strcspn(name + i, "_");
    if (i + k > len) k = len - i;
    int found = 0;
    for (const char *p = stem; *p && !found; p += strcspn(p, "_"), p += *p == '_')
      found = strncmp(p, name + i, k) == 0 && (p[k] == '_' || p[k] == '\0');
    if (!found) return 0;
    i += k + 1;
  }
  return 1;
}

static int count_entities(const char *name, size_t len) {
  int n = 1;
  for (size_t i = 0; i < len; i++) n += name[i] == '_';
  return n;
}

typedef struct {
  char best[256], tie[256]; // file names
  size_t best_len;          // stem length of `best`
  int most;                 // its entity count
} match;

// The files "<name><tail>" of `dir` whose entities are all the scan's.
static void consider(const char *dir, const char *tail, const char *stem, match *m) {
  int nf = 0;
  char **files = asl_bids_ls(dir, "sub-", tail, &nf);
  for (int i = 0; i < nf; i++) {
    size_t len = strlen(files[i]) - strlen(tail);
    if (entities_within(files[i], len, stem) && strlen(files[i]) < sizeof m->best) {
      int c = count_entities(files[i], len);
      int same_stem = len == m->best_len && strncmp(files[i], m->best, len) == 0; // .nii beside .nii.gz
      if (c > m->most) {
        m->most = c, m->best_len = len, m->tie[0] = '\0';
        memcpy(m->best, files[i], strlen(files[i]) + 1);
      } else if (c == m->most && !same_stem && !m->tie[0]) {
        memcpy(m->tie, files[i], strlen(files[i]) + 1);
      }
    }
    free(files[i]);
  }
  free(files);
}

// BIDS matching: among "<dir>/<name>_<suffix>.nii[.gz]" whose entities are
// all the scan's (sub-01_ses-1_m0scan serves sub-01_ses-1_run-2, and so does
// sub-01_ses-1_acq-hi_m0scan for acq-hi runs), the one with the most
// entities. 1 found, 0 none, -1 two equally specific (message set).
static int find_matching(const char *dir, const asl_subject *s, const char *suffix, char *path,
                         size_t n) {
  char tail[96];
  match m = {"", "", 0, 0};
  snprintf(tail, sizeof tail, "_%s.nii.gz", suffix);
  consider(dir, tail, s->stem, &m);
  snprintf(tail, sizeof tail, "_%s.nii", suffix);
  consider(dir, tail, s->stem, &m);
  if (m.tie[0]) {
    asl_fail(ASL_EFORMAT, "%s: %s and %s both match the scan %s; keep one, or name the scan's own "
             "%s_%s.nii.gz", dir, m.best, m.tie, s->stem, s->stem, suffix);
    return -1;
  }
  if (m.best[0]) snprintf(path, n, "%s/%s", dir, m.best);
  return m.best[0] != '\0';
}

// The scan's own file, else the most specific one whose entities are all
// the scan's (one M0 or mask often serves several runs).
static int find_near(const char *dir, const asl_subject *s, const char *suffix, char *path, size_t n) {
  if (find_file(dir, s->stem, suffix, path, n)) return 1;
  int r = find_matching(dir, s, suffix, path, n);
  if (r == 0) find_file(dir, s->stem, suffix, path, n); // names the expected file
  return r;
}

static asl_status load_separate(asl_subject *s) {
  char path[4200];
  int found = find_near(s->dir, s, "m0scan", path, sizeof path);
  if (found < 0) return ASL_EFORMAT;
  if (!found)
    return asl_fail(ASL_ENOTFOUND,
                    "%s: missing; the sidecar says M0Type Separate (add the M0 scan, or set M0Type "
                    "to Absent)",
                    path);
  asl_vol raw;
  asl_status rc = asl_nifti_read(&raw, path);
  if (rc != ASL_OK) return rc;
  snprintf(s->m0_path, sizeof s->m0_path, "%s", path);
  if (!asl_same_grid(&raw, &s->asl)) {
    rc = grid_mismatch(path, &raw, s, "M0");
    asl_vol_free(&raw);
    return rc;
  }
  if (raw.nt == 1) {
    s->m0 = raw;
  } else { // several M0 repetitions: their mean
    int *all = calloc((size_t)raw.nt, sizeof *all);
    rc = all ? asl_mean_of_type(&raw, all, 0, &s->m0) : asl_fail(ASL_ENOMEM, "%s: out of memory", path);
    free(all);
    asl_vol_free(&raw);
    if (rc != ASL_OK) return rc;
  }
  s->has_m0 = 1;
  return ASL_OK;
}

asl_status asl_subject_load_m0(asl_subject *s, double m0_estimate) {
  if (strcmp(s->m0_type, "Separate") == 0) return load_separate(s);
  if (strcmp(s->m0_type, "Included") == 0) {
    asl_status rc = asl_mean_of_type(&s->asl, s->vol_type, ASL_VOL_M0, &s->m0);
    if (rc == ASL_ENOTFOUND)
      return asl_fail(ASL_EFORMAT,
                      "%s/%s_aslcontext.tsv: M0Type is Included but no row is m0scan; mark the M0 "
                      "volumes or fix M0Type",
                      s->dir, s->stem);
    if (rc != ASL_OK) return rc;
    s->has_m0 = 1;
    return ASL_OK;
  }
  if (strcmp(s->m0_type, "Estimate") == 0) {
    asl_status rc = asl_vol_init_like(&s->m0, &s->asl, 1);
    if (rc != ASL_OK) return rc;
    for (size_t i = 0; i < asl_vol_nvox(&s->m0); i++) s->m0.data[i] = (float)m0_estimate;
    s->has_m0 = 1;
    return ASL_OK;
  }
  s->has_m0 = 0; // Absent: whoever needs M0 refuses the subject
  return ASL_OK;
}

static asl_status load_mask_file(asl_subject *s, const char *path) {
  asl_vol m;
  asl_status rc = asl_nifti_read(&m, path);
  if (rc != ASL_OK) return rc;
  if (m.nt != 1 || !asl_same_grid(&m, &s->asl)) {
    rc = m.nt != 1 ? asl_fail(ASL_ESHAPE, "%s: a mask must be 3D, this one has %d volumes", path, m.nt)
                   : grid_mismatch(path, &m, s, "mask");
    asl_vol_free(&m);
    return rc;
  }
  size_t inside = 0;
  for (size_t i = 0; i < asl_vol_nvox(&m); i++) {
    m.data[i] = m.data[i] > 0.5f ? 1.0f : 0.0f;
    inside += m.data[i] > 0.0f;
  }
  if (inside == 0) {
    asl_vol_free(&m);
    return asl_fail(ASL_EFORMAT, "%s: the mask is empty (no voxel above 0.5); fix or remove it", path);
  }
  s->mask = m;
  s->has_mask = 1;
  s->mask_source = ASL_MASK_FILE;
  return ASL_OK;
}

// The mask in a derivatives dataset laid out like the raw one.
static int find_mask(const char *deriv, const asl_bids_scan *scan, const asl_subject *s, char *path,
                     size_t n) {
  char dir[4900];
  snprintf(dir, sizeof dir, "%s/%s%s%s/perf", deriv, scan->subject, scan->session[0] ? "/" : "",
           scan->session);
  return find_near(dir, s, "desc-brain_mask", path, n);
}

// data.masks when given; otherwise the first ROOT/derivatives/*/ (sorted)
// that has the scan's mask.
static int locate_mask(const char *root, const asl_bids_scan *scan, const asl_subject *s,
                       const char *masks, char *path, size_t n) {
  if (masks) return find_mask(masks, scan, s, path, n);
  char deriv[4400];
  snprintf(deriv, sizeof deriv, "%s/derivatives", root);
  int nd = 0, found = 0;
  char **dirs = asl_bids_ls(deriv, "", NULL, &nd);
  for (int i = 0; i < nd; i++) {
    char d[4600];
    snprintf(d, sizeof d, "%s/%s", deriv, dirs[i]);
    if (found == 0) found = find_mask(d, scan, s, path, n);
    free(dirs[i]);
  }
  free(dirs);
  return found;
}

asl_status asl_subject_load_mask(asl_subject *s, const char *root, const asl_bids_scan *scan,
                                 const char *masks) {
  char path[4200];
  int found = locate_mask(root, scan, s, masks, path, sizeof path);
  if (found < 0) return ASL_EFORMAT;
  if (found) {
    snprintf(s->mask_path, sizeof s->mask_path, "%s", path);
    return load_mask_file(s, path);
  }
  // Derived: from a measured M0 (Separate/Included), else the mean control.
  asl_vol mean;
  const asl_vol *src = NULL;
  int source = ASL_MASK_NONE;
  memset(&mean, 0, sizeof mean);
  if (s->has_m0 && strcmp(s->m0_type, "Estimate") != 0) {
    src = &s->m0, source = ASL_MASK_FROM_M0;
  } else if (asl_mean_of_type(&s->asl, s->vol_type, ASL_VOL_CONTROL, &mean) == ASL_OK) {
    src = &mean, source = ASL_MASK_FROM_CONTROL;
  }
  if (!src) return ASL_OK; // deltam-only series without M0: no mask, whole volume
  asl_status rc = asl_mask_from_image(src, &s->mask);
  asl_vol_free(&mean);
  if (rc == ASL_ENOTFOUND) return ASL_OK; // nothing positive to threshold
  if (rc != ASL_OK) return rc;
  s->has_mask = 1;
  s->mask_source = source;
  return ASL_OK;
}
