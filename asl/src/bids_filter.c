// The participant and session filters of a query: matching, and refusing a
// label the dataset does not have (a typo would otherwise silently shrink a
// study).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bids_scan_internal.h"

int asl_bids_wanted(const char *const *labels, int n, const char *key, const char *name) {
  if (!labels || n == 0) return 1;
  size_t kl = strlen(key);
  for (int i = 0; i < n; i++) {
    const char *l = strncmp(labels[i], key, kl) == 0 ? labels[i] + kl : labels[i];
    if (strcmp(l, name + kl) == 0) return 1;
  }
  return 0;
}

static void list_names(char *buf, size_t size, char **names, int n) {
  buf[0] = '\0';
  for (int i = 0; i < n && strlen(buf) + 40 < size; i++)
    snprintf(buf + strlen(buf), size - strlen(buf), "%s%s", i ? ", " : "", names[i]);
  if (n == 0) snprintf(buf, size, "none");
}

static asl_status check_participants(const char *root, const asl_bids_query *q, char **ids, int n_ids) {
  for (int i = 0; i < q->n_participants; i++) {
    int found = 0;
    for (int j = 0; j < n_ids && !found; j++)
      found = asl_bids_wanted(&q->participants[i], 1, "sub-", ids[j]);
    if (!found) {
      char have[512];
      list_names(have, sizeof have, ids, n_ids);
      return asl_fail(ASL_ENOTFOUND,
                      "%s: participant label \"%s\" does not exist (the dataset has %s); fix the "
                      "participant list",
                      root, q->participants[i], have);
    }
  }
  return ASL_OK;
}

// A session label must name a ses-*/perf/ folder of at least one chosen
// participant.
static asl_status check_sessions(const char *root, const asl_bids_query *q, char **ids, int n_ids) {
  for (int i = 0; i < q->n_sessions; i++) {
    int found = 0;
    for (int j = 0; j < n_ids && !found; j++) {
      if (!asl_bids_wanted(q->participants, q->n_participants, "sub-", ids[j])) continue;
      char path[4400];
      const char *l = strncmp(q->sessions[i], "ses-", 4) == 0 ? q->sessions[i] + 4 : q->sessions[i];
      snprintf(path, sizeof path, "%s/%s/ses-%s/perf", root, ids[j], l);
      found = asl_bids_is_dir(path);
    }
    if (!found)
      return asl_fail(ASL_ENOTFOUND,
                      "%s: no chosen participant has a session \"%s\" with a perf/ folder; fix the "
                      "session list",
                      root, q->sessions[i]);
  }
  return ASL_OK;
}

asl_status asl_bids_check_filters(const char *root, const asl_bids_query *q, char **ids, int n_ids) {
  if (!q) return ASL_OK;
  asl_status st = check_participants(root, q, ids, n_ids);
  if (st == ASL_OK) st = check_sessions(root, q, ids, n_ids);
  return st;
}
