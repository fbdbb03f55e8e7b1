// BIDS inheritance of a scan's sidecar, and its Nt counted from the
// aslcontext.tsv and sidecar alone (what the sweep planner needs).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "asl/subject.h"
#include "bids_scan_internal.h"
#include "subject_internal.h"

#define MAX_CHAIN 32
#define MAX_ENTITIES 16

static int split(char *stem, char **parts) {
  int n = 0;
  char *save = NULL;
  for (char *tok = strtok_r(stem, "_", &save); tok && n < MAX_ENTITIES; tok = strtok_r(NULL, "_", &save))
    parts[n++] = tok;
  return n;
}

// Entities of "sub-01_run-2_asl.json" ("asl.json": none) when all of them
// are among the scan's; -1 otherwise.
static int applies(const char *file, char **scan_parts, int n_scan) {
  char stem[256], *parts[MAX_ENTITIES];
  size_t len = strlen(file) - strlen("asl.json");
  if (len >= sizeof stem) return -1;
  snprintf(stem, sizeof stem, "%.*s", (int)len, file);
  int n = split(stem, parts);
  for (int i = 0; i < n; i++) {
    int found = 0;
    for (int j = 0; j < n_scan && !found; j++) found = strcmp(parts[i], scan_parts[j]) == 0;
    if (!found) return -1;
  }
  return n;
}

// Sidecars in `dir` that apply to the scan, fewer entities first.
static int add_level(const char *dir, char **scan_parts, int n_scan, char paths[][4400], int n) {
  int nf = 0;
  char **files = asl_bids_ls(dir, "", "asl.json", &nf);
  for (int want = 0; want <= MAX_ENTITIES; want++)
    for (int i = 0; i < nf && n < MAX_CHAIN - 1; i++) {
      const char *f = files[i];
      size_t fl = strlen(f);
      if (fl > 8 && f[fl - 9] != '_') continue; // "xasl.json" is another suffix
      if (applies(f, scan_parts, n_scan) == want) snprintf(paths[n++], 4400, "%s/%s", dir, f);
    }
  for (int i = 0; i < nf; i++) free(files[i]);
  free(files);
  return n;
}

asl_status asl_bids_scan_sidecar(const char *root, const asl_bids_scan *scan, asl_bids_sidecar *out) {
  char(*paths)[4400] = malloc(MAX_CHAIN * sizeof *paths);
  char stem[160], *parts[MAX_ENTITIES], dir[4400], own[4400];
  if (!paths) return asl_fail(ASL_ENOMEM, "%s: out of memory", scan->dir);
  snprintf(stem, sizeof stem, "%s", scan->stem);
  int n_scan = split(stem, parts), n = 0;
  n = add_level(root, parts, n_scan, paths, n);
  snprintf(dir, sizeof dir, "%s/%s", root, scan->subject);
  n = add_level(dir, parts, n_scan, paths, n);
  if (scan->session[0]) {
    snprintf(dir, sizeof dir, "%s/%s/%s", root, scan->subject, scan->session);
    n = add_level(dir, parts, n_scan, paths, n);
  }
  n = add_level(scan->dir, parts, n_scan, paths, n);
  // The scan's own sidecar closes the chain, so a missing one is named.
  snprintf(own, sizeof own, "%s/%s_asl.json", scan->dir, scan->stem);
  if (n == 0 || strcmp(paths[n - 1], own) != 0) snprintf(paths[n++], 4400, "%s", own);
  const char *ptr[MAX_CHAIN];
  for (int i = 0; i < n; i++) ptr[i] = paths[i];
  asl_status st = asl_bids_read_sidecars(ptr, n, out);
  free(paths);
  return st;
}

// Multi-delay series need a delay choice; with one, the volume types of
// the other delays are dropped (n shrinks). Single-delay series are used
// whole whatever the choice: it picks among a series' delays.
asl_status asl_bids_apply_pld(const asl_bids_sidecar *car, const asl_bids_scan *scan, int *types,
                              int *n, const char *tsv, int *keep) {
  if (car->n_plds <= 1) return ASL_OK; // one delay (or none given): the whole series
  if (scan->pld == 0.0)
    return asl_fail(ASL_EUNSUPPORTED,
                    "%s: multi-delay series (%d PostLabelingDelay values); choose one with "
                    "`data.pld: <seconds>`, or `data.pld: all` to treat each delay as its own scan",
                    car->source, car->n_plds);
  asl_status st = asl_bids_pld_select(car, types, *n, scan->pld, tsv, keep);
  if (st != ASL_OK) return st;
  int m = 0;
  for (int t = 0; t < *n; t++)
    if (keep[t]) types[m++] = types[t];
  *n = m;
  return ASL_OK;
}

// The planner counts from the table; a missing series is named only when
// its table is missing too (the loader names it otherwise), and a missing
// sidecar is left for the loader to refuse.
asl_status asl_bids_count_scan(const char *root, const asl_bids_scan *scan, int *nt) {
  char tsv[4400], img[4400];
  struct stat sb;
  *nt = 0;
  snprintf(tsv, sizeof tsv, "%s/%s_aslcontext.tsv", scan->dir, scan->stem);
  snprintf(img, sizeof img, "%s/%s_asl.nii.gz", scan->dir, scan->stem);
  if (stat(tsv, &sb) != 0 && stat(img, &sb) != 0)
    return asl_fail(ASL_ENOTFOUND,
                    "%s: no ASL series (%s_asl.nii.gz with its _aslcontext.tsv); every perf/ folder "
                    "needs one",
                    scan->dir, scan->stem);
  int *types = NULL, n = 0, *keep = NULL;
  asl_bids_sidecar car;
  asl_status st = asl_bids_read_aslcontext(tsv, &types, &n);
  if (st != ASL_OK) return st;
  st = asl_bids_scan_sidecar(root, scan, &car);
  if (st == ASL_ENOTFOUND) {
    st = ASL_OK;
  } else if (st == ASL_OK) {
    keep = malloc((size_t)n * sizeof *keep);
    st = keep ? asl_bids_apply_pld(&car, scan, types, &n, tsv, keep) : asl_fail(ASL_ENOMEM, "%s", tsv);
    asl_bids_sidecar_free(&car);
  }
  if (st == ASL_OK) st = asl_context_check(types, n, tsv, nt);
  free(types), free(keep);
  return st;
}
