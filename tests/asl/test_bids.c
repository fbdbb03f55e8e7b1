// BIDS pieces: subject listing, aslcontext.tsv parsing, sidecar fields.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "asl/bids.h"
#include "asl/subject.h"
#include "harness.h"

static char root[256];

static void touch_dir(const char *rel) {
  char p[512];
  snprintf(p, sizeof p, "%s/%s", root, rel);
  ASSERT_EQ(0, mkdir(p, 0755));
}

TEST(bids_lists_sorted_subjects_with_perf) {
  touch_dir("sub-10"), touch_dir("sub-10/perf");
  touch_dir("sub-02"), touch_dir("sub-02/perf");
  touch_dir("sub-03"); // no perf/: not an ASL subject
  touch_dir("derivatives"), touch_dir("sub-"), touch_dir("sub-/perf");
  char p[512];
  snprintf(p, sizeof p, "%s/sub-04", root);
  FILE *f = fopen(p, "w"); // a file, not a folder
  fclose(f);
  char **ids;
  int n;
  ASSERT_OK(asl_bids_list_subjects(root, &ids, &n));
  ASSERT_EQ(2, n);
  ASSERT_STR_EQ("sub-02", ids[0]);
  ASSERT_STR_EQ("sub-10", ids[1]);
  asl_bids_free_list(ids, n);
}

TEST(bids_missing_root_is_an_error_naming_it) {
  char **ids;
  int n;
  ASSERT_EQ(ASL_ENOTFOUND, asl_bids_list_subjects("/nonexistent/bids", &ids, &n));
  ASSERT(strstr(asl_error_message(), "/nonexistent/bids"));
  ASSERT(ids == NULL && n == 0);
}

// An id too long for the id fields used to vanish from the listing (and so
// from inspect and run) without a word; ids of real datasets are longer
// than the 31 characters that once were the limit.
TEST(bids_long_subject_id_is_an_error_naming_the_folder) {
  char id[ASL_BIDS_ID_MAX + 2] = "sub-";
  memset(id + 4, 'x', ASL_BIDS_ID_MAX - 3); // ASL_BIDS_ID_MAX + 1 characters
  id[ASL_BIDS_ID_MAX + 1] = '\0';
  char rel[512];
  touch_dir("long"), touch_dir("long/sub-01"), touch_dir("long/sub-01/perf");
  snprintf(rel, sizeof rel, "long/%s", id), touch_dir(rel);
  snprintf(rel, sizeof rel, "long/%s/perf", id), touch_dir(rel);
  char dir[512], want[800];
  snprintf(dir, sizeof dir, "%s/long", root);
  snprintf(want, sizeof want, "%s/%s: subject id of %d characters", dir, id, ASL_BIDS_ID_MAX + 1);
  char **ids;
  int n;
  ASSERT_EQ(ASL_EFORMAT, asl_bids_list_subjects(dir, &ids, &n));
  ASSERT(strstr(asl_error_message(), want));
  ASSERT(ids == NULL && n == 0);
  // ASL_BIDS_ID_MAX characters still fit.
  snprintf(rel, sizeof rel, "long/%s", id), rel[strlen(rel) - 1] = '\0';
  char from[800], to[800];
  snprintf(from, sizeof from, "%s/%s", dir, id);
  snprintf(to, sizeof to, "%s/%s", root, rel);
  ASSERT_EQ(0, rename(from, to));
  ASSERT_OK(asl_bids_list_subjects(dir, &ids, &n));
  ASSERT_EQ(2, n);
  ASSERT_EQ(ASL_BIDS_ID_MAX, (int)strlen(ids[1]));
  asl_bids_free_list(ids, n);
}

// Scan labels past 31 characters (sub_ses_acq_run of real datasets) are
// listed whole; one longer than ASL_BIDS_LABEL_MAX is refused by file name.
TEST(bids_long_scan_labels_listed_whole_or_refused) {
  const char *stem = "sub-01_ses-baselinevisit_acq-pcasl3d_run-01"; // 43 characters
  char path[1024];
  touch_dir("lab"), touch_dir("lab/sub-01"), touch_dir("lab/sub-01/ses-baselinevisit");
  touch_dir("lab/sub-01/ses-baselinevisit/perf");
  snprintf(path, sizeof path, "%s/lab/sub-01/ses-baselinevisit/perf/%s_asl.nii.gz", root, stem);
  FILE *f = fopen(path, "w");
  ASSERT(f != NULL);
  fclose(f);
  char dir[512];
  snprintf(dir, sizeof dir, "%s/lab", root);
  asl_bids_scan *scans;
  int n;
  ASSERT_OK(asl_bids_list_scans(dir, NULL, &scans, &n));
  ASSERT_EQ(1, n);
  ASSERT_STR_EQ(stem, scans[0].label);
  ASSERT_STR_EQ("ses-baselinevisit", scans[0].session);
  free(scans);
  char name[ASL_BIDS_LABEL_MAX + 64] = "sub-01_ses-baselinevisit_acq-";
  size_t k = strlen(name);
  memset(name + k, 'y', ASL_BIDS_LABEL_MAX + 1 - k), name[ASL_BIDS_LABEL_MAX + 1] = '\0';
  snprintf(path, sizeof path, "%s/lab/sub-01/ses-baselinevisit/perf/%s_asl.nii.gz", root, name);
  ASSERT((f = fopen(path, "w")) != NULL);
  fclose(f);
  ASSERT_EQ(ASL_EFORMAT, asl_bids_list_scans(dir, NULL, &scans, &n));
  ASSERT(strstr(asl_error_message(), name));
  ASSERT(strstr(asl_error_message(), "at most 127"));
  ASSERT(scans == NULL && n == 0);
}

static asl_status ctx(const char *text, int **types, int *n) {
  return asl_bids_parse_aslcontext(text, strlen(text), "c.tsv", types, n);
}

TEST(aslcontext_reads_every_type_in_order) {
  int *t, n;
  ASSERT_OK(ctx("volume_type\r\ncontrol\r\nlabel\r\nDeltaM\r\nm0scan\r\ncbf\r\nnoRF", &t, &n));
  ASSERT_EQ(6, n);
  int want[] = {ASL_VOL_CONTROL, ASL_VOL_LABEL, ASL_VOL_DELTAM, ASL_VOL_M0, ASL_VOL_OTHER, ASL_VOL_OTHER};
  for (int i = 0; i < 6; i++) ASSERT_EQ(want[i], t[i]);
  free(t);
}

TEST(aslcontext_finds_the_column_among_others_and_allows_trailing_blank_lines) {
  int *t, n;
  ASSERT_OK(ctx("\xEF\xBB\xBFindex\tvolume_type\n0\tlabel\n1\tcontrol \n\n\n", &t, &n));
  ASSERT_EQ(2, n);
  ASSERT_EQ(ASL_VOL_LABEL, t[0]);
  ASSERT_EQ(ASL_VOL_CONTROL, t[1]);
  free(t);
}

static void ctx_bad(const char *text, const char *want) {
  int *t = (int *)1, n = 7;
  ASSERT_EQ(ASL_EFORMAT, ctx(text, &t, &n));
  ASSERT(t == NULL && n == 0);
  if (!strstr(asl_error_message(), want))
    HARNESS_FAIL("message \"%s\" lacks \"%s\"", asl_error_message(), want);
}

TEST(aslcontext_refuses_bad_tables_with_line_numbers) {
  ctx_bad("type\ncontrol\n", "c.tsv:1:");
  ctx_bad("volume_type\ncontrol\nlabell\n", "c.tsv:3: unknown volume_type \"labell\"");
  ctx_bad("volume_type\ncontrol\n\nlabel\n", "c.tsv:3: blank row");
  ctx_bad("volume_type\n", "no volumes");
  ctx_bad("", "volume_type");
  ctx_bad("a\tvolume_type\ncontrol\n", "c.tsv:2: row has no volume_type");
  int *t, n;
  ASSERT_EQ(ASL_EFORMAT, asl_bids_parse_aslcontext("volume_type\ncon\0trol\n", 21, "c.tsv", &t, &n));
  ASSERT(strstr(asl_error_message(), "binary"));
}

TEST(aslcontext_read_file_missing_names_the_file) {
  int *t, n;
  ASSERT_EQ(ASL_ENOTFOUND, asl_bids_read_aslcontext("/nonexistent/x_aslcontext.tsv", &t, &n));
  ASSERT(strstr(asl_error_message(), "/nonexistent/x_aslcontext.tsv"));
}

static void car_bad(const char *text, asl_status code, const char *want);

static asl_status car(const char *text, asl_bids_sidecar *c) {
  return asl_bids_parse_sidecar(text, strlen(text), "s.json", c);
}

TEST(sidecar_pcasl_fields) {
  asl_bids_sidecar c;
  ASSERT_OK(car("{\"ArterialSpinLabelingType\":\"PCASL\",\"M0Type\":\"Separate\","
                "\"PostLabelingDelay\":[1.8,1.8],\"LabelingDuration\":1.5,"
                "\"BackgroundSuppression\":false}", &c));
  ASSERT_STR_EQ("PCASL", c.labeling_type);
  ASSERT_STR_EQ("Separate", c.m0_type);
  ASSERT_NEAR(1.8, c.pld, 1e-12);
  ASSERT_NEAR(1.5, c.labeling_duration, 1e-12);
  ASSERT_EQ(0, c.background_suppression);
  ASSERT_NEAR(0.0, c.repetition_time, 0);
  asl_bids_sidecar_free(&c);
}

// TR fields only label derivatives: read when usable, never a refusal.
TEST(sidecar_repetition_times_are_read_leniently) {
  asl_bids_sidecar c;
  ASSERT_OK(car("{\"ArterialSpinLabelingType\":\"PCASL\",\"M0Type\":\"Absent\","
                "\"RepetitionTimePreparation\":[4.5,4.5],\"RepetitionTime\":4.6}", &c));
  ASSERT_NEAR(4.6, c.repetition_time, 1e-12);
  ASSERT_NEAR(4.5, c.repetition_time_prep, 1e-12);
  asl_bids_sidecar_free(&c);
  ASSERT_OK(car("{\"ArterialSpinLabelingType\":\"PCASL\",\"M0Type\":\"Absent\","
                "\"RepetitionTimePreparation\":\"soon\",\"RepetitionTime\":-1}", &c));
  ASSERT_NEAR(0.0, c.repetition_time, 0);
  ASSERT_NEAR(0.0, c.repetition_time_prep, 0);
  asl_bids_sidecar_free(&c);
}

TEST(sidecar_pld_array_ignores_the_zeros_of_m0_volumes) {
  asl_bids_sidecar c;
  ASSERT_OK(car("{\"ArterialSpinLabelingType\":\"PCASL\",\"M0Type\":\"Included\","
                "\"PostLabelingDelay\":[0,2.0,2.0,2.0],\"LabelingDuration\":[0,1.5,1.5,1.5]}", &c));
  ASSERT_NEAR(2.0, c.pld, 1e-12);
  ASSERT_NEAR(1.5, c.labeling_duration, 1e-12);
  asl_bids_sidecar_free(&c);
  car_bad("{\"ArterialSpinLabelingType\":\"PCASL\",\"M0Type\":\"Included\","
             "\"PostLabelingDelay\":[0,0],\"LabelingDuration\":1.5}", ASL_EFORMAT, "out of range");
}

TEST(sidecar_pasl_takes_bolus_cutoff_and_estimate) {
  asl_bids_sidecar c;
  ASSERT_OK(car("{\"ArterialSpinLabelingType\":\"PASL\",\"M0Type\":\"Estimate\",\"M0Estimate\":950,"
                "\"PostLabelingDelay\":1.8,\"BolusCutOffFlag\":true,\"BolusCutOffDelayTime\":[0.7,1.6]}",
                &c));
  ASSERT_NEAR(0.7, c.labeling_duration, 1e-12);
  ASSERT_NEAR(950, c.m0_estimate, 0);
  ASSERT_EQ(-1, c.background_suppression);
}

TEST(sidecar_missing_pld_and_duration_only_warn) {
  asl_bids_sidecar c;
  ASSERT_OK(car("{\"ArterialSpinLabelingType\":\"PCASL\",\"M0Type\":\"Separate\"}", &c));
  ASSERT(strstr(c.warnings, "PostLabelingDelay") && strstr(c.warnings, "LabelingDuration"));
  ASSERT_EQ(0, c.n_plds);
  asl_bids_sidecar_free(&c);
}

TEST(sidecar_multi_delay_lists_each_delay_and_selects_volumes) {
  asl_bids_sidecar c;
  ASSERT_OK(car("{\"ArterialSpinLabelingType\":\"PCASL\",\"M0Type\":\"Included\",\"LabelingDuration\":1.8,"
                "\"PostLabelingDelay\":[0,2.0,2.0,1.5,1.5,2.0,2.0]}", &c));
  ASSERT_EQ(2, c.n_plds);
  ASSERT_NEAR(1.5, c.plds[0], 1e-12);
  ASSERT_NEAR(2.0, c.plds[1], 1e-12);
  ASSERT_NEAR(0.0, c.pld, 0); // no single delay
  int types[7] = {ASL_VOL_M0, 0, 1, 0, 1, 0, 1}, keep[7];
  ASSERT_OK(asl_bids_pld_select(&c, types, 7, 1.5, "x.tsv", keep));
  int want[7] = {1, 0, 0, 1, 1, 0, 0};
  for (int i = 0; i < 7; i++) ASSERT_EQ(want[i], keep[i]);
  ASSERT_EQ(ASL_EINVAL, asl_bids_pld_select(&c, types, 7, 1.8, "x.tsv", keep));
  ASSERT(strstr(asl_error_message(), "1.5, 2") && strstr(asl_error_message(), "s.json"));
  ASSERT_EQ(ASL_ESHAPE, asl_bids_pld_select(&c, types, 6, 1.5, "x.tsv", keep));
  ASSERT(strstr(asl_error_message(), "x.tsv"));
  asl_bids_sidecar_free(&c);
}

static void car_bad(const char *text, asl_status code, const char *want) {
  asl_bids_sidecar c;
  ASSERT_EQ(code, car(text, &c));
  if (!strstr(asl_error_message(), want) || !strstr(asl_error_message(), "s.json"))
    HARNESS_FAIL("message \"%s\" lacks \"%s\"", asl_error_message(), want);
}

TEST(sidecar_refusals_name_the_field) {
  const char *head = "{\"ArterialSpinLabelingType\":\"PCASL\",\"M0Type\":\"Separate\",";
  char t[512];
  car_bad("[1]", ASL_EFORMAT, "JSON object");
  car_bad("{\"M0Type\":\"Separate\"}", ASL_ENOTFOUND, "ArterialSpinLabelingType");
  car_bad("{\"ArterialSpinLabelingType\":\"FAIR\",\"M0Type\":\"Separate\"}", ASL_EFORMAT, "FAIR");
  car_bad("{\"ArterialSpinLabelingType\":\"PCASL\",\"M0Type\":\"Other\"}", ASL_EFORMAT, "Other");
  snprintf(t, sizeof t, "%s\"PostLabelingDelay\":1800,\"LabelingDuration\":1.8}", head);
  car_bad(t, ASL_EFORMAT, "seconds");
  car_bad("{\"ArterialSpinLabelingType\":\"PCASL\",\"M0Type\":\"Estimate\",\"PostLabelingDelay\":1.8,"
          "\"LabelingDuration\":1.8}", ASL_ENOTFOUND, "M0Estimate");
  snprintf(t, sizeof t, "%s\"PostLabelingDelay\":1.8,\"LabelingDuration\":1.8,\"BackgroundSuppression\":1}", head);
  car_bad(t, ASL_EFORMAT, "BackgroundSuppression");
  car_bad("{\"ArterialSpinLabelingType\":\"PCASL\",}", ASL_EFORMAT, "s.json:1:");
}

TEST(sidecar_missing_file_says_what_it_needs) {
  asl_bids_sidecar c;
  ASSERT_EQ(ASL_ENOTFOUND, asl_bids_read_sidecar("/nonexistent/sub-01_asl.json", &c));
  ASSERT(strstr(asl_error_message(), "missing sidecar"));
}

static void put(const char *rel, const char *text) {
  char p[512];
  snprintf(p, sizeof p, "%s/%s", root, rel);
  FILE *f = fopen(p, "w");
  ASSERT(f);
  fputs(text, f);
  fclose(f);
}

// Dataset, subject and perf levels: nearer files override field by field,
// a file whose entities the scan lacks (acq-x) does not apply.
TEST(sidecar_is_inherited_and_nearer_files_override) {
  touch_dir("inh"), touch_dir("inh/sub-01"), touch_dir("inh/sub-01/ses-1"), touch_dir("inh/sub-01/ses-1/perf");
  put("inh/asl.json", "{\"ArterialSpinLabelingType\": \"PCASL\", \"M0Type\": \"Absent\", \"LabelingDuration\": 1.8}");
  put("inh/sub-01/sub-01_asl.json", "{\"M0Type\": \"Separate\", \"PostLabelingDelay\": 2.0}");
  put("inh/sub-01/ses-1/perf/sub-01_ses-1_run-1_asl.json", "{\"PostLabelingDelay\": 1.5}");
  put("inh/sub-01/ses-1/perf/sub-01_ses-1_acq-x_asl.json", "{\"M0Type\": \"Estimate\"}");
  char base[300];
  snprintf(base, sizeof base, "%s/inh", root);
  asl_bids_scan scan;
  ASSERT_OK(asl_bids_scan_from_label(base, "sub-01_ses-1_run-1", NULL, &scan));
  ASSERT_STR_EQ("sub-01", scan.subject);
  ASSERT_STR_EQ("ses-1", scan.session);
  ASSERT(strstr(scan.dir, "inh/sub-01/ses-1/perf"));
  asl_bids_sidecar c;
  ASSERT_OK(asl_bids_scan_sidecar(base, &scan, &c));
  ASSERT_STR_EQ("PCASL", c.labeling_type);
  ASSERT_STR_EQ("Separate", c.m0_type);        // subject level over dataset level
  ASSERT_NEAR(1.5, c.pld, 1e-12);              // the scan's own file over the subject's
  ASSERT_NEAR(1.8, c.labeling_duration, 1e-12); // from the dataset level
  ASSERT_STR_EQ("", c.warnings);
  asl_bids_sidecar_free(&c);
  // run-2 has no file of its own: the subject's delay.
  ASSERT_OK(asl_bids_scan_from_label(base, "sub-01_ses-1_run-2", NULL, &scan));
  ASSERT_OK(asl_bids_scan_sidecar(base, &scan, &c));
  ASSERT_NEAR(2.0, c.pld, 1e-12);
  asl_bids_sidecar_free(&c);
  // Another subject only has the dataset level (and no delay: a warning).
  ASSERT_OK(asl_bids_scan_from_label(base, "sub-02", NULL, &scan));
  ASSERT_OK(asl_bids_scan_sidecar(base, &scan, &c));
  ASSERT_STR_EQ("Absent", c.m0_type);
  ASSERT(strstr(c.warnings, "PostLabelingDelay"));
  ASSERT(strstr(c.source, "sub-02/perf/sub-02_asl.json")); // messages name the scan's own file
  asl_bids_sidecar_free(&c);
}

TEST(scan_labels_map_back_to_files) {
  asl_bids_scan s;
  asl_bids_query q = {.pld = 1.8};
  ASSERT_OK(asl_bids_scan_from_label("/d", "01", &q, &s));
  ASSERT_STR_EQ("sub-01", s.label);
  ASSERT_STR_EQ("/d/sub-01/perf", s.dir);
  ASSERT_NEAR(1.8, s.pld, 0);
  ASSERT_OK(asl_bids_scan_from_label("/d", "sub-01_ses-2_acq-hi_pld-2500ms", &q, &s));
  ASSERT_STR_EQ("sub-01_ses-2_acq-hi", s.stem);
  ASSERT_STR_EQ("/d/sub-01/ses-2/perf", s.dir);
  ASSERT_NEAR(2.5, s.pld, 1e-12);
  ASSERT_EQ(ASL_EINVAL, asl_bids_scan_from_label("/d", "sub-01/../x", NULL, &s));
  // 35 characters: past the old 31, a label now; past ASL_BIDS_LABEL_MAX, not.
  ASSERT_OK(asl_bids_scan_from_label("/d", "sub-0123456789012345678901234567890", NULL, &s));
  ASSERT_STR_EQ("sub-0123456789012345678901234567890", s.label);
  char big[ASL_BIDS_LABEL_MAX + 2];
  memset(big, '7', sizeof big - 1), big[sizeof big - 1] = '\0';
  ASSERT_EQ(ASL_EINVAL, asl_bids_scan_from_label("/d", big, NULL, &s));
  ASSERT(strstr(asl_error_message(), "at most 127 characters"));
}

int main(void) {
  snprintf(root, sizeof root, "/tmp/asl_test_bids_XXXXXX");
  if (!mkdtemp(root)) return 1;
  RUN(bids_lists_sorted_subjects_with_perf);
  RUN(bids_missing_root_is_an_error_naming_it);
  RUN(bids_long_subject_id_is_an_error_naming_the_folder);
  RUN(bids_long_scan_labels_listed_whole_or_refused);
  RUN(aslcontext_reads_every_type_in_order);
  RUN(aslcontext_finds_the_column_among_others_and_allows_trailing_blank_lines);
  RUN(aslcontext_refuses_bad_tables_with_line_numbers);
  RUN(aslcontext_read_file_missing_names_the_file);
  RUN(sidecar_pcasl_fields);
  RUN(sidecar_repetition_times_are_read_leniently);
  RUN(sidecar_pld_array_ignores_the_zeros_of_m0_volumes);
  RUN(sidecar_pasl_takes_bolus_cutoff_and_estimate);
  RUN(sidecar_refusals_name_the_field);
  RUN(sidecar_missing_pld_and_duration_only_warn);
  RUN(sidecar_multi_delay_lists_each_delay_and_selects_volumes);
  RUN(sidecar_missing_file_says_what_it_needs);
  RUN(sidecar_is_inherited_and_nearer_files_override);
  RUN(scan_labels_map_back_to_files);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", root);
  if (system(cmd) != 0) return 1;
  return DONE();
}
