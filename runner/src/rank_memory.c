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
  // The largest peak among the other ranks, and which rank: one MAXLOC
  // reduction (rank 0 takes part with -1).
  struct {
    long kb;
    int rank;
  } mine = {sc->rank == 0 ? -1 : peak_kb(), sc->rank}, top = {-1, 0};
  if (MPI_Reduce(&mine, &top, 1, MPI_LONG_INT, MPI_MAXLOC, 0, sc->comm) != MPI_SUCCESS ||
      sc->rank != 0)
    return;
  long own = peak_kb();
  if (own < 0) return;
  if (sc->size > 1)
    progress_note(&sc->prog, "peak memory: rank 0 %.1f MB (the plan of %d jobs), other ranks "
                  "at most %.1f MB (rank %d)", own / 1024.0, sc->p->n_jobs, top.kb / 1024.0,
                  top.rank);
  else
    progress_note(&sc->prog, "peak memory: %.1f MB (the plan of %d jobs)", own / 1024.0,
                  sc->p->n_jobs);
}
