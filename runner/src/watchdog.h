// --stall-timeout: a thread per rank that ends the rank when it has made no
// progress for that long, naming where it last was. A rank blocked in a
// collective call (MPI or parallel HDF5) never returns to report a failure;
// ending it makes mpirun/srun take the whole run down with a message,
// instead of a job that holds its nodes until the wall-clock limit.
#ifndef RUN_WATCHDOG_H
#define RUN_WATCHDOG_H

// Starts the thread (seconds <= 0: does nothing). `rank` and `host` name
// this process in the message.
void run_watchdog_start(double seconds, int rank, const char *host);
// Progress: the scheduler, the executor's safe points and each setup step
// call it. `where` must be a string literal (kept, not copied).
void run_watchdog_beat(const char *where);
void run_watchdog_stop(void);

#endif
