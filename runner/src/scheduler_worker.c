// A worker rank: ask rank 0 for a job, run it, report, ask again. Waiting
// polls with a short sleep instead of a blocking receive so that an idle
// rank does not spin a core (ranks are often oversubscribed) and still
// notices signals.
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "sched.h"
#include "watchdog.h"

// A job assignment: its description goes into this rank's job table.
static asl_status take_job(run_sched *sc, MPI_Status *ms, int *job) {
  int n = 0;
  if (MPI_Get_count(ms, MPI_BYTE, &n) != MPI_SUCCESS || n < 0)
    return asl_fail(ASL_EMPI, "rank %d: sizing the manager's job message failed", sc->rank);
  if ((size_t)n > sc->msg.cap) {
    char *b = realloc(sc->msg.buf, (size_t)n);
    if (!b) return asl_fail(ASL_ENOMEM, "rank %d: job message of %d bytes", sc->rank, n);
    sc->msg.buf = b, sc->msg.cap = (size_t)n;
  }
  if (MPI_Recv(sc->msg.buf, n, MPI_BYTE, 0, TAG_JOB, sc->comm, MPI_STATUS_IGNORE) != MPI_SUCCESS)
    return asl_fail(ASL_EMPI, "rank %d: receiving the manager's job message failed", sc->rank);
  return run_job_table_take(&sc->table, sc->msg.buf, (size_t)n, job);
}

// Waits for any message from rank 0; returns its tag and payload.
static asl_status wait_manager(run_sched *sc, int *tag, int *payload) {
  long sleep_ns = 20000;
  for (;;) {
    int flag = 0;
    MPI_Status ms;
    if (MPI_Iprobe(0, MPI_ANY_TAG, sc->comm, &flag, &ms) != MPI_SUCCESS)
      return asl_fail(ASL_EMPI, "rank %d: probing for the manager's message failed", sc->rank);
    if (flag) {
      *tag = ms.MPI_TAG;
      if (ms.MPI_TAG == TAG_JOB) return take_job(sc, &ms, payload);
      if (MPI_Recv(payload, 1, MPI_INT, 0, ms.MPI_TAG, sc->comm, MPI_STATUS_IGNORE) != MPI_SUCCESS)
        return asl_fail(ASL_EMPI, "rank %d: receiving the manager's message failed", sc->rank);
      return ASL_OK;
    }
    run_watchdog_beat("waiting for the manager");
    struct timespec ts = {0, sleep_ns};
    nanosleep(&ts, NULL);
    if (sleep_ns < 1000000) sleep_ns *= 2;
  }
}

static asl_status report(run_sched *sc, int job, int status, double seconds) {
  // The last field tells the manager this rank was signalled, in case the
  // signal reached only some ranks.
  double msg[4] = {job, status, seconds, run_signal_received() || sc->stop_requested};
  if (MPI_Send(msg, 4, MPI_DOUBLE, 0, TAG_REPORT, sc->comm) != MPI_SUCCESS)
    return asl_fail(ASL_EMPI, "rank %d: reporting job %d to the manager failed", sc->rank, job);
  if (status == RUN_JOB_FAILED &&
      MPI_Send(sc->result.error, RUN_ERROR_LEN, MPI_CHAR, 0, TAG_ERRTEXT, sc->comm) != MPI_SUCCESS)
    return asl_fail(ASL_EMPI, "rank %d: sending job %d's error to the manager failed", sc->rank,
                    job);
  return ASL_OK;
}

// ASLSWEEP_TEST_JOB_TABLE set (for tests): the worker measures its job
// table after every job message and prints, at the end,
//   job table rank=R taken=N max_resident_pages=P of=T given=G
// so a test can see that a worker never holds more than a job or two, and
// (G, the jobs of the plan it was started with) that it expanded none.
static void table_probe(const run_sched *sc, long *max_pages) {
  long k = run_job_table_resident(&sc->table);
  if (k > *max_pages) *max_pages = k;
}

static void table_print(const run_sched *sc, long max_pages) {
  long page = sysconf(_SC_PAGESIZE);
  fprintf(stderr, "job table rank=%d taken=%ld max_resident_pages=%ld of=%ld given=%d\n",
          sc->rank, sc->table.n_taken, max_pages,
          (long)((sc->table.bytes + (size_t)page - 1) / (size_t)page), sc->table.given_jobs);
}

asl_status run_sched_worker(run_sched *sc) {
  asl_status st = report(sc, -1, 0, 0.0);
  int probe = getenv("ASLSWEEP_TEST_JOB_TABLE") != NULL;
  long max_pages = 0;
  run_job_table_clear(&sc->table);
  while (!st) {
    int tag = 0, job = -1;
    if ((st = wait_manager(sc, &tag, &job))) break;
    if (tag == TAG_STOP) break;
    if (tag == TAG_INTERRUPT) {
      sc->stop_requested = 1;
      continue;
    }
    double seconds = 0;
    int status = run_sched_execute(sc, job, &seconds);
    // After the job: any slot the job read besides its own shows here.
    if (probe) table_probe(sc, &max_pages);
    st = report(sc, job, status, seconds);
    run_job_table_drop(&sc->table);
  }
  if (probe) table_print(sc, max_pages);
  return st;
}

// Safe point inside a job. On rank 0 it also serves the other ranks.
int run_sched_yield(run_job_io *io) {
  run_sched *sc = io->runner;
  run_watchdog_beat("a job's safe point");
  if (sc->rank == 0) {
    run_sched_manager_poll(sc);
    return run_signal_received() || sc->stopping != 0;
  }
  int flag = 0;
  MPI_Status ms;
  // A failed probe or receive: the manager is unreachable, so stop too.
  if (MPI_Iprobe(0, TAG_INTERRUPT, sc->comm, &flag, &ms) != MPI_SUCCESS) {
    flag = 0;
    sc->stop_requested = 1;
  }
  if (flag) {
    int dummy;
    MPI_Recv(&dummy, 1, MPI_INT, 0, TAG_INTERRUPT, sc->comm, MPI_STATUS_IGNORE);
    sc->stop_requested = 1;
  }
  return run_signal_received() || sc->stop_requested;
}
