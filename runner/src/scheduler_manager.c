// Rank 0, the manager: hands ready jobs to ranks that ask, longest
// estimated cost first; an infer job becomes ready when its train job is
// committed. With one or two ranks it also runs jobs itself, serving the
// other rank from the executor's safe points (run_sched_yield) in between.
#include <string.h>
#include <time.h>

#include "sched.h"
#include "watchdog.h"

static void send_int(run_sched *sc, int dest, int tag, int v) {
  if (MPI_Send(&v, 1, MPI_INT, dest, tag, sc->comm) != MPI_SUCCESS)
    progress_event(&sc->prog, "error: could not send tag %d to rank %d", tag, dest);
}

// The job's description travels with its assignment: workers hold no job
// list (scheduler_jobmsg.c).
static void send_job(run_sched *sc, int dest, int j) {
  if (run_jobmsg_pack(&sc->msg, sc->p, j) != ASL_OK ||
      MPI_Send(sc->msg.buf, (int)sc->msg.len, MPI_BYTE, dest, TAG_JOB, sc->comm) != MPI_SUCCESS)
    progress_event(&sc->prog, "error: could not send job %s to rank %d", sc->p->jobs[j].key, dest);
}

static int open_state(int s) { return s == JS_READY || s == JS_WAITING; }

// Every state change of the manager goes through here, so the counts that
// all_settled reads and the ready queue stay exact without scanning.
static void set_state(run_sched *sc, int j, int s) {
  int old = sc->state[j];
  sc->n_open += open_state(s) - open_state(old);
  sc->n_assigned += (s == JS_ASSIGNED) - (old == JS_ASSIGNED);
  sc->state[j] = (unsigned char)s;
  if (s == JS_READY && old != JS_READY) run_ready_queue_push(&sc->ready, j);
}

// The ready job with the largest estimated cost (lowest index on ties);
// entries of jobs no longer ready are dropped on the way.
static int best_ready(run_sched *sc) {
  int j;
  while ((j = run_ready_queue_peek(&sc->ready)) >= 0 && sc->state[j] != JS_READY)
    run_ready_queue_pop(&sc->ready);
  return j;
}

static int take_ready(run_sched *sc) {
  int j = best_ready(sc);
  if (j >= 0) {
    run_ready_queue_pop(&sc->ready);
    set_state(sc, j, JS_ASSIGNED);
  }
  return j;
}

// Infer jobs whose train job failed cannot run: record them as failed.
static void fail_dependents(run_sched *sc, int train) {
  run_result *r = &sc->scratch;
  for (int d = sc->dep_start[train]; d < sc->dep_start[train + 1]; d++) {
    int j = sc->dep_list[d];
    if (sc->state[j] == JS_DONE || sc->state[j] == JS_OTHER) continue;
    run_result_clear(r);
    snprintf(r->error, sizeof r->error, "not run: its train job %s failed",
             sc->p->jobs[train].key);
    if (run_cube_commit(&sc->cube, sc->p, j, r, RUN_JOB_FAILED, 0.0, -1, sc->host))
      progress_event(&sc->prog, "error: %s", asl_error_message());
    set_state(sc, j, JS_FAILED);
    progress_job(&sc->prog, sc->p, j, RUN_JOB_FAILED, 0.0, -1, r->error);
  }
}

static void finished(run_sched *sc, int job, int status, double seconds, int rank,
                     const char *err) {
  const sweep_plan *p = sc->p;
  if (status == RUN_JOB_DONE) {
    set_state(sc, job, JS_DONE);
    for (int d = sc->dep_start[job]; d < sc->dep_start[job + 1]; d++)
      if (sc->state[sc->dep_list[d]] == JS_WAITING) set_state(sc, sc->dep_list[d], JS_READY);
  } else if (status == RUN_JOB_FAILED) {
    set_state(sc, job, JS_FAILED);
    sc->n_failed_run++;
  } else {
    set_state(sc, job, JS_WAITING); // interrupted: left for the next run
  }
  progress_job(&sc->prog, p, job, status, seconds, rank, err);
  if (status == RUN_JOB_FAILED && p->jobs[job].kind == SWEEP_JOB_TRAIN) fail_dependents(sc, job);
  if (sc->o->max_failures >= 0 && sc->n_failed_run > sc->o->max_failures && !sc->stopping) {
    sc->stopping = 2;
    progress_event(&sc->prog, "aborting: %d jobs failed (--max-failures %d)", sc->n_failed_run,
                   sc->o->max_failures);
  }
}

// A rank the manager can no longer talk to: its job stays pending for the
// next run and the run stops instead of waiting for it.
static void lost_rank(run_sched *sc, int src, int rc) {
  char reason[MPI_MAX_ERROR_STRING] = "";
  int len = 0;
  MPI_Error_string(rc, reason, &len);
  progress_event(&sc->prog, "error: lost contact with rank %d (MPI: %s): stopping", src, reason);
  if (sc->worker_job[src] >= 0) sc->state[sc->worker_job[src]] = JS_WAITING;
  sc->worker_job[src] = -3;
  sc->stopping = 2;
}

static void take_report(run_sched *sc, int src) {
  double msg[4];
  int rc = MPI_Recv(msg, 4, MPI_DOUBLE, src, TAG_REPORT, sc->comm, MPI_STATUS_IGNORE);
  if (rc != MPI_SUCCESS) return lost_rank(sc, src, rc);
  int job = (int)msg[0];
  if (job >= 0) {
    progress_rank(&sc->prog, src, 0, msg[2]);
    char err[RUN_ERROR_LEN] = "";
    if ((int)msg[1] == RUN_JOB_FAILED &&
        (rc = MPI_Recv(err, RUN_ERROR_LEN, MPI_CHAR, src, TAG_ERRTEXT, sc->comm,
                       MPI_STATUS_IGNORE)) != MPI_SUCCESS)
      return lost_rank(sc, src, rc);
    err[RUN_ERROR_LEN - 1] = '\0';
    finished(sc, job, (int)msg[1], msg[2], src, err);
  }
  if (msg[3] != 0 && !sc->stopping) {
    sc->stopping = 1;
    progress_event(&sc->prog, "rank %d was signalled: stopping", src);
  }
  sc->worker_job[src] = -1;
}

static void dispatch(run_sched *sc) {
  if (run_signal_received() && !sc->stopping) {
    sc->stopping = 1;
    progress_event(&sc->prog, "signal received: finishing or checkpointing running jobs");
  }
  if (sc->stopping && !sc->interrupt_sent) {
    for (int r = 1; r < sc->size; r++)
      if (sc->worker_job[r] >= 0) send_int(sc, r, TAG_INTERRUPT, 0);
    sc->interrupt_sent = 1;
  }
  for (int r = 1; r < sc->size; r++) {
    if (sc->worker_job[r] != -1) continue;
    int j = sc->stopping ? -1 : take_ready(sc);
    if (j < 0) continue;
    sc->worker_job[r] = j;
    progress_rank(&sc->prog, r, MPI_Wtime(), 0);
    send_job(sc, r, j);
  }
}

void run_sched_manager_poll(run_sched *sc) {
  run_watchdog_beat("managing");
  for (;;) {
    int flag = 0;
    MPI_Status ms;
    int rc = MPI_Iprobe(MPI_ANY_SOURCE, TAG_REPORT, sc->comm, &flag, &ms);
    if (rc != MPI_SUCCESS) {
      progress_event(&sc->prog, "error: MPI_Iprobe failed: stopping");
      sc->stopping = 2;
    }
    if (rc != MPI_SUCCESS || !flag) break;
    take_report(sc, ms.MPI_SOURCE);
  }
  dispatch(sc);
  progress_draw(&sc->prog, 0);
}

// Nothing left that could ever run: no job ready, assigned or waiting on
// a train job that may still finish.
static int all_settled(const run_sched *sc) {
  if (sc->n_assigned > 0) return 0;
  if (!sc->stopping && sc->n_open > 0) return 0;
  for (int r = 1; r < sc->size; r++)
    if (sc->worker_job[r] >= 0 || sc->worker_job[r] == -2) return 0;
  return 1;
}

static void run_local(run_sched *sc) {
  int j = take_ready(sc);
  if (j < 0) return;
  double seconds = 0;
  progress_rank(&sc->prog, 0, MPI_Wtime(), 0);
  int status = run_sched_execute(sc, j, &seconds);
  progress_rank(&sc->prog, 0, 0, seconds);
  finished(sc, j, status, seconds, 0, sc->result.error);
  if (status == RUN_JOB_PENDING && !sc->stopping) sc->stopping = 1;
}

// The dependents of each train job (CSR), the state counts and the ready
// queue, from the states the run started with: O(J) once.
static asl_status index_jobs(run_sched *sc) {
  const sweep_plan *p = sc->p;
  int n = p->n_jobs;
  sc->dep_start = calloc((size_t)n + 1, sizeof(int));
  sc->dep_list = malloc(sizeof(int) * (size_t)(n > 0 ? n : 1));
  asl_status st = run_ready_queue_init(&sc->ready, p);
  if (!st && (!sc->dep_start || !sc->dep_list))
    st = asl_fail(ASL_ENOMEM, "dependency index of %d jobs", n);
  if (st) return st;
  for (int j = 0; j < n; j++)
    if (p->jobs[j].train_job >= 0) sc->dep_start[p->jobs[j].train_job + 1]++;
  for (int t = 0; t < n; t++) sc->dep_start[t + 1] += sc->dep_start[t];
  int *fill = sc->dep_list;
  int *next = malloc(sizeof(int) * (size_t)(n > 0 ? n : 1));
  if (!next) return asl_fail(ASL_ENOMEM, "dependency index of %d jobs", n);
  for (int t = 0; t < n; t++) next[t] = sc->dep_start[t];
  for (int j = 0; j < n; j++) // ascending j: each list in job order
    if (p->jobs[j].train_job >= 0) fill[next[p->jobs[j].train_job]++] = j;
  free(next);
  sc->n_open = sc->n_assigned = 0;
  for (int j = 0; j < n; j++) {
    int s = sc->state[j];
    sc->state[j] = JS_OTHER; // counted afresh by set_state
    set_state(sc, j, s);
  }
  return ASL_OK;
}

void run_sched_index_free(run_sched *sc) {
  run_ready_queue_free(&sc->ready);
  free(sc->dep_start);
  free(sc->dep_list);
  sc->dep_start = sc->dep_list = NULL;
}

asl_status run_sched_manager(run_sched *sc) {
  long sleep_ns = 20000;
  asl_status st = index_jobs(sc);
  if (st) return st;
  for (int r = 1; r < sc->size; r++) sc->worker_job[r] = -2; // not yet asked
  while (!all_settled(sc)) {
    int before = sc->prog.done + sc->prog.failed;
    run_sched_manager_poll(sc);
    if (sc->manager_runs_jobs && !sc->stopping && best_ready(sc) >= 0) {
      run_local(sc);
      sleep_ns = 20000;
      continue;
    }
    if (sc->prog.done + sc->prog.failed != before) {
      sleep_ns = 20000;
      continue;
    }
    struct timespec ts = {0, sleep_ns};
    nanosleep(&ts, NULL);
    if (sleep_ns < 1000000) sleep_ns *= 2;
  }
  for (int r = 1; r < sc->size; r++) send_int(sc, r, TAG_STOP, 0);
  progress_draw(&sc->prog, 1);
  return ASL_OK;
}
