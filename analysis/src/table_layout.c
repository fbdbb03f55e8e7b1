// Placing design axes on rows, columns or fixed labels; default layouts.
#include <stdio.h>
#include <string.h>

#include "table_internal.h"
#include "name_list.h"

// The paper's layout per experiment (axes missing from a cube are skipped).
typedef struct {
  const char *experiment;
  const char *rows[2], *cols[3];
} default_layout;

static const default_layout defaults[] = {
    {"main", {"nav"}, {"strategy", "m0"}},
    {"snr_matching", {"train_snr_group"}, {"test_snr_group"}},
    {"generalization", {"train_target"}, {"test_input"}},
    {"post_averaging", {"nav"}, {"nav_post"}},
};

// Axes that change only the network, never its input: the input reference
// pools over them (docs/analysis.md).
static int network_only(const char *axis) {
  static const char *names[] = {"m0", "model", "train_target", "train_snr_group"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strcmp(axis, names[i]) == 0) return 1;
  return 0;
}

static int design_axis(const ana_experiment *e, const char *name) {
  int a = ana_exp_axis(e, name);
  return a >= 0 && a < e->n_design ? a : -1;
}

static void axis_list(const ana_experiment *e, char *out, size_t len) {
  out[0] = '\0';
  for (int i = 0; i < e->n_design; i++)
    snprintf(out + strlen(out), len - strlen(out), "%s%s", i ? ", " : "", e->axes[i].name);
}

static const char *axis_label(const void *a, int i) { return ((const ana_axis *)a)->labels[i]; }

static void label_list(const ana_axis *a, char *out, size_t len) {
  ana_name_list(out, len, a->n, axis_label, a);
}

// placed[a]: 0 free, 1 row, 2 col, 3 fixed by --where.
static asl_status place_user(ana_layout *L, int *placed, const ana_experiment *e,
                             const char (*names)[ANA_LABEL_LEN], int n, int side) {
  char list[512];
  for (int i = 0; i < n; i++) {
    int a = design_axis(e, names[i]);
    axis_list(e, list, sizeof list);
    if (a < 0)
      return asl_fail(ASL_EINVAL, "experiment %s has no axis '%s' for --%s (axes: %s)", e->name,
                      names[i], side == 1 ? "rows" : "cols", list);
    if (placed[a])
      return asl_fail(ASL_EINVAL, "axis %s is placed twice (rows, cols and --where exclude each other)",
                      names[i]);
    placed[a] = side;
    if (side == 1) L->row_axes[L->n_row_axes++] = a;
    else L->col_axes[L->n_col_axes++] = a;
  }
  return ASL_OK;
}

static void place_defaults(ana_layout *L, int *placed, const ana_experiment *e, int want_rows,
                           int want_cols) {
  for (size_t d = 0; d < sizeof defaults / sizeof defaults[0]; d++) {
    if (strcmp(defaults[d].experiment, e->name) != 0) continue;
    for (int i = 0; want_rows && i < 2 && defaults[d].rows[i]; i++) {
      int a = design_axis(e, defaults[d].rows[i]);
      if (a >= 0 && !placed[a] && L->n_row_axes < ANA_TABLE_MAX_AXES)
        placed[a] = 1, L->row_axes[L->n_row_axes++] = a;
    }
    for (int i = 0; want_cols && i < 3 && defaults[d].cols[i]; i++) {
      int a = design_axis(e, defaults[d].cols[i]);
      if (a >= 0 && !placed[a] && L->n_col_axes < ANA_TABLE_MAX_AXES)
        placed[a] = 2, L->col_axes[L->n_col_axes++] = a;
    }
  }
  // Any other experiment: the first free multi-label axes become rows, then columns.
  for (int a = 0; a < e->n_design; a++) {
    if (placed[a] || e->axes[a].n < 2) continue;
    if (want_rows && L->n_row_axes == 0) placed[a] = 1, L->row_axes[L->n_row_axes++] = a;
    else if (want_cols && L->n_col_axes == 0) placed[a] = 2, L->col_axes[L->n_col_axes++] = a;
  }
  // With the default rows, axes still free (the model axis beside its
  // baselines, the SNR group) become outer row axes, so a default table
  // shows every condition as the paper's stacked tables do.
  if (!want_rows) return;
  for (int a = e->n_design - 1; a >= 0; a--) {
    if (placed[a] || e->axes[a].n < 2 || L->n_row_axes >= ANA_TABLE_MAX_AXES) continue;
    memmove(L->row_axes + 1, L->row_axes, sizeof(int) * (size_t)L->n_row_axes);
    L->row_axes[0] = a;
    L->n_row_axes++;
    placed[a] = 1;
  }
}

static asl_status place_where(int *placed, ana_layout *L, const ana_experiment *e,
                              const ana_table_opts *o) {
  char list[1024];
  for (int i = 0; i < o->n_where; i++) {
    int a = design_axis(e, o->where[i].axis);
    if (a < 0) {
      axis_list(e, list, sizeof list);
      return asl_fail(ASL_EINVAL, "--where %s=%s: experiment %s has no axis %s (axes: %s)",
                      o->where[i].axis, o->where[i].label, e->name, o->where[i].axis, list);
    }
    int l = ana_axis_label(&e->axes[a], o->where[i].label);
    if (l < 0) {
      label_list(&e->axes[a], list, sizeof list);
      return asl_fail(ASL_EINVAL, "--where %s=%s: axis %s of %s has no label %s (labels: %s)",
                      o->where[i].axis, o->where[i].label, o->where[i].axis, e->name,
                      o->where[i].label, list);
    }
    placed[a] = 3;
    L->fixed[a] = l;
  }
  return ASL_OK;
}

// Every axis left over must have one label; otherwise the table would mix
// conditions silently, so refuse and say which axes and labels remain.
static asl_status fix_rest(ana_layout *L, const int *placed, const ana_experiment *e) {
  char msg[1536] = "", labels[512];
  for (int a = 0; a < e->n_design; a++) {
    if (placed[a]) continue;
    if (e->axes[a].n == 1) {
      L->fixed[a] = 0;
      continue;
    }
    label_list(&e->axes[a], labels, sizeof labels);
    snprintf(msg + strlen(msg), sizeof msg - strlen(msg), "%s%s (%s)", msg[0] ? "; " : "",
             e->axes[a].name, labels);
  }
  if (msg[0])
    return asl_fail(ASL_EINVAL,
                    "experiment %s: axes not placed: %s; put them on --rows/--cols or fix one "
                    "label with --where AXIS=LABEL",
                    e->name, msg);
  return ASL_OK;
}

static void plan_reference(ana_layout *L, const ana_experiment *e, ana_stage_sel stage) {
  L->ref_mode = ANA_REF_NONE;
  L->n_ref = 0;
  if (stage != ANA_STAGE_DEFAULT) return;
  int row_net = 0, col_net = 0;
  for (int i = 0; i < L->n_row_axes; i++) row_net |= network_only(e->axes[L->row_axes[i]].name);
  for (int i = 0; i < L->n_col_axes; i++) col_net |= network_only(e->axes[L->col_axes[i]].name);
  int rows = row_net && !col_net;
  L->ref_mode = rows ? ANA_REF_ROWS : ANA_REF_COLS;
  const int *axes = rows ? L->row_axes : L->col_axes;
  int n = rows ? L->n_row_axes : L->n_col_axes;
  L->n_ref_keep = L->n_ref_vary = 0;
  for (int i = 0; i < n; i++) {
    if (network_only(e->axes[axes[i]].name)) L->ref_vary[L->n_ref_vary++] = axes[i];
    else L->ref_keep[L->n_ref_keep++] = axes[i];
  }
  L->n_ref = ana_combo_count(e, L->ref_keep, L->n_ref_keep);
}

asl_status ana_layout_resolve(ana_layout *L, const ana_experiment *e, const ana_table_opts *o) {
  memset(L, 0, sizeof *L);
  if (e->n_design > ANA_MAX_DESIGN)
    return asl_fail(ASL_EFORMAT, "experiment %s has %d axes, at most %d supported", e->name,
                    e->n_design, ANA_MAX_DESIGN);
  int placed[ANA_MAX_DESIGN] = {0};
  for (int a = 0; a < e->n_design; a++) L->fixed[a] = -1;
  asl_status st = place_where(placed, L, e, o);
  if (st == ASL_OK) st = place_user(L, placed, e, o->rows, o->n_rows, 1);
  if (st == ASL_OK) st = place_user(L, placed, e, o->cols, o->n_cols, 2);
  if (st) return st;
  place_defaults(L, placed, e, o->n_rows == 0, o->n_cols == 0);
  st = fix_rest(L, placed, e);
  if (st) return st;
  L->n_rows = ana_combo_count(e, L->row_axes, L->n_row_axes);
  L->n_cols = ana_combo_count(e, L->col_axes, L->n_col_axes);
  plan_reference(L, e, o->stage);
  return ASL_OK;
}

void ana_combo_decode(const ana_experiment *e, const int *axes, int n_axes, int combo, int *idx) {
  for (int i = n_axes - 1; i >= 0; i--) {
    idx[axes[i]] = combo % e->axes[axes[i]].n;
    combo /= e->axes[axes[i]].n;
  }
}

int ana_combo_count(const ana_experiment *e, const int *axes, int n_axes) {
  int n = 1;
  for (int i = 0; i < n_axes; i++) n *= e->axes[axes[i]].n;
  return n;
}

void ana_combo_label(const ana_experiment *e, const int *axes, int n_axes, const int *idx,
                     char *out, size_t len) {
  out[0] = '\0';
  for (int i = 0; i < n_axes; i++) {
    const ana_axis *a = &e->axes[axes[i]];
    if (i == 0) snprintf(out, len, "%s", a->labels[idx[axes[i]]]);
    else snprintf(out + strlen(out), len - strlen(out), ", %s=%s", a->name, a->labels[idx[axes[i]]]);
  }
}
