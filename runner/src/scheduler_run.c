// The entry behind `aslsweep run`.
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "asl/exit.h"
#include "check.h"
#include "job_log.h"
#include "lock.h"
#include "nn/isa.h"
#include "cube_internal.h"
#include "run/slice.h"
#include "sched.h"
#include "watchdog.h"

// ranks x threads on this node must not exceed its cores, or every rank
// runs slower than alone; warn once per node.
static void check_threads(const run_sched *sc) {
  MPI_Comm node;
  int node_rank = 0, node_size = 1;
  if (MPI_Comm_split_type(sc->comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node) ==
      MPI_SUCCESS) {
    MPI_Comm_rank(node, &node_rank);
    MPI_Comm_size(node, &node_size);
    MPI_Comm_free(&node);
  }
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  long want = (long)node_size * sc->o->threads_per_rank;
  if (node_rank == 0 && cores > 0 && want > cores)
    fprintf(stderr,
            "aslsweep run: warning: %d ranks x %d threads = %ld on %s, which has %ld cores; "
            "lower --threads-per-rank or the ranks per node (or export OMP_WAIT_POLICY=passive "
            "so idle threads stop spinning)\n",
            node_size, sc->o->threads_per_rank, want, sc->host, cores);
}

// With --slice, progress (counts, cost, ETA) covers this slice's jobs only.
static void slice_progress(run_sched *sc) {
  if (!sc->slice_of) return;
  for (int j = 0; j < sc->p->n_jobs; j++) {
    if (sc->state[j] != JS_OTHER) continue;
    sc->prog.n_jobs--;
    sc->prog.total_cost -= sc->p->jobs[j].cost;
    sc->prog.remaining_cost -= sc->p->jobs[j].cost;
  }
}

// Every rank picks its convolution kernels (CPUID or ASLSWEEP_ISA); a bad
// ASLSWEEP_ISA on any rank stops all of them. Rank 0 collects "host=isa"
// once per distinct host for run.log: timings of a study that spans node
// generations are read per instruction set.
static asl_status isa_setup(run_sched *sc) {
  enum { W = 96 };
  asl_status st = run_agree(nn_isa_init(), sc->comm);
  if (st) return st;
  char mine[W];
  snprintf(mine, sizeof mine, "%s=%s", sc->host, nn_isa_name());
  char *all = sc->rank == 0 ? malloc((size_t)W * (size_t)sc->size) : NULL;
  if (sc->rank == 0 && !all) st = asl_fail(ASL_ENOMEM, "ISA list of %d ranks", sc->size);
  st = run_agree(st, sc->comm);
  if (st) return st;
  MPICHECK(MPI_Gather(mine, W, MPI_CHAR, all, W, MPI_CHAR, 0, sc->comm), "gather ISAs");
  for (int r = 0; sc->rank == 0 && r < sc->size; r++) {
    const char *e = all + (size_t)r * W;
    int seen = 0;
    for (int q = 0; q < r && !seen; q++) seen = !strncmp(e, all + (size_t)q * W, W);
    size_t n = strlen(sc->isa_text);
    if (!seen && n + strlen(e) + 2 < sizeof sc->isa_text)
      snprintf(sc->isa_text + n, sizeof sc->isa_text - n, "%s%s", n ? " " : "", e);
  }
fail:
  free(all);
  return run_agree(st, sc->comm);
}

static asl_status manager_state(run_sched *sc) {
  int n = sc->p->n_jobs;
  signed char *st_disk = malloc((size_t)n);
  sc->state = calloc((size_t)n, 1);
  sc->worker_job = calloc((size_t)sc->size, sizeof(int));
  if (!st_disk || !sc->state || !sc->worker_job) {
    free(st_disk);
    return asl_fail(ASL_ENOMEM, "scheduler state for %d jobs", n);
  }
  asl_status st = run_cube_read_status(&sc->cube, st_disk);
  for (int j = 0; !st && j < n; j++) sc->state[j] = st_disk[j] == RUN_JOB_DONE ? JS_DONE : JS_WAITING;
  // Another slice's jobs are never run here; a slice holds whole DAG
  // components, so none of ours waits on them.
  for (int j = 0; !st && sc->slice_of && j < n; j++)
    if (sc->slice_of[j] != sc->o->slice_index) sc->state[j] = JS_OTHER;
  int healed = st ? 0 : run_sched_heal(sc);
  for (int j = 0; !st && j < n; j++) {
    int t = sc->p->jobs[j].train_job;
    if (sc->state[j] == JS_WAITING && (t < 0 || sc->state[t] == JS_DONE)) sc->state[j] = JS_READY;
  }
  free(st_disk);
  if (!st) st = progress_init(&sc->prog, sc->dir, sc->p, sc->state, sc->size, sc->o->progress);
  if (!st) slice_progress(sc);
  if (!st)
    progress_event(&sc->prog, "run %s%s: %d jobs, %d already done, %d ranks, executor %s, isa %s",
                   sc->p->name ? sc->p->name : "", sc->slice_text, sc->prog.n_jobs,
                   sc->prog.done_at_start, sc->size, sc->ex.name, sc->isa_text);
  if (!st && sc->grown[0]) progress_event(&sc->prog, "%s", sc->grown);
  if (!st && healed)
    progress_event(&sc->prog, "resume: %d done train jobs rerun for a missing or corrupt "
                   "checkpoint", healed);
  return st;
}

static asl_status summarize(run_sched *sc, run_summary *s) {
  asl_status st = ASL_OK;
  int v[5] = {0, 0, 0, sc->stopping == 1, sc->stopping == 2};
  if (sc->rank == 0)
    for (int j = 0; j < sc->p->n_jobs; j++) {
      if (sc->state[j] == JS_OTHER) continue;
      if (sc->state[j] == JS_DONE) v[0]++;
      else if (sc->state[j] == JS_FAILED) v[1]++;
      else v[2]++;
    }
  MPICHECK(MPI_Bcast(v, 5, MPI_INT, 0, sc->comm), "sharing the job counts");
  s->n_jobs = v[0] + v[1] + v[2];
  s->done = v[0];
  s->failed = v[1];
  s->pending = v[2];
  s->interrupted = v[3] && v[2] > 0;
  s->aborted = v[4];
fail:
  return st;
}

static asl_status loops(run_sched *sc) {
  asl_status st = ASL_OK;
  if (sc->rank == 0) st = manager_state(sc);
  if ((st = run_agree(st, sc->comm))) return st;
  check_threads(sc);
  // One or two ranks: a pure manager would leave half or all of the
  // machine idle, so rank 0 also runs jobs (docs/runner.md).
  sc->manager_runs_jobs = sc->size <= 2;
  st = sc->rank == 0 ? run_sched_manager(sc) : run_sched_worker(sc);
  return run_agree(st, sc->comm);
}

// Flush, agree, then close: a rank whose flush failed (a full disk) must
// not leave the others waiting inside the collective close.
static asl_status final_close(run_sched *sc) {
  asl_status st = ASL_OK;
  cube_h5_quiet q;
  cube_h5_quiet_begin(&q);
  if (H5Fflush(sc->cube.file, H5F_SCOPE_GLOBAL) < 0)
    st = cube_h5_fail("H5Fflush", __FILE__, __LINE__, "flush %s", sc->cube.path);
  cube_h5_quiet_end(&q);
  if (!st) st = run_fault("finish", sc->rank, sc->cube.path);
  st = run_agree(st, sc->comm);
  if (st) {
    run_cube_close_keep(&sc->cube);
    return st;
  }
  return run_agree(run_cube_close(&sc->cube), sc->comm);
}

// Workers run off rank 0's job count and the job messages, not off a job
// list of their own (docs/runner.md, "Memory per rank"): a caller may give
// them a plan without jobs. One given with jobs must count the same.
static asl_status job_table_setup(run_sched *sc, const sweep_plan *p) {
  asl_status st = ASL_OK;
  int n = p->n_jobs;
  MPICHECK(MPI_Bcast(&n, 1, MPI_INT, 0, sc->comm), "sharing the job count");
  if (sc->rank != 0 && p->jobs && p->n_jobs != n)
    st = asl_fail(ASL_EINVAL, "its plan has %d jobs but rank 0's has %d; start every rank with "
                  "the same SPEC and overrides", p->n_jobs, n);
  if (!st && sc->rank != 0) st = run_job_table_init(&sc->table, p, n);
  if (!st && sc->rank != 0) sc->p = &sc->table.plan;
fail:
  return run_agree(st, sc->comm);
}

static void sched_free(run_sched *sc) {
  run_job_table_free(&sc->table);
  free(sc->msg.buf);
  run_result_free(&sc->result);
  run_result_free(&sc->scratch);
  run_subjects_free(&sc->subjects);
  run_sched_index_free(sc);
  free(sc->state);
  free(sc->worker_job);
  free(sc->slice_of);
  if (sc->rank == 0) progress_free(&sc->prog);
  if (sc->ex.finish) sc->ex.finish(&sc->ex);
  run_lock_release(&sc->lock_fd);
  run_job_log_close();
}

// --slice i/K: which jobs are ours. Rank 0 computes the split
// (deterministic from the plan) and shares it when the cube is opened.
static asl_status slice_setup(run_sched *sc) {
  if (sc->o->slice_count <= 0) return ASL_OK;
  if (sc->o->slice_index < 0 || sc->o->slice_index >= sc->o->slice_count)
    return asl_fail(ASL_EINVAL, "--slice %d/%d: the index must be 0 to %d", sc->o->slice_index,
                    sc->o->slice_count, sc->o->slice_count - 1);
  sc->slice_of = malloc(sizeof(int) * (size_t)(sc->p->n_jobs + 1));
  if (!sc->slice_of) return asl_fail(ASL_ENOMEM, "slice of %d jobs", sc->p->n_jobs);
  snprintf(sc->slice_text, sizeof sc->slice_text, " slice %d/%d", sc->o->slice_index,
           sc->o->slice_count);
  // Workers hold no job list: they take rank 0's split (run_sched_part_slices).
  if (sc->rank != 0) return ASL_OK;
  return run_slice_assign(sc->p, sc->o->slice_count, sc->slice_of, NULL);
}

// ASLSWEEP_TEST_STALL=R (for tests of --stall-timeout): rank R stops making
// progress after loading the data, as a rank blocked on a file system would,
// so the other ranks wait in the next collective step.
static void test_stall(const run_sched *sc) {
  const char *v = getenv("ASLSWEEP_TEST_STALL");
  char *end;
  if (!v || strtol(v, &end, 10) != sc->rank || *end) return;
  fprintf(stderr, "aslsweep run: ASLSWEEP_TEST_STALL: rank %d stops here\n", sc->rank);
  for (;;) pause();
}

asl_status run_sweep(const sweep_plan *p, const run_options *o, const run_executor *ex,
                     MPI_Comm comm, run_summary *s) {
  run_sched sc = {.p = p, .o = o, .ex = *ex, .comm = comm, .lock_fd = -1,
                  .table = {.held = {-1, -1}}};
  memset(s, 0, sizeof *s);
  run_cube_reset(&sc.cube);
  double t0 = MPI_Wtime();
  MPI_Comm_rank(comm, &sc.rank);
  MPI_Comm_size(comm, &sc.size);
  gethostname(sc.host, sizeof sc.host - 1);
  snprintf(sc.dir, sizeof sc.dir, "%s", o->out_dir);
  // MPI failures come back as codes (MPICHECK) instead of aborting the job.
  MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN);
  run_watchdog_start(o->stall_timeout_s, sc.rank, sc.host);
  run_watchdog_beat("comparing the spec across ranks");
  asl_status st = run_agree_plan(p, o, comm);
  if (!st) st = job_table_setup(&sc, p);
  run_watchdog_beat("choosing kernels");
  if (!st) st = isa_setup(&sc);
  if (!st) st = slice_setup(&sc);
  run_watchdog_beat("loading the data");
  if (!st) st = run_sched_prepare(&sc);
  test_stall(&sc);
  run_watchdog_beat("creating or opening the cube");
  if (!st) st = run_sched_open_cube(&sc);
  run_watchdog_beat("marking the slice");
  if (!st) st = run_agree(run_slice_mark(&sc.cube, sc.slice_of, o->slice_index, o->slice_count,
                                         sc.rank == 0), comm);
  if (!st) st = run_sched_buffers(&sc);
  if (!st) st = run_agree(ASL_OK, comm);
  if (!st) {
    run_watchdog_beat("scheduling");
    st = loops(&sc);
    asl_status sum = summarize(&sc, s);
    if (!st) st = sum;
    run_sched_memory_note(&sc);
  }
  run_watchdog_beat("closing the cube");
  if (sc.cube.file >= 0) {
    // Collective; a failure here matters only when nothing failed before.
    if (st) {
      char keep[2048];
      snprintf(keep, sizeof keep, "%s", asl_error_message());
      run_cube_close(&sc.cube);
      asl_fail(st, "%s", keep);
    } else {
      st = final_close(&sc);
    }
  }
  run_watchdog_stop();
  s->seconds = MPI_Wtime() - t0;
  if (!st && sc.rank == 0)
    progress_event(&sc.prog, "finished: %d done, %d failed, %d pending in %.1f s%s", s->done,
                   s->failed, s->pending, s->seconds,
                   s->interrupted ? " (interrupted: rerun to resume)" : "");
  sched_free(&sc);
  if (!st && s->interrupted) return asl_fail(ASL_EINTERRUPTED, "%s: interrupted with %d jobs left; "
                                             "run the same command again to resume", o->out_dir,
                                             s->pending);
  return st;
}

int run_exit_status(asl_status st, const run_summary *s) {
  if (st) return asl_exit_code(st);
  return s->failed > 0 || s->aborted ? ASL_EXIT_FAILURE : ASL_EXIT_OK;
}
