// The merged /jobs rows: each job's row from the part it is taken from, the
// fill values (pending, NaN, -1, "", no error) where no part has it. Rows
// move in blocks (cube/jobs.h), so memory is a block per part whatever the
// study's size; every part has the base part's format version.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cube/h5.h"
#include "merge_internal.h"

typedef struct {
  cube_jobs out;              // the merged cube's /jobs
  cube_jobs *in;              // (n_parts) each open part's
  cube_rows *rows;            // (n_parts) a block of each part's rows
  cube_rows merged;           // the block being written
  cube_heap_region heap;      // version 2: the merged cube's heap, rewritten from 0
  int cap;
} merge_io;

static int part_in_block(const merge_run *m, int p, int j0, int n) {
  for (int j = j0; j < j0 + n; j++)
    if (m->source[j] == p || merge_duplicate_in(m, p, j)) return 1;
  return 0;
}

// A duplicate must carry the source's losses and, where both parts record
// it, its tuned value (the numbers; timing and placement differ between
// attempts). Values compare bit for bit, so NaN equals NaN.
static asl_status compare(const merge_run *m, const merge_io *io, int p, int j,
                          const cube_rows *a, const cube_rows *b, int i) {
  size_t E = (size_t)a->epochs, at = (size_t)i * E;
  const char *what = NULL;
  if (memcmp(a->train_loss + at, b->train_loss + at, E * sizeof(float)) != 0)
    what = cube_ds_path(CUBE_DS_JOB_TRAIN_LOSS);
  else if (memcmp(a->val_loss + at, b->val_loss + at, E * sizeof(float)) != 0)
    what = cube_ds_path(CUBE_DS_JOB_VAL_LOSS);
  else if (io->in[m->source[j]].chosen_param >= 0 && io->in[p].chosen_param >= 0 &&
           memcmp(&a->chosen_param[i], &b->chosen_param[i], sizeof(double)) != 0)
    what = cube_ds_path(CUBE_DS_JOB_CHOSEN_PARAM);
  if (!what) return ASL_OK;
  return asl_fail(ASL_ESPEC, "job %s is done in %s and in %s with different %s: keep one "
                  "(rerun the wrong part with --force-new) and merge again", merge_key(m, j),
                  m->part[m->source[j]].dir, m->part[p].dir, what);
}

static asl_status merge_block(merge_run *m, merge_io *io, int j0, int n, const char *out_path) {
  unsigned want = CUBE_ROW_NUMBERS | CUBE_ROW_HOST | CUBE_ROW_ERROR | CUBE_ROW_LOSS | CUBE_ROW_CHOSEN;
  asl_status st = cube_rows_read(&io->out, j0, n, CUBE_ROW_LOSS, &io->merged, out_path);
  for (int p = 0; p < m->n_parts && !st; p++)
    if (m->part[p].file >= 0 && part_in_block(m, p, j0, n))
      st = cube_rows_read(&io->in[p], j0, n, want, &io->rows[p], m->part[p].path);
  for (int i = 0; i < n && !st; i++) {
    int j = j0 + i, s = m->source[j];
    cube_rows_copy(&io->merged, i, s >= 0 ? &io->rows[s] : NULL, i);
    for (int p = 0; p < m->n_parts && !st; p++)
      if (m->part[p].file >= 0 && merge_duplicate_in(m, p, j))
        st = compare(m, io, p, j, &io->rows[s], &io->rows[p], i);
  }
  if (!st) st = cube_rows_write(&io->out, &io->heap, &io->merged, out_path);
  return st;
}

static void io_free(merge_run *m, merge_io *io) {
  for (int p = 0; io->in && io->rows && p < m->n_parts; p++) {
    if (m->part[p].file < 0) continue; // never opened
    cube_jobs_close(&io->in[p]);
    cube_rows_free(&io->rows[p]);
  }
  cube_jobs_close(&io->out);
  cube_rows_free(&io->merged);
  free(io->in);
  free(io->rows);
}

static asl_status io_open(merge_run *m, merge_io *io, hid_t out, const char *out_path) {
  int version = m->part[m->base].version;
  asl_status st = cube_jobs_open(&io->out, out, version, out_path);
  if (st) return st;
  io->in = calloc((size_t)m->n_parts, sizeof *io->in);
  io->rows = calloc((size_t)m->n_parts, sizeof *io->rows);
  if (!io->in || !io->rows) return asl_fail(ASL_ENOMEM, "merging %d parts", m->n_parts);
  // A block per part: fewer rows a block when there are many parts.
  io->cap = CUBE_ROWS_BLOCK / (m->n_parts > 0 ? m->n_parts : 1);
  if (io->cap < 64) io->cap = 64;
  if (io->cap > m->n_jobs) io->cap = m->n_jobs > 0 ? m->n_jobs : 1;
  for (int p = 0; p < m->n_parts && !st; p++) {
    if (m->part[p].file < 0) continue;
    if (!(st = cube_jobs_open(&io->in[p], m->part[p].file, version, m->part[p].path)))
      st = cube_rows_init(&io->rows[p], io->cap, io->out.epochs);
  }
  if (!st) st = cube_rows_init(&io->merged, io->cap, io->out.epochs);
  cube_heap_split(&io->heap, 0, io->out.heap_size, 0, 1);
  return st;
}

asl_status merge_jobs(merge_run *m, hid_t out, const char *out_path) {
  merge_io io;
  memset(&io, 0, sizeof io);
  asl_status st = io_open(m, &io, out, out_path);
  for (int j0 = 0; j0 < m->n_jobs && !st; j0 += io.cap) {
    int n = m->n_jobs - j0 < io.cap ? m->n_jobs - j0 : io.cap;
    st = merge_block(m, &io, j0, n, out_path);
  }
  io_free(m, &io);
  return st;
}
