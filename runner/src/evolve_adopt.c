// Carrying reused jobs from the old cube into the new one: their /jobs
// rows (status, seconds, rank, host, error, losses) and their cells
// (metrics, metrics_per_image, job). Whole datasets are read, changed in
// memory and written back: a cube's datasets are small next to the memory
// of the process that trains its models.
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cube/checksum.h"
#include "cube/h5.h"
#include "cube/schema.h"
#include "run/evolve.h"

typedef struct {
  hid_t ds, space, type;
  int rank;
  hsize_t dims[CUBE_MAX_RANK];
  size_t n, elem;
  unsigned char *buf;
} whole;

static void whole_init(whole *w) {
  memset(w, 0, sizeof *w);
  w->ds = w->space = w->type = H5I_INVALID_HID;
}

static void whole_close(whole *w) {
  run_h5_close(&w->ds);
  run_h5_close(&w->space);
  if (w->type >= 0 && H5Tget_class(w->type) == H5T_STRING) run_h5_close(&w->type);
  free(w->buf);
  whole_init(w);
}

// Dataset `name` of `loc` read whole in the table's memory type of d.
static asl_status whole_read(whole *w, hid_t loc, const char *name, cube_ds d, const char *path) {
  asl_status st = ASL_OK;
  whole_init(w);
  HCHECK(w->ds = H5Dopen2(loc, name, H5P_DEFAULT), "%s: open %s", path, name);
  HCHECK(w->space = H5Dget_space(w->ds), "%s: extent of %s", path, name);
  HCHECK(w->rank = H5Sget_simple_extent_ndims(w->space), "%s: rank of %s", path, name);
  HCHECK(H5Sget_simple_extent_dims(w->space, w->dims, NULL), "%s: extent of %s", path, name);
  HCHECK(w->type = cube_mem_type(cube_datasets[d].type, cube_datasets[d].str_len), "type of %s",
         name);
  w->elem = H5Tget_size(w->type);
  w->n = 1;
  for (int i = 0; i < w->rank; i++) w->n *= (size_t)w->dims[i];
  if (!(w->buf = malloc(w->n * w->elem + 1))) {
    st = asl_fail(ASL_ENOMEM, "%s: %s whole (%zu values)", path, name, w->n);
    goto fail;
  }
  if (w->n) HCHECK(H5Dread(w->ds, w->type, H5S_ALL, H5S_ALL, H5P_DEFAULT, w->buf), "%s: read %s",
                   path, name);
fail:
  return st;
}

static asl_status whole_write(whole *w, const char *name, const char *path) {
  asl_status st = ASL_OK;
  if (w->n) HCHECK(H5Dwrite(w->ds, w->type, H5S_ALL, H5S_ALL, H5P_DEFAULT, w->buf), "%s: write %s",
                   path, name);
fail:
  return st;
}

// The flat index of a cell (own axes only) in the new experiment.
static size_t ravel(const sweep_job *jb, const whole *w, int k) {
  size_t at = 0;
  for (int a = 0; a < k; a++) at = at * (size_t)w->dims[a] + (size_t)jb->coords[a];
  return at;
}

typedef struct {
  whole job, met, img;
} exp_sets;

static void exp_init(exp_sets *x) {
  whole_init(&x->job);
  whole_init(&x->met);
  whole_init(&x->img);
}

static void exp_close(exp_sets *x) {
  whole_close(&x->job);
  whole_close(&x->met);
  whole_close(&x->img);
}

static asl_status exp_read(exp_sets *x, hid_t g, const char *path) {
  asl_status st = whole_read(&x->job, g, cube_ds_name(CUBE_DS_EXP_JOB), CUBE_DS_EXP_JOB, path);
  if (!st) st = whole_read(&x->met, g, cube_ds_name(CUBE_DS_EXP_METRICS), CUBE_DS_EXP_METRICS, path);
  if (!st)
    st = whole_read(&x->img, g, cube_ds_name(CUBE_DS_EXP_PER_IMAGE), CUBE_DS_EXP_PER_IMAGE, path);
  return st;
}

// Moves old cell (cell o, subject s) of job `j` to its new place.
static void move_cell(const exp_sets *o, exp_sets *n, size_t oc, size_t nc, size_t s, int j) {
  int k = n->job.rank - 1;
  size_t S = (size_t)n->job.dims[k], TM = (size_t)n->met.dims[k + 1] * (size_t)n->met.dims[k + 2];
  size_t oi = (size_t)o->img.dims[k + 3], ni = (size_t)n->img.dims[k + 3];
  size_t from = oc * S + s, to = nc * S + s;
  memcpy((float *)n->met.buf + to * TM, (const float *)o->met.buf + from * TM, TM * sizeof(float));
  for (size_t t = 0; t < TM; t++)
    memcpy((float *)n->img.buf + (to * TM + t) * ni, (const float *)o->img.buf + (from * TM + t) * oi,
           (oi < ni ? oi : ni) * sizeof(float));
  ((int *)n->job.buf)[to] = j;
}

static int same_cell_shape(const exp_sets *o, const exp_sets *n) {
  int k = n->job.rank - 1, ko = o->job.rank - 1;
  return ko == k && o->job.dims[ko] == n->job.dims[k] && o->met.dims[ko + 1] == n->met.dims[k + 1] &&
         o->met.dims[ko + 2] == n->met.dims[k + 2];
}

static asl_status copy_experiment(const run_evolution *ev, const int *reuse_of, const sweep_plan *p,
                                  int e, hid_t of, hid_t nf, const char *new_path) {
  asl_status st = ASL_OK;
  const char *name = p->experiments[e].name;
  hid_t og = H5I_INVALID_HID, ng = H5I_INVALID_HID;
  exp_sets o, n;
  exp_init(&o);
  exp_init(&n);
  if (H5Lexists(of, name, H5P_DEFAULT) <= 0) return ASL_OK; // a new experiment
  HCHECK(og = H5Gopen2(of, name, H5P_DEFAULT), "old cube: open /%s", name);
  HCHECK(ng = H5Gopen2(nf, name, H5P_DEFAULT), "%s: open /%s", new_path, name);
  if ((st = exp_read(&o, og, "old cube")) || (st = exp_read(&n, ng, new_path))) goto fail;
  // Another subject list or metric list changes every key: nothing to carry.
  if (!same_cell_shape(&o, &n)) goto fail;
  int k = n.job.rank - 1;
  size_t S = (size_t)n.job.dims[k];
  for (size_t f = 0; f < o.job.n; f++) {
    int old = ((const int *)o.job.buf)[f];
    int j = old >= 0 && old < ev->n_old ? reuse_of[old] : -1;
    if (j < 0 || p->jobs[j].experiment != e) continue;
    move_cell(&o, &n, f / S, ravel(&p->jobs[j], &n.job, k), f % S, j);
  }
  if ((st = whole_write(&n.job, cube_ds_name(CUBE_DS_EXP_JOB), new_path)) ||
      (st = whole_write(&n.met, cube_ds_name(CUBE_DS_EXP_METRICS), new_path)) ||
      (st = whole_write(&n.img, cube_ds_name(CUBE_DS_EXP_PER_IMAGE), new_path)))
    goto fail;
fail:
  exp_close(&o);
  exp_close(&n);
  run_h5_close(&og);
  run_h5_close(&ng);
  return st;
}

// A reused row's checksum covers its train job's index, its experiment's
// index and its cells' positions, which growth renumbers: recompute it from
// what the new cube now holds (the verifier's own sums) for every reused job.
// Rows whose old checksum failed were not reused (evolve_read.c), so this
// vouches only for data that was intact.
static asl_status rechecksum(const run_evolution *ev, const sweep_plan *p, hid_t nf,
                             const char *path) {
  asl_status st = ASL_OK;
  hid_t d = H5I_INVALID_HID;
  cube_verify_result r;
  memset(&r, 0, sizeof r);
  uint64_t *sums = malloc(sizeof(uint64_t) * (size_t)(p->n_jobs > 0 ? p->n_jobs : 1));
  if (!sums) return asl_fail(ASL_ENOMEM, "checksums of %d jobs", p->n_jobs);
  if ((st = cube_verify_file(nf, path, &r))) goto fail;
  HCHECK(d = H5Dopen2(nf, cube_ds_path(CUBE_DS_JOB_CHECKSUM), H5P_DEFAULT), "open %s checksums", path);
  HCHECK(H5Dread(d, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, sums), "read %s checksums", path);
  for (int j = 0; j < p->n_jobs && j < r.n_jobs; j++)
    if (ev->from[j] >= 0 && r.computed[j]) sums[j] = r.computed[j];
  HCHECK(H5Dwrite(d, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, sums), "write %s checksums", path);
fail:
  run_h5_close(&d);
  cube_verify_free(&r);
  free(sums);
  return st;
}

static asl_status adopt(const run_evolution *ev, const int *reuse_of, const sweep_plan *p,
                        const char *old_path, const char *new_path) {
  asl_status st = ASL_OK;
  hid_t of = H5I_INVALID_HID, nf = H5I_INVALID_HID;
  HCHECK(of = H5Fopen(old_path, H5F_ACC_RDONLY, H5P_DEFAULT), "open %s", old_path);
  HCHECK(nf = H5Fopen(new_path, H5F_ACC_RDWR, H5P_DEFAULT), "open %s", new_path);
  for (int e = 0; e < p->n_experiments && !st; e++)
    st = copy_experiment(ev, reuse_of, p, e, of, nf, new_path);
  // The rows in either format version (evolve_rows.c), status last in each block.
  if (!st) st = run_evolve_copy_rows(ev, p->n_jobs, of, nf, new_path);
  if (!st) st = rechecksum(ev, p, nf, new_path);
  if (nf >= 0 && H5Fclose(nf) < 0 && !st) st = asl_fail(ASL_EHDF5, "%s: close", new_path);
  nf = H5I_INVALID_HID;
fail:
  run_h5_close(&nf);
  run_h5_close(&of);
  return st;
}

asl_status run_evolve_adopt(const run_evolution *ev, const sweep_plan *p, const char *old_path,
                            const char *new_path) {
  int *reuse_of = malloc(sizeof(int) * (size_t)(ev->n_old + 1));
  if (!reuse_of) return asl_fail(ASL_ENOMEM, "adopting jobs of %s", old_path);
  for (int o = 0; o < ev->n_old; o++) reuse_of[o] = -1;
  for (int j = 0; j < p->n_jobs; j++)
    if (ev->from[j] >= 0) reuse_of[ev->from[j]] = j;
  cube_h5_quiet q;
  cube_h5_quiet_begin(&q);
  asl_status st = adopt(ev, reuse_of, p, old_path, new_path);
  cube_h5_quiet_end(&q);
  free(reuse_of);
  if (st) return run_fail_wrap(st, "carrying the finished jobs of %s into the new cube", old_path);
  return ASL_OK;
}
