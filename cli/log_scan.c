#define _POSIX_C_SOURCE 200809L
#include "log_scan.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

// <YYYYmmddTHHMMSSZ>-r<rank>.log, as runner/src/job_log.c names them.
int log_is_rank_file(const char *name) {
  static const char shape[] = "ddddddddTddddddZ-r";  // d: a digit
  for (int i = 0; shape[i]; i++) {
    if (shape[i] == 'd' ? !isdigit((unsigned char)name[i]) : name[i] != shape[i]) return 0;
  }
  const char *p = name + sizeof shape - 1;
  if (!isdigit((unsigned char)*p)) return 0;
  while (isdigit((unsigned char)*p)) p++;
  return strcmp(p, ".log") == 0;
}

// Per-job files (older versions; order among them does not matter, each
// holds one job) before per-rank files, those by stamp.
static int by_time(const void *a, const void *b) {
  const char *x = *(const char *const *)a, *y = *(const char *const *)b;
  int rx = log_is_rank_file(x), ry = log_is_rank_file(y);
  if (rx != ry) return rx - ry;
  return strcmp(x, y);
}

static int is_log(const char *name) {
  size_t n = strlen(name);
  return name[0] != '.' && n > 4 && strcmp(name + n - 4, ".log") == 0;
}

asl_status log_files_list(log_files *lf, const char *dir) {
  memset(lf, 0, sizeof *lf);
  struct stat sb;
  if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
    return asl_fail(ASL_ENOTFOUND, "%s: no such run directory", dir);
  snprintf(lf->dir, sizeof lf->dir, "%s/logs", dir);
  DIR *d = opendir(lf->dir);
  if (!d)
    return asl_fail(ASL_ENOTFOUND, "%s: no job logs (%s); has `aslsweep run` finished a job in "
                    "%s?", lf->dir, strerror(errno), dir);
  int cap = 0;
  asl_status st = ASL_OK;
  for (struct dirent *e; !st && (e = readdir(d));) {
    if (!is_log(e->d_name)) continue;
    if (lf->n == cap) {
      cap = cap ? 2 * cap : 64;
      char **grown = realloc(lf->names, sizeof *grown * (size_t)cap);
      if (!grown) st = asl_fail(ASL_ENOMEM, "%s: listing", lf->dir);
      else lf->names = grown;
    }
    if (!st && !(lf->names[lf->n] = strdup(e->d_name)))
      st = asl_fail(ASL_ENOMEM, "%s: listing", lf->dir);
    if (!st) lf->n++;
  }
  closedir(d);
  if (!st && lf->n) qsort(lf->names, (size_t)lf->n, sizeof *lf->names, by_time);
  if (st) log_files_free(lf);
  return st;
}

void log_files_free(log_files *lf) {
  for (int i = 0; i < lf->n; i++) free(lf->names[i]);
  free(lf->names);
  lf->names = NULL;
  lf->n = 0;
}

static FILE *open_file(const log_files *lf, int file, char *path, size_t n) {
  snprintf(path, n, "%s/%s", lf->dir, lf->names[file]);
  FILE *f = fopen(path, "r");
  if (!f) asl_fail(ASL_EIO, "%s: cannot read (%s)", path, strerror(errno));
  return f;
}

// The block being read: its text so far, its key and how it ended.
typedef struct {
  char *text, *key;
  size_t len, cap, key_cap;
  int open, ended;
  long offset;
} block_buf;

static int put(char **s, size_t *cap, size_t at, const char *add, size_t n) {
  if (at + n + 1 > *cap) {
    size_t c = *cap ? *cap : 256;
    while (c < at + n + 1) c *= 2;
    char *g = realloc(*s, c);
    if (!g) return -1;
    *s = g, *cap = c;
  }
  memcpy(*s + at, add, n);
  (*s)[at + n] = '\0';
  return 0;
}

// The key from "== KEY: attempt started ..." or, in blocks of older
// versions ("== attempt started ..."), from the "job N: KEY (kind)" line.
static int take_key(block_buf *b, const char *line, size_t n, int header) {
  const char *from, *to;
  if (header) {
    from = line + 3;
    to = strstr(from, ": attempt started ");
    if (!to) return put(&b->key, &b->key_cap, 0, "", 0);
  } else {
    if (b->key[0] || strncmp(line, "job ", 4) != 0 || !(from = strstr(line, ": "))) return 0;
    from += 2;
    to = line + n;
    while (to > from && to[-1] != '(') to--;
    if (to - from < 2 || to[-2] != ' ') return 0;
    to -= 2;
  }
  return put(&b->key, &b->key_cap, 0, from, (size_t)(to - from));
}

static int ended_of(const char *line) {
  if (strncmp(line, "ended: ", 7) != 0) return -1;
  line += 7;
  return strncmp(line, "done", 4) == 0          ? LOG_ENDED_DONE
         : strncmp(line, "failed", 6) == 0      ? LOG_ENDED_FAILED
         : strncmp(line, "interrupted", 11) == 0 ? LOG_ENDED_INTERRUPTED
                                                 : LOG_ENDED_UNKNOWN;
}

static int emit(block_buf *b, int file, log_block_fn fn, void *ctx) {
  if (!b->open || !b->key[0]) return 0;
  if (b->text[b->len - 1] != '\n' && put(&b->text, &b->cap, b->len++, "\n", 1)) return 0;
  log_block blk = {b->key, b->text, b->len, b->ended, file, b->offset};
  return fn(&blk, ctx);
}

// Adds one line to the block (a header starts a new one); -1 out of memory.
static int add_line(block_buf *b, const char *line, size_t n, long at) {
  int header = strncmp(line, "== ", 3) == 0;
  if (header) {
    b->open = 1, b->len = 0, b->ended = LOG_ENDED_UNKNOWN, b->offset = at;
    if (take_key(b, line, n, 1)) return -1;
  }
  if (!b->open) return 0;
  if (!header && take_key(b, line, n, 0)) return -1;
  int e = ended_of(line);
  if (e >= 0) b->ended = e;
  if (put(&b->text, &b->cap, b->len, line, n)) return -1;
  b->len += n;
  return 0;
}

asl_status log_scan(const log_files *lf, int file, log_block_fn fn, void *ctx, int *stopped) {
  char path[4600], *line = NULL;
  size_t line_cap = 0;
  *stopped = 0;
  FILE *f = open_file(lf, file, path, sizeof path);
  if (!f) return ASL_EIO;
  block_buf b = {0};
  asl_status st = ASL_OK;
  long at = 0;
  for (ssize_t n; !st && !*stopped && (n = getline(&line, &line_cap, f)) > 0; at += n) {
    if (strncmp(line, "== ", 3) == 0) *stopped = emit(&b, file, fn, ctx);
    if (!*stopped && add_line(&b, line, (size_t)n, at)) st = asl_fail(ASL_ENOMEM, "%s", path);
  }
  if (!st && ferror(f)) st = asl_fail(ASL_EIO, "%s: read error (%s)", path, strerror(errno));
  if (!st && !*stopped) *stopped = emit(&b, file, fn, ctx);
  fclose(f);
  free(line);
  free(b.text);
  free(b.key);
  return st;
}

asl_status log_print_block(const log_files *lf, int file, long offset, FILE *out) {
  char path[4600], *line = NULL;
  size_t cap = 0;
  FILE *f = open_file(lf, file, path, sizeof path);
  if (!f) return ASL_EIO;
  asl_status st = ASL_OK;
  if (fseek(f, offset, SEEK_SET) != 0) st = asl_fail(ASL_EIO, "%s: cannot seek", path);
  for (ssize_t n, i = 0; !st && (n = getline(&line, &cap, f)) > 0; i++) {
    if (i > 0 && strncmp(line, "== ", 3) == 0) break;
    fwrite(line, 1, (size_t)n, out);
    if (line[n - 1] != '\n') fputc('\n', out);
  }
  fclose(f);
  free(line);
  return st;
}
