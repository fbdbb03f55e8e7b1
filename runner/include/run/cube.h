// The results cube DIR/results.h5 (layout: docs/cube.md), written with
// parallel HDF5. Every function taking a run_cube * after create/open is
// independent (any one rank may call it at any time) unless marked
// collective.
#ifndef RUN_CUBE_H
#define RUN_CUBE_H

#include <hdf5.h>
#include <mpi.h>

#include "asl/status.h"
#include "run/result.h"
#include "run/subjects.h"
#include "sweep/plan.h"

#include "cube/jobs.h"
#include "cube/schema.h"

// The schema's names under the runner's prefix (cube/schema.h holds them).
#define RUN_KEY_LEN CUBE_KEY_LEN
#define RUN_HOST_LEN CUBE_HOST_LEN
#define RUN_LABEL_LEN CUBE_LABEL_LEN

enum {
  RUN_JOB_PENDING = CUBE_JOB_PENDING,
  RUN_JOB_RUNNING = CUBE_JOB_RUNNING,
  RUN_JOB_DONE = CUBE_JOB_DONE,
  RUN_JOB_FAILED = CUBE_JOB_FAILED
};

typedef struct {
  hid_t group, metrics, per_image, job;
  int n_images;     // I of this experiment
  const char *name; // the plan's
} run_cube_exp;

typedef struct {
  hid_t file;
  int version; // the file's format version (resume reads version 1 too)
  hid_t status, seconds, rank, host, train_loss, val_loss;
  hid_t error;                // version 1: (J) strings
  hid_t error_at, error_text; // version 2: the error heap (cube/jobs.h)
  int64_t heap_size;
  cube_heap_region heap;      // this rank's stretch of the heap
  int32_t *loss_row;          // version 2: (J) each job's loss row, -1 none
  hid_t loss_row_ds;          // version 2: /jobs/loss_row
  int n_loss_rows;
  // The static /jobs datasets (read by verification only) and the row
  // checksums; checksum is H5I_INVALID_HID in a cube from before them.
  hid_t key, kind, train_job, experiment, seed, checksum;
  // The tuned parameter per job; H5I_INVALID_HID in a cube from before it.
  hid_t chosen_param;
  int n_jobs, epochs, n_subjects, n_metrics;
  int n_exp;
  run_cube_exp *exp;
  char path[4096];
} run_cube;

// 16 hex digits of the spec text's hash, as stored in `spec_hash`.
void run_spec_hash(const sweep_plan *p, char out[17]);

// Final images per subject that experiment `e` can produce (>= 1): the
// image axis of its metrics_per_image.
int run_cube_images(const sweep_plan *p, int e, const run_subjects *s);

// Collective. Creates `path` (truncating), writes every static value, and
// flushes it, so later writes touch raw data only. `executor` is recorded.
asl_status run_cube_create(run_cube *c, const char *path, const sweep_plan *p,
                           const run_subjects *s, const char *executor, MPI_Comm comm);
// Collective. Opens an existing cube for writing; refuses (ASL_ESPEC) one
// of another format version (naming both) or written for another spec
// (naming both hashes and --force-new).
asl_status run_cube_open(run_cube *c, const char *path, const sweep_plan *p, MPI_Comm comm);
// The cube run_cube_create would make, built in memory on this process
// alone and returned as the bytes of its file (*image malloc'ed, caller
// frees); the caller writes them where it wants.
asl_status run_cube_image(void **image, size_t *size, const sweep_plan *p,
                          const run_subjects *s, const char *executor);
// Collective.
asl_status run_cube_close(run_cube *c);

// Every job's status, with each committed row verified against its
// checksum (cube/checksum.h): a row that fails is reported on stderr and
// returned as pending, so a resumed run redoes it.
asl_status run_cube_read_status(run_cube *c, signed char *status /* (J) */);
asl_status run_cube_set_status(run_cube *c, int job, int status);
// Writes a finished (or failed) job: its cells, then its /jobs row, then
// the row's checksum, then `status` last, so the job is committed only once
// all of it is on disk.
asl_status run_cube_commit(run_cube *c, const sweep_plan *p, int job, const run_result *r,
                           int status, double seconds, int rank, const char *host);

#endif
