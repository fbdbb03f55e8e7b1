// The phantom: determinism, shapes, CBF levels of the noise-free truth,
// subject noise tiers, and the written dataset read back by the BIDS reader.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asl/bids.h"
#include "asl/nifti.h"
#include "asl/phantom.h"
#include "asl/subject.h"
#include "harness.h"

static asl_phantom_opts small_opts(void) {
  asl_phantom_opts o;
  asl_phantom_defaults(&o);
  o.shape[0] = 32, o.shape[1] = 32, o.shape[2] = 16;
  o.timepoints = 6;
  o.seed = 7;
  return o;
}

static asl_phantom_anatomy anat;

TEST(phantom_defaults_match_the_documented_ones) {
  asl_phantom_opts o;
  asl_phantom_defaults(&o);
  ASSERT_EQ(12, o.subjects);
  ASSERT_EQ(64, o.shape[0]);
  ASSERT_EQ(64, o.shape[1]);
  ASSERT_EQ(32, o.shape[2]);
  ASSERT_EQ(32, o.timepoints);
}

TEST(phantom_anatomy_has_brain_sized_tissue_fractions) {
  double gm = 0, wm = 0, csf = 0;
  size_t n = asl_vol_nvox(&anat.gm), labelled = 0;
  for (size_t i = 0; i < n; i++) {
    gm += anat.gm.data[i], wm += anat.wm.data[i], csf += anat.csf.data[i];
    ASSERT(anat.gm.data[i] + anat.wm.data[i] + anat.csf.data[i] <= 1.0001f);
    labelled += anat.region.data[i] > 0;
  }
  double brain = gm + wm + csf;
  ASSERT(brain > 0.2 * n && brain < 0.7 * n); // brain fills the box with a margin
  ASSERT(gm / brain > 0.4 && gm / brain < 0.7);
  ASSERT(wm / brain > 0.25 && wm / brain < 0.5);
  ASSERT(labelled > n / 10);
  ASSERT(anat.gm.dx > 5.0 && anat.gm.dx < 7.0); // 32 voxels across ~190 mm
  ASSERT_NEAR(anat.gm.dx, anat.gm.dy, 1e-5);
}

TEST(phantom_subject_is_deterministic_from_seed_and_id) {
  asl_phantom_opts o = small_opts();
  asl_phantom_subject a, b, c;
  ASSERT_OK(asl_phantom_subject_make(&a, &anat, &o, 0));
  ASSERT_OK(asl_phantom_subject_make(&b, &anat, &o, 0));
  size_t bytes = asl_vol_nvox(&a.asl) * a.asl.nt * sizeof(float);
  ASSERT_EQ(0, memcmp(a.asl.data, b.asl.data, bytes));
  ASSERT_EQ(0, memcmp(a.cbf.data, b.cbf.data, asl_vol_nvox(&a.cbf) * sizeof(float)));
  o.seed = 8;
  ASSERT_OK(asl_phantom_subject_make(&c, &anat, &o, 0));
  ASSERT(memcmp(a.asl.data, c.asl.data, bytes) != 0);
  ASSERT(memcmp(a.cbf.data, c.cbf.data, asl_vol_nvox(&a.cbf) * sizeof(float)) != 0);
  asl_phantom_subject_free(&a), asl_phantom_subject_free(&b), asl_phantom_subject_free(&c);
}

TEST(phantom_subject_shapes_and_volume_types) {
  asl_phantom_opts o = small_opts();
  asl_phantom_subject s;
  ASSERT_OK(asl_phantom_subject_make(&s, &anat, &o, 1));
  ASSERT_STR_EQ("sub-02", s.id);
  ASSERT_EQ(32, s.asl.nx);
  ASSERT_EQ(32, s.asl.ny);
  ASSERT_EQ(16, s.asl.nz);
  ASSERT_EQ(12, s.asl.nt);
  for (int t = 0; t < 12; t++) ASSERT_EQ(t % 2 ? ASL_VOL_LABEL : ASL_VOL_CONTROL, s.vol_type[t]);
  asl_vol *maps[] = {&s.m0, &s.mask, &s.cbf, &s.deltam, &s.gm, &s.wm};
  for (int k = 0; k < 6; k++) {
    ASSERT_EQ(1, maps[k]->nt);
    ASSERT_EQ(32 * 32 * 16, (long long)asl_vol_nvox(maps[k]));
  }
  asl_phantom_subject_free(&s);
}

// Least squares cbf ~ a*gm + b*wm over the brain: a and b are the pure GM and
// WM perfusion levels the model was built with.
TEST(phantom_noise_free_cbf_is_60_in_gm_and_20_in_wm) {
  asl_phantom_opts o = small_opts();
  double sgg = 0, sgw = 0, sww = 0, sgc = 0, swc = 0;
  for (int i = 0; i < 4; i++) {
    asl_phantom_subject s;
    ASSERT_OK(asl_phantom_subject_make(&s, &anat, &o, i));
    for (size_t v = 0; v < asl_vol_nvox(&s.cbf); v++) {
      double g = s.gm.data[v], w = s.wm.data[v], c = s.cbf.data[v];
      sgg += g * g, sgw += g * w, sww += w * w, sgc += g * c, swc += w * c;
    }
    asl_phantom_subject_free(&s);
  }
  double det = sgg * sww - sgw * sgw;
  double a = (sgc * sww - swc * sgw) / det, b = (swc * sgg - sgc * sgw) / det;
  printf("GM CBF %.1f, WM CBF %.1f ml/100g/min\n", a, b);
  ASSERT_NEAR(60.0, a, 6.0);
  ASSERT_NEAR(20.0, b, 3.0);
}

// Thermal noise measured from the background (no tissue) of two volumes.
static double measured_noise(const asl_phantom_subject *s) {
  double sum = 0;
  size_t n = 0;
  const float *a = asl_vol_frame(&s->asl, 0), *b = asl_vol_frame(&s->asl, 2);
  for (size_t i = 0; i < asl_vol_nvox(&s->asl); i++)
    if (s->m0.data[i] < 5.0f && s->gm.data[i] == 0.0f && s->wm.data[i] == 0.0f)
      sum += (a[i] - b[i]) * (a[i] - b[i]), n++;
  return sqrt(sum / n / 2.0);
}

TEST(phantom_subjects_noise_levels_form_two_tiers) {
  asl_phantom_opts o = small_opts();
  double lo_max = 0, hi_min = 1e30;
  for (int i = 0; i < 6; i++) {
    asl_phantom_subject s;
    ASSERT_OK(asl_phantom_subject_make(&s, &anat, &o, i));
    double m = measured_noise(&s);
    ASSERT_NEAR(s.noise_sd, m, 0.1 * s.noise_sd);
    ASSERT_EQ((i + 1) % 2, s.low_snr); // seed 7 is odd: sub-01 starts low
    if (s.low_snr) hi_min = fmin(hi_min, m);
    else lo_max = fmax(lo_max, m);
    asl_phantom_subject_free(&s);
  }
  printf("largest high-SNR noise %.2f, smallest low-SNR noise %.2f\n", lo_max, hi_min);
  ASSERT(hi_min > 1.5 * lo_max);
}

TEST(phantom_deltam_follows_the_kinetic_model_on_average) {
  asl_phantom_opts o = small_opts();
  o.timepoints = 16;
  asl_phantom_subject s;
  ASSERT_OK(asl_phantom_subject_make(&s, &anat, &o, 1));
  double clean = 0, meas = 0, ratio = 0;
  size_t n = 0;
  for (size_t i = 0; i < asl_vol_nvox(&s.asl); i++) {
    if (s.gm.data[i] < 0.5f) continue;
    double d = 0;
    for (int p = 0; p < 16; p++) d += asl_vol_frame(&s.asl, 2 * p)[i] - asl_vol_frame(&s.asl, 2 * p + 1)[i];
    meas += d / 16, clean += s.deltam.data[i], n++;
    ratio += s.deltam.data[i] / (s.m0.data[i] * s.cbf.data[i]);
  }
  // pCASL, PLD 1.8 s, tau 1.8 s: deltam/M0 ~ 0.7% at 60 ml/100g/min.
  double expect = 2 * 0.85 * 1.65 * exp(-1.8 / 1.65) * (1 - exp(-1.8 / 1.65)) / (6000 * 0.9);
  ASSERT_NEAR(expect, ratio / n, 0.03 * expect); // M0 here carries 1% noise
  ASSERT_NEAR(1.0, meas / clean, 0.15); // drift, motion and noise average out
  asl_phantom_subject_free(&s);
}

TEST(phantom_hypoperfusion_lowers_cbf_of_every_third_subject) {
  asl_phantom_opts o = small_opts();
  o.hypoperfusion = 1;
  asl_phantom_subject a, b;
  ASSERT_OK(asl_phantom_subject_make(&a, &anat, &o, 2));
  o.hypoperfusion = 0;
  ASSERT_OK(asl_phantom_subject_make(&b, &anat, &o, 2));
  ASSERT_EQ(1, a.hypoperfused);
  ASSERT_EQ(0, b.hypoperfused);
  size_t lower = 0;
  for (size_t i = 0; i < asl_vol_nvox(&a.cbf); i++) {
    ASSERT(a.cbf.data[i] <= b.cbf.data[i] + 1e-4f);
    lower += a.cbf.data[i] < 0.5f * b.cbf.data[i];
  }
  ASSERT(lower > 20);
  asl_phantom_subject_free(&a), asl_phantom_subject_free(&b);
}

TEST(phantom_missing_templates_name_the_package) {
  asl_phantom_opts o = small_opts();
  o.template_dir = "/nonexistent/templates";
  asl_phantom_anatomy a;
  ASSERT_EQ(ASL_ENOTFOUND, asl_phantom_anatomy_load(&a, &o));
  ASSERT(strstr(asl_error_message(), "mricron-data"));
}

static void check_written(const char *root, int pasl) {
  char **ids;
  int n;
  ASSERT_OK(asl_bids_list_subjects(root, &ids, &n));
  ASSERT_EQ(2, n);
  for (int i = 0; i < n; i++) {
    asl_subject s;
    ASSERT_OK(asl_subject_load(&s, root, ids[i]));
    char tsv[512];
    snprintf(tsv, sizeof tsv, "%s/%s/perf/%s_aslcontext.tsv", root, ids[i], ids[i]);
    int *types, rows;
    ASSERT_OK(asl_bids_read_aslcontext(tsv, &types, &rows));
    ASSERT_EQ(rows, s.asl.nt); // aslcontext rows match the 4th dimension
    ASSERT_EQ(8, rows);
    free(types);
    ASSERT_STR_EQ(pasl ? "PASL" : "PCASL", s.labeling_type);
    ASSERT_NEAR(pasl ? 0.8 : 1.8, s.labeling_duration, 1e-9);
    ASSERT_EQ(1, s.has_m0);
    ASSERT_EQ(ASL_MASK_FILE, s.mask_source);
    ASSERT_EQ(1, s.background_suppression);
    asl_subject_free(&s);
  }
  asl_bids_free_list(ids, n);
  char p[512];
  snprintf(p, sizeof p, "%s/derivatives/phantom/sub-02/perf/sub-02_desc-noisefree_cbf.nii.gz", root);
  asl_vol cbf;
  ASSERT_OK(asl_nifti_read(&cbf, p));
  asl_vol_free(&cbf);
}

TEST(phantom_written_dataset_loads_back_through_the_bids_reader) {
  char root[] = "/tmp/asl_test_phantom_XXXXXX";
  ASSERT(mkdtemp(root));
  asl_phantom_opts o = small_opts();
  o.subjects = 2, o.timepoints = 4;
  ASSERT_OK(asl_phantom_write(&o, root));
  check_written(root, 0);
  o.pasl = 1;
  ASSERT_OK(asl_phantom_write(&o, root)); // rewrites in place
  check_written(root, 1);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", root);
  ASSERT_EQ(0, system(cmd));
}

static long file_bytes(const char *path, char **data) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  *data = malloc((size_t)n);
  if (fread(*data, 1, (size_t)n, f) != (size_t)n) n = -1;
  fclose(f);
  return n;
}

TEST(phantom_dataset_does_not_depend_on_thread_count) {
  char r1[] = "/tmp/asl_test_phantom_XXXXXX", r2[] = "/tmp/asl_test_phantom_XXXXXX";
  ASSERT(mkdtemp(r1) && mkdtemp(r2));
  asl_phantom_opts o = small_opts();
  o.subjects = 3, o.timepoints = 2, o.threads = 1;
  ASSERT_OK(asl_phantom_write(&o, r1));
  o.threads = 3;
  ASSERT_OK(asl_phantom_write(&o, r2));
  const char *files[] = {"sub-03/perf/sub-03_asl.nii.gz", "sub-01/perf/sub-01_m0scan.nii.gz",
                         "derivatives/phantom/participants.tsv"};
  for (int k = 0; k < 3; k++) {
    char p1[512], p2[512], *d1 = NULL, *d2 = NULL;
    snprintf(p1, sizeof p1, "%s/%s", r1, files[k]);
    snprintf(p2, sizeof p2, "%s/%s", r2, files[k]);
    long n1 = file_bytes(p1, &d1), n2 = file_bytes(p2, &d2);
    ASSERT(n1 > 0);
    ASSERT_EQ(n1, n2);
    int same = memcmp(d1, d2, (size_t)n1) == 0;
    free(d1), free(d2);
    ASSERT(same);
  }
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s %s", r1, r2);
  ASSERT_EQ(0, system(cmd));
}

int main(void) {
  asl_phantom_opts o = small_opts();
  if (asl_phantom_anatomy_load(&anat, &o) != ASL_OK) {
    fprintf(stderr, "%s\n", asl_error_message());
    return 1;
  }
  RUN(phantom_defaults_match_the_documented_ones);
  RUN(phantom_anatomy_has_brain_sized_tissue_fractions);
  RUN(phantom_subject_is_deterministic_from_seed_and_id);
  RUN(phantom_subject_shapes_and_volume_types);
  RUN(phantom_noise_free_cbf_is_60_in_gm_and_20_in_wm);
  RUN(phantom_subjects_noise_levels_form_two_tiers);
  RUN(phantom_deltam_follows_the_kinetic_model_on_average);
  RUN(phantom_hypoperfusion_lowers_cbf_of_every_third_subject);
  RUN(phantom_missing_templates_name_the_package);
  RUN(phantom_written_dataset_loads_back_through_the_bids_reader);
  RUN(phantom_dataset_does_not_depend_on_thread_count);
  asl_phantom_anatomy_free(&anat);
  return DONE();
}
