// The executor seam: what the scheduler calls to do the science. The real
// executor (runner/src/exec_*.c) loads ASL data and drives the engine; a
// deterministic test double stands in for the scheduler and resume tests.
// Fill one with designated initializers:
//
//   static const run_executor real = {.name = "asl", .prepare = ..., ...};
#ifndef RUN_EXECUTOR_H
#define RUN_EXECUTOR_H

#include "asl/status.h"
#include "run/result.h"
#include "run/subjects.h"
#include "sweep/plan.h"

// What a job may ask of the runner while it works.
typedef struct run_job_io run_job_io;
struct run_job_io {
  const char *out_dir;      // the run directory
  const char *checkpoint;   // DIR/checkpoints/<job>.ckpt for this job's model
  const char *train_checkpoint; // infer: the committed checkpoint of its train job
  const char *volumes_dir;  // DIR/volumes, for the kept denoised volume
  int rank;                 // this rank: kept volumes go to volumes_dir/rank-<rank>.h5
  const run_subjects *subjects;
  int threads;              // engine threads for this rank
  // A safe point: call between epochs / subjects. Lets rank 0 serve the
  // other ranks while it works and reports whether the run was asked to stop
  // (SIGTERM/SIGUSR1). When it returns non-zero the job saves what it can
  // (its checkpoint) and returns ASL_EINTERRUPTED.
  int (*yield)(run_job_io *io);
  void *runner;             // the scheduler's state for yield
};

typedef struct run_executor run_executor;
struct run_executor {
  const char *name;         // recorded in the cube's `executor` attribute
  void *state;              // the executor's own data, set by prepare
  // Every rank, once, before the cube exists. `rank0_first` is 1 on rank 0,
  // which is called (and may write shared data such as the phantom) before
  // the others. Fills `subjects` (sorted by id, folds and SNR groups set).
  asl_status (*prepare)(run_executor *ex, const sweep_plan *p, const char *out_dir,
                        int threads, int rank0_first, run_subjects *subjects);
  // Runs job `j` of the plan and fills `r` (the runner cleared it). Returns
  // ASL_EINTERRUPTED when io->yield asked it to stop, another code (with
  // asl_fail's message) when the job failed.
  asl_status (*run_job)(run_executor *ex, const sweep_plan *p, int j, run_job_io *io,
                        run_result *r);
  void (*finish)(run_executor *ex);
  // Optional: ASL_OK when the checkpoint a done train job left at `path` is
  // whole (present, checksum right); else a message naming the file. Resume
  // reruns a train job whose checkpoint fails this.
  asl_status (*verify_checkpoint)(run_executor *ex, const char *path);
};

// The executor that runs the science: ASL data + the engine.
extern const run_executor run_executor_asl;
// A deterministic stand-in for tests of scheduling, crash safety and resume:
// no data, no network, metrics derived from job seeds, a configurable sleep
// per epoch. Selected only by the internal environment variable
// ASLSWEEP_INTERNAL_TEST_EXECUTOR; the cube then says executor=test-double.
extern const run_executor run_executor_test_double;

// The executor a run uses: the science, unless the environment selects the
// test double (then rank 0 warns on stderr that no real training happens).
const run_executor *run_executor_from_env(int rank);

#endif
