// One writer per run directory (DIR/.lock, see lock.c).
#ifndef RUN_LOCK_H
#define RUN_LOCK_H

#include "asl/status.h"

// Locks DIR for this process; *fd holds the lock until run_lock_release.
// Another live holder: ASL_EINVAL naming its host and pid (exit 2).
asl_status run_lock_take(const char *dir, int *fd);
void run_lock_release(int *fd);

#endif
