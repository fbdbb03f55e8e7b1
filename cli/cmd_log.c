#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "log_scan.h"

static const char usage_text[] =
    "usage: aslsweep log DIR KEY...\n"
    "       aslsweep log DIR --failed\n"
    "\n"
    "Prints the history of jobs of a run directory from its job logs (DIR/logs):\n"
    "every attempt of each job KEY (exact job key, as `aslsweep plan` and the\n"
    "cube name it), oldest first, one block per attempt: when and where it ran,\n"
    "its seed and content key, its train job, how it ended (done, failed,\n"
    "interrupted) after how long, its error, its loss per epoch.\n"
    "--failed prints the latest attempt of every job whose latest attempt\n"
    "failed. Each rank of a run appends to one file,\n"
    "DIR/logs/<UTC start>-r<rank>.log; the per-job files <key>.log of earlier\n"
    "versions are read too. Serial, no MPI; safe while the run goes on.\n"
    "\n"
    "exit status: 0 printed (with --failed: also when no job failed); 2 bad\n"
    "usage, no DIR or DIR/logs, or a KEY with no attempt in the logs (named on\n"
    "stderr); 1 a log file cannot be read\n";

// KEY mode: the keys asked for, sorted, and which were seen.
typedef struct {
  char **keys;
  int n;
  char *seen;
} key_set;

static int by_string(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int print_if_asked(const log_block *b, void *ctx) {
  key_set *ks = ctx;
  char **hit = bsearch(&b->key, ks->keys, (size_t)ks->n, sizeof *ks->keys, by_string);
  if (!hit) return 0;
  ks->seen[hit - ks->keys] = 1;
  fwrite(b->text, 1, b->len, stdout);
  return 0;
}

static int show_keys(const log_files *lf, const char *dir, char **keys, int n) {
  key_set ks = {malloc(sizeof(char *) * (size_t)n), n, calloc((size_t)n, 1)};
  if (!ks.keys || !ks.seen) {
    free(ks.keys), free(ks.seen);
    return fprintf(stderr, "aslsweep log: out of memory\n"), CLI_FAILURE;
  }
  memcpy(ks.keys, keys, sizeof(char *) * (size_t)n);
  qsort(ks.keys, (size_t)n, sizeof *ks.keys, by_string);
  int kept = n > 0;  // a key given twice is looked for once
  for (int i = 1; i < n; i++)
    if (strcmp(ks.keys[i], ks.keys[kept - 1]) != 0) ks.keys[kept++] = ks.keys[i];
  ks.n = n = kept;
  int rc = CLI_OK, stopped;
  for (int i = 0; i < lf->n && rc == CLI_OK; i++) {
    if (log_scan(lf, i, print_if_asked, &ks, &stopped)) {
      fprintf(stderr, "aslsweep log: %s\n", asl_error_message());
      rc = CLI_FAILURE;
    }
  }
  for (int i = 0; i < n && rc != CLI_FAILURE; i++) {
    if (ks.seen[i]) continue;
    fprintf(stderr, "aslsweep log: %s: no attempt of job '%s' in %s (a job that has not run has "
            "no log; `aslsweep status %s` shows the run's jobs, `aslsweep plan SPEC` their "
            "keys)\n", dir, ks.keys[i], lf->dir, dir);
    rc = CLI_USAGE;
  }
  free(ks.keys);
  free(ks.seen);
  return rc;
}

// --failed: the jobs whose latest attempt so far failed, with where that
// attempt starts. Only failed jobs are held, not every job of the logs.
typedef struct failed_entry {
  struct failed_entry *next;
  int live, file;
  long offset;
  char key[];
} failed_entry;

typedef struct {
  failed_entry **bucket;
  size_t n_bucket, n;
  int oom;
} failed_map;

static size_t hash(const char *s) {
  size_t h = 1469598103934665603u;  // FNV-1a
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211u;
  return h;
}

static failed_entry **find(failed_map *m, const char *key) {
  failed_entry **e = &m->bucket[hash(key) & (m->n_bucket - 1)];
  while (*e && strcmp((*e)->key, key) != 0) e = &(*e)->next;
  return e;
}

static int grow(failed_map *m) {
  size_t nb = m->n_bucket ? 2 * m->n_bucket : 1024;
  failed_entry **b = calloc(nb, sizeof *b);
  if (!b) return -1;
  for (size_t i = 0; i < m->n_bucket; i++) {
    for (failed_entry *e = m->bucket[i], *next; e; e = next) {
      next = e->next;
      size_t at = hash(e->key) & (nb - 1);
      e->next = b[at], b[at] = e;
    }
  }
  free(m->bucket);
  m->bucket = b, m->n_bucket = nb;
  return 0;
}

static int note_attempt(const log_block *b, void *ctx) {
  failed_map *m = ctx;
  if (m->n >= 2 * m->n_bucket && grow(m)) return m->oom = 1;
  failed_entry **e = find(m, b->key);
  if (b->ended != LOG_ENDED_FAILED) {
    if (*e) (*e)->live = 0;
    return 0;
  }
  if (!*e) {
    size_t len = strlen(b->key) + 1;
    if (!(*e = malloc(sizeof **e + len))) return m->oom = 1;
    memcpy((*e)->key, b->key, len);
    (*e)->next = NULL;
    m->n++;
  }
  (*e)->live = 1, (*e)->file = b->file, (*e)->offset = b->offset;
  return 0;
}

static int by_place(const void *a, const void *b) {
  const failed_entry *x = *(failed_entry *const *)a, *y = *(failed_entry *const *)b;
  if (x->file != y->file) return x->file < y->file ? -1 : 1;
  return x->offset < y->offset ? -1 : x->offset > y->offset;
}

// The latest attempts that failed, in the order they were written.
static int print_failed(const log_files *lf, failed_map *m) {
  failed_entry **list = malloc(sizeof *list * (m->n + 1));
  if (!list) return fprintf(stderr, "aslsweep log: out of memory\n"), CLI_FAILURE;
  size_t n = 0;
  for (size_t i = 0; i < m->n_bucket; i++)
    for (failed_entry *e = m->bucket[i]; e; e = e->next)
      if (e->live) list[n++] = e;
  qsort(list, n, sizeof *list, by_place);
  int rc = CLI_OK;
  for (size_t i = 0; i < n && rc == CLI_OK; i++) {
    if (log_print_block(lf, list[i]->file, list[i]->offset, stdout)) {
      fprintf(stderr, "aslsweep log: %s\n", asl_error_message());
      rc = CLI_FAILURE;
    }
  }
  if (rc == CLI_OK && n == 0) printf("no failed job in %s\n", lf->dir);
  free(list);
  return rc;
}

static int show_failed(const log_files *lf) {
  failed_map m = {0};
  int rc = grow(&m) ? CLI_FAILURE : CLI_OK, stopped = 0;
  for (int i = 0; i < lf->n && rc == CLI_OK; i++) {
    if (log_scan(lf, i, note_attempt, &m, &stopped)) {
      fprintf(stderr, "aslsweep log: %s\n", asl_error_message());
      rc = CLI_FAILURE;
    }
    if (m.oom) rc = CLI_FAILURE, fprintf(stderr, "aslsweep log: out of memory\n");
  }
  if (rc == CLI_OK) rc = print_failed(lf, &m);
  for (size_t i = 0; i < m.n_bucket; i++)
    for (failed_entry *e = m.bucket[i], *next; e; e = next) next = e->next, free(e);
  free(m.bucket);
  return rc;
}

int cmd_log(int argc, char **argv) {
  static const struct option opts[] = {
      {"help", no_argument, NULL, 'h'}, {"failed", no_argument, NULL, 'f'}, {NULL, 0, NULL, 0}};
  int c, failed = 0;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    if (c == 'h') return fputs(usage_text, stdout), CLI_OK;
    if (c == 'f') failed = 1;
    else return fputs(usage_text, stderr), CLI_USAGE;
  }
  int n_keys = argc - optind - 1;
  if (n_keys < 0 || (failed ? n_keys != 0 : n_keys == 0)) {
    fprintf(stderr, "aslsweep log: give a run directory and job keys, or a run directory and "
            "--failed\n%s", usage_text);
    return CLI_USAGE;
  }
  const char *dir = argv[optind];
  log_files lf;
  if (log_files_list(&lf, dir)) {
    fprintf(stderr, "aslsweep log: %s\n", asl_error_message());
    return CLI_USAGE;
  }
  int rc = failed ? show_failed(&lf) : show_keys(&lf, dir, argv + optind + 1, n_keys);
  log_files_free(&lf);
  return rc;
}
