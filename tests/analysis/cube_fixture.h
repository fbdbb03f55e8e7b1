// Test cubes for analysis/: writes DIR/results.h5 files laid out exactly as
// docs/cube.md says, with serial HDF5 and known values, so the analysis tests
// need neither MPI nor the runner.
//
// cf_cube_default() fills a description of a small but complete study
// (6 subjects in 3 folds, experiments main / snr_matching / generalization,
// train and infer jobs with loss curves); a test edits it (NaN cells, failed
// jobs, a missing job, another format_version) and writes it with
// cf_cube_write(). The values are in the description, so tests compute what
// they expect from the same arrays the file was written from.
#ifndef ASLSWEEP_CUBE_FIXTURE_H
#define ASLSWEEP_CUBE_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "cube/schema.h"

#define CF_MAX_AXES 8
#define CF_MAX_LABELS 16
#define CF_MAX_SUBJECTS 16
#define CF_MAX_EXPERIMENTS 4
#define CF_EPOCHS 6

typedef struct {
  char name[32];
  int is_int;
  int n;
  char labels[CF_MAX_LABELS][CUBE_SUBJECT_LEN]; // the subject axis holds ids
  int ivalues[CF_MAX_LABELS];
} cf_axis;

typedef struct {
  char name[64];
  char description[128];
  int n_design;
  cf_axis axes[CF_MAX_AXES]; // design axes only; subject/stage/metric are added
  size_t n_cells;
  int n_subjects;
  float *metrics; // (cells, subject, stage{input,denoised}, metric{ssim,psnr,nmae})
  int32_t *job;   // (cells, subject)
} cf_experiment;

typedef struct {
  char key[256];
  int kind, train_job, status, rank;
  double seconds;
  char host[64];
  uint64_t seed;
  char error[512];
  char content_key[33]; // /jobs/content_key: "" unless a test sets one
  int tuned;            // /jobs/chosen_param: chosen_param when set, NaN otherwise
  double chosen_param;
  float train_loss[CF_EPOCHS], val_loss[CF_EPOCHS];
} cf_job;

typedef struct {
  int format_version;
  char executor[32]; // root attribute `executor`: "asl" by default
  int n_subjects;
  char id[CF_MAX_SUBJECTS][CUBE_SUBJECT_LEN];
  int fold[CF_MAX_SUBJECTS];
  char snr_group[CF_MAX_SUBJECTS][16];
  float ssim_single[CF_MAX_SUBJECTS], nmae_single[CF_MAX_SUBJECTS];
  int n_jobs, cap_jobs;
  cf_job *jobs;
  int n_experiments;
  cf_experiment exp[CF_MAX_EXPERIMENTS];
} cf_cube;

enum { CF_STAGES = 2, CF_METRICS = 3 };
enum { CF_SSIM = 0, CF_PSNR = 1, CF_NMAE = 2 };

// The default study described above; every job done, every tested cell finite.
void cf_cube_default(cf_cube *c);
void cf_cube_free(cf_cube *c);
// Writes `c` to `path` (overwriting). Returns 0, or -1 with a message on stderr.
int cf_cube_write(const cf_cube *c, const char *path);

cf_experiment *cf_find(cf_cube *c, const char *name);
// Pointer to one per-subject value.
float *cf_value(cf_experiment *e, size_t cell, int subject, int stage, int metric);
// Linear cell index from label indices (design axes in order).
size_t cf_cell(const cf_experiment *e, const int *idx);
// A path under the build tree's test scratch folder ($ASLSWEEP_BINARY_DIR or /tmp).
void cf_scratch_path(char *out, size_t len, const char *name);

#endif
