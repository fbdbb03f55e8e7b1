// The merge's inputs: opening the parts, checking that they belong to one
// run, and choosing for every job the part it is taken from.
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cube_internal.h"
#include "cube/checksum.h"
#include "merge_internal.h"

asl_status merge_open_part(merge_run *m, int p, const char *dir) {
  merge_part *pt = &m->part[p];
  snprintf(pt->dir, sizeof pt->dir, "%s", dir);
  snprintf(pt->path, sizeof pt->path, "%s/results.h5", dir);
  if (access(pt->path, F_OK) != 0) {
    fprintf(m->log, "aslsweep merge: warning: %s has no results.h5 (its array task did not "
                    "start or stopped before creating it): its jobs stay pending\n", dir);
    return ASL_OK;
  }
  pt->file = H5Fopen(pt->path, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (pt->file < 0)
    return asl_fail(ASL_EHDF5, "%s: cannot open as an HDF5 cube (is the run still writing it?)",
                    pt->path);
  // A part of another format version is bad input (exit 2), like a part of another run.
  if (cube_check_version(pt->file, pt->path, &pt->version)) return ASL_ESPEC;
  return ASL_OK;
}

// Whether a 1-D dataset holds the same bytes in both parts, compared in
// blocks (the job keys of a large study never sit whole in memory).
static asl_status same_values(const merge_part *a, const merge_part *b, const char *set,
                              int *same) {
  merge_set sa, sb;
  asl_status st = merge_set_open(&sa, a->file, set, a->path);
  if (st) return st;
  if ((st = merge_set_open(&sb, b->file, set, b->path))) {
    merge_set_close(&sa);
    return st;
  }
  *same = sa.rank == 1 && sb.rank == 1 && sa.dims[0] == sb.dims[0] && sa.size == sb.size;
  size_t n = (size_t)sa.dims[0], cap = n < CUBE_ROWS_BLOCK ? n : CUBE_ROWS_BLOCK;
  char *ba = *same ? malloc(cap * sa.size + 1) : NULL, *bb = *same ? malloc(cap * sa.size + 1) : NULL;
  if (*same && (!ba || !bb))
    st = asl_fail(ASL_ENOMEM, "comparing %s of %s and %s", set, a->path, b->path);
  for (size_t j0 = 0; j0 < n && !st && *same; j0 += cap) {
    hsize_t start[1] = {j0}, count[1] = {n - j0 < cap ? n - j0 : cap};
    st = merge_read_block(&sa, 1, start, count, ba);
    if (!st) st = merge_read_block(&sb, 1, start, count, bb);
    if (!st) *same = memcmp(ba, bb, (size_t)count[0] * sa.size) == 0;
  }
  free(ba);
  free(bb);
  merge_set_close(&sa);
  merge_set_close(&sb);
  return st;
}

// Attributes and static datasets that must match the base part's.
asl_status merge_same_run(const merge_run *m, int p) {
  const merge_part *a = &m->part[m->base], *b = &m->part[p];
  static const cube_attr attrs[] = {CUBE_ATTR_SPEC_HASH, CUBE_ATTR_EXECUTOR};
  static const cube_ds sets[] = {CUBE_DS_JOB_KEY, CUBE_DS_SUBJECT_ID, CUBE_DS_SUBJECT_FOLD,
                                 CUBE_DS_SUBJECT_SNR_GROUP};
  asl_status st = ASL_OK;
  if (a->version != b->version)
    return asl_fail(ASL_ESPEC, "%s is a cube of format version %d, %s of version %d: these are "
                    "not parts of one run; merge only the parts of one run", b->dir, b->version,
                    a->dir, a->version);
  for (size_t i = 0; i < 2 && !st; i++) {
    char va[64], vb[64];
    const char *name = cube_attr_name(attrs[i]);
    if ((st = cube_attr_read_str(a->file, name, va, sizeof va)) ||
        (st = cube_attr_read_str(b->file, name, vb, sizeof vb)))
      return run_fail_wrap(st, "%s or %s", a->path, b->path);
    if (strcmp(va, vb) != 0)
      return asl_fail(ASL_ESPEC, "%s has %s %s but %s has %s %s: these are not parts of one "
                      "run; merge only the parts of one spec", b->dir, name, vb, a->dir, name,
                      va);
  }
  for (size_t i = 0; i < sizeof sets / sizeof sets[0] && !st; i++) {
    const char *set = cube_ds_path(sets[i]);
    int same = 0;
    st = same_values(a, b, set, &same);
    if (!st && !same)
      st = asl_fail(ASL_ESPEC, "%s and %s differ in %s (other data or subjects?): not parts of "
                    "one run", b->dir, a->dir, set);
  }
  return st;
}

// A part's rows that fail verification are named and not taken: their
// jobs count as pending there.
static asl_status verify_part(merge_run *m, merge_part *pt) {
  cube_verify_result v;
  asl_status st = cube_verify_file(pt->file, pt->path, &v);
  if (st) return st;
  m->bad_rows += cube_verify_print(&v, "aslsweep merge", pt->path,
                                   "those rows are left out of the merge (their jobs stay "
                                   "pending): rerun their array tasks, then merge again", m->log);
  for (int j = 0; j < m->n_jobs && j < v.n_jobs; j++)
    if (v.bad_job[j]) pt->status[j] = CUBE_JOB_PENDING;
  cube_verify_free(&v);
  return ASL_OK;
}

// The base part's job keys, read in blocks into one text (their own
// lengths, not the dataset's fixed width).
static asl_status read_keys(merge_run *m, const merge_part *base) {
  merge_set s;
  asl_status st = merge_set_open(&s, base->file, cube_ds_path(CUBE_DS_JOB_KEY), base->path);
  if (st) return st;
  size_t n = (size_t)s.dims[0], cap = n < CUBE_ROWS_BLOCK ? n : CUBE_ROWS_BLOCK, used = 0,
         room = (size_t)1 << 20;
  char *block = malloc(cap * s.size + 1);
  m->n_jobs = (int)n;
  m->key_at = malloc(sizeof(size_t) * (n + 1));
  m->key_text = malloc(room);
  if (!block || !m->key_at || !m->key_text) st = asl_fail(ASL_ENOMEM, "merging %zu jobs", n);
  for (size_t j0 = 0; j0 < n && !st; j0 += cap) {
    hsize_t start[1] = {j0}, count[1] = {n - j0 < cap ? n - j0 : cap};
    st = merge_read_block(&s, 1, start, count, block);
    for (size_t i = 0; i < count[0] && !st; i++) {
      const char *k = block + i * s.size;
      size_t len = strnlen(k, s.size);
      if (used + len + 1 > room) {
        char *t = realloc(m->key_text, room * 2 + len + 1);
        if (!t) st = asl_fail(ASL_ENOMEM, "keys of %zu jobs", n);
        else m->key_text = t, room = room * 2 + len + 1;
      }
      if (st) break;
      memcpy(m->key_text + used, k, len);
      m->key_text[used + len] = '\0';
      m->key_at[j0 + i] = used;
      used += len + 1;
    }
  }
  free(block);
  merge_set_close(&s);
  return st;
}

asl_status merge_read_jobs(merge_run *m) {
  const merge_part *base = &m->part[m->base];
  asl_status st = read_keys(m, base);
  size_t n = (size_t)m->n_jobs;
  if (!st && !(m->source = malloc(sizeof(int) * (n + 1))))
    st = asl_fail(ASL_ENOMEM, "merging %zu jobs", n);
  for (int p = 0; p < m->n_parts && !st; p++) {
    merge_part *pt = &m->part[p];
    if (pt->file < 0) continue;
    size_t pn, ps;
    st = merge_read_all(pt->file, cube_ds_path(CUBE_DS_JOB_STATUS), pt->path, &pn, &ps, (void **)&pt->status);
    if (!st && (pn != n || ps != 1))
      st = asl_fail(ASL_ESPEC, "%s: %zu jobs, %s has %zu", pt->path, pn, base->path, n);
    if (!st && !(pt->cells = calloc(n + 1, sizeof(int))))
      st = asl_fail(ASL_ENOMEM, "merging %zu jobs", n);
    if (!st) st = verify_part(m, pt);
  }
  return st;
}

// Each job from the first part where it is done, else the first where it
// failed (so the merged cube says why), else nowhere.
void merge_choose_sources(merge_run *m, run_merge_summary *s) {
  for (int j = 0; j < m->n_jobs; j++) {
    int done = -1, failed = -1;
    for (int p = 0; p < m->n_parts; p++) {
      const merge_part *pt = &m->part[p];
      if (pt->file < 0) continue;
      if (pt->status[j] == CUBE_JOB_DONE && done < 0) done = p;
      else if (pt->status[j] == CUBE_JOB_DONE) {
        s->duplicates++;
        fprintf(m->log, "aslsweep merge: warning: job %s is done in %s and in %s: taking %s\n",
                merge_key(m, j), m->part[done].dir, pt->dir, m->part[done].dir);
      } else if (pt->status[j] == CUBE_JOB_FAILED && failed < 0) failed = p;
    }
    m->source[j] = done >= 0 ? done : failed;
    if (done >= 0) s->done++;
    else if (failed >= 0) s->failed++;
    else s->pending++;
  }
}
