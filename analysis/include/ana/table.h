// Paper-style ablation tables from a results cube.
//
// A table shows one metric of one experiment: rows and columns are the
// combinations of labels of the axes placed on them; every other design axis
// is fixed (by --where, or implicitly when it has a single label). A cell is
// mean ± SD over the test subjects of its design cell (each subject is tested
// in one fold, so this pools the folds), with n when fewer subjects than
// expected have values. The best cell of each row is marked; with a
// baseline, cells whose paired difference to the baseline cell is significant
// after Holm correction across the table are marked too. docs/analysis.md
// has the full semantics, including the un-denoised input reference.
#ifndef ANA_TABLE_H
#define ANA_TABLE_H

#include <stdio.h>

#include "ana/cube.h"
#include "ana/export.h"
#include "ana/stats.h"

#define ANA_TABLE_MAX_AXES 4
#define ANA_TABLE_MAX_WHERE 8

typedef enum { ANA_FMT_MD = 0, ANA_FMT_LATEX = 1, ANA_FMT_CSV = 2 } ana_format;
// Which stage the table shows: the denoised output with the input as a
// reference row/column (default), or one stage alone.
typedef enum { ANA_STAGE_DEFAULT = 0, ANA_STAGE_INPUT = 1, ANA_STAGE_DENOISED = 2 } ana_stage_sel;

typedef struct {
  char axis[ANA_LABEL_LEN];
  char label[ANA_AXIS_LABEL_LEN]; // a subject id is the longest
} ana_axis_value;

typedef struct {
  const char *experiment; // NULL: every experiment of the cube
  int n_rows, n_cols;     // 0: the experiment's default layout
  char rows[ANA_TABLE_MAX_AXES][ANA_LABEL_LEN];
  char cols[ANA_TABLE_MAX_AXES][ANA_LABEL_LEN];
  const char *metric;     // a metric name, or NULL / "all" for one table per metric
  ana_format format;
  ana_line_ending eol;    // CSV record ends (LF by default)
  int n_where;
  ana_axis_value where[ANA_TABLE_MAX_WHERE];
  int has_baseline;
  ana_axis_value baseline; // axis "stage" compares each cell with its own input
  ana_test_kind test;
  double alpha;
  int show_pvalues;
  int show_params;        // add each cell's tuned parameter values (/jobs/chosen_param)
  ana_stage_sel stage;
} ana_table_opts;

typedef enum { ANA_CELL_MAIN = 0, ANA_CELL_REFERENCE = 1, ANA_CELL_NONE = 2 } ana_cell_kind;

typedef struct {
  ana_cell_kind kind;
  double *values;   // one per subject, NaN where absent
  ana_summary s;
  int expected;     // subjects the cell should have (see docs/analysis.md)
  int best;         // best of its row
  int is_baseline;  // the baseline cell others are compared with
  double p, p_adj;  // paired test vs the baseline cell, NaN when not tested
  int n_pairs;
  int significant;  // p_adj < alpha
  char tuned[64];   // the distinct tuned values of its jobs ("1.25/1.5"), "" for none
} ana_cell;

typedef struct {
  char experiment[64];
  char metric[ANA_LABEL_LEN];
  int higher_better;
  const char *stage_name; // "denoised" or "input"
  int n_row_axes, n_col_axes;
  char row_axes[ANA_TABLE_MAX_AXES][ANA_LABEL_LEN];
  char col_axes[ANA_TABLE_MAX_AXES][ANA_LABEL_LEN];
  char fixed[512];  // "snr_group=all, model=unet3d": axes held at one label
  int n_rows, n_cols;
  char (*row_labels)[128];
  char (*col_labels)[128];
  ana_cell *cells;  // the rows held (n_held x n_cols, row-major); a built table holds all
  int r0, n_held;   // rows held: [r0, r0 + n_held); row_labels[i] is row r0 + i
  int cap_rows;     // rows `cells` and `row_labels` have room for
  int n_subjects;
  int n_tests;      // comparisons in the Holm family
  ana_test_kind test;
  double alpha;
  char baseline[80]; // "nav=1", empty without a baseline
  int show_params;   // cells print their `tuned` values
} ana_table;

void ana_table_opts_init(ana_table_opts *o);
// Parses "axis=value" into v; ASL_EINVAL with a message otherwise.
asl_status ana_axis_value_parse(ana_axis_value *v, const char *text);

// Builds the table of metric index `metric` of experiment `e`. Bad axes,
// labels or unplaced multi-label axes give ASL_EINVAL with a message that
// lists the choices.
asl_status ana_table_build(ana_table *t, const ana_cube *c, const ana_experiment *e, int metric,
                           const ana_table_opts *o);
void ana_table_free(ana_table *t);

// Writes the table in `format` (with a title and a legend for md/latex);
// `eol` ends CSV records.
void ana_table_render(FILE *out, const ana_table *t, ana_format format, int show_pvalues,
                      ana_line_ending eol);

// The `aslsweep table` command body: every selected experiment and metric,
// rendered to `out`. Each table is written as it is built, a few hundred
// rows at a time (the same bytes as ana_table_build + ana_table_render), so
// memory does not grow with the table's size.
asl_status ana_table_run(FILE *out, const ana_cube *c, const ana_table_opts *o);
// Rows ana_table_run holds at a time (0: the default, 256); tests make it
// small to exercise tables of many row blocks.
void ana_table_set_stream_rows(int rows);

// 1 when higher values of `metric` are better (ssim, psnr), 0 when lower
// (nmae, and any name containing "mae", "mse" or "error").
int ana_metric_higher_better(const char *metric);

#endif
