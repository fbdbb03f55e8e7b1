// asl_bids_inspect on a small phantom dataset plus broken subjects: rows,
// problems, and SNR groups that match the phantom's noise tiers.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "asl/bids.h"
#include "asl/phantom.h"
#include "asl/subject.h"
#include "harness.h"

static char root[] = "/tmp/asl_test_inspect_XXXXXX";

static void run(const char *cmd) {
  if (system(cmd) != 0) HARNESS_FAIL("command failed: %s", cmd);
}

TEST(inspect_reports_every_subject_and_groups_by_noise_tier) {
  asl_phantom_opts o;
  asl_phantom_defaults(&o);
  o.subjects = 6, o.shape[0] = 24, o.shape[1] = 24, o.shape[2] = 12, o.timepoints = 8, o.seed = 3;
  ASSERT_OK(asl_phantom_write(&o, root));
  char cmd[1024];
  // sub-07: a copy of sub-01 whose table lists one row too many.
  snprintf(cmd, sizeof cmd,
           "cd %s && cp -r sub-01 sub-07 && cd sub-07/perf && for f in sub-01_*; do mv $f sub-07_${f#sub-01_}; done"
           " && echo control >> sub-07_aslcontext.tsv",
           root);
  run(cmd);
  asl_bids_report *rows;
  int n;
  ASSERT_OK(asl_bids_inspect(root, 2, 1, &rows, &n));
  ASSERT_EQ(7, n);
  for (int i = 0; i < 6; i++) {
    asl_bids_report *r = &rows[i];
    ASSERT_EQ(1, r->usable);
    ASSERT_EQ(24, r->nx);
    ASSERT_EQ(16, r->nt);
    ASSERT_EQ(8, r->n_deltam);
    ASSERT_STR_EQ("PCASL", r->labeling_type);
    ASSERT_STR_EQ("Separate", r->m0_type);
    ASSERT_EQ(ASL_MASK_FILE, r->mask_source);
    ASSERT(r->ssim > -1.0 && r->ssim < 1.0);
    ASSERT(r->nmae > 0.0);
    // Seed 3 is odd: sub-01, sub-03, sub-05 are the low-SNR tier -> group 0.
    ASSERT_EQ(i % 2 == 0 ? 0 : 1, r->group);
    printf("%s ssim %.3f nmae %.3f group %d\n", r->id, r->ssim, r->nmae, r->group);
  }
  ASSERT_STR_EQ("sub-07", rows[6].id);
  ASSERT_EQ(0, rows[6].usable);
  ASSERT_EQ(-1, rows[6].group);
  ASSERT(isnan(rows[6].ssim));
  ASSERT(strstr(rows[6].problem, "sub-07_asl.nii.gz"));
  ASSERT(strstr(rows[6].problem, "rows"));
  free(rows);
}

TEST(inspect_notes_absent_m0_and_still_scores) {
  char cmd[1024];
  snprintf(cmd, sizeof cmd,
           "cd %s/sub-02/perf && rm sub-02_m0scan.* && sed -i 's/\"Separate\"/\"Absent\"/' sub-02_asl.json", root);
  run(cmd);
  asl_bids_report *rows;
  int n;
  ASSERT_OK(asl_bids_inspect(root, 2, 1, &rows, &n));
  ASSERT_EQ(0, rows[1].has_m0);
  ASSERT_EQ(1, rows[1].usable);
  ASSERT(strstr(rows[1].problem, "no M0"));
  free(rows);
}

TEST(inspect_empty_or_missing_root_is_an_error) {
  asl_bids_report *rows;
  int n;
  ASSERT_EQ(ASL_ENOTFOUND, asl_bids_inspect("/nonexistent/bids", 2, 1, &rows, &n));
  char empty[] = "/tmp/asl_test_inspect_empty_XXXXXX";
  ASSERT(mkdtemp(empty));
  ASSERT_EQ(ASL_ENOTFOUND, asl_bids_inspect(empty, 2, 1, &rows, &n));
  ASSERT(strstr(asl_error_message(), "no subject found"));
  rmdir(empty);
}

int main(void) {
  if (!mkdtemp(root)) return 1;
  RUN(inspect_reports_every_subject_and_groups_by_noise_tier);
  RUN(inspect_notes_absent_m0_and_still_scores);
  RUN(inspect_empty_or_missing_root_is_an_error);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", root);
  if (system(cmd) != 0) return 1;
  return DONE();
}
