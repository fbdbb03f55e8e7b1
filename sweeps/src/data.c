// data: the subjects a sweep runs on and each one's Nt (difference images),
// known without opening any NIfTI: the phantom's options, or for BIDS-ASL
// the rows of each subject's aslcontext.tsv (control/label pairs + deltam).
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "spec.h"

static int is_dir(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

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

// Nt of one aslcontext.tsv, or -1 with *why set.
static int count_aslcontext(const char *path, const char **why) {
  FILE *f = fopen(path, "r");
  if (!f) {
    *why = "cannot be opened";
    return -1;
  }
  char line[512];
  int col = -1, row = 0, control = 0, label = 0, deltam = 0;
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\r\n")] = '\0';
    int i = 0;
    char *save = NULL;
    for (char *tok = strtok_r(line, "\t", &save); tok; tok = strtok_r(NULL, "\t", &save), i++) {
      if (row == 0 && strcmp(tok, "volume_type") == 0) col = i;
      if (row > 0 && i == col) {
        control += strcasecmp(tok, "control") == 0;
        label += strcasecmp(tok, "label") == 0;
        deltam += strcasecmp(tok, "deltam") == 0;
      }
    }
    if (row == 0 && col < 0) break;
    row++;
  }
  fclose(f);
  if (col < 0) {
    *why = "has no volume_type column";
    return -1;
  }
  int nt = (control < label ? control : label) + deltam;
  if (nt == 0) *why = "lists no control/label pair and no deltam volume";
  return nt > 0 ? nt : -1;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void read_bids(sw_ctx *c, const sw_node *n, const char *root, sweep_plan *p) {
  DIR *d = opendir(root);
  if (!d) {
    sw_error(c, n, "data path '%s' does not exist or is not a folder", root);
    return;
  }
  char **ids = NULL;
  int n_ids = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    char perf[4096];
    if (strncmp(e->d_name, "sub-", 4) != 0) continue;
    snprintf(perf, sizeof perf, "%s/%s/perf", root, e->d_name);
    if (!is_dir(perf)) continue;
    char **grown = realloc(ids, (size_t)(n_ids + 1) * sizeof *ids);
    if (!grown) break;
    ids = grown;
    if ((ids[n_ids] = sw_strdup(e->d_name))) n_ids++;
  }
  closedir(d);
  if (n_ids == 0) sw_error(c, n, "no subjects under '%s' (expected sub-*/perf/ folders)", root);
  if (n_ids > 1) qsort(ids, (size_t)n_ids, sizeof *ids, cmp_str);
  for (int i = 0; i < n_ids; i++) {
    char tsv[4096];
    snprintf(tsv, sizeof tsv, "%s/%s/perf/%s_aslcontext.tsv", root, ids[i], ids[i]);
    const char *why = NULL;
    int nt = count_aslcontext(tsv, &why);
    if (nt < 0)
      sw_error(c, n, "%s %s", tsv, why);
    else
      add_subject(p, ids[i], nt);
    free(ids[i]);
  }
  free(ids);
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
