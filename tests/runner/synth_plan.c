#include "synth_plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asl/rng.h"

static char *dup(const char *s) {
  char *d = malloc(strlen(s) + 1);
  strcpy(d, s);
  return d;
}

static void axis(sweep_axis *a, const char *name, int n, const char *fmt, int base, int mul) {
  a->name = dup(name);
  a->n = n;
  a->labels = calloc((size_t)n, sizeof(char *));
  for (int i = 0; i < n; i++) {
    char buf[32];
    int v = base;
    for (int k = 0; k < i; k++) v *= mul;
    if (mul == 1) v = base + i;
    snprintf(buf, sizeof buf, fmt, v);
    a->labels[i] = dup(buf);
  }
}

static void add_job(sweep_plan *p, const char *key, sweep_job_kind kind, int nav, int model,
                    int fold, int train, const int *coords, int k, double cost) {
  sweep_job *j = &p->jobs[p->n_jobs++];
  memset(j, 0, sizeof *j);
  j->key = dup(key);
  j->kind = kind;
  snprintf(j->cond.strategy, sizeof j->cond.strategy, "windowed");
  j->cond.nav = nav;
  j->cond.nav_post = 1;
  snprintf(j->cond.train_group, sizeof j->cond.train_group, "all");
  snprintf(j->cond.test_group, sizeof j->cond.test_group, "all");
  snprintf(j->cond.train_target, sizeof j->cond.train_target, "GT100");
  snprintf(j->cond.test_input, sizeof j->cond.test_input, "pre");
  j->cond.model = model;
  j->cond.fold = fold;
  j->seed = p->seed ^ asl_hash64(key);
  j->cost = cost;
  j->train_job = train;
  j->experiment = kind == SWEEP_JOB_INFER ? 0 : -1;
  if (kind == SWEEP_JOB_TRAIN) p->n_train++;
  else p->n_infer++;
  if (kind == SWEEP_JOB_INFER) {
    j->coords = calloc((size_t)k, sizeof(int));
    memcpy(j->coords, coords, sizeof(int) * (size_t)k);
  }
}

int synth_plan_build(sweep_plan *p, const synth_spec *s) {
  memset(p, 0, sizeof *p);
  char text[512];
  snprintf(text, sizeof text, "# synthetic\nname: synth\nseed: %llu\nnav: %d\nmodels: %d/%d\n"
           "folds: %d\nsubjects: %d\nnt: %d\nepochs: %d\nrep: %d\n", s->seed, s->n_nav,
           s->n_models, s->trainable_first, s->folds, s->subjects, s->timepoints, s->epochs,
           s->repeat);
  p->name = dup("synth");
  p->text = dup(text);
  p->seed = s->seed;
  p->phantom.subjects = s->subjects;
  p->phantom.timepoints = s->timepoints;
  p->folds = s->folds;
  p->train.epochs = s->epochs;
  p->n_metrics = 3;
  p->metrics = calloc(3, sizeof(char *));
  p->metrics[0] = dup("ssim"), p->metrics[1] = dup("psnr"), p->metrics[2] = dup("nmae");
  p->n_models = s->n_models;
  p->models = calloc((size_t)s->n_models, sizeof(sweep_model));
  for (int m = 0; m < s->n_models; m++) {
    char name[32];
    snprintf(name, sizeof name, m == 0 && s->trainable_first ? "unet3d" : "base%d", m);
    p->models[m].name = dup(name);
    p->models[m].kind = dup(m == 0 && s->trainable_first ? "unet3d" : "identity");
    p->models[m].trainable = m == 0 && s->trainable_first;
  }
  p->n_experiments = 1;
  p->experiments = calloc(1, sizeof(sweep_experiment));
  sweep_experiment *x = &p->experiments[0];
  x->name = dup("main");
  x->n_axes = 3;
  x->axes = calloc(3, sizeof(sweep_axis));
  axis(&x->axes[0], "nav", s->n_nav, "%d", 2, 2);
  axis(&x->axes[1], "model", s->n_models, "m%d", 0, 1);
  axis(&x->axes[2], "rep", s->repeat, "r%d", 0, 1);
  if (s->no_jobs) return 0;
  int max_jobs = s->n_nav * s->n_models * s->repeat * s->folds * 2;
  p->jobs = calloc((size_t)max_jobs, sizeof(sweep_job));
  for (int a = 0; a < s->n_nav; a++)
    for (int m = 0; m < s->n_models; m++)
      for (int r = 0; r < s->repeat; r++)
        for (int f = 0; f < s->folds; f++) {
          int nav = atoi(x->axes[0].labels[a]), coords[3] = {a, m, r}, train = -1;
          char key[256];
          if (p->models[m].trainable) {
            snprintf(key, sizeof key, "train/nav=%d/model=%s/rep=%d/fold=%d", nav,
                     p->models[m].name, r, f);
            train = p->n_jobs;
            add_job(p, key, SWEEP_JOB_TRAIN, nav, m, f, -1, coords, 3, 10.0 * (1 + a));
          }
          snprintf(key, sizeof key, "main/nav=%d/model=%s/rep=%d/fold=%d", nav, p->models[m].name,
                   r, f);
          add_job(p, key, SWEEP_JOB_INFER, nav, m, f, train, coords, 3, 1.0);
        }
  return 0;
}

void synth_plan_free(sweep_plan *p) {
  for (int j = 0; j < p->n_jobs; j++) {
    free(p->jobs[j].key);
    free(p->jobs[j].coords);
  }
  free(p->jobs);
  for (int e = 0; e < p->n_experiments; e++) {
    sweep_experiment *x = &p->experiments[e];
    for (int a = 0; a < x->n_axes; a++) {
      for (int i = 0; i < x->axes[a].n; i++) free(x->axes[a].labels[i]);
      free(x->axes[a].labels);
      free(x->axes[a].name);
    }
    free(x->axes);
    free(x->name);
  }
  free(p->experiments);
  for (int m = 0; m < p->n_models; m++) {
    free(p->models[m].name);
    free(p->models[m].kind);
  }
  free(p->models);
  for (int i = 0; i < p->n_metrics; i++) free(p->metrics[i]);
  free(p->metrics);
  free(p->name);
  free(p->text);
  memset(p, 0, sizeof *p);
}
