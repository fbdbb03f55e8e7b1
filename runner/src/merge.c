// `aslsweep merge`: the parts of a job-array run gathered into one cube.
// The base part's file is copied (keeping a run cube's exact layout:
// contiguous early-allocated datasets, dimension scales, static values), its
// slice marks removed, and every per-job value overwritten from the part
// each job is taken from; then the copy is renamed over DIR/results.h5.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "cube/layout.h"
#include "merge_internal.h"

// A merged cube is a whole run's: no `slice` attribute, no /jobs/slice.
static asl_status unmark(hid_t f, const char *path) {
  asl_status st = ASL_OK;
  hid_t g = H5I_INVALID_HID, ds = H5I_INVALID_HID;
  const char *attr = cube_attr_name(CUBE_ATTR_SLICE), *set = cube_ds_path(CUBE_DS_JOB_SLICE);
  htri_t a = H5Aexists(f, attr);
  HCHECK(a, "%s: look for the %s attribute", path, attr);
  if (a) HCHECK(H5Adelete(f, attr), "%s: remove the %s attribute", path, attr);
  htri_t d = H5Lexists(f, set, H5P_DEFAULT);
  HCHECK(d, "%s: look for %s", path, set);
  if (d) {
    // Detached first: a removed dataset would leave a dangling reference
    // in the /jobs/job scale's list.
    HCHECK(g = H5Gopen2(f, CUBE_GROUP_JOBS, H5P_DEFAULT), "%s: open /%s", path, CUBE_GROUP_JOBS);
    HCHECK(ds = H5Dopen2(f, set, H5P_DEFAULT), "%s: open %s", path, set);
    if ((st = cube_jobs_link(g, ds, 1, 0))) goto fail;
    run_h5_close(&ds);
    HCHECK(H5Ldelete(f, set, H5P_DEFAULT), "%s: remove %s", path, set);
  }
fail:
  run_h5_close(&ds);
  run_h5_close(&g);
  return st;
}

static asl_status write_cube(merge_run *m, const char *out_dir) {
  char tmp[4300], final[4300];
  snprintf(tmp, sizeof tmp, "%s/results.h5.merging", out_dir);
  snprintf(final, sizeof final, "%s/results.h5", out_dir);
  asl_status st = merge_copy_file(m->part[m->base].path, tmp);
  if (st) return st;
  hid_t f = H5Fopen(tmp, H5F_ACC_RDWR, H5P_DEFAULT);
  if (f < 0) st = asl_fail(ASL_EHDF5, "%s: cannot open the copy for writing", tmp);
  if (!st) st = unmark(f, tmp);
  if (!st) st = merge_jobs(m, f, tmp);
  if (!st) st = merge_cells(m, f, tmp);
  if (f >= 0 && H5Fclose(f) < 0 && !st) st = asl_fail(ASL_EHDF5, "%s: close failed", tmp);
  if (!st && rename(tmp, final) != 0)
    st = asl_fail(ASL_EIO, "%s: cannot rename to %s (%s)", tmp, final, strerror(errno));
  if (st) remove(tmp);
  return st;
}

// What is still missing, one line a job (the first 50), for the user to
// rerun those slices.
static void report_missing(const merge_run *m, const run_merge_summary *s) {
  if (s->done == s->n_jobs) return;
  fprintf(m->log, "aslsweep merge: %d of %d jobs are not done in any part:\n",
          s->n_jobs - s->done, s->n_jobs);
  int shown = 0;
  for (int j = 0; j < m->n_jobs; j++) {
    int p = m->source[j];
    if (p >= 0 && m->part[p].status[j] == CUBE_JOB_DONE) continue;
    if (shown++ == 50) {
      fprintf(m->log, "  ... and %d more\n", s->n_jobs - s->done - 50);
      break;
    }
    if (p >= 0) fprintf(m->log, "  %s (failed in %s)\n", merge_key(m, j), m->part[p].dir);
    else fprintf(m->log, "  %s (pending)\n", merge_key(m, j));
  }
}

static void merge_free(merge_run *m) {
  for (int p = 0; m->part && p < m->n_parts; p++) {
    if (m->part[p].file >= 0) H5Fclose(m->part[p].file);
    free(m->part[p].status);
    free(m->part[p].cells);
  }
  free(m->part);
  free(m->source);
  free(m->key_text);
  free(m->key_at);
}

static asl_status open_all(merge_run *m, int n_parts, char *const *parts) {
  asl_status st = ASL_OK;
  m->base = -1;
  for (int p = 0; p < n_parts; p++) m->part[p].file = H5I_INVALID_HID;
  for (int p = 0; p < n_parts && !st; p++) {
    st = merge_open_part(m, p, parts[p]);
    if (!st && m->base < 0 && m->part[p].file >= 0) m->base = p;
  }
  if (!st && m->base < 0)
    st = asl_fail(ASL_ENOTFOUND, "none of the %d part directories holds a results.h5: nothing "
                  "to merge (did the array tasks run?)", n_parts);
  for (int p = m->base + 1; p < n_parts && !st; p++)
    if (m->part[p].file >= 0) st = merge_same_run(m, p);
  return st;
}

static asl_status merge(const char *out_dir, int n_parts, char *const *parts, FILE *log,
                        run_merge_summary *s) {
  memset(s, 0, sizeof *s);
  if (n_parts < 1) return asl_fail(ASL_EINVAL, "merge: no part directories given");
  if (mkdir(out_dir, 0777) != 0 && errno != EEXIST)
    return asl_fail(ASL_EIO, "%s: cannot create (%s)", out_dir, strerror(errno));
  merge_run m = {.n_parts = n_parts, .log = log};
  m.part = calloc((size_t)n_parts, sizeof *m.part);
  if (!m.part) return asl_fail(ASL_ENOMEM, "merging %d parts", n_parts);
  asl_status st = open_all(&m, n_parts, parts);
  if (!st) st = merge_read_jobs(&m);
  if (!st) {
    s->n_jobs = m.n_jobs;
    for (int p = 0; p < n_parts; p++) s->parts_read += m.part[p].file >= 0;
    merge_choose_sources(&m, s);
    s->bad_rows = m.bad_rows;
    st = write_cube(&m, out_dir);
  }
  if (!st) st = merge_volumes(&m, out_dir, &s->volumes);
  if (!st) report_missing(&m, s);
  merge_free(&m);
  return st;
}

asl_status run_merge(const char *out_dir, int n_parts, char *const *parts, FILE *log,
                     run_merge_summary *s) {
  cube_h5_quiet q;
  cube_h5_quiet_begin(&q);
  asl_status st = merge(out_dir, n_parts, parts, log, s);
  cube_h5_quiet_end(&q);
  return st;
}
