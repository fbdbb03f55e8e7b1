// The results cube (DIR/results.h5, layout in docs/cube.md) read into memory
// with serial HDF5.
//
// ana_cube_open() reads what the analysis commands need (labels,
// per-subject metrics, job index, the /jobs numbers, /subjects) so the rest
// of analysis/ never touches HDF5; job keys, hosts and loss rows are read
// in blocks when asked for (ana_job_key ...). The commands (table, plot,
// export) use ana_cube_open_lazy(), which leaves the cells in the file and
// reads them through a small cache. A partial cube (a sweep still running, failed
// jobs) opens fine: absent cells are NaN and ana_exp_value() reports them as
// missing. Every format version from CUBE_FORMAT_VERSION_MIN to
// CUBE_FORMAT_VERSION (cube/schema.h, where every name of the layout lives)
// is read; another is refused with a message naming the versions.
#ifndef ANA_CUBE_H
#define ANA_CUBE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "asl/status.h"
#include "cube/checksum.h"
#include "cube/schema.h"

#define ANA_LABEL_LEN CUBE_LABEL_LEN
// An axis label: as long as a subject id, the longest label an axis holds.
#define ANA_AXIS_LABEL_LEN CUBE_SUBJECT_LEN

// One named axis with its labels. Integer axes (nav, nav_post) keep their
// values in `ivalues` and their decimal text in `labels`.
typedef struct {
  char name[ANA_LABEL_LEN];
  int n;
  int is_int;
  char (*labels)[ANA_AXIS_LABEL_LEN];
  int32_t *ivalues; // n values when is_int, else NULL
} ana_axis;

// One experiment group. Axes 0 .. n_design-1 are the experiment's own axes in
// spec order; then come subject, stage and metric (always the last three).
typedef struct {
  char name[64];
  char description[256];
  int n_axes;      // n_design + 3
  int n_design;
  ana_axis *axes;
  size_t n_cells;  // product of the design axes' lengths
  float *metrics;  // (design..., subject, stage, metric), NaN where absent; NULL when lazy
  int32_t *job;    // (design..., subject), -1 where no job wrote the cell; NULL when lazy
  struct ana_cells *cells; // lazy: the cells' cache (runs along the last axis)
} ana_experiment;

// The /jobs numbers, held for every job (about 34 bytes each). Keys, hosts
// and loss rows stay in the file and are read in blocks on demand
// (ana_job_key and the others below), so memory does not grow with them.
typedef struct {
  int n;
  int n_epochs;
  int8_t *kind;     // 0 train, 1 infer
  int32_t *train_job;
  int8_t *status;   // CUBE_JOB_*
  double *seconds;
  int32_t *rank;
  uint64_t *seed;
  struct ana_job_rows *rows; // the open file and one block of rows
  double *chosen_param; // the tuned (`auto`) parameter's value; NaN for none or an older cube
} ana_jobs;

typedef struct {
  int n;
  char (*id)[CUBE_ID_LEN];
  int32_t *fold;
  char (*snr_group)[CUBE_GROUP_LEN];
  float *ssim_single, *nmae_single;
} ana_subjects;

typedef struct {
  char path[1024];
  int format_version;
  char name[128];
  char program_version[32];
  char created[32];
  char spec_hash[32];
  char executor[32];           // "asl", "test-double", or "" when not recorded
  int n_experiments;
  ana_experiment *experiments; // in plan order (root attribute `experiments`), else by name
  ana_jobs jobs;
  ana_subjects subjects;
  cube_verify_result verify;   // every committed job row checked against its checksum
} ana_cube;

// Reads `path`. On failure `c` holds nothing and the message names the file,
// the dataset or attribute and what to do.
asl_status ana_cube_open(ana_cube *c, const char *path);
// The same without the experiments' cells in memory: ana_exp_value,
// ana_exp_raw and ana_exp_job read them through a cache of a few MB per
// experiment, a run of cells along the last design axis (about 32 KB) a
// read, so memory does not grow with the study. A walk in storage order
// (export) reads each run once; so does a table or plot that visits nearby
// cells together, as theirs do.
asl_status ana_cube_open_lazy(ana_cube *c, const char *path);
// Bytes of values one read of a lazy experiment brings and bytes its cache
// holds (0: the defaults, 32 KB and 4 MB), for cubes opened after the call
// (each keeps the budgets it was opened with);
// tests make them small to exercise the cache.
void ana_cells_set_cache(size_t run_bytes, size_t cache_bytes);
// Tells a lazy experiment's cache that its reader walks `streams` places
// of the cells at once (a table: the cells of one row): its runs are made
// short enough (never longer than the default) for that many to fit in the
// cache, so each is read about once; a change empties the cache. A no-op
// for cells in memory. ASL_ENOMEM with a message when the new cache cannot
// be had.
asl_status ana_exp_plan_reads(const ana_experiment *e, size_t streams);
// Reads of a lazy experiment's cells so far (0 when its cells are in memory).
size_t ana_exp_cell_reads(const ana_experiment *e);
void ana_cube_free(ana_cube *c);

// A warning to print before any output, or NULL: a cube written by the
// runner's test double (executor=test-double) holds no science.
const char *ana_cube_warning(const ana_cube *c);
// Writes the rows that fail verification (and a note for a cube without
// row checksums) to f as "PREFIX: ..."; returns how many fail. The analysis
// commands refuse such a cube (exit 1) rather than print numbers from it.
int ana_cube_report_rows(const ana_cube *c, const char *prefix, FILE *f);
// The experiment called `name`, or NULL.
const ana_experiment *ana_cube_experiment(const ana_cube *c, const char *name);
// Index of the axis called `name` in `e`, or -1.
int ana_exp_axis(const ana_experiment *e, const char *name);
// 1 when subject `s` belongs in design cell `idx`: every subject, except
// that an snr_group or test_snr_group label other than "all" keeps only the
// subjects of that SNR group (/subjects/snr_group). Independent of which
// jobs have finished, so it tells how many subjects a cell should have.
int ana_exp_subject_expected(const ana_cube *c, const ana_experiment *e, const int *idx, int s);
// Index of `label` on axis `a` (exact text, or the integer value for integer
// axes), or -1.
int ana_axis_label(const ana_axis *a, const char *label);

// Linear index of a design cell from one label index per design axis.
size_t ana_exp_cell(const ana_experiment *e, const int *design_idx);
// Inverse of ana_exp_cell.
void ana_exp_cell_coords(const ana_experiment *e, size_t cell, int *design_idx);
// Lengths of the subject, stage and metric axes.
static inline int ana_exp_n_subjects(const ana_experiment *e) { return e->axes[e->n_design].n; }
static inline int ana_exp_n_stages(const ana_experiment *e) { return e->axes[e->n_design + 1].n; }
static inline int ana_exp_n_metrics(const ana_experiment *e) { return e->axes[e->n_design + 2].n; }

// The value of one (cell, subject, stage, metric), or NaN when it is absent:
// NaN on disk, no job index (the runner writes it with the values, so a
// value without one is a write cut short), or a job that is not `done` on
// disk (failed, or interrupted before committing). Half-written jobs never
// reach a table.
double ana_exp_value(const ana_cube *c, const ana_experiment *e, size_t cell, int subject,
                     int stage, int metric);
// The /jobs index of the job behind (cell, subject), or -1.
int ana_exp_job(const ana_experiment *e, size_t cell, int subject);
// The stored value, whatever its job's status (NaN where absent).
float ana_exp_raw(const ana_experiment *e, size_t cell, int subject, int stage, int metric);

// Job j's key and host ("" when unreadable), and its loss rows (n_epochs
// values, NaN where absent; NULL when unreadable). Each points into a block
// of rows read on demand and stays valid until the next call for a job of
// another block.
const char *ana_job_key(const ana_cube *c, int j);
const char *ana_job_host(const ana_cube *c, int j);
const char *ana_job_error(const ana_cube *c, int j);
const float *ana_job_train_loss(const ana_cube *c, int j);
const float *ana_job_val_loss(const ana_cube *c, int j);

#endif
