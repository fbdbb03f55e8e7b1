// A lazily read experiment's cells, through a small cache. One read brings
// a run of cells along the last design axis (about RUN_BYTES of values,
// metrics and job indices together, runs aligned to multiples of their
// length so a cell has one home); the cache keeps CACHE_BYTES of runs and
// replaces the least recently used one on a miss. A walk in storage order
// (export) reads every run once; a table or plot, which visits few cells and
// out of order, reads each run it needs about once, whatever the
// experiment's size.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cube/h5.h"
#include "cube_internal.h"

#define RUN_BYTES ((size_t)32 << 10)
#define CACHE_BYTES ((size_t)4 << 20)
#define RUN_MAX 4096
#define MIN_SLOTS 1

static size_t run_bytes = RUN_BYTES, cache_bytes = CACHE_BYTES;

void ana_cells_set_cache(size_t run, size_t cache) {
  run_bytes = run ? run : RUN_BYTES;
  cache_bytes = cache ? cache : CACHE_BYTES;
}

struct ana_cells {
  hid_t metrics, job;
  size_t last;          // length of the last design axis (1 without design axes)
  size_t run;           // cells a slot holds
  size_t per_m, per_j;  // values of one cell: subjects x stages x metrics, subjects
  int n_slots, n_buckets;
  size_t *c0, *n;       // per slot: its first cell and how many it holds (0: empty)
  int *prev, *next;     // least recently used order: head most recent, tail next to go
  int head, tail;
  int *bucket, *chain;  // slots by first cell (hash chains), -1 ends a chain
  int hit;              // the slot of the latest access (tried first)
  float *m;             // slot s: run x per_m values from m + s * run * per_m
  int32_t *j;
  size_t reads;
  size_t run_bytes, cache_bytes; // the budgets when it was opened
};

static size_t clamp(size_t v, size_t lo, size_t hi) { return v < lo ? lo : v > hi ? hi : v; }

static int bucket_of(const struct ana_cells *x, size_t c0) {
  return (int)(((uint64_t)c0 * 0x9E3779B97F4A7C15u >> 32) % (uint64_t)x->n_buckets);
}

static size_t cell_bytes(const struct ana_cells *x) {
  size_t cell = sizeof(float) * x->per_m + sizeof(int32_t) * x->per_j;
  return cell ? cell : 1;
}

// Slot count and run length from the budgets (runs of at most max_run
// cells); no more slots than runs.
static void size_cache(struct ana_cells *x, const ana_experiment *e, size_t max_run) {
  size_t cell = cell_bytes(x);
  x->run = clamp(x->run_bytes / cell, 1, RUN_MAX);
  if (x->run > max_run) x->run = max_run;
  if (x->run > x->last) x->run = x->last;
  size_t rows = e->n_cells / x->last, runs = rows * ((x->last + x->run - 1) / x->run);
  size_t slots = clamp(x->cache_bytes / (x->run * cell), MIN_SLOTS, 1 << 20);
  x->n_slots = (int)(runs < slots ? (runs ? runs : 1) : slots);
  x->n_buckets = 2 * x->n_slots + 1;
}

static void free_cache(struct ana_cells *x) {
  free(x->c0);
  free(x->n);
  free(x->prev);
  free(x->next);
  free(x->chain);
  free(x->bucket);
  free(x->m);
  free(x->j);
  x->c0 = x->n = NULL;
  x->prev = x->next = x->chain = x->bucket = NULL;
  x->m = NULL;
  x->j = NULL;
  x->hit = 0;
}

static int alloc_cache(struct ana_cells *x) {
  size_t s = (size_t)x->n_slots;
  x->c0 = calloc(s, sizeof *x->c0);
  x->n = calloc(s, sizeof *x->n);
  x->prev = malloc(s * sizeof *x->prev);
  x->next = malloc(s * sizeof *x->next);
  x->chain = malloc(s * sizeof *x->chain);
  x->bucket = malloc((size_t)x->n_buckets * sizeof *x->bucket);
  x->m = malloc(sizeof(float) * s * x->run * x->per_m + 1);
  x->j = malloc(sizeof(int32_t) * s * x->run * x->per_j + 1);
  if (!x->c0 || !x->n || !x->prev || !x->next || !x->chain || !x->bucket || !x->m || !x->j)
    return 0;
  for (int i = 0; i < x->n_slots; i++) x->prev[i] = i - 1, x->next[i] = i + 1, x->chain[i] = -1;
  x->next[x->n_slots - 1] = -1;
  x->head = 0;
  x->tail = x->n_slots - 1;
  for (int b = 0; b < x->n_buckets; b++) x->bucket[b] = -1;
  return 1;
}

asl_status ana_cells_open(ana_experiment *e, hid_t g, const char *path) {
  struct ana_cells *x = calloc(1, sizeof *x);
  if (!x) return asl_fail(ASL_ENOMEM, "%s: /%s", path, e->name);
  e->cells = x;
  x->metrics = H5Dopen2(g, cube_ds_name(CUBE_DS_EXP_METRICS), H5P_DEFAULT);
  x->job = H5Dopen2(g, cube_ds_name(CUBE_DS_EXP_JOB), H5P_DEFAULT);
  if (x->metrics < 0 || x->job < 0)
    return asl_fail(ASL_EHDF5, "%s: cannot open the cells of /%s", path, e->name);
  x->last = e->n_design > 0 ? (size_t)e->axes[e->n_design - 1].n : 1;
  if (x->last < 1) x->last = 1;
  x->per_j = (size_t)ana_exp_n_subjects(e);
  x->per_m = x->per_j * (size_t)ana_exp_n_stages(e) * (size_t)ana_exp_n_metrics(e);
  x->run_bytes = run_bytes;
  x->cache_bytes = cache_bytes;
  size_cache(x, e, RUN_MAX);
  if (!alloc_cache(x)) return asl_fail(ASL_ENOMEM, "%s: cells of /%s", path, e->name);
  return ASL_OK;
}

asl_status ana_exp_plan_reads(const ana_experiment *e, size_t streams) {
  struct ana_cells *x = e->cells;
  if (!x || streams < 1) return ASL_OK;
  size_t fit = clamp(x->cache_bytes / (streams * cell_bytes(x)), 1, RUN_MAX);
  size_t run = x->run;
  int slots = x->n_slots;
  size_cache(x, e, fit);
  if (x->run == run && x->n_slots == slots) return ASL_OK;
  free_cache(x);
  if (!alloc_cache(x)) {
    free_cache(x);
    x->n_slots = 0; // every access fails from now on (NaN, -1)
    return asl_fail(ASL_ENOMEM, "experiment %s: out of memory for its cells", e->name);
  }
  return ASL_OK;
}

void ana_cells_close(ana_experiment *e) {
  struct ana_cells *x = e->cells;
  if (!x) return;
  cube_h5_close(&x->metrics);
  cube_h5_close(&x->job);
  free_cache(x);
  free(x);
  e->cells = NULL;
}

size_t ana_exp_cell_reads(const ana_experiment *e) {
  return e->cells ? ((const struct ana_cells *)e->cells)->reads : 0;
}

static void unlink_slot(struct ana_cells *x, int s) {
  if (x->prev[s] >= 0) x->next[x->prev[s]] = x->next[s];
  else x->head = x->next[s];
  if (x->next[s] >= 0) x->prev[x->next[s]] = x->prev[s];
  else x->tail = x->prev[s];
}

static void to_front(struct ana_cells *x, int s) {
  if (x->head == s) return;
  unlink_slot(x, s);
  x->prev[s] = -1;
  x->next[s] = x->head;
  x->prev[x->head] = s;
  x->head = s;
}

static void unhash(struct ana_cells *x, int s) {
  int *p = &x->bucket[bucket_of(x, x->c0[s])];
  while (*p >= 0 && *p != s) p = &x->chain[*p];
  if (*p == s) *p = x->chain[s];
  x->chain[s] = -1;
}

// Reads cells [c0, c0 + n) into slot s; 0 when HDF5 cannot.
static int read_run(const ana_experiment *e, struct ana_cells *x, int s, size_t c0, size_t n) {
  int k = e->n_design, idx[CUBE_MAX_RANK];
  hsize_t start[CUBE_MAX_RANK], count[CUBE_MAX_RANK];
  ana_exp_cell_coords(e, c0, idx);
  for (int a = 0; a < k; a++) start[a] = (hsize_t)idx[a], count[a] = 1;
  if (k > 0) count[k - 1] = (hsize_t)n;
  for (int a = k; a < k + 3; a++) start[a] = 0, count[a] = (hsize_t)e->axes[a].n;
  float *m = x->m + (size_t)s * x->run * x->per_m;
  int32_t *j = x->j + (size_t)s * x->run * x->per_j;
  cube_h5_quiet q;
  cube_h5_quiet_begin(&q);
  int ok = cube_read_block(x->metrics, H5T_NATIVE_FLOAT, k + 3, start, count, m) == ASL_OK &&
           cube_read_block(x->job, H5T_NATIVE_INT32, k + 1, start, count, j) == ASL_OK;
  cube_h5_quiet_end(&q);
  x->reads++;
  return ok;
}

// The slot holding `cell`, read on a miss into the least recently used
// slot; -1 when it cannot be read.
static int slot_of(const ana_experiment *e, size_t cell) {
  struct ana_cells *x = e->cells;
  if (!x || !x->n_slots || cell >= e->n_cells) return -1;
  int s = x->hit;
  if (x->n[s] && cell >= x->c0[s] && cell - x->c0[s] < x->n[s]) return s;
  size_t at = cell % x->last, c0 = cell - at % x->run;
  size_t n = x->last - c0 % x->last < x->run ? x->last - c0 % x->last : x->run;
  int b = bucket_of(x, c0);
  for (s = x->bucket[b]; s >= 0 && x->c0[s] != c0; s = x->chain[s]) {}
  if (s < 0) {
    s = x->tail;
    if (x->n[s]) unhash(x, s);
    x->n[s] = 0;
    if (!read_run(e, x, s, c0, n)) return -1;
    x->c0[s] = c0;
    x->n[s] = n;
    x->chain[s] = x->bucket[b];
    x->bucket[b] = s;
  }
  to_front(x, s);
  x->hit = s;
  return s;
}

float ana_cells_value(const ana_experiment *e, size_t cell, int subject, int stage, int metric) {
  int s = slot_of(e, cell);
  if (s < 0) return NAN;
  const struct ana_cells *x = e->cells;
  size_t ns = (size_t)ana_exp_n_stages(e), nm = (size_t)ana_exp_n_metrics(e);
  size_t i = ((cell - x->c0[s]) * x->per_j + (size_t)subject) * ns * nm + (size_t)stage * nm +
             (size_t)metric;
  return x->m[(size_t)s * x->run * x->per_m + i];
}

int ana_cells_job(const ana_experiment *e, size_t cell, int subject) {
  int s = slot_of(e, cell);
  if (s < 0) return -1;
  const struct ana_cells *x = e->cells;
  return x->j[(size_t)s * x->run * x->per_j + (cell - x->c0[s]) * x->per_j + (size_t)subject];
}
