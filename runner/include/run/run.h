// Running a sweep: the library entry behind `aslsweep run`. Collective over
// `comm`; rank 0 is the manager (see docs/runner.md for the scheduling
// rules), every rank executes jobs.
#ifndef RUN_RUN_H
#define RUN_RUN_H

#include <mpi.h>
#include <stdio.h>

#include "asl/exit.h"
#include "asl/status.h"
#include "run/executor.h"
#include "sweep/plan.h"

// Exit status of `aslsweep run` besides 0/1/2: the run was interrupted
// (SIGTERM/SIGUSR1) and jobs remain; a Slurm wrapper requeues on it.
#define RUN_EXIT_INTERRUPTED ASL_EXIT_INTERRUPTED

typedef struct {
  const char *out_dir;
  int threads_per_rank;  // engine threads per rank (>= 1)
  int max_failures;      // abort cleanly after this many failed jobs; < 0: never
  double grace_s;        // after SIGTERM/SIGUSR1, hard exit after this long
  double stall_timeout_s; // end a rank that makes no progress this long; 0: never
  int force_new;         // discard an existing run in out_dir
  int progress;          // RUN_PROGRESS_*: how rank 0 shows progress on stdout
  // --slice i/K (run/slice.h): run only slice slice_index (0-based) of
  // slice_count; the other jobs stay pending in this part's cube. 0: all.
  int slice_index, slice_count;
} run_options;

// AUTO: a live line when stdout is a terminal (mpirun gives ranks a pty),
// one line per finished job otherwise. run.log is written in every mode.
enum { RUN_PROGRESS_AUTO = 0, RUN_PROGRESS_LIVE, RUN_PROGRESS_LINES, RUN_PROGRESS_NONE };

void run_options_default(run_options *o);

typedef struct {
  int n_jobs, done, failed, pending; // pending = not done and not failed; with
                                     // a slice, counts of that slice's jobs only
  int interrupted;                   // stopped by a signal with jobs left
  int aborted;                       // stopped by --max-failures
  double seconds;
} run_summary;

// Runs (or resumes) `p` into o->out_dir with executor `ex`. Returns ASL_OK
// when the run went through (s says how many jobs failed), ASL_EINTERRUPTED
// when stopped by a signal, another code when the run could not proceed.
// Every rank gets the same return value and summary.
asl_status run_sweep(const sweep_plan *p, const run_options *o, const run_executor *ex,
                     MPI_Comm comm, run_summary *s);

// All ranks agree on a status: the lowest failing rank's code and message
// win, prefixed with "rank R (host H): " when there is more than one rank.
// Collective; call it before any collective step a local failure would
// otherwise leave the other ranks waiting in.
asl_status run_agree(asl_status st, MPI_Comm comm);

// The exit status `aslsweep run` uses for a run_sweep outcome.
int run_exit_status(asl_status st, const run_summary *s);

// Installs SIGTERM/SIGUSR1 handlers that ask the run to stop; after grace_s
// more seconds a stuck rank exits with RUN_EXIT_INTERRUPTED.
void run_signals_install(double grace_s);
int run_signal_received(void);

// Writes the version block of `aslsweep --version`: version, git revision,
// build type, and the MPI, HDF5 and BLAS libraries in use (key=value lines).
void run_version_print(FILE *f);

#endif
