// SIGTERM/SIGUSR1 (what Slurm sends before the time limit) ask the run to
// stop: each rank finishes or checkpoints its current job at the next safe
// point. A rank still busy `grace` seconds later exits hard with
// RUN_EXIT_INTERRUPTED; the cube stays valid because a job is committed only
// by its final status write.
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "run/run.h"

static volatile sig_atomic_t received;
static unsigned grace_seconds = 60;

static void on_alarm(int sig) {
  static const char msg[] = "aslsweep run: grace period over, exiting (jobs remain)\n";
  ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
  (void)w;
  _exit(RUN_EXIT_INTERRUPTED);
}

static void on_stop(int sig) {
  if (!received) alarm(grace_seconds);
  received = sig;
}

void run_signals_install(double grace_s) {
  grace_seconds = grace_s < 1 ? 1u : (unsigned)(grace_s + 0.5);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sigemptyset(&sa.sa_mask);
  sa.sa_handler = on_stop;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGUSR1, &sa, NULL);
  sa.sa_handler = on_alarm;
  sigaction(SIGALRM, &sa, NULL);
  // A file-size limit (ulimit -f) would kill the rank mid-write; ignored,
  // the write fails with EFBIG and is reported like a full disk.
  sa.sa_handler = SIG_IGN;
  sigaction(SIGXFSZ, &sa, NULL);
}

int run_signal_received(void) { return received != 0; }
