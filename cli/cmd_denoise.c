// aslsweep denoise: a trained checkpoint applied to a new ASL scan
// (run/denoise.h does the work; this file parses the arguments).
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "denoise_bids.h"
#include "denoise_opts.h"
#include "run/denoise.h"

static const char usage_text[] =
    "usage: aslsweep denoise --checkpoint CKPT --asl ASL.nii.gz [--aslcontext TSV]\n"
    "                        [--m0 M0.nii.gz] [--mask MASK.nii.gz] -o OUT.nii.gz\n"
    "                        [--nav-post N] [--threads T] [--device cpu|cuda]\n"
    "       aslsweep denoise BIDS_DIR OUT_DIR participant --checkpoint CKPT [...]\n"
    "                        (BIDS-App form: `aslsweep denoise B O participant --help`)\n"
    "\n"
    "Applies a model trained by `aslsweep run` (DIR/checkpoints/job-NNNNN.ckpt and its\n"
    "sidecar job-NNNNN.ckpt.json) to a new scan, with the preprocessing of the sweep:\n"
    "subtraction, pre-averaging with the checkpoint's strategy and Nav, each image\n"
    "divided by its masked mean, the M0 channel when the model was trained with it,\n"
    "the whole volume through the network, the scale restored, post-averaging.\n"
    "\n"
    "  --checkpoint FILE  a train job's checkpoint; FILE.json must lie beside it\n"
    "  --asl FILE         4D ASL series (NIfTI), any matrix\n"
    "  --aslcontext TSV   volume types (control, label, deltam, m0scan, ...); default:\n"
    "                     the BIDS *_aslcontext.tsv beside the series if it exists,\n"
    "                     else every volume is a difference (deltam) image\n"
    "  --m0 FILE          M0 image on the ASL grid (default: the mean of the series'\n"
    "                     m0scan volumes); required when the model takes M0\n"
    "  --mask FILE        brain mask for the normalization (default: derived from M0,\n"
    "                     else from the mean control image, else the whole volume)\n"
    "  -o, --out FILE     output NIfTI (float32, the series' geometry): one volume per\n"
    "                     final image\n"
    "  --nav-post N       pre-averaged images per final image (default: the checkpoint's)\n"
    "  --threads T        engine threads (default: OpenMP's)\n"
    "  --device D         cpu (default) or cuda: run the network on the GPU (U-Net\n"
    "                     checkpoints only; docs/gpu.md)\n"
    "\n"
    "Exit status: 0 written, 2 bad usage or bad input (missing or corrupt checkpoint,\n"
    "grid or channel mismatch, Nav larger than the scan, M0 needed), 1 run-time failure.\n";

static int usage_error(const char *msg, const char *arg) {
  return denoise_usage_error(msg, arg, usage_text);
}

int cmd_denoise(int argc, char **argv) {
  if (dbids_wanted(argc, argv)) return dbids_main(argc, argv);
  if (cli_wants_help(argc, argv)) return fputs(usage_text, stdout), CLI_OK;
  static const struct option longopts[] = {{"checkpoint", required_argument, 0, 'c'},
                                           {"asl", required_argument, 0, 'a'},
                                           {"aslcontext", required_argument, 0, 'x'},
                                           {"m0", required_argument, 0, 'm'},
                                           {"mask", required_argument, 0, 'k'},
                                           {"out", required_argument, 0, 'o'},
                                           {"nav-post", required_argument, 0, 'p'},
                                           {"threads", required_argument, 0, 't'},
                                           {"device", required_argument, 0, 'd'},
                                           {0, 0, 0, 0}};
  run_denoise_opts o = {0};
  int c, rc;
  optind = 1;
  while ((c = getopt_long(argc, argv, "o:", longopts, NULL)) != -1) {
    if ((rc = denoise_common_option(c, optarg, &o.nav_post, &o.threads, usage_text)) >= 0) {
      if (rc) return rc;
      continue;
    }
    switch (c) {
    case 'c': o.checkpoint = optarg; break;
    case 'a': o.asl = optarg; break;
    case 'x': o.aslcontext = optarg; break;
    case 'm': o.m0 = optarg; break;
    case 'k': o.mask = optarg; break;
    case 'o': o.out = optarg; break;
    default: return usage_error("bad option", NULL);
    }
  }
  if (optind < argc) return usage_error("unexpected argument ", argv[optind]);
  if (!o.checkpoint || !o.asl || !o.out)
    return usage_error("--checkpoint, --asl and -o are required", NULL);
  run_denoise_info info;
  asl_status st = run_denoise(&o, &info);
  if (st) {
    fprintf(stderr, "aslsweep denoise: %s\n", asl_error_message());
    return asl_exit_code(st);
  }
  printf("%s: %d difference images, Nav %d -> %d images, nav_post %d -> %d volume(s); M0 %s, mask "
         "%s\n",
         o.out, info.n_deltam, info.nav, info.n_images, info.nav_post, info.n_final,
         info.m0 ? "used" : "not used", info.mask_source);
  return CLI_OK;
}
