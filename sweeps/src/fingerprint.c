// The data fingerprint of a content key: the phantom's options, or the
// size and content hash of every file under the BIDS root (sorted by
// path), so an edited, added or removed scan, mask or sidecar changes every
// job's key.
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "spec.h"

// A file that is not there or not ours to read is the user's to fix (exit 2).
static asl_status missing(int err) {
  return err == ENOENT || err == EACCES || err == ENOTDIR ? ASL_ENOTFOUND : ASL_EIO;
}

typedef struct {
  char **v;
  int n, cap;
} path_list;

static int list_add(path_list *l, const char *path) {
  if (l->n == l->cap) {
    int cap = l->cap ? l->cap * 2 : 64;
    char **v = realloc(l->v, sizeof *v * (size_t)cap);
    if (!v) return -1;
    l->v = v, l->cap = cap;
  }
  return (l->v[l->n] = sw_strdup(path)) ? (l->n++, 0) : -1;
}

static void list_free(path_list *l) {
  for (int i = 0; i < l->n; i++) free(l->v[i]);
  free(l->v);
}

// Regular files under dir (hidden entries skipped: editors' and tools'
// scratch files do not decide a result).
static asl_status walk(const char *dir, path_list *out) {
  DIR *d = opendir(dir);
  if (!d) return asl_fail(missing(errno), "%s: cannot list for the data fingerprint (%s); check data.bids",
                          dir, strerror(errno));
  asl_status st = ASL_OK;
  struct dirent *e;
  char path[4096];
  while (!st && (e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    struct stat sb;
    if (stat(path, &sb) != 0) continue; // a dangling link reads as absent
    if (S_ISDIR(sb.st_mode)) st = walk(path, out);
    else if (S_ISREG(sb.st_mode) && list_add(out, path))
      st = asl_fail(ASL_ENOMEM, "data fingerprint");
  }
  closedir(d);
  return st;
}

static int by_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

// One line "relative/path size hash" for a file.
static asl_status file_line(sw_buf *b, const char *root, const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return asl_fail(missing(errno), "%s: cannot read for the data fingerprint (%s); check the "
                          "file's permissions", path, strerror(errno));
  uint64_t h = 0xcbf29ce484222325ULL, size = 0;
  unsigned char buf[1 << 16];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
    for (size_t i = 0; i < n; i++) h = (h ^ buf[i]) * 0x100000001b3ULL;
    size += n;
  }
  int err = ferror(f);
  fclose(f);
  if (err) return asl_fail(ASL_EIO, "%s: read error during the data fingerprint", path);
  sw_buf_add(b, "%s %llu %016llx\n", path + strlen(root), (unsigned long long)size,
             (unsigned long long)h);
  return ASL_OK;
}

asl_status sw_data_fingerprint(const sweep_plan *p, char out[SWEEP_CONTENT_KEY_HEX + 1]) {
  sw_buf b = {0};
  asl_status st = ASL_OK;
  if (!p->bids_root) {
    sw_buf_add(&b, "phantom subjects=%d shape=%d,%d,%d timepoints=%d seed=%llu\n",
               p->phantom.subjects, p->phantom.shape[0], p->phantom.shape[1], p->phantom.shape[2],
               p->phantom.timepoints, (unsigned long long)p->phantom.seed);
  } else {
    path_list l = {0};
    st = walk(p->bids_root, &l);
    if (!st && l.n > 1) qsort(l.v, (size_t)l.n, sizeof *l.v, by_name);
    for (int i = 0; !st && i < l.n; i++) st = file_line(&b, p->bids_root, l.v[i]);
    list_free(&l);
  }
  if (!st && b.oom) st = asl_fail(ASL_ENOMEM, "data fingerprint");
  if (!st) sweep_content_hash(b.s ? b.s : "", b.len, out);
  free(b.s);
  return st;
}
