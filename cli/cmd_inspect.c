// aslsweep inspect: per-subject report of a BIDS-ASL dataset (asl/bids.h).
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asl/bids.h"
#include "asl/snr.h"
#include "asl/subject.h"
#include "cli.h"

static const char usage_text[] =
    "usage: aslsweep inspect BIDS_DIR [--k K] [--seed S] [--participant-label L ...]\n"
    "                        [--session-label S ...] [--pld all|SECONDS] [--masks DIR]\n"
    "\n"
    "Checks every ASL scan (sub-*/[ses-*/]perf/*_asl.nii.gz) of a BIDS-ASL dataset and\n"
    "prints one line per scan (labelled sub-01, or sub-01_ses-1_run-2 with entities): grid, voxel size, volumes (Nt) and difference volumes (dM), labeling,\n"
    "M0 type, mask source, the mean single-time-point SSIM and NMAE of its deltam\n"
    "against GT100 (the mean of all time points), its SNR group, and every problem\n"
    "found (file and reason). Exit status 2 when any subject is unusable.\n"
    "\n"
    "  --k K      number of SNR groups (default 2: low, high)\n"
    "  --seed S   k-means seed (default 1)\n"
    "  --participant-label L   only this participant (with or without sub-); repeatable\n"
    "  --session-label S       only this session (with or without ses-); repeatable\n"
    "  --pld all|SECONDS       multi-delay series: each delay its own scan, or one delay\n"
    "  --masks DIR             derivatives dataset with the brain masks (default: the\n"
    "                          first BIDS_DIR/derivatives/*/ that has them)\n";

#define MAX_LABELS 256

typedef struct {
  int k;
  unsigned long long seed;
  const char *participants[MAX_LABELS], *sessions[MAX_LABELS];
  asl_bids_query q;
} inspect_args;

static int add_label(const char **list, int *n, const char *label, const char *flag) {
  if (!*label || strchr(label, '/') || *n == MAX_LABELS) {
    fprintf(stderr, "aslsweep inspect: bad %s '%s' (a BIDS label; at most %d)\n", flag, label, MAX_LABELS);
    return CLI_USAGE;
  }
  list[(*n)++] = label;
  return CLI_OK;
}

static int parse_pld(asl_bids_query *q, const char *arg) {
  char *end;
  double v = strtod(arg, &end);
  if (strcmp(arg, "all") == 0) {
    q->pld_all = 1;
  } else if (end == arg || *end || !(v > 0.0) || v > 10.0) {
    fprintf(stderr, "aslsweep inspect: bad --pld '%s' (all, or a delay in seconds, 0 < pld <= 10)\n", arg);
    return CLI_USAGE;
  } else {
    q->pld = v;
  }
  return CLI_OK;
}

static const char *mask_text(const asl_bids_report *r) {
  if (!r->has_mask) return "none";
  switch (r->mask_source) {
    case ASL_MASK_FILE: return "file";
    case ASL_MASK_FROM_M0: return "from-M0";
    case ASL_MASK_FROM_CONTROL: return "from-ctrl";
    default: return "none";
  }
}

static void print_row(const asl_bids_report *r, int k, int width) {
  char grid[32] = "-", vox[40] = "-", group[ASL_SNR_NAME_MAX] = "-", ssim[16] = "-", nmae[16] = "-";
  if (r->nx) {
    snprintf(grid, sizeof grid, "%dx%dx%d", r->nx, r->ny, r->nz);
    snprintf(vox, sizeof vox, "%.2fx%.2fx%.2f", r->dx, r->dy, r->dz);
  }
  if (r->usable) {
    snprintf(ssim, sizeof ssim, "%.4f", r->ssim);
    snprintf(nmae, sizeof nmae, "%.4f", r->nmae);
    if (r->group >= 0) asl_snr_group_name(r->group, k, group);
  }
  char nt[16] = "-", ndm[16] = "-";
  if (r->nt) snprintf(nt, sizeof nt, "%d", r->nt), snprintf(ndm, sizeof ndm, "%d", r->n_deltam);
  printf("%-*s %-8s %-12s %-17s %4s %4s %-7s %-9s %-9s %7s %7s %-6s %s\n", width, r->id,
         r->usable ? "ok" : "UNUSABLE", grid, vox, nt, ndm, r->labeling_type[0] ? r->labeling_type : "-",
         r->m0_type[0] ? r->m0_type : "-", mask_text(r), ssim, nmae, group,
         r->problem[0] ? r->problem : "-");
}

static void print_summary(const asl_bids_report *rows, int n, int k) {
  int usable = 0, *per_group = calloc((size_t)k, sizeof *per_group);
  for (int i = 0; i < n; i++) {
    usable += rows[i].usable;
    if (per_group && rows[i].group >= 0 && rows[i].group < k) per_group[rows[i].group]++;
  }
  printf("summary: %d subjects, %d usable, %d unusable; SNR groups:", n, usable, n - usable);
  char name[ASL_SNR_NAME_MAX];
  for (int g = 0; per_group && g < k; g++) printf(" %s %d", asl_snr_group_name(g, k, name), per_group[g]);
  printf("\n");
  free(per_group);
}

static int parse_args(int argc, char **argv, inspect_args *a) {
  static const struct option longopts[] = {
      {"k", required_argument, 0, 'k'},          {"seed", required_argument, 0, 's'},
      {"participant-label", required_argument, 0, 'p'}, {"session-label", required_argument, 0, 'S'},
      {"pld", required_argument, 0, 'P'},        {"masks", required_argument, 0, 'm'},
      {0, 0, 0, 0}};
  int c, rc = CLI_OK;
  char *end;
  optind = 1;
  while (rc == CLI_OK && (c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    if (c == 'k') {
      long v = strtol(optarg, &end, 10);
      if (end == optarg || *end || v < 1 || v > 64) {
        fprintf(stderr, "aslsweep inspect: bad --k '%s' (1..64)\n", optarg);
        return CLI_USAGE;
      }
      a->k = (int)v;
    } else if (c == 's') {
      a->seed = strtoull(optarg, &end, 10);
      if (end == optarg || *end || optarg[0] == '-') {
        fprintf(stderr, "aslsweep inspect: bad --seed '%s' (a non-negative integer)\n", optarg);
        return CLI_USAGE;
      }
    } else if (c == 'p') {
      rc = add_label(a->participants, &a->q.n_participants, optarg, "--participant-label");
    } else if (c == 'S') {
      rc = add_label(a->sessions, &a->q.n_sessions, optarg, "--session-label");
    } else if (c == 'P') {
      rc = parse_pld(&a->q, optarg);
    } else if (c == 'm') {
      a->q.masks = optarg;
    } else {
      fputs(usage_text, stderr);
      return CLI_USAGE;
    }
  }
  a->q.participants = a->participants;
  a->q.sessions = a->sessions;
  return rc;
}

int cmd_inspect(int argc, char **argv) {
  if (cli_wants_help(argc, argv)) return fputs(usage_text, stdout), CLI_OK;
  static inspect_args a;
  memset(&a, 0, sizeof a);
  a.k = 2, a.seed = 1;
  int rc = parse_args(argc, argv, &a), k = a.k;
  if (rc != CLI_OK) return rc;
  if (argc - optind != 1) {
    fprintf(stderr, "aslsweep inspect: give exactly one BIDS_DIR\n%s", usage_text);
    return CLI_USAGE;
  }
  asl_bids_report *rows;
  int n;
  asl_status st = asl_bids_inspect_q(argv[optind], &a.q, k, a.seed, &rows, &n);
  if (st != ASL_OK) {
    fprintf(stderr, "aslsweep inspect: %s\n", asl_error_message());
    return asl_exit_code(st);
  }
  // The subject column fits the longest scan label (sessions and runs make
  // labels longer than the plain participant's).
  int width = 10;
  for (int i = 0; i < n; i++)
    if ((int)strlen(rows[i].id) > width) width = (int)strlen(rows[i].id);
  printf("%-*s %-8s %-12s %-17s %4s %4s %-7s %-9s %-9s %7s %7s %-6s %s\n", width, "subject", "status",
         "grid", "voxel_mm", "Nt", "dM", "label", "M0", "mask", "ssim1", "nmae1", "group", "problems");
  int unusable = 0;
  for (int i = 0; i < n; i++) {
    print_row(&rows[i], k, width);
    unusable += !rows[i].usable;
  }
  print_summary(rows, n, k);
  free(rows);
  return unusable ? CLI_USAGE : CLI_OK;
}
