// Scans of a BIDS-ASL dataset: every sub-*/[ses-*/]perf/*_asl.nii[.gz], the
// label the cube's subject axis gives it, and how a label maps back to files.
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "asl/bids.h"
#include "bids_scan_internal.h"

int asl_bids_is_dir(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

// Sorted names in `dir` that start with `prefix` and end with `suffix`
// (suffix NULL: folders only). NULL with *n 0 when none or unreadable.
char **asl_bids_ls(const char *dir, const char *prefix, const char *suffix, int *n) {
  *n = 0;
  DIR *d = opendir(dir);
  if (!d) return NULL;
  char **list = NULL;
  int cap = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    size_t len = strlen(e->d_name), sl = suffix ? strlen(suffix) : 0;
    if (strncmp(e->d_name, prefix, strlen(prefix)) != 0 || len < sl || e->d_name[0] == '.') continue;
    if (suffix && strcmp(e->d_name + len - sl, suffix) != 0) continue;
    if (!suffix) {
      char path[4400];
      snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
      if (!asl_bids_is_dir(path)) continue;
    }
    if (*n == cap) {
      char **g = realloc(list, (size_t)(cap = cap ? 2 * cap : 16) * sizeof *g);
      if (!g) break;
      list = g;
    }
    if (!(list[*n] = strdup(e->d_name))) break;
    (*n)++;
  }
  closedir(d);
  if (*n > 1) qsort(list, (size_t)*n, sizeof *list, cmp_str);
  return list;
}

// "_pld-1500ms" at the end of a label: the delay in seconds, else 0.
static double pld_suffix(char *label) {
  char *p = strstr(label, "_pld-");
  if (!p) return 0.0;
  char *end;
  long ms = strtol(p + 5, &end, 10);
  if (ms <= 0 || strcmp(end, "ms") != 0) return 0.0;
  *p = '\0';
  return (double)ms / 1000.0;
}

asl_status asl_bids_scan_from_label(const char *root, const char *label, const asl_bids_query *q,
                                    asl_bids_scan *scan) {
  memset(scan, 0, sizeof *scan);
  char stem[ASL_BIDS_LABEL_MAX + 8];
  int k = snprintf(stem, sizeof stem, "%s%s", strncmp(label, "sub-", 4) ? "sub-" : "", label);
  if (k < 0 || (size_t)k >= sizeof scan->label || strchr(label, '/') || !label[0])
    return asl_fail(ASL_EINVAL,
                    "scan \"%s\" is not a plain BIDS label (sub-<label>[_ses-<label>]..., at most %d "
                    "characters)",
                    label, ASL_BIDS_LABEL_MAX);
  memcpy(scan->label, stem, (size_t)k + 1);
  scan->pld = pld_suffix(stem);
  if (scan->pld == 0.0 && q && q->pld > 0.0) scan->pld = q->pld;
  memcpy(scan->stem, stem, strlen(stem) + 1); // no longer than the label checked above
  size_t sub_len = strcspn(stem, "_");
  snprintf(scan->subject, sizeof scan->subject, "%.*s", (int)sub_len, stem);
  const char *ses = strstr(stem, "_ses-");
  if (ses) snprintf(scan->session, sizeof scan->session, "%.*s", (int)strcspn(ses + 1, "_"), ses + 1);
  k = snprintf(scan->dir, sizeof scan->dir, "%s/%s%s%s/perf", root, scan->subject,
               scan->session[0] ? "/" : "", scan->session);
  if (k < 0 || (size_t)k >= sizeof scan->dir) return asl_fail(ASL_EINVAL, "%s: path too long", root);
  return ASL_OK;
}

static asl_status push(asl_bids_scan **list, int *n, int *cap, const asl_bids_scan *s) {
  if (*n == *cap) {
    asl_bids_scan *g = realloc(*list, (size_t)(*cap = *cap ? 2 * *cap : 16) * sizeof *g);
    if (!g) return asl_fail(ASL_ENOMEM, "listing scans: out of memory");
    *list = g;
  }
  (*list)[(*n)++] = *s;
  return ASL_OK;
}

// One scan per delay of a multi-delay series when the query asks for it.
static asl_status add_scan(const char *root, const asl_bids_query *q, const char *stem,
                           asl_bids_scan **list, int *n, int *cap) {
  asl_bids_scan s;
  asl_status st = asl_bids_scan_from_label(root, stem, q, &s);
  if (st != ASL_OK) return st;
  asl_bids_sidecar car;
  if (!q || !q->pld_all || asl_bids_scan_sidecar(root, &s, &car) != ASL_OK) return push(list, n, cap, &s);
  for (int i = 0; st == ASL_OK && i < car.n_plds && car.n_plds > 1; i++) {
    char label[ASL_BIDS_LABEL_MAX + 32];
    snprintf(label, sizeof label, "%s_pld-%ldms", stem, lround(car.plds[i] * 1000.0));
    st = asl_bids_scan_from_label(root, label, q, &s);
    if (st == ASL_OK) st = push(list, n, cap, &s);
  }
  if (st == ASL_OK && car.n_plds <= 1) st = push(list, n, cap, &s);
  asl_bids_sidecar_free(&car);
  return st;
}

// Stems of the files in `dir` with this prefix and suffix, added to `stems`
// unless already there. A stem too long to be a label is refused by name
// (cutting it could merge two scans).
typedef char stem_buf[ASL_BIDS_LABEL_MAX + 1];
static asl_status add_stems(const char *dir, const char *prefix, const char *suffix,
                            stem_buf *stems, int *n, int cap) {
  int nf = 0;
  asl_status st = ASL_OK;
  char **files = asl_bids_ls(dir, prefix, suffix, &nf);
  for (int i = 0; i < nf; i++) {
    size_t len = strlen(files[i]) - strlen(suffix);
    if (!st && len > ASL_BIDS_LABEL_MAX)
      st = asl_fail(ASL_EFORMAT, "%s/%s: scan label of %zu characters; aslsweep takes at most %d "
                    "(shorten the entity labels of its files)", dir, files[i], len, ASL_BIDS_LABEL_MAX);
    int dup = st != ASL_OK;
    for (int j = 0; j < *n && !dup; j++) dup = strlen(stems[j]) == len && !strncmp(stems[j], files[i], len);
    if (!dup && *n == cap)
      st = asl_fail(ASL_EUNSUPPORTED, "%s: more than %d ASL series in one perf/ folder; split the "
                    "dataset or select sessions", dir, cap);
    else if (!dup)
      snprintf(stems[(*n)++], sizeof *stems, "%.*s", (int)len, files[i]);
    free(files[i]);
  }
  free(files);
  return st;
}

static int cmp_stem(const void *a, const void *b) { return strcmp(a, b); }

// The scans of one perf/ folder: every stem with an ASL series or an
// aslcontext table (the loader names whichever is missing). A folder without
// any still gives one scan, named after the subject/session, whose loading
// says what is missing.
static asl_status add_perf(const char *root, const asl_bids_query *q, const char *sub,
                           const char *ses, asl_bids_scan **list, int *n, int *cap) {
  enum { MAX_SCANS = 256 };
  char dir[4200], prefix[2 * ASL_BIDS_LABEL_MAX + 4];
  stem_buf *stems = malloc(MAX_SCANS * sizeof *stems);
  if (!stems) return asl_fail(ASL_ENOMEM, "listing scans: out of memory");
  snprintf(dir, sizeof dir, "%s/%s%s%s/perf", root, sub, ses[0] ? "/" : "", ses);
  snprintf(prefix, sizeof prefix, "%s%s%s", sub, ses[0] ? "_" : "", ses);
  int ns = 0;
  asl_status st = add_stems(dir, prefix, "_asl.nii.gz", stems, &ns, MAX_SCANS);
  if (!st) st = add_stems(dir, prefix, "_asl.nii", stems, &ns, MAX_SCANS);
  if (!st) st = add_stems(dir, prefix, "_aslcontext.tsv", stems, &ns, MAX_SCANS);
  if (!st && ns == 0) {
    if (strlen(prefix) > ASL_BIDS_LABEL_MAX)
      st = asl_fail(ASL_EFORMAT, "%s: scan label %s has more than %d characters; shorten the "
                    "subject or session label", dir, prefix, ASL_BIDS_LABEL_MAX);
    else
      snprintf(stems[ns++], sizeof *stems, "%s", prefix);
  }
  qsort(stems, (size_t)ns, sizeof *stems, cmp_stem);
  for (int i = 0; st == ASL_OK && i < ns; i++) st = add_scan(root, q, stems[i], list, n, cap);
  free(stems);
  return st;
}

static int cmp_scan(const void *a, const void *b) {
  return strcmp(((const asl_bids_scan *)a)->label, ((const asl_bids_scan *)b)->label);
}

asl_status asl_bids_list_scans(const char *root, const asl_bids_query *q, asl_bids_scan **scans,
                               int *n) {
  *scans = NULL, *n = 0;
  char **ids = NULL;
  int n_ids = 0, cap = 0;
  asl_status st = asl_bids_list_subjects(root, &ids, &n_ids);
  if (st == ASL_OK) st = asl_bids_check_filters(root, q, ids, n_ids);
  for (int i = 0; st == ASL_OK && i < n_ids; i++) {
    if (!asl_bids_wanted(q ? q->participants : NULL, q ? q->n_participants : 0, "sub-", ids[i])) continue;
    char path[4200];
    snprintf(path, sizeof path, "%s/%s/perf", root, ids[i]);
    if (asl_bids_is_dir(path) && (!q || q->n_sessions == 0)) st = add_perf(root, q, ids[i], "", scans, n, &cap);
    snprintf(path, sizeof path, "%s/%s", root, ids[i]);
    int ns = 0;
    char **ses = asl_bids_ls(path, "ses-", NULL, &ns);
    for (int j = 0; j < ns; j++) {
      snprintf(path, sizeof path, "%s/%s/%s/perf", root, ids[i], ses[j]);
      if (st == ASL_OK && asl_bids_is_dir(path) &&
          asl_bids_wanted(q ? q->sessions : NULL, q ? q->n_sessions : 0, "ses-", ses[j]))
        st = add_perf(root, q, ids[i], ses[j], scans, n, &cap);
      free(ses[j]);
    }
    free(ses);
  }
  asl_bids_free_list(ids, n_ids);
  if (st == ASL_OK && *n > 1) qsort(*scans, (size_t)*n, sizeof **scans, cmp_scan);
  if (st != ASL_OK) free(*scans), *scans = NULL, *n = 0;
  return st;
}
