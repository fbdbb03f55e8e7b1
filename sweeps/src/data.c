// data: the subjects a sweep runs on and each one's Nt (difference images),
// known without opening any NIfTI: the phantom's options, or for BIDS-ASL
// the rows of each subject's aslcontext.tsv (control/label pairs + deltam),
// listed and counted by asl/ exactly as the runner loads them.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asl/bids.h"
#include "spec.h"

static int add_subject(sweep_plan *p, const char *id, int nt) {
  char **ids = realloc(p->subject_ids, (size_t)(p->n_subjects + 1) * sizeof *ids);
  if (!ids) return -1;
  p->subject_ids = ids;
  int *nts = realloc(p->subject_nt, (size_t)(p->n_subjects + 1) * sizeof *nts);
  if (!nts) return -1;
  p->subject_nt = nts;
  if (!(ids[p->n_subjects] = sw_strdup(id))) return -1;
  nts[p->n_subjects++] = nt;
  return 0;
}

static void read_phantom(sw_ctx *c, const sw_node *ph, sweep_plan *p) {
  static const char *const keys[] = {"subjects", "shape", "timepoints", "seed"};
  // The defaults of asl_phantom_defaults() (aslsweep phantom), except the
  // seed, which follows the spec's.
  p->phantom.subjects = 12;
  p->phantom.shape[0] = 64;
  p->phantom.shape[1] = 64;
  p->phantom.shape[2] = 32;
  p->phantom.timepoints = 32;
  p->phantom.seed = p->seed;
  if (!sw_is_map(c, ph, "data.phantom")) return;
  sw_check_keys(c, ph, "data.phantom", keys, 4);
  const sw_node *n;
  long v;
  if ((n = sw_map_get(ph, "subjects")) && sw_get_int(c, n, 1, 10000, &v) == 0)
    p->phantom.subjects = (int)v;
  if ((n = sw_map_get(ph, "timepoints")) && sw_get_int(c, n, 1, 100000, &v) == 0)
    p->phantom.timepoints = (int)v;
  if ((n = sw_map_get(ph, "seed")) && sw_get_int(c, n, 0, 0x7fffffffffffffffL, &v) == 0)
    p->phantom.seed = (uint64_t)v;
  if ((n = sw_map_get(ph, "shape"))) {
    if (n->kind != SW_SEQ || n->n != 3)
      sw_error(c, n, "data.phantom.shape must be a list of three sizes [x, y, z]");
    else
      for (int i = 0; i < 3; i++)
        if (sw_get_int(c, n->items[i], 1, 1024, &v) == 0) {
          // SSIM (and so the SNR grouping and every table) needs its
          // 11-voxel Gaussian window inside the volume on every side.
          if (v < 11)
            sw_error(c, n->items[i],
                     "data.phantom.shape: %ld voxels is too small; SSIM's 11-voxel window needs "
                     "at least 11 per side",
                     v);
          else
            p->phantom.shape[i] = (int)v;
        }
  }
  for (int i = 0; i < p->phantom.subjects; i++) {
    char id[SWEEP_SUBJECT_ID_MAX + 1];
    snprintf(id, sizeof id, "sub-%02d", i + 1);
    if (add_subject(p, id, p->phantom.timepoints)) return;
  }
}

// The scans and their Nt the way the runner loads them (asl/bids.h): one
// per ASL series of the chosen participants and sessions.
static void read_bids(sw_ctx *c, const sw_node *n, const char *root, sweep_plan *p) {
  asl_bids_query q;
  sweep_bids_query(p, &q);
  asl_bids_scan *scans = NULL;
  int n_scans = 0;
  if (asl_bids_list_scans(root, &q, &scans, &n_scans) != ASL_OK) {
    sw_error(c, n, "%s", asl_error_message());
    return;
  }
  if (n_scans == 0)
    sw_error(c, n, "no subjects under '%s' (expected sub-*/[ses-*/]perf/ folders)", root);
  for (int i = 0; i < n_scans; i++) {
    int nt;
    if (strlen(scans[i].label) > SWEEP_SUBJECT_ID_MAX) {
      sw_error(c, n, "%s/%s: scan label '%s' has %zu characters; the results cube stores subject "
               "labels of at most %d: shorten its BIDS entity labels, or leave it out with "
               "data.participants / data.sessions",
               scans[i].dir, scans[i].stem, scans[i].label, strlen(scans[i].label),
               SWEEP_SUBJECT_ID_MAX);
      continue;
    }
    if (asl_bids_count_scan(root, &scans[i], &nt) != ASL_OK) sw_error(c, n, "%s", asl_error_message());
    else if (add_subject(p, scans[i].label, nt)) break;
  }
  free(scans);
}

// A path written in the spec is relative to the spec's folder; one given
// on the command line, to the current folder.
static char *resolve_path(sw_ctx *c, const sw_node *node, const char *spec_dir, const char *what) {
  const char *path;
  if (sw_get_str(c, node, &path)) return NULL;
  if (!*path) {
    sw_error(c, node, "%s is empty; give a folder", what);
    return NULL;
  }
  sw_buf b = {0};
  int from_cli = strncmp(node->src, "<override", 9) == 0;
  if (path[0] == '/' || from_cli || !spec_dir || !*spec_dir)
    sw_buf_add(&b, "%s", path);
  else
    sw_buf_add(&b, "%s/%s", spec_dir, path);
  return b.oom ? NULL : b.s;
}

// data.participants / data.sessions: a label or a list of labels.
static void read_labels(sw_ctx *c, const sw_node *n, const char *what, char ***out, int *count) {
  if (!n) return;
  int len = n->kind == SW_SEQ ? n->n : 1;
  if (n->kind == SW_MAP || len == 0) {
    sw_error(c, n, "%s must be a label or a list of labels, e.g. [\"01\", \"02\"]", what);
    return;
  }
  if (!(*out = calloc((size_t)len, sizeof **out))) return;
  for (int i = 0; i < len; i++) {
    const char *s;
    const sw_node *item = n->kind == SW_SEQ ? n->items[i] : n;
    if (sw_get_str(c, item, &s)) continue;
    if (!*s || strchr(s, '/') || strchr(s, '_'))
      sw_error(c, item, "%s: \"%s\" is not a BIDS label (letters and digits, no '_' or '/')", what, s);
    else if (((*out)[(*count)++] = sw_strdup(s)) == NULL)
      return;
  }
}

// data.pld: `all` (each delay its own scan) or one delay in seconds.
static int read_pld(sw_ctx *c, const sw_node *n, sweep_plan *p) {
  if (!n) return 0;
  char *end = NULL;
  double v = n->kind == SW_SCALAR ? strtod(n->str, &end) : 0.0;
  if (n->kind == SW_SCALAR && strcmp(n->str, "all") == 0) {
    p->pld_all = 1;
  } else if (n->kind != SW_SCALAR || n->quoted || end == n->str || *end || !(v > 0.0) || v > 10.0) {
    sw_error(c, n, "data.pld must be `all` (each delay its own scan) or one delay in seconds, 0 < pld <= 10 (e.g. 1.8)");
    return -1;
  } else {
    p->pld = v;
  }
  return 0;
}

void sw_data_read(sw_ctx *c, const sw_node *data, const char *spec_dir, sweep_plan *p) {
  static const char *const keys[] = {"bids", "phantom", "participants", "sessions", "pld", "masks"};
  if (!sw_is_map(c, data, "data")) return;
  sw_check_keys(c, data, "data", keys, 6);
  const sw_node *bids = sw_map_get(data, "bids"), *ph = sw_map_get(data, "phantom");
  if (!!bids == !!ph) {
    sw_error(c, data, "data needs exactly one of `bids: PATH` or `phantom: {...}`");
    return;
  }
  if (ph) {
    static const char *const bids_only[] = {"participants", "sessions", "pld", "masks"};
    for (int i = 0; i < 4; i++)
      if (sw_map_get(data, bids_only[i]))
        sw_error(c, sw_map_get(data, bids_only[i]), "data.%s applies to `bids:` data only", bids_only[i]);
    read_phantom(c, ph, p);
    return;
  }
  read_labels(c, sw_map_get(data, "participants"), "data.participants", &p->participants, &p->n_participants);
  read_labels(c, sw_map_get(data, "sessions"), "data.sessions", &p->sessions, &p->n_sessions);
  int bad_pld = read_pld(c, sw_map_get(data, "pld"), p);
  const sw_node *masks = sw_map_get(data, "masks");
  if (masks && !(p->masks_root = resolve_path(c, masks, spec_dir, "data.masks"))) return;
  if (!(p->bids_root = resolve_path(c, bids, spec_dir, "data.bids"))) return;
  // A bad PLD choice would only add "choose a delay" errors to its own.
  if (!bad_pld) read_bids(c, bids, p->bids_root, p);
}
