#include "job_log.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "asl/fs.h"

// The job key as a file name: '/' becomes "__"; a key too long for one file
// name keeps its start and gets the job index, which is unique in the plan.
static void log_path(const run_sched *sc, int job, char *out, size_t n) {
  const char *key = sc->p->jobs[job].key;
  char name[256];
  size_t k = 0;
  for (const char *c = key; *c && k + 3 < 200; c++) {
    if (*c == '/') name[k++] = '_', name[k++] = '_';
    else name[k++] = *c;
  }
  name[k] = '\0';
  if (strlen(key) + 8 > 200) snprintf(name + k, sizeof name - k, "-%d", job);
  snprintf(out, n, "%s/logs/%s.log", sc->dir, name);
}

static const char *status_text(int status) {
  return status == RUN_JOB_DONE     ? "done"
         : status == RUN_JOB_FAILED ? "failed"
                                    : "interrupted (pending; the next run resumes it)";
}

static void write_block(FILE *f, const run_sched *sc, int job, const run_result *r, int status,
                        double seconds, time_t started) {
  const sweep_job *jb = &sc->p->jobs[job];
  char when[32];
  strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&started));
  fprintf(f, "== attempt started %s on %s, rank %d\n", when, sc->host, sc->rank);
  fprintf(f, "job %d: %s (%s)\nseed %llu, content key %s\n", job, jb->key,
          jb->kind == SWEEP_JOB_TRAIN ? "train" : "infer", (unsigned long long)jb->seed,
          jb->content_key[0] ? jb->content_key : "-");
  if (jb->train_job >= 0) fprintf(f, "train job: %s\n", sc->p->jobs[jb->train_job].key);
  fprintf(f, "ended: %s after %.2f s\n", status_text(status), seconds);
  if (status == RUN_JOB_FAILED && r->error[0]) fprintf(f, "error: %s\n", r->error);
  int header = 0;
  for (int e = 0; e < r->epochs; e++) {
    if (isnan(r->train_loss[e]) && isnan(r->val_loss[e])) continue;
    if (!header++) fprintf(f, "epoch  train_loss  val_loss\n");
    fprintf(f, "%5d  %10.6g  %8.6g\n", e + 1, r->train_loss[e], r->val_loss[e]);
  }
}

void run_job_log(const run_sched *sc, int job, const run_result *r, int status,
                 double seconds, time_t started) {
  static int warned;
  char dir[4300], path[4600];
  snprintf(dir, sizeof dir, "%s/logs", sc->dir);
  log_path(sc, job, path, sizeof path);
  FILE *f = NULL;
  if (asl_make_dirs(dir) == ASL_OK) f = fopen(path, "a");
  if (f) {
    write_block(f, sc, job, r, status, seconds, started);
    if (fclose(f) == 0) return;
  }
  if (!warned++)
    fprintf(stderr, "aslsweep run: rank %d: warning: cannot write %s (%s); job logs stop here, "
            "the cube still records every job\n", sc->rank, path,
            f ? strerror(errno) : asl_error_message());
}
