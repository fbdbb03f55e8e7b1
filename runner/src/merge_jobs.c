// The merged /jobs rows: each job's row from the part it is taken from, the
// dataset's fill value (pending, NaN, -1, "") where no part has it.
#include <stdlib.h>
#include <string.h>

#include "merge_internal.h"


static int part_needed(const merge_run *m, int p, int compare) {
  for (int j = 0; j < m->n_jobs; j++)
    if (m->source[j] == p || (compare && merge_duplicate_in(m, p, j))) return 1;
  return 0;
}

// Copies (and with `compare`, checks) the rows of part p into merged.
static asl_status take_rows(merge_run *m, int p, const char *name, int compare, char *merged,
                            size_t row) {
  merge_part *pt = &m->part[p];
  size_t pn, psize;
  void *buf;
  asl_status st = merge_read_all(pt->file, name, pt->path, &pn, &psize, &buf);
  if (st) return st;
  if (pn * psize != row * (size_t)m->n_jobs) {
    free(buf);
    return asl_fail(ASL_ESPEC, "%s: %s has another shape than in %s: not parts of one run",
                    pt->path, name, m->part[m->base].path);
  }
  for (int j = 0; j < m->n_jobs && !st; j++) {
    char *dst = merged + (size_t)j * row, *src = (char *)buf + (size_t)j * row;
    if (m->source[j] == p) memcpy(dst, src, row);
    else if (compare && merge_duplicate_in(m, p, j) && memcmp(dst, src, row) != 0)
      st = asl_fail(ASL_ESPEC, "job %s is done in %s and in %s with different %s: keep one "
                    "(rerun the wrong part with --force-new) and merge again", m->keys[j],
                    m->part[m->source[j]].dir, pt->dir, name);
  }
  free(buf);
  return st;
}

static asl_status merge_dataset(merge_run *m, hid_t out, const char *out_path, const char *name,
                                int compare) {
  const merge_part *base = &m->part[m->base];
  size_t n, size;
  char *merged = NULL, *fill = NULL;
  asl_status st = merge_read_all(base->file, name, base->path, &n, &size, (void **)&merged);
  if (st) return st;
  size_t row = n * size / (size_t)m->n_jobs;
  fill = malloc(size);
  if (!fill) st = asl_fail(ASL_ENOMEM, "fill value of %s", name);
  if (!st) st = merge_fill_value(base->file, name, base->path, fill, size);
  for (size_t i = 0; !st && i < n; i++) memcpy(merged + i * size, fill, size);
  for (int p = 0; !st && p < m->n_parts; p++)
    if (m->part[p].file >= 0 && part_needed(m, p, compare))
      st = take_rows(m, p, name, compare, merged, row);
  if (!st) st = merge_write_all(out, name, out_path, merged);
  free(merged);
  free(fill);
  return st;
}

asl_status merge_jobs(merge_run *m, hid_t out, const char *out_path) {
  // Timing and placement differ between attempts; only the numbers must agree.
  static const struct {
    cube_ds d;
    int compare;
  } sets[] = {{CUBE_DS_JOB_SECONDS, 0},    {CUBE_DS_JOB_RANK, 0},     {CUBE_DS_JOB_HOST, 0},
              {CUBE_DS_JOB_ERROR, 0},      {CUBE_DS_JOB_TRAIN_LOSS, 1},
              {CUBE_DS_JOB_VAL_LOSS, 1},   {CUBE_DS_JOB_STATUS, 0}};
  asl_status st = ASL_OK;
  for (size_t i = 0; !st && i < sizeof sets / sizeof sets[0]; i++)
    st = merge_dataset(m, out, out_path, cube_ds_path(sets[i].d), sets[i].compare);
  // Row checksums travel with their rows (absent from cubes made before them).
  const char *sum = cube_ds_path(CUBE_DS_JOB_CHECKSUM);
  if (!st && H5Lexists(m->part[m->base].file, sum, H5P_DEFAULT) > 0)
    st = merge_dataset(m, out, out_path, sum, 0);
  // So do tuned parameters (absent from cubes made before them).
  const char *chosen = cube_ds_path(CUBE_DS_JOB_CHOSEN_PARAM);
  if (!st && H5Lexists(m->part[m->base].file, chosen, H5P_DEFAULT) > 0)
    st = merge_dataset(m, out, out_path, chosen, 1);
  return st;
}
