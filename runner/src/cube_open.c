// Reopening an existing cube for a resumed run, and closing it.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cube_internal.h"
#include "run/cube.h"

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

static asl_status open_jobs(run_cube *c, const char *path) {
  asl_status st;
  hid_t g = H5I_INVALID_HID;
  HCHECK(g = H5Gopen2(c->file, CUBE_GROUP_JOBS, H5P_DEFAULT), "%s: open group /%s", path,
         CUBE_GROUP_JOBS);
  if ((st = open_ds(&c->status, g, CUBE_DS_JOB_STATUS, path)) ||
      (st = open_ds(&c->seconds, g, CUBE_DS_JOB_SECONDS, path)) ||
      (st = open_ds(&c->rank, g, CUBE_DS_JOB_RANK, path)) ||
      (st = open_ds(&c->host, g, CUBE_DS_JOB_HOST, path)) ||
      (st = open_ds(&c->error, g, CUBE_DS_JOB_ERROR, path)) ||
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
  hsize_t want[2] = {(hsize_t)c->n_jobs, (hsize_t)c->epochs};
  st = check_dims(c->train_loss, 2, want, cube_ds_path(CUBE_DS_JOB_TRAIN_LOSS), path);
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
  if (cube_check_version(c->file, path, NULL)) {
    st = ASL_ESPEC;
    goto fail;
  }
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
  if ((st = open_jobs(c, path))) goto fail;
  for (int e = 0; e < c->n_exp; e++)
    if ((st = open_experiment(c, e, p, path))) goto fail;
fail:
  run_h5_close(&fapl);
  if (st) run_cube_close_keep(c);
  return st;
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
  hid_t *ds[] = {&c->status,     &c->seconds,  &c->rank, &c->host,      &c->error,
                 &c->train_loss, &c->val_loss, &c->key,  &c->kind,      &c->train_job,
                 &c->experiment, &c->seed,     &c->checksum, &c->chosen_param};
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
