// Gathering the part directories of a job-array run (`aslsweep run --slice
// i/K --out DIR/parts/i`) into one run directory: `aslsweep merge`. Serial
// HDF5, no MPI. The merged DIR/results.h5 has the layout of a run's cube
// (docs/cube.md) with the static values of the parts; each job's cells,
// /jobs row and losses come from the first part in which it is done.
#ifndef RUN_MERGE_H
#define RUN_MERGE_H

#include <stdio.h>

#include "asl/status.h"

typedef struct {
  int n_jobs;             // jobs of the plan
  int done, failed, pending; // in the merged cube
  int parts_read;         // parts that had a cube
  int duplicates;         // jobs done (with equal numbers) in more than one part
  int volumes;            // montage volume files copied
  int bad_rows;           // rows of the parts that fail verification (named on log;
                          // such a row is not taken, so its job stays pending)
} run_merge_summary;

// Merges the cubes of `parts` (directories holding results.h5) into
// out_dir/results.h5, written as out_dir/results.h5.merging and renamed, so a
// rerun replaces the previous merge atomically; copies the montage volumes
// of the jobs taken from each part into out_dir/volumes/. A part directory
// without a cube is skipped with a warning on `log` (its jobs stay pending);
// parts of another spec (spec_hash), executor, subjects or plan are refused
// with ASL_ESPEC naming the part, and so is a job done in two parts with
// different numbers. Returns ASL_OK once the cube is written, also when jobs
// are missing: s says how many, and `log` gets their keys.
asl_status run_merge(const char *out_dir, int n_parts, char *const *parts, FILE *log,
                     run_merge_summary *s);

#endif
