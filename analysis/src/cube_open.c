// ana_cube_open: root attributes, format check, /subjects, /jobs and the
// experiment groups (read in cube_experiment.c).
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ana/cube.h"
#include "cube/h5.h"
#include "cube_internal.h"
#include "h5read.h"

#define ALLOC(p, n) ((p) = calloc((n) ? (size_t)(n) : 1, sizeof *(p)))

// One dataset of a /subjects or /jobs group read whole into `out` (strings
// `stride` bytes apart), its name and type from the schema table.
typedef struct {
  cube_ds d;
  void *out;
  size_t n, stride;
} field;

static asl_status read_fields(hid_t g, const char *path, const field *f, int n_fields) {
  asl_status st = ASL_OK;
  for (int i = 0; i < n_fields && st == ASL_OK; i++) {
    const cube_dataset_def *x = &cube_datasets[f[i].d];
    char where[64];
    snprintf(where, sizeof where, "/%s", x->group);
    if (x->type == CUBE_T_STR)
      st = h5r_strings(g, path, where, x->name, f[i].n, f[i].out, f[i].stride);
    else
      st = h5r_numbers(g, path, where, x->name, f[i].n, cube_mem_type(x->type, 0), f[i].out);
  }
  return st;
}

// /<name> of the cube, or ASL_EFORMAT saying the file is not a cube.
static asl_status open_group(hid_t f, const char *path, const char *name, hid_t *g) {
  *g = H5Gopen2(f, name, H5P_DEFAULT);
  if (*g < 0)
    return asl_fail(ASL_EFORMAT, "%s: no /%s group (not an aslsweep results cube?)", path, name);
  return ASL_OK;
}

static asl_status read_subjects(hid_t f, const char *path, ana_subjects *s) {
  hid_t g;
  asl_status st = open_group(f, path, CUBE_GROUP_SUBJECTS, &g);
  if (st) return st;
  hsize_t dims[1];
  int rank;
  st = h5r_shape(g, path, "/" CUBE_GROUP_SUBJECTS, cube_ds_name(CUBE_DS_SUBJECT_ID),
                            1, &rank, dims);
  if (st == ASL_OK) {
    s->n = (int)dims[0];
    if (!ALLOC(s->id, s->n) || !ALLOC(s->fold, s->n) || !ALLOC(s->snr_group, s->n) ||
        !ALLOC(s->ssim_single, s->n) || !ALLOC(s->nmae_single, s->n))
      st = asl_fail(ASL_ENOMEM, "%s: out of memory for %d subjects", path, s->n);
  }
  size_t n = (size_t)s->n;
  const field fields[] = {
      {CUBE_DS_SUBJECT_ID, s->id, n, sizeof *s->id},
      {CUBE_DS_SUBJECT_FOLD, s->fold, n, 0},
      {CUBE_DS_SUBJECT_SNR_GROUP, s->snr_group, n, sizeof *s->snr_group},
      {CUBE_DS_SUBJECT_SSIM_SINGLE, s->ssim_single, n, 0},
      {CUBE_DS_SUBJECT_NMAE_SINGLE, s->nmae_single, n, 0},
  };
  if (st == ASL_OK) st = read_fields(g, path, fields, (int)(sizeof fields / sizeof *fields));
  H5Gclose(g);
  return st;
}

static asl_status alloc_jobs(ana_jobs *j, const char *path) {
  if (!ALLOC(j->kind, j->n) || !ALLOC(j->train_job, j->n) || !ALLOC(j->status, j->n) ||
      !ALLOC(j->seconds, j->n) || !ALLOC(j->rank, j->n) || !ALLOC(j->seed, j->n))
    return asl_fail(ASL_ENOMEM, "%s: out of memory for %d jobs", path, j->n);
  return ASL_OK;
}

// The numbers of every job, read in blocks; the file stays open in
// j->rows for the strings and loss rows asked for later (cube_jobs.c).
static asl_status read_jobs(hid_t f, const char *path, int version, ana_jobs *j) {
  asl_status st = ana_job_rows_open(&j->rows, f, version, path);
  if (st) return st;
  const cube_jobs *J = ana_job_rows_jobs(j->rows);
  cube_rows *R = ana_job_rows_block(j->rows);
  j->n = J->n_jobs;
  j->n_epochs = J->epochs;
  st = alloc_jobs(j, path);
  for (int j0 = 0; j0 < j->n && !st; j0 += R->cap) {
    int n = j->n - j0 < R->cap ? j->n - j0 : R->cap;
    if ((st = cube_rows_read(J, j0, n, CUBE_ROW_NUMBERS, R, path))) break;
    memcpy(j->kind + j0, R->kind, (size_t)n);
    memcpy(j->train_job + j0, R->train_job, sizeof(int32_t) * (size_t)n);
    memcpy(j->status + j0, R->status, (size_t)n);
    memcpy(j->seconds + j0, R->seconds, sizeof(double) * (size_t)n);
    memcpy(j->rank + j0, R->rank, sizeof(int32_t) * (size_t)n);
    memcpy(j->seed + j0, R->seed, sizeof(uint64_t) * (size_t)n);
  }
  ana_job_rows_forget(j->rows);
  return st;
}

// The version check first: nothing else of another version's layout is read.
static asl_status read_root(hid_t f, ana_cube *c) {
  asl_status st = cube_check_version(f, c->path, &c->format_version);
  if (st) return st;
  struct {
    cube_attr a;
    char *out;
    size_t len;
    int optional; // absent from the oldest cubes
  } attrs[] = {
      {CUBE_ATTR_NAME, c->name, sizeof c->name, 0},
      {CUBE_ATTR_PROGRAM_VERSION, c->program_version, sizeof c->program_version, 0},
      {CUBE_ATTR_CREATED, c->created, sizeof c->created, 0},
      {CUBE_ATTR_SPEC_HASH, c->spec_hash, sizeof c->spec_hash, 1},
      {CUBE_ATTR_EXECUTOR, c->executor, sizeof c->executor, 1},
  };
  for (size_t i = 0; i < sizeof attrs / sizeof *attrs && st == ASL_OK; i++) {
    const char *name = cube_attr_name(attrs[i].a);
    if (!attrs[i].optional || H5Aexists(f, name) > 0)
      st = h5r_attr_str(f, c->path, "/", name, attrs[i].out, attrs[i].len);
  }
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

static asl_status open_cube(ana_cube *c, const char *path, int lazy) {
  memset(c, 0, sizeof *c);
  snprintf(c->path, sizeof c->path, "%s", path);
  // The reader reports its own errors; HDF5's stack dump would only confuse.
  cube_h5_quiet q;
  cube_h5_quiet_begin(&q);
  asl_status st = ASL_OK;
  hid_t f = open_file(path);
  if (f < 0) st = open_failure(path);
  if (st == ASL_OK) st = read_root(f, c);
  if (st == ASL_OK) st = read_subjects(f, path, &c->subjects);
  if (st == ASL_OK) st = read_jobs(f, path, c->format_version, &c->jobs);
  if (st == ASL_OK) st = ana_read_chosen(f, c);
  if (st == ASL_OK) st = ana_read_experiments(f, c, lazy);
  if (st == ASL_OK) st = cube_verify_file(f, path, &c->verify);
  if (st == ASL_OK && lazy && !c->verify.has_checksums) st = ana_check_lazy_jobs(c);
  // The /jobs rows keep the file open (their own reference) for later reads.
  if (f >= 0) H5Fclose(f);
  cube_h5_quiet_end(&q);
  if (st) ana_cube_free(c);
  return st;
}

asl_status ana_cube_open(ana_cube *c, const char *path) { return open_cube(c, path, 0); }
asl_status ana_cube_open_lazy(ana_cube *c, const char *path) { return open_cube(c, path, 1); }

static void free_jobs(ana_jobs *j) {
  free(j->kind);
  free(j->train_job);
  free(j->status);
  free(j->seconds);
  free(j->rank);
  free(j->seed);
  free(j->chosen_param);
  ana_job_rows_close(j->rows);
  j->rows = NULL;
}

void ana_cube_free(ana_cube *c) {
  cube_verify_free(&c->verify);
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

int ana_cube_report_rows(const ana_cube *c, const char *prefix, FILE *f) {
  int bad = cube_verify_print(&c->verify, prefix, c->path, NULL, f);
  if (bad)
    fprintf(f, "%s: refusing to read numbers from rows that fail verification (`aslsweep "
            "verify DIR` lists them)\n", prefix);
  return bad;
}
