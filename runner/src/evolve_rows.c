// The /jobs rows of reused jobs carried from the old cube (format version 1
// or 2) into the new one (the current version), a block of new rows at a
// time, through cube/jobs.h: the old rows are read a block at a time too,
// in the order the new jobs name them (mostly increasing). Tuned values
// (/jobs/chosen_param) travel when both cubes record them: an old cube from
// before them reads as NaN, the new cube's own fill, and a new cube without
// the dataset is not written to.
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "cube/h5.h"
#include "cube/jobs.h"
#include "run/evolve.h"

typedef struct {
  cube_jobs old, new_;
  cube_rows old_rows, new_rows;
  cube_heap_region heap;
} carry;

static void carry_free(carry *c) {
  cube_jobs_close(&c->old);
  cube_jobs_close(&c->new_);
  cube_rows_free(&c->old_rows);
  cube_rows_free(&c->new_rows);
}

// Row k of the old cube's block holding old job o (read when not in memory).
static asl_status old_row(carry *c, int o, int *k) {
  cube_rows *R = &c->old_rows;
  if (R->n > 0 && o >= R->j0 && o < R->j0 + R->n) return *k = o - R->j0, ASL_OK;
  int n = c->old.n_jobs - o < R->cap ? c->old.n_jobs - o : R->cap;
  unsigned want = CUBE_ROW_NUMBERS | CUBE_ROW_HOST | CUBE_ROW_ERROR | CUBE_ROW_LOSS | CUBE_ROW_CHOSEN;
  asl_status st = cube_rows_read(&c->old, o, n, want, R, "old cube");
  *k = 0;
  return st;
}

static asl_status carry_block(carry *c, const run_evolution *ev, int j0, int n, const char *path) {
  cube_rows *N = &c->new_rows;
  unsigned want = CUBE_ROW_NUMBERS | CUBE_ROW_HOST | CUBE_ROW_ERROR | CUBE_ROW_LOSS | CUBE_ROW_CHOSEN;
  asl_status st = cube_rows_read(&c->new_, j0, n, want, N, path);
  int any = 0;
  for (int i = 0; i < n && !st; i++) {
    int o = ev->from[j0 + i], k = 0;
    if (o < 0 || o >= c->old.n_jobs) continue;
    any = 1;
    if (!(st = old_row(c, o, &k))) cube_rows_copy(N, i, &c->old_rows, k);
  }
  if (!st && any) st = cube_rows_write(&c->new_, &c->heap, N, path);
  return st;
}

asl_status run_evolve_copy_rows(const run_evolution *ev, int n_new, hid_t of, hid_t nf,
                                const char *new_path) {
  carry c;
  memset(&c, 0, sizeof c);
  int vo = 0, vn = 0;
  asl_status st = cube_check_version(of, "old cube", &vo);
  if (!st) st = cube_check_version(nf, new_path, &vn);
  if (!st) st = cube_jobs_open(&c.old, of, vo, "old cube");
  if (!st) st = cube_jobs_open(&c.new_, nf, vn, new_path);
  if (st) {
    carry_free(&c);
    return st;
  }
  int cap = CUBE_ROWS_BLOCK;
  int64_t used = 0;
  if ((st = cube_rows_init(&c.old_rows, cap, c.old.epochs)) ||
      (st = cube_rows_init(&c.new_rows, cap, c.new_.epochs)) ||
      (st = cube_heap_used(&c.new_, &used, new_path)))
    goto fail;
  c.old_rows.n = 0;
  cube_heap_split(&c.heap, used, c.new_.heap_size, 0, 1);
  for (int j0 = 0; j0 < n_new && !st; j0 += cap)
    st = carry_block(&c, ev, j0, n_new - j0 < cap ? n_new - j0 : cap, new_path);
fail:
  carry_free(&c);
  return st;
}
