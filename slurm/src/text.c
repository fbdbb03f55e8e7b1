// A growable NUL-terminated text buffer for generated scripts.
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slurm/sbatch.h"

void slurm_text_init(slurm_text *t) { memset(t, 0, sizeof *t); }

void slurm_text_free(slurm_text *t) {
  free(t->s);
  memset(t, 0, sizeof *t);
}

static asl_status reserve(slurm_text *t, size_t extra) {
  if (t->len + extra + 1 <= t->cap) return ASL_OK;
  size_t cap = t->cap ? t->cap : 1024;
  while (cap < t->len + extra + 1) cap *= 2;
  char *s = realloc(t->s, cap);
  if (s == NULL) return asl_fail(ASL_ENOMEM, "script text: cannot grow to %zu bytes", cap);
  t->s = s;
  t->cap = cap;
  return ASL_OK;
}

asl_status slurm_text_printf(slurm_text *t, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0) return asl_fail(ASL_EINVAL, "script text: bad format '%s'", fmt);
  asl_status st = reserve(t, (size_t)n);
  if (st != ASL_OK) return st;
  va_start(ap, fmt);
  vsnprintf(t->s + t->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  t->len += (size_t)n;
  return ASL_OK;
}

asl_status slurm_text_shell_quote(slurm_text *t, const char *s) {
  asl_status st = slurm_text_printf(t, "'");
  for (const char *p = s; st == ASL_OK && *p; p++)
    st = *p == '\'' ? slurm_text_printf(t, "'\\''") : slurm_text_printf(t, "%c", *p);
  if (st == ASL_OK) st = slurm_text_printf(t, "'");
  return st;
}
