// The scalar sections of a spec (name, seed, remainder, ground_truth, grid,
// folds, snr_groups, train, engine, metrics) read into the plan, with defaults.
#include <stdlib.h>
#include <string.h>

#include "spec.h"

static const char *const top_keys[] = {
    "name",  "seed",   "data",    "remainder", "ground_truth", "grid",        "folds",   "snr_groups",
    "train", "models", "metrics", "sweep",     "experiments",  "exclude", "include", "engine",
    "keep_volumes"};
static const char *const train_keys[] = {"epochs",       "batch",        "optimizer",
                                         "lr",           "weight_decay", "loss",
                                         "augment",      "val_fraction", "patches_per_volume",
                                         "early_stop",   "lr_schedule",  "warmup_epochs",
                                         "precision"};
static const char *const lr_schedules[] = {"constant", "cosine"};
static const char *const optimizers[] = {"adam", "adamw"};
static const char *const losses[] = {"l1", "mse", "ssim"};
static const char *const augments[] = {"flip_x", "flip_y", "transpose", "shift", "rotate"};
static const char *const metric_names[] = {"ssim", "psnr", "nmae"};
static const char *const devices[] = {"cpu", "cuda"};
static const char *const precisions[] = {"fp32", "tf32", "bf16"};
#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

static void set_defaults(sweep_plan *p) {
  p->gt_fraction[0] = 1.0;
  p->gt_fraction[1] = 0.5;
  p->gt_fraction[2] = 0.25;
  p->grid[0] = 64;
  p->grid[1] = 64;
  p->grid[2] = 32;
  p->folds = 4;
  p->snr_k = 2;
  p->keep_volumes = SWEEP_KEEP_SAMPLE;
  sweep_train *t = &p->train;
  t->epochs = 50;
  t->batch = 4;
  strcpy(t->optimizer, "adam");
  t->lr = 1e-3;
  t->weight_decay = 0;
  strcpy(t->loss, "l1");
  t->augment = SWEEP_AUG_FLIP_X | SWEEP_AUG_FLIP_Y | SWEEP_AUG_TRANSPOSE | SWEEP_AUG_SHIFT |
               SWEEP_AUG_ROTATE;
  t->val_fraction = 0.1;
  t->patches_per_volume = 4;
  t->early_stop = 0;
  strcpy(t->lr_schedule, "constant");
  t->warmup_epochs = 0;
  strcpy(t->precision, "fp32");
  strcpy(p->device, "cpu");
}

static void read_int(sw_ctx *c, const sw_node *map, const char *key, long min, long max, int *out) {
  const sw_node *n = sw_map_get(map, key);
  long v;
  if (n && sw_get_int(c, n, min, max, &v) == 0) *out = (int)v;
}

static void read_double(sw_ctx *c, const sw_node *map, const char *key, double min, double max,
                        double *out) {
  const sw_node *n = sw_map_get(map, key);
  if (n) sw_get_double(c, n, min, max, out);
}

static void read_enum(sw_ctx *c, const sw_node *map, const char *key, const char *const *names,
                      int count, char *out, size_t size) {
  const sw_node *n = sw_map_get(map, key);
  int i;
  if (n && sw_get_enum(c, n, names, count, &i) == 0) {
    strncpy(out, names[i], size - 1);
    out[size - 1] = '\0';
  }
}

// A list of names from `names`; a single scalar stands for a one-item list.
// Calls back with each index; reports empties and repeats.
static int read_name_list(sw_ctx *c, const sw_node *n, const char *what, const char *const *names,
                          int count, int *picked, int *n_picked) {
  *n_picked = 0;
  if (n->kind == SW_MAP) {
    sw_error(c, n, "%s must be a list, e.g. [%s]", what, names[0]);
    return -1;
  }
  int items = n->kind == SW_SEQ ? n->n : 1;
  if (items == 0) {
    sw_error(c, n, "%s is empty; list at least one of them", what);
    return -1;
  }
  int bad = 0;
  for (int i = 0; i < items; i++) {
    const sw_node *it = n->kind == SW_SEQ ? n->items[i] : n;
    int k;
    if (sw_get_enum(c, it, names, count, &k)) {
      bad = 1;
      continue;
    }
    for (int j = 0; j < *n_picked; j++)
      if (picked[j] == k) {
        sw_error(c, it, "'%s' is listed twice in %s", names[k], what);
        k = -1;
        break;
      }
    if (k >= 0 && *n_picked < count) picked[(*n_picked)++] = k;
  }
  return bad ? -1 : 0;
}

static void read_train(sw_ctx *c, const sw_node *t, sweep_plan *p) {
  if (!sw_is_map(c, t, "train")) return;
  sw_check_keys(c, t, "train", train_keys, COUNT(train_keys));
  sweep_train *o = &p->train;
  read_int(c, t, "epochs", 1, 100000, &o->epochs);
  read_int(c, t, "batch", 1, 4096, &o->batch);
  read_enum(c, t, "optimizer", optimizers, COUNT(optimizers), o->optimizer, sizeof o->optimizer);
  read_double(c, t, "lr", 1e-12, 10, &o->lr);
  read_double(c, t, "weight_decay", 0, 10, &o->weight_decay);
  read_enum(c, t, "loss", losses, COUNT(losses), o->loss, sizeof o->loss);
  read_double(c, t, "val_fraction", 0, 0.9, &o->val_fraction);
  read_int(c, t, "patches_per_volume", 1, 100000, &o->patches_per_volume);
  read_int(c, t, "early_stop", 0, 100000, &o->early_stop);
  read_enum(c, t, "lr_schedule", lr_schedules, COUNT(lr_schedules), o->lr_schedule,
            sizeof o->lr_schedule);
  read_int(c, t, "warmup_epochs", 0, 100000, &o->warmup_epochs);
  read_enum(c, t, "precision", precisions, COUNT(precisions), o->precision, sizeof o->precision);
  const sw_node *wu = sw_map_get(t, "warmup_epochs");
  if (wu && o->warmup_epochs >= o->epochs)
    sw_error(c, wu, "warmup_epochs %d leaves no epoch at the full learning rate of %d epochs; "
             "use warmup_epochs < epochs", o->warmup_epochs, o->epochs);
  const sw_node *aug = sw_map_get(t, "augment");
  if (!aug) return;
  int picked[COUNT(augments)], n = 0;
  // `augment: []` turns augmentation off; it is the one list allowed empty.
  if (aug->kind == SW_SEQ && aug->n == 0) {
    o->augment = 0;
    return;
  }
  if (read_name_list(c, aug, "train.augment", augments, COUNT(augments), picked, &n) == 0) {
    o->augment = 0;
    for (int i = 0; i < n; i++) o->augment |= 1u << picked[i];
  }
}

// engine: {device: cpu | cuda}: where the networks train and infer.
static void read_engine(sw_ctx *c, const sw_node *e, sweep_plan *p) {
  static const char *const keys[] = {"device"};
  if (!sw_is_map(c, e, "engine")) return;
  sw_check_keys(c, e, "engine", keys, COUNT(keys));
  read_enum(c, e, "device", devices, COUNT(devices), p->device, sizeof p->device);
}

// train.precision other than fp32 is CUDA arithmetic (docs/gpu.md); the CPU
// engine computes in fp32 only, so a CPU run refuses it rather than quietly
// training another way than the spec says.
static void check_precision(sw_ctx *c, const sw_node *root, const sweep_plan *p) {
  const sw_node *t = sw_map_get(root, "train");
  const sw_node *n = t && t->kind == SW_MAP ? sw_map_get(t, "precision") : NULL;
  if (!n || strcmp(p->train.precision, "fp32") == 0 || strcmp(p->device, "cuda") == 0) return;
  sw_error(c, n, "train.precision %s needs engine.device: cuda (the CPU engine computes in "
           "fp32); set engine.device: cuda (or run --device cuda), or use precision fp32",
           p->train.precision);
}

static void read_metrics(sw_ctx *c, const sw_node *m, sweep_plan *p) {
  int picked[COUNT(metric_names)], n = 0;
  if (m) {
    if (read_name_list(c, m, "metrics", metric_names, COUNT(metric_names), picked, &n)) return;
  } else {
    for (; n < COUNT(metric_names); n++) picked[n] = n;
  }
  p->metrics = calloc((size_t)n, sizeof *p->metrics);
  if (!p->metrics) return;
  for (int i = 0; i < n; i++) p->metrics[i] = sw_strdup(metric_names[picked[i]]);
  p->n_metrics = n;
}

static void read_grid(sw_ctx *c, const sw_node *g, sweep_plan *p) {
  if (g->kind != SW_SEQ || g->n != 3) {
    sw_error(c, g, "grid must be a list of three sizes [x, y, z], e.g. [64, 64, 32]");
    return;
  }
  for (int i = 0; i < 3; i++) {
    long v;
    if (sw_get_int(c, g->items[i], 1, 1024, &v) == 0) p->grid[i] = (int)v;
  }
}

static void read_ground_truth(sw_ctx *c, const sw_node *g, sweep_plan *p) {
  static const char *const keys[] = {"GT50", "GT25"};
  if (!sw_is_map(c, g, "ground_truth")) return;
  sw_check_keys(c, g, "ground_truth", keys, COUNT(keys));
  read_double(c, g, "GT50", 1e-6, 1, &p->gt_fraction[1]);
  read_double(c, g, "GT25", 1e-6, 1, &p->gt_fraction[2]);
  const sw_node *n = sw_map_get(g, "GT25");
  if (n && p->gt_fraction[2] > p->gt_fraction[1])
    sw_error(c, n, "GT25 (%g) must not exceed GT50 (%g)", p->gt_fraction[2], p->gt_fraction[1]);
}

static void read_snr_groups(sw_ctx *c, const sw_node *g, sweep_plan *p) {
  long k;
  if (g->kind == SW_MAP) {
    static const char *const keys[] = {"k"};
    sw_check_keys(c, g, "snr_groups", keys, 1);
    g = sw_map_get(g, "k");
    if (!g) return;
  }
  if (sw_get_int(c, g, 1, 16, &k) == 0) p->snr_k = (int)k;
}

// p->name holds the default (the spec file's stem) on entry.
static void read_identity(sw_ctx *c, const sw_node *root, sweep_plan *p) {
  const sw_node *n = sw_map_get(root, "name");
  const char *s;
  if (n && sw_get_str(c, n, &s) == 0) {
    if (!*s || strchr(s, '/')) sw_error(c, n, "name must be non-empty and hold no '/'");
    char *name = sw_strdup(s);
    if (name) {
      free(p->name);
      p->name = name;
    }
  }
  n = sw_map_get(root, "seed");
  long seed;
  if (n && sw_get_int(c, n, 0, 0x7fffffffffffffffL, &seed) == 0) p->seed = (uint64_t)seed;
  static const char *const rem[] = {"drop", "error"};
  n = sw_map_get(root, "remainder");
  int r;
  if (n && sw_get_enum(c, n, rem, 2, &r) == 0) p->remainder_error = r;
  static const char *const keep[] = {"none", "sample", "all"};
  n = sw_map_get(root, "keep_volumes");
  if (n && sw_get_enum(c, n, keep, 3, &r) == 0) p->keep_volumes = r;
}

void sw_schema_read(sw_ctx *c, const sw_node *root, const char *spec_dir, sweep_plan *p) {
  set_defaults(p);
  sw_check_keys(c, root, "the spec", top_keys, COUNT(top_keys));
  const sw_node *n;
  read_identity(c, root, p);
  if ((n = sw_map_get(root, "ground_truth"))) read_ground_truth(c, n, p);
  if ((n = sw_map_get(root, "grid"))) read_grid(c, n, p);
  read_int(c, root, "folds", 2, 100, &p->folds);
  if ((n = sw_map_get(root, "snr_groups"))) read_snr_groups(c, n, p);
  if ((n = sw_map_get(root, "train"))) read_train(c, n, p);
  if ((n = sw_map_get(root, "engine"))) read_engine(c, n, p);
  check_precision(c, root, p);
  read_metrics(c, sw_map_get(root, "metrics"), p);
  sw_models_read(c, sw_map_get(root, "models"), p);
  n = sw_map_get(root, "data");
  if (!n)
    sw_error(c, root, "missing key 'data': add `data: {bids: PATH}` or `data: {phantom: {...}}`");
  else
    sw_data_read(c, n, spec_dir, p);
  if (p->n_subjects > 0) {
    n = sw_map_get(root, "folds");
    // Folds split participants, not scans (sessions and runs stay together).
    int parts = sweep_n_participants(p);
    if (p->folds > parts)
      sw_error(c, n ? n : root, "%d folds need at least %d subjects; the data has %d", p->folds,
               p->folds, parts);
    n = sw_map_get(root, "snr_groups");
    if (p->snr_k > p->n_subjects)
      sw_error(c, n ? n : root, "%d SNR groups need at least %d subjects; the data has %d",
               p->snr_k, p->snr_k, p->n_subjects);
  }
  sw_models_check_grid(c, root, p);
}
