// models: named model configurations, the hyper-parameters each kind knows,
// and the per-kind cost table used for job cost estimates (docs/spec.md).
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"

typedef struct {
  const char *name;
  int is_int;        // 1 integer, 0 real
  double min, max, dflt;
} param_def;

typedef struct {
  const char *kind;
  int trainable;
  int n_params;
  param_def params[6];
} kind_def;

static const kind_def kinds[] = {
    {"unet3d", 1, 3,
     {{"base_channels", 1, 1, 512, 16}, {"depth", 1, 1, 6, 4}, {"dropout", 0, 0, 0.99, 0}}},
    {"vit3d", 1, 6,
     {{"patch", 1, 1, 64, 8},
      {"dim", 1, 8, 4096, 192},
      {"depth", 1, 1, 64, 6},
      {"heads", 1, 1, 64, 6},
      {"mlp_ratio", 0, 0.25, 16, 4},
      {"dropout", 0, 0, 0.99, 0}}},
    {"identity", 0, 0, {{0}}},
    {"gaussian", 0, 1, {{"sigma", 0, 0.01, 20, 1.0}}},
    {"nlm", 0, 3, {{"patch", 1, 1, 9, 3}, {"search", 1, 1, 21, 7}, {"h", 0, 1e-6, 100, 0.1}}},
};
enum { N_KINDS = (int)(sizeof kinds / sizeof kinds[0]) };

static const kind_def *find_kind(const char *k) {
  for (int i = 0; i < N_KINDS; i++)
    if (strcmp(kinds[i].kind, k) == 0) return &kinds[i];
  return NULL;
}

// A hyper-parameter's value: the spec's, else the kind's default.
static double param(const sweep_model *m, const char *name) {
  for (int i = 0; i < m->n_params; i++)
    if (strcmp(m->params[i].key, name) == 0) return atof(m->params[i].value);
  const kind_def *k = find_kind(m->kind);
  for (int i = 0; k && i < k->n_params; i++)
    if (strcmp(k->params[i].name, name) == 0) return k->params[i].dflt;
  return 0;
}

double sweep_model_flops_per_voxel(const sweep_model *m) {
  if (strcmp(m->kind, "unet3d") == 0) {
    // docs/engine.md: 18.34 GFLOP per forward pass of the 16-channel U-Net
    // on 64x64x32 voxels; convolution cost grows with channels squared.
    double c = param(m, "base_channels") / 16.0;
    return 1.4e5 * c * c;
  }
  if (strcmp(m->kind, "vit3d") == 0) {
    // Per token and block: QKV + projection 8 d^2, MLP 4 r d^2 (2 per
    // multiply-add); a token covers patch^3 voxels; embedding in and out.
    double d = param(m, "dim"), p = param(m, "patch"), r = param(m, "mlp_ratio");
    return param(m, "depth") * (8 + 4 * r) * d * d / (p * p * p) + 4 * d;
  }
  if (strcmp(m->kind, "gaussian") == 0) return 6 * (2 * ceil(3 * param(m, "sigma")) + 1);
  if (strcmp(m->kind, "nlm") == 0) {
    double s = param(m, "search"), p = param(m, "patch");
    return 2 * s * s * s * p * p * p;
  }
  return 1; // identity: a copy
}

static void read_params(sw_ctx *c, const sw_node *cfg, const kind_def *k, sweep_model *m) {
  m->params = calloc((size_t)cfg->n, sizeof *m->params);
  if (!m->params) return;
  const char *names[8];
  for (int i = 0; i < k->n_params; i++) names[i] = k->params[i].name;
  for (int i = 0; i < cfg->n; i++) {
    const sw_node *key = cfg->keys[i], *val = cfg->items[i];
    if (strcmp(key->str, "kind") == 0) continue;
    const param_def *d = NULL;
    for (int j = 0; j < k->n_params; j++)
      if (strcmp(k->params[j].name, key->str) == 0) d = &k->params[j];
    if (!d) {
      char hint[96];
      sw_error(c, key, "unknown hyper-parameter '%s' for %s%s%s", key->str, k->kind,
               sw_suggest(key->str, names, k->n_params, hint, sizeof hint),
               k->n_params ? "" : " (it takes none)");
      continue;
    }
    long iv;
    double dv;
    int bad = d->is_int ? sw_get_int(c, val, (long)d->min, (long)d->max, &iv)
                        : sw_get_double(c, val, d->min, d->max, &dv);
    if (bad) continue;
    sweep_param *sp = &m->params[m->n_params++];
    sp->key = sw_strdup(key->str);
    sp->value = sw_strdup(val->str);
  }
}

static int model_name_ok(sw_ctx *c, const sw_node *key) {
  const char *s = key->str;
  if (!*s || strlen(s) > 31 || strpbrk(s, "/=, \t\"\\")) {
    sw_error(c, key, "model name '%s' must be 1..31 characters without '/', '=', ',' or spaces", s);
    return 0;
  }
  return 1;
}

static void add_model(sweep_plan *p, const char *name, const kind_def *k) {
  sweep_model *m = &p->models[p->n_models++];
  m->name = sw_strdup(name);
  m->kind = sw_strdup(k->kind);
  m->trainable = k->trainable;
}

void sw_models_read(sw_ctx *c, const sw_node *models, sweep_plan *p) {
  if (!models) {
    // No models: the paper's U-Net alone.
    if ((p->models = calloc(1, sizeof *p->models))) add_model(p, "unet3d", find_kind("unet3d"));
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
  const char *kind_names[N_KINDS];
  for (int i = 0; i < N_KINDS; i++) kind_names[i] = kinds[i].kind;
  for (int i = 0; i < models->n; i++) {
    const sw_node *key = models->keys[i], *cfg = models->items[i];
    if (!model_name_ok(c, key) || !sw_is_map(c, cfg, "a model")) continue;
    const sw_node *kn = sw_map_get(cfg, "kind");
    int ki;
    if (!kn) {
      sw_error(c, cfg, "model '%s' has no kind (unet3d, vit3d, identity, gaussian or nlm)",
               key->str);
      continue;
    }
    if (sw_get_enum(c, kn, kind_names, N_KINDS, &ki)) continue;
    sw_check_keys(c, cfg, "a model", NULL, 0);
    int dup = 0;
    for (int j = 0; j < p->n_models; j++) dup |= strcmp(p->models[j].name, key->str) == 0;
    if (dup) continue; // reported by sw_check_keys as a duplicate key
    add_model(p, key->str, &kinds[ki]);
    read_params(c, cfg, &kinds[ki], &p->models[p->n_models - 1]);
  }
}

void sw_models_check_grid(sw_ctx *c, const sw_node *root, const sweep_plan *p) {
  const sw_node *g = sw_map_get(root, "grid");
  for (int i = 0; i < p->n_models; i++) {
    const sweep_model *m = &p->models[i];
    int mult = 1;
    if (strcmp(m->kind, "unet3d") == 0) mult = 1 << (int)param(m, "depth");
    if (strcmp(m->kind, "vit3d") == 0) mult = (int)param(m, "patch");
    for (int a = 0; a < 3; a++)
      if (mult > 1 && p->grid[a] % mult != 0) {
        sw_error(c, g ? g : root,
                 "grid %dx%dx%d does not suit model '%s': each size must be a multiple of %d",
                 p->grid[0], p->grid[1], p->grid[2], m->name, mult);
        break;
      }
  }
}
