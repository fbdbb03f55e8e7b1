// DIR/logs/<UTC stamp>-r<rank>.log: one file per rank and run, opened at the
// rank's first job, with one block per job attempt (where and when it ran,
// its seed and content key, how it ended, its error, and its loss per
// epoch). A block starts with "== <job key>: attempt started ...", so
// `aslsweep log DIR KEY` (cli/log_scan.c) finds a job's history across runs,
// resumes and growth. One file per rank, not per job: a million small files
// cost more than the jobs on a cluster file system. Earlier versions wrote
// DIR/logs/<job key>.log per job; the reader still reads those.
#ifndef RUN_JOB_LOG_H
#define RUN_JOB_LOG_H

#include "sched.h"

// Appends the attempt's block to this rank's file and flushes it, so a
// killed rank loses at most the block being written. A log that cannot be
// written costs a warning on stderr, once per rank, never the job; logging
// then stops for the run.
void run_job_log(const run_sched *sc, int job, const run_result *r, int status,
                 double seconds, time_t started);
// Closes this rank's file at the end of the run (no-op when none was opened).
void run_job_log_close(void);

#endif
