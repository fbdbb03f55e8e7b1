// Shared between the table's source files: where each design axis goes.
#ifndef ANA_TABLE_INTERNAL_H
#define ANA_TABLE_INTERNAL_H

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

#endif
