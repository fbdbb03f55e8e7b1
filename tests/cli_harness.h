// Running the aslsweep binary from a test: its exit status, its stdout and
// what it wrote on stderr (the CLI tests of analysis/ and cube/).
#ifndef ASLSWEEP_CLI_HARNESS_H
#define ASLSWEEP_CLI_HARNESS_H

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

// Runs `bin ARGS` with stderr into err_path and stdout into out (cap bytes,
// NUL-terminated); returns the exit status, -1 when it did not exit.
static inline int cli_run(const char *bin, const char *args, const char *err_path, char *out,
                          size_t cap) {
  char cmd[8192];
  snprintf(cmd, sizeof cmd, "%s %s 2>%s", bin, args, err_path);
  FILE *p = popen(cmd, "r");
  if (!p) return -1;
  size_t n = fread(out, 1, cap - 1, p);
  out[n] = '\0';
  char drain[4096]; // the rest, so the command never blocks on a full pipe
  while (fread(drain, 1, sizeof drain, p) > 0) {
  }
  int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// 1 when the file err_path holds s.
static inline int cli_file_has(const char *err_path, const char *s) {
  static char buf[8192];
  FILE *f = fopen(err_path, "r");
  if (!f) return 0;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  return strstr(buf, s) != NULL;
}

#endif
