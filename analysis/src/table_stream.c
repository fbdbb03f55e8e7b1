// A table written while it is built, STREAM_ROWS rows at a time, so that a
// table of every cell of a large study (its rows growing with it) needs no
// more memory than a small one. A table of more rows is built twice: the
// first pass only gathers what its text needs from all cells (decimals,
// the shared n of the legend, the fullest cell's n, the p-values for Holm's
// adjustment), the second builds and writes the rows. The bytes are those of
// ana_table_build + ana_table_render (tests/analysis/test_table_lazy.c).
#include <math.h>
#include <stdlib.h>

#include "table_internal.h"

#define STREAM_ROWS 256

static int stream_rows = STREAM_ROWS;

void ana_table_set_stream_rows(int rows) { stream_rows = rows > 0 ? rows : STREAM_ROWS; }

typedef struct {
  const ana_table_ctx *x;
  ana_table *t;
  const ana_table_opts *o;
  int axis, label;    // the baseline (has_baseline)
  double *p, *p_adj;  // per table position, with a baseline
  int max_n;
  ana_table_wide w;
} stream;

static int rows_at(const ana_table *t, int r0) {
  return t->n_rows - r0 < t->cap_rows ? t->n_rows - r0 : t->cap_rows;
}

// Pass one: the table-wide numbers (and p-values), nothing written.
static asl_status survey(stream *s) {
  ana_table *t = s->t;
  asl_status st = ASL_OK;
  for (int r0 = 0; st == ASL_OK && r0 < t->n_rows; r0 += t->cap_rows) {
    ana_table_fill_rows(s->x, t, r0, rows_at(t, r0), 1);
    int n = ana_table_max_n(t);
    if (n > s->max_n) s->max_n = n;
    ana_table_wide_add(&s->w, t);
    if (s->p) st = ana_baseline_test_rows(s->x, t, s->axis, s->label, s->o->test, s->p);
  }
  return st;
}

// The held rows made final: best of row, expected counts, tests.
static void finish_rows(stream *s) {
  ana_table_mark_best(s->t, s->max_n);
  if (s->p)
    ana_baseline_mark_rows(s->x, s->t, s->axis, s->label, s->p, s->p_adj, s->o->alpha);
}

static asl_status adjust(stream *s) {
  int nc = s->t->n_rows * s->t->n_cols;
  asl_status st = ana_holm(s->p, nc, s->p_adj);
  for (int i = 0; st == ASL_OK && i < nc; i++) s->t->n_tests += isfinite(s->p_adj[i]) != 0;
  return st;
}

static asl_status write_table(FILE *out, stream *s, int show_p) {
  ana_table *t = s->t;
  const ana_table_opts *o = s->o;
  asl_status st = ASL_OK;
  int one = t->n_rows <= t->cap_rows;
  if (one) { // built once: the rows in memory are the whole table
    ana_table_fill_rows(s->x, t, 0, t->n_rows, 0);
    s->max_n = ana_table_max_n(t);
    if (s->p) st = ana_baseline_test_rows(s->x, t, s->axis, s->label, o->test, s->p);
  } else {
    st = survey(s);
  }
  if (st == ASL_OK && s->p) st = adjust(s);
  if (st) return st;
  if (one) {
    finish_rows(s);
    ana_table_wide_add(&s->w, t);
  }
  ana_table_wide_finish(&s->w, s->max_n);
  ana_table_render_head(out, t, o->format, o->eol, &s->w);
  for (int r0 = 0; r0 < t->n_rows; r0 += t->cap_rows) {
    if (!one) {
      ana_table_fill_rows(s->x, t, r0, rows_at(t, r0), 0);
      finish_rows(s);
    }
    ana_table_render_rows(out, t, o->format, show_p, o->eol, &s->w);
  }
  ana_table_render_tail(out, t, o->format, &s->w);
  return ASL_OK;
}

asl_status ana_table_stream(FILE *out, const ana_cube *c, const ana_experiment *e, int metric,
                            const ana_table_opts *o, const char *sep) {
  ana_table t;
  ana_layout L;
  ana_table_ctx x;
  stream s = {.x = &x, .t = &t, .o = o};
  ana_table_wide_init(&s.w);
  asl_status st = ana_table_begin(&t, &L, &x, c, e, metric, o, stream_rows);
  if (st) return st;
  if (o->has_baseline) st = ana_baseline_resolve(&x, &t, o, &s.axis, &s.label);
  size_t nc = (size_t)t.n_rows * (size_t)t.n_cols + 1;
  if (st == ASL_OK && o->has_baseline) {
    s.p = malloc(nc * sizeof *s.p);
    s.p_adj = malloc(nc * sizeof *s.p_adj);
    if (!s.p || !s.p_adj) st = asl_fail(ASL_ENOMEM, "table %s: out of memory", e->name);
  }
  if (st == ASL_OK && sep) fputs(sep, out);
  if (st == ASL_OK) st = write_table(out, &s, o->show_pvalues);
  free(s.p);
  free(s.p_adj);
  ana_table_free(&t);
  return st;
}
