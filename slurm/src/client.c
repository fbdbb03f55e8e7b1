// The Slurm clients aslsweep calls: sbatch to submit (`--parsable` prints
// "JOBID" or "JOBID;CLUSTER"), sinfo for the nodes' core count. Their errors
// go to the user's stderr.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "slurm/sbatch.h"

// Reads the child's stdout into buf (at most size-1 bytes, NUL-terminated).
static void read_all(int fd, char *buf, size_t size) {
  size_t n = 0;
  while (n + 1 < size) {
    ssize_t got = read(fd, buf + n, size - 1 - n);
    if (got > 0) n += (size_t)got;
    else if (got < 0 && errno == EINTR) continue;
    else break;
  }
  buf[n] = '\0';
}

static asl_status parse_job_id(const char *out, long *job_id) {
  char *end = NULL;
  long id = strtol(out, &end, 10);
  if (end == out || id <= 0 || (*end != '\0' && *end != '\n' && *end != ';'))
    return asl_fail(ASL_EIO, "sbatch printed '%s', not a job id", out);
  *job_id = id;
  return ASL_OK;
}

// Runs argv (a Slurm client found on PATH) with its stdout captured into
// out; its stderr goes to the user unless quiet. Returns the exit status, or -1 when it
// could not run or was killed.
static int capture(char *const argv[], char *out, size_t size, int quiet) {
  out[0] = '\0';
  int fds[2];
  if (pipe(fds) != 0) return -1;
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return -1;
  }
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    int null = quiet ? open("/dev/null", O_WRONLY) : -1;
    if (null >= 0) dup2(null, STDERR_FILENO);
    execvp(argv[0], argv);
    _exit(127);
  }
  close(fds[1]);
  read_all(fds[0], out, size);
  close(fds[0]);
  int wstatus = 0;
  while (waitpid(pid, &wstatus, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
}

asl_status slurm_submit(const char *script_path, const char *dependency, long *job_id) {
  char dep[96], out[256];
  char *argv[5];
  int argc = 0;
  argv[argc++] = "sbatch";
  argv[argc++] = "--parsable";
  if (dependency != NULL) {
    snprintf(dep, sizeof dep, "--dependency=afterok:%s", dependency);
    argv[argc++] = dep;
  }
  argv[argc++] = (char *)script_path;
  argv[argc] = NULL;
  int rc = capture(argv, out, sizeof out, 0);
  if (rc == 127)
    return asl_fail(ASL_EIO, "sbatch: cannot run it; is Slurm's client installed and on PATH?");
  if (rc != 0)
    return asl_fail(ASL_EIO, "sbatch %s failed (exit status %d); see its message above",
                    script_path, rc);
  return parse_job_id(out, job_id);
}

int slurm_query_max_array_size(void) {
  static char out[1 << 16]; // the whole configuration: a few hundred lines
  char *argv[] = {"scontrol", "show", "config", NULL};
  if (capture(argv, out, sizeof out, 1) != 0) return 0;
  const char *p = strstr(out, "MaxArraySize");
  int v = 0;
  // "MaxArraySize            = 1001"
  if (p && sscanf(p, "MaxArraySize = %d", &v) == 1 && v > 0) return v;
  return 0;
}

void slurm_site_query(slurm_site *site, const char *partition) {
  char part[160], out[4096];
  char *argv[] = {"sinfo", "--noheader", "--format=%c %D", NULL, NULL};
  site->cores_per_node = site->nodes = 0;
  if (partition != NULL) {
    snprintf(part, sizeof part, "--partition=%s", partition);
    argv[3] = part;
  }
  // Off a cluster sinfo complains about missing configuration: not the
  // user's concern here, the suggestion then assumes a node size.
  if (capture(argv, out, sizeof out, 1) != 0) return;
  // One line per node configuration: the smallest node decides the cores.
  char *save = NULL;
  for (char *line = strtok_r(out, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
    int c = 0, n = 0;
    if (sscanf(line, "%d %d", &c, &n) != 2 || c <= 0 || n <= 0) continue;
    if (site->cores_per_node == 0 || c < site->cores_per_node) site->cores_per_node = c;
    site->nodes += n;
  }
}
