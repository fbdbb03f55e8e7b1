// ana_cube_open: root attributes, format check, /subjects, /jobs and the
// experiment groups (read in cube_experiment.c).
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ana/cube.h"
#include "cube_internal.h"
#include "h5read.h"

#define ALLOC(p, n) ((p) = calloc((n) ? (size_t)(n) : 1, sizeof *(p)))

static asl_status read_subjects(hid_t f, const char *path, ana_subjects *s) {
  hid_t g = H5Gopen2(f, "subjects", H5P_DEFAULT);
  if (g < 0)
    return asl_fail(ASL_EFORMAT, "%s: no /subjects group (not an aslsweep results cube?)", path);
  hsize_t dims[1];
  int rank;
  asl_status st = h5r_shape(g, path, "/subjects", "id", 1, &rank, dims);
  if (st == ASL_OK) {
    s->n = (int)dims[0];
    if (!ALLOC(s->id, s->n) || !ALLOC(s->fold, s->n) || !ALLOC(s->snr_group, s->n) ||
        !ALLOC(s->ssim_single, s->n) || !ALLOC(s->nmae_single, s->n))
      st = asl_fail(ASL_ENOMEM, "%s: out of memory for %d subjects", path, s->n);
  }
  if (st == ASL_OK)
    st = h5r_strings(g, path, "/subjects", "id", s->n, (char *)s->id, sizeof *s->id);
  if (st == ASL_OK)
    st = h5r_numbers(g, path, "/subjects", "fold", s->n, H5T_NATIVE_INT32, s->fold);
  if (st == ASL_OK)
    st = h5r_strings(g, path, "/subjects", "snr_group", s->n, (char *)s->snr_group,
                     sizeof *s->snr_group);
  if (st == ASL_OK)
    st = h5r_numbers(g, path, "/subjects", "ssim_single", s->n, H5T_NATIVE_FLOAT, s->ssim_single);
  if (st == ASL_OK)
    st = h5r_numbers(g, path, "/subjects", "nmae_single", s->n, H5T_NATIVE_FLOAT, s->nmae_single);
  H5Gclose(g);
  return st;
}

static asl_status alloc_jobs(ana_jobs *j, const char *path) {
  size_t le = (size_t)j->n * (size_t)j->n_epochs;
  if (!ALLOC(j->key, j->n) || !ALLOC(j->kind, j->n) || !ALLOC(j->train_job, j->n) ||
      !ALLOC(j->status, j->n) || !ALLOC(j->seconds, j->n) || !ALLOC(j->rank, j->n) ||
      !ALLOC(j->host, j->n) || !ALLOC(j->seed, j->n) || !ALLOC(j->error, j->n) ||
      !ALLOC(j->train_loss, le) || !ALLOC(j->val_loss, le))
    return asl_fail(ASL_ENOMEM, "%s: out of memory for %d jobs", path, j->n);
  return ASL_OK;
}

static asl_status read_jobs(hid_t f, const char *path, ana_jobs *j) {
  hid_t g = H5Gopen2(f, "jobs", H5P_DEFAULT);
  if (g < 0) return asl_fail(ASL_EFORMAT, "%s: no /jobs group (not an aslsweep results cube?)", path);
  const char *w = "/jobs";
  hsize_t dims[2] = {0, 0};
  int rank = 0;
  asl_status st = h5r_shape(g, path, w, "key", 1, &rank, dims);
  if (st == ASL_OK) {
    j->n = (int)dims[0];
    st = h5r_shape(g, path, w, "train_loss", 2, &rank, dims);
    if (st == ASL_OK && (rank != 2 || (int)dims[0] != j->n))
      st = asl_fail(ASL_EFORMAT, "%s: /jobs/train_loss must be (jobs=%d, epochs)", path, j->n);
    j->n_epochs = rank == 2 ? (int)dims[1] : 0;
  }
  if (st == ASL_OK) st = alloc_jobs(j, path);
  size_t n = (size_t)j->n, le = n * (size_t)j->n_epochs;
  if (st == ASL_OK) st = h5r_strings(g, path, w, "key", n, (char *)j->key, sizeof *j->key);
  if (st == ASL_OK) st = h5r_numbers(g, path, w, "kind", n, H5T_NATIVE_INT8, j->kind);
  if (st == ASL_OK) st = h5r_numbers(g, path, w, "train_job", n, H5T_NATIVE_INT32, j->train_job);
  if (st == ASL_OK) st = h5r_numbers(g, path, w, "status", n, H5T_NATIVE_INT8, j->status);
  if (st == ASL_OK) st = h5r_numbers(g, path, w, "seconds", n, H5T_NATIVE_DOUBLE, j->seconds);
  if (st == ASL_OK) st = h5r_numbers(g, path, w, "rank", n, H5T_NATIVE_INT32, j->rank);
  if (st == ASL_OK) st = h5r_strings(g, path, w, "host", n, (char *)j->host, sizeof *j->host);
  if (st == ASL_OK) st = h5r_numbers(g, path, w, "seed", n, H5T_NATIVE_UINT64, j->seed);
  if (st == ASL_OK) st = h5r_strings(g, path, w, "error", n, (char *)j->error, sizeof *j->error);
  if (st == ASL_OK) st = h5r_numbers(g, path, w, "train_loss", le, H5T_NATIVE_FLOAT, j->train_loss);
  if (st == ASL_OK) st = h5r_numbers(g, path, w, "val_loss", le, H5T_NATIVE_FLOAT, j->val_loss);
  H5Gclose(g);
  return st;
}

static asl_status read_root(hid_t f, ana_cube *c) {
  long long v = 0;
  asl_status st = h5r_attr_int(f, c->path, "/", "format_version", &v);
  if (st) return st;
  c->format_version = (int)v;
  if (v != ANA_CUBE_FORMAT_VERSION) {
    if (H5Aexists(f, "program_version") > 0)
      h5r_attr_str(f, c->path, "/", "program_version", c->program_version,
                   sizeof c->program_version);
    return asl_fail(ASL_EFORMAT,
                    "%s: results cube format_version %lld is %s than format_version %d, the one "
                    "this aslsweep (%s) reads; read it with the aslsweep that wrote it (%s) or "
                    "re-run the sweep with this one",
                    c->path, v, v > ANA_CUBE_FORMAT_VERSION ? "newer" : "older",
                    ANA_CUBE_FORMAT_VERSION, ASLSWEEP_VERSION,
                    c->program_version[0] ? c->program_version : "version unknown");
  }
  st = h5r_attr_str(f, c->path, "/", "name", c->name, sizeof c->name);
  if (st == ASL_OK)
    st = h5r_attr_str(f, c->path, "/", "program_version", c->program_version,
                      sizeof c->program_version);
  if (st == ASL_OK) st = h5r_attr_str(f, c->path, "/", "created", c->created, sizeof c->created);
  if (st == ASL_OK && H5Aexists(f, "spec_hash") > 0)
    st = h5r_attr_str(f, c->path, "/", "spec_hash", c->spec_hash, sizeof c->spec_hash);
  if (st == ASL_OK && H5Aexists(f, "executor") > 0)
    st = h5r_attr_str(f, c->path, "/", "executor", c->executor, sizeof c->executor);
  return st;
}

// Opens read-only without HDF5's file lock, so tables can be made while the
// runner still writes the cube (it allocates every dataset up front, so the
// metadata a reader sees does not change under it).
static hid_t open_file(const char *path) {
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  H5Pset_file_locking(fapl, 0, 1);
  hid_t f = H5Fopen(path, H5F_ACC_RDONLY, fapl);
  H5Pclose(fapl);
  return f;
}

static asl_status open_failure(const char *path) {
  static const unsigned char sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
  unsigned char head[8] = {0};
  FILE *probe = fopen(path, "rb");
  if (!probe) return asl_fail(ASL_ENOTFOUND, "%s: cannot open (no such file?)", path);
  size_t n = fread(head, 1, sizeof head, probe);
  fclose(probe);
  if (n < sizeof head || memcmp(head, sig, sizeof sig) != 0)
    return asl_fail(ASL_EFORMAT, "%s: not an HDF5 file (expected DIR/results.h5)", path);
  return asl_fail(ASL_EHDF5, "%s: HDF5 cannot open the file (damaged or truncated?)", path);
}

asl_status ana_cube_open(ana_cube *c, const char *path) {
  memset(c, 0, sizeof *c);
  snprintf(c->path, sizeof c->path, "%s", path);
  // The reader reports its own errors; HDF5's stack dump would only confuse.
  H5E_auto2_t old_fn;
  void *old_data;
  H5Eget_auto2(H5E_DEFAULT, &old_fn, &old_data);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  asl_status st = ASL_OK;
  hid_t f = open_file(path);
  if (f < 0) st = open_failure(path);
  if (st == ASL_OK) st = read_root(f, c);
  if (st == ASL_OK) st = read_subjects(f, path, &c->subjects);
  if (st == ASL_OK) st = read_jobs(f, path, &c->jobs);
  if (st == ASL_OK) st = ana_read_experiments(f, c);
  if (f >= 0) H5Fclose(f);
  H5Eset_auto2(H5E_DEFAULT, old_fn, old_data);
  if (st) ana_cube_free(c);
  return st;
}

static void free_jobs(ana_jobs *j) {
  free(j->key);
  free(j->kind);
  free(j->train_job);
  free(j->status);
  free(j->seconds);
  free(j->rank);
  free(j->host);
  free(j->seed);
  free(j->error);
  free(j->train_loss);
  free(j->val_loss);
}

void ana_cube_free(ana_cube *c) {
  for (int i = 0; i < c->n_experiments; i++) ana_experiment_free(&c->experiments[i]);
  free(c->experiments);
  free_jobs(&c->jobs);
  ana_subjects *s = &c->subjects;
  free(s->id);
  free(s->fold);
  free(s->snr_group);
  free(s->ssim_single);
  free(s->nmae_single);
  char path[sizeof c->path];
  memcpy(path, c->path, sizeof path);
  memset(c, 0, sizeof *c);
  memcpy(c->path, path, sizeof path);
}

const char *ana_cube_warning(const ana_cube *c) {
  static _Thread_local char msg[1200];
  if (strcmp(c->executor, "test-double") != 0) return NULL;
  snprintf(msg, sizeof msg,
           "%s was written by the runner's test double (executor=test-double): its numbers "
           "are stand-ins, not results",
           c->path);
  return msg;
}
