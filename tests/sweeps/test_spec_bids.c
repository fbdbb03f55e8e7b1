// BIDS-ASL data: subjects and their Nt from aslcontext.tsv alone (control/
// label pairs + deltam rows, m0scan ignored), relative paths against the
// spec's folder, and Nav checked against each subject's Nt.
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "spec_helpers.h"

static char root[256];

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  ASSERT(f != NULL);
  fputs(text, f);
  fclose(f);
}

// sub-01: m0scan + 8 control/label pairs (Nt 8); sub-02: 2 pairs + 1 deltam
// (Nt 3); sub-03 when asked: a perf/ folder without aslcontext.tsv.
static void make_dataset(int broken) {
  char path[512];
  snprintf(root, sizeof root, "/tmp/aslsweep-bids-test-%d", (int)getpid());
  mkdir(root, 0755);
  snprintf(path, sizeof path, "%s/ds", root);
  mkdir(path, 0755);
  const char *ids[] = {"sub-02", "sub-01", "sub-03"};
  for (int s = 0; s < (broken ? 3 : 2); s++) {
    snprintf(path, sizeof path, "%s/ds/%s", root, ids[s]);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/ds/%s/perf", root, ids[s]);
    mkdir(path, 0755);
  }
  char tsv[512] = "volume_type\nm0scan\n";
  for (int i = 0; i < 8; i++) strcat(tsv, "control\nlabel\n");
  snprintf(path, sizeof path, "%s/ds/sub-01/perf/sub-01_aslcontext.tsv", root);
  write_file(path, tsv);
  snprintf(path, sizeof path, "%s/ds/sub-02/perf/sub-02_aslcontext.tsv", root);
  write_file(path, "volume_type\r\nLabel\r\nControl\r\nlabel\r\ncontrol\r\ndeltam\r\n");
  snprintf(path, sizeof path, "%s/ds/README", root); // not a subject
  write_file(path, "x\n");
}

static void remove_dataset(void) {
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
  ASSERT(system(cmd) == 0);
}

static asl_status load_file(sweep_plan *p, sweep_diags *d, const char *text, char *path,
                            size_t size) {
  snprintf(path, size, "%s/spec.yaml", root);
  write_file(path, text);
  return sweep_plan_load(p, d, path, 0, NULL);
}

TEST(subjects_and_nt_come_from_aslcontext) {
  make_dataset(0);
  sweep_plan p;
  sweep_diags d;
  char path[512];
  ASSERT_OK(load_file(&p, &d, "data: {bids: ds}\nfolds: 2\nsweep: {nav: [1, 2]}\n", path,
                      sizeof path));
  ASSERT_EQ(2, p.n_subjects);
  ASSERT_STR_EQ("sub-01", p.subject_ids[0]);
  ASSERT_EQ(8, p.subject_nt[0]);
  ASSERT_EQ(3, p.subject_nt[1]);
  char want[512];
  snprintf(want, sizeof want, "%s/ds", root); // relative to the spec's folder
  ASSERT_STR_EQ(want, p.bids_root);
  ASSERT_STR_EQ("spec", p.name); // the file's stem
  sweep_plan_free(&p);
  // Nav 4 exceeds sub-02's Nt of 3; Nav 3 = Nt of sub-02 would be GT100.
  ASSERT_EQ(ASL_ESPEC, load_file(&p, &d, "data: {bids: ds}\nfolds: 2\nsweep: {nav: [1, 3, 4]}\n",
                                 path, sizeof path));
  char at[600];
  snprintf(at, sizeof at, "%s:3:21: error: nav 4 is larger than Nt = 3 of sub-02", path);
  ASSERT(diag_at(&d, at));
  snprintf(at, sizeof at, "%s:3:18: error: nav 3 x nav_post 1 = Nt = 3 of sub-02", path);
  ASSERT(diag_at(&d, at));
  ASSERT_EQ(2, d.n);
  sweep_diags_free(&d);
  // remainder: error refuses Nav 2 (3 is odd) but not Nav 1.
  ASSERT_EQ(ASL_ESPEC, load_file(&p, &d,
                                 "data: {bids: ds}\nfolds: 2\nremainder: error\nsweep: {nav: [1, 2]}\n",
                                 path, sizeof path));
  ASSERT(diag_has(&d, "nav 2 does not divide Nt = 3 of sub-02"));
  ASSERT_EQ(1, d.n);
  sweep_diags_free(&d);
  remove_dataset();
}

TEST(subject_without_aslcontext_is_reported) {
  make_dataset(1);
  sweep_plan p;
  sweep_diags d;
  char path[512], want[1200];
  ASSERT_EQ(ASL_ESPEC, load_file(&p, &d, "folds: 2\ndata:\n  bids: ds\nsweep: {nav: 1}\n", path,
                                 sizeof path));
  snprintf(want, sizeof want, "%s:3:9: error: %s/ds/sub-03/perf: no ASL series (sub-03_asl.nii.gz",
           path, root);
  ASSERT(diag_at(&d, want));
  sweep_diags_free(&d);
  remove_dataset();
}

// The planner counts Nt as subtraction pairs the volumes (asl/): two controls
// then two labels pair nothing, so validate refuses what the run would.
TEST(unpaired_control_is_refused_as_loading_refuses_it) {
  make_dataset(0);
  char path[512], tsv[600];
  snprintf(tsv, sizeof tsv, "%s/ds/sub-02/perf/sub-02_aslcontext.tsv", root);
  write_file(tsv, "volume_type\ncontrol\ncontrol\nlabel\nlabel\n");
  sweep_plan p;
  sweep_diags d;
  ASSERT_EQ(ASL_ESPEC, load_file(&p, &d, "folds: 2\ndata:\n  bids: ds\nsweep: {nav: 1}\n", path,
                                 sizeof path));
  char want[1400];
  snprintf(want, sizeof want, "%s:3:9: error: %s: volume 0 (control, row 2) has no adjacent label",
           path, tsv);
  ASSERT(diag_at(&d, want));
  sweep_diags_free(&d);
  remove_dataset();
}

// Sessions, runs and a multi-delay series: tables and sidecars alone.
// sub-01: ses-1 run-1 and run-2 (4 pairs each), ses-2 with 8 pairs at two
// delays; sub-02: ses-1 (2 pairs). The dataset-level asl.json is inherited.
static void make_sessions(void) {
  char path[600], tsv4[256] = "volume_type\n", tsv8[512] = "volume_type\n";
  snprintf(root, sizeof root, "/tmp/aslsweep-bids-test-%d", (int)getpid());
  mkdir(root, 0755);
  const char *dirs[] = {"ds", "ds/sub-01", "ds/sub-01/ses-1", "ds/sub-01/ses-1/perf", "ds/sub-01/ses-2",
                        "ds/sub-01/ses-2/perf", "ds/sub-02", "ds/sub-02/ses-1", "ds/sub-02/ses-1/perf"};
  for (int i = 0; i < 9; i++) {
    snprintf(path, sizeof path, "%s/%s", root, dirs[i]);
    mkdir(path, 0755);
  }
  for (int i = 0; i < 4; i++) strcat(tsv4, "control\nlabel\n");
  for (int i = 0; i < 8; i++) strcat(tsv8, "control\nlabel\n");
  snprintf(path, sizeof path, "%s/ds/asl.json", root);
  write_file(path, "{\"ArterialSpinLabelingType\": \"PCASL\", \"M0Type\": \"Absent\"}\n");
  snprintf(path, sizeof path, "%s/ds/sub-01/ses-1/perf/sub-01_ses-1_run-1_aslcontext.tsv", root);
  write_file(path, tsv4);
  snprintf(path, sizeof path, "%s/ds/sub-01/ses-1/perf/sub-01_ses-1_run-2_aslcontext.tsv", root);
  write_file(path, tsv4);
  snprintf(path, sizeof path, "%s/ds/sub-01/ses-2/perf/sub-01_ses-2_aslcontext.tsv", root);
  write_file(path, tsv8);
  snprintf(path, sizeof path, "%s/ds/sub-01/ses-2/perf/sub-01_ses-2_asl.json", root);
  write_file(path, "{\"PostLabelingDelay\": [1.5,1.5,1.5,1.5,1.5,1.5,2,2,2,2,2,2,2,2,2,2]}\n");
  snprintf(path, sizeof path, "%s/ds/sub-02/ses-1/perf/sub-02_ses-1_aslcontext.tsv", root);
  write_file(path, "volume_type\ncontrol\nlabel\ncontrol\nlabel\n");
}

TEST(sessions_runs_and_delays_become_scans_with_one_fold_per_participant) {
  make_sessions();
  sweep_plan p;
  sweep_diags d;
  char path[512];
  ASSERT_OK(load_file(&p, &d, "data: {bids: ds, pld: all}\nfolds: 2\nsweep: {nav: 1}\n", path, sizeof path));
  const char *want[] = {"sub-01_ses-1_run-1", "sub-01_ses-1_run-2", "sub-01_ses-2_pld-1500ms",
                        "sub-01_ses-2_pld-2000ms", "sub-02_ses-1"};
  const int nt[] = {4, 4, 3, 5, 2};
  ASSERT_EQ(5, p.n_subjects);
  for (int i = 0; i < 5; i++) {
    ASSERT_STR_EQ(want[i], p.subject_ids[i]);
    ASSERT_EQ(nt[i], p.subject_nt[i]);
  }
  int f0 = sweep_subject_fold(&p, 5, 0);
  for (int i = 1; i < 4; i++) ASSERT_EQ(f0, sweep_subject_fold(&p, 5, i));
  ASSERT(f0 != sweep_subject_fold(&p, 5, 4)); // two participants, two folds
  sweep_plan_free(&p);
  // One delay; a session and a participant filter.
  ASSERT_OK(load_file(&p, &d, "data: {bids: ds, pld: 2.0, participants: ['01', sub-02], sessions: [ses-2, '1']}\n"
                              "folds: 2\nsweep: {nav: 1}\n", path, sizeof path));
  ASSERT_EQ(5 - 1, p.n_subjects);
  ASSERT_STR_EQ("sub-01_ses-2", p.subject_ids[2]);
  ASSERT_EQ(5, p.subject_nt[2]); // the 2.0 s volumes
  ASSERT_EQ(2, sweep_n_participants(&p));
  ASSERT(p.masks_root == NULL);
  sweep_plan_free(&p);
  ASSERT_OK(load_file(&p, &d, "data: {bids: ds, pld: all, masks: derivatives/aslprep}\nfolds: 2\nsweep: {nav: 1}\n",
                      path, sizeof path));
  char want_masks[600];
  snprintf(want_masks, sizeof want_masks, "%s/derivatives/aslprep", root); // relative to the spec
  ASSERT_STR_EQ(want_masks, p.masks_root);
  asl_bids_query q;
  sweep_bids_query(&p, &q);
  ASSERT(q.pld_all == 1 && q.masks == p.masks_root && q.n_participants == 0);
  sweep_plan_free(&p);
  ASSERT_EQ(ASL_ESPEC, load_file(&p, &d, "data: {bids: ds, participants: '02'}\nfolds: 2\nsnr_groups: {k: 1}\n"
                                 "sweep: {nav: 1}\n", path, sizeof path));
  ASSERT(diag_has(&d, "2 folds need at least 2 subjects; the data has 1"));
  sweep_diags_free(&d);
  // Three scans of one participant are still one subject for the folds.
  ASSERT_EQ(ASL_ESPEC, load_file(&p, &d, "data: {bids: ds, pld: all, participants: '01'}\nfolds: 2\nsweep: {nav: 1}\n",
                                 path, sizeof path));
  ASSERT(diag_has(&d, "2 folds need at least 2 subjects; the data has 1"));
  sweep_diags_free(&d);
  remove_dataset();
}

TEST(sessions_bad_choices_are_refused_at_their_line) {
  make_sessions();
  sweep_plan p;
  sweep_diags d;
  char path[512], want[1200];
  ASSERT_EQ(ASL_ESPEC, load_file(&p, &d, "folds: 2\ndata:\n  bids: ds\nsweep: {nav: 1}\n", path, sizeof path));
  snprintf(want, sizeof want, "%s:3:9: error: %s/ds/sub-01/ses-2/perf/sub-01_ses-2_asl.json: multi-delay", path, root);
  ASSERT(diag_at(&d, want));
  ASSERT(diag_has(&d, "data.pld: all"));
  sweep_diags_free(&d);
  ASSERT_EQ(ASL_ESPEC, load_file(&p, &d, "folds: 2\ndata:\n  bids: ds\n  pld: 1.8\nsweep: {nav: 1}\n", path, sizeof path));
  ASSERT(diag_has(&d, "no volume has PostLabelingDelay 1.8 s (the series has 1.5, 2)"));
  sweep_diags_free(&d);
  ASSERT_EQ(ASL_ESPEC, load_file(&p, &d, "folds: 2\ndata:\n  bids: ds\n  pld: soon\nsweep: {nav: 1}\n", path, sizeof path));
  snprintf(want, sizeof want, "%s:4:8: error: data.pld must be", path);
  ASSERT(diag_at(&d, want));
  ASSERT_EQ(1, d.n); // not also "choose a delay"
  sweep_diags_free(&d);
  ASSERT_EQ(ASL_ESPEC, load_file(&p, &d, "folds: 2\ndata:\n  bids: ds\n  pld: all\n  participants: ['07']\nsweep: {nav: 1}\n", path, sizeof path));
  ASSERT(diag_has(&d, "participant label \"07\" does not exist (the dataset has sub-01, sub-02)"));
  sweep_diags_free(&d);
  ASSERT_EQ(ASL_ESPEC, load_file(&p, &d, "folds: 2\ndata:\n  bids: ds\n  pld: all\n  sessions: '3'\nsweep: {nav: 1}\n", path, sizeof path));
  ASSERT(diag_has(&d, "session \"3\""));
  sweep_diags_free(&d);
  ASSERT_EQ(ASL_ESPEC, load_file(&p, &d, "folds: 2\ndata:\n  phantom: {}\n  pld: all\nsweep: {nav: 1}\n", path, sizeof path));
  ASSERT(diag_has(&d, "data.pld applies to `bids:` data only"));
  sweep_diags_free(&d);
  remove_dataset();
}

int main(void) {
  RUN(subjects_and_nt_come_from_aslcontext);
  RUN(subject_without_aslcontext_is_reported);
  RUN(unpaired_control_is_refused_as_loading_refuses_it);
  RUN(sessions_runs_and_delays_become_scans_with_one_fold_per_participant);
  RUN(sessions_bad_choices_are_refused_at_their_line);
  return DONE();
}
