// sweep:, experiments:, exclude: and include: read into one axis set per
// experiment. Experiments inherit the sweep: axes and the top-level
// exclude/include lists, then override or add axes of their own.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"

const char *const sw_axis_names[AX_COUNT] = {
    "strategy", "nav",        "m0",         "snr_group",       "model",
    "nav_post", "train_target", "test_input", "train_snr_group", "test_snr_group"};

static const char *const strategies[] = {"windowed", "interleaved"};
static const char *const targets[] = {"GT25", "GT50", "GT100"};
static const char *const inputs[] = {"pre", "GT25", "GT50"};

static int snr_label(sw_ctx *c, const sweep_plan *p, const sw_node *v, char *out) {
  const char *names[17];
  char bufs[16][8];
  names[0] = "all";
  for (int g = 0; g < p->snr_k && g < 16; g++)
    names[g + 1] = sweep_snr_group_name(p, g, bufs[g], sizeof bufs[g]);
  int i;
  if (sw_get_enum(c, v, names, p->snr_k + 1, &i)) return -1;
  snprintf(out, SW_LABEL, "%s", names[i]);
  return 0;
}

int sw_axis_label(sw_ctx *c, const sweep_plan *p, int axis, const sw_node *v, char *out) {
  int i;
  long n;
  switch (axis) {
  case AX_STRATEGY:
    if (sw_get_enum(c, v, strategies, 2, &i)) return -1;
    snprintf(out, SW_LABEL, "%s", strategies[i]);
    return 0;
  case AX_NAV:
  case AX_NAV_POST:
    if (sw_get_int(c, v, 1, 100000, &n)) return -1;
    snprintf(out, SW_LABEL, "%ld", n);
    return 0;
  case AX_M0: {
    static const char *const m0[] = {"off", "on", "false", "true", "no", "yes"};
    if (sw_get_enum(c, v, m0, 6, &i)) return -1;
    snprintf(out, SW_LABEL, "%s", i % 2 ? "on" : "off");
    return 0;
  }
  case AX_SNR:
  case AX_TRAIN_SNR:
  case AX_TEST_SNR:
    return snr_label(c, p, v, out);
  case AX_MODEL: {
    int k = p->n_models;
    if (k == 0) return -1; // models: itself is reported
    // As many names as the spec defines: no fixed list to outgrow.
    const char **names = malloc(sizeof *names * (size_t)k);
    if (!names) {
      sw_error(c, v, "out of memory listing %d models", k);
      return -1;
    }
    for (int m = 0; m < k; m++) names[m] = p->models[m].name;
    int rc = sw_get_enum(c, v, names, k, &i);
    if (!rc) snprintf(out, SW_LABEL, "%s", names[i]);
    free(names);
    return rc ? -1 : 0;
  }
  case AX_TRAIN_TARGET:
    if (sw_get_enum(c, v, targets, 3, &i)) return -1;
    snprintf(out, SW_LABEL, "%s", targets[i]);
    return 0;
  default:
    if (sw_get_enum(c, v, inputs, 3, &i)) return -1;
    snprintf(out, SW_LABEL, "%s", inputs[i]);
    return 0;
  }
}

static int axis_id(const char *name) {
  for (int a = 0; a < AX_COUNT; a++)
    if (strcmp(name, sw_axis_names[a]) == 0) return a;
  return -1;
}

static void axis_free(sw_axis *x) {
  free(x->labels);
  free(x->at);
  memset(x, 0, sizeof *x);
}

static int axis_push(sw_axis *x, const char *label, const sw_node *at) {
  char(*l)[SW_LABEL] = realloc(x->labels, (size_t)(x->n + 1) * sizeof *l);
  if (!l) return -1;
  x->labels = l;
  const sw_node **a = realloc(x->at, (size_t)(x->n + 1) * sizeof *a);
  if (!a) return -1;
  x->at = a;
  snprintf(x->labels[x->n], SW_LABEL, "%s", label);
  x->at[x->n++] = at;
  return 0;
}

// One axis as written: a value or a list of values, none repeated.
static void read_axis(sw_ctx *c, const sweep_plan *p, int axis, const sw_node *n, sw_axis *x) {
  axis_free(x);
  x->present = 1;
  x->node = n;
  if (n->kind == SW_MAP) {
    sw_error(c, n, "axis '%s' must be a value or a list of values", sw_axis_names[axis]);
    return;
  }
  if (n->kind == SW_SEQ && n->n == 0) {
    sw_error(c, n, "axis '%s' is empty; give at least one value", sw_axis_names[axis]);
    return;
  }
  int items = n->kind == SW_SEQ ? n->n : 1;
  for (int i = 0; i < items; i++) {
    const sw_node *v = n->kind == SW_SEQ ? n->items[i] : n;
    char label[SW_LABEL];
    if (sw_axis_label(c, p, axis, v, label)) continue;
    int dup = 0;
    for (int j = 0; j < x->n && !dup; j++) dup = strcmp(x->labels[j], label) == 0;
    if (dup)
      sw_error(c, v, "'%s' appears twice on axis '%s'", label, sw_axis_names[axis]);
    else
      axis_push(x, label, v);
  }
  x->n_base = x->n;
}

static void default_axes(const sweep_plan *p, const sw_node *root, sw_exp *e) {
  static const char *const dflt[][5] = {
      {"windowed", "interleaved"}, {"2", "4", "8", "16"}, {"off", "on"}, {"all"}};
  static const int n_dflt[] = {2, 4, 2, 1};
  for (int a = 0; a < 4; a++) {
    e->ax[a].present = 1;
    for (int i = 0; i < n_dflt[a]; i++) axis_push(&e->ax[a], dflt[a][i], root);
  }
  e->ax[AX_MODEL].present = 1;
  for (int m = 0; m < p->n_models; m++) axis_push(&e->ax[AX_MODEL], p->models[m].name, root);
  for (int a = 0; a <= AX_MODEL; a++) {
    e->ax[a].n_base = e->ax[a].n;
    e->ax[a].node = root;
  }
}

// Axis keys of a mapping (sweep: or an experiment) into e.
static void read_axes_of(sw_ctx *c, const sweep_plan *p, const sw_node *map, sw_exp *e) {
  for (int i = 0; i < map->n; i++) {
    int a = axis_id(map->keys[i]->str);
    if (a >= 0) read_axis(c, p, a, map->items[i], &e->ax[a]);
  }
}

// exclude:/include: entries appended to *list.
static void read_assigns(sw_ctx *c, const sweep_plan *p, const sw_node *n, const char *what,
                         int inherited, sw_assign **list, int *count) {
  if (n->kind != SW_SEQ) {
    sw_error(c, n, "%s must be a list of axis assignments, e.g. [{nav: 2, m0: on}]", what);
    return;
  }
  for (int i = 0; i < n->n; i++) {
    const sw_node *m = n->items[i];
    if (!sw_is_map(c, m, what)) continue;
    if (m->n == 0) {
      sw_error(c, m, "empty entry in %s; name at least one axis", what);
      continue;
    }
    sw_check_keys(c, m, what, sw_axis_names, AX_COUNT);
    sw_assign as;
    memset(&as, 0, sizeof as);
    as.node = m;
    as.inherited = inherited;
    int ok = 1;
    for (int k = 0; k < m->n; k++) {
      int a = axis_id(m->keys[k]->str);
      if (a < 0) {
        ok = 0;
        continue;
      }
      ok &= sw_axis_label(c, p, a, m->items[k], as.label[a]) == 0;
      as.set[a] = 1;
      as.at[a] = m->items[k];
    }
    if (!ok) continue;
    sw_assign *grown = realloc(*list, (size_t)(*count + 1) * sizeof *grown);
    if (!grown) return;
    *list = grown;
    grown[(*count)++] = as;
  }
}

static int copy_exp(sw_exp *dst, const sw_exp *src) {
  memset(dst, 0, sizeof *dst);
  for (int a = 0; a < AX_COUNT; a++) {
    dst->ax[a].present = src->ax[a].present;
    dst->ax[a].node = src->ax[a].node;
    for (int i = 0; i < src->ax[a].n; i++)
      if (axis_push(&dst->ax[a], src->ax[a].labels[i], src->ax[a].at[i])) return -1;
    dst->ax[a].n_base = dst->ax[a].n;
  }
  size_t ne = (size_t)src->n_exclude * sizeof *src->exclude,
         ni = (size_t)src->n_include * sizeof *src->include;
  if (ne && !(dst->exclude = malloc(ne))) return -1;
  if (ni && !(dst->include = malloc(ni))) return -1;
  if (ne) memcpy(dst->exclude, src->exclude, ne);
  if (ni) memcpy(dst->include, src->include, ni);
  dst->n_exclude = src->n_exclude;
  dst->n_include = src->n_include;
  return 0;
}

static void exp_free(sw_exp *e);

static const char *const exp_keys[] = {
    "description", "product",  "exclude",      "include",    "strategy",        "nav",
    "m0",          "snr_group", "model",       "nav_post",   "train_target",    "test_input",
    "train_snr_group", "test_snr_group"};
enum { N_EXP_KEYS = (int)(sizeof exp_keys / sizeof exp_keys[0]) };

// product: P holds Nav x Nav_post = P; without a nav_post axis of its own the
// experiment gets nav_post = P / nav for each nav.
static void read_product(sw_ctx *c, const sw_node *n, sw_exp *e) {
  long prod;
  if (sw_get_int(c, n, 1, 100000, &prod)) return;
  e->product = prod;
  e->product_at = n;
  if (e->ax[AX_NAV_POST].present) return;
  sw_axis *post = &e->ax[AX_NAV_POST];
  post->present = 1;
  post->node = n;
  const sw_axis *nav = &e->ax[AX_NAV];
  for (int i = 0; i < nav->n; i++) {
    long v = atol(nav->labels[i]);
    if (prod % v != 0) {
      sw_error(c, nav->at[i],
               "nav %ld does not divide product %ld of experiment '%s'; list only divisors of %ld",
               v, prod, e->name, prod);
      continue;
    }
    char label[SW_LABEL];
    snprintf(label, sizeof label, "%ld", prod / v);
    int dup = 0;
    for (int j = 0; j < post->n && !dup; j++) dup = strcmp(post->labels[j], label) == 0;
    if (!dup) axis_push(post, label, n);
  }
  post->n_base = post->n;
}

static int name_ok(sw_ctx *c, const sw_node *key) {
  const char *s = key->str;
  int ok = *s && strlen(s) < SW_LABEL;
  for (const char *q = s; *q && ok; q++)
    ok = (*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') ||
         *q == '_' || *q == '-';
  if (!ok)
    sw_error(c, key, "experiment name '%s' must be 1..31 letters, digits, '_' or '-'", s);
  return ok;
}

static void read_experiment(sw_ctx *c, const sweep_plan *p, const sw_exp *base,
                            const sw_node *key, const sw_node *m, sw_exp *e) {
  if (copy_exp(e, base)) return;
  e->name = sw_strdup(key->str);
  e->at = key;
  // `main:` with nothing after it (a null) inherits everything.
  if (m->kind == SW_SCALAR && !m->quoted && (!*m->str || strcmp(m->str, "~") == 0 ||
                                              strcmp(m->str, "null") == 0))
    return;
  if (!sw_is_map(c, m, "an experiment")) return;
  sw_check_keys(c, m, "an experiment", exp_keys, N_EXP_KEYS);
  read_axes_of(c, p, m, e);
  if (sw_map_get(m, "train_snr_group")) {
    // Training on train_snr_group replaces the inherited snr_group axis.
    const sw_node *own = sw_map_key(m, "snr_group");
    if (own)
      sw_error(c, own, "experiment '%s' sets both snr_group and train_snr_group; keep one",
               e->name);
    axis_free(&e->ax[AX_SNR]);
  }
  const sw_node *n;
  if ((n = sw_map_get(m, "product"))) read_product(c, n, e);
  if ((n = sw_map_get(m, "exclude")))
    read_assigns(c, p, n, "exclude", 0, &e->exclude, &e->n_exclude);
  if ((n = sw_map_get(m, "include")))
    read_assigns(c, p, n, "include", 0, &e->include, &e->n_include);
  const char *d;
  if ((n = sw_map_get(m, "description")) && sw_get_str(c, n, &d) == 0)
    e->description = sw_strdup(d);
}

void sw_study_read(sw_ctx *c, const sw_node *root, const sweep_plan *p, sw_study *s) {
  memset(s, 0, sizeof *s);
  sw_exp base;
  memset(&base, 0, sizeof base);
  default_axes(p, root, &base);
  const sw_node *sweep = sw_map_get(root, "sweep"), *exps = sw_map_get(root, "experiments"), *n;
  if (sweep && sw_is_map(c, sweep, "sweep")) {
    sw_check_keys(c, sweep, "sweep", sw_axis_names, AX_COUNT);
    read_axes_of(c, p, sweep, &base);
  }
  int inherited = exps != NULL;
  if ((n = sw_map_get(root, "exclude")))
    read_assigns(c, p, n, "exclude", inherited, &base.exclude, &base.n_exclude);
  if ((n = sw_map_get(root, "include")))
    read_assigns(c, p, n, "include", inherited, &base.include, &base.n_include);
  if (!exps) {
    base.name = sw_strdup("main");
    base.at = root;
    if (!(s->exps = malloc(sizeof *s->exps))) return;
    s->exps[0] = base;
    s->n_exps = 1;
    return;
  }
  if (sw_is_map(c, exps, "experiments")) {
    if (exps->n == 0) sw_error(c, exps, "experiments is empty; remove it or name one");
    sw_check_keys(c, exps, "experiments", NULL, 0);
    s->exps = calloc((size_t)exps->n, sizeof *s->exps);
    for (int i = 0; s->exps && i < exps->n; i++) {
      const sw_node *key = exps->keys[i];
      int dup = 0;
      for (int j = 0; j < i; j++) dup |= strcmp(exps->keys[j]->str, key->str) == 0;
      if (dup || !name_ok(c, key)) continue;
      read_experiment(c, p, &base, key, exps->items[i], &s->exps[s->n_exps++]);
    }
  }
  exp_free(&base);
}

static void exp_free(sw_exp *e) {
  for (int a = 0; a < AX_COUNT; a++) axis_free(&e->ax[a]);
  free(e->name);
  free(e->description);
  free(e->exclude);
  free(e->include);
}

void sw_study_free(sw_study *s) {
  for (int i = 0; i < s->n_exps; i++) exp_free(&s->exps[i]);
  free(s->exps);
  s->exps = NULL;
  s->n_exps = 0;
}
