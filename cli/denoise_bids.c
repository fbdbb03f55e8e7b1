// The BIDS-App form of `aslsweep denoise` (denoise_bids.h): arguments, the
// checks that need no image, and the loop over the selected scans.
#include "denoise_bids.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "asl/bids_deriv.h"
#include "asl/fs.h"
#include "cli.h"
#include "denoise_opts.h"
#include "run/denoise.h"
#include "nn/model.h"

static const char usage_text[] =
    "usage: aslsweep denoise BIDS_DIR OUT_DIR participant --checkpoint CKPT\n"
    "                        [--participant-label L ...] [--session-label S ...]\n"
    "                        [--pld SECONDS] [--masks DIR] [--nav-post N] [--threads T]\n"
    "                        [--device cpu|cuda]\n"
    "\n"
    "BIDS-App form: denoises every ASL scan of BIDS_DIR (or those selected) with the\n"
    "checkpoint and writes a BIDS-Derivatives dataset to OUT_DIR:\n"
    "  OUT_DIR/dataset_description.json\n"
    "  OUT_DIR/sub-X/[ses-Y/]perf/<scan entities>_desc-denoised_asl.nii.gz (+ .json)\n"
    "M0 and brain mask are found as the sweep finds them (docs/data.md), so the\n"
    "normalization is the sweep's. OUT_DIR must lie outside BIDS_DIR.\n"
    "\n"
    "  --checkpoint FILE        a train job's checkpoint; FILE.json must lie beside it\n"
    "  --participant-label L..  only these participants (with or without sub-)\n"
    "  --session-label S..      only these sessions (with or without ses-)\n"
    "  --pld SECONDS            the delay to denoise in multi-delay series (required\n"
    "                           when the dataset has one)\n"
    "  --masks DIR              derivatives dataset with the brain masks (default: the\n"
    "                           first BIDS_DIR/derivatives/*/ holding one, else derived)\n"
    "  --nav-post N             pre-averaged images per final image (default: the\n"
    "                           checkpoint's)\n"
    "  --threads T              engine threads (default: OpenMP's)\n"
    "  --device D               cpu (default) or cuda\n"
    "\n"
    "The single-scan form (aslsweep denoise --checkpoint CKPT --asl ASL -o OUT) is\n"
    "described by `aslsweep denoise --help`.\n";

int dbids_wanted(int argc, char **argv) {
  return argc >= 4 && argv[1][0] != '-' && argv[2][0] != '-' && argv[3][0] != '-';
}

static int bad(const char *msg, const char *arg) {
  return denoise_usage_error(msg, arg, usage_text);
}

// BIDS-Apps take several labels after one flag (argparse's nargs='+'), and
// aslsweep inspect takes the flag repeated: both work.
static int add_labels(const char **list, int *n, int argc, char **argv, const char *flag) {
  const char *l = optarg;
  for (;;) {
    if (!*l || strchr(l, '/') || *n == DBIDS_MAX_LABELS) return bad("bad label for ", flag);
    list[(*n)++] = l;
    if (optind >= argc || argv[optind][0] == '-') return CLI_OK;
    l = argv[optind++];
  }
}

static int parse_pld(asl_bids_query *q, const char *arg) {
  char *end;
  double v = strtod(arg, &end);
  if (end == arg || *end || !(v > 0.0) || v > 10.0)
    return bad("--pld must be a delay in seconds (0 < pld <= 10), got ", arg);
  q->pld = v;
  return CLI_OK;
}

static int parse_option(int c, dbids_args *a, int argc, char **argv) {
  int rc = denoise_common_option(c, optarg, &a->nav_post, &a->threads, usage_text);
  if (rc >= 0) return rc;
  switch (c) {
  case 'c': a->checkpoint = optarg; return CLI_OK;
  case 'L': return add_labels(a->participants, &a->q.n_participants, argc, argv, "--participant-label");
  case 'S': return add_labels(a->sessions, &a->q.n_sessions, argc, argv, "--session-label");
  case 'P': return parse_pld(&a->q, optarg);
  case 'm': a->q.masks = optarg; return CLI_OK;
  default: return bad("bad option", NULL);
  }
}

static void join_command(dbids_args *a, int argc, char **argv) {
  char *p = a->command_line, *end = p + sizeof a->command_line;
  p += snprintf(p, (size_t)(end - p), "aslsweep");
  for (int i = 0; i < argc && p < end - 1; i++) {
    int quote = argv[i][strcspn(argv[i], " \t'\"$\\")] != '\0' || !argv[i][0];
    p += snprintf(p, (size_t)(end - p), quote ? " '%s'" : " %s", argv[i]);
  }
}

static int parse(int argc, char **argv, dbids_args *a) {
  static const struct option longopts[] = {
      {"checkpoint", required_argument, 0, 'c'}, {"participant-label", required_argument, 0, 'L'},
      {"session-label", required_argument, 0, 'S'}, {"pld", required_argument, 0, 'P'},
      {"masks", required_argument, 0, 'm'},     {"nav-post", required_argument, 0, 'p'},
      {"threads", required_argument, 0, 't'},   {"device", required_argument, 0, 'd'},
      {0, 0, 0, 0}};
  memset(a, 0, sizeof *a);
  join_command(a, argc, argv);
  a->bids = argv[1], a->out = argv[2];
  if (strcmp(argv[3], "participant") != 0)
    return bad(strcmp(argv[3], "group") == 0
                   ? "denoise works per participant: there is no group level; give 'participant' "
                     "as the third argument, not "
                   : "the third argument is the analysis level, 'participant', not ",
               argv[3]);
  a->q.participants = a->participants, a->q.sessions = a->sessions;
  int c, rc = CLI_OK, sub_argc = argc - 3;
  char **sub_argv = argv + 3; // getopt sees "participant" as its program name
  optind = 1;
  while (rc == CLI_OK && (c = getopt_long(sub_argc, sub_argv, "+", longopts, NULL)) != -1)
    rc = parse_option(c, a, sub_argc, sub_argv);
  if (rc) return rc;
  if (optind < sub_argc) return bad("unexpected argument ", sub_argv[optind]);
  if (!a->checkpoint) return bad("--checkpoint is required", NULL);
  return CLI_OK;
}

static int fail(asl_status st) {
  fprintf(stderr, "aslsweep denoise: %s\n", asl_error_message());
  return asl_exit_code(st);
}

static const char readme[] =
    "Denoised ASL difference images written by `aslsweep denoise BIDS_DIR OUT_DIR\n"
    "participant`. Each *_desc-denoised_asl.nii.gz holds deltaM images (one volume per\n"
    "final image); its JSON sidecar names the raw files, the checkpoint (with its\n"
    "SHA-256) and the preprocessing used.\n";

typedef struct {
  const dbids_args *a;
  int written;  // dataset_description.json and README are in OUT_DIR
} first_ctx;

// Before the first output: the checkpoint is loaded once as a whole (a
// corrupt or mismatched one fails here), then the dataset's description is
// written. So a run that fails before its first scan's output leaves no
// dataset behind, only an empty OUT_DIR.
static asl_status before_first_output(void *arg) {
  first_ctx *c = arg;
  if (c->written) return ASL_OK;
  asl_status st = run_denoise_check_checkpoint(c->a->checkpoint);
  asl_bids_deriv_desc d = {"aslsweep denoise", "aslsweep", ASLSWEEP_VERSION, NULL,
                           c->a->command_line, c->a->bids};
  if (!st) st = asl_bids_write_deriv_description(c->a->out, &d, readme);
  c->written = !st;
  return st;
}

// Every scan first listed and checked for what needs no image (nothing is
// written when that fails), then each denoised; a failure while loading or
// denoising stops the run, the outputs of the scans before it are kept.
static asl_status run_all(const dbids_args *a, const dbids_ckpt *ck, int *done) {
  asl_bids_scan *scans = NULL;
  int n = 0;
  asl_status st = asl_bids_list_scans(a->bids, &a->q, &scans, &n);
  if (!st && n == 0)
    st = asl_fail(ASL_ENOTFOUND, "%s: no ASL scan (sub-*/[ses-*/]perf/*_asl.nii[.gz]) selected",
                  a->bids);
  for (int i = 0; !st && i < n; i++) st = dbids_check_scan(a, ck, &scans[i]);
  char tmp[4200];
  snprintf(tmp, sizeof tmp, "%s/.aslsweep-tmp-XXXXXX", a->out);
  int existed = access(a->out, F_OK) == 0;
  if (!st) st = asl_make_dirs(a->out);
  int have_tmp = !st && mkdtemp(tmp) != NULL;
  if (!st && !have_tmp) st = asl_fail(ASL_EIO, "%s: cannot create a scratch folder", tmp);
  first_ctx first = {a, 0};
  for (int i = 0; !st && i < n; i++)
    if (!(st = dbids_scan(a, ck, &scans[i], tmp, before_first_output, &first))) (*done)++;
  if (have_tmp) rmdir(tmp); // dbids_scan removes its files, failed or not
  if (st && !first.written && !existed) rmdir(a->out); // nothing was written: no OUT_DIR
  free(scans);
  return st;
}

int dbids_main(int argc, char **argv) {
  if (cli_wants_help(argc, argv)) return fputs(usage_text, stdout), CLI_OK;
  dbids_args a;
  int rc = parse(argc, argv, &a);
  if (rc) return rc;
  nn_set_threads(a.threads);
  asl_status st = asl_bids_check_out_dir(a.bids, a.out);
  if (!st) st = asl_bids_check_out_owner(a.out, "aslsweep");
  dbids_ckpt ck;
  if (!st) st = dbids_read_ckpt(a.checkpoint, &ck);
  int done = 0;
  if (!st) st = run_all(&a, &ck, &done);
  if (st) return fail(st);
  printf("%s: %d scan(s) denoised (derivatives dataset)\n", a.out, done);
  return CLI_OK;
}
