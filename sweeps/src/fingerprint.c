// The data fingerprint of a content key: the phantom's options, or the
// size and content hash of every file under the BIDS root (sorted by
// path), so an edited, added or removed scan, mask or sidecar changes every
// job's key. An optional cache spares reading unchanged files again.
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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

// The hash cache (DIR/.fingerprints): one line per file, "inode size
// mtime_ns ctime_ns hash path". A file whose inode, size, mtime and ctime
// all match is not read again; ctime moves on every write and cannot be
// set back, so an edit that keeps size and mtime is still seen.
#define RACY_NS 2000000000LL

typedef struct {
  unsigned long long ino, size;
  long long mtime, ctime;
  uint64_t hash;
  char *path;
} cache_entry;

typedef struct {
  cache_entry *v;
  int n, cap;
} hash_cache;

static int cache_add(hash_cache *c, const cache_entry *e) {
  if (c->n == c->cap) {
    int cap = c->cap ? 2 * c->cap : 64;
    cache_entry *v = realloc(c->v, sizeof *v * (size_t)cap);
    if (!v) return -1;
    c->v = v, c->cap = cap;
  }
  c->v[c->n] = *e;
  return (c->v[c->n].path = sw_strdup(e->path)) ? (c->n++, 0) : -1;
}

static void cache_free(hash_cache *c) {
  for (int i = 0; i < c->n; i++) free(c->v[i].path);
  free(c->v);
  memset(c, 0, sizeof *c);
}

// A missing or unreadable cache is an empty one: it only saves reading.
static void cache_load(hash_cache *c, const char *file) {
  FILE *f = file ? fopen(file, "r") : NULL;
  if (!f) return;
  char line[4400], path[4200];
  cache_entry e;
  unsigned long long h;
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\n")] = '\0';
    if (sscanf(line, "%llu %llu %lld %lld %16llx %4199[^\n]", &e.ino, &e.size, &e.mtime, &e.ctime,
               &h, path) != 6)
      continue;
    e.hash = h;
    e.path = path;
    if (cache_add(c, &e)) break;
  }
  fclose(f);
}

static int by_path(const void *a, const void *b) {
  return strcmp(((const cache_entry *)a)->path, ((const cache_entry *)b)->path);
}

static long long ns(struct timespec t) { return (long long)t.tv_sec * 1000000000LL + t.tv_nsec; }

// The cache is written in path order (the walk's), so it is searched by
// halving; a hand-sorted one that misses only costs a read.
static const cache_entry *cache_find(const hash_cache *c, const char *path, const struct stat *sb) {
  cache_entry k = {.path = (char *)path};
  const cache_entry *e = c->n ? bsearch(&k, c->v, (size_t)c->n, sizeof k, by_path) : NULL;
  if (!e || e->ino != (unsigned long long)sb->st_ino || e->size != (unsigned long long)sb->st_size ||
      e->mtime != ns(sb->st_mtim) || e->ctime != ns(sb->st_ctim))
    return NULL;
  return e;
}

// Written under a temporary name and renamed: ranks writing at once never
// leave a torn cache, and a failure to write it costs nothing but time.
static void cache_save(const hash_cache *c, const char *file) {
  char tmp[4300];
  snprintf(tmp, sizeof tmp, "%s.%ld.tmp", file, (long)getpid());
  FILE *f = fopen(tmp, "w");
  if (!f) return;
  int ok = 1;
  for (int i = 0; i < c->n && ok; i++) {
    const cache_entry *e = &c->v[i];
    ok = fprintf(f, "%llu %llu %lld %lld %016llx %s\n", e->ino, e->size, e->mtime, e->ctime,
                 (unsigned long long)e->hash, e->path) > 0;
  }
  if (fclose(f) != 0) ok = 0;
  if (!ok || rename(tmp, file) != 0) unlink(tmp);
}

static asl_status hash_file(const char *path, uint64_t *hash, unsigned long long *bytes) {
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
  *hash = h;
  *bytes = size;
  return ASL_OK;
}

// One line "relative/path size hash" for a file, from the cache when it
// knows the file as it is now; `fresh` collects what the next cache holds.
static asl_status file_line(sw_buf *b, const char *root, const char *path, const hash_cache *old,
                            hash_cache *fresh) {
  struct stat sb;
  if (stat(path, &sb) != 0)
    return asl_fail(missing(errno), "%s: cannot read for the data fingerprint (%s)", path,
                    strerror(errno));
  cache_entry e = {.ino = (unsigned long long)sb.st_ino,
                   .mtime = ns(sb.st_mtim),
                   .ctime = ns(sb.st_ctim),
                   .path = (char *)path};
  const cache_entry *hit = cache_find(old, path, &sb);
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  asl_status st = ASL_OK;
  if (hit) e.hash = hit->hash, e.size = hit->size;
  else st = hash_file(path, &e.hash, &e.size);
  if (st) return st;
  // File times are coarse (a clock tick, a second on some file systems):
  // a file changed less than RACY_NS before it was read could change again
  // with the same times, so it is not remembered (git's "racy" entries).
  int racy = ns(now) - (e.ctime > e.mtime ? e.ctime : e.mtime) < RACY_NS;
  if ((hit || (!racy && e.size == (unsigned long long)sb.st_size)) && cache_add(fresh, &e))
    return asl_fail(ASL_ENOMEM, "data fingerprint");
  sw_buf_add(b, "%s %llu %016llx\n", path + strlen(root), e.size, (unsigned long long)e.hash);
  return ASL_OK;
}

static asl_status bids_lines(sw_buf *b, const char *root, const char *cache, int save) {
  path_list l = {0};
  hash_cache old = {0}, fresh = {0};
  cache_load(&old, cache);
  asl_status st = walk(root, &l);
  if (!st && l.n > 1) qsort(l.v, (size_t)l.n, sizeof *l.v, by_name);
  for (int i = 0; !st && i < l.n; i++) st = file_line(b, root, l.v[i], &old, &fresh);
  if (!st && cache && save) cache_save(&fresh, cache);
  list_free(&l);
  cache_free(&old);
  cache_free(&fresh);
  return st;
}

asl_status sw_data_fingerprint(const sweep_plan *p, char out[SWEEP_CONTENT_KEY_HEX + 1],
                               const char *cache, int save) {
  sw_buf b = {0};
  asl_status st = ASL_OK;
  if (!p->bids_root) {
    sw_buf_add(&b, "phantom subjects=%d shape=%d,%d,%d timepoints=%d seed=%llu\n",
               p->phantom.subjects, p->phantom.shape[0], p->phantom.shape[1], p->phantom.shape[2],
               p->phantom.timepoints, (unsigned long long)p->phantom.seed);
  } else {
    st = bids_lines(&b, p->bids_root, cache, save);
  }
  if (!st && b.oom) st = asl_fail(ASL_ENOMEM, "data fingerprint");
  if (!st) sweep_content_hash(b.s ? b.s : "", b.len, out);
  free(b.s);
  return st;
}
