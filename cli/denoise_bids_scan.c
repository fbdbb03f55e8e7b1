// One scan of the BIDS-App form of denoise: loaded by the sweep's own
// loader (asl_subject_load_q: PLD choice, M0 by M0Type, mask from the
// derivatives or derived), handed to run_denoise as explicit files, so the
// network sees exactly the sweep's inputs, then written as a derivative.
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "asl/average.h"
#include "asl/bids_deriv.h"
#include "asl/nifti.h"
#include "asl/normalize.h"
#include "asl/subject.h"
#include "denoise_bids.h"
#include "denoise_bids_out.h"
#include "run/denoise.h"

// What can be refused from the sidecars alone: a delay choice the series
// needs or cannot serve, an M0 channel the dataset cannot feed.
static asl_status check_choice(const dbids_args *a, const dbids_ckpt *ck, const asl_bids_sidecar *c) {
  char list[256] = "";
  for (int i = 0; i < c->n_plds; i++)
    snprintf(list + strlen(list), sizeof list - strlen(list), "%s%g", i ? ", " : "", c->plds[i]);
  if (c->n_plds > 1 && a->q.pld == 0.0)
    return asl_fail(ASL_EUNSUPPORTED,
                    "%s: multi-delay series (PostLabelingDelay %s s); choose the delay to denoise "
                    "with --pld SECONDS",
                    c->source, list);
  int have = c->n_plds <= 1;
  for (int i = 0; !have && i < c->n_plds; i++) have = fabs(c->plds[i] - a->q.pld) < 1e-3;
  if (!have)
    return asl_fail(ASL_EINVAL, "%s: no volume has PostLabelingDelay %g s (the series has %s); "
                    "pick one of those with --pld", c->source, a->q.pld, list);
  if (ck->m0 && strcmp(c->m0_type, "Absent") == 0)
    return asl_fail(ASL_EINVAL,
                    "%s: M0Type is Absent, but %s was trained with an M0 channel (m0=on); use a "
                    "checkpoint trained with m0=off, or add the M0 scan and set M0Type",
                    c->source, ck->path);
  return ASL_OK;
}

static asl_status write_context(const char *path, const int *types, int n) {
  static const char *const names[] = {"control", "label", "deltam", "m0scan", "noRF"};
  FILE *f = fopen(path, "w");
  if (!f) return asl_fail(ASL_EIO, "%s: cannot write (%s)", path, strerror(errno));
  fputs("volume_type\n", f);
  for (int t = 0; t < n; t++) fprintf(f, "%s\n", names[types[t] >= 0 && types[t] < 5 ? types[t] : 4]);
  return fclose(f) ? asl_fail(ASL_EIO, "%s: write failed (disk full?)", path) : ASL_OK;
}

typedef struct {
  char asl[4300], ctx[4300], m0[4300], mask[4300];
} scratch;

// The loaded scan as files run_denoise reads back bit for bit (float32).
static asl_status put_scratch(const asl_subject *s, const char *tmp, scratch *f) {
  snprintf(f->asl, sizeof f->asl, "%s/series.nii", tmp);
  snprintf(f->ctx, sizeof f->ctx, "%s/aslcontext.tsv", tmp);
  snprintf(f->m0, sizeof f->m0, "%s/m0.nii", tmp);
  snprintf(f->mask, sizeof f->mask, "%s/mask.nii", tmp);
  asl_status st = asl_nifti_write(&s->asl, f->asl);
  if (!st) st = write_context(f->ctx, s->vol_type, s->asl.nt);
  if (!st && s->has_m0) st = asl_nifti_write(&s->m0, f->m0);
  if (!st && s->has_mask) st = asl_nifti_write(&s->mask, f->mask);
  return st;
}

static void drop_scratch(const scratch *f) {
  unlink(f->asl), unlink(f->ctx), unlink(f->m0), unlink(f->mask);
}

// The normalization scales the infer path uses: each pre-averaged image's
// masked mean (and M0's), recomputed here for the record.
static asl_status scales(const asl_subject *s, const dbids_ckpt *ck, dbids_out *o) {
  asl_vol dm = {0}, img = {0};
  asl_strategy strat;
  const asl_vol *mask = s->has_mask ? &s->mask : NULL;
  asl_status st = asl_strategy_parse(ck->strategy, &strat);
  if (!st) st = asl_subject_deltam(s, &dm);
  if (!st) dm.nt -= dm.nt % ck->nav; // run_denoise already warned of the dropped points
  if (!st) st = asl_preaverage(&img, &dm, ck->nav, strat, 1, NULL);
  if (!st && !(o->scales = malloc(sizeof *o->scales * (size_t)img.nt)))
    st = asl_fail(ASL_ENOMEM, "scales");
  for (int t = 0; !st && t < img.nt; t++) st = asl_norm_scale(&img, t, mask, &o->scales[t]);
  if (!st) o->n_scales = img.nt;
  if (!st && ck->m0 && s->has_m0) st = asl_norm_scale(&s->m0, 0, mask, &o->m0_scale);
  asl_vol_free(&dm);
  asl_vol_free(&img);
  return st;
}

static void describe(const dbids_args *a, const asl_subject *s, const char *asl_path, dbids_out *o) {
  char ctx[4300];
  snprintf(ctx, sizeof ctx, "%s/%s_aslcontext.tsv", s->dir, s->stem);
  asl_bids_uri(a->bids, asl_path, o->sources[o->n_sources++], sizeof o->sources[0]);
  asl_bids_uri(a->bids, ctx, o->sources[o->n_sources++], sizeof o->sources[0]);
  if (!s->has_m0) snprintf(o->m0, sizeof o->m0, "none (M0Type Absent)");
  else if (s->m0_path[0]) asl_bids_uri(a->bids, s->m0_path, o->m0, sizeof o->m0);
  else if (strcmp(s->m0_type, "Included") == 0)
    snprintf(o->m0, sizeof o->m0, "the mean of the series' m0scan volumes (M0Type Included)");
  else snprintf(o->m0, sizeof o->m0, "M0Estimate of the sidecar, as a constant image");
  if (s->m0_path[0]) snprintf(o->sources[o->n_sources++], sizeof o->sources[0], "%s", o->m0);
  if (s->has_mask && s->mask_source == ASL_MASK_FILE) {
    asl_bids_uri(a->bids, s->mask_path, o->mask, sizeof o->mask);
    snprintf(o->sources[o->n_sources++], sizeof o->sources[0], "%s", o->mask);
  } else {
    snprintf(o->mask, sizeof o->mask, "%s", !s->has_mask ? "none (the whole volume)"
             : s->mask_source == ASL_MASK_FROM_M0 ? "derived from M0 (docs/data.md)"
                                                   : "derived from the mean control image (docs/data.md)");
  }
  snprintf(o->labeling_type, sizeof o->labeling_type, "%s", s->labeling_type);
  snprintf(o->m0_type, sizeof o->m0_type, "%s", s->m0_type);
  o->tr = s->repetition_time;
  o->pld = s->pld;
}

static asl_status denoise_loaded(const dbids_args *a, const dbids_ckpt *ck, const asl_bids_scan *scan,
                                 const asl_subject *s, const char *tmp) {
  char out[4400], side[4400], asl_path[4300], descrip[80];
  scratch f = {"", "", "", ""};
  dbids_out o;
  memset(&o, 0, sizeof o);
  snprintf(asl_path, sizeof asl_path, "%s/%s_asl.nii.gz", s->dir, s->stem);
  if (access(asl_path, R_OK) != 0) asl_path[strlen(asl_path) - 3] = '\0';
  asl_status st = asl_bids_deriv_path(a->out, scan, "denoised", "asl.nii.gz", out, sizeof out);
  if (!st) st = asl_bids_deriv_path(a->out, scan, "denoised", "asl.json", side, sizeof side);
  if (!st) st = put_scratch(s, tmp, &f);
  run_denoise_opts ro = {ck->path, f.asl, f.ctx, s->has_m0 ? f.m0 : NULL,
                         s->has_mask ? f.mask : NULL, out, a->nav_post, a->threads};
  run_denoise_info info;
  if (!st) st = run_denoise(&ro, &info);
  drop_scratch(&f);
  snprintf(descrip, sizeof descrip, "aslsweep %s denoise %.24s nav %d", ASLSWEEP_VERSION, ck->kind, ck->nav);
  if (!st) st = asl_nifti_restamp(out, asl_path, s->repetition_time, descrip);
  if (!st) st = scales(s, ck, &o);
  if (!st) {
    describe(a, s, asl_path, &o);
    o.nav_post = info.nav_post, o.n_deltam = info.n_deltam;
    o.n_images = info.n_images, o.n_final = info.n_final;
    st = dbids_write_sidecar(side, ck, &o);
  }
  if (!st)
    printf("%s: %d difference images, Nav %d -> %d images, nav_post %d -> %d volume(s); M0 %s, "
           "mask %s\n", out, info.n_deltam, info.nav, info.n_images, info.nav_post, info.n_final,
           info.m0 ? "used" : "not used", info.mask_source);
  free(o.scales);
  return st;
}

asl_status dbids_check_scan(const dbids_args *a, const dbids_ckpt *ck, const asl_bids_scan *scan) {
  char path[4400];
  snprintf(path, sizeof path, "%s/%s_asl.nii.gz", scan->dir, scan->stem);
  if (access(path, R_OK) != 0) {
    path[strlen(path) - 3] = '\0';
    if (access(path, R_OK) != 0)
      return asl_fail(ASL_ENOTFOUND,
                      "%s: no ASL series (%s_asl.nii.gz) in this perf/ folder; add the series, or "
                      "leave this %s out of --session-label/--participant-label",
                      scan->dir, scan->stem, scan->session[0] ? "session" : "participant");
  }
  asl_bids_sidecar car;
  asl_status st = asl_bids_scan_sidecar(a->bids, scan, &car);
  if (st) return st;
  st = check_choice(a, ck, &car);
  asl_bids_sidecar_free(&car);
  return st;
}

asl_status dbids_scan(const dbids_args *a, const dbids_ckpt *ck, const asl_bids_scan *scan,
                      const char *tmp, dbids_first_fn first, void *arg) {
  asl_subject s;
  asl_status st = asl_subject_load_q(&s, a->bids, scan->label, &a->q);
  if (st) return st;
  if (first) st = first(arg);
  if (!st) st = denoise_loaded(a, ck, scan, &s, tmp);
  asl_subject_free(&s);
  return st;
}
