#include "watchdog.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static pthread_t thread;
static int running;
static atomic_llong last_ns;
static _Atomic(const char *) last_where = "start-up";
static atomic_int stop;
static double limit_s;
static int my_rank;
static char my_host[64];

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void run_watchdog_beat(const char *where) {
  atomic_store(&last_ns, now_ns());
  if (where) atomic_store(&last_where, where);
}

// The thread touches no MPI, HDF5 or engine state: it reads two atomics,
// writes one line and ends the process, which the launcher sees as a failed
// rank (mpirun and srun --kill-on-bad-exit then stop the others).
static void *watch(void *arg) {
  (void)arg;
  long long step_ns = (long long)(limit_s * 1e9 / 10);
  if (step_ns > 1000000000LL) step_ns = 1000000000LL;
  if (step_ns < 10000000LL) step_ns = 10000000LL;
  while (!atomic_load(&stop)) {
    struct timespec ts = {step_ns / 1000000000LL, step_ns % 1000000000LL};
    nanosleep(&ts, NULL);
    double idle = (double)(now_ns() - atomic_load(&last_ns)) / 1e9;
    if (idle > limit_s && !atomic_load(&stop)) {
      fprintf(stderr,
              "aslsweep run: rank %d (host %s): no progress for %.0f s (last at: %s); "
              "stopping the run (--stall-timeout %g). Rerun the same command to resume; if "
              "it stalls at the same place, a rank is blocked there (file system, network)\n",
              my_rank, my_host, idle, atomic_load(&last_where), limit_s);
      fflush(stderr);
      _exit(1);
    }
  }
  return NULL;
}

void run_watchdog_start(double seconds, int rank, const char *host) {
  if (seconds <= 0 || running) return;
  limit_s = seconds;
  my_rank = rank;
  snprintf(my_host, sizeof my_host, "%s", host ? host : "?");
  atomic_store(&stop, 0);
  run_watchdog_beat("start-up");
  running = pthread_create(&thread, NULL, watch, NULL) == 0;
}

void run_watchdog_stop(void) {
  if (!running) return;
  atomic_store(&stop, 1);
  pthread_join(thread, NULL);
  running = 0;
}
