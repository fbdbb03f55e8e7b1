// Keys, hosts and loss rows of the cube's jobs, read a block of
// CUBE_ROWS_BLOCK rows at a time when asked for: readers walk the jobs in
// (nearly) increasing order, so each block is read about once and memory
// stays a block's worth at any study size.
#include <stdlib.h>
#include <string.h>

#include "cube/h5.h"
#include "cube_internal.h"

struct ana_job_rows {
  cube_jobs jobs;
  cube_rows block;
  int loaded; // the block holds strings and loss rows of rows [j0, j0 + n)
  char path[1024];
};

enum { WANT = CUBE_ROW_KEY | CUBE_ROW_HOST | CUBE_ROW_ERROR | CUBE_ROW_LOSS };

asl_status ana_job_rows_open(struct ana_job_rows **out, hid_t f, int version, const char *path) {
  struct ana_job_rows *r = calloc(1, sizeof *r);
  *out = NULL;
  if (!r) return asl_fail(ASL_ENOMEM, "%s: job rows", path);
  snprintf(r->path, sizeof r->path, "%s", path);
  asl_status st = cube_jobs_open(&r->jobs, f, version, path);
  if (st) {
    free(r);
    return st;
  }
  int cap = r->jobs.n_jobs < CUBE_ROWS_BLOCK ? r->jobs.n_jobs : CUBE_ROWS_BLOCK;
  if ((st = cube_rows_init(&r->block, cap, r->jobs.epochs))) {
    cube_jobs_close(&r->jobs);
    free(r);
    return st;
  }
  *out = r;
  return ASL_OK;
}

const cube_jobs *ana_job_rows_jobs(const struct ana_job_rows *r) { return &r->jobs; }
cube_rows *ana_job_rows_block(struct ana_job_rows *r) { return &r->block; }
void ana_job_rows_forget(struct ana_job_rows *r) { r->loaded = 0; }

void ana_job_rows_close(struct ana_job_rows *r) {
  if (!r) return;
  cube_rows_free(&r->block);
  cube_h5_quiet q;
  cube_h5_quiet_begin(&q);
  cube_jobs_close(&r->jobs);
  cube_h5_quiet_end(&q);
  free(r);
}

// The block holding row j, read when it is not the one in memory; -1 when
// j is out of range or the read failed.
static int row_of(const ana_cube *c, int j) {
  struct ana_job_rows *r = c->jobs.rows;
  if (!r || j < 0 || j >= r->jobs.n_jobs) return -1;
  cube_rows *R = &r->block;
  if (r->loaded && j >= R->j0 && j < R->j0 + R->n) return j - R->j0;
  int j0 = j - j % R->cap, n = r->jobs.n_jobs - j0 < R->cap ? r->jobs.n_jobs - j0 : R->cap;
  cube_h5_quiet q;
  cube_h5_quiet_begin(&q);
  asl_status st = cube_rows_read(&r->jobs, j0, n, WANT, R, r->path);
  cube_h5_quiet_end(&q);
  r->loaded = st == ASL_OK;
  return r->loaded ? j - j0 : -1;
}

const char *ana_job_key(const ana_cube *c, int j) {
  int i = row_of(c, j);
  return i < 0 ? "" : c->jobs.rows->block.key + (size_t)i * CUBE_KEY_LEN;
}

const char *ana_job_host(const ana_cube *c, int j) {
  int i = row_of(c, j);
  return i < 0 ? "" : c->jobs.rows->block.host + (size_t)i * CUBE_HOST_LEN;
}

const char *ana_job_error(const ana_cube *c, int j) {
  int i = row_of(c, j);
  return i < 0 ? "" : c->jobs.rows->block.error + (size_t)i * CUBE_ERROR_LEN;
}

const float *ana_job_train_loss(const ana_cube *c, int j) {
  int i = row_of(c, j);
  return i < 0 ? NULL : c->jobs.rows->block.train_loss + (size_t)i * (size_t)c->jobs.n_epochs;
}

const float *ana_job_val_loss(const ana_cube *c, int j) {
  int i = row_of(c, j);
  return i < 0 ? NULL : c->jobs.rows->block.val_loss + (size_t)i * (size_t)c->jobs.n_epochs;
}
