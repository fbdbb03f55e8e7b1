// Peak resident memory per rank, for run.log: what a Slurm job's --mem
// must allow, and the check that workers do not grow with the study
// (docs/runner.md, "Memory per rank").
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched.h"

// VmHWM of /proc/self/status in KiB, -1 where the system has none.
static long peak_kb(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long kb = -1;
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, "VmHWM:", 6)) kb = atol(line + 6);
  if (f) fclose(f);
  return kb;
}

void run_sched_memory_note(run_sched *sc) {
  long mine = peak_kb();
  long *all = sc->rank == 0 ? malloc(sizeof(long) * (size_t)sc->size) : NULL;
  // Every rank joins the gather even when rank 0 has no buffer: the line
  // is then left out, nothing waits.
  int ok = sc->rank != 0 || all;
  MPI_Bcast(&ok, 1, MPI_INT, 0, sc->comm);
  if (!ok) return;
  if (MPI_Gather(&mine, 1, MPI_LONG, all, 1, MPI_LONG, 0, sc->comm) != MPI_SUCCESS ||
      sc->rank != 0 || all[0] < 0) {
    free(all);
    return;
  }
  int top = sc->size > 1 ? 1 : 0;
  for (int r = 2; r < sc->size; r++)
    if (all[r] > all[top]) top = r;
  if (sc->size > 1)
    progress_note(&sc->prog, "peak memory: rank 0 %.1f MB (the plan of %d jobs), other ranks "
                  "at most %.1f MB (rank %d)", all[0] / 1024.0, sc->p->n_jobs, all[top] / 1024.0,
                  top);
  else
    progress_note(&sc->prog, "peak memory: %.1f MB (the plan of %d jobs)", all[0] / 1024.0,
                  sc->p->n_jobs);
  free(all);
}
