// Diagnostics: every problem of a spec, each as "SRC:LINE:COL: error: msg".
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"

static void add_line(sw_ctx *c, const char *src, int line, int col, const char *msg) {
  sweep_diags *d = c->diags;
  c->errors++;
  if (!d || d->n >= SW_MAX_DIAGS) return;
  sw_buf b = {0};
  sw_buf_add(&b, "%s:%d:%d: error: %s", src, line, col, msg);
  if (b.oom) return;
  // The same problem reached twice (an inherited axis checked per experiment)
  // is reported once.
  for (int i = 0; i < d->n; i++)
    if (strcmp(d->lines[i], b.s) == 0) {
      free(b.s);
      return;
    }
  char **lines = realloc(d->lines, (size_t)(d->n + 1) * sizeof *lines);
  if (!lines) {
    free(b.s);
    return;
  }
  d->lines = lines;
  d->lines[d->n++] = b.s;
}

void sw_error_at(sw_ctx *c, const char *src, int line, int col, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  add_line(c, src, line, col, msg);
}

void sw_error(sw_ctx *c, const sw_node *at, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (at)
    add_line(c, at->src, at->line, at->col, msg);
  else
    add_line(c, "<spec>", 1, 1, msg);
}

static int edit_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > 63 || lb > 63) return 99;
  int row[64];
  for (size_t j = 0; j <= lb; j++) row[j] = (int)j;
  for (size_t i = 1; i <= la; i++) {
    int diag = row[0];
    row[0] = (int)i;
    for (size_t j = 1; j <= lb; j++) {
      int up = row[j];
      int best = diag + (a[i - 1] != b[j - 1]);
      if (up + 1 < best) best = up + 1;
      if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
      row[j] = best;
      diag = up;
    }
  }
  return row[lb];
}

const char *sw_suggest(const char *word, const char *const *candidates, int n, char *buf,
                       size_t size) {
  int best = 99, at = -1;
  size_t wl = strlen(word);
  for (int i = 0; i < n; i++) {
    int d = edit_distance(word, candidates[i]);
    // One name extending the other ("batchsize", "batch") is a likely slip
    // however many letters differ.
    size_t cl = strlen(candidates[i]);
    if (wl >= 3 && cl >= 3 && strncmp(word, candidates[i], wl < cl ? wl : cl) == 0 && d > 1) d = 1;
    if (d < best) {
      best = d;
      at = i;
    }
  }
  // Close enough to be a typo: at most a third of the word, at least one edit.
  int limit = (int)strlen(word) / 3;
  if (limit < 1) limit = 1;
  if (limit > 3) limit = 3;
  if (at < 0 || best > limit) return "";
  snprintf(buf, size, " (did you mean '%s'?)", candidates[at]);
  return buf;
}

void sweep_diags_free(sweep_diags *d) {
  if (!d) return;
  for (int i = 0; i < d->n; i++) free(d->lines[i]);
  free(d->lines);
  d->lines = NULL;
  d->n = 0;
}
