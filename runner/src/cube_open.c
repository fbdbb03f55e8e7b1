// Reopening an existing cube for a resumed run, and closing it.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cube_internal.h"
#include "run/cube.h"
#include "run/run.h"

static asl_status open_ds(hid_t *out, hid_t loc, cube_ds d, const char *path) {
  asl_status st = ASL_OK;
  HCHECK(*out = H5Dopen2(loc, cube_ds_name(d), H5P_DEFAULT), "%s: open dataset %s", path,
         cube_ds_name(d));
fail:
  return st;
}

// Sizes that must match the plan, or the cube belongs to another run.
static asl_status check_dims(hid_t ds, int rank, const hsize_t *want, const char *what,
                             const char *path) {
  asl_status st = ASL_OK;
  hid_t space = H5I_INVALID_HID;
  hsize_t dims[RUN_CUBE_MAX_RANK];
  HCHECK(space = H5Dget_space(ds), "%s: dataspace of %s", path, what);
  int r = H5Sget_simple_extent_ndims(space);
  if (r != rank) {
    st = asl_fail(ASL_EFORMAT, "%s: %s has %d dimensions, the spec needs %d; rerun with --force-new",
                  path, what, r, rank);
    goto fail;
  }
  HCHECK(H5Sget_simple_extent_dims(space, dims, NULL), "%s: extent of %s", path, what);
  for (int d = 0; d < rank; d++)
    if (want[d] != 0 && dims[d] != want[d]) {
      st = asl_fail(ASL_EFORMAT,
                    "%s: %s dimension %d is %llu, the spec needs %llu; rerun with --force-new",
                    path, what, d, (unsigned long long)dims[d], (unsigned long long)want[d]);
      goto fail;
    }
fail:
  run_h5_close(&space);
  return st;
}

// Version 2: each job's loss row, read in blocks and checked against the
// rows the plan gives.
static asl_status read_loss_rows(run_cube *c, hid_t g, const char *path) {
  asl_status st = ASL_OK;
  hid_t ds = H5I_INVALID_HID;
  if (!(c->loss_row = malloc(sizeof(int32_t) * (size_t)(c->n_jobs + 1))))
    return asl_fail(ASL_ENOMEM, "%s: loss rows of %d jobs", path, c->n_jobs);
  if ((st = open_ds(&c->loss_row_ds, g, CUBE_DS_JOB_LOSS_ROW, path))) goto fail;
  ds = c->loss_row_ds;
  hsize_t want[1] = {(hsize_t)c->n_jobs};
  if ((st = check_dims(ds, 1, want, cube_ds_path(CUBE_DS_JOB_LOSS_ROW), path))) goto fail;
  for (int j0 = 0; j0 < c->n_jobs && !st; j0 += CUBE_ROWS_BLOCK) {
    hsize_t start[1] = {(hsize_t)j0}, count[1] = {(hsize_t)(c->n_jobs - j0 < CUBE_ROWS_BLOCK
                                                             ? c->n_jobs - j0 : CUBE_ROWS_BLOCK)};
    st = cube_read_block(ds, H5T_NATIVE_INT32, 1, start, count, c->loss_row + j0);
  }
  for (int j = 0; j < c->n_jobs && !st; j++)
    if (c->loss_row[j] >= c->n_loss_rows)
      st = asl_fail(ASL_EFORMAT, "%s: %s of job %d is %d, past the %d loss rows: the cube is "
                    "damaged", path, cube_ds_path(CUBE_DS_JOB_LOSS_ROW), j, c->loss_row[j],
                    c->n_loss_rows);
fail:
  return st;
}

// This rank's stretch of the error heap's free part.
static asl_status heap_region(run_cube *c, MPI_Comm comm, const char *path) {
  int rank = 0, size = 1;
  int64_t used = 0;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  cube_jobs J;
  run_cube_jobs_view(c, &J);
  asl_status st = cube_heap_used(&J, &used, path);
  if (!st) cube_heap_split(&c->heap, used, c->heap_size, rank, size);
  return st;
}

static asl_status open_version_rows(run_cube *c, hid_t g, const char *path) {
  asl_status st = ASL_OK;
  if (c->version < 2) return open_ds(&c->error, g, CUBE_DS_JOB_ERROR, path);
  if ((st = open_ds(&c->error_at, g, CUBE_DS_JOB_ERROR_AT, path)) ||
      (st = open_ds(&c->error_text, g, CUBE_DS_JOB_ERROR_TEXT, path)))
    return st;
  hid_t space = H5I_INVALID_HID;
  hsize_t heap[1] = {0};
  HCHECK(space = H5Dget_space(c->error_text), "%s: dataspace of %s", path,
         cube_ds_path(CUBE_DS_JOB_ERROR_TEXT));
  HCHECK(H5Sget_simple_extent_dims(space, heap, NULL), "%s: extent of %s", path,
         cube_ds_path(CUBE_DS_JOB_ERROR_TEXT));
  c->heap_size = (int64_t)heap[0];
  st = read_loss_rows(c, g, path);
fail:
  run_h5_close(&space);
  return st;
}

// Version 2 keeps loss rows for train jobs only. Rank 0 counts them in its
// plan and tells the others: a worker holds no job list (docs/runner.md,
// "Memory per rank"), and a count taken from its empty table would fail the
// check below on that rank alone.
static asl_status count_loss_rows(run_cube *c, const sweep_plan *p, MPI_Comm comm,
                                  const char *path) {
  asl_status st = ASL_OK;
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  c->n_loss_rows = c->n_jobs;
  if (c->version < 2) return ASL_OK;
  c->n_loss_rows = 0;
  for (int j = 0; rank == 0 && j < c->n_jobs; j++)
    c->n_loss_rows += p->jobs[j].kind == SWEEP_JOB_TRAIN;
  MPICHECK(MPI_Bcast(&c->n_loss_rows, 1, MPI_INT, 0, comm), "%s: sharing the loss row count",
           path);
fail:
  return st;
}

static asl_status open_jobs(run_cube *c, const sweep_plan *p, const char *path) {
  asl_status st;
  hid_t g = H5I_INVALID_HID;
  HCHECK(g = H5Gopen2(c->file, CUBE_GROUP_JOBS, H5P_DEFAULT), "%s: open group /%s", path,
         CUBE_GROUP_JOBS);
  if ((st = open_ds(&c->status, g, CUBE_DS_JOB_STATUS, path)) ||
      (st = open_ds(&c->seconds, g, CUBE_DS_JOB_SECONDS, path)) ||
      (st = open_ds(&c->rank, g, CUBE_DS_JOB_RANK, path)) ||
      (st = open_ds(&c->host, g, CUBE_DS_JOB_HOST, path)) ||
      (st = open_ds(&c->train_loss, g, CUBE_DS_JOB_TRAIN_LOSS, path)) ||
      (st = open_ds(&c->val_loss, g, CUBE_DS_JOB_VAL_LOSS, path)) ||
      (st = open_ds(&c->key, g, CUBE_DS_JOB_KEY, path)) ||
      (st = open_ds(&c->kind, g, CUBE_DS_JOB_KIND, path)) ||
      (st = open_ds(&c->train_job, g, CUBE_DS_JOB_TRAIN_JOB, path)) ||
      (st = open_ds(&c->experiment, g, CUBE_DS_JOB_EXPERIMENT, path)) ||
      (st = open_ds(&c->seed, g, CUBE_DS_JOB_SEED, path)))
    goto fail;
  // A cube from before row checksums is resumed without them (its rows
  // stay unverified); every new cube has the dataset.
  htri_t has_sum = H5Lexists(g, cube_ds_name(CUBE_DS_JOB_CHECKSUM), H5P_DEFAULT);
  HCHECK(has_sum, "%s: look for %s", path, cube_ds_path(CUBE_DS_JOB_CHECKSUM));
  if (has_sum && (st = open_ds(&c->checksum, g, CUBE_DS_JOB_CHECKSUM, path))) goto fail;
  // Likewise a cube from before /jobs/chosen_param: its tuned values are not recorded.
  htri_t has_chosen = H5Lexists(g, cube_ds_name(CUBE_DS_JOB_CHOSEN_PARAM), H5P_DEFAULT);
  HCHECK(has_chosen, "%s: look for %s", path, cube_ds_path(CUBE_DS_JOB_CHOSEN_PARAM));
  if (has_chosen && (st = open_ds(&c->chosen_param, g, CUBE_DS_JOB_CHOSEN_PARAM, path))) goto fail;
  hsize_t want[2] = {(hsize_t)c->n_loss_rows, (hsize_t)c->epochs};
  if ((st = check_dims(c->train_loss, 2, want, cube_ds_path(CUBE_DS_JOB_TRAIN_LOSS), path)))
    goto fail;
  st = open_version_rows(c, g, path);
fail:
  run_h5_close(&g);
  return st;
}

static asl_status open_experiment(run_cube *c, int e, const sweep_plan *p, const char *path) {
  asl_status st;
  const sweep_experiment *x = &p->experiments[e];
  run_cube_exp *ce = &c->exp[e];
  HCHECK(ce->group = H5Gopen2(c->file, x->name, H5P_DEFAULT), "%s: open group /%s", path,
          x->name);
  if ((st = open_ds(&ce->metrics, ce->group, CUBE_DS_EXP_METRICS, path)) ||
      (st = open_ds(&ce->per_image, ce->group, CUBE_DS_EXP_PER_IMAGE, path)) ||
      (st = open_ds(&ce->job, ce->group, CUBE_DS_EXP_JOB, path)))
    goto fail;
  int k = x->n_axes;
  hsize_t want[RUN_CUBE_MAX_RANK];
  for (int a = 0; a < k; a++) want[a] = (hsize_t)x->axes[a].n;
  want[k] = 0; // subjects: the per-image dims below pin the rest
  want[k + 1] = RUN_N_STAGES;
  want[k + 2] = (hsize_t)c->n_metrics;
  want[k + 3] = 0;
  st = check_dims(ce->per_image, k + 4, want, cube_ds_name(CUBE_DS_EXP_PER_IMAGE), path);
  if (st) goto fail;
  // The image count was fixed when the cube was made; take it from the file.
  hid_t space = H5Dget_space(ce->per_image);
  hsize_t dims[RUN_CUBE_MAX_RANK];
  H5Sget_simple_extent_dims(space, dims, NULL);
  H5Sclose(space);
  ce->n_images = (int)dims[k + 3];
  c->n_subjects = (int)dims[k];
fail:
  return st;
}

static asl_status open_cube(run_cube *c, const char *path, const sweep_plan *p, MPI_Comm comm) {
  asl_status st = ASL_OK;
  hid_t fapl = H5I_INVALID_HID;
  char have[64], want[17];
  run_subjects none = {0};
  run_cube_reset(c);
  snprintf(c->path, sizeof c->path, "%s", path);
  if ((st = run_cube_shape(c, p, &none))) goto fail;
  HCHECK(fapl = H5Pcreate(H5P_FILE_ACCESS), "open %s", path);
  HCHECK(H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL), "MPI-IO access for %s", path);
  HCHECK(c->file = H5Fopen(path, H5F_ACC_RDWR, fapl),
          "open %s for resuming (is it an aslsweep cube, and writable?)", path);
  // Another format version is refused as bad input (exit 2), like another spec.
  if (cube_check_version(c->file, path, &c->version)) {
    st = ASL_ESPEC;
    goto fail;
  }
  if ((st = count_loss_rows(c, p, comm, path))) goto fail;
  if ((st = cube_attr_read_str(c->file, cube_attr_name(CUBE_ATTR_SPEC_HASH), have, sizeof have)))
    goto fail;
  run_spec_hash(p, want);
  if (strcmp(have, want) != 0) {
    st = asl_fail(ASL_ESPEC,
                  "%s was written for another spec (spec_hash %s, this spec %s): use a new --out "
                  "directory, or --force-new to discard that run",
                  path, have, want);
    goto fail;
  }
  if ((st = open_jobs(c, p, path))) goto fail;
  if (c->version >= 2 && (st = heap_region(c, comm, path))) goto fail;
  for (int e = 0; e < c->n_exp; e++)
    if ((st = open_experiment(c, e, p, path))) goto fail;
fail:
  run_h5_close(&fapl);
  // Closing is collective: a check that failed on one rank only (its data,
  // its file system) must fail every rank that opened the file first.
  if (c->file >= 0) st = run_agree(st, comm);
  if (st) run_cube_close_keep(c);
  return st;
}

void run_cube_jobs_view(const run_cube *c, cube_jobs *J) {
  memset(J, 0, sizeof *J);
  J->version = c->version;
  J->n_jobs = c->n_jobs;
  J->epochs = c->epochs;
  J->n_loss_rows = c->n_loss_rows;
  J->key = c->key, J->kind = c->kind, J->train_job = c->train_job;
  J->experiment = c->experiment, J->seed = c->seed, J->status = c->status;
  J->seconds = c->seconds, J->rank = c->rank, J->host = c->host, J->checksum = c->checksum;
  J->content_key = H5I_INVALID_HID, J->chosen_param = c->chosen_param;
  J->error = c->error, J->error_at = c->error_at, J->error_text = c->error_text;
  J->loss_row = c->loss_row_ds;
  J->train_loss = c->train_loss, J->val_loss = c->val_loss;
  J->heap_size = c->heap_size;
}

asl_status run_cube_open(run_cube *c, const char *path, const sweep_plan *p, MPI_Comm comm) {
  cube_h5_quiet q;
  cube_h5_quiet_begin(&q);
  asl_status st = open_cube(c, path, p, comm);
  cube_h5_quiet_end(&q);
  return st;
}

static asl_status close_cube(run_cube *c) {
  asl_status st = ASL_OK;
  for (int e = 0; c->exp && e < c->n_exp; e++) {
    run_h5_close(&c->exp[e].metrics);
    run_h5_close(&c->exp[e].per_image);
    run_h5_close(&c->exp[e].job);
    run_h5_close(&c->exp[e].group);
  }
  free(c->exp);
  c->exp = NULL;
  hid_t *ds[] = {&c->status,     &c->seconds,  &c->rank,     &c->host,      &c->error,
                 &c->train_loss, &c->val_loss, &c->key,      &c->kind,      &c->train_job,
                 &c->experiment, &c->seed,     &c->checksum, &c->error_at,  &c->error_text, &c->loss_row_ds,
                 &c->chosen_param};
  free(c->loss_row);
  c->loss_row = NULL;
  for (size_t i = 0; i < sizeof ds / sizeof ds[0]; i++) run_h5_close(ds[i]);
  if (c->file >= 0) {
    HCHECK(H5Fclose(c->file), "close %s", c->path);
    c->file = H5I_INVALID_HID;
  }
fail:
  c->file = H5I_INVALID_HID;
  return st;
}

asl_status run_cube_close(run_cube *c) {
  cube_h5_quiet q;
  cube_h5_quiet_begin(&q);
  asl_status st = close_cube(c);
  cube_h5_quiet_end(&q);
  return st;
}

void run_cube_close_keep(run_cube *c) {
  char keep[2048];
  snprintf(keep, sizeof keep, "%s", asl_error_message());
  asl_status st = run_cube_close(c);
  if (st) fprintf(stderr, "aslsweep: also: %s\n", asl_error_message());
  asl_fail(ASL_EHDF5, "%s", keep);
}
