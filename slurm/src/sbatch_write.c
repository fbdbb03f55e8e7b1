// Everything `aslsweep slurm` does on disk: absolute paths for the script,
// the run directory, the script files, and the submission.
#define _XOPEN_SOURCE 700 // realpath
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "asl/fs.h"
#include "slurm/sbatch.h"

asl_status slurm_resolve_paths(slurm_options *o, slurm_paths *paths) {
  if (realpath(o->spec_path, paths->spec) == NULL)
    return asl_fail(ASL_ENOTFOUND, "%s: %s; check the spec path", o->spec_path, strerror(errno));
  asl_status st = asl_make_dirs(o->out_dir);
  if (st) return asl_fail(st, "--out %s: %s; choose another --out", o->out_dir, asl_error_message());
  if (realpath(o->out_dir, paths->out) == NULL)
    return asl_fail(ASL_EIO, "--out %s: %s", o->out_dir, strerror(errno));
  // The running binary, wherever it was installed or copied: batch jobs
  // must call this build, not whichever aslsweep PATH holds on the nodes.
  if (realpath("/proc/self/exe", paths->self) == NULL) snprintf(paths->self, sizeof paths->self, "aslsweep");
  o->spec_path = paths->spec;
  o->out_dir = paths->out;
  o->aslsweep = paths->self;
  return ASL_OK;
}

static asl_status write_file(const char *path, const slurm_text *t) {
  FILE *f = fopen(path, "w");
  int ok = f != NULL && fwrite(t->s, 1, t->len, f) == t->len;
  if (f != NULL && fclose(f) != 0) ok = 0;
  if (!ok) return asl_fail(ASL_EIO, "cannot write %s: %s", path, strerror(errno));
  chmod(path, 0755);
  return ASL_OK;
}

asl_status slurm_write_scripts(const slurm_options *o, const slurm_resources *r,
                               const slurm_workload *w, slurm_text *submit_text) {
  char path[PATH_MAX + 32];
  asl_status st = slurm_script_render(submit_text, o, r, w);
  if (st) return st;
  snprintf(path, sizeof path, "%s/submit.sbatch", o->out_dir);
  if ((st = write_file(path, submit_text)) || o->array_chunks == 0) return st;
  slurm_text t;
  slurm_text_init(&t);
  snprintf(path, sizeof path, "%s/parts", o->out_dir);
  st = asl_make_dirs(path);
  if (!st) st = slurm_merge_script_render(&t, o, w);
  snprintf(path, sizeof path, "%s/merge.sbatch", o->out_dir);
  if (!st) st = write_file(path, &t);
  slurm_text_free(&t);
  return st;
}

asl_status slurm_submit_all(const slurm_options *o, long *job_id, long *merge_id) {
  char path[PATH_MAX + 32], id_text[32];
  *merge_id = 0;
  snprintf(path, sizeof path, "%s/submit.sbatch", o->out_dir);
  asl_status st = slurm_submit(path, NULL, job_id);
  if (st || o->array_chunks == 0) return st;
  snprintf(path, sizeof path, "%s/merge.sbatch", o->out_dir);
  snprintf(id_text, sizeof id_text, "%ld", *job_id);
  st = slurm_submit(path, id_text, merge_id);
  if (st) return asl_fail(st, "merge job: %s", asl_error_message());
  return ASL_OK;
}
