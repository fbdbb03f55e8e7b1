// aslsweep phantom: write a synthetic BIDS-ASL dataset (asl/phantom.h).
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "asl/phantom.h"
#include "cli.h"

static const char usage_text[] =
    "usage: aslsweep phantom --out DIR [--subjects N] [--shape X,Y,Z] [--timepoints N] [--seed S]\n"
    "                        [--pasl] [--hypoperfusion] [--noise F] [--templates DIR] [--threads T]\n"
    "\n"
    "Writes a realistic ASL dataset as BIDS-ASL under DIR: per subject a control/label\n"
    "series, aslcontext.tsv, sidecar, M0 scan and brain mask; the noise-free CBF and\n"
    "deltam under DIR/derivatives/phantom/. Anatomy from Debian's mricron-data templates.\n"
    "\n"
    "  --out DIR          output folder (created if needed)\n"
    "  --subjects N       number of subjects (default 12)\n"
    "  --shape X,Y,Z      grid (default 64,64,32)\n"
    "  --timepoints N     control/label pairs per subject (default 32 -> 64 volumes)\n"
    "  --seed S           random seed (default 1); same seed, same dataset\n"
    "  --pasl             PASL (FAIR, Q2TIPS) instead of pCASL\n"
    "  --hypoperfusion    every third subject gets a hypoperfused region\n"
    "  --noise F          scale every subject's noise level by F (default 1)\n"
    "  --templates DIR    template folder (default /usr/share/mricron/templates)\n"
    "  --threads T        subjects made in parallel (default: one per core, at most 8);\n"
    "                     the dataset does not depend on T\n";

static int parse_int(const char *s, long lo, long hi, long *out) {
  char *end;
  long v = strtol(s, &end, 10);
  if (end == s || *end || v < lo || v > hi) return -1;
  *out = v;
  return 0;
}

static int parse_shape(const char *s, int shape[3]) {
  long v[3];
  char buf[64], *save = NULL;
  if (strlen(s) >= sizeof buf) return -1;
  strcpy(buf, s);
  char *tok = strtok_r(buf, ",", &save);
  for (int i = 0; i < 3; i++, tok = strtok_r(NULL, ",", &save))
    if (!tok || parse_int(tok, 4, 1024, &v[i]) != 0) return -1;
  if (tok) return -1;
  for (int i = 0; i < 3; i++) shape[i] = (int)v[i];
  return 0;
}

static int bad(const char *what, const char *value) {
  fprintf(stderr, "aslsweep phantom: bad %s '%s' (see aslsweep phantom --help)\n", what, value);
  return CLI_USAGE;
}

int cmd_phantom(int argc, char **argv) {
  if (cli_wants_help(argc, argv)) return fputs(usage_text, stdout), CLI_OK;
  static const struct option longopts[] = {
      {"out", required_argument, 0, 'o'},     {"subjects", required_argument, 0, 'n'},
      {"shape", required_argument, 0, 's'},   {"timepoints", required_argument, 0, 't'},
      {"seed", required_argument, 0, 'S'},    {"pasl", no_argument, 0, 'p'},
      {"hypoperfusion", no_argument, 0, 'h'}, {"noise", required_argument, 0, 'N'},
      {"templates", required_argument, 0, 'T'}, {"threads", required_argument, 0, 'j'},
      {0, 0, 0, 0}};
  asl_phantom_opts o;
  asl_phantom_defaults(&o);
  const char *out = NULL;
  long v;
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    char *end;
    switch (c) {
      case 'o': out = optarg; break;
      case 'n': if (parse_int(optarg, 1, 10000, &v)) return bad("--subjects (1..10000)", optarg); o.subjects = (int)v; break;
      case 's': if (parse_shape(optarg, o.shape)) return bad("--shape (X,Y,Z, each 4..1024)", optarg); break;
      case 't': if (parse_int(optarg, 1, 100000, &v)) return bad("--timepoints (1..100000)", optarg); o.timepoints = (int)v; break;
      case 'S':
        o.seed = strtoull(optarg, &end, 10);
        if (end == optarg || *end || optarg[0] == '-') return bad("--seed (a non-negative integer)", optarg);
        break;
      case 'p': o.pasl = 1; break;
      case 'h': o.hypoperfusion = 1; break;
      case 'N':
        o.noise = strtod(optarg, &end);
        if (end == optarg || *end || !(o.noise >= 0.0 && o.noise <= 100.0)) return bad("--noise (0..100)", optarg);
        break;
      case 'T': o.template_dir = optarg; break;
      case 'j': if (parse_int(optarg, 1, 64, &v)) return bad("--threads (1..64)", optarg); o.threads = (int)v; break;
      default: fputs(usage_text, stderr); return CLI_USAGE;
    }
  }
  if (!out || optind != argc) {
    fprintf(stderr, "aslsweep phantom: %s\n%s", out ? "unexpected argument" : "--out DIR is required", usage_text);
    return CLI_USAGE;
  }
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  asl_status s = asl_phantom_write(&o, out);
  if (s != ASL_OK) {
    fprintf(stderr, "aslsweep phantom: %s\n", asl_error_message());
    return asl_exit_code(s);
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  printf("phantom: %d subjects, %dx%dx%d, %d volumes each, seed %llu -> %s (%.1f s)\n", o.subjects,
         o.shape[0], o.shape[1], o.shape[2], 2 * o.timepoints, (unsigned long long)o.seed, out,
         (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec));
  return CLI_OK;
}
