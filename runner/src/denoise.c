// `aslsweep denoise`: a trained checkpoint applied to a new scan along the
// path of the sweep's infer jobs (exec_asl_infer.c): pre-averaging with the
// checkpoint's strategy and Nav, masked-mean normalization, M0 channel, the
// whole volume through nn_infer_volume, scales restored, post-averaging.
#include "run/denoise.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "asl/average.h"
#include "asl/nifti.h"
#include "denoise_input.h"
#include "denoise_sidecar.h"
#include "exec_asl_sample.h"
#include "exec_asl_train.h"
#include "nn/model.h"

// The model and its sidecar, checked against each other.
static asl_status load_model(const char *ckpt, nn_model **m, run_sidecar *sc) {
  if (access(ckpt, R_OK) != 0)
    return asl_fail(ASL_ENOTFOUND, "%s: cannot read the checkpoint (missing or unreadable)", ckpt);
  asl_status st = run_sidecar_read(ckpt, sc);
  exa_blob *bl = st ? NULL : malloc(sizeof *bl);
  int ep = 0, g[3];
  if (!st && !bl) st = asl_fail(ASL_ENOMEM, "checkpoint state");
  if (!st) st = nn_checkpoint_load(m, ckpt, &ep, bl, sizeof *bl);
  if (!st && bl->magic != EXA_MAGIC)
    st = asl_fail(ASL_EFORMAT, "%s: not a checkpoint of an aslsweep train job", ckpt);
  free(bl);
  if (st) return st;
  nn_model_grid(*m, g);
  if (strcmp(nn_model_kind(*m), sc->kind) != 0 || nn_model_in_channels(*m) != sc->in_channels ||
      g[0] != sc->grid[0] || g[1] != sc->grid[1] || g[2] != sc->grid[2] ||
      sc->m0 + 1 != sc->in_channels)
    st = asl_fail(ASL_EFORMAT,
                  "%s: the checkpoint holds %s with %d channel(s) at grid %dx%dx%d, its sidecar "
                  "says %s with %d at %dx%dx%d (m0 %s): they do not belong together",
                  ckpt, nn_model_kind(*m), nn_model_in_channels(*m), g[0], g[1], g[2], sc->kind,
                  sc->in_channels, sc->grid[0], sc->grid[1], sc->grid[2], sc->m0 ? "on" : "off");
  if (st) nn_model_free(*m), *m = NULL;
  return st;
}

// What the scan must satisfy before any work: M0 when the model takes it,
// Nav and nav_post within the number of images.
static asl_status check_scan(const run_denoise_opts *o, const run_sidecar *sc, const exa_subject *u,
                             int nav_post) {
  if (sc->m0 && !u->has_m0)
    return asl_fail(ASL_EINVAL,
                    "%s: the model was trained with an M0 channel (m0=on); give the M0 image with "
                    "--m0 (the scan has no m0scan volumes)",
                    o->checkpoint);
  int nt = u->deltam.nt;
  if (sc->nav > nt)
    return asl_fail(ASL_EINVAL,
                    "%s: %d difference images, fewer than the checkpoint's Nav = %d; a model "
                    "trained on %d-fold averages needs at least that many",
                    o->asl, nt, sc->nav, sc->nav);
  int n = nt / sc->nav;
  if (nav_post < 1 || nav_post > n)
    return asl_fail(ASL_EINVAL,
                    "nav_post = %d: the scan gives %d pre-averaged image(s) at Nav = %d; use 1..%d",
                    nav_post, n, sc->nav, n);
  return ASL_OK;
}

// The infer job's preprocessing, described to exa_sample_make as a job.
static void as_job(const run_sidecar *sc, sweep_plan *p, sweep_job *jb) {
  memset(p, 0, sizeof *p);
  memset(jb, 0, sizeof *jb);
  p->remainder_error = sc->remainder_error;
  snprintf(jb->cond.strategy, sizeof jb->cond.strategy, "%s", sc->strategy);
  jb->cond.nav = sc->nav;
  jb->cond.m0 = sc->m0;
  jb->cond.nav_post = sc->nav_post;
}

static asl_status apply(nn_model *m, const run_sidecar *sc, const exa_subject *u,
                        const run_denoise_opts *o, int nav_post, run_denoise_info *info) {
  sweep_plan p;
  sweep_job jb;
  exa_sample s;
  asl_vol den = {0}, fin = {0};
  as_job(sc, &p, &jb);
  asl_status st = exa_sample_make(&s, &p, &jb, u, "pre", NULL);
  if (st) return st;
  st = exa_sample_denoise(m, &s, &den, NULL, NULL, NULL, o->asl);
  if (!st) st = asl_postaverage(&fin, &den, nav_post, NULL);
  if (!st) st = asl_nifti_write(&fin, o->out);
  if (!st && info) info->n_images = s.images.nt, info->n_final = fin.nt;
  if (den.data) asl_vol_free(&den);
  if (fin.data) asl_vol_free(&fin);
  exa_sample_free(&s);
  return st;
}

asl_status run_denoise_check_checkpoint(const char *checkpoint) {
  run_sidecar sc;
  nn_model *m = NULL;
  asl_status st = load_model(checkpoint, &m, &sc);
  nn_model_free(m);
  return st;
}

asl_status run_denoise(const run_denoise_opts *o, run_denoise_info *info) {
  run_denoise_info local;
  run_sidecar sc;
  exa_subject u;
  nn_model *m = NULL;
  if (!info) info = &local;
  memset(info, 0, sizeof *info);
  nn_set_threads(o->threads);
  asl_status st = load_model(o->checkpoint, &m, &sc);
  if (st) return st;
  int nav_post = o->nav_post > 0 ? o->nav_post : sc.nav_post;
  st = run_denoise_read(o, &u, info->mask_source, sizeof info->mask_source);
  if (!st) {
    info->n_deltam = u.deltam.nt, info->nav = sc.nav, info->nav_post = nav_post, info->m0 = sc.m0;
    st = check_scan(o, &sc, &u, nav_post);
    if (!st) st = apply(m, &sc, &u, o, nav_post, info);
    run_denoise_subject_free(&u);
  }
  nn_model_free(m);
  return st;
}
