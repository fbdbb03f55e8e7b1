// Row checksums of the results cube (docs/cube.md, "Row checksums"): one
// CRC-32 per job row over everything the job wrote, stored in
// /jobs/checksum, and the verifier that recomputes them from the file.
#ifndef CUBE_CHECKSUM_H
#define CUBE_CHECKSUM_H

#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "asl/status.h"
#include "cube/jobs.h"

// Bit 32 marks a written checksum, so the fill value 0 means "none yet";
// the low 32 bits are zlib's crc32 (IEEE 802.3 polynomial).
#define CUBE_CHECKSUM_MARK ((uint64_t)1 << 32)

// The /jobs values of one row that the checksum covers. Timing and
// placement (seconds, rank, host) differ between attempts and are left out,
// so a rerun of an unchanged job gives the same checksum.
typedef struct {
  const char *key;
  int kind, train_job, experiment;
  uint64_t seed;
  int status;
  const char *error;
  int epochs;
  const float *train_loss, *val_loss; // `epochs` values each
} cube_row;

typedef struct {
  unsigned long crc;
} cube_sum;

void cube_sum_row(cube_sum *s, const cube_row *r);
// One cell the job owns: its flat index over (axes..., subject), its
// `metrics` values (stages x metrics) and `metrics_per_image` values
// (stages x metrics x images). Cells go in increasing index order.
void cube_sum_cell(cube_sum *s, uint64_t cell, const float *metrics, size_t n_metrics,
                   const float *per_image, size_t n_per_image);
uint64_t cube_sum_value(const cube_sum *s);

// A row that fails verification.
typedef struct {
  int job;        // index into /jobs; -1 for cells no job owns
  char *what;     // "job KEY (experiment E): ..." (malloc'd)
} cube_bad_row;

typedef struct {
  int has_checksums; // 0: the cube predates row checksums; nothing is verified
  int n_verified;    // committed rows (done or failed) whose checksum matched
  int n_unverified;  // committed rows without a checksum
  int n_bad;
  cube_bad_row *bad;
  unsigned char *bad_job; // (J) 1 for each job whose row fails
  uint64_t *computed;     // (J) the checksum each committed row's data gives; 0 for others
  int n_jobs;
} cube_verify_result;

// The open handles the verifier reads: the /jobs rows (any format version)
// and each experiment's metrics, metrics_per_image and job (in
// `experiments` order).
typedef struct {
  cube_jobs jobs;
  int n_exp;
  char **exp_name;
  hid_t *metrics, *per_image, *job;
} cube_verify_handles;

// Recomputes the checksum of every committed row from `h` and compares it
// with /jobs/checksum (h->jobs.checksum < 0: an old cube, every row
// unverified). The /jobs rows are read in blocks (memory: about 24 bytes
// per job), then one experiment at a time.
// Cells of an experiment that hold numbers with no job, or name a job of
// another experiment, are reported too. `path` names the file in messages.
asl_status cube_verify_handles_run(const cube_verify_handles *h, const char *path,
                                   cube_verify_result *out);
// For tests: experiments are verified in slabs of at most `cells` cells of
// (axes..., subject) (whole rows of subjects; 0: the default, 65,536), so a
// small fixture can cross many slabs.
void cube_verify_set_slab(size_t cells);
// Opens the datasets of an open file (serial or parallel) and verifies.
asl_status cube_verify_file(hid_t file, const char *path, cube_verify_result *out);
// Opens `path` read-only (serial HDF5, no file lock), checks the format
// version and verifies.
asl_status cube_verify_path(const char *path, cube_verify_result *out);
void cube_verify_free(cube_verify_result *r);

// Writes one line per failing row to f as "PREFIX: PATH: WHAT", then a
// count with `hint` (what to do; NULL: rerun the sweep) and, when the cube
// has no checksums, a note; returns r->n_bad.
int cube_verify_print(const cube_verify_result *r, const char *prefix, const char *path,
                      const char *hint, FILE *f);

#endif
