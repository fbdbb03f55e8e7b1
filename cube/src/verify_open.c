// Verification of a cube file: its datasets opened by the schema's names.
#include <stdlib.h>
#include <string.h>

#include "cube/checksum.h"
#include "cube/h5.h"

static void close_handles(cube_verify_handles *h) {
  cube_jobs_close(&h->jobs);
  for (int e = 0; e < h->n_exp; e++) {
    if (h->metrics) cube_h5_close(&h->metrics[e]);
    if (h->per_image) cube_h5_close(&h->per_image[e]);
    if (h->job) cube_h5_close(&h->job[e]);
  }
  free(h->metrics);
  free(h->per_image);
  free(h->job);
  if (h->exp_name) free(h->exp_name[0]);
  free(h->exp_name);
}

static asl_status open_ds(hid_t loc, const char *name, hid_t *out, const char *path) {
  asl_status st = ASL_OK;
  CUBE_CHECK(*out = H5Dopen2(loc, name, H5P_DEFAULT), "%s: open %s (not a complete aslsweep "
             "results cube?)", path, name);
fail:
  return st;
}

// The `experiments` attribute split in place; exp_name[0] owns the text.
static asl_status open_experiments(hid_t f, const char *path, cube_verify_handles *h) {
  char *names = NULL;
  asl_status st = cube_attr_read_str_alloc(f, cube_attr_name(CUBE_ATTR_EXPERIMENTS), &names);
  if (st) return cube_fail_wrap(st, "%s", path);
  int n = names[0] ? 1 : 0;
  for (const char *s = names; *s; s++) n += *s == ',';
  h->exp_name = calloc((size_t)n + 1, sizeof *h->exp_name);
  h->metrics = malloc(sizeof(hid_t) * ((size_t)n + 1));
  h->per_image = malloc(sizeof(hid_t) * ((size_t)n + 1));
  h->job = malloc(sizeof(hid_t) * ((size_t)n + 1));
  if (!h->exp_name || !h->metrics || !h->per_image || !h->job) {
    free(names);
    return asl_fail(ASL_ENOMEM, "%s: %d experiments", path, n);
  }
  h->exp_name[0] = names;
  for (int e = 0; e < n; e++) h->metrics[e] = h->per_image[e] = h->job[e] = H5I_INVALID_HID;
  h->n_exp = n;
  char *s = names;
  for (int e = 0; e < n; e++) {
    h->exp_name[e] = s;
    s += strcspn(s, ",");
    if (*s) *s++ = '\0';
  }
  for (int e = 0; e < n && !st; e++) {
    hid_t g = H5Gopen2(f, h->exp_name[e], H5P_DEFAULT);
    if (g < 0) return asl_fail(ASL_EFORMAT, "%s: no group /%s, yet the cube's experiments list "
                               "names it: the cube is damaged", path, h->exp_name[e]);
    if (!(st = open_ds(g, cube_ds_name(CUBE_DS_EXP_METRICS), &h->metrics[e], path)) &&
        !(st = open_ds(g, cube_ds_name(CUBE_DS_EXP_PER_IMAGE), &h->per_image[e], path)))
      st = open_ds(g, cube_ds_name(CUBE_DS_EXP_JOB), &h->job[e], path);
    H5Gclose(g);
  }
  return st;
}

// A cube from before row checksums: only its committed rows are counted
// (nothing else is opened, so the oldest layouts read as they always did).
static asl_status count_unverified(hid_t file, const char *path, cube_verify_result *out) {
  asl_status st = ASL_OK;
  hid_t ds = H5I_INVALID_HID, space = H5I_INVALID_HID;
  signed char *status = NULL;
  const char *name = cube_ds_path(CUBE_DS_JOB_STATUS);
  CUBE_CHECK(ds = H5Dopen2(file, name, H5P_DEFAULT), "%s: open %s", path, name);
  CUBE_CHECK(space = H5Dget_space(ds), "%s: dataspace of %s", path, name);
  hssize_t n = H5Sget_simple_extent_npoints(space);
  CUBE_CHECK(n, "%s: size of %s", path, name);
  if (!(status = malloc((size_t)n + 1))) {
    st = asl_fail(ASL_ENOMEM, "%s: %lld jobs", path, (long long)n);
    goto fail;
  }
  if (n > 0)
    CUBE_CHECK(H5Dread(ds, H5T_NATIVE_SCHAR, H5S_ALL, H5S_ALL, H5P_DEFAULT, status),
               "%s: read %s", path, name);
  out->n_jobs = (int)n;
  for (hssize_t j = 0; j < n; j++)
    out->n_unverified += status[j] == CUBE_JOB_DONE || status[j] == CUBE_JOB_FAILED;
  if (!(out->bad_job = calloc((size_t)n + 1, 1)) ||
      !(out->computed = calloc((size_t)n + 1, sizeof *out->computed)))
    st = asl_fail(ASL_ENOMEM, "%s: %lld jobs", path, (long long)n);
fail:
  free(status);
  cube_h5_close(&space);
  cube_h5_close(&ds);
  return st;
}

asl_status cube_verify_file(hid_t file, const char *path, cube_verify_result *out) {
  cube_verify_handles h;
  memset(&h, 0, sizeof h);
  memset(out, 0, sizeof *out);
  cube_h5_quiet q;
  cube_h5_quiet_begin(&q);
  htri_t has = H5Lexists(file, cube_ds_path(CUBE_DS_JOB_CHECKSUM), H5P_DEFAULT);
  if (has <= 0) {
    asl_status st = count_unverified(file, path, out);
    if (st) cube_verify_free(out);
    cube_h5_quiet_end(&q);
    return st;
  }
  int version = 0;
  asl_status st = cube_check_version(file, path, &version);
  if (!st) st = cube_jobs_open(&h.jobs, file, version, path);
  if (st) {
    cube_h5_quiet_end(&q);
    return st;
  }
  st = open_experiments(file, path, &h);
  if (!st) st = cube_verify_handles_run(&h, path, out);
  close_handles(&h);
  cube_h5_quiet_end(&q);
  return st;
}

asl_status cube_verify_path(const char *path, cube_verify_result *out) {
  memset(out, 0, sizeof *out);
  cube_h5_quiet q;
  cube_h5_quiet_begin(&q);
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  H5Pset_file_locking(fapl, 0, 1);
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, fapl);
  H5Pclose(fapl);
  cube_h5_quiet_end(&q);
  if (f < 0)
    return asl_fail(ASL_ENOTFOUND, "%s: cannot open the results cube (no such file, or not "
                    "HDF5?)", path);
  asl_status st = cube_check_version(f, path, NULL);
  if (!st) st = cube_verify_file(f, path, out);
  H5Fclose(f);
  return st;
}
