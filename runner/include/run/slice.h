// Slices of a sweep's job DAG for Slurm job arrays: `aslsweep run --slice
// i/K` runs only slice i (0-based, as SLURM_ARRAY_TASK_ID counts from
// --array=0-(K-1)) into its own part directory, and `aslsweep merge` gathers
// the parts. A train job and every infer job that needs it always share a
// slice, so no slice waits on another.
#ifndef RUN_SLICE_H
#define RUN_SLICE_H

#include "asl/status.h"
#include "run/cube.h"
#include "sweep/plan.h"

// Parses "i/K" (0 <= i < K, 1 <= K <= 100000) as given to --slice.
asl_status run_slice_parse(const char *text, int *index, int *count);

// Assigns every job of `p` to one of `k` slices: the connected components of
// the DAG (a train job with all its infer jobs; a baseline infer job alone)
// go, largest estimated cost first (plan order on ties), into the slice with
// the least cost so far (lowest index on ties). Deterministic from the plan.
// slice_of: (J) out; cost: (k) out, the summed job cost per slice, or NULL.
asl_status run_slice_assign(const sweep_plan *p, int k, int *slice_of, double *cost);

// The same with prior slices (a grown study's parts, docs/runner.md): a
// component holding a job with prior[j] >= 0 stays in that slice (its
// lowest such job decides), so every part keeps the jobs it already ran;
// the other components are then placed as above onto the loads that makes.
// prior may be NULL (run_slice_assign).
asl_status run_slice_assign_prior(const sweep_plan *p, int k, const int *prior, int *slice_of,
                                  double *cost);

// Serial HDF5, one process: the same marks written into the closed cube at
// `path` (a grown part, before it replaces the old one).
asl_status run_slice_mark_file(const char *path, int n_jobs, const int *slice_of, int index,
                               int count);

// Serial HDF5. The slice marks of the cube at `path`: its `slice`
// attribute into text ("" when it is no part) and, when it holds n_jobs
// values, /jobs/slice into slice_of (*found = 1); *found = 0 otherwise.
asl_status run_slice_read(const char *path, int n_jobs, int *slice_of, int *found, char *text,
                          size_t text_len);

// Collective over the cube's communicator. Records slice `index`/`count` in
// an open cube: root attribute `slice` = "i/K" and dataset /jobs/slice (J,
// int32) = each job's slice, so status and analysis can tell the jobs of
// other slices (pending forever here) from ours. A cube already marked with
// another slice, or a part opened without --slice (count 0), is refused
// with ASL_ESPEC.
asl_status run_slice_mark(run_cube *c, const int *slice_of, int index, int count, int rank0);

#endif
