// The test double executor: deterministic stand-in numbers with the shape
// and timing of real jobs, for the scheduler, crash-safety and resume tests.
// It is chosen only through the internal environment variable
// ASLSWEEP_INTERNAL_TEST_EXECUTOR=<ms per epoch or subject>, and the cube
// it writes says executor=test-double (so no table can pass it off as
// science). Train jobs checkpoint every epoch (epoch, RNG state, losses)
// and resume from it, exactly as the real executor must.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "asl/rng.h"
#include "run/executor.h"

#define TD_MAGIC 0x54444b43u /* "TDKC" */

typedef struct {
  unsigned magic;
  int epoch;
  asl_rng rng;
  float loss[256];
} td_checkpoint;

static void td_sleep(void) {
  const char *v = getenv("ASLSWEEP_INTERNAL_TEST_EXECUTOR");
  long ms = v ? atol(v) : 0;
  if (ms <= 0) return;
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

// Subjects as the plan knows them (ids and Nt, folds from
// sweep_subject_fold), or six synthetic ones for hand-built plans.
static asl_status td_prepare(run_executor *ex, const sweep_plan *p, const char *out_dir,
                             int threads, int rank0_first, run_subjects *s) {
  int from_plan = p->n_subjects > 0 && p->subject_ids && p->subject_nt;
  int n = from_plan ? p->n_subjects : p->phantom.subjects > 0 ? p->phantom.subjects : 6;
  asl_status st = run_subjects_init(s, n);
  if (st) return st;
  for (int i = 0; i < n; i++) {
    run_subject *u = &s->s[i];
    if (from_plan) snprintf(u->id, sizeof u->id, "%s", p->subject_ids[i]);
    else snprintf(u->id, sizeof u->id, "sub-%02d", i + 1);
    u->fold = from_plan ? sweep_subject_fold(p, n, i) : i % (p->folds > 0 ? p->folds : 1);
    snprintf(u->snr_group, sizeof u->snr_group, "%s", i % 2 ? "high" : "low");
    asl_rng r;
    asl_rng_seed_key(&r, p->seed, u->id);
    u->ssim_single = (float)(0.3 + 0.4 * asl_rng_uniform(&r));
    u->nmae_single = (float)(0.2 + 0.5 * asl_rng_uniform(&r));
    u->nt = from_plan ? p->subject_nt[i] : p->phantom.timepoints > 0 ? p->phantom.timepoints : 8;
  }
  return ASL_OK;
}

static int td_failing(const char *id) {
  const char *bad = getenv("ASLSWEEP_TEST_FAIL_SUBJECT");
  return bad && strcmp(bad, id) == 0;
}

static asl_status save(const char *path, const td_checkpoint *c) {
  char tmp[4300];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE *f = fopen(tmp, "wb");
  if (!f) return asl_fail(ASL_EIO, "%s: cannot write checkpoint", tmp);
  size_t w = fwrite(c, sizeof *c, 1, f);
  if (fclose(f) != 0 || w != 1 || rename(tmp, path) != 0)
    return asl_fail(ASL_EIO, "%s: cannot write checkpoint", path);
  return ASL_OK;
}

static int load(const char *path, td_checkpoint *c) {
  FILE *f = fopen(path, "rb");
  if (!f) return 0;
  size_t r = fread(c, sizeof *c, 1, f);
  fclose(f);
  return r == 1 && c->magic == TD_MAGIC;
}

static asl_status td_train(const sweep_plan *p, int j, run_job_io *io, run_result *r) {
  const sweep_job *jb = &p->jobs[j];
  for (int i = 0; i < io->subjects->n; i++)
    if (io->subjects->s[i].fold != jb->cond.fold && td_failing(io->subjects->s[i].id))
      return asl_fail(ASL_EFORMAT, "%s: training subject %s: corrupt data (test double)",
                      jb->key, io->subjects->s[i].id);
  td_checkpoint c;
  if (!load(io->checkpoint, &c)) {
    memset(&c, 0, sizeof c);
    c.magic = TD_MAGIC;
    asl_rng_seed(&c.rng, jb->seed);
  }
  int epochs = r->epochs < 256 ? r->epochs : 256;
  for (; c.epoch < epochs; c.epoch++) {
    if (io->yield(io)) return asl_fail(ASL_EINTERRUPTED, "%s: stopped at epoch %d", jb->key, c.epoch);
    td_sleep();
    c.loss[c.epoch] = (float)(1.0 / (1 + c.epoch) + 0.01 * asl_rng_uniform(&c.rng));
    td_checkpoint next = c;
    next.epoch = c.epoch + 1;
    asl_status st = save(io->checkpoint, &next);
    if (st) return st;
  }
  for (int e = 0; e < epochs; e++) {
    r->train_loss[e] = c.loss[e];
    r->val_loss[e] = c.loss[e] * 1.1f;
  }
  return ASL_OK;
}

static int in_group(const char *group, const run_subject *u) {
  return group[0] == '\0' || strcmp(group, "all") == 0 || strcmp(group, u->snr_group) == 0;
}

// A baseline with an `auto` parameter "chooses" one of four values from
// its seed, so /jobs/chosen_param has per-job values to carry and merge.
static double td_chosen(const sweep_plan *p, const sweep_job *jb) {
  const sweep_model *sm = jb->cond.model >= 0 && jb->cond.model < p->n_models ? &p->models[jb->cond.model] : NULL;
  for (int i = 0; sm && jb->train_job < 0 && i < sm->n_params; i++)
    if (strcmp(sm->params[i].value, "auto") == 0) return 0.5 + 0.25 * (double)(jb->seed % 4);
  return NAN;
}

static asl_status td_infer(const sweep_plan *p, int j, run_job_io *io, run_result *r) {
  const sweep_job *jb = &p->jobs[j];
  r->chosen_param = td_chosen(p, jb);
  td_checkpoint c = {.magic = TD_MAGIC};
  if (io->train_checkpoint && !load(io->train_checkpoint, &c))
    return asl_fail(ASL_ENOTFOUND, "%s: checkpoint %s of its train job is missing", jb->key,
                    io->train_checkpoint);
  int nav = jb->cond.nav > 0 ? jb->cond.nav : 1, post = jb->cond.nav_post > 0 ? jb->cond.nav_post : 1;
  for (int s = 0; s < io->subjects->n; s++) {
    const run_subject *u = &io->subjects->s[s];
    if (u->fold != jb->cond.fold || !in_group(jb->cond.test_group, u)) continue;
    if (io->yield(io)) return asl_fail(ASL_EINTERRUPTED, "%s: stopped", jb->key);
    if (td_failing(u->id))
      return asl_fail(ASL_EFORMAT, "%s: test subject %s: corrupt data (test double)", jb->key, u->id);
    td_sleep();
    asl_rng g;
    asl_rng_seed_key(&g, jb->seed ^ c.rng.s[0], u->id);
    int images = (u->nt / nav) / post;
    if (images > r->n_images) images = r->n_images;
    for (int stage = 0; stage < RUN_N_STAGES; stage++)
      for (int m = 0; m < r->n_metrics; m++) {
        float *v = run_result_images(r, s, stage, m);
        double sum = 0;
        for (int i = 0; i < images; i++) sum += v[i] = (float)asl_rng_uniform(&g);
        run_result_cell(r, s, stage)[m] = images > 0 ? (float)(sum / images) : NAN;
      }
    r->tested[s] = 1;
  }
  return ASL_OK;
}

static asl_status td_run_job(run_executor *ex, const sweep_plan *p, int j, run_job_io *io,
                             run_result *r) {
  return p->jobs[j].kind == SWEEP_JOB_TRAIN ? td_train(p, j, io, r) : td_infer(p, j, io, r);
}

// The double's format has no checksum: whole size, magic and a sane epoch.
static asl_status td_verify_checkpoint(run_executor *ex, const char *path) {
  td_checkpoint c;
  FILE *f = fopen(path, "rb");
  if (!f) return asl_fail(ASL_ENOTFOUND, "%s: checkpoint missing", path);
  int extra = 0;
  size_t r = fread(&c, sizeof c, 1, f);
  if (r == 1) extra = fgetc(f) != EOF;
  fclose(f);
  if (r != 1 || extra || c.magic != TD_MAGIC || c.epoch < 0 || c.epoch > 256)
    return asl_fail(ASL_EFORMAT, "%s: checkpoint corrupt or truncated", path);
  return ASL_OK;
}

const run_executor run_executor_test_double = {.name = "test-double",
                                               .prepare = td_prepare,
                                               .run_job = td_run_job,
                                               .finish = NULL,
                                               .verify_checkpoint = td_verify_checkpoint};
