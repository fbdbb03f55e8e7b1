// `aslsweep verify` and every reader's integrity check: each committed job
// row's checksum recomputed from the file (cube/checksum.h). The /jobs rows
// are read in blocks (verify_read.c), then one experiment at a time (its
// job, metrics and metrics_per_image whole), so memory is a few numbers per
// job and one experiment's arrays.
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cube/checksum.h"
#include "cube/h5.h"
#include "verify_internal.h"

asl_status cv_add_bad(cube_verify_result *r, int job, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  cube_bad_row *b = realloc(r->bad, sizeof *b * (size_t)(r->n_bad + 1));
  if (!b) return asl_fail(ASL_ENOMEM, "verify: %d failing rows", r->n_bad + 1);
  r->bad = b;
  if (!(b[r->n_bad].what = strdup(msg))) return asl_fail(ASL_ENOMEM, "verify: message");
  b[r->n_bad++].job = job;
  if (job >= 0 && job < r->n_jobs) r->bad_job[job] = 1;
  return ASL_OK;
}

static int committed(int status) { return status == CUBE_JOB_DONE || status == CUBE_JOB_FAILED; }

// Compares job j's finished sum with its stored checksum.
asl_status cv_judge(const cv_jobs *J, int j, const cube_sum *s, cube_verify_result *r) {
  char name[CUBE_KEY_LEN + 160];
  cv_job_name(J, j, name, sizeof name);
  uint64_t want = J->checksum[j], got = cube_sum_value(s);
  r->computed[j] = got;
  if (!(want & CUBE_CHECKSUM_MARK))
    return cv_add_bad(r, j, "%s: committed (%s) but has no checksum", name,
                   cube_job_status_name(J->status[j]));
  if (want != got)
    return cv_add_bad(r, j, "%s: checksum mismatch (stored %010" PRIx64 ", data gives %010" PRIx64
                   "): its cells or /jobs row changed after it was written", name, want, got);
  r->n_verified++;
  return ASL_OK;
}

// Rows of jobs outside every experiment (train jobs): no cells.
static asl_status verify_rows_alone(const cv_jobs *J, cube_verify_result *r) {
  asl_status st = ASL_OK;
  for (int j = 0; j < J->n && !st; j++) {
    if (!committed(J->status[j]) || r->bad_job[j]) continue;
    int e = J->experiment[j];
    if (e >= 0 && e < J->n_exp) continue;
    st = cv_judge(J, j, &J->sum[j], r);
  }
  return st;
}

asl_status cube_verify_handles_run(const cube_verify_handles *h, const char *path,
                                   cube_verify_result *r) {
  cv_jobs J;
  memset(r, 0, sizeof *r);
  memset(&J, 0, sizeof J);
  int n = h->jobs.n_jobs;
  r->n_jobs = n;
  r->has_checksums = h->jobs.checksum >= 0;
  r->bad_job = calloc((size_t)n + 1, 1);
  r->computed = calloc((size_t)n + 1, sizeof *r->computed);
  asl_status st = ASL_OK;
  if (!r->bad_job || !r->computed) st = asl_fail(ASL_ENOMEM, "verify: %d jobs", n);
  if (!st) st = cv_read_jobs(h, path, &J, r);
  if (!st && !r->has_checksums) {
    for (int j = 0; j < J.n; j++) r->n_unverified += committed(J.status[j]);
    cv_free_jobs(&J);
    return ASL_OK;
  }
  for (int e = 0; e < J.n_exp && !st; e++) st = cv_verify_experiment(h, path, &J, e, r);
  if (!st) st = verify_rows_alone(&J, r);
  cv_free_jobs(&J);
  if (st) cube_verify_free(r);
  return st;
}

void cube_verify_free(cube_verify_result *r) {
  for (int i = 0; i < r->n_bad; i++) free(r->bad[i].what);
  free(r->bad);
  free(r->bad_job);
  free(r->computed);
  memset(r, 0, sizeof *r);
}

int cube_verify_print(const cube_verify_result *r, const char *prefix, const char *path,
                      const char *hint, FILE *f) {
  if (!r->has_checksums && r->n_unverified > 0)
    fprintf(f, "%s: note: %s has no row checksums (written before aslsweep kept them): its %d "
            "committed rows are unverified\n", prefix, path, r->n_unverified);
  for (int i = 0; i < r->n_bad; i++) fprintf(f, "%s: %s: %s\n", prefix, path, r->bad[i].what);
  if (r->n_bad > 0)
    fprintf(f, "%s: %d row%s of %s fail%s verification: %s\n", prefix, r->n_bad,
            r->n_bad == 1 ? "" : "s", path, r->n_bad == 1 ? "s" : "",
            hint ? hint : "`aslsweep run SPEC --out DIR` (the same spec and directory) reruns "
                          "those jobs");
  return r->n_bad;
}
