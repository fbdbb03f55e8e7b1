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
    "usage: aslsweep inspect BIDS_DIR [--k K] [--seed S]\n"
    "\n"
    "Checks every sub-*/perf/ subject of a BIDS-ASL dataset and prints one line per\n"
    "subject: grid, voxel size, volumes (Nt) and difference volumes (dM), labeling,\n"
    "M0 type, mask source, the mean single-time-point SSIM and NMAE of its deltam\n"
    "against GT100 (the mean of all time points), its SNR group, and every problem\n"
    "found (file and reason). Exit status 2 when any subject is unusable.\n"
    "\n"
    "  --k K      number of SNR groups (default 2: low, high)\n"
    "  --seed S   k-means seed (default 1)\n";

static const char *mask_text(const asl_bids_report *r) {
  if (!r->has_mask) return "none";
  switch (r->mask_source) {
    case ASL_MASK_FILE: return "file";
    case ASL_MASK_FROM_M0: return "from-M0";
    case ASL_MASK_FROM_CONTROL: return "from-ctrl";
    default: return "none";
  }
}

static void print_row(const asl_bids_report *r, int k) {
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
  printf("%-10s %-8s %-12s %-17s %4s %4s %-7s %-9s %-9s %7s %7s %-6s %s\n", r->id,
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

int cmd_inspect(int argc, char **argv) {
  if (cli_wants_help(argc, argv)) return fputs(usage_text, stdout), CLI_OK;
  static const struct option longopts[] = {
      {"k", required_argument, 0, 'k'}, {"seed", required_argument, 0, 's'}, {0, 0, 0, 0}};
  int k = 2, c;
  unsigned long long seed = 1;
  char *end;
  optind = 1;
  while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    if (c == 'k') {
      long v = strtol(optarg, &end, 10);
      if (end == optarg || *end || v < 1 || v > 64) {
        fprintf(stderr, "aslsweep inspect: bad --k '%s' (1..64)\n", optarg);
        return CLI_USAGE;
      }
      k = (int)v;
    } else if (c == 's') {
      seed = strtoull(optarg, &end, 10);
      if (end == optarg || *end || optarg[0] == '-') {
        fprintf(stderr, "aslsweep inspect: bad --seed '%s' (a non-negative integer)\n", optarg);
        return CLI_USAGE;
      }
    } else {
      fputs(usage_text, stderr);
      return CLI_USAGE;
    }
  }
  if (argc - optind != 1) {
    fprintf(stderr, "aslsweep inspect: give exactly one BIDS_DIR\n%s", usage_text);
    return CLI_USAGE;
  }
  asl_bids_report *rows;
  int n;
  asl_status st = asl_bids_inspect(argv[optind], k, seed, &rows, &n);
  if (st != ASL_OK) {
    fprintf(stderr, "aslsweep inspect: %s\n", asl_error_message());
    return asl_exit_code(st);
  }
  printf("%-10s %-8s %-12s %-17s %4s %4s %-7s %-9s %-9s %7s %7s %-6s %s\n", "subject", "status", "grid",
         "voxel_mm", "Nt", "dM", "label", "M0", "mask", "ssim1", "nmae1", "group", "problems");
  int unusable = 0;
  for (int i = 0; i < n; i++) {
    print_row(&rows[i], k);
    unusable += !rows[i].usable;
  }
  print_summary(rows, n, k);
  free(rows);
  return unusable ? CLI_USAGE : CLI_OK;
}
