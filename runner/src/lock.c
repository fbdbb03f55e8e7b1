// One writer per run directory: an fcntl lock on DIR/.lock, held by rank 0
// for the whole run. The file says who holds it (host, pid, start time), so
// a refusal can name the other run. fcntl locks vanish with their process,
// so a lock file left by a dead run is free and is taken over.
#define _GNU_SOURCE
#include "lock.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int lock_fd(int fd) {
  struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
  return fcntl(fd, F_SETLK, &fl);
}

// The holder as written in the file: "host pid start".
static int read_holder(int fd, char host[256], long *pid, long long *start) {
  char buf[512] = "";
  ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return 0;
  buf[n] = '\0';
  return sscanf(buf, "%255s %ld %lld", host, pid, start) == 3;
}

static asl_status refuse(const char *path, const char *host, long pid, long long start,
                         const char *me) {
  char when[64] = "?";
  time_t t = (time_t)start;
  struct tm tm;
  if (gmtime_r(&t, &tm)) strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
  if (strcmp(host, me) == 0)
    return asl_fail(ASL_EINVAL, "%s: another run (pid %ld on this host %s, started %s) is "
                    "writing this directory; wait for it to finish or stop it, or choose "
                    "another --out", path, pid, host, when);
  return asl_fail(ASL_EINVAL, "%s: another run (pid %ld on host %s, started %s) is writing this "
                  "directory; if that run is gone (its node crashed), check with `ssh %s ps -p "
                  "%ld` and then delete %s", path, pid, host, when, host, pid, path);
}

static asl_status write_holder(int fd, const char *path, const char *me) {
  char buf[512];
  int n = snprintf(buf, sizeof buf, "%s %ld %lld\n", me, (long)getpid(), (long long)time(NULL));
  if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)n, 0) != n || fsync(fd) != 0)
    return asl_fail(ASL_EIO, "%s: cannot write the lock file (%s); check the disk", path,
                    strerror(errno));
  return ASL_OK;
}

asl_status run_lock_take(const char *dir, int *out) {
  char path[4200], me[256] = "?", host[256];
  long pid = 0;
  long long start = 0;
  *out = -1;
  snprintf(path, sizeof path, "%s/.lock", dir);
  gethostname(me, sizeof me - 1);
  me[sizeof me - 1] = '\0';
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    return asl_fail(ASL_EIO, "%s: cannot open the lock file (%s); choose another --out", path,
                    strerror(errno));
  int have = read_holder(fd, host, &pid, &start);
  if (lock_fd(fd) != 0) {
    int err = errno;
    asl_status st;
    if ((err == EACCES || err == EAGAIN) && have) st = refuse(path, host, pid, start, me);
    else if (err == EACCES || err == EAGAIN)
      st = asl_fail(ASL_EINVAL, "%s: another run holds this directory; choose another --out",
                    path);
    else
      st = asl_fail(ASL_EIO, "%s: cannot lock (%s): the file system gives no fcntl locks; use "
                    "an --out on a local or lock-capable file system", path, strerror(err));
    close(fd);
    return st;
  }
  // Free but not empty: its run ended without releasing (killed, node lost).
  if (have)
    fprintf(stderr, "aslsweep run: warning: %s: taking over the lock of pid %ld on %s, which "
                    "is no longer running\n", path, pid, host);
  asl_status st = write_holder(fd, path, me);
  if (st) {
    close(fd);
    return st;
  }
  *out = fd;
  return ASL_OK;
}

void run_lock_release(int *fd) {
  if (*fd < 0) return;
  // Emptied, not removed: removing would let a third run lock a new file
  // while a second still waits on this one.
  if (ftruncate(*fd, 0) != 0) { /* the lock still goes with close */ }
  close(*fd);
  *fd = -1;
}
