// models: named model configurations, the hyper-parameters each kind knows,
// and the per-kind cost table used for job cost estimates (docs/spec.md).
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"

// Value types of hyper-parameters, as the engine parses them.
enum { P_REAL, P_INT, P_ODD, P_SIZE3, P_BORDER, P_SCHEDULE, P_SAMPLER };

typedef struct {
  const char *name;
  int type;
  double min, max, dflt;
} param_def;

typedef struct {
  const char *kind;
  int trainable;
  int n_params;
  param_def params[16];
} kind_def;

// Names, ranges and defaults follow the engine's model factory
// (engine/src/unet3d_graph.c, vit3d_model.c, baselines.c, baseline_nlm.c),
// so a spec that validates also builds its models.
static const kind_def kinds[] = {
    {"unet3d", 1, 4,
     {{"base_channels", P_INT, 1, 256, 16},
      {"depth", P_INT, 1, 8, 4},
      {"dropout", P_REAL, 0, 0.9, 0.05},
      {"bn_momentum", P_REAL, 0, 1, 0.1}}},
    {"vit3d", 1, 6,
     {{"dim", P_INT, 4, 4096, 128},
      {"depth", P_INT, 1, 64, 4},
      {"heads", P_INT, 1, 64, 4},
      {"mlp_ratio", P_REAL, 0.25, 16, 4},
      {"dropout", P_REAL, 0, 0.9, 0},
      {"patch", P_SIZE3, 1, 64, 0}}}, // "8" or "8,8,4"; default 8,8,4
    {"identity", 0, 0, {{0}}},
    {"gaussian", 0, 2, {{"sigma", P_REAL, 0.05, 8, 1.0}, {"border", P_BORDER, 0, 0, 0}}},
    {"nlm", 0, 3,
     {{"patch", P_ODD, 1, 9, 3}, {"search", P_ODD, 1, 21, 7}, {"h", P_REAL, 1e-3, 100, 1.0}}},
    {"ddpm3d", 1, 16, // engine/src/ddpm3d_model.c; docs/ddpm3d.md
     {{"base_channels", P_INT, 1, 256, 16},
      {"depth", P_INT, 1, 8, 4},
      {"dropout", P_REAL, 0, 0.9, 0.05},
      {"bn_momentum", P_REAL, 0, 1, 0.1},
      {"timesteps", P_INT, 1, 10000, 1000},
      {"schedule", P_SCHEDULE, 0, 0, 0}, // linear | cosine (default cosine)
      {"beta_start", P_REAL, 1e-8, 0.5, 1e-4},
      {"beta_end", P_REAL, 1e-8, 0.999, 0.02},
      {"temb_dim", P_INT, 2, 1024, 32},
      {"sampler", P_SAMPLER, 0, 0, 0}, // ddim | ddpm (default ddim)
      {"sample_steps", P_INT, 1, 10000, 50},
      {"eta", P_REAL, 0, 1, 0},
      {"samples", P_INT, 1, 64, 1},
      {"p_uncond", P_REAL, 0, 1, 0},
      {"guidance", P_REAL, 0, 20, 0},
      {"sample_start", P_REAL, 1e-4, 1, 1}}},
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
    if (strcmp(m->params[i].key, name) == 0 && strcmp(m->params[i].value, "auto") != 0)
      return atof(m->params[i].value);
  const kind_def *k = find_kind(m->kind);
  for (int i = 0; k && i < k->n_params; i++)
    if (strcmp(k->params[i].name, name) == 0) return k->params[i].dflt;
  return 0;
}

// A vit3d patch: "8" (a cube) or "8,8,4"; the engine's default is 8,8,4.
static int parse_size3(const char *s, int p[3]) {
  char tail[4];
  int n = sscanf(s, "%d,%d,%d%3s", &p[0], &p[1], &p[2], tail);
  if (n == 1 && !strchr(s, ',')) p[1] = p[2] = p[0];
  else if (n != 3) return -1;
  for (int a = 0; a < 3; a++)
    if (p[a] < 1 || p[a] > 64) return -1;
  return 0;
}

static void vit_patch(const sweep_model *m, int p[3]) {
  p[0] = p[1] = 8;
  p[2] = 4;
  int q[3];
  for (int i = 0; i < m->n_params; i++)
    if (strcmp(m->params[i].key, "patch") == 0 && parse_size3(m->params[i].value, q) == 0)
      memcpy(p, q, sizeof q);
}

double sweep_model_infer_evaluations(const sweep_model *m) {
  if (strcmp(m->kind, "ddpm3d") != 0) return 1;
  // Each of `samples` chains takes `sample_steps` network evaluations, two
  // with classifier-free guidance (conditioned and unconditioned).
  double evals = param(m, "sample_steps") * param(m, "samples");
  return param(m, "guidance") > 0 ? 2 * evals : evals;
}

double sweep_model_flops_per_voxel(const sweep_model *m) {
  if (strcmp(m->kind, "unet3d") == 0 || strcmp(m->kind, "ddpm3d") == 0) {
    // ddpm3d: the same per network evaluation (sampling runs sample_steps x
    // samples of them per volume; docs/ddpm3d.md).
    // docs/engine.md: 18.34 GFLOP per forward pass of the 16-channel U-Net
    // on 64x64x32 voxels; convolution cost grows with channels squared.
    double c = param(m, "base_channels") / 16.0;
    return 1.4e5 * c * c;
  }
  if (strcmp(m->kind, "vit3d") == 0) {
    // Per token and block: QKV + projection 8 d^2, MLP 4 r d^2 (2 per
    // multiply-add); a token covers one patch of voxels; embedding in and out.
    double d = param(m, "dim"), r = param(m, "mlp_ratio");
    int p[3];
    vit_patch(m, p);
    return param(m, "depth") * (8 + 4 * r) * d * d / ((double)p[0] * p[1] * p[2]) + 4 * d;
  }
  if (strcmp(m->kind, "gaussian") == 0) return 6 * (2 * ceil(3 * param(m, "sigma")) + 1);
  if (strcmp(m->kind, "nlm") == 0) {
    double s = param(m, "search"), p = param(m, "patch");
    return 2 * s * s * s * p * p * p;
  }
  return 1; // identity: a copy
}

static int check_param(sw_ctx *c, const kind_def *k, const param_def *d, const sw_node *val) {
  long iv;
  double dv;
  const char *sv;
  int p[3];
  // gaussian sigma and nlm h may be `auto`: each infer job then picks the
  // value by validation NMAE on its fold's training subjects (docs/denoise.md).
  int tunable = (strcmp(k->kind, "gaussian") == 0 && strcmp(d->name, "sigma") == 0) ||
                (strcmp(k->kind, "nlm") == 0 && strcmp(d->name, "h") == 0);
  if (tunable && val->kind == SW_SCALAR && val->str && strcmp(val->str, "auto") == 0) return 0;
  switch (d->type) {
  case P_REAL:
    return sw_get_double(c, val, d->min, d->max, &dv);
  case P_INT:
    return sw_get_int(c, val, (long)d->min, (long)d->max, &iv);
  case P_ODD:
    if (sw_get_int(c, val, (long)d->min, (long)d->max, &iv)) return -1;
    if (iv % 2) return 0;
    sw_error(c, val, "%s.%s must be odd (a cube of side 2r+1), got %ld", k->kind, d->name, iv);
    return -1;
  case P_SIZE3:
    if (sw_get_str(c, val, &sv)) return -1;
    if (parse_size3(sv, p) == 0) return 0;
    sw_error(c, val, "%s.%s must be one size or \"x,y,z\" sizes, each 1..64, got '%s'", k->kind,
             d->name, sv);
    return -1;
  case P_SCHEDULE: {
    static const char *const schedules[] = {"linear", "cosine"};
    int i;
    return sw_get_enum(c, val, schedules, 2, &i);
  }
  case P_SAMPLER: {
    static const char *const samplers[] = {"ddim", "ddpm"};
    int i;
    return sw_get_enum(c, val, samplers, 2, &i);
  }
  default: {
    static const char *const borders[] = {"reflect", "zeros"};
    int i;
    return sw_get_enum(c, val, borders, 2, &i);
  }
  }
}

static void read_params(sw_ctx *c, const sw_node *cfg, const kind_def *k, sweep_model *m) {
  m->params = calloc((size_t)cfg->n, sizeof *m->params);
  if (!m->params) return;
  const char *names[16];
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
    if (check_param(c, k, d, val)) continue;
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
      sw_error(c, cfg, "model '%s' has no kind (unet3d, vit3d, identity, gaussian, nlm or ddpm3d)",
               key->str);
      continue;
    }
    if (sw_get_enum(c, kn, kind_names, N_KINDS, &ki)) continue;
    sw_check_keys(c, cfg, "a model", NULL, 0);
    int dup = 0;
    for (int j = 0; j < p->n_models; j++) dup |= strcmp(p->models[j].name, key->str) == 0;
    if (dup) continue; // reported by sw_check_keys as a duplicate key
    add_model(p, key->str, &kinds[ki]);
    sweep_model *m = &p->models[p->n_models - 1];
    read_params(c, cfg, &kinds[ki], m);
    if (strcmp(m->kind, "vit3d") == 0 && (long)param(m, "dim") % (long)param(m, "heads"))
      sw_error(c, cfg, "model '%s': dim %ld is not a multiple of heads %ld", m->name,
               (long)param(m, "dim"), (long)param(m, "heads"));
  }
}

void sw_models_check_grid(sw_ctx *c, const sw_node *root, const sweep_plan *p) {
  const sw_node *g = sw_map_get(root, "grid");
  for (int i = 0; i < p->n_models; i++) {
    const sweep_model *m = &p->models[i];
    int mult[3] = {1, 1, 1};
    if (strcmp(m->kind, "unet3d") == 0 || strcmp(m->kind, "ddpm3d") == 0)
      mult[0] = mult[1] = mult[2] = 1 << (int)param(m, "depth");
    if (strcmp(m->kind, "vit3d") == 0) vit_patch(m, mult);
    for (int a = 0; a < 3; a++)
      if (p->grid[a] % mult[a] != 0) {
        sw_error(c, g ? g : root,
                 "grid %dx%dx%d does not suit model '%s': sizes must be multiples of %dx%dx%d",
                 p->grid[0], p->grid[1], p->grid[2], m->name, mult[0], mult[1], mult[2]);
        break;
      }
  }
}
