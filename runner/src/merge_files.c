// File copies for the merge: the base cube (so the merged file keeps a run
// cube's exact layout: contiguous, early-allocated datasets, dimension
// scales) and the montage volumes of the jobs taken from each part.
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "merge_internal.h"

asl_status merge_copy_file(const char *from, const char *to) {
  FILE *in = fopen(from, "rb");
  if (!in) return asl_fail(ASL_EIO, "%s: cannot read (%s)", from, strerror(errno));
  FILE *out = fopen(to, "wb");
  if (!out) {
    fclose(in);
    return asl_fail(ASL_EIO, "%s: cannot write (%s); is the directory writable?", to,
                    strerror(errno));
  }
  static char buf[1 << 16];
  size_t n;
  int bad = 0;
  while (!bad && (n = fread(buf, 1, sizeof buf, in)) > 0) bad = fwrite(buf, 1, n, out) != n;
  bad |= ferror(in);
  bad |= fclose(out) != 0;
  fclose(in);
  if (bad) {
    remove(to);
    return asl_fail(ASL_EIO, "copying %s to %s failed (disk full?)", from, to);
  }
  return ASL_OK;
}

// Copies through a temporary name, so an interrupted merge never leaves a
// truncated volume under its final name.
static asl_status copy_volume(const char *from, const char *dir, const char *name) {
  char to[8400], tmp[8500];
  snprintf(to, sizeof to, "%s/%s", dir, name);
  snprintf(tmp, sizeof tmp, "%s.merging", to);
  asl_status st = merge_copy_file(from, tmp);
  if (!st && rename(tmp, to) != 0)
    st = asl_fail(ASL_EIO, "%s: cannot rename to %s (%s)", tmp, to, strerror(errno));
  return st;
}

// Volume files are named <job>_<subject>_<kind>.nii.gz (docs/cube.md).
static int volume_job(const char *name) {
  char *end;
  long j = strtol(name, &end, 10);
  if (end == name || *end != '_' || j < 0 || j > 100000000) return -1;
  return (int)j;
}

static asl_status part_volumes(const merge_run *m, int p, const char *dest, int *copied) {
  char src_dir[4200], from[8400];
  snprintf(src_dir, sizeof src_dir, "%s/volumes", m->part[p].dir);
  DIR *d = opendir(src_dir);
  if (!d) return ASL_OK; // a part without volumes (no infer job finished there)
  asl_status st = ASL_OK;
  struct dirent *e;
  while (!st && (e = readdir(d)) != NULL) {
    int j = volume_job(e->d_name);
    if (j < 0 || j >= m->n_jobs || m->source[j] != p || m->part[p].status[j] != CUBE_JOB_DONE)
      continue;
    snprintf(from, sizeof from, "%s/%s", src_dir, e->d_name);
    st = copy_volume(from, dest, e->d_name);
    if (!st) (*copied)++;
  }
  closedir(d);
  return st;
}

asl_status merge_volumes(const merge_run *m, const char *out_dir, int *copied) {
  char dest[4200];
  snprintf(dest, sizeof dest, "%s/volumes", out_dir);
  if (mkdir(dest, 0777) != 0 && errno != EEXIST)
    return asl_fail(ASL_EIO, "%s: cannot create (%s)", dest, strerror(errno));
  asl_status st = ASL_OK;
  *copied = 0;
  for (int p = 0; p < m->n_parts && !st; p++)
    if (m->part[p].file >= 0) st = part_volumes(m, p, dest, copied);
  if (!st) st = merge_packed_volumes(m, out_dir, copied);
  return st;
}
