// The merge's packed volumes: the images that the parts' rank files
// (DIR/volumes/rank-R.h5) hold for the jobs taken from each part, gathered
// into one file, out_dir/volumes/merged.h5 (written under a temporary name,
// so a rerun replaces it whole).
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cube/volumes.h"
#include "merge_internal.h"

typedef struct {
  const merge_run *m;
  int part;
  int *order; // job indices sorted by key
} want_ctx;

// qsort takes no context argument; the merge is serial, one sort at a time.
static const merge_run *sort_run;
static int by_key(const void *a, const void *b) {
  return strcmp(merge_key(sort_run, *(const int *)a), merge_key(sort_run, *(const int *)b));
}

// 1 when the job of this key is done in the part it is taken from.
static int want(const char *key, void *arg) {
  want_ctx *c = arg;
  int lo = 0, hi = c->m->n_jobs - 1;
  while (lo <= hi) {
    int mid = (lo + hi) / 2, j = c->order[mid], cmp = strcmp(key, merge_key(c->m, j));
    if (cmp == 0) return c->m->source[j] == c->part && c->m->part[c->part].status[j] == CUBE_JOB_DONE;
    if (cmp < 0) hi = mid - 1;
    else lo = mid + 1;
  }
  return 0;
}

static asl_status part_files(cube_volumes *w, want_ctx *c, int *copied) {
  char dir[4200], path[8400];
  snprintf(dir, sizeof dir, "%s/volumes", c->m->part[c->part].dir);
  DIR *d = opendir(dir);
  if (!d) return ASL_OK; // a part without volumes
  asl_status st = ASL_OK;
  struct dirent *e;
  while (!st && (e = readdir(d)) != NULL) {
    size_t n = strlen(e->d_name);
    if (n < 4 || strcmp(e->d_name + n - 3, ".h5") != 0) continue;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    st = cube_volumes_copy(w, path, want, c, copied);
  }
  closedir(d);
  return st;
}

asl_status merge_packed_volumes(const merge_run *m, const char *out_dir, int *copied) {
  char to[4300], tmp[4400];
  snprintf(to, sizeof to, "%s/volumes/merged.h5", out_dir);
  snprintf(tmp, sizeof tmp, "%s.merging", to);
  remove(tmp);
  want_ctx c = {.m = m, .order = malloc(sizeof(int) * (size_t)(m->n_jobs ? m->n_jobs : 1))};
  if (!c.order) return asl_fail(ASL_ENOMEM, "merging the kept volumes of %d jobs", m->n_jobs);
  for (int j = 0; j < m->n_jobs; j++) c.order[j] = j;
  sort_run = m;
  qsort(c.order, (size_t)m->n_jobs, sizeof *c.order, by_key);
  cube_volumes w;
  int before = *copied;
  asl_status st = cube_volumes_open(&w, tmp);
  for (c.part = 0; !st && c.part < m->n_parts; c.part++)
    if (m->part[c.part].file >= 0) st = part_files(&w, &c, copied);
  if (!st) cube_volumes_close(&w);
  free(c.order);
  if (!st && *copied == before) remove(tmp); // nothing packed: no empty file
  else if (!st && rename(tmp, to) != 0)
    st = asl_fail(ASL_EIO, "%s: cannot rename to %s (%s)", tmp, to, strerror(errno));
  if (st) {
    cube_volumes_close(&w);
    remove(tmp);
  }
  return st;
}
