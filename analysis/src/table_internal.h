// Shared between the table's source files: where each design axis goes.
#ifndef ANA_TABLE_INTERNAL_H
#define ANA_TABLE_INTERNAL_H

#include <stdio.h>

#include "ana/table.h"

#define ANA_MAX_DESIGN 32

enum { ANA_REF_NONE = 0, ANA_REF_COLS = 1, ANA_REF_ROWS = 2 };

typedef struct {
  int n_row_axes, row_axes[ANA_TABLE_MAX_AXES]; // design axis indices
  int n_col_axes, col_axes[ANA_TABLE_MAX_AXES];
  int fixed[ANA_MAX_DESIGN];  // label index of a fixed axis; -1 when on rows/cols
  int n_rows, n_cols;         // label combinations on each side
  int ref_mode;               // ANA_REF_*
  int n_ref_keep, ref_keep[ANA_TABLE_MAX_AXES]; // axes a reference entry keeps
  int n_ref_vary, ref_vary[ANA_TABLE_MAX_AXES]; // axes it pools (network-only)
  int n_ref;                  // reference rows or columns
} ana_layout;

// Places every design axis of `e` on rows, columns or a fixed label, from
// the options and the experiment's default layout.
asl_status ana_layout_resolve(ana_layout *L, const ana_experiment *e, const ana_table_opts *o);

// Sets idx[axes[i]] to the labels of combination `combo` of those axes
// (the last axis varies fastest).
void ana_combo_decode(const ana_experiment *e, const int *axes, int n_axes, int combo, int *idx);
// Product of the axes' lengths (1 for none).
int ana_combo_count(const ana_experiment *e, const int *axes, int n_axes);
// "windowed, m0=off": the labels of a combination; the first axis bare.
void ana_combo_label(const ana_experiment *e, const int *axes, int n_axes, const int *idx,
                     char *out, size_t len);

// What the cell builders share.
typedef struct {
  const ana_cube *c;
  const ana_experiment *e;
  const ana_layout *L;
  int metric, stage_in, stage_out;
} ana_table_ctx;

// Design label indices of table position (r, col), reference rows and
// columns included.
void ana_table_position_idx(const ana_table_ctx *x, int r, int col, int *idx);
// Marks the baseline cells and tests every other main cell against its
// baseline (paired by subject), Holm-adjusted across the table.
asl_status ana_table_apply_baseline(const ana_table_ctx *x, ana_table *t, const ana_table_opts *o);

// The pieces of ana_table_build, for a table built a few rows at a time
// (table_stream.c). begin: the layout, labels of the columns and room for
// `cap_rows` rows; fill_rows: rows [r0, r0 + n) into that room (with
// numbers_only, their cells' values, n and mean only: no row labels, tuned
// values or other statistics).
asl_status ana_table_begin(ana_table *t, ana_layout *L, ana_table_ctx *x, const ana_cube *c,
                           const ana_experiment *e, int metric, const ana_table_opts *o,
                           int cap_rows);
void ana_table_fill_rows(const ana_table_ctx *x, ana_table *t, int r0, int n, int numbers_only);
// The most subjects any held cell has; then each held row's best cell, and
// max_n (the table's) as the expected count of cells that expect none.
int ana_table_max_n(const ana_table *t);
void ana_table_mark_best(ana_table *t, int max_n);

// --baseline in pieces: resolve names it in t (axis -1: stage=input);
// test_rows puts each held main cell's raw p-value at p[its table index]
// (NaN untested); mark_rows gives the held cells their p, adjusted p,
// significance and baseline mark from the table-wide arrays.
asl_status ana_baseline_resolve(const ana_table_ctx *x, ana_table *t, const ana_table_opts *o,
                                int *axis, int *label);
asl_status ana_baseline_test_rows(const ana_table_ctx *x, ana_table *t, int axis, int label,
                                  ana_test_kind kind, double *p);
void ana_baseline_mark_rows(const ana_table_ctx *x, ana_table *t, int axis, int label,
                            const double *p, const double *p_adj, double alpha);

// What a table's text needs from all of its cells: the largest |mean| (the
// decimals), the expected count every cell shares, or 0 (the legend); and,
// while rows are written, whether the last one was a reference row.
typedef struct {
  double max_abs;
  int nz_common, any_zero; // over the cells' nonzero expected counts; a 0 seen
  int common;              // after ana_table_wide_finish: -1 no cells, 0 none shared
  int prev_ref;
} ana_table_wide;

void ana_table_wide_init(ana_table_wide *w);
void ana_table_wide_add(ana_table_wide *w, const ana_table *t);
// max_n: the count a cell expecting 0 subjects shows (ana_table_mark_best).
void ana_table_wide_finish(ana_table_wide *w, int max_n);
void ana_table_render_head(FILE *out, const ana_table *t, ana_format format,
                           ana_line_ending eol, const ana_table_wide *w);
void ana_table_render_rows(FILE *out, const ana_table *t, ana_format format, int show_pvalues,
                           ana_line_ending eol, ana_table_wide *w);
void ana_table_render_tail(FILE *out, const ana_table *t, ana_format format,
                           const ana_table_wide *w);

// Writes the table of `metric` as ana_table_build + ana_table_render would,
// holding a few hundred rows at a time (two passes over the cells when it
// has more: the first for the table-wide numbers and p-values), so memory
// does not grow with the table. Prints `sep` first when non-NULL, once the
// table is known to be valid.
asl_status ana_table_stream(FILE *out, const ana_cube *c, const ana_experiment *e, int metric,
                            const ana_table_opts *o, const char *sep);

#endif
