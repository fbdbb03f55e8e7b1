// --baseline: paired tests of every main cell against its baseline cell,
// Holm-adjusted across the table.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "table_internal.h"
#include "name_list.h"

static const char *axis_label(const void *a, int i) { return ((const ana_axis *)a)->labels[i]; }

static asl_status resolve(const ana_table_ctx *x, const ana_table_opts *o, int *axis, int *label) {
  const ana_experiment *e = x->e;
  const ana_layout *L = x->L;
  if (strcmp(o->baseline.axis, "stage") == 0) {
    if (strcmp(o->baseline.label, "input") != 0 || o->stage == ANA_STAGE_INPUT)
      return asl_fail(ASL_EINVAL,
                      "--baseline stage=%s: only stage=input is a baseline, for the denoised stage",
                      o->baseline.label);
    *axis = -1;
    return ASL_OK;
  }
  int a = ana_exp_axis(e, o->baseline.axis), on_table = 0;
  for (int i = 0; i < L->n_row_axes; i++) on_table |= L->row_axes[i] == a;
  for (int i = 0; i < L->n_col_axes; i++) on_table |= L->col_axes[i] == a;
  if (a < 0 || a >= e->n_design || !on_table)
    return asl_fail(ASL_EINVAL,
                    "--baseline %s=%s: the baseline axis must be on the table's rows or columns "
                    "(or be stage=input)",
                    o->baseline.axis, o->baseline.label);
  int l = ana_axis_label(&e->axes[a], o->baseline.label);
  if (l < 0) {
    char list[512];
    ana_name_list(list, sizeof list, e->axes[a].n, axis_label, &e->axes[a]);
    return asl_fail(ASL_EINVAL, "--baseline %s=%s: no such label (labels: %s)", o->baseline.axis,
                    o->baseline.label, list);
  }
  *axis = a;
  *label = l;
  return ASL_OK;
}

// Tests one cell against the baseline values reached from `idx`.
static asl_status test_cell(const ana_table_ctx *x, ana_cell *cell, int *idx, int axis, int label,
                            ana_test_kind kind, double *bx, double *by) {
  int ns = ana_exp_n_subjects(x->e), stage = x->stage_out;
  if (axis >= 0) idx[axis] = label;
  else stage = x->stage_in;
  size_t base = ana_exp_cell(x->e, idx);
  int n = 0;
  for (int s = 0; s < ns; s++) {
    double b = ana_exp_value(x->c, x->e, base, s, stage, x->metric);
    if (isnan(cell->values[s]) || isnan(b)) continue;
    bx[n] = cell->values[s];
    by[n++] = b;
  }
  cell->n_pairs = n;
  if (n < (kind == ANA_TEST_TTEST ? 2 : 1)) return ASL_OK;
  ana_test r;
  asl_status st = ana_test_paired(kind, bx, by, n, &r);
  if (st == ASL_OK) cell->p = r.pvalue;
  return st;
}

asl_status ana_baseline_resolve(const ana_table_ctx *x, ana_table *t, const ana_table_opts *o,
                                int *axis, int *label) {
  *axis = *label = -1;
  asl_status st = resolve(x, o, axis, label);
  if (st) return st;
  snprintf(t->baseline, sizeof t->baseline, "%s=%s", o->baseline.axis,
           *axis >= 0 ? x->e->axes[*axis].labels[*label] : "input");
  return ASL_OK;
}

asl_status ana_baseline_test_rows(const ana_table_ctx *x, ana_table *t, int axis, int label,
                                  ana_test_kind kind, double *p) {
  int ns = t->n_subjects;
  double *bx = malloc(((size_t)ns + 1) * sizeof *bx), *by = malloc(((size_t)ns + 1) * sizeof *by);
  asl_status st = ASL_OK;
  if (!bx || !by) st = asl_fail(ASL_ENOMEM, "table %s: out of memory", t->experiment);
  for (int i = 0; st == ASL_OK && i < t->n_held * t->n_cols; i++) {
    ana_cell *cell = &t->cells[i];
    int at = t->r0 * t->n_cols + i;
    p[at] = NAN;
    if (cell->kind != ANA_CELL_MAIN) continue;
    int idx[ANA_MAX_DESIGN];
    ana_table_position_idx(x, at / t->n_cols, at % t->n_cols, idx);
    if (axis >= 0 && idx[axis] == label) continue;
    st = test_cell(x, cell, idx, axis, label, kind, bx, by);
    p[at] = cell->p;
  }
  free(bx);
  free(by);
  return st;
}

void ana_baseline_mark_rows(const ana_table_ctx *x, ana_table *t, int axis, int label,
                            const double *p, const double *p_adj, double alpha) {
  for (int i = 0; i < t->n_held * t->n_cols; i++) {
    ana_cell *cell = &t->cells[i];
    int at = t->r0 * t->n_cols + i, idx[ANA_MAX_DESIGN];
    if (cell->kind == ANA_CELL_MAIN) {
      ana_table_position_idx(x, at / t->n_cols, at % t->n_cols, idx);
      cell->is_baseline = axis >= 0 && idx[axis] == label;
    }
    cell->p = p[at];
    cell->p_adj = p_adj[at];
    cell->significant = isfinite(p_adj[at]) && p_adj[at] < alpha;
  }
}

asl_status ana_table_apply_baseline(const ana_table_ctx *x, ana_table *t, const ana_table_opts *o) {
  int axis, label;
  asl_status st = ana_baseline_resolve(x, t, o, &axis, &label);
  if (st) return st;
  int nc = t->n_rows * t->n_cols;
  double *p = malloc(((size_t)nc + 1) * sizeof *p), *q = malloc(((size_t)nc + 1) * sizeof *q);
  if (!p || !q) st = asl_fail(ASL_ENOMEM, "table %s: out of memory", t->experiment);
  if (st == ASL_OK) st = ana_baseline_test_rows(x, t, axis, label, o->test, p);
  if (st == ASL_OK) st = ana_holm(p, nc, q);
  if (st == ASL_OK) ana_baseline_mark_rows(x, t, axis, label, p, q, o->alpha);
  for (int i = 0; st == ASL_OK && i < nc; i++) t->n_tests += isfinite(q[i]) != 0;
  free(p);
  free(q);
  return st;
}
