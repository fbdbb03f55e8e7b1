// State shared by the merge code (internal to runner/): the parts, the
// per-job choice of source part, and the merged experiment arrays.
#ifndef RUN_MERGE_INTERNAL_H
#define RUN_MERGE_INTERNAL_H

#include <hdf5.h>
#include <stdio.h>

#include "asl/status.h"
#include "run/cube.h"
#include "run/merge.h"
#include "cube/h5.h"

typedef struct {
  char dir[4096];
  char path[4200];       // dir/results.h5
  hid_t file;            // H5I_INVALID_HID when the part has no cube
  int version;           // its format version
  signed char *status;   // (J) /jobs/status of this part
  int *cells;            // (J) cells holding each job's index in this part
} merge_part;

typedef struct {
  int n_parts;
  merge_part *part;
  int base;              // the first part with a cube: static values come from it
  int n_jobs;
  int *source;           // (J) part a job is taken from: done there first, else
                         // failed there first; -1 for none (pending)
  char *key_text;        // every job key, each ending in '\0' (for messages)
  size_t *key_at;        // (J) job j's key at key_text + key_at[j]
  int bad_rows;          // rows of the parts failing verification
  FILE *log;
} merge_run;

static inline const char *merge_key(const merge_run *m, int j) {
  return m->key_text + m->key_at[j];
}

// Job j is done in part p but taken from an earlier part: p holds a
// duplicate, whose numbers must equal the source's.
static inline int merge_duplicate_in(const merge_run *m, int p, int j) {
  int s = m->source[j];
  return s >= 0 && s != p && m->part[p].status[j] == CUBE_JOB_DONE &&
         m->part[s].status[j] == CUBE_JOB_DONE;
}

// Opens dir/results.h5 read-only into part p; a missing cube is a warning
// on m->log (the part stays closed), an unreadable one an error, one of
// another format version ASL_ESPEC naming both versions.
asl_status merge_open_part(merge_run *m, int p, const char *dir);
// Refuses (ASL_ESPEC, naming both parts) a part p whose spec_hash, executor,
// job keys or subjects differ from the base part's.
asl_status merge_same_run(const merge_run *m, int p);
// Job count and keys from the base part, every open part's /jobs/status.
asl_status merge_read_jobs(merge_run *m);
// m->source for every job, warnings for duplicates; counts into s.
void merge_choose_sources(merge_run *m, run_merge_summary *s);

// A whole dataset as the file stores it (no conversion): n elements of
// `size` bytes each in *buf (malloc'd; the caller frees).
asl_status merge_read_all(hid_t file, const char *name, const char *path, size_t *n,
                          size_t *size, void **buf);
// The dataset's fill value (its bytes, `size` of them) into out.
asl_status merge_fill_value(hid_t file, const char *name, const char *path, void *out,
                            size_t size);

// A dataset open for block moves, with its extent and its file type.
typedef struct {
  hid_t ds, type;
  int rank;
  hsize_t dims[CUBE_MAX_RANK];
  size_t size;           // bytes per value
  char where[300];       // "file: dataset", for messages
} merge_set;
asl_status merge_set_open(merge_set *s, hid_t file, const char *name, const char *path);
void merge_set_close(merge_set *s);
// A block of the dataset in its file type: the hyperslab start/count over
// its first `lead` dimensions, the others whole.
asl_status merge_read_block(const merge_set *s, int lead, const hsize_t *start,
                            const hsize_t *count, void *buf);
asl_status merge_write_block(const merge_set *s, int lead, const hsize_t *start,
                             const hsize_t *count, const void *buf);

// /jobs: rows (status, seconds, rank, host, error, losses) from each job's
// source part, fill values where it has none; a job done in a later part
// too must have the same losses there (ASL_ESPEC otherwise).
asl_status merge_jobs(merge_run *m, hid_t out, const char *out_path);
// Every experiment's metrics, metrics_per_image and job cells, likewise,
// with each duplicate's cells compared to its source's.
asl_status merge_cells(merge_run *m, hid_t out, const char *out_path);
// Copies `from` to `to` byte for byte.
asl_status merge_copy_file(const char *from, const char *to);
// DIR/volumes/<job>_*: the files of jobs taken from each part; *copied counts them.
asl_status merge_volumes(const merge_run *m, const char *out_dir, int *copied);
// DIR/volumes/*.h5 (packed): the images of jobs taken from each part into
// out_dir/volumes/merged.h5; *copied counts them.
asl_status merge_packed_volumes(const merge_run *m, const char *out_dir, int *copied);

#endif
