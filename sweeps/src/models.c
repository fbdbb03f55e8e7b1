// models: named model configurations. Every kind, hyper-parameter, range,
// default, check and cost comes from the engine's model descriptors
// (nn/desc.h), so a spec that validates also builds its models.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/desc.h"
#include "spec.h"

enum { MAX_PARAMS = 32 };

// The model's parameters as the engine reads them; `auto` values are left
// out (they count at their defaults until the runner picks one).
static int engine_params(const sweep_model *m, nn_param *q) {
  int n = 0;
  for (int i = 0; i < m->n_params && n < MAX_PARAMS; i++)
    if (strcmp(m->params[i].value, "auto") != 0)
      q[n++] = (nn_param){m->params[i].key, m->params[i].value};
  return n;
}

double sweep_model_infer_evaluations(const sweep_model *m) {
  nn_param q[MAX_PARAMS];
  int n = engine_params(m, q);
  return nn_model_desc_evaluations(nn_model_desc_find(m->kind), q, n);
}

double sweep_model_flops_per_voxel(const sweep_model *m) {
  nn_param q[MAX_PARAMS];
  int n = engine_params(m, q);
  return nn_model_desc_cost(nn_model_desc_find(m->kind), q, n);
}

// The YAML shape first (a number where a number belongs, with its range),
// then the engine's own check of the text, which has the last word.
static int check_param(sw_ctx *c, const nn_model_desc *d, const nn_param_desc *pd,
                       const sw_node *val) {
  long iv;
  double dv;
  const char *sv;
  int ev, n_choices = 0, bad = 0;
  if (pd->candidates && val->kind == SW_SCALAR && val->str && strcmp(val->str, "auto") == 0)
    return 0;
  switch (pd->type) {
  case NN_PT_REAL: bad = sw_get_double(c, val, pd->lo, pd->hi, &dv); break;
  case NN_PT_INT:
  case NN_PT_ODD: bad = sw_get_int(c, val, (long)pd->lo, (long)pd->hi, &iv); break;
  case NN_PT_ENUM:
    while (pd->choices[n_choices]) n_choices++;
    bad = sw_get_enum(c, val, pd->choices, n_choices, &ev);
    break;
  default: bad = sw_get_str(c, val, &sv); break;
  }
  if (bad) return -1;
  if (nn_param_desc_check(d, pd, val->str) == ASL_OK) return 0;
  sw_error(c, val, "%s", asl_error_message());
  return -1;
}

static void read_params(sw_ctx *c, const sw_node *cfg, const nn_model_desc *d, sweep_model *m) {
  m->params = calloc((size_t)cfg->n, sizeof *m->params);
  if (!m->params) return;
  const char *names[MAX_PARAMS];
  for (int i = 0; i < d->n_params && i < MAX_PARAMS; i++) names[i] = d->params[i].name;
  for (int i = 0; i < cfg->n; i++) {
    const sw_node *key = cfg->keys[i], *val = cfg->items[i];
    if (strcmp(key->str, "kind") == 0) continue;
    const nn_param_desc *pd = nn_param_desc_find(d, key->str);
    if (!pd) {
      char hint[96];
      sw_error(c, key, "unknown hyper-parameter '%s' for %s%s%s", key->str, d->kind,
               sw_suggest(key->str, names, d->n_params, hint, sizeof hint),
               d->n_params ? "" : " (it takes none)");
      continue;
    }
    if (check_param(c, d, pd, val)) continue;
    sweep_param *sp = &m->params[m->n_params++];
    sp->key = sw_strdup(key->str);
    sp->value = sw_strdup(val->str);
  }
}

// The engine's checks across parameters, on the values that passed.
static void cross_check(sw_ctx *c, const sw_node *cfg, const nn_model_desc *d,
                        const sweep_model *m) {
  nn_param q[MAX_PARAMS];
  int n = engine_params(m, q);
  if (d->check && d->check(q, n) != ASL_OK)
    sw_error(c, cfg, "model '%s': %s", m->name, asl_error_message());
}

static int model_name_ok(sw_ctx *c, const sw_node *key) {
  const char *s = key->str;
  if (!*s || strlen(s) > 31 || strpbrk(s, "/=, \t\"\\")) {
    sw_error(c, key, "model name '%s' must be 1..31 characters without '/', '=', ',' or spaces", s);
    return 0;
  }
  return 1;
}

static void add_model(sweep_plan *p, const char *name, const nn_model_desc *d) {
  sweep_model *m = &p->models[p->n_models++];
  m->name = sw_strdup(name);
  m->kind = sw_strdup(d->kind);
  m->trainable = d->trainable;
}

static void read_model(sw_ctx *c, const sw_node *key, const sw_node *cfg, sweep_plan *p,
                       const char *const *kinds, int n_kinds) {
  const sw_node *kn = sw_map_get(cfg, "kind");
  int ki;
  if (!kn) {
    char list[256] = "";
    for (int i = 0; i < n_kinds; i++) {
      strncat(list, i ? ", " : "", sizeof list - strlen(list) - 1);
      strncat(list, kinds[i], sizeof list - strlen(list) - 1);
    }
    sw_error(c, cfg, "model '%s' has no kind (one of: %s)", key->str, list);
    return;
  }
  if (sw_get_enum(c, kn, kinds, n_kinds, &ki)) return;
  sw_check_keys(c, cfg, "a model", NULL, 0);
  for (int j = 0; j < p->n_models; j++)
    if (strcmp(p->models[j].name, key->str) == 0) return; // reported as a duplicate key
  const nn_model_desc *d = nn_model_desc_at(ki);
  add_model(p, key->str, d);
  sweep_model *m = &p->models[p->n_models - 1];
  read_params(c, cfg, d, m);
  cross_check(c, cfg, d, m); // refused values were left out: defaults stand in

}

void sw_models_read(sw_ctx *c, const sw_node *models, sweep_plan *p) {
  if (!models) {
    // No models: the paper's U-Net alone, named after its kind.
    const nn_model_desc *unet = nn_model_desc_find("unet3d");
    if ((p->models = calloc(1, sizeof *p->models))) add_model(p, unet->kind, unet);
    return;
  }
  if (!sw_is_map(c, models, "models")) return;
  if (models->n == 0) {
    sw_error(c, models, "models is empty; name at least one, e.g. unet: {kind: unet3d}");
    return;
  }
  sw_check_keys(c, models, "models", NULL, 0);
  p->models = calloc((size_t)models->n, sizeof *p->models);
  if (!p->models) return;
  const char *kinds[16];
  int n_kinds = nn_model_desc_count();
  for (int i = 0; i < n_kinds && i < 16; i++) kinds[i] = nn_model_desc_at(i)->kind;
  for (int i = 0; i < models->n; i++) {
    const sw_node *key = models->keys[i], *cfg = models->items[i];
    if (model_name_ok(c, key) && sw_is_map(c, cfg, "a model"))
      read_model(c, key, cfg, p, kinds, n_kinds);
  }
}

void sw_models_check_grid(sw_ctx *c, const sw_node *root, const sweep_plan *p) {
  const sw_node *g = sw_map_get(root, "grid");
  for (int i = 0; i < p->n_models; i++) {
    const sweep_model *m = &p->models[i];
    const nn_model_desc *d = nn_model_desc_find(m->kind);
    nn_param q[MAX_PARAMS];
    int n = engine_params(m, q), mult[3] = {1, 1, 1};
    if (d->grid_multiple) d->grid_multiple(q, n, mult);
    int fits = 1;
    for (int a = 0; a < 3; a++) fits &= p->grid[a] % mult[a] == 0;
    if (!fits)
      sw_error(c, g ? g : root,
               "grid %dx%dx%d does not suit model '%s': sizes must be multiples of %dx%dx%d (%s)",
               p->grid[0], p->grid[1], p->grid[2], m->name, mult[0], mult[1], mult[2], d->rule);
    else if (d->check_grid && d->check_grid(q, n, p->grid) != ASL_OK)
      sw_error(c, g ? g : root, "grid %dx%dx%d does not suit model '%s': %s", p->grid[0],
               p->grid[1], p->grid[2], m->name, asl_error_message());
  }
}
