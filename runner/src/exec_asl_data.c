// The real executor's prepare step: the data (the spec's BIDS root, or the
// phantom written once into DIR/data by rank 0), every subject loaded and
// its difference series cached, SNR features and groups, folds.
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "asl/bids.h"
#include "asl/phantom.h"
#include "asl/snr.h"
#include "asl/subject.h"
#include "agree.h"
#include "check.h"
#include "exec_asl.h"
#include "nn/model.h"

// Rank 0 writes the phantom under a temporary name and renames it, so a
// crash while writing never leaves a partial DIR/data for the rerun.
static asl_status phantom_once(const sweep_plan *p, const char *root) {
  char done[4300], tmp[4300];
  snprintf(done, sizeof done, "%s/dataset_description.json", root);
  if (access(done, F_OK) == 0) return ASL_OK;
  snprintf(tmp, sizeof tmp, "%s.partial", root);
  asl_phantom_opts o;
  asl_phantom_defaults(&o);
  o.subjects = p->phantom.subjects;
  memcpy(o.shape, p->phantom.shape, sizeof o.shape);
  o.timepoints = p->phantom.timepoints;
  o.seed = p->phantom.seed;
  asl_status st = asl_phantom_write(&o, tmp);
  if (st) return st;
  if (rename(tmp, root) != 0)
    return asl_fail(ASL_EIO, "%s: cannot rename to %s (%s)", tmp, root, strerror(errno));
  return ASL_OK;
}

static int all_zero(const asl_vol *v) {
  size_t n = asl_vol_nvox(v) * (size_t)v->nt;
  for (size_t i = 0; i < n; i++)
    if (v->data[i] != 0.0f) return 0;
  return 1;
}

// Loads one subject; a failure marks it unusable instead of failing the run.
static void load_subject(exa_subject *u, const char *root, const char *id, const asl_bids_query *q) {
  asl_subject s;
  snprintf(u->id, sizeof u->id, "%s", id);
  asl_status st = asl_subject_load_q(&s, root, id, q);
  if (!st) {
    st = asl_subject_deltam(&s, &u->deltam);
    // Nothing to denoise or score (metrics need a data range): only this
    // subject's jobs can fail for it.
    if (!st && all_zero(&u->deltam)) {
      st = asl_fail(ASL_EFORMAT, "%s/%s_asl.nii.gz: every difference image is zero (control "
                    "equals label); check the scan and its aslcontext.tsv", s.dir, s.stem);
      asl_vol_free(&u->deltam);
    }
    if (!st && s.has_m0) st = asl_vol_copy(&u->m0, &s.m0), u->has_m0 = !st;
    if (!st && s.has_mask) st = asl_vol_copy(&u->mask, &s.mask), u->has_mask = !st;
    asl_subject_free(&s);
  }
  u->ok = st == ASL_OK && u->deltam.nt > 0;
  if (!u->ok)
    snprintf(u->error, sizeof u->error, "%s", st ? asl_error_message() : "no difference images");
}

static uint64_t vol_hash(uint64_t h, const asl_vol *v) {
  int dims[4] = {v->nx, v->ny, v->nz, v->nt};
  h = run_fnv(h, dims, sizeof dims);
  return run_fnv(h, v->data, sizeof(float) * asl_vol_nvox(v) * (size_t)v->nt);
}

// What the ranks compare before the cube is made: the data each one loaded.
static uint64_t subject_fingerprint(const exa_subject *u) {
  if (!u->ok) return 0;
  uint64_t h = vol_hash(RUN_FNV_START, &u->deltam);
  if (u->has_m0) h = vol_hash(h, &u->m0);
  if (u->has_mask) h = vol_hash(h, &u->mask);
  return h;
}

static void subject_free(exa_subject *u) {
  asl_vol_free(&u->deltam);
  if (u->has_m0) asl_vol_free(&u->m0);
  if (u->has_mask) asl_vol_free(&u->mask);
}

// SNR features of the usable subjects, k-means groups, names.
static asl_status snr_groups(exa_state *x, const sweep_plan *p, run_subjects *out) {
  int n = 0;
  double *ssim = calloc((size_t)x->n, sizeof(double)), *nmae = calloc((size_t)x->n, sizeof(double));
  int *idx = calloc((size_t)x->n, sizeof(int)), *group = calloc((size_t)x->n, sizeof(int));
  asl_status st = (!ssim || !nmae || !idx || !group) ? asl_fail(ASL_ENOMEM, "SNR features") : ASL_OK;
  for (int i = 0; !st && i < x->n; i++) {
    exa_subject *u = &x->s[i];
    out->s[i].ssim_single = out->s[i].nmae_single = NAN;
    snprintf(out->s[i].snr_group, RUN_GROUP_LEN, "none");
    if (!u->ok) continue;
    // Data the features cannot use (e.g. a constant reference) makes this
    // subject unusable; its jobs fail naming it, the others run.
    if (asl_snr_features(&u->deltam, u->has_mask ? &u->mask : NULL, &ssim[n], &nmae[n])) {
      u->ok = 0;
      snprintf(u->error, sizeof u->error, "%.200s/%s: SNR features: %.160s", x->root, u->id,
               asl_error_message());
      fprintf(stderr, "aslsweep run: warning: subject %s unusable: %s\n", u->id, u->error);
      continue;
    }
    out->s[i].ssim_single = (float)ssim[n];
    out->s[i].nmae_single = (float)nmae[n];
    idx[n++] = i;
  }
  int k = p->snr_k > 0 ? p->snr_k : 2;
  if (!st && n < k)
    st = asl_fail(ASL_EINVAL, "%s: %d usable subjects, fewer than snr_groups.k = %d", x->root, n, k);
  if (!st) st = asl_snr_groups(ssim, nmae, n, k, p->seed, group);
  for (int i = 0; !st && i < n; i++) {
    char name[ASL_SNR_NAME_MAX];
    snprintf(out->s[idx[i]].snr_group, RUN_GROUP_LEN, "%s", asl_snr_group_name(group[i], k, name));
  }
  free(ssim), free(nmae), free(idx), free(group);
  return st;
}

// The plan's subjects (listed by asl/ when the spec was read), in its order.
static asl_status load_all(exa_state *x, const sweep_plan *p, run_subjects *out) {
  const int n = p->n_subjects;
  asl_status st = ASL_OK;
  if (n == 0) return asl_fail(ASL_ENOTFOUND, "%s: no sub-*/[ses-*/]perf folders: check data.bids", x->root);
  x->s = calloc((size_t)n, sizeof *x->s);
  if (!x->s || (st = run_subjects_init(out, n)))
    return st ? st : asl_fail(ASL_ENOMEM, "%d subjects", n);
  x->n = n;
  asl_bids_query q; // participants, sessions, PLD choice, masks folder
  sweep_bids_query(p, &q);
  for (int i = 0; i < n; i++) {
    const char *id = p->subject_ids[i];
    load_subject(&x->s[i], x->root, id, &q);
    run_subject *r = &out->s[i];
    snprintf(r->id, sizeof r->id, "%s", id);
    r->fold = sweep_subject_fold(p, n, i);
    r->nt = x->s[i].ok ? x->s[i].deltam.nt : 0;
    r->fingerprint = subject_fingerprint(&x->s[i]);
    if (!x->s[i].ok) fprintf(stderr, "aslsweep run: warning: subject %s unusable: %s\n", id, x->s[i].error);
  }
  return snr_groups(x, p, out);
}

asl_status exa_prepare(run_executor *ex, const sweep_plan *p, const char *out_dir, int threads,
                       int rank0_first, run_subjects *subjects) {
  exa_state *x = calloc(1, sizeof *x);
  if (!x) return asl_fail(ASL_ENOMEM, "executor state");
  ex->state = x;
  nn_set_threads(threads);
  if (p->bids_root) {
    snprintf(x->root, sizeof x->root, "%s", p->bids_root);
  } else {
    snprintf(x->root, sizeof x->root, "%s/data", out_dir);
    // Only rank 0 writes; the others are called after it (and a barrier).
    if (rank0_first) {
      asl_status st = phantom_once(p, x->root);
      if (st) return st;
    }
  }
  return load_all(x, p, subjects);
}

void exa_finish(run_executor *ex) {
  exa_state *x = ex->state;
  if (!x) return;
  exa_keep_close(x);
  for (int i = 0; i < x->n; i++) subject_free(&x->s[i]);
  free(x->s);
  free(x);
  ex->state = NULL;
}

static int in_group(const char *group, const run_subject *u) {
  return group[0] == '\0' || strcmp(group, "all") == 0 || strcmp(group, u->snr_group) == 0;
}

asl_status exa_select(const exa_state *x, const run_subjects *subj, const sweep_job *jb,
                      int train, int *chosen, int *n_chosen) {
  *n_chosen = 0;
  for (int i = 0; i < x->n; i++) {
    const run_subject *u = &subj->s[i];
    int in_fold = u->fold == jb->cond.fold;
    if (train == in_fold) continue;
    if (!x->s[i].ok)
      return asl_fail(ASL_EFORMAT, "%s subject %s is unusable: %s", train ? "training" : "test",
                      u->id, x->s[i].error);
    if (!in_group(train ? jb->cond.train_group : jb->cond.test_group, u)) continue;
    chosen[(*n_chosen)++] = i;
  }
  if (*n_chosen == 0)
    return asl_fail(ASL_EINVAL, "no %s subjects (fold %s%d, group '%s')",
                    train ? "training" : "test", train ? "not " : "", jb->cond.fold,
                    train ? jb->cond.train_group : jb->cond.test_group);
  return ASL_OK;
}

int exa_keep_subject(const exa_state *x, const run_subjects *subjects, const sweep_plan *p,
                     const sweep_job *jb, int subj) {
  if (p->keep_volumes == SWEEP_KEEP_ALL) return 1;
  if (p->keep_volumes != SWEEP_KEEP_SAMPLE) return 0;
  for (int i = 0; i < x->n; i++)
    if (x->s[i].ok && in_group(jb->cond.test_group, &subjects->s[i])) return i == subj;
  return 0;
}

double exa_gt_fraction(const sweep_plan *p, const char *name) {
  if (strcmp(name, "GT50") == 0) return p->gt_fraction[1] > 0 ? p->gt_fraction[1] : 0.5;
  if (strcmp(name, "GT25") == 0) return p->gt_fraction[2] > 0 ? p->gt_fraction[2] : 0.25;
  return p->gt_fraction[0] > 0 ? p->gt_fraction[0] : 1.0;
}
