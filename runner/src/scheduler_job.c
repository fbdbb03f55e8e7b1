// Executing one job on this rank: status=running, the executor, then the
// commit (cells, /jobs row, status last).
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "job_log.h"
#include "sched.h"

static void paths(const run_sched *sc, int job, char *ckpt, char *train_ckpt, size_t n) {
  const sweep_job *jb = &sc->p->jobs[job];
  int owner = jb->kind == SWEEP_JOB_TRAIN ? job : jb->train_job;
  snprintf(ckpt, n, "%s/checkpoints/job-%05d.ckpt", sc->dir, job);
  if (owner >= 0) snprintf(train_ckpt, n, "%s/checkpoints/job-%05d.ckpt", sc->dir, owner);
  else train_ckpt[0] = '\0';
}

static int result_images(const run_sched *sc, int job) {
  const sweep_job *jb = &sc->p->jobs[job];
  if (jb->kind != SWEEP_JOB_INFER || jb->experiment < 0) return 0;
  return sc->cube.exp[jb->experiment].n_images;
}

static void reshape(run_result *r, int n_images) {
  // The buffers were sized for the largest image count; only the stride
  // changes between experiments.
  r->n_images = n_images;
  run_result_clear(r);
}

// ASLSWEEP_TEST_HOLD_JOB=J (for tests): job J waits at its first safe point
// until a signal stops the run, once per run directory (DIR/.test-hold-J
// marks it released), so a test can interrupt a run at a known job without
// timing it. The wait serves the other ranks like any safe point.
static void test_hold(run_sched *sc, int job, run_job_io *io) {
  const char *v = getenv("ASLSWEEP_TEST_HOLD_JOB");
  char mark[4200], *end;
  if (!v || strtol(v, &end, 10) != job || *end) return;
  snprintf(mark, sizeof mark, "%s/.test-hold-%d", sc->dir, job);
  if (access(mark, F_OK) == 0) return;
  fprintf(stderr, "aslsweep run: ASLSWEEP_TEST_HOLD_JOB: holding job %d until a signal\n", job);
  struct timespec ts = {0, 50000000};
  while (!io->yield(io)) nanosleep(&ts, NULL);
  FILE *f = fopen(mark, "w");
  if (f) fclose(f);
}

int run_sched_execute(run_sched *sc, int job, double *seconds_out) {
  char ckpt[4200], train_ckpt[4200], volumes[4200];
  paths(sc, job, ckpt, train_ckpt, sizeof ckpt);
  snprintf(volumes, sizeof volumes, "%s/volumes", sc->dir);
  run_job_io io = {.out_dir = sc->dir,
                   .checkpoint = ckpt,
                   .train_checkpoint = train_ckpt[0] ? train_ckpt : NULL,
                   .volumes_dir = volumes,
                   .rank = sc->rank,
                   .subjects = &sc->subjects,
                   .threads = sc->o->threads_per_rank,
                   .yield = run_sched_yield,
                   .runner = sc};
  run_result *r = &sc->result;
  reshape(r, result_images(sc, job));
  asl_status st = run_cube_set_status(&sc->cube, job, RUN_JOB_RUNNING);
  double t0 = MPI_Wtime();
  time_t started = time(NULL);
  if (!st) {
    test_hold(sc, job, &io);
    asl_error_clear();
    st = sc->ex.run_job(&sc->ex, sc->p, job, &io, r);
  }
  double seconds = MPI_Wtime() - t0;
  *seconds_out = seconds;
  if (st == ASL_EINTERRUPTED) {
    // Not a failure: the job is redone (from its checkpoint) by the next run.
    run_cube_set_status(&sc->cube, job, RUN_JOB_PENDING);
    run_job_log(sc, job, r, RUN_JOB_PENDING, seconds, started);
    return RUN_JOB_PENDING;
  }
  int status = st ? RUN_JOB_FAILED : RUN_JOB_DONE;
  if (st) snprintf(r->error, sizeof r->error, "%s", asl_error_message());
  asl_status cst = run_cube_commit(&sc->cube, sc->p, job, r, status, seconds, sc->rank, sc->host);
  if (cst) {
    // The results could not be written: record that as the job's failure.
    fprintf(stderr, "aslsweep run: rank %d: %s\n", sc->rank, asl_error_message());
    snprintf(r->error, sizeof r->error, "could not write results: %s", asl_error_message());
    run_cube_commit(&sc->cube, sc->p, job, r, RUN_JOB_FAILED, seconds, sc->rank, sc->host);
    status = RUN_JOB_FAILED;
  }
  run_job_log(sc, job, r, status, seconds, started);
  return status;
}
