// The real executor's state (internal): every subject of the dataset,
// loaded once per rank, with its difference series, M0 and mask cached.
#ifndef RUN_EXEC_ASL_H
#define RUN_EXEC_ASL_H

#include "asl/volume.h"
#include "run/executor.h"
#include "run/subjects.h"

typedef struct {
  char id[RUN_ID_LEN];
  int ok;            // 0: the subject's data could not be used; `error` says why
  char error[512];
  asl_vol deltam;    // (nx, ny, nz, Nt) difference images
  asl_vol m0;        // 3D, valid when has_m0
  int has_m0;
  asl_vol mask;      // 3D, valid when has_mask
  int has_mask;
} exa_subject;

typedef struct exa_kept exa_kept;

typedef struct {
  char root[4200];   // the BIDS root the data came from
  int n;
  exa_subject *s;    // same order as the cube's /subjects
  exa_kept *kept;    // this rank's packed volumes file, opened at the first kept image
} exa_state;

asl_status exa_prepare(run_executor *ex, const sweep_plan *p, const char *out_dir, int threads,
                       int rank0_first, run_subjects *subjects);
void exa_finish(run_executor *ex);
asl_status exa_train(exa_state *x, const sweep_plan *p, int j, run_job_io *io, run_result *r);
asl_status exa_infer(exa_state *x, const sweep_plan *p, int j, run_job_io *io, run_result *r);

// Subjects a job uses: fold selection and SNR-group filter ("all" or a
// group name). Fails naming the first unusable subject it needs.
asl_status exa_select(const exa_state *x, const run_subjects *subj, const sweep_job *jb,
                      int train, int *chosen, int *n_chosen);

// keep_volumes: 1 when infer job `jb` keeps the images of its test subject
// `subj` (index in x/subjects). sample: the cell's first test subject in
// /subjects order, whichever fold tests it; all: every test subject.
int exa_keep_subject(const exa_state *x, const run_subjects *subjects, const sweep_plan *p,
                     const sweep_job *jb, int subj);
// Appends one 3D image (frame 0 of v) under the job key, subject and kind
// ("input", "denoised", "gt100", "uncertainty") to the rank's packed file.
asl_status exa_keep_put(exa_state *x, const run_job_io *io, const char *job_key,
                        const char *subject, const char *kind, const asl_vol *v);
// Flushes the packed file after a job's last image (no-op when none kept).
asl_status exa_keep_flush(exa_state *x);
void exa_keep_close(exa_state *x);

// The time-point fraction of "GT100" / "GT50" / "GT25" from the spec.
double exa_gt_fraction(const sweep_plan *p, const char *name);

#endif
