// Content keys: the canonical text of everything that decides a job's
// result, and its hash (docs/runner.md, "Content keys"). A grown study
// reuses a finished job exactly when its key is unchanged.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/desc.h"
#include "nn/version.h"
#include "spec.h"

static void hex64(char *out, uint64_t h) { snprintf(out, 17, "%016llx", (unsigned long long)h); }

void sweep_content_hash(const char *text, size_t len, char out[SWEEP_CONTENT_KEY_HEX + 1]) {
  // Two FNV-1a passes with different offset bases: 128 bits, so two jobs
  // of one study never share a key by accident.
  uint64_t a = 0xcbf29ce484222325ULL, b = 0x6c62272e07bb0142ULL;
  for (size_t i = 0; i < len; i++) {
    a = (a ^ (unsigned char)text[i]) * 0x100000001b3ULL;
    b = (b ^ (unsigned char)text[i]) * 0x100000001b3ULL;
    b ^= b >> 29;
  }
  hex64(out, a);
  hex64(out + 16, b);
}

static const char *spec_param(const sweep_model *m, const char *key) {
  for (int i = 0; i < m->n_params; i++)
    if (strcmp(m->params[i].key, key) == 0) return m->params[i].value;
  return NULL;
}

// Every parameter of the model's kind, in its descriptor's order, with the
// default filled in where the spec leaves one out: writing a default out
// does not change the key.
static void add_model(sw_buf *b, const sweep_model *m) {
  sw_buf_add(b, "model.name=%s\nmodel.kind=%s\n", m->name, m->kind);
  const nn_model_desc *d = nn_model_desc_find(m->kind);
  for (int i = 0; d && i < d->n_params; i++) {
    const char *v = spec_param(m, d->params[i].name);
    sw_buf_add(b, "model.%s=%s\n", d->params[i].name, v ? v : d->params[i].dflt ? d->params[i].dflt : "");
  }
  // Keys the descriptor does not list (none pass validation today).
  for (int i = 0; !d && i < m->n_params; i++)
    sw_buf_add(b, "model.%s=%s\n", m->params[i].key, m->params[i].value);
}

static void add_train(sw_buf *b, const sweep_train *t) {
  static const char *const aug[] = {"flip_x", "flip_y", "transpose", "shift", "rotate"};
  sw_buf_add(b, "train.epochs=%d\ntrain.batch=%d\ntrain.optimizer=%s\n", t->epochs, t->batch,
             t->optimizer);
  sw_buf_add(b, "train.lr=%.17g\ntrain.weight_decay=%.17g\ntrain.loss=%s\ntrain.augment=", t->lr,
             t->weight_decay, t->loss);
  int first = 1;
  for (int i = 0; i < 5; i++)
    if (t->augment & (1u << i)) {
      sw_buf_add(b, "%s%s", first ? "" : ",", aug[i]);
      first = 0;
    }
  sw_buf_add(b, "\ntrain.val_fraction=%.17g\ntrain.patches_per_volume=%d\n", t->val_fraction,
             t->patches_per_volume);
  sw_buf_add(b, "train.early_stop=%d\ntrain.lr_schedule=%s\ntrain.warmup_epochs=%d\n",
             t->early_stop, t->lr_schedule, t->warmup_epochs);
  // Reduced precision trains to other weights; fp32 adds no line, so the
  // keys of every spec written before the key existed stay as they were.
  if (t->precision[0] && strcmp(t->precision, "fp32") != 0)
    sw_buf_add(b, "train.precision=%s\n", t->precision);
}

static void add_condition(sw_buf *b, const sweep_condition *c) {
  sw_buf_add(b, "cond.strategy=%s\ncond.nav=%d\ncond.nav_post=%d\ncond.m0=%d\n", c->strategy,
             c->nav, c->nav_post, c->m0);
  sw_buf_add(b, "cond.train_group=%s\ncond.test_group=%s\ncond.train_target=%s\n", c->train_group,
             c->test_group, c->train_target);
  sw_buf_add(b, "cond.test_input=%s\ncond.fold=%d\n", c->test_input, c->fold);
}

// What every job of the study shares: the data's layout and grouping.
static void add_study(sw_buf *b, const sweep_plan *p, const sweep_job *j) {
  sw_buf_add(b, "data.grid=%d,%d,%d\n", p->grid[0], p->grid[1], p->grid[2]);
  sw_buf_add(b, "data.gt_fraction=%.17g,%.17g,%.17g\ndata.remainder=%s\n", p->gt_fraction[0],
             p->gt_fraction[1], p->gt_fraction[2], p->remainder_error ? "error" : "drop");
  sw_buf_add(b, "folds=%d\nsnr_groups.k=%d\n", p->folds, p->snr_k);
  if (j->kind == SWEEP_JOB_INFER) {
    sw_buf_add(b, "metrics=");
    for (int m = 0; m < p->n_metrics; m++) sw_buf_add(b, "%s%s", m ? "," : "", p->metrics[m]);
    sw_buf_add(b, "\n");
  }
  sw_buf_add(b, "subjects=");
  for (int s = 0; s < p->n_subjects; s++)
    sw_buf_add(b, "%s%s:%d", s ? "," : "", p->subject_ids[s],
               sweep_subject_fold(p, p->n_subjects, s));
  sw_buf_add(b, "\n");
}

// The blocks many jobs share, formatted once per plan when hashing every
// job (formatting dominated re-planning a 10^4-job study): each model's
// block, the training block, and the study block of train and infer jobs.
typedef struct {
  char **model; // (n_models)
  char *train, *study[2];
  int oom;
} shared_text;

static char *block(shared_text *sh, void (*add)(sw_buf *, const void *), const void *arg) {
  sw_buf b = {0};
  add(&b, arg);
  if (b.oom || !b.s) sh->oom = 1;
  if (b.oom) free(b.s);
  return b.oom ? NULL : b.s;
}

static void add_model_v(sw_buf *b, const void *m) { add_model(b, m); }
static void add_train_v(sw_buf *b, const void *t) { add_train(b, t); }

typedef struct {
  const sweep_plan *p;
  sweep_job job;
} study_arg;

static void add_study_v(sw_buf *b, const void *a) {
  const study_arg *x = a;
  add_study(b, x->p, &x->job);
}

static void shared_free(shared_text *sh, int n_models) {
  for (int m = 0; sh->model && m < n_models; m++) free(sh->model[m]);
  free(sh->model);
  free(sh->train);
  free(sh->study[0]);
  free(sh->study[1]);
}

static void shared_make(shared_text *sh, const sweep_plan *p) {
  memset(sh, 0, sizeof *sh);
  if (!(sh->model = calloc((size_t)p->n_models + 1, sizeof *sh->model))) {
    sh->oom = 1;
    return;
  }
  for (int m = 0; m < p->n_models; m++) sh->model[m] = block(sh, add_model_v, &p->models[m]);
  sh->train = block(sh, add_train_v, &p->train);
  for (int k = 0; k < 2; k++) {
    study_arg a = {.p = p};
    a.job.kind = k ? SWEEP_JOB_INFER : SWEEP_JOB_TRAIN;
    sh->study[k] = block(sh, add_study_v, &a);
  }
}

// The job's text into b (emptied first); sh may be NULL.
static void content_text(sw_buf *b, const sweep_plan *p, int idx, const shared_text *sh) {
  const sweep_job *j = &p->jobs[idx];
  int train = j->kind == SWEEP_JOB_TRAIN;
  b->len = 0;
  sw_buf_add(b, "engine.numeric_version=%d\n", NN_NUMERIC_VERSION);
  sw_buf_add(b, "job.kind=%s\njob.key=%s\n", train ? "train" : "infer", j->key);
  add_condition(b, &j->cond);
  if (sh) sw_buf_add(b, "%s", sh->model[j->cond.model]);
  else add_model(b, &p->models[j->cond.model]);
  if (train && sh) sw_buf_add(b, "%s", sh->train);
  else if (train) add_train(b, &p->train);
  if (sh) sw_buf_add(b, "%s", sh->study[!train]);
  else add_study(b, p, j);
  sw_buf_add(b, "seed=%llu\ndata.fingerprint=%s\n", (unsigned long long)j->seed,
             p->data_fingerprint);
  if (j->train_job >= 0) sw_buf_add(b, "upstream=%s\n", p->jobs[j->train_job].content_key);
}

char *sweep_job_content_text(const sweep_plan *p, int idx) {
  sw_buf b = {0};
  content_text(&b, p, idx, NULL);
  if (b.oom) {
    free(b.s);
    return NULL;
  }
  return b.s ? b.s : sw_strdup("");
}

asl_status sweep_plan_content_keys(sweep_plan *p) {
  return sweep_plan_content_keys_cached(p, NULL, 0);
}

asl_status sweep_plan_content_keys_cached(sweep_plan *p, const char *cache, int save) {
  asl_status st = sw_data_fingerprint(p, p->data_fingerprint, cache, save);
  return st ? st : sweep_plan_hash_jobs(p);
}

asl_status sweep_plan_hash_jobs(sweep_plan *p) {
  shared_text sh;
  sw_buf b = {0};
  shared_make(&sh, p);
  // Train jobs come first, so an infer job's upstream key is ready.
  for (int i = 0; i < p->n_jobs && !sh.oom && !b.oom; i++) {
    content_text(&b, p, i, &sh);
    if (!b.oom) sweep_content_hash(b.s, b.len, p->jobs[i].content_key);
  }
  int oom = sh.oom || b.oom;
  shared_free(&sh, p->n_models);
  free(b.s);
  return oom ? asl_fail(ASL_ENOMEM, "content keys of %d jobs", p->n_jobs) : ASL_OK;
}
