// Progress on rank 0: a live line on a terminal (one line per finished job
// otherwise, for batch logs) and DIR/run.log with every event.
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sched.h"

static void stamp(char *out, size_t n) {
  time_t now = time(NULL);
  struct tm tmv;
  gmtime_r(&now, &tmv);
  strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tmv);
}

static void hms(char *out, size_t n, double s) {
  if (!isfinite(s) || s < 0) {
    snprintf(out, n, "--:--:--");
    return;
  }
  long t = (long)(s + 0.5);
  snprintf(out, n, "%02ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
}

asl_status progress_init(run_progress *g, const char *dir, const sweep_plan *p,
                         const unsigned char *state, int size, int mode) {
  memset(g, 0, sizeof *g);
  g->start = MPI_Wtime();
  g->n_jobs = p->n_jobs;
  g->size = size;
  g->quiet = mode == RUN_PROGRESS_NONE;
  g->tty = mode == RUN_PROGRESS_LIVE || (mode == RUN_PROGRESS_AUTO && isatty(STDOUT_FILENO));
  g->busy = calloc((size_t)size, sizeof *g->busy);
  g->started = calloc((size_t)size, sizeof *g->started);
  if (!g->busy || !g->started) return asl_fail(ASL_ENOMEM, "progress for %d ranks", size);
  for (int j = 0; j < p->n_jobs; j++) {
    g->total_cost += p->jobs[j].cost;
    if (state[j] == JS_DONE) {
      g->done_at_start++;
      g->done++;
    } else {
      g->remaining_cost += p->jobs[j].cost;
    }
  }
  char path[4200];
  snprintf(path, sizeof path, "%s/run.log", dir);
  snprintf(g->log_path, sizeof g->log_path, "%s", path);
  g->log = fopen(path, "a");
  if (!g->log) return asl_fail(ASL_EIO, "%s: cannot open the run log for appending", path);
  return ASL_OK;
}

// A write to run.log that fails (a full disk) is said once on stderr; the
// cube still records every job, so the run goes on.
static void log_check(run_progress *g, int failed) {
  if (!failed || g->log_failed) return;
  g->log_failed = errno ? errno : EIO;
  fprintf(stderr, "aslsweep run: warning: %s: cannot write (%s); the log is cut here, the cube "
                  "still records every job: free space and see `aslsweep status`\n",
          g->log_path, strerror(g->log_failed));
}

// One timestamped line in run.log, and on stdout unless `log_only`.
static void event(run_progress *g, int log_only, const char *fmt, va_list ap) {
  char ts[32], text[1024];
  vsnprintf(text, sizeof text, fmt, ap);
  stamp(ts, sizeof ts);
  if (g->log) {
    errno = 0;
    int bad = fprintf(g->log, "%s %s\n", ts, text) < 0;
    log_check(g, fflush(g->log) != 0 || bad);
  }
  if (!g->quiet && !log_only) {
    if (g->tty) fputs("\r\033[K", stdout);
    printf("%s\n", text);
    fflush(stdout);
  }
}

void progress_event(run_progress *g, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  event(g, 0, fmt, ap);
  va_end(ap);
}

void progress_note(run_progress *g, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  event(g, 1, fmt, ap);
  va_end(ap);
}

void progress_rank(run_progress *g, int rank, double start, double seconds) {
  if (!g->busy || rank < 0 || rank >= g->size) return;
  g->started[rank] = start;
  if (start == 0) g->busy[rank] += seconds;
}

// Seconds rank r has been busy so far, its running job included.
static double busy_now(const run_progress *g, int r, double now) {
  return g->busy[r] + (g->started[r] > 0 ? now - g->started[r] : 0);
}

// "123/2000 done, 2 failed | 00:01:23 elapsed, ETA 00:05:00 | util ..."
static void status_line(const run_progress *g, char *out, size_t n) {
  double now = MPI_Wtime(), el = now - g->start;
  double rate = g->done_cost > 0 ? el / g->done_cost : NAN;
  char e[32], eta[32];
  hms(e, sizeof e, el);
  hms(eta, sizeof eta, g->remaining_cost * rate);
  int w = snprintf(out, n, "%d/%d done, %d failed | %s elapsed, ETA %s | util", g->done,
                   g->n_jobs, g->failed, e, eta);
  if (g->size <= 8) {
    for (int r = 0; r < g->size && w < (int)n; r++)
      w += snprintf(out + w, n - (size_t)w, " %d:%.0f%%", r, el > 0 ? 100 * busy_now(g, r, now) / el : 0);
  } else {
    double lo = 1e300, sum = 0;
    for (int r = 0; r < g->size; r++) {
      double u = el > 0 ? busy_now(g, r, now) / el : 0;
      sum += u;
      lo = u < lo ? u : lo;
    }
    snprintf(out + w, n - (size_t)w, " mean %.0f%% min %.0f%%", 100 * sum / g->size, 100 * lo);
  }
}

void progress_job(run_progress *g, const sweep_plan *p, int job, int status, double seconds,
                  int rank, const char *error) {
  const char *word = status == RUN_JOB_DONE ? "done" : status == RUN_JOB_FAILED ? "FAILED"
                                                                               : "interrupted";
  if (status == RUN_JOB_DONE) g->done++;
  if (status == RUN_JOB_FAILED) g->failed++;
  if (status != RUN_JOB_PENDING) {
    g->remaining_cost -= p->jobs[job].cost;
    if (status == RUN_JOB_DONE) g->done_cost += p->jobs[job].cost;
  }
  char ts[32], line[512];
  stamp(ts, sizeof ts);
  status_line(g, line, sizeof line);
  if (g->log) {
    errno = 0;
    int bad = fprintf(g->log, "%s %s job %d %s rank %d %.3f s%s%s | %s\n", ts, word, job,
                      p->jobs[job].key, rank, seconds, error && error[0] ? ": " : "",
                      error ? error : "", line) < 0;
    log_check(g, fflush(g->log) != 0 || bad);
  }
  if (g->quiet) return;
  if (status == RUN_JOB_FAILED)
    fprintf(stderr, "%sjob %s failed: %s\n", g->tty ? "\r\033[K" : "", p->jobs[job].key,
            error ? error : "");
  if (!g->tty)
    printf("[%s] %s %s (rank %d, %.2f s) | %s\n", ts, word, p->jobs[job].key, rank, seconds, line);
  progress_draw(g, 1);
}

void progress_draw(run_progress *g, int force) {
  if (g->quiet || !g->tty) return;
  double now = MPI_Wtime();
  if (!force && now - g->last_draw < 0.25) return;
  g->last_draw = now;
  char line[512];
  status_line(g, line, sizeof line);
  printf("\r\033[K%s", line);
  fflush(stdout);
}

void progress_free(run_progress *g) {
  if (g->tty && !g->quiet) printf("\n");
  if (g->log) {
    errno = 0;
    log_check(g, fclose(g->log) != 0);
  }
  free(g->busy);
  free(g->started);
  memset(g, 0, sizeof *g);
}
