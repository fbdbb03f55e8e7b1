// sweep_plan_load: read -> parse -> overrides -> interpolation -> schema and
// data -> experiments -> jobs. Every step reports into the same diagnostics
// and keeps going, so one run lists every problem of a spec.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asl/rng.h"
#include "asl/snr.h"
#include "spec.h"

enum { MAX_SPEC_BYTES = 1 << 20 };

static asl_status load_tree(sweep_plan *p, sw_ctx *c, const char *name, const char *text,
                            size_t len, const char *spec_dir, int n_ov, char **ov) {
  const char *src = sw_ctx_source(c, name);
  sw_node *root = sw_yaml_parse(c, src, text, len);
  if (root && root->kind != SW_MAP) {
    sw_error(c, root, "a spec is a mapping of keys (name:, data:, sweep: ...), not %s",
             root->kind == SW_SEQ ? "a list" : "a scalar");
    sw_node_free(root);
    root = NULL;
  }
  if (!root) return ASL_ESPEC;
  for (int i = 0; i < n_ov; i++) sw_apply_override(c, root, i + 1, ov[i]);
  sw_interpolate(c, root);
  p->text = sw_yaml_emit(root);
  sw_schema_read(c, root, spec_dir, p);
  sw_study s;
  sw_study_read(c, root, p, &s);
  // Expansion checks Nav against Nt, so it runs even after other errors as
  // long as there are models and subjects to expand over.
  if (p->n_models > 0 && p->n_subjects > 0 && s.n_exps > 0) sw_expand(c, &s, p);
  sw_study_free(&s);
  sw_node_free(root);
  return c->errors ? ASL_ESPEC : ASL_OK;
}

static asl_status load(sweep_plan *p, sweep_diags *diags, const char *name, const char *text,
                       size_t len, const char *spec_dir, const char *stem, int n_ov, char **ov,
                       int no_jobs) {
  memset(p, 0, sizeof *p);
  if (diags) memset(diags, 0, sizeof *diags);
  sw_ctx c = {.diags = diags, .no_jobs = no_jobs};
  p->name = sw_strdup(stem); // replaced by the spec's name:
  p->spec_path = sw_strdup(name);
  asl_status st = ASL_ENOMEM;
  if (p->name && p->spec_path) {
    st = load_tree(p, &c, name, text, len, spec_dir, n_ov, ov);
  }
  if (st == ASL_OK && !p->text) st = ASL_ENOMEM;
  int errors = c.errors;
  sw_ctx_free(&c);
  if (st == ASL_OK) return ASL_OK;
  sweep_plan_free(p);
  if (st == ASL_ENOMEM) return asl_fail(st, "%s: out of memory loading the spec", name);
  return asl_fail(ASL_ESPEC, "%s: %d error%s in the sweep spec", name, errors,
                  errors == 1 ? "" : "s");
}

asl_status sweep_plan_load_text(sweep_plan *p, sweep_diags *diags, const char *name,
                                const char *text, size_t len, int n_overrides, char **overrides) {
  return load(p, diags, name, text, len, ".", "sweep", n_overrides, overrides, 0);
}

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = malloc(MAX_SPEC_BYTES + 1);
  size_t n = buf ? fread(buf, 1, MAX_SPEC_BYTES + 1, f) : 0;
  int err = ferror(f);
  fclose(f);
  if (!buf || err) {
    free(buf);
    errno = buf ? EIO : ENOMEM;
    return NULL;
  }
  *len = n;
  return buf;
}

static asl_status load_file(sweep_plan *p, sweep_diags *diags, const char *path, int n_overrides,
                            char **overrides, int no_jobs) {
  memset(p, 0, sizeof *p);
  if (diags) memset(diags, 0, sizeof *diags);
  size_t len = 0;
  char *text = read_file(path, &len);
  // A spec that is not there (or not ours to read) is the user's to fix.
  if (!text)
    return asl_fail(errno == ENOENT || errno == EACCES || errno == ENOTDIR ? ASL_ENOTFOUND : ASL_EIO,
                    "cannot read sweep spec '%s': %s; check the path", path, strerror(errno));
  if (len > MAX_SPEC_BYTES) {
    free(text);
    return asl_fail(ASL_ESPEC, "%s: larger than 1 MiB; a sweep spec is a short file", path);
  }
  // The spec's folder (for relative data paths) and its stem (default name).
  char dir[4096], stem[256];
  snprintf(dir, sizeof dir, "%s", path);
  char *slash = strrchr(dir, '/');
  if (slash) *slash = '\0';
  else snprintf(dir, sizeof dir, ".");
  const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
  snprintf(stem, sizeof stem, "%s", base);
  char *dot = strrchr(stem, '.');
  if (dot && dot != stem) *dot = '\0';
  asl_status st = load(p, diags, path, text, len, dir, stem, n_overrides, overrides, no_jobs);
  free(text);
  return st;
}

asl_status sweep_plan_load(sweep_plan *p, sweep_diags *diags, const char *path, int n_overrides,
                           char **overrides) {
  return load_file(p, diags, path, n_overrides, overrides, 0);
}

asl_status sweep_plan_load_no_jobs(sweep_plan *p, sweep_diags *diags, const char *path,
                                   int n_overrides, char **overrides) {
  return load_file(p, diags, path, n_overrides, overrides, 1);
}

void sweep_plan_free(sweep_plan *p) {
  free(p->name);
  free(p->spec_path);
  free(p->text);
  free(p->bids_root);
  free(p->masks_root);
  for (int i = 0; i < p->n_participants; i++) free(p->participants[i]);
  free(p->participants);
  for (int i = 0; i < p->n_sessions; i++) free(p->sessions[i]);
  free(p->sessions);
  for (int i = 0; i < p->n_subjects; i++) free(p->subject_ids[i]);
  free(p->subject_ids);
  free(p->subject_nt);
  for (int i = 0; i < p->n_models; i++) {
    sweep_model *m = &p->models[i];
    for (int j = 0; j < m->n_params; j++) {
      free(m->params[j].key);
      free(m->params[j].value);
    }
    free(m->params);
    free(m->name);
    free(m->kind);
  }
  free(p->models);
  for (int i = 0; i < p->n_metrics; i++) free(p->metrics[i]);
  free(p->metrics);
  for (int i = 0; i < p->n_experiments; i++) {
    sweep_experiment *e = &p->experiments[i];
    for (int a = 0; a < e->n_axes; a++) {
      for (int l = 0; l < e->axes[a].n; l++) free(e->axes[a].labels[l]);
      free(e->axes[a].labels);
      free(e->axes[a].name);
    }
    free(e->axes);
    free(e->name);
    free(e->description);
  }
  free(p->experiments);
  for (int i = 0; i < p->n_jobs; i++) {
    free(p->jobs[i].key);
    free(p->jobs[i].coords);
  }
  free(p->jobs);
  memset(p, 0, sizeof *p);
}

// The participant ("sub-01") of scan label `id`: up to the first '_'.
static size_t participant_len(const char *id) { return strcspn(id, "_"); }

// Index of scan `index`'s participant among the distinct participants of
// the plan's (sorted) subject list, and their count; with one scan per
// participant this is (index, n_subjects).
static int participant_of(const sweep_plan *p, int n_subjects, int index, int *n_part) {
  *n_part = n_subjects;
  if (!p->subject_ids || p->n_subjects != n_subjects) return index;
  int part = -1, count = 0;
  for (int i = 0; i < n_subjects; i++) {
    const char *a = p->subject_ids[i], *b = i ? p->subject_ids[i - 1] : NULL;
    size_t la = participant_len(a);
    if (!b || la != participant_len(b) || strncmp(a, b, la) != 0) count++;
    if (i == index) part = count - 1;
  }
  *n_part = count;
  return part;
}

int sweep_n_participants(const sweep_plan *p) {
  int n = 0;
  if (p->n_subjects > 0) participant_of(p, p->n_subjects, 0, &n);
  return n;
}

int sweep_subject_fold(const sweep_plan *p, int n_subjects, int index) {
  ASL_ASSERT(n_subjects > 0 && index >= 0 && index < n_subjects && p->folds > 0);
  int n = 0;
  index = participant_of(p, n_subjects, index, &n);
  // A seeded Fisher-Yates permutation; the participant's position in it,
  // modulo the fold count, balances fold sizes to within one participant.
  int *perm = malloc((size_t)n * sizeof *perm);
  ASL_ASSERT(perm);
  for (int i = 0; i < n; i++) perm[i] = i;
  asl_rng r;
  asl_rng_seed_key(&r, p->seed, "folds");
  for (int i = n - 1; i > 0; i--) {
    int j = (int)asl_rng_below(&r, (uint64_t)i + 1);
    int t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  int fold = 0;
  for (int i = 0; i < n; i++)
    if (perm[i] == index) fold = i % p->folds;
  free(perm);
  return fold;
}

void sweep_bids_query(const sweep_plan *p, asl_bids_query *q) {
  memset(q, 0, sizeof *q);
  q->participants = (const char *const *)p->participants;
  q->n_participants = p->n_participants;
  q->sessions = (const char *const *)p->sessions;
  q->n_sessions = p->n_sessions;
  q->pld_all = p->pld_all;
  q->pld = p->pld;
  q->masks = p->masks_root;
}

// The names the runner's grouping gives (asl/snr.h).
const char *sweep_snr_group_name(const sweep_plan *p, int g, char *buf, int size) {
  char name[ASL_SNR_NAME_MAX];
  snprintf(buf, (size_t)size, "%s", asl_snr_group_name(g, p->snr_k, name));
  return buf;
}
