// `aslsweep status`: the cube read serially (no MPI), job counts per
// experiment. Train jobs serve several experiments and get their own row.
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "cube_internal.h"
#include "run/cube.h"
#include "run/report.h"

static asl_status read_ints(hid_t g, cube_ds d, hid_t mtype, void *buf, const char *path) {
  asl_status st = ASL_OK;
  hid_t ds = H5I_INVALID_HID;
  HCHECK(ds = H5Dopen2(g, cube_ds_name(d), H5P_DEFAULT), "%s: open %s", path, cube_ds_path(d));
  HCHECK(H5Dread(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf), "%s: read %s", path,
         cube_ds_path(d));
fail:
  run_h5_close(&ds);
  return st;
}

// Row j of the string dataset d into out (at least its length + 1 bytes).
static asl_status read_string_row(hid_t g, cube_ds d, int j, char *out, const char *path) {
  asl_status st = ASL_OK;
  hid_t ds = H5I_INVALID_HID, t = H5I_INVALID_HID;
  hsize_t start[1] = {(hsize_t)j}, count[1] = {1};
  HCHECK(t = cube_str_type(cube_datasets[d].str_len), "string type of %s", cube_ds_path(d));
  HCHECK(ds = H5Dopen2(g, cube_ds_name(d), H5P_DEFAULT), "%s: open %s", path, cube_ds_path(d));
  st = cube_read_block(ds, t, 1, start, count, out);
fail:
  run_h5_close(&ds);
  run_h5_close(&t);
  return st;
}

static asl_status read_error_row(hid_t g, int j, char *out, size_t n, const char *path) {
  char buf[CUBE_ERROR_LEN + 1] = "", key[CUBE_KEY_LEN + 1] = "";
  asl_status st = read_string_row(g, CUBE_DS_JOB_ERROR, j, buf, path);
  if (!st) st = read_string_row(g, CUBE_DS_JOB_KEY, j, key, path);
  if (!st) snprintf(out, n, "%s: %s", key, buf);
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
  if (status == CUBE_JOB_DONE) row->done++;
  else if (status == CUBE_JOB_FAILED) row->failed++;
  else if (status == CUBE_JOB_RUNNING) row->running++;
  else row->pending++;
}

static asl_status read_jobs(run_report *r, hid_t file, const char *path) {
  asl_status st = ASL_OK;
  hid_t g = H5I_INVALID_HID, ds = H5I_INVALID_HID, space = H5I_INVALID_HID;
  signed char *status = NULL;
  int *exper = NULL;
  const char *status_path = cube_ds_path(CUBE_DS_JOB_STATUS);
  HCHECK(g = H5Gopen2(file, CUBE_GROUP_JOBS, H5P_DEFAULT), "%s: open /%s", path, CUBE_GROUP_JOBS);
  HCHECK(ds = H5Dopen2(g, cube_ds_name(CUBE_DS_JOB_STATUS), H5P_DEFAULT), "%s: open %s", path,
         status_path);
  HCHECK(space = H5Dget_space(ds), "%s: %s extent", path, status_path);
  r->n_jobs = (int)H5Sget_simple_extent_npoints(space);
  status = malloc((size_t)r->n_jobs + 1);
  exper = malloc(sizeof(int) * ((size_t)r->n_jobs + 1));
  if (!status || !exper) {
    st = asl_fail(ASL_ENOMEM, "%s: %d jobs", path, r->n_jobs);
    goto fail;
  }
  if ((st = read_ints(g, CUBE_DS_JOB_STATUS, H5T_NATIVE_SCHAR, status, path)) ||
      (st = read_ints(g, CUBE_DS_JOB_EXPERIMENT, H5T_NATIVE_INT, exper, path)))
    goto fail;
  int first_failed = -1;
  for (int j = 0; j < r->n_jobs; j++) {
    int row = exper[j] >= 0 && exper[j] + 1 < r->n_rows ? exper[j] + 1 : 0;
    count(&r->rows[row], status[j]);
    if (status[j] == CUBE_JOB_FAILED && first_failed < 0) first_failed = j;
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

static asl_status read_report(run_report *r, const char *path) {
  asl_status st = ASL_OK;
  hid_t file = H5I_INVALID_HID;
  char *names = NULL; // the whole list: any number of experiments
  HCHECK(file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT), "%s: open the results cube", path);
  if ((st = cube_check_version(file, path, NULL)) ||
      (st = cube_attr_read_str(file, cube_attr_name(CUBE_ATTR_SPEC_HASH), r->spec_hash,
                               sizeof r->spec_hash)) ||
      (st = cube_attr_read_str_alloc(file, cube_attr_name(CUBE_ATTR_EXPERIMENTS), &names)) ||
      (st = cube_attr_read_str(file, cube_attr_name(CUBE_ATTR_EXECUTOR), r->executor,
                               sizeof r->executor)) ||
      (st = make_rows(r, names)) || (st = read_jobs(r, file, path)) ||
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
