// `aslsweep status`: the cube read serially (no MPI), job counts per
// experiment. Train jobs serve several experiments and get their own row.
// Rows are read in blocks (cube/jobs.h), so memory stays flat at any size.
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "cube_internal.h"
#include "run/cube.h"
#include "run/report.h"

static asl_status make_rows(run_report *r, const char *names) {
  int n = 2;
  for (const char *s = names; *s; s++) n += *s == ',';
  r->rows = calloc((size_t)n, sizeof *r->rows);
  if (!r->rows) return asl_fail(ASL_ENOMEM, "status rows");
  snprintf(r->rows[0].name, sizeof r->rows[0].name, "train");
  r->n_rows = 1;
  const char *s = names;
  while (*s) {
    size_t len = strcspn(s, ",");
    snprintf(r->rows[r->n_rows].name, sizeof r->rows[0].name, "%.*s", (int)len, s);
    r->n_rows++;
    s += len + (s[len] == ',');
  }
  return ASL_OK;
}

static void count(run_report_row *row, signed char status) {
  if (status == CUBE_JOB_DONE) row->done++;
  else if (status == CUBE_JOB_FAILED) row->failed++;
  else if (status == CUBE_JOB_RUNNING) row->running++;
  else row->pending++;
}

// The counts, in blocks of rows (memory does not grow with the study), and
// the first failed job's key and error.
static asl_status count_jobs(run_report *r, const cube_jobs *J, const char *path) {
  cube_rows R;
  int cap = J->n_jobs < CUBE_ROWS_BLOCK ? J->n_jobs : CUBE_ROWS_BLOCK;
  asl_status st = cube_rows_init(&R, cap, J->epochs);
  r->n_jobs = J->n_jobs;
  int first_failed = -1;
  for (int j0 = 0; j0 < J->n_jobs && !st; j0 += R.cap) {
    int n = J->n_jobs - j0 < R.cap ? J->n_jobs - j0 : R.cap;
    if ((st = cube_rows_read(J, j0, n, CUBE_ROW_NUMBERS, &R, path))) break;
    for (int i = 0; i < n; i++) {
      int e = R.experiment[i];
      count(&r->rows[e >= 0 && e + 1 < r->n_rows ? e + 1 : 0], R.status[i]);
      if (R.status[i] == CUBE_JOB_FAILED && first_failed < 0) first_failed = j0 + i;
    }
  }
  if (!st && first_failed >= 0 &&
      !(st = cube_rows_read(J, first_failed, 1, CUBE_ROW_KEY | CUBE_ROW_ERROR, &R, path)))
    snprintf(r->first_error, sizeof r->first_error, "%s: %s", R.key, R.error);
  cube_rows_free(&R);
  return st;
}

static asl_status read_jobs(run_report *r, hid_t file, int version, const char *path) {
  cube_jobs J;
  asl_status st = cube_jobs_open(&J, file, version, path);
  if (st) return st;
  st = count_jobs(r, &J, path);
  cube_jobs_close(&J);
  return st;
}

static asl_status read_report(run_report *r, const char *path) {
  asl_status st = ASL_OK;
  hid_t file = H5I_INVALID_HID;
  char *names = NULL; // the whole list: any number of experiments
  int version = 0;
  HCHECK(file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT), "%s: open the results cube", path);
  if ((st = cube_check_version(file, path, &version)) ||
      (st = cube_attr_read_str(file, cube_attr_name(CUBE_ATTR_SPEC_HASH), r->spec_hash,
                               sizeof r->spec_hash)) ||
      (st = cube_attr_read_str_alloc(file, cube_attr_name(CUBE_ATTR_EXPERIMENTS), &names)) ||
      (st = cube_attr_read_str(file, cube_attr_name(CUBE_ATTR_EXECUTOR), r->executor,
                               sizeof r->executor)) ||
      (st = make_rows(r, names)) || (st = read_jobs(r, file, version, path)) ||
      (st = cube_verify_file(file, path, &r->verify)))
    goto fail;
fail:
  free(names);
  run_h5_close(&file);
  return st;
}

asl_status run_report_read(run_report *r, const char *dir_or_file) {
  char path[4096];
  struct stat sb;
  memset(r, 0, sizeof *r);
  if (stat(dir_or_file, &sb) == 0 && S_ISDIR(sb.st_mode))
    snprintf(path, sizeof path, "%s/results.h5", dir_or_file);
  else
    snprintf(path, sizeof path, "%s", dir_or_file);
  snprintf(r->path, sizeof r->path, "%s", path);
  if (stat(path, &sb) != 0)
    return asl_fail(ASL_ENOTFOUND, "%s: no results cube here (has `aslsweep run` started in it?)",
                    path);
  cube_h5_quiet q;
  cube_h5_quiet_begin(&q);
  asl_status st = read_report(r, path);
  cube_h5_quiet_end(&q);
  if (st) run_report_free(r);
  return st;
}

void run_report_print(const run_report *r, FILE *f) {
  int tot[4] = {0, 0, 0, 0};
  fprintf(f, "%-24s %8s %8s %8s %8s\n", "experiment", "done", "failed", "running", "pending");
  for (int i = 0; i < r->n_rows; i++) {
    const run_report_row *w = &r->rows[i];
    if (w->done + w->failed + w->running + w->pending == 0) continue;
    fprintf(f, "%-24s %8d %8d %8d %8d\n", w->name, w->done, w->failed, w->running, w->pending);
    tot[0] += w->done, tot[1] += w->failed, tot[2] += w->running, tot[3] += w->pending;
  }
  fprintf(f, "%-24s %8d %8d %8d %8d\n", "total", tot[0], tot[1], tot[2], tot[3]);
  if (tot[2]) fprintf(f, "note: 'running' jobs of a stopped run are redone by the next `aslsweep run`\n");
  if (r->first_error[0]) fprintf(f, "first failure: %s\n", r->first_error);
  if (strcmp(r->executor, "test-double") == 0)
    fprintf(f, "warning: this cube was written by the test double, not by real training\n");
  cube_verify_print(&r->verify, "aslsweep status", r->path, NULL, f);
}

void run_report_free(run_report *r) {
  cube_verify_free(&r->verify);
  free(r->rows);
  r->rows = NULL;
  r->n_rows = 0;
}
