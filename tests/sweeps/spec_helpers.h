// Helpers for the sweep spec tests: load inline spec text and look for
// diagnostics by position or text.
#ifndef SWEEP_TEST_SPEC_HELPERS_H
#define SWEEP_TEST_SPEC_HELPERS_H

#include <string.h>

#include "sweep/plan.h"

// Loads `text` as the spec "t.yaml" with optional overrides.
static inline asl_status load_spec(sweep_plan *p, sweep_diags *d, const char *text, int n_ov,
                            char **ov) {
  return sweep_plan_load_text(p, d, "t.yaml", text, strlen(text), n_ov, ov);
}

// Whether some diagnostic starts with `prefix` (e.g. "t.yaml:3:7: error: ").
static inline int diag_at(const sweep_diags *d, const char *prefix) {
  for (int i = 0; i < d->n; i++)
    if (strncmp(d->lines[i], prefix, strlen(prefix)) == 0) return 1;
  return 0;
}

// Whether some diagnostic contains `text`.
static inline int diag_has(const sweep_diags *d, const char *text) {
  for (int i = 0; i < d->n; i++)
    if (strstr(d->lines[i], text)) return 1;
  return 0;
}

static inline const sweep_experiment *find_experiment(const sweep_plan *p, const char *name) {
  for (int i = 0; i < p->n_experiments; i++)
    if (strcmp(p->experiments[i].name, name) == 0) return &p->experiments[i];
  return NULL;
}

static inline int find_job(const sweep_plan *p, const char *key) {
  for (int i = 0; i < p->n_jobs; i++)
    if (strcmp(p->jobs[i].key, key) == 0) return i;
  return -1;
}

#endif
