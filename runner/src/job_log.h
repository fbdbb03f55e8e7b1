// DIR/logs/<job key>.log: one block per attempt of a job (where and when it
// ran, its seed and content key, how it ended, its error, and its loss per
// epoch), appended when the attempt ends, so a study's history survives
// reruns and growth (the file is named by the job key, not its index).
#ifndef RUN_JOB_LOG_H
#define RUN_JOB_LOG_H

#include "sched.h"

// Appends the attempt's block. A log that cannot be written costs a warning
// on stderr, once per rank, never the job.
void run_job_log(const run_sched *sc, int job, const run_result *r, int status,
                 double seconds, time_t started);

#endif
