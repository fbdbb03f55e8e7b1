// The scheduler's shared state (internal to runner/). Rank 0 manages; every
// rank executes jobs. See docs/runner.md for the protocol.
#ifndef RUN_SCHED_H
#define RUN_SCHED_H

#include <mpi.h>
#include <stdio.h>

#include "agree.h"
#include "run/cube.h"
#include "run/executor.h"
#include "run/run.h"
#include "ready_queue.h"

enum { TAG_REPORT = 11, TAG_JOB = 12, TAG_STOP = 13, TAG_INTERRUPT = 14, TAG_ERRTEXT = 15 };

// Manager-side job states (the cube holds only pending/running/done/failed).
// JS_OTHER: a job of another slice (--slice), never run here.
enum { JS_WAITING = 0, JS_READY = 1, JS_ASSIGNED = 2, JS_DONE = 3, JS_FAILED = 4, JS_OTHER = 5 };

typedef struct {
  double start;
  int n_jobs, done, failed, done_at_start;
  double total_cost, done_cost, remaining_cost;
  int size;
  double *busy;       // (size) seconds each rank spent in finished jobs
  double *started;    // (size) start of the job a rank runs now, 0 when none
  FILE *log;
  char log_path[4200];
  int log_failed;     // errno of the first failed write to run.log, 0 while fine
  int tty, quiet;
  double last_draw;
} run_progress;

// A job message (scheduler_jobmsg.c): what a worker needs of one job.
typedef struct {
  char *buf;
  size_t len, cap;
} run_jobmsg;

// A worker's plan: rank 0's plan without its job list, over a table whose
// slots hold only the job being run and its train job's key.
typedef struct {
  sweep_plan plan;   // shallow copy of the caller's plan; jobs = the table
  size_t bytes;      // address space reserved for the table, 0 when none
  int held[2];       // filled slots: the job and its train job, -1 when none
  long n_taken;      // job messages taken (for the test counters)
  int given_jobs;    // jobs in the caller's plan (0 when it made none)
} run_job_table;

typedef struct {
  const sweep_plan *p;
  const run_options *o;
  run_executor ex;
  MPI_Comm comm;
  int rank, size;
  char host[64];
  char dir[4096];
  run_cube cube;
  run_subjects subjects;
  run_result result;      // reused for every job of this rank
  run_result scratch;     // manager: rows it writes for jobs it did not run
  int *slice_of;          // (J) each job's slice with --slice; NULL for a whole run
  char slice_text[40];    // " slice i/K" for the log, "" for a whole run
  char isa_text[512];     // rank 0: "host=isa" per distinct host, for run.log
  int stop_requested;     // worker: the manager said TAG_INTERRUPT
  run_job_table table;    // worker: sc->p is table.plan
  run_jobmsg msg;         // manager: the job message being sent; worker: received
  int lock_fd;            // rank 0: DIR/.lock held for the run; -1 otherwise
  char grown[5000];       // rank 0: what growing DIR's cube did, for run.log; "" when nothing
  char attic[4300];       // rank 0: DIR/attic/<time>/ once this run moved something there
  // manager only
  int manager_runs_jobs;  // 1 when there are 1-2 ranks (see docs/runner.md)
  unsigned char *state;   // (J) JS_*; changed through sched_set_state once the manager runs
  run_ready_queue ready;  // JS_READY jobs, longest cost first (may hold stale entries)
  int *dep_start;         // (J+1) infer jobs of train job t: dep_list[dep_start[t] .. dep_start[t+1])
  int *dep_list;
  int n_open;             // jobs JS_READY or JS_WAITING
  int n_assigned;         // jobs JS_ASSIGNED
  int *worker_job;        // (size) job a rank is running, -1 idle-waiting, -2 not asking, -3 stopped
  int n_failed_run;       // failed jobs that ran (for --max-failures)
  int stopping;           // 1: interrupted, 2: aborted by --max-failures
  int interrupt_sent;
  int in_local_job;
  run_progress prog;
} run_sched;

// One job on this rank, from status=running to its commit; returns the
// cube status it ended in (pending when interrupted).
int run_sched_execute(run_sched *sc, int job, double *seconds);
asl_status run_sched_manager(run_sched *sc);
// Frees the manager's job index (queue, dependents); safe when never built.
void run_sched_index_free(run_sched *sc);
asl_status run_sched_worker(run_sched *sc);

// Job messages (scheduler_jobmsg.c). The manager packs job `job` of its
// full plan into m; a worker takes a message into its table (dropping the
// job it held before) and learns the job's index.
asl_status run_jobmsg_pack(run_jobmsg *m, const sweep_plan *p, int job);
asl_status run_job_table_init(run_job_table *t, const sweep_plan *p, int n_jobs);
asl_status run_job_table_take(run_job_table *t, const char *buf, size_t len, int *job);
void run_job_table_drop(run_job_table *t);
// Drops every page of the table: opening the cube scans the job list for
// image counts (reading zeros here, overwritten from the file), which maps
// the zero page over the whole table.
void run_job_table_clear(run_job_table *t);
// Pages of the table in memory now (mincore), -1 when unknown.
long run_job_table_resident(const run_job_table *t);
void run_job_table_free(run_job_table *t);
int run_sched_yield(run_job_io *io);
// Rank 0: take reports and hand out ready jobs without blocking.
void run_sched_manager_poll(run_sched *sc);

// Rank 0 on resume: done train jobs whose checkpoint an unfinished infer
// job needs but which is missing or corrupt go back to waiting (heal.c).
// Returns how many.
int run_sched_heal(run_sched *sc);

// Setup steps of run_sweep (scheduler.c), in order.
asl_status run_sched_prepare(run_sched *sc);
asl_status run_sched_open_cube(run_sched *sc);
// Rank 0: sc->attic, made on first use (one attic folder per run).
asl_status run_sched_attic(run_sched *sc);
// Rank 0: writes the cube this plan makes to `tmp` (a whole file).
asl_status run_sched_write_cube(run_sched *sc, const char *tmp);
// Rank 0: when the cube at `path` was written for another spec, grows it
// into this plan's (evolve_run.c) and notes what it did in sc->grown.
asl_status run_sched_evolve(run_sched *sc, const char *path, const char *tmp);
// Collective, with --slice: every rank takes rank 0's split of the jobs, the
// one recorded in an existing part or made when it grew (evolve_run.c).
asl_status run_sched_part_slices(run_sched *sc, const char *path, int exists);
asl_status run_sched_buffers(run_sched *sc);


asl_status progress_init(run_progress *g, const char *dir, const sweep_plan *p,
                         const unsigned char *state, int size, int mode);
void progress_job(run_progress *g, const sweep_plan *p, int job, int status, double seconds,
                  int rank, const char *error);
void progress_event(run_progress *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
// Like progress_event, to run.log only.
void progress_note(run_progress *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
// Collective: rank 0 notes every rank's peak resident memory in run.log
// (rank_memory.c).
void run_sched_memory_note(run_sched *sc);
void progress_draw(run_progress *g, int force);
// A rank starts (start != 0) or ends (start == 0, `seconds` spent) a job.
void progress_rank(run_progress *g, int rank, double start, double seconds);
void progress_free(run_progress *g);

#endif
