// The /jobs rows of a cube of any format version the readers know
// (docs/cube.md, "Format versions"), read in blocks of rows so that memory
// does not grow with the study, and the version-2 writes that are not plain
// hyperslabs: an error text into the error heap, a loss row by its index.
#ifndef CUBE_JOBS_H
#define CUBE_JOBS_H

#include <hdf5.h>
#include <stdint.h>

#include "asl/status.h"
#include "cube/schema.h"

// Rows per block for readers that walk every job: a few MB of buffers.
#define CUBE_ROWS_BLOCK 4096

// Error heap of a new cube: this many bytes per job, and this many more.
#define CUBE_HEAP_PER_JOB 16
#define CUBE_HEAP_BASE ((int64_t)64 << 10)

typedef struct {
  int version; // format version of the file
  int n_jobs, epochs, n_loss_rows;
  hid_t key, kind, train_job, experiment, seed, status, seconds, rank, host;
  hid_t checksum;             // H5I_INVALID_HID in cubes from before row checksums
  hid_t content_key;          // H5I_INVALID_HID in cubes from before content keys
  hid_t chosen_param;         // H5I_INVALID_HID in cubes from before tuned values
  hid_t error;                // version 1: (J) strings
  hid_t error_at, error_text; // version 2: heap offsets (J) and the heap (H)
  hid_t loss_row;             // version 2: (J) row of train_loss/val_loss, -1 none
  hid_t train_loss, val_loss; // version 1: (J, E); version 2: (R, E)
  int64_t heap_size;          // version 2: bytes of error_text
} cube_jobs;

// Opens the /jobs datasets of `file` (format `version`, from
// cube_check_version). `path` names the file in messages.
asl_status cube_jobs_open(cube_jobs *J, hid_t file, int version, const char *path);
void cube_jobs_close(cube_jobs *J);

// What cube_rows_read fills.
enum {
  CUBE_ROW_KEY = 1,     // key
  CUBE_ROW_ERROR = 2,   // error text
  CUBE_ROW_LOSS = 4,    // train_loss, val_loss (NaN rows for jobs without)
  CUBE_ROW_HOST = 8,    // host
  CUBE_ROW_NUMBERS = 16, // kind, train_job, experiment, seed, status, seconds, rank, checksum
  CUBE_ROW_CHOSEN = 32   // chosen_param (NaN where the cube has none)
};

typedef struct {
  int cap, epochs;      // rows the buffers hold, epochs per loss row
  int j0, n;            // the rows of the last read
  char *key, *error, *host; // rows of CUBE_KEY_LEN, CUBE_ERROR_LEN, CUBE_HOST_LEN bytes
  int8_t *kind, *status;
  int32_t *train_job, *experiment, *rank;
  uint64_t *seed, *checksum; // checksum 0 where the cube has none
  double *seconds;
  double *chosen_param;   // NaN where the cube has none
  float *train_loss, *val_loss; // cap x epochs
  int32_t *loss_row;            // version 2 scratch
  int64_t *error_at;            // version 2 scratch
} cube_rows;

// A stretch of the error heap one writer appends to: [next, end). Equal
// texts in a row (an infer job failing because its train job did, for
// every such job) share one copy.
typedef struct {
  int64_t next, end;
  int64_t last_at;
  char last[CUBE_ERROR_LEN], last_stored[CUBE_ERROR_LEN];
} cube_heap_region;

asl_status cube_rows_init(cube_rows *R, int cap, int epochs);
void cube_rows_free(cube_rows *R);
// Rows [j0, j0 + n) (n <= R->cap) of the fields in `want` into R.
asl_status cube_rows_read(const cube_jobs *J, int j0, int n, unsigned want, cube_rows *R,
                          const char *path);

// Row i of dst becomes row k of src (the per-run values: status, seconds,
// rank, host, checksum, chosen_param, error, losses; the epochs both hold),
// or the fill values (pending, NaN, -1, "", no checksum) when src is NULL.
void cube_rows_copy(cube_rows *dst, int i, const cube_rows *src, int k);
// Writes the per-run values of R's rows to jobs [j0, j0 + R->n) of J:
// seconds, rank, host, checksum, chosen_param (where J has it; the rows
// must hold it, read with CUBE_ROW_CHOSEN or copied), each error (version 2:
// into `heap`), the loss rows (version 2: R->loss_row, read with
// CUBE_ROW_LOSS), status last.
asl_status cube_rows_write(const cube_jobs *J, cube_heap_region *heap, const cube_rows *R,
                           const char *path);

// Version 2: every job's loss row index (R rows in job order), computed from
// the job kinds; out (J) gets -1 for jobs without. Returns R.
int cube_loss_rows(int n_jobs, const signed char *kind, int32_t *out);

// Version 2: the heap's bytes in use (the end of the text the last row
// points to), read in blocks.
asl_status cube_heap_used(const cube_jobs *J, int64_t *used, const char *path);
// Part `part` of n_parts of the free heap [used, heap_size).
void cube_heap_split(cube_heap_region *r, int64_t used, int64_t heap_size, int part, int n_parts);
// Version 2: job j's error text into the region (cut to what fits, with a
// note in the text when cut), then its error_at; "" stores -1. `stored`
// (CUBE_ERROR_LEN bytes, may be NULL) receives the text as stored, which is
// what the row's checksum covers.
asl_status cube_jobs_put_error(const cube_jobs *J, cube_heap_region *r, int j, const char *text,
                               char *stored, const char *path);
// Version 1: the fixed-length error row.
asl_status cube_jobs_put_error_v1(const cube_jobs *J, int j, const char *text, const char *path);
// Loss row `row` (version 2: loss_row of the job; version 1: the job) from
// `epochs` values each.
asl_status cube_jobs_put_loss(const cube_jobs *J, int row, const float *train, const float *val,
                              const char *path);

#endif
