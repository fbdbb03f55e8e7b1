// Agreement between ranks before and after every collective step. A failure
// on one rank must become the same failure on every rank before any of them
// enters a collective HDF5 or MPI call, or the others wait there for ever.
#ifndef RUN_AGREE_H
#define RUN_AGREE_H

#include <mpi.h>
#include <stdint.h>

#include "asl/status.h"
#include "run/run.h"
#include "run/subjects.h"
#include "sweep/plan.h"

// ASLSWEEP_FAULT=STEP:RANK (for tests): fails STEP on RANK after its real
// work, naming `path`. Steps: prepare, create, rename, open, finish (the
// flush before the final close).
asl_status run_fault(const char *step, int rank, const char *path);

// Every rank compares its spec (after overrides), run options and subject
// list with rank 0's; a difference fails every rank, naming the rank and
// what differs. Collective.
asl_status run_agree_plan(const sweep_plan *p, const run_options *o, MPI_Comm comm);
// The same for the subjects the executor prepared (ids, Nt, folds, SNR
// groups, input fingerprints). Collective.
asl_status run_agree_subjects(const run_subjects *s, MPI_Comm comm);

// FNV-1a over bytes, continuing from `h` (start with RUN_FNV_START).
#define RUN_FNV_START 14695981039346656037ull
uint64_t run_fnv(uint64_t h, const void *data, size_t n);

#endif
