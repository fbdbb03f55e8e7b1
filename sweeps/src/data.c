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
    char id[32];
    snprintf(id, sizeof id, "sub-%02d", i + 1);
    if (add_subject(p, id, p->phantom.timepoints)) return;
  }
}

// The subjects and their Nt the way the runner loads them (asl/bids.h).
static void read_bids(sw_ctx *c, const sw_node *n, const char *root, sweep_plan *p) {
  char **ids = NULL;
  int n_ids = 0;
  if (asl_bids_list_subjects(root, &ids, &n_ids) != ASL_OK) {
    sw_error(c, n, "%s", asl_error_message());
    return;
  }
  if (n_ids == 0) sw_error(c, n, "no subjects under '%s' (expected sub-*/perf/ folders)", root);
  for (int i = 0; i < n_ids; i++) {
    char tsv[4096];
    snprintf(tsv, sizeof tsv, "%s/%s/perf/%s_aslcontext.tsv", root, ids[i], ids[i]);
    int nt;
    if (asl_bids_count_deltam(tsv, &nt) != ASL_OK) sw_error(c, n, "%s", asl_error_message());
    else if (add_subject(p, ids[i], nt)) break;
  }
  asl_bids_free_list(ids, n_ids);
}

void sw_data_read(sw_ctx *c, const sw_node *data, const char *spec_dir, sweep_plan *p) {
  static const char *const keys[] = {"bids", "phantom"};
  if (!sw_is_map(c, data, "data")) return;
  sw_check_keys(c, data, "data", keys, 2);
  const sw_node *bids = sw_map_get(data, "bids"), *ph = sw_map_get(data, "phantom");
  if (!!bids == !!ph) {
    sw_error(c, data, "data needs exactly one of `bids: PATH` or `phantom: {...}`");
    return;
  }
  if (ph) {
    read_phantom(c, ph, p);
    return;
  }
  const char *path;
  if (sw_get_str(c, bids, &path)) return;
  if (!*path) {
    sw_error(c, bids, "data.bids is empty; give the BIDS-ASL root folder");
    return;
  }
  // Relative paths written in the spec are relative to the spec's folder;
  // those given on the command line, to the current folder.
  sw_buf b = {0};
  int from_cli = strncmp(bids->src, "<override", 9) == 0;
  if (path[0] == '/' || from_cli || !spec_dir || !*spec_dir)
    sw_buf_add(&b, "%s", path);
  else
    sw_buf_add(&b, "%s/%s", spec_dir, path);
  if (b.oom) return;
  p->bids_root = b.s;
  read_bids(c, bids, p->bids_root, p);
}
