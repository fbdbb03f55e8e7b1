// Per-fold choice of a baseline's `auto` parameter (exec_asl_tune.h). The
// candidates go through exactly the path the infer job then scores: the
// job's pre-averaging and normalization, the model on the whole volume,
// scales restored, post-averaging by nav_post, NMAE vs GT100 in the mask.
#include "exec_asl_tune.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "asl/average.h"
#include "asl/metrics.h"
#include "check.h"
#include "exec_asl_sample.h"
#include "nn/desc.h"

// The candidates are the engine descriptor's (nn/desc.h).
int exa_tune_candidates(const char *kind, const char *key, const char **out, int max) {
  const nn_model_desc *d = nn_model_desc_find(kind);
  const nn_param_desc *pd = d ? nn_param_desc_find(d, key) : NULL;
  int n = 0;
  for (; pd && pd->candidates && pd->candidates[n] && n < max; n++)
    out[n] = pd->candidates[n];
  return n;
}

int exa_tune_auto_index(const nn_param *par, int n) {
  for (int i = 0; i < n; i++)
    if (strcmp(par[i].value, "auto") == 0) return i;
  return -1;
}

static int io_yield(void *arg) {
  run_job_io *io = arg;
  return io->yield(io);
}

// Adds the NMAE of every final image of one training subject, for every
// candidate model, to sum[c]; *count gets the number of final images.
static asl_status score_subject(nn_model **models, int nc, const sweep_plan *p, const sweep_job *jb,
                                const exa_subject *u, run_job_io *io, double *sum, int *count) {
  exa_sample s;
  asl_vol ref = {0}, den = {0}, fin = {0};
  const char *input = jb->cond.test_input[0] ? jb->cond.test_input : "pre";
  int post = strcmp(input, "pre") == 0 && jb->cond.nav_post > 1 ? jb->cond.nav_post : 1;
  asl_status st = exa_sample_make(&s, p, jb, u, input, NULL);
  if (st) return st;
  st = asl_ground_truth(&ref, &u->deltam, exa_gt_fraction(p, "GT100"));
  for (int c = 0; !st && c < nc; c++) {
    st = exa_sample_denoise(models[c], &s, &den, NULL, io_yield, io, jb->key);
    if (!st) st = asl_postaverage(&fin, &den, post, NULL);
    for (int f = 0; !st && f < fin.nt; f++) {
      double v;
      st = asl_nmae(ref.data, asl_vol_frame(&fin, f), s.mask ? s.mask->data : NULL,
                    asl_vol_nvox(&ref), &v);
      sum[c] += v;
      if (c == 0) (*count)++;
    }
    if (den.data) asl_vol_free(&den);
    if (fin.data) asl_vol_free(&fin);
  }
  if (ref.data) asl_vol_free(&ref);
  exa_sample_free(&s);
  return st;
}

static asl_status make_models(nn_model **models, const char **cand, int nc, const sweep_plan *p,
                              const sweep_job *jb, nn_param *par, int n, int k) {
  const sweep_model *sm = &p->models[jb->cond.model];
  asl_status st = ASL_OK;
  for (int c = 0; c < nc && !st; c++) {
    par[k].value = cand[c];
    st = nn_model_create(&models[c], sm->kind, 1 + (jb->cond.m0 != 0), p->grid, par, n, jb->seed);
  }
  par[k].value = "auto";
  return st;
}

// "sigma=1.5 (training NMAE 0.5:0.612 0.75:0.598 ...; 3 subjects)".
static void describe(char *out, size_t n, const char *key, const char **cand, const double *mean,
                     int nc, int best, int n_subj) {
  int w = snprintf(out, n, "%s=%s (training NMAE", key, cand[best]);
  for (int c = 0; c < nc && w > 0 && (size_t)w < n; c++)
    w += snprintf(out + w, n - (size_t)w, " %s:%.4g", cand[c], mean[c]);
  if (w > 0 && (size_t)w < n) snprintf(out + w, n - (size_t)w, "; %d subjects)", n_subj);
}

asl_status exa_tune(exa_state *x, const sweep_plan *p, int j, run_job_io *io, nn_param *par, int n,
                    int k, char *chosen, size_t n_chosen) {
  const sweep_job *jb = &p->jobs[j];
  const char *cand[EXA_TUNE_MAX];
  nn_model *models[EXA_TUNE_MAX] = {0};
  double sum[EXA_TUNE_MAX] = {0};
  int nc = exa_tune_candidates(p->models[jb->cond.model].kind, par[k].key, cand, EXA_TUNE_MAX);
  int *chosen_subj = malloc(sizeof(int) * (size_t)x->n), n_subj = 0, count = 0;
  if (!chosen_subj) return asl_fail(ASL_ENOMEM, "tuning subjects");
  asl_status st =
      nc ? ASL_OK : asl_fail(ASL_EINVAL, "%s: parameter %s cannot be auto", jb->key, par[k].key);
  if (!st) st = exa_select(x, io->subjects, jb, 1, chosen_subj, &n_subj);
  if (!st) st = make_models(models, cand, nc, p, jb, par, n, k);
  for (int i = 0; !st && i < n_subj; i++) {
    const exa_subject *u = &x->s[chosen_subj[i]];
    st = score_subject(models, nc, p, jb, u, io, sum, &count);
    if (st && st != ASL_EINTERRUPTED)
      st = run_fail_wrap(st, "tuning %s on training subject %s", par[k].key, u->id);
  }
  int best = 0;
  for (int c = 0; !st && c < nc; c++) {
    sum[c] /= count > 0 ? count : 1;
    if (sum[c] < sum[best]) best = c; // ties keep the smaller candidate
  }
  if (!st) {
    describe(chosen, n_chosen, par[k].key, cand, sum, nc, best, n_subj);
    par[k].value = cand[best];
  }
  for (int c = 0; c < nc; c++)
    if (models[c]) nn_model_free(models[c]);
  free(chosen_subj);
  return st;
}

asl_status exa_tune_log(const run_job_io *io, int j, const char *key, const char *chosen) {
  char path[4300], ts[32], line[2048];
  time_t now = time(NULL);
  struct tm tmv;
  gmtime_r(&now, &tmv);
  strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tmv);
  snprintf(path, sizeof path, "%s/run.log", io->out_dir);
  int len = snprintf(line, sizeof line, "%s tuned job %d %s: %s\n", ts, j, key, chosen);
  if (len <= 0 || (size_t)len >= sizeof line) len = (int)strlen(line);
  // One write() with O_APPEND: rank 0 appends to the same file, and each
  // of its lines is one flushed write too, so lines never interleave.
  int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
  if (fd < 0)
    return asl_fail(ASL_EIO, "%s: cannot append the tuning line (%s)", path, strerror(errno));
  ssize_t w = write(fd, line, (size_t)len);
  int bad = w != (ssize_t)len;
  bad |= close(fd) != 0;
  return bad ? asl_fail(ASL_EIO, "%s: cannot append the tuning line", path) : ASL_OK;
}
