// Experiments into jobs. Each experiment's combinations (the product of its
// axes, less exclude:, plus include:) times the folds give its infer jobs;
// each infer job of a trainable model needs the train job of its training
// condition, shared by every experiment that reaches the same condition.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asl/rng.h"
#include "joblist.h"
#include "spec.h"

typedef struct {
  sw_ctx *c;
  sweep_plan *p;
  const sw_exp *e;
  int exp_index;
  sw_jobs train, infer;
  int full;          // the job limit was reached (reported once)
} expander;

static const char *label(const sw_exp *e, int axis, const int *idx, const char *dflt) {
  return e->ax[axis].present ? e->ax[axis].labels[idx[axis]] : dflt;
}

// Nav against every distinct Nt of the data (DESIGN.md, pre-averaging);
// `who` names the first subject with that Nt and how many share it.
static int check_one_nt(expander *x, long nav, long post, long nt, const char *who,
                        const sw_node *nav_at, const sw_node *post_at) {
  const sweep_plan *p = x->p;
  if (nav > nt) {
    sw_error(x->c, nav_at, "nav %ld is larger than Nt = %ld of %s; use nav <= %ld", nav, nt, who, nt);
  } else if (p->remainder_error && nt % nav) {
    sw_error(x->c, nav_at,
             "nav %ld does not divide Nt = %ld of %s and `remainder: error` is set "
             "(use a divisor of %ld or `remainder: drop`)", nav, nt, who, nt);
  } else if (nav * post > nt) {
    sw_error(x->c, post_at, "nav %ld x nav_post %ld = %ld exceeds Nt = %ld of %s", nav, post,
             nav * post, nt, who);
  } else if (nav * post == nt) {
    sw_error(x->c, post_at,
             "nav %ld x nav_post %ld = Nt = %ld of %s: the un-denoised final image would be "
             "GT100 itself; drop this combination", nav, post, nt, who);
  } else if (p->remainder_error && (nt / nav) % post) {
    sw_error(x->c, post_at, "nav_post %ld does not divide the %ld images of nav %ld (%s) and "
             "`remainder: error` is set", post, nt / nav, nav, who);
  } else {
    return 0;
  }
  return 1;
}

static int check_nt(expander *x, const int *idx) {
  const sw_exp *e = x->e;
  const sweep_plan *p = x->p;
  long nav = atol(e->ax[AX_NAV].labels[idx[AX_NAV]]);
  long post = e->ax[AX_NAV_POST].present ? atol(e->ax[AX_NAV_POST].labels[idx[AX_NAV_POST]]) : 1;
  const sw_node *nav_at = e->ax[AX_NAV].at[idx[AX_NAV]];
  const sw_node *post_at = e->ax[AX_NAV_POST].present ? e->ax[AX_NAV_POST].at[idx[AX_NAV_POST]]
                                                      : nav_at;
  int bad = 0;
  for (int s = 0; s < p->n_subjects; s++) {
    int first = 1, same = 0;
    for (int t = 0; t < p->n_subjects; t++) {
      if (p->subject_nt[t] != p->subject_nt[s]) continue;
      if (t < s) first = 0;
      same++;
    }
    if (!first) continue;
    char who[96];
    if (same > 1)
      snprintf(who, sizeof who, "%s (and %d more subjects)", p->subject_ids[s], same - 1);
    else
      snprintf(who, sizeof who, "%s", p->subject_ids[s]);
    bad |= check_one_nt(x, nav, post, p->subject_nt[s], who, nav_at, post_at);
  }
  return bad;
}

static double group_share(const sweep_plan *p, const char *group) {
  return strcmp(group, "all") == 0 ? 1.0 : 1.0 / p->snr_k;
}

// Mean pre-averaged images per subject.
static double images_per_subject(const sweep_plan *p, int nav) {
  double sum = 0;
  for (int s = 0; s < p->n_subjects; s++) sum += p->subject_nt[s] / nav;
  return p->n_subjects ? sum / p->n_subjects : 0;
}

static double train_cost(const sweep_plan *p, const sweep_condition *k) {
  double fpv = sweep_model_flops_per_voxel(&p->models[k->model]);
  double grid = (double)p->grid[0] * p->grid[1] * p->grid[2];
  double subjects = p->n_subjects * (p->folds - 1.0) / p->folds * group_share(p, k->train_group);
  double volumes = subjects * images_per_subject(p, k->nav);
  return fpv * grid * 3 * p->train.epochs * volumes * p->train.patches_per_volume;
}

static double infer_cost(const sweep_plan *p, const sweep_condition *k) {
  double fpv = sweep_model_flops_per_voxel(&p->models[k->model]);
  const int *shape = p->bids_root ? p->grid : p->phantom.shape;
  double voxels = (double)shape[0] * shape[1] * shape[2];
  double subjects = (double)p->n_subjects / p->folds * group_share(p, k->test_group);
  double per = strcmp(k->test_input, "pre") == 0 ? images_per_subject(p, k->nav) : 1;
  return fpv * sweep_model_infer_evaluations(&p->models[k->model]) * voxels * subjects * per;
}

static uint64_t job_seed(const sweep_plan *p, const char *key) {
  asl_rng r;
  asl_rng_seed_key(&r, p->seed, key);
  return asl_rng_next(&r);
}

static void fill_condition(const expander *x, const int *idx, sweep_condition *k) {
  const sw_exp *e = x->e;
  memset(k, 0, sizeof *k);
  snprintf(k->strategy, sizeof k->strategy, "%s", label(e, AX_STRATEGY, idx, "windowed"));
  k->nav = atoi(label(e, AX_NAV, idx, "1"));
  k->nav_post = atoi(label(e, AX_NAV_POST, idx, "1"));
  k->m0 = strcmp(label(e, AX_M0, idx, "off"), "on") == 0;
  const char *snr = label(e, AX_SNR, idx, "all");
  snprintf(k->train_group, sizeof k->train_group, "%s", label(e, AX_TRAIN_SNR, idx, snr));
  snprintf(k->test_group, sizeof k->test_group, "%s", label(e, AX_TEST_SNR, idx, snr));
  snprintf(k->train_target, sizeof k->train_target, "%s", label(e, AX_TRAIN_TARGET, idx, "GT100"));
  snprintf(k->test_input, sizeof k->test_input, "%s", label(e, AX_TEST_INPUT, idx, "pre"));
  const char *model = label(e, AX_MODEL, idx, "");
  for (int m = 0; m < x->p->n_models; m++)
    if (strcmp(x->p->models[m].name, model) == 0) k->model = m;
}

// The train job of a condition: found when another experiment (or another
// test condition) already needs it, created otherwise.
static int train_job(expander *x, const sweep_condition *k) {
  sw_buf b = {0};
  sw_buf_add(&b, "train/strategy=%s/nav=%d/m0=%s/train_group=%s/train_target=%s/model=%s/fold=%d",
             k->strategy, k->nav, k->m0 ? "on" : "off", k->train_group, k->train_target,
             x->p->models[k->model].name, k->fold);
  if (b.oom) return -1;
  int found = sw_jobs_find(&x->train, b.s);
  if (found >= 0) {
    free(b.s);
    return found;
  }
  sweep_job j = {.key = b.s, .kind = SWEEP_JOB_TRAIN, .train_job = -1, .experiment = -1};
  j.cond = *k;
  j.cond.nav_post = 1;
  snprintf(j.cond.test_group, sizeof j.cond.test_group, "%s", k->train_group);
  snprintf(j.cond.test_input, sizeof j.cond.test_input, "pre");
  j.seed = job_seed(x->p, b.s);
  j.cost = train_cost(x->p, &j.cond);
  int at = sw_jobs_add(&x->train, &j);
  if (at < 0) free(b.s);
  return at;
}

static int job_limit(expander *x) {
  if (x->train.n + x->infer.n < SW_MAX_JOBS) return 0;
  if (!x->full) sw_error(x->c, x->e->at, "the sweep expands to more than %d jobs; narrow its axes",
                         SW_MAX_JOBS);
  x->full = 1;
  return 1;
}

// One combination of axis labels: its infer job (and train job) per fold.
static void emit(expander *x, const int *idx) {
  const sw_exp *e = x->e;
  if (check_nt(x, idx) || x->c->no_jobs) return;
  sweep_condition k;
  fill_condition(x, idx, &k);
  for (int f = 0; f < x->p->folds && !job_limit(x); f++) {
    k.fold = f;
    sw_buf b = {0};
    sw_buf_add(&b, "%s", e->name);
    for (int a = 0; a < AX_COUNT; a++)
      if (e->ax[a].present) sw_buf_add(&b, "/%s=%s", sw_axis_names[a], e->ax[a].labels[idx[a]]);
    sw_buf_add(&b, "/fold=%d", f);
    if (b.oom) return;
    if (sw_jobs_find(&x->infer, b.s) >= 0) { // an include: repeating a combination
      free(b.s);
      return;
    }
    sweep_job j = {.key = b.s, .kind = SWEEP_JOB_INFER, .cond = k, .experiment = x->exp_index};
    j.train_job = x->p->models[k.model].trainable ? train_job(x, &k) : -1;
    j.seed = job_seed(x->p, b.s);
    j.cost = infer_cost(x->p, &k);
    int n_axes = 0;
    for (int a = 0; a < AX_COUNT; a++) n_axes += e->ax[a].present;
    j.coords = malloc((size_t)n_axes * sizeof *j.coords);
    for (int a = 0, i = 0; j.coords && a < AX_COUNT; a++)
      if (e->ax[a].present) j.coords[i++] = idx[a];
    if (!j.coords || sw_jobs_add(&x->infer, &j) < 0) {
      free(b.s);
      free(j.coords);
    }
  }
}

static int matches(const sw_exp *e, const sw_assign *as, const int *idx) {
  for (int a = 0; a < AX_COUNT; a++) {
    if (!as->set[a]) continue;
    if (!e->ax[a].present || strcmp(e->ax[a].labels[idx[a]], as->label[a]) != 0) return 0;
  }
  return 1;
}

static int kept(const sw_exp *e, const int *idx) {
  if (e->product && atol(e->ax[AX_NAV].labels[idx[AX_NAV]]) *
                            atol(e->ax[AX_NAV_POST].labels[idx[AX_NAV_POST]]) != e->product)
    return 0;
  for (int i = 0; i < e->n_exclude; i++)
    if (matches(e, &e->exclude[i], idx)) return 0;
  return 1;
}

// Calls emit for every combination of the axes, where fixed[a] >= 0 pins
// axis a to that label and `limit[a]` labels are walked otherwise.
static void walk(expander *x, const int *fixed, const int *limit, int filter) {
  const sw_exp *e = x->e;
  int idx[AX_COUNT] = {0};
  for (int a = 0; a < AX_COUNT; a++) {
    if (!e->ax[a].present) continue;
    if (fixed[a] >= 0) idx[a] = fixed[a];
    else if (limit[a] == 0) return;
  }
  for (;;) {
    if (!filter || kept(e, idx)) emit(x, idx);
    if (x->full) return;
    int a = AX_COUNT - 1; // odometer: the last axis turns fastest
    for (; a >= 0; a--) {
      if (!e->ax[a].present || fixed[a] >= 0) continue;
      if (++idx[a] < limit[a]) break;
      idx[a] = 0;
    }
    if (a < 0) return;
  }
}

// Whether an exclude:/include: entry fits this experiment. Entries written
// in the experiment (or at the top of a spec without experiments:) must
// name its axes and, for exclude, labels on them; inherited ones that do not
// fit are skipped.
static int fits(expander *x, const sw_assign *as, const char *what, int need_label) {
  sw_exp *e = (sw_exp *)x->e;
  for (int a = 0; a < AX_COUNT; a++) {
    if (!as->set[a]) continue;
    int on_axis = 0;
    for (int i = 0; e->ax[a].present && i < e->ax[a].n && !on_axis; i++)
      on_axis = strcmp(e->ax[a].labels[i], as->label[a]) == 0;
    if (e->ax[a].present && (on_axis || !need_label)) continue;
    if (!as->inherited) {
      if (!e->ax[a].present)
        sw_error(x->c, as->at[a], "%s names axis '%s', which experiment '%s' does not have", what,
                 sw_axis_names[a], e->name);
      else
        sw_error(x->c, as->at[a], "%s names %s=%s, which is not on that axis of experiment '%s'",
                 what, sw_axis_names[a], as->label[a], e->name);
    }
    return 0;
  }
  return 1;
}

static void add_includes(expander *x) {
  sw_exp *e = (sw_exp *)x->e;
  for (int i = 0; i < e->n_include && !x->full; i++) {
    const sw_assign *as = &e->include[i];
    if (!fits(x, as, "include", 0)) continue;
    int fixed[AX_COUNT], limit[AX_COUNT];
    for (int a = 0; a < AX_COUNT; a++) {
      fixed[a] = -1;
      limit[a] = e->ax[a].n;
      if (!as->set[a]) continue;
      sw_axis *ax = &e->ax[a];
      for (int l = 0; l < ax->n && fixed[a] < 0; l++)
        if (strcmp(ax->labels[l], as->label[a]) == 0) fixed[a] = l;
      if (fixed[a] >= 0) continue;
      // A label new to the axis extends it (the cube gets that label too).
      char(*labels)[SW_LABEL] = realloc(ax->labels, (size_t)(ax->n + 1) * sizeof *labels);
      if (!labels) return;
      ax->labels = labels;
      const sw_node **at = realloc(ax->at, (size_t)(ax->n + 1) * sizeof *at);
      if (!at) return;
      ax->at = at;
      snprintf(ax->labels[ax->n], SW_LABEL, "%s", as->label[a]);
      ax->at[ax->n] = as->at[a];
      fixed[a] = ax->n++;
    }
    walk(x, fixed, limit, 0);
  }
}

static int expand_experiment(expander *x) {
  const sw_exp *e = x->e;
  double total = x->p->folds;
  int fixed[AX_COUNT], limit[AX_COUNT];
  for (int a = 0; a < AX_COUNT; a++) {
    fixed[a] = -1;
    limit[a] = e->ax[a].n_base;
    if (e->ax[a].present) total *= e->ax[a].n_base;
  }
  if (total + x->train.n + x->infer.n > SW_MAX_JOBS) {
    sw_error(x->c, e->at, "experiment '%s' expands to %.0f jobs, more than %d; narrow its axes",
             e->name, total, SW_MAX_JOBS);
    return -1;
  }
  for (int i = 0; i < e->n_exclude; i++) fits(x, &e->exclude[i], "exclude", 1);
  walk(x, fixed, limit, 1);
  add_includes(x);
  return x->full ? -1 : 0;
}

static int fill_experiment(const sw_exp *e, sweep_experiment *out) {
  out->name = sw_strdup(e->name);
  out->description = sw_strdup(e->description ? e->description : e->name);
  if (!out->name || !out->description) return -1;
  for (int a = 0; a < AX_COUNT; a++) out->n_axes += e->ax[a].present;
  out->axes = calloc((size_t)out->n_axes, sizeof *out->axes);
  if (!out->axes) return -1;
  for (int a = 0, i = 0; a < AX_COUNT; a++) {
    if (!e->ax[a].present) continue;
    sweep_axis *ax = &out->axes[i++];
    ax->name = sw_strdup(sw_axis_names[a]);
    ax->labels = calloc((size_t)e->ax[a].n, sizeof *ax->labels);
    if (!ax->name || !ax->labels) return -1;
    for (int l = 0; l < e->ax[a].n; l++)
      if (!(ax->labels[ax->n++] = sw_strdup(e->ax[a].labels[l]))) return -1;
  }
  return 0;
}

void sw_expand(sw_ctx *c, const sw_study *s, sweep_plan *p) {
  expander x = {.c = c, .p = p};
  int errors = c->errors;
  p->experiments = calloc((size_t)s->n_exps, sizeof *p->experiments);
  if (!p->experiments) goto oom;
  for (int i = 0; i < s->n_exps; i++) {
    x.e = &s->exps[i];
    x.exp_index = i;
    if (expand_experiment(&x)) break;
    p->n_experiments++;
    if (fill_experiment(x.e, &p->experiments[i])) goto oom;
  }
  if (c->errors != errors || c->no_jobs) goto done;
  if (x.infer.n == 0) {
    sw_error(c, s->exps[0].at, "the sweep has no jobs: exclude: removes every combination");
    goto done;
  }
  p->jobs = malloc((size_t)(x.train.n + x.infer.n + 1) * sizeof *p->jobs);
  if (!p->jobs) goto oom;
  // Train jobs first, so an infer job's train_job index is the same in the
  // train list and in the plan.
  if (x.train.n) memcpy(p->jobs, x.train.v, (size_t)x.train.n * sizeof *p->jobs);
  if (x.infer.n) memcpy(p->jobs + x.train.n, x.infer.v, (size_t)x.infer.n * sizeof *p->jobs);
  p->n_train = x.train.n;
  p->n_infer = x.infer.n;
  p->n_jobs = x.train.n + x.infer.n;
  x.train.n = x.infer.n = 0; // keys and coords now belong to the plan
  goto done;
oom:
  sw_error(c, NULL, "out of memory expanding the sweep");
done:
  sw_jobs_free(&x.train);
  sw_jobs_free(&x.infer);
}
