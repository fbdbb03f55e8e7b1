#include "job_log.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "asl/fs.h"

// This rank's file for the run. One process is one rank, and jobs run on
// one thread, so file-scope state is enough; run_job_log_close resets it
// for the next run_sweep in the same process.
static struct {
  FILE *f;
  int stopped;  // a write failed: warned once, no more logging this run
  char path[4400];
} rank_log;

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
  fprintf(f, "== %s: attempt started %s on %s, rank %d\n", jb->key, when, sc->host, sc->rank);
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

// DIR/logs/<UTC time of the rank's first job>-r<rank>.log. The stamp makes
// a requeued run's files sort after the killed run's; the same stamp and
// rank (a rerun within the second) appends to the same file. A block cut by
// a kill -9 may lack its newline: one is added so the next block starts on
// its own line.
static FILE *open_rank_log(const run_sched *sc) {
  char dir[4300], stamp[32];
  time_t now = time(NULL);
  strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", gmtime(&now));
  snprintf(dir, sizeof dir, "%s/logs", sc->dir);
  snprintf(rank_log.path, sizeof rank_log.path, "%s/%s-r%d.log", dir, stamp, sc->rank);
  if (asl_make_dirs(dir) != ASL_OK) return NULL;
  FILE *f = fopen(rank_log.path, "a+");
  if (!f) {
    asl_fail(ASL_EIO, "%s", strerror(errno));
    return NULL;
  }
  // Reading then writing an update stream needs a seek in between.
  int cut = fseek(f, -1, SEEK_END) == 0 && fgetc(f) != '\n';
  fseek(f, 0, SEEK_END);
  if (cut) fputc('\n', f);
  return f;
}

static void stop(const run_sched *sc, const char *why) {
  rank_log.stopped = 1;
  fprintf(stderr, "aslsweep run: rank %d: warning: cannot write %s (%s); job logs stop here, "
          "the cube still records every job\n", sc->rank, rank_log.path, why);
}

void run_job_log(const run_sched *sc, int job, const run_result *r, int status,
                 double seconds, time_t started) {
  if (rank_log.stopped) return;
  if (!rank_log.f && !(rank_log.f = open_rank_log(sc))) {
    stop(sc, asl_error_message());
    return;
  }
  errno = 0;
  write_block(rank_log.f, sc, job, r, status, seconds, started);
  if (fflush(rank_log.f) != 0 || ferror(rank_log.f))
    stop(sc, errno ? strerror(errno) : "write error");
}

void run_job_log_close(void) {
  if (rank_log.f) fclose(rank_log.f);
  rank_log.f = NULL;
  rank_log.stopped = 0;
}
