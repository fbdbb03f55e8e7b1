// cf_cube_default: the description of a small complete study (values only;
// cube_fixture.c writes it).
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cube_fixture.h"
#include "cube/schema.h"

// Deterministic noise in [-1, 1) from a few integers (splitmix64 finalizer).
static double noise(unsigned a, unsigned b, unsigned c, unsigned d) {
  uint64_t z = ((uint64_t)a << 48) ^ ((uint64_t)b << 32) ^ ((uint64_t)c << 16) ^ d;
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return (double)(z >> 11) / 4503599627370496.0 - 1.0;
}

static void str_axis(cf_axis *a, const char *name, int n, const char *const *labels) {
  snprintf(a->name, sizeof a->name, "%s", name);
  a->is_int = 0;
  a->n = n;
  for (int i = 0; i < n; i++) snprintf(a->labels[i], sizeof a->labels[i], "%s", labels[i]);
}

static void int_axis(cf_axis *a, const char *name, int n, const int *values) {
  snprintf(a->name, sizeof a->name, "%s", name);
  a->is_int = 1;
  a->n = n;
  for (int i = 0; i < n; i++) {
    a->ivalues[i] = values[i];
    snprintf(a->labels[i], sizeof a->labels[i], "%d", values[i]);
  }
}

static int add_job(cf_cube *c, const char *key, int kind, int train_job) {
  if (c->n_jobs == c->cap_jobs) {
    c->cap_jobs = c->cap_jobs ? 2 * c->cap_jobs : 64;
    c->jobs = realloc(c->jobs, (size_t)c->cap_jobs * sizeof *c->jobs);
  }
  int j = c->n_jobs++;
  cf_job *b = &c->jobs[j];
  memset(b, 0, sizeof *b);
  snprintf(b->key, sizeof b->key, "%s", key);
  b->kind = kind;
  b->train_job = train_job;
  b->status = 2;
  b->rank = 1 + j % 3;
  b->seconds = kind == 0 ? 30.0 + j : 2.0 + 0.5 * (j % 4);
  snprintf(b->host, sizeof b->host, "node%02d", j % 2);
  b->seed = 1000003ULL * (uint64_t)(j + 1);
  for (int e = 0; e < CF_EPOCHS; e++) {
    b->train_loss[e] = kind == 0 ? (float)(0.5 / (1.0 + e) + 0.04 * (j % 5) / (1.0 + 0.3 * e)) : NAN;
    b->val_loss[e] = kind == 0 ? (float)(0.55 / (1.0 + e) + 0.04 * (j % 5) / (1.0 + 0.2 * e) + 0.02) : NAN;
  }
  return j;
}

// Fills psnr and nmae from ssim so the three metrics agree on the ranking.
static void set_metrics(cf_experiment *e, size_t cell, int s, int stage, double ssim) {
  *cf_value(e, cell, s, stage, CF_SSIM) = (float)ssim;
  *cf_value(e, cell, s, stage, CF_PSNR) = (float)(18.0 + 20.0 * ssim);
  *cf_value(e, cell, s, stage, CF_NMAE) = (float)(0.6 - 0.5 * ssim);
}

static void alloc_exp(cf_experiment *e, int n_subjects) {
  e->n_subjects = n_subjects;
  e->n_cells = 1;
  for (int i = 0; i < e->n_design; i++) e->n_cells *= (size_t)e->axes[i].n;
  size_t nm = e->n_cells * (size_t)n_subjects * CF_STAGES * CF_METRICS;
  e->metrics = malloc(nm * sizeof *e->metrics);
  for (size_t i = 0; i < nm; i++) e->metrics[i] = NAN;
  e->job = malloc(e->n_cells * (size_t)n_subjects * sizeof *e->job);
  for (size_t i = 0; i < e->n_cells * (size_t)n_subjects; i++) e->job[i] = -1;
}

static void build_main(cf_cube *c, cf_experiment *e) {
  static const char *strategy[] = {"windowed", "interleaved"}, *m0[] = {"off", "on"},
                    *all[] = {"all"}, *model[] = {"unet3d"};
  static const int nav[] = {1, 2, 4, 8};
  snprintf(e->name, sizeof e->name, "main");
  snprintf(e->description, sizeof e->description, "averaging strategy x Nav x M0");
  e->n_design = 5;
  str_axis(&e->axes[0], "strategy", 2, strategy);
  int_axis(&e->axes[1], "nav", 4, nav);
  str_axis(&e->axes[2], "m0", 2, m0);
  str_axis(&e->axes[3], "snr_group", 1, all);
  str_axis(&e->axes[4], "model", 1, model);
  alloc_exp(e, c->n_subjects);
  for (size_t cell = 0; cell < e->n_cells; cell++) {
    int st = (int)(cell / 8), ni = (int)(cell / 2 % 4), mi = (int)(cell % 2);
    for (int f = 0; f < 3; f++) {
      char key[256];
      snprintf(key, sizeof key, "main/strategy=%s/nav=%d/m0=%s/snr_group=all/model=unet3d/fold=%d",
               strategy[st], nav[ni], m0[mi], f);
      int tj = add_job(c, key, 0, -1);
      snprintf(key + strlen(key), sizeof key - strlen(key), "/infer");
      int ij = add_job(c, key, 1, tj);
      for (int s = 0; s < c->n_subjects; s++) {
        if (c->fold[s] != f) continue;
        e->job[cell * (size_t)c->n_subjects + (size_t)s] = ij;
        double q = 0.08 * ni + 0.04 * mi + 0.02 * st + 0.015 * s;
        set_metrics(e, cell, s, 1, 0.55 + q + 0.01 * noise(1, (unsigned)cell, (unsigned)s, 1));
        set_metrics(e, cell, s, 0,
                    0.35 + 0.09 * ni + 0.01 * s + 0.01 * noise(1, (unsigned)cell, (unsigned)s, 0));
      }
    }
  }
}

// Experiments whose cells are (train condition a) x (test condition b):
// snr_matching (only subjects of the test group are scored) and
// generalization (every subject).
static void build_matching(cf_cube *c, cf_experiment *e, int snr) {
  static const char *groups[] = {"low", "high"}, *targets[] = {"GT100", "GT50", "GT25"},
                    *inputs[] = {"pre", "GT50", "GT25"};
  static const int nav4[] = {4};
  snprintf(e->name, sizeof e->name, snr ? "snr_matching" : "generalization");
  snprintf(e->description, sizeof e->description, snr ? "train vs test SNR group"
                                                       : "training target vs test input");
  e->n_design = 3;
  int_axis(&e->axes[0], "nav", 1, nav4);
  int na = snr ? 2 : 3;
  str_axis(&e->axes[1], snr ? "train_snr_group" : "train_target", na, snr ? groups : targets);
  str_axis(&e->axes[2], snr ? "test_snr_group" : "test_input", na, snr ? groups : inputs);
  alloc_exp(e, c->n_subjects);
  for (int a = 0; a < na; a++)
    for (int f = 0; f < 3; f++) {
      char key[256];
      snprintf(key, sizeof key, "%s/train=%s/fold=%d", e->name, e->axes[1].labels[a], f);
      int tj = add_job(c, key, 0, -1);
      for (int b = 0; b < na; b++) {
        size_t cell = (size_t)(a * na + b);
        snprintf(key, sizeof key, "%s/train=%s/test=%s/fold=%d/infer", e->name,
                 e->axes[1].labels[a], e->axes[2].labels[b], f);
        int ij = add_job(c, key, 1, tj);
        for (int s = 0; s < c->n_subjects; s++) {
          if (c->fold[s] != f || (snr && strcmp(c->snr_group[s], groups[b]) != 0)) continue;
          e->job[cell * (size_t)c->n_subjects + (size_t)s] = ij;
          double q = 0.1 * b + (a == b ? 0.05 : 0.0) + 0.01 * s - 0.03 * a * !snr;
          unsigned k = (unsigned)(snr ? 2 : 3);
          set_metrics(e, cell, s, 1, 0.6 + q + 0.01 * noise(k, (unsigned)cell, (unsigned)s, 1));
          set_metrics(e, cell, s, 0, 0.4 + 0.1 * b + 0.01 * noise(k, (unsigned)cell, (unsigned)s, 0));
        }
      }
    }
}

void cf_cube_default(cf_cube *c) {
  memset(c, 0, sizeof *c);
  c->format_version = CUBE_FORMAT_VERSION;
  snprintf(c->executor, sizeof c->executor, "asl");
  c->n_subjects = 6;
  for (int s = 0; s < c->n_subjects; s++) {
    snprintf(c->id[s], sizeof c->id[s], "sub-%02d", s + 1);
    c->fold[s] = s % 3;
    snprintf(c->snr_group[s], sizeof c->snr_group[s], "%s", s < 3 ? "low" : "high");
    c->ssim_single[s] = (float)(0.2 + 0.05 * s);
    c->nmae_single[s] = (float)(0.8 - 0.05 * s);
  }
  c->n_experiments = 3;
  build_main(c, &c->exp[0]);
  build_matching(c, &c->exp[1], 1);
  build_matching(c, &c->exp[2], 0);
}

void cf_cube_free(cf_cube *c) {
  for (int i = 0; i < c->n_experiments; i++) {
    free(c->exp[i].metrics);
    free(c->exp[i].job);
  }
  free(c->jobs);
  memset(c, 0, sizeof *c);
}

cf_experiment *cf_find(cf_cube *c, const char *name) {
  for (int i = 0; i < c->n_experiments; i++)
    if (strcmp(c->exp[i].name, name) == 0) return &c->exp[i];
  return NULL;
}

size_t cf_cell(const cf_experiment *e, const int *idx) {
  size_t cell = 0;
  for (int i = 0; i < e->n_design; i++) cell = cell * (size_t)e->axes[i].n + (size_t)idx[i];
  return cell;
}

void cf_scratch_path(char *out, size_t len, const char *name) {
  const char *dir = getenv("ASLSWEEP_BINARY_DIR");
  snprintf(out, len, "%s/%s", dir ? dir : "/tmp", name);
}
