// The registry of model descriptors and the checks every model creation
// and every sweep validation run (nn/desc.h).
#include <stdio.h>
#include <string.h>

#include "model_kinds.h"
#include "nn/desc.h"

#define NN_DESC_DECL(k) extern const nn_model_desc nn_##k##_desc;
NN_MODEL_KINDS(NN_DESC_DECL)
#define NN_DESC_ENTRY(k) &nn_##k##_desc,
static const nn_model_desc *const descs[] = {NN_MODEL_KINDS(NN_DESC_ENTRY)};
enum { N_DESCS = sizeof descs / sizeof descs[0] };

int nn_model_desc_count(void) { return N_DESCS; }

const nn_model_desc *nn_model_desc_at(int i) {
  return i >= 0 && i < N_DESCS ? descs[i] : NULL;
}

const nn_model_desc *nn_model_desc_find(const char *kind) {
  for (int i = 0; kind && i < N_DESCS; i++)
    if (strcmp(descs[i]->kind, kind) == 0) return descs[i];
  return NULL;
}

const nn_param_desc *nn_param_desc_find(const nn_model_desc *d, const char *key) {
  for (int i = 0; key && i < d->n_params; i++)
    if (strcmp(d->params[i].name, key) == 0) return &d->params[i];
  return NULL;
}

static asl_status unknown_key(const nn_model_desc *d, const nn_param *q) {
  char allowed[256] = "";
  for (int i = 0; i < d->n_params; i++) {
    if (i) strncat(allowed, ", ", sizeof allowed - strlen(allowed) - 1);
    strncat(allowed, d->params[i].name, sizeof allowed - strlen(allowed) - 1);
  }
  return asl_fail(ASL_EINVAL, "model %s: %s parameter '%s' (allowed: %s)", d->kind,
                  q->key && nn_param_desc_find(d, q->key) ? "no value for" : "unknown",
                  q->key ? q->key : "(null)", allowed[0] ? allowed : "none");
}

asl_status nn_model_desc_check(const nn_model_desc *d, const nn_param *p, int n) {
  for (int i = 0; i < n; i++) {
    const nn_param_desc *pd = nn_param_desc_find(d, p[i].key);
    if (!pd || !p[i].value) return unknown_key(d, &p[i]);
    asl_status s = nn_param_desc_check(d, pd, p[i].value);
    if (s) return s;
  }
  asl_status s = d->check ? d->check(p, n) : ASL_OK;
  if (s) {
    char msg[512];
    snprintf(msg, sizeof msg, "%s", asl_error_message());
    return asl_fail(s, "model %s: %s", d->kind, msg);
  }
  return ASL_OK;
}

asl_status nn_model_desc_check_grid(const nn_model_desc *d, const nn_param *p,
                                    int n, const int grid[3]) {
  // The grid rules read the values (a patch, a depth): they must be valid.
  asl_status s = nn_model_desc_check(d, p, n);
  if (s) return s;
  int mult[3] = {1, 1, 1};
  if (d->grid_multiple) d->grid_multiple(p, n, mult);
  for (int a = 0; a < 3; a++)
    if (grid[a] < 1 || grid[a] > 4096 || grid[a] % mult[a])
      return asl_fail(ASL_EINVAL,
                      "model %s: grid %dx%dx%d: each size must be a positive "
                      "multiple of %dx%dx%d (%s; up to 4096)",
                      d->kind, grid[0], grid[1], grid[2], mult[0], mult[1], mult[2],
                      d->rule ? d->rule : "any size");
  s = d->check_grid ? d->check_grid(p, n, grid) : ASL_OK;
  if (s) {
    char msg[512];
    snprintf(msg, sizeof msg, "%s", asl_error_message());
    return asl_fail(s, "model %s: %s", d->kind, msg);
  }
  return ASL_OK;
}

double nn_model_desc_cost(const nn_model_desc *d, const nn_param *p, int n) {
  return d->cost_per_voxel(p, n);
}

double nn_model_desc_evaluations(const nn_model_desc *d, const nn_param *p, int n) {
  return d->infer_evaluations ? d->infer_evaluations(p, n) : 1;
}
