// aslsweep metrics: SSIM, PSNR and NMAE of a prediction against a reference,
// computed by asl_metrics_vol exactly as the sweeps score final images.
#include <getopt.h>
#include <math.h>
#include <stdio.h>

#include "asl/metrics.h"
#include "asl/nifti.h"
#include "cli.h"

static const char usage_text[] =
    "usage: aslsweep metrics --ref REF.nii.gz --pred PRED.nii.gz [--mask MASK.nii.gz] [--json]\n"
    "\n"
    "Scores one 3D prediction against a 3D reference on the same grid:\n"
    "  ssim  3D SSIM, Gaussian window sigma 1.5 (11 taps), K1 0.01, K2 0.03, data range\n"
    "        R = max-min of the reference inside the mask, 5-voxel border cropped\n"
    "        (as scikit-image); every side must be at least 11 voxels\n"
    "  psnr  10 log10(R^2 / MSE inside the mask); inf when the volumes are equal\n"
    "  nmae  mean |pred - ref| / mean |ref| inside the mask\n"
    "\n"
    "  --ref FILE    reference volume (NIfTI, .nii or .nii.gz)\n"
    "  --pred FILE   predicted volume, same grid as the reference\n"
    "  --mask FILE   optional mask, nonzero voxels inside; both volumes count as 0 outside\n"
    "  --json        one JSON object {\"ssim\":..,\"psnr\":..,\"nmae\":..} (psnr null when inf)\n"
    "                instead of key=value lines\n"
    "\n"
    "Exit status: 0 scored, 2 bad usage or bad input (missing file, shape mismatch,\n"
    "constant reference), 1 run-time failure.\n";

static int fail(asl_status s) {
  fprintf(stderr, "aslsweep metrics: %s\n", asl_error_message());
  return asl_exit_code(s);
}

static void print_number(const char *key, double v, int json, const char *sep) {
  if (json && !isfinite(v))
    printf("\"%s\": null%s", key, sep);
  else if (json)
    printf("\"%s\": %.10g%s", key, v, sep);
  else if (isinf(v))
    printf("%s=%s\n", key, v > 0 ? "inf" : "-inf");
  else
    printf("%s=%.10g\n", key, v);
}

static int score(const char *ref_path, const char *pred_path, const char *mask_path, int json) {
  asl_vol ref = {0}, pred = {0}, mask = {0};
  asl_metrics m;
  asl_status s = asl_nifti_read(&ref, ref_path);
  if (s == ASL_OK) s = asl_nifti_read(&pred, pred_path);
  if (s == ASL_OK && mask_path) s = asl_nifti_read(&mask, mask_path);
  if (s == ASL_OK) {
    s = asl_metrics_vol(&ref, &pred, mask_path ? &mask : NULL, &m);
    if (s == ASL_ESHAPE) {
      char why[1024];
      snprintf(why, sizeof why, "%s", asl_error_message());
      asl_fail(s, "%s vs %s%s%s: %s", pred_path, ref_path, mask_path ? " with mask " : "",
               mask_path ? mask_path : "", why);
    }
  }
  asl_vol_free(&ref), asl_vol_free(&pred), asl_vol_free(&mask);
  if (s != ASL_OK) return fail(s);
  if (json) fputs("{", stdout);
  print_number("ssim", m.ssim, json, ", ");
  print_number("psnr", m.psnr, json, ", ");
  print_number("nmae", m.nmae, json, "}\n");
  return CLI_OK;
}

int cmd_metrics(int argc, char **argv) {
  if (cli_wants_help(argc, argv)) return fputs(usage_text, stdout), CLI_OK;
  static const struct option longopts[] = {{"ref", required_argument, 0, 'r'},
                                           {"pred", required_argument, 0, 'p'},
                                           {"mask", required_argument, 0, 'm'},
                                           {"json", no_argument, 0, 'j'},
                                           {0, 0, 0, 0}};
  const char *ref = NULL, *pred = NULL, *mask = NULL;
  int json = 0, c;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    switch (c) {
      case 'r': ref = optarg; break;
      case 'p': pred = optarg; break;
      case 'm': mask = optarg; break;
      case 'j': json = 1; break;
      default:
        fprintf(stderr, "aslsweep metrics: unknown option or missing value in '%s' "
                        "(see aslsweep metrics --help)\n", argv[optind - 1]);
        return CLI_USAGE;
    }
  }
  if (optind < argc) {
    fprintf(stderr, "aslsweep metrics: unexpected argument '%s' (see aslsweep metrics --help)\n",
            argv[optind]);
    return CLI_USAGE;
  }
  if (!ref || !pred) {
    fprintf(stderr, "aslsweep metrics: --ref and --pred are required (see aslsweep metrics "
                    "--help)\n");
    return CLI_USAGE;
  }
  return score(ref, pred, mask, json);
}
