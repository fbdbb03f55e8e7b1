// Infer jobs: every test subject's images through the model (whole volume),
// scales undone, post-averaged by nav_post, scored against GT100 inside the
// mask; the same final-image construction on the un-denoised images gives
// the `input` stage. The first final images (input, denoised) and GT100 of
// the subjects `keep_volumes` names are kept in DIR/volumes/ for montages.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "asl/average.h"
#include "asl/metrics.h"
#include "asl/nifti.h"
#include "check.h"
#include "exec_asl_sample.h"
#include "exec_asl_train.h"
#include "exec_asl_tune.h"
#include "nn/desc.h"
#include "nn/model.h"

// A tuned (`auto`) parameter's choice goes to r->chosen_param (/jobs/chosen_param).
static asl_status get_model(nn_model **m, exa_state *x, const sweep_plan *p, int j, run_job_io *io,
                            run_result *r) {
  const sweep_job *jb = &p->jobs[j];
  if (jb->train_job >= 0) {
    exa_blob *bl = malloc(sizeof *bl);
    int ep = 0;
    if (!bl) return asl_fail(ASL_ENOMEM, "checkpoint blob");
    asl_status st = nn_checkpoint_load(m, io->train_checkpoint, &ep, bl, sizeof *bl);
    free(bl);
    if (!st) st = exa_model_to_device(*m, p);
    return st;
  }
  const sweep_model *sm = &p->models[jb->cond.model];
  nn_param *par = NULL;
  char chosen[1024];
  asl_status st = exa_model_params(sm, &par);
  int k = st ? -1 : exa_tune_auto_index(par, sm->n_params);
  if (k >= 0) st = exa_tune(x, p, j, io, par, sm->n_params, k, chosen, sizeof chosen);
  if (k >= 0 && !st) st = exa_tune_log(io, j, jb->key, chosen);
  if (k >= 0 && !st) r->chosen_param = strtod(par[k].value, NULL);
  if (!st)
    st = nn_model_create(m, sm->kind, 1 + (jb->cond.m0 != 0), p->grid, par, sm->n_params, jb->seed);
  if (!st) st = exa_model_to_device(*m, p);
  free(par);
  return st;
}

static int io_yield(void *arg) {
  run_job_io *io = arg;
  return io->yield(io);
}

static int metric_index(const char *name) {
  return !strcmp(name, "ssim") ? 0 : !strcmp(name, "psnr") ? 1 : !strcmp(name, "nmae") ? 2 : -1;
}

// Scores the final images `fin` of one stage against `ref` into r.
static asl_status score(asl_metrics_ctx *c, const sweep_plan *p, const asl_vol *fin, const asl_vol *ref,
                        const asl_vol *mask, run_result *r, int subj, int stage) {
  int nf = fin->nt < r->n_images ? fin->nt : r->n_images;
  double sum[3] = {0, 0, 0};
  for (int f = 0; f < nf; f++) {
    asl_metrics v;
    asl_status st = asl_metrics_frame(c, ref->data, asl_vol_frame(fin, f), mask ? mask->data : NULL, &v);
    if (st) return st;
    double vals[3] = {v.ssim, v.psnr, v.nmae};
    for (int k = 0; k < 3; k++) sum[k] += vals[k];
    for (int mi = 0; mi < p->n_metrics; mi++) {
      int k = metric_index(p->metrics[mi]);
      if (k >= 0) run_result_images(r, subj, stage, mi)[f] = (float)vals[k];
    }
  }
  for (int mi = 0; mi < p->n_metrics; mi++) {
    int k = metric_index(p->metrics[mi]);
    if (k >= 0 && nf > 0) run_result_cell(r, subj, stage)[mi] = (float)(sum[k] / nf);
  }
  return ASL_OK;
}

// The first final image of each stage and the reference, 3D, into the
// rank's packed file (volumes_keep.c, docs/cube.md). A diffusion model adds
// `uncertainty`: the SD across its samples of the first denoised
// pre-averaged image.
static asl_status keep_volumes(exa_state *x, const asl_vol *fin_in, const asl_vol *fin_den,
                               const asl_vol *ref, const asl_vol *unc, run_job_io *io,
                               const char *key, const char *id) {
  const asl_vol *v[4] = {fin_in, fin_den, ref, unc};
  const char *what[4] = {"input", "denoised", "gt100", "uncertainty"};
  int n = unc->data ? 4 : 3;
  asl_status st = ASL_OK;
  for (int k = 0; k < n && !st; k++) st = exa_keep_put(x, io, key, id, what[k], v[k]);
  return st;
}

static asl_status one_subject(exa_state *x, nn_model *m, const sweep_plan *p, int j, int subj,
                              run_job_io *io, run_result *r) {
  const exa_subject *u = &x->s[subj];
  int keep = exa_keep_subject(x, io->subjects, p, &p->jobs[j], subj);
  const sweep_job *jb = &p->jobs[j];
  const char *input = jb->cond.test_input[0] ? jb->cond.test_input : "pre";
  int post = strcmp(input, "pre") == 0 && jb->cond.nav_post > 1 ? jb->cond.nav_post : 1;
  exa_sample s;
  asl_vol den = {0}, fin_den = {0}, fin_in = {0}, ref = {0}, unc = {0};
  int want_unc = keep && nn_model_describe(m)->uncertainty;
  asl_metrics_ctx c = {0};
  asl_status st = exa_sample_make(&s, p, jb, u, input, NULL);
  if (st) return st;
  if (!st) st = exa_sample_denoise(m, &s, &den, want_unc ? &unc : NULL, io_yield, io, jb->key);
  if (!st) st = asl_postaverage(&fin_den, &den, post, NULL);
  if (!st) st = asl_postaverage(&fin_in, &s.images, post, NULL);
  if (!st) st = asl_ground_truth(&ref, &u->deltam, exa_gt_fraction(p, "GT100"));
  if (!st) st = asl_metrics_ctx_init(&c, ref.nx, ref.ny, ref.nz);
  if (!st) st = score(&c, p, &fin_in, &ref, s.mask, r, subj, 0);
  if (!st) st = score(&c, p, &fin_den, &ref, s.mask, r, subj, 1);
  if (!st) r->tested[subj] = 1;
  if (!st && keep) st = keep_volumes(x, &fin_in, &fin_den, &ref, &unc, io, jb->key, u->id);
  if (c.buf) asl_metrics_ctx_free(&c);
  asl_vol *vs[] = {&den, &fin_den, &fin_in, &ref, &unc};
  for (int i = 0; i < 5; i++)
    if (vs[i]->data) asl_vol_free(vs[i]);
  exa_sample_free(&s);
  if (st && st != ASL_EINTERRUPTED) st = run_fail_wrap(st, "subject %s", u->id);
  return st;
}

asl_status exa_infer(exa_state *x, const sweep_plan *p, int j, run_job_io *io, run_result *r) {
  const sweep_job *jb = &p->jobs[j];
  int *chosen = malloc(sizeof(int) * (size_t)x->n), n = 0;
  nn_model *m = NULL;
  if (!chosen) return asl_fail(ASL_ENOMEM, "test subjects");
  asl_status st = exa_select(x, io->subjects, jb, 0, chosen, &n);
  if (!st) st = get_model(&m, x, p, j, io, r);
  for (int i = 0; i < n && !st; i++) st = one_subject(x, m, p, j, chosen[i], io, r);
  if (!st) st = exa_keep_flush(x);
  if (m) nn_model_free(m);
  free(chosen);
  return st;
}
