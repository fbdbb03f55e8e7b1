// A study that grows: comparing a plan with the run already in DIR (which
// jobs are reused, run, rerun or retired) and carrying the reused jobs'
// results and files into the new cube (docs/runner.md, "Growing a study").
// Serial HDF5 on one process; the scheduler calls it on rank 0 before the
// other ranks open the new cube.
#ifndef RUN_EVOLVE_H
#define RUN_EVOLVE_H

#include <hdf5.h>
#include <stdio.h>

#include "asl/status.h"
#include "sweep/plan.h"

typedef enum {
  RUN_EVOLVE_REUSE = 0,  // done in the old run with the same content key
  RUN_EVOLVE_RUN = 1,    // new, or not done in the old run
  RUN_EVOLVE_RERUN = 2,  // the old run has it (same job key) with another content key
} run_evolve_action;

typedef struct {
  int n_old;
  char **old_key;          // (n_old) job keys ("main/strategy=...")
  char **old_content;      // (n_old) content keys ("" in cubes older than content keys)
  signed char *old_status; // (n_old)
  int *old_new;            // (n_old) the new job with the same job key, or -1 (retired)
  int *from;               // (new J) the old job a new job reuses, or -1
  int *old_of;             // (new J) the old job with the same job key, or -1
  unsigned char *action;   // (new J) run_evolve_action
  int n_reuse, n_run, n_rerun, n_retire;
  char *old_spec;          // the old cube's `spec` attribute
} run_evolution;

// Reads the old cube's job table and matches it against p (content keys
// filled). Refuses (ASL_ESPEC) a cube of another format version or one
// without content keys, naming --force-new.
asl_status run_evolve_read(run_evolution *ev, const sweep_plan *p, const char *cube_path);
void run_evolve_free(run_evolution *ev);

// `aslsweep plan SPEC --against DIR`: per job its action (and for a rerun
// the parts of its content key that changed), then a summary line; JSON
// with `json`.
asl_status run_evolve_print(const sweep_plan *p, const char *dir, FILE *f, int json);

// Copies every reused job's /jobs row and cells from the old cube into
// the freshly created new one (both closed files, given by path).
asl_status run_evolve_adopt(const run_evolution *ev, const sweep_plan *p, const char *old_path,
                            const char *new_path);

// The /jobs rows (status, seconds, rank, host, error, losses, checksum) of
// every reused job, old row ev->from[j] into new row j, between two open
// files of any format versions the readers know, in blocks.
asl_status run_evolve_copy_rows(const run_evolution *ev, int n_new, hid_t of, hid_t nf,
                                const char *new_path);

// Makes DIR/attic/<UTC time>/ (another name when that exists) into out.
asl_status run_attic_make(const char *dir, char *out, size_t n);

// DIR's job files after adoption: the checkpoints and volumes of every old
// job whose content key is unchanged take their new index; every other
// job file moves to `attic` (nothing is deleted).
asl_status run_evolve_files(const run_evolution *ev, const sweep_plan *p, const char *dir,
                            const char *attic);

#endif
