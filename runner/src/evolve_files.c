// A grown study's files: reused (and unchanged unfinished) jobs keep their
// checkpoints and volumes under their new index; every other job's files
// and the old cube move to DIR/attic/<UTC time>/. Nothing is deleted.
#include <errno.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "run/evolve.h"

asl_status run_attic_make(const char *dir, char *out, size_t n) {
  char stamp[32], base[4200];
  time_t now = time(NULL);
  struct tm tmv;
  gmtime_r(&now, &tmv);
  strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tmv);
  snprintf(base, sizeof base, "%s/attic", dir);
  if (mkdir(base, 0777) != 0 && errno != EEXIST)
    return asl_fail(ASL_EIO, "%s: cannot create (%s); check --out", base, strerror(errno));
  // Two changes within one second get two folders: an attic never mixes runs.
  for (int i = 1; i < 1000; i++) {
    if (i == 1) snprintf(out, n, "%s/%s", base, stamp);
    else snprintf(out, n, "%s/%s-%d", base, stamp, i);
    if (mkdir(out, 0777) == 0) return ASL_OK;
    if (errno != EEXIST) break;
  }
  return asl_fail(ASL_EIO, "%s: cannot create (%s); check --out", out, strerror(errno));
}

// The job index a file name starts with: "job-00012.ckpt[.json]" in
// checkpoints/, "12_sub-01_denoised.nii.gz" in volumes/; -1 for others.
static int job_of(const char *name, int ckpt, const char **rest) {
  const char *s = name;
  if (ckpt && strncmp(s, "job-", 4) != 0) return -1;
  if (ckpt) s += 4;
  char *end;
  long v = strtol(s, &end, 10);
  if (end == s || v < 0 || v > 100000000 || (ckpt ? *end != '.' : *end != '_')) return -1;
  *rest = end;
  return (int)v;
}

static asl_status move(const char *from, const char *to) {
  if (rename(from, to) == 0) return ASL_OK;
  return asl_fail(ASL_EIO, "cannot move %s to %s (%s)", from, to, strerror(errno));
}

static asl_status make(const char *path) {
  if (mkdir(path, 0777) == 0 || errno == EEXIST) return ASL_OK;
  return asl_fail(ASL_EIO, "%s: cannot create (%s)", path, strerror(errno));
}

// Pass 1 of one folder: kept files to the staging folder under their new
// name, the rest to the attic.
static asl_status sort_folder(const int *keep_of, int n_old, const char *dir, const char *sub,
                              const char *stage, const char *attic) {
  char src[4608], dst[4608], folder[4300];
  int ckpt = strcmp(sub, "checkpoints") == 0;
  snprintf(folder, sizeof folder, "%s/%s", dir, sub);
  DIR *d = opendir(folder);
  if (!d) return errno == ENOENT ? ASL_OK : asl_fail(ASL_EIO, "%s: cannot list (%s)", folder, strerror(errno));
  asl_status st = ASL_OK;
  struct dirent *e;
  while (!st && (e = readdir(d))) {
    const char *rest;
    int o = job_of(e->d_name, ckpt, &rest);
    if (o < 0) continue;
    int j = o < n_old ? keep_of[o] : -1;
    snprintf(src, sizeof src, "%s/%s", folder, e->d_name);
    if (j >= 0) {
      if (ckpt) snprintf(dst, sizeof dst, "%s/job-%05d%s", stage, j, rest);
      else snprintf(dst, sizeof dst, "%s/%d%s", stage, j, rest);
    } else {
      snprintf(dst, sizeof dst, "%s/%s", attic, sub);
      if ((st = make(dst))) break;
      snprintf(dst, sizeof dst, "%s/%s/%s", attic, sub, e->d_name);
    }
    st = move(src, dst);
  }
  closedir(d);
  return st;
}

// Pass 2: the staged files back under their new names.
static asl_status unstage(const char *stage, const char *folder) {
  char src[4608], dst[4608];
  DIR *d = opendir(stage);
  if (!d) return asl_fail(ASL_EIO, "%s: cannot list (%s)", stage, strerror(errno));
  asl_status st = ASL_OK;
  struct dirent *e;
  while (!st && (e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    snprintf(src, sizeof src, "%s/%s", stage, e->d_name);
    snprintf(dst, sizeof dst, "%s/%s", folder, e->d_name);
    st = move(src, dst);
  }
  closedir(d);
  if (!st && rmdir(stage) != 0) st = asl_fail(ASL_EIO, "%s: cannot remove (%s)", stage, strerror(errno));
  return st;
}

static asl_status files(const int *keep_of, int n_old, const char *dir, const char *attic) {
  static const char *const subs[] = {"checkpoints", "volumes"};
  char stage[4300], folder[4300];
  asl_status st = ASL_OK;
  for (int i = 0; i < 2 && !st; i++) {
    // Staged under the attic: were this interrupted, the files are still
    // in one place nothing else touches.
    snprintf(stage, sizeof stage, "%s/.staged-%s", attic, subs[i]);
    snprintf(folder, sizeof folder, "%s/%s", dir, subs[i]);
    if (!(st = make(stage)) && !(st = sort_folder(keep_of, n_old, dir, subs[i], stage, attic)))
      st = unstage(stage, folder);
  }
  return st;
}

asl_status run_evolve_files(const run_evolution *ev, const sweep_plan *p, const char *dir,
                            const char *attic) {
  // A job whose content key is unchanged keeps its files, finished or not:
  // an interrupted training resumes from its checkpoint as on any rerun.
  int *keep_of = malloc(sizeof(int) * (size_t)(ev->n_old + 1));
  if (!keep_of) return asl_fail(ASL_ENOMEM, "sorting the job files of %s", dir);
  for (int o = 0; o < ev->n_old; o++) {
    int j = ev->old_new[o];
    keep_of[o] = j >= 0 && strcmp(ev->old_content[o], p->jobs[j].content_key) == 0 ? j : -1;
  }
  asl_status st = files(keep_of, ev->n_old, dir, attic);
  free(keep_of);
  return st;
}
