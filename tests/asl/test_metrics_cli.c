// `aslsweep metrics` end to end: writes NIfTI volumes, runs the binary and
// checks its numbers against asl_metrics_vol on the same files, plus its
// JSON form, mask option, exit statuses and messages.
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "asl/metrics.h"
#include "asl/nifti.h"
#include "asl/rng.h"
#include "harness.h"

static char dir[256];
static char exe[1024];

static void path_of(char *buf, size_t n, const char *name) { snprintf(buf, n, "%s/%s", dir, name); }

static void write_at(const asl_vol *v, const char *name) {
  char p[512];
  path_of(p, sizeof p, name);
  ASSERT_OK(asl_nifti_write(v, p));
}

static void read_at(asl_vol *v, const char *name) {
  char p[512];
  path_of(p, sizeof p, name);
  ASSERT_OK(asl_nifti_read(v, p));
}

// Runs `aslsweep metrics ARGS`; stdout into out, stderr into err; returns
// the exit status.
static int run(const char *args, char *out, size_t nout, char *err, size_t nerr) {
  char cmd[4096], errpath[512];
  path_of(errpath, sizeof errpath, "stderr.txt");
  snprintf(cmd, sizeof cmd, "%s metrics %s 2>%s", exe, args, errpath);
  FILE *p = popen(cmd, "r");
  if (!p) HARNESS_FAIL("popen %s", cmd);
  size_t n = fread(out, 1, nout - 1, p);
  out[n] = '\0';
  int st = pclose(p);
  FILE *e = fopen(errpath, "r");
  n = e ? fread(err, 1, nerr - 1, e) : 0;
  err[n] = '\0';
  if (e) fclose(e);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static double value_of(const char *text, const char *key) {
  char pat[64];
  snprintf(pat, sizeof pat, "%s=", key);
  const char *at = strstr(text, pat);
  if (!at) HARNESS_FAIL("no %s in output: %s", key, text);
  return strtod(at + strlen(pat), NULL);
}

TEST(metrics_cli_inputs_written_as_nifti) {
  asl_vol ref, pred, mask, other;
  ASSERT_OK(asl_vol_init(&ref, 24, 20, 14, 1));
  ASSERT_OK(asl_vol_init(&mask, 24, 20, 14, 1));
  ASSERT_OK(asl_vol_init(&other, 24, 20, 13, 1));
  asl_rng r;
  asl_rng_seed(&r, 4);
  for (size_t i = 0; i < asl_vol_nvox(&ref); i++) {
    int x = (int)(i % 24), y = (int)(i / 24 % 20), z = (int)(i / 480);
    ref.data[i] = (float)(50 + 20 * sin(0.3 * x) * cos(0.25 * y) + z);
    double dx = (x - 11.5) / 10, dy = (y - 9.5) / 8, dz = (z - 6.5) / 6;
    mask.data[i] = dx * dx + dy * dy + dz * dz <= 1.0 ? 1.0f : 0.0f;
  }
  ASSERT_OK(asl_vol_copy(&pred, &ref));
  for (size_t i = 0; i < asl_vol_nvox(&pred); i++) pred.data[i] += (float)(4 * asl_rng_normal(&r));
  write_at(&ref, "ref.nii.gz");
  write_at(&pred, "pred.nii.gz");
  write_at(&mask, "mask.nii.gz");
  write_at(&other, "other.nii");
  asl_vol_free(&ref), asl_vol_free(&pred), asl_vol_free(&mask), asl_vol_free(&other);
}

// The library's scores for the files as the binary reads them.
static asl_metrics library(const char *ref_name, const char *pred_name, const char *mask_name) {
  asl_vol ref, pred, mask;
  read_at(&ref, ref_name);
  read_at(&pred, pred_name);
  if (mask_name) read_at(&mask, mask_name);
  asl_metrics m;
  ASSERT_OK(asl_metrics_vol(&ref, &pred, mask_name ? &mask : NULL, &m));
  asl_vol_free(&ref), asl_vol_free(&pred);
  if (mask_name) asl_vol_free(&mask);
  return m;
}

static void expect_same(asl_metrics want, const char *out) {
  ASSERT_NEAR(want.ssim, value_of(out, "ssim"), 1e-9);
  ASSERT_NEAR(want.psnr, value_of(out, "psnr"), 1e-7);
  ASSERT_NEAR(want.nmae, value_of(out, "nmae"), 1e-9);
}

TEST(metrics_cli_key_value_matches_library) {
  char args[2048], out[4096], err[4096];
  snprintf(args, sizeof args, "--ref %s/ref.nii.gz --pred %s/pred.nii.gz", dir, dir);
  ASSERT_EQ(0, run(args, out, sizeof out, err, sizeof err));
  asl_metrics m = library("ref.nii.gz", "pred.nii.gz", NULL);
  ASSERT(m.ssim > 0.2 && m.ssim < 0.99);
  expect_same(m, out);
}

TEST(metrics_cli_mask_matches_library) {
  char args[2048], out[4096], err[4096];
  snprintf(args, sizeof args, "--ref %s/ref.nii.gz --pred %s/pred.nii.gz --mask %s/mask.nii.gz",
           dir, dir, dir);
  ASSERT_EQ(0, run(args, out, sizeof out, err, sizeof err));
  asl_metrics masked = library("ref.nii.gz", "pred.nii.gz", "mask.nii.gz");
  asl_metrics whole = library("ref.nii.gz", "pred.nii.gz", NULL);
  ASSERT(fabs(masked.ssim - whole.ssim) > 1e-3);
  expect_same(masked, out);
}

TEST(metrics_cli_json_object) {
  char args[2048], out[4096], err[4096];
  snprintf(args, sizeof args, "--json --ref %s/ref.nii.gz --pred %s/pred.nii.gz", dir, dir);
  ASSERT_EQ(0, run(args, out, sizeof out, err, sizeof err));
  double s, p, n;
  ASSERT_EQ(3, sscanf(out, "{\"ssim\": %lf, \"psnr\": %lf, \"nmae\": %lf}", &s, &p, &n));
  asl_metrics m = library("ref.nii.gz", "pred.nii.gz", NULL);
  ASSERT_NEAR(m.ssim, s, 1e-9);
  ASSERT_NEAR(m.psnr, p, 1e-7);
  ASSERT_NEAR(m.nmae, n, 1e-9);
}

TEST(metrics_cli_identical_volumes_print_psnr_inf) {
  char args[2048], out[4096], err[4096];
  snprintf(args, sizeof args, "--ref %s/ref.nii.gz --pred %s/ref.nii.gz", dir, dir);
  ASSERT_EQ(0, run(args, out, sizeof out, err, sizeof err));
  ASSERT(strstr(out, "psnr=inf\n") != NULL);
  ASSERT(strstr(out, "nmae=0\n") != NULL);
  ASSERT_NEAR(1.0, value_of(out, "ssim"), 1e-12);
  snprintf(args, sizeof args, "--json --ref %s/ref.nii.gz --pred %s/ref.nii.gz", dir, dir);
  ASSERT_EQ(0, run(args, out, sizeof out, err, sizeof err));
  ASSERT(strstr(out, "\"psnr\": null") != NULL);
}

TEST(metrics_cli_bad_input_exits_2_with_the_reason) {
  char args[2048], out[4096], err[4096];
  snprintf(args, sizeof args, "--ref %s/missing.nii.gz --pred %s/pred.nii.gz", dir, dir);
  ASSERT_EQ(2, run(args, out, sizeof out, err, sizeof err));
  ASSERT(strstr(err, "missing.nii.gz") != NULL);
  ASSERT_STR_EQ("", out);
  snprintf(args, sizeof args, "--ref %s/ref.nii.gz --pred %s/other.nii", dir, dir);
  ASSERT_EQ(2, run(args, out, sizeof out, err, sizeof err));
  ASSERT(strstr(err, "24x20x13") != NULL && strstr(err, "other.nii") != NULL);
  snprintf(args, sizeof args, "--ref %s/ref.nii.gz", dir);
  ASSERT_EQ(2, run(args, out, sizeof out, err, sizeof err));
  ASSERT(strstr(err, "--pred") != NULL);
  ASSERT_EQ(2, run("--ref a --pred b --bogus", out, sizeof out, err, sizeof err));
  ASSERT(strstr(err, "--bogus") != NULL);
  ASSERT_EQ(0, run("--help", out, sizeof out, err, sizeof err));
  ASSERT(strstr(out, "usage: aslsweep metrics") != NULL);
}

int main(void) {
#ifdef ASLSWEEP_EXE
  snprintf(exe, sizeof exe, "%s", ASLSWEEP_EXE);
#else
  const char *bin = getenv("ASLSWEEP_BINARY_DIR");
  snprintf(exe, sizeof exe, "%s/cli/aslsweep", bin ? bin : ".");
#endif
  if (access(exe, X_OK) != 0) {
    fprintf(stderr, "test_metrics_cli: no aslsweep binary at %s (build the aslsweep target)\n",
            exe);
    return 1;
  }
  snprintf(dir, sizeof dir, "/tmp/aslsweep_metrics_cli_XXXXXX");
  if (!mkdtemp(dir)) return fprintf(stderr, "mkdtemp failed\n"), 1;
  RUN(metrics_cli_inputs_written_as_nifti);
  RUN(metrics_cli_key_value_matches_library);
  RUN(metrics_cli_mask_matches_library);
  RUN(metrics_cli_json_object);
  RUN(metrics_cli_identical_volumes_print_psnr_inf);
  RUN(metrics_cli_bad_input_exits_2_with_the_reason);
  const char *names[] = {"ref.nii.gz", "pred.nii.gz", "mask.nii.gz", "other.nii", "stderr.txt"};
  for (int i = 0; i < 5; i++) {
    char p[512];
    path_of(p, sizeof p, names[i]);
    remove(p);
  }
  rmdir(dir);
  return DONE();
}
