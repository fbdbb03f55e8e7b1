// `aslsweep status`: the cube read serially (no MPI), job counts per
// experiment. Train jobs serve several experiments and get their own row.
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "cube_internal.h"
#include "run/cube.h"
#include "run/report.h"

static asl_status read_ints(hid_t g, const char *name, hid_t mtype, void *buf, const char *path) {
  asl_status st = ASL_OK;
  hid_t ds = H5I_INVALID_HID;
  HCHECK(ds = H5Dopen2(g, name, H5P_DEFAULT), "%s: open /jobs/%s", path, name);
  HCHECK(H5Dread(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf), "%s: read /jobs/%s", path, name);
fail:
  run_h5_close(&ds);
  return st;
}

static asl_status read_error_row(hid_t g, int j, char *out, size_t n, const char *path) {
  asl_status st = ASL_OK;
  hid_t ds = H5I_INVALID_HID, t = H5I_INVALID_HID;
  char buf[RUN_ERROR_LEN + 1] = "", key[RUN_KEY_LEN + 1] = "";
  hsize_t start[1] = {(hsize_t)j}, count[1] = {1};
  HCHECK(t = cube_str_type(RUN_ERROR_LEN), "string type");
  HCHECK(ds = H5Dopen2(g, "error", H5P_DEFAULT), "%s: open /jobs/error", path);
  if ((st = cube_read_block(ds, t, 1, start, count, buf))) goto fail;
  run_h5_close(&ds);
  run_h5_close(&t);
  HCHECK(t = cube_str_type(RUN_KEY_LEN), "string type");
  HCHECK(ds = H5Dopen2(g, "key", H5P_DEFAULT), "%s: open /jobs/key", path);
  if ((st = cube_read_block(ds, t, 1, start, count, key))) goto fail;
  snprintf(out, n, "%s: %s", key, buf);
fail:
  run_h5_close(&ds);
  run_h5_close(&t);
  return st;
}

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
  if (status == RUN_JOB_DONE) row->done++;
  else if (status == RUN_JOB_FAILED) row->failed++;
  else if (status == RUN_JOB_RUNNING) row->running++;
  else row->pending++;
}

static asl_status read_jobs(run_report *r, hid_t file, const char *path) {
  asl_status st = ASL_OK;
  hid_t g = H5I_INVALID_HID, ds = H5I_INVALID_HID, space = H5I_INVALID_HID;
  signed char *status = NULL;
  int *exper = NULL;
  HCHECK(g = H5Gopen2(file, "jobs", H5P_DEFAULT), "%s: open /jobs", path);
  HCHECK(ds = H5Dopen2(g, "status", H5P_DEFAULT), "%s: open /jobs/status", path);
  HCHECK(space = H5Dget_space(ds), "%s: /jobs/status extent", path);
  r->n_jobs = (int)H5Sget_simple_extent_npoints(space);
  status = malloc((size_t)r->n_jobs + 1);
  exper = malloc(sizeof(int) * ((size_t)r->n_jobs + 1));
  if (!status || !exper) {
    st = asl_fail(ASL_ENOMEM, "%s: %d jobs", path, r->n_jobs);
    goto fail;
  }
  if ((st = read_ints(g, "status", H5T_NATIVE_SCHAR, status, path)) ||
      (st = read_ints(g, "experiment", H5T_NATIVE_INT, exper, path)))
    goto fail;
  int first_failed = -1;
  for (int j = 0; j < r->n_jobs; j++) {
    int row = exper[j] >= 0 && exper[j] + 1 < r->n_rows ? exper[j] + 1 : 0;
    count(&r->rows[row], status[j]);
    if (status[j] == RUN_JOB_FAILED && first_failed < 0) first_failed = j;
  }
  if (first_failed >= 0)
    st = read_error_row(g, first_failed, r->first_error, sizeof r->first_error, path);
fail:
  free(status);
  free(exper);
  run_h5_close(&space);
  run_h5_close(&ds);
  run_h5_close(&g);
  return st;
}

asl_status run_report_read(run_report *r, const char *dir_or_file) {
  asl_status st = ASL_OK;
  hid_t file = H5I_INVALID_HID;
  char path[4096], names[4096];
  struct stat sb;
  memset(r, 0, sizeof *r);
  if (stat(dir_or_file, &sb) == 0 && S_ISDIR(sb.st_mode))
    snprintf(path, sizeof path, "%s/results.h5", dir_or_file);
  else
    snprintf(path, sizeof path, "%s", dir_or_file);
  if (stat(path, &sb) != 0)
    return asl_fail(ASL_ENOTFOUND, "%s: no results cube here (has `aslsweep run` started in it?)",
                    path);
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  HCHECK(file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT), "%s: open the results cube", path);
  if ((st = cube_attr_read_str(file, "spec_hash", r->spec_hash, sizeof r->spec_hash)) ||
      (st = cube_attr_read_str(file, "experiments", names, sizeof names)) ||
      (st = cube_attr_read_str(file, "executor", r->executor, sizeof r->executor)) ||
      (st = make_rows(r, names)) || (st = read_jobs(r, file, path)))
    goto fail;
fail:
  run_h5_close(&file);
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
}

void run_report_free(run_report *r) {
  free(r->rows);
  r->rows = NULL;
  r->n_rows = 0;
}
