// Resume heals a lost checkpoint: a train job marked done whose infer jobs
// are not all done needs its checkpoint. When that file is missing or fails
// its checksum, the train job is run again (from scratch, with its own seed,
// so the numbers are the same) before its infer jobs; otherwise they would
// fail on every rerun and the study could never complete.
#include <stdlib.h>

#include "sched.h"

// Whether train job `t` still has infer jobs of this run to do.
static int needed(const run_sched *sc, int t) {
  for (int j = 0; j < sc->p->n_jobs; j++)
    if (sc->p->jobs[j].train_job == t && sc->state[j] != JS_DONE && sc->state[j] != JS_OTHER)
      return 1;
  return 0;
}

int run_sched_heal(run_sched *sc) {
  int healed = 0;
  if (!sc->ex.verify_checkpoint) return 0;
  for (int t = 0; t < sc->p->n_jobs; t++) {
    if (sc->p->jobs[t].kind != SWEEP_JOB_TRAIN || sc->state[t] != JS_DONE || !needed(sc, t))
      continue;
    char path[4200];
    snprintf(path, sizeof path, "%s/checkpoints/job-%05d.ckpt", sc->dir, t);
    if (sc->ex.verify_checkpoint(&sc->ex, path) == ASL_OK) continue;
    fprintf(stderr, "aslsweep run: warning: %s; rerunning its train job %s before its infer "
                    "jobs\n", asl_error_message(), sc->p->jobs[t].key);
    sc->state[t] = JS_WAITING;
    healed++;
  }
  return healed;
}
