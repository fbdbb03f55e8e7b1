// Table cells: per-subject values, summaries, best-of-row and baseline tests.
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "table_internal.h"

int ana_metric_higher_better(const char *m) {
  if (strstr(m, "mae") || strstr(m, "mse") || strstr(m, "error") || strstr(m, "loss")) return 0;
  return 1;
}

void ana_table_opts_init(ana_table_opts *o) {
  memset(o, 0, sizeof *o);
  o->format = ANA_FMT_MD;
  o->test = ANA_TEST_WILCOXON;
  o->alpha = 0.05;
}

asl_status ana_axis_value_parse(ana_axis_value *v, const char *text) {
  const char *eq = strchr(text, '=');
  size_t n = eq ? (size_t)(eq - text) : 0;
  if (!eq || n == 0 || n >= sizeof v->axis || eq[1] == '\0' || strlen(eq + 1) >= sizeof v->label)
    return asl_fail(ASL_EINVAL, "'%s': expected AXIS=LABEL, e.g. nav=4 or m0=off", text);
  memcpy(v->axis, text, n);
  v->axis[n] = '\0';
  snprintf(v->label, sizeof v->label, "%s", eq + 1);
  return ASL_OK;
}

// Per-subject values of the design cells reached from `idx` by every label
// combination of the `vary` axes: the first finite value per subject, in
// combination order. Cell by cell, so a lazily read experiment reads each
// cell once. Also counts the subjects the cell should have
// (ana_exp_subject_expected, for the last combination).
static void gather(const ana_table_ctx *x, int *idx, const int *vary, int n_vary, int stage,
                   double *out, int *expected) {
  int ns = ana_exp_n_subjects(x->e), nc = ana_combo_count(x->e, vary, n_vary);
  for (int s = 0; s < ns; s++) out[s] = NAN;
  for (int k = 0; k < nc; k++) {
    ana_combo_decode(x->e, vary, n_vary, k, idx);
    size_t cell = ana_exp_cell(x->e, idx);
    for (int s = 0; s < ns; s++)
      if (isnan(out[s])) out[s] = ana_exp_value(x->c, x->e, cell, s, stage, x->metric);
  }
  *expected = 0;
  for (int s = 0; s < ns; s++) *expected += ana_exp_subject_expected(x->c, x->e, idx, s);
}

// Design indices of table position (r, c): the fixed labels, then the row
// and column combinations (reference entries decode only their kept axes).
void ana_table_position_idx(const ana_table_ctx *x, int r, int col, int *idx) {
  const ana_layout *L = x->L;
  for (int a = 0; a < x->e->n_design; a++) idx[a] = L->fixed[a] >= 0 ? L->fixed[a] : 0;
  int main_r = r < L->n_rows, main_c = col < L->n_cols;
  if (main_r) ana_combo_decode(x->e, L->row_axes, L->n_row_axes, r, idx);
  else ana_combo_decode(x->e, L->ref_keep, L->n_ref_keep, r - L->n_rows, idx);
  if (main_c) ana_combo_decode(x->e, L->col_axes, L->n_col_axes, col, idx);
  else ana_combo_decode(x->e, L->ref_keep, L->n_ref_keep, col - L->n_cols, idx);
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

// The distinct values /jobs/chosen_param holds for the jobs that wrote the
// design cell at idx (one per fold for a tuned baseline), ascending.
static void tuned_values(const ana_table_ctx *x, const int *idx, char *out, size_t len) {
  int ns = ana_exp_n_subjects(x->e), n = 0;
  double v[64];
  size_t cell = ana_exp_cell(x->e, idx);
  out[0] = '\0';
  for (int s = 0; s < ns && n < 64; s++) {
    int j = ana_exp_job(x->e, cell, s);
    double c = j >= 0 && j < x->c->jobs.n ? x->c->jobs.chosen_param[j] : NAN;
    int seen = !isfinite(c);
    for (int k = 0; k < n && !seen; k++) seen = v[k] == c;
    if (!seen) v[n++] = c;
  }
  qsort(v, (size_t)n, sizeof *v, by_value);
  for (int k = 0; k < n && strlen(out) + 1 < len; k++)
    snprintf(out + strlen(out), len - strlen(out), "%s%g", k ? "/" : "", v[k]);
}

// n and mean as ana_summarize gives them (same sums, same order), the rest
// NaN: all a table's first pass needs.
static void count_and_mean(const double *v, int n, ana_summary *out) {
  double sum = 0;
  int k = 0;
  for (int i = 0; i < n; i++)
    if (isfinite(v[i])) sum += v[i], k++;
  out->n = k;
  out->sd = out->median = out->q1 = out->q3 = out->iqr = NAN;
  out->mean = k ? sum / k : NAN;
}

static void fill_cell(const ana_table_ctx *x, ana_table *t, int r, int col, int numbers_only) {
  const ana_layout *L = x->L;
  ana_cell *cell = &t->cells[(r - t->r0) * t->n_cols + col];
  double *values = cell->values;
  memset(cell, 0, sizeof *cell);
  cell->values = values;
  int idx[ANA_MAX_DESIGN];
  int ref = r >= L->n_rows || col >= L->n_cols;
  ana_table_position_idx(x, r, col, idx);
  cell->kind = ref ? ANA_CELL_REFERENCE : ANA_CELL_MAIN;
  cell->p = cell->p_adj = NAN;
  if (ref) gather(x, idx, L->ref_vary, L->n_ref_vary, x->stage_in, cell->values, &cell->expected);
  else gather(x, idx, NULL, 0, x->stage_out, cell->values, &cell->expected);
  if (numbers_only) {
    count_and_mean(cell->values, t->n_subjects, &cell->s);
    return;
  }
  if (!ref && t->show_params) tuned_values(x, idx, cell->tuned, sizeof cell->tuned);
  ana_summarize(cell->values, t->n_subjects, &cell->s);
}

int ana_table_max_n(const ana_table *t) {
  int max_n = 0;
  for (int i = 0; i < t->n_held * t->n_cols; i++)
    if (t->cells[i].s.n > max_n) max_n = t->cells[i].s.n;
  return max_n;
}

void ana_table_mark_best(ana_table *t, int max_n) {
  for (int r = 0; r < t->n_held; r++) {
    double best = NAN;
    for (int c = 0; c < t->n_cols; c++) {
      ana_cell *x = &t->cells[r * t->n_cols + c];
      if (x->expected == 0) x->expected = max_n; // no subject of its group: the fullest cell
      if (x->kind != ANA_CELL_MAIN || x->s.n == 0) continue;
      if (isnan(best) || (t->higher_better ? x->s.mean > best : x->s.mean < best)) best = x->s.mean;
    }
    for (int c = 0; c < t->n_cols; c++) {
      ana_cell *x = &t->cells[r * t->n_cols + c];
      x->best = x->kind == ANA_CELL_MAIN && x->s.n > 0 && x->s.mean == best;
    }
  }
}

static void label_rows(const ana_table_ctx *x, ana_table *t) {
  const ana_layout *L = x->L;
  int idx[ANA_MAX_DESIGN];
  for (int i = 0; i < t->n_held; i++) {
    int r = t->r0 + i;
    ana_table_position_idx(x, r, 0, idx);
    if (r < L->n_rows) {
      ana_combo_label(x->e, L->row_axes, L->n_row_axes, idx, t->row_labels[i], 128);
    } else {
      char k[100];
      ana_combo_label(x->e, L->ref_keep, L->n_ref_keep, idx, k, sizeof k);
      snprintf(t->row_labels[i], 128, k[0] ? "input (%s)" : "input", k);
    }
    if (t->row_labels[i][0] == '\0') snprintf(t->row_labels[i], 128, "%s", x->e->name);
  }
}

static void label_cols(const ana_table_ctx *x, ana_table *t) {
  const ana_layout *L = x->L;
  int idx[ANA_MAX_DESIGN];
  for (int c = 0; c < t->n_cols; c++) {
    ana_table_position_idx(x, 0, c, idx);
    if (c < L->n_cols) {
      ana_combo_label(x->e, L->col_axes, L->n_col_axes, idx, t->col_labels[c], 128);
    } else {
      char k[100];
      ana_combo_label(x->e, L->ref_keep, L->n_ref_keep, idx, k, sizeof k);
      snprintf(t->col_labels[c], 128, k[0] ? "input (%s)" : "input", k);
    }
    if (t->col_labels[c][0] == '\0') snprintf(t->col_labels[c], 128, "%s", t->metric);
  }
}

static void describe(const ana_table_ctx *x, ana_table *t) {
  const ana_layout *L = x->L;
  for (int i = 0; i < L->n_row_axes; i++)
    snprintf(t->row_axes[t->n_row_axes++], ANA_LABEL_LEN, "%s", x->e->axes[L->row_axes[i]].name);
  for (int i = 0; i < L->n_col_axes; i++)
    snprintf(t->col_axes[t->n_col_axes++], ANA_LABEL_LEN, "%s", x->e->axes[L->col_axes[i]].name);
  for (int a = 0; a < x->e->n_design; a++)
    if (L->fixed[a] >= 0)
      snprintf(t->fixed + strlen(t->fixed), sizeof t->fixed - strlen(t->fixed), "%s%s=%s",
               t->fixed[0] ? ", " : "", x->e->axes[a].name, x->e->axes[a].labels[L->fixed[a]]);
}

asl_status ana_table_begin(ana_table *t, ana_layout *L, ana_table_ctx *x, const ana_cube *c,
                           const ana_experiment *e, int metric, const ana_table_opts *o,
                           int cap_rows) {
  memset(t, 0, sizeof *t);
  asl_status st = ana_layout_resolve(L, e, o);
  if (st) return st;
  int stage_in = ana_axis_label(&e->axes[e->n_design + 1], "input");
  int stage_out = ana_axis_label(&e->axes[e->n_design + 1], "denoised");
  if (stage_in < 0 || stage_out < 0)
    return asl_fail(ASL_EFORMAT, "%s: experiment %s: stage axis must hold 'input' and 'denoised'",
                    c->path, e->name);
  *x = (ana_table_ctx){c, e, L, metric, stage_in,
                       o->stage == ANA_STAGE_INPUT ? stage_in : stage_out};
  snprintf(t->experiment, sizeof t->experiment, "%s", e->name);
  snprintf(t->metric, sizeof t->metric, "%s", e->axes[e->n_design + 2].labels[metric]);
  t->higher_better = ana_metric_higher_better(t->metric);
  t->stage_name = o->stage == ANA_STAGE_INPUT ? "input" : "denoised";
  t->test = o->test;
  t->alpha = o->alpha;
  t->show_params = o->show_params;
  t->n_subjects = ana_exp_n_subjects(e);
  t->n_rows = L->n_rows + (L->ref_mode == ANA_REF_ROWS ? L->n_ref : 0);
  t->n_cols = L->n_cols + (L->ref_mode == ANA_REF_COLS ? L->n_ref : 0);
  t->cap_rows = cap_rows < t->n_rows ? cap_rows : t->n_rows;
  size_t nc = (size_t)t->cap_rows * (size_t)t->n_cols;
  t->cells = calloc(nc ? nc : 1, sizeof *t->cells);
  t->row_labels = calloc(t->cap_rows ? (size_t)t->cap_rows : 1, sizeof *t->row_labels);
  t->col_labels = calloc(t->n_cols ? (size_t)t->n_cols : 1, sizeof *t->col_labels);
  int ok = t->cells && t->row_labels && t->col_labels;
  for (size_t i = 0; ok && i < nc; i++)
    ok = (t->cells[i].values = malloc(((size_t)t->n_subjects + 1) * sizeof(double))) != NULL;
  if (!ok) {
    ana_table_free(t);
    return asl_fail(ASL_ENOMEM, "table %s: out of memory (%d x %d cells)", e->name, t->n_rows,
                    t->n_cols);
  }
  describe(x, t);
  label_cols(x, t);
  // A row's cells (a reference entry's pooled ones, the baselines) are read
  // together: the cache must hold that many runs, or it reads a run a cell.
  int pool = L->n_ref_vary ? ana_combo_count(e, L->ref_vary, L->n_ref_vary) : 1;
  st = ana_exp_plan_reads(e, (size_t)t->n_cols * (size_t)(pool + 1));
  if (st) ana_table_free(t);
  return st;
}

void ana_table_fill_rows(const ana_table_ctx *x, ana_table *t, int r0, int n, int numbers_only) {
  t->r0 = r0;
  t->n_held = n;
  if (!numbers_only) label_rows(x, t);
  for (int r = r0; r < r0 + n; r++)
    for (int col = 0; col < t->n_cols; col++) fill_cell(x, t, r, col, numbers_only);
}

asl_status ana_table_build(ana_table *t, const ana_cube *c, const ana_experiment *e, int metric,
                           const ana_table_opts *o) {
  ana_layout L;
  ana_table_ctx x;
  asl_status st = ana_table_begin(t, &L, &x, c, e, metric, o, INT32_MAX);
  if (st) return st;
  ana_table_fill_rows(&x, t, 0, t->n_rows, 0);
  ana_table_mark_best(t, ana_table_max_n(t));
  if (o->has_baseline) st = ana_table_apply_baseline(&x, t, o);
  if (st) ana_table_free(t);
  return st;
}

void ana_table_free(ana_table *t) {
  if (t->cells)
    for (int i = 0; i < t->cap_rows * t->n_cols; i++) free(t->cells[i].values);
  free(t->cells);
  free(t->row_labels);
  free(t->col_labels);
  memset(t, 0, sizeof *t);
}
