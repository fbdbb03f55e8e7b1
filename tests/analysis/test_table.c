// Ablation tables built from fixture cubes: layouts, cell statistics, marks,
// partial cubes, baselines with Holm, and the three output formats.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ana/table.h"
#include "cube_fixture.h"
#include "harness.h"

static cf_cube fx;
static ana_cube cube;
static char path[1024];

static void open_cube(const char *name) {
  cf_scratch_path(path, sizeof path, name);
  ASSERT_EQ(0, cf_cube_write(&fx, path));
  ASSERT_OK(ana_cube_open(&cube, path));
}

static void done(void) {
  ana_cube_free(&cube);
  cf_cube_free(&fx);
}

// Mean and sample SD of one fixture cell over subjects with finite values.
static void expect_cell(cf_experiment *e, size_t cell, int stage, int metric, double *mean,
                        double *sd, int *n) {
  double sum = 0, ss = 0;
  *n = 0;
  for (int s = 0; s < e->n_subjects; s++) {
    double v = *cf_value(e, cell, s, stage, metric);
    if (isfinite(v)) sum += v, (*n)++;
  }
  *mean = sum / *n;
  for (int s = 0; s < e->n_subjects; s++) {
    double v = *cf_value(e, cell, s, stage, metric);
    if (isfinite(v)) ss += (v - *mean) * (v - *mean);
  }
  *sd = sqrt(ss / (*n - 1));
}

static char *render_eol(const ana_table *t, ana_format f, int show_p, ana_line_ending eol) {
  char *buf = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&buf, &len);
  ana_table_render(out, t, f, show_p, eol);
  fclose(out);
  return buf;
}

static char *render(const ana_table *t, ana_format f, int show_p) {
  return render_eol(t, f, show_p, ANA_EOL_LF);
}

TEST(main_default_layout_is_nav_by_strategy_m0_with_input_reference) {
  cf_cube_default(&fx);
  open_cube("ana_table_main.h5");
  ana_table_opts o;
  ana_table_opts_init(&o);
  ana_table t;
  ASSERT_OK(ana_table_build(&t, &cube, ana_cube_experiment(&cube, "main"), CF_SSIM, &o));
  ASSERT_EQ(4, t.n_rows);
  ASSERT_EQ(6, t.n_cols); // 4 strategy x m0 + 2 input references
  ASSERT_STR_EQ("4", t.row_labels[2]);
  ASSERT_STR_EQ("windowed, m0=on", t.col_labels[1]);
  ASSERT_STR_EQ("input (interleaved)", t.col_labels[5]);
  ASSERT_STR_EQ("snr_group=all, model=unet3d", t.fixed);
  cf_experiment *fm = cf_find(&fx, "main");
  int idx[5] = {0, 2, 1, 0, 0}; // windowed, nav=4, m0=on
  double mean, sd;
  int n;
  expect_cell(fm, cf_cell(fm, idx), 1, CF_SSIM, &mean, &sd, &n);
  const ana_cell *c = &t.cells[2 * 6 + 1];
  ASSERT_EQ(6, c->s.n);
  ASSERT_NEAR(mean, c->s.mean, 1e-12);
  ASSERT_NEAR(sd, c->s.sd, 1e-12);
  // The reference column is the input stage of (interleaved, nav=4).
  int ref[5] = {1, 2, 0, 0, 0};
  expect_cell(fm, cf_cell(fm, ref), 0, CF_SSIM, &mean, &sd, &n);
  ASSERT_EQ(ANA_CELL_REFERENCE, t.cells[2 * 6 + 5].kind);
  ASSERT_NEAR(mean, t.cells[2 * 6 + 5].s.mean, 1e-12);
  // Best of each row: interleaved with M0 (the fixture's best condition).
  for (int r = 0; r < 4; r++)
    for (int k = 0; k < 6; k++) ASSERT_EQ(k == 3, t.cells[r * 6 + k].best);
  ana_table_free(&t);
  // NMAE: lower is better, same best cell.
  ASSERT_OK(ana_table_build(&t, &cube, ana_cube_experiment(&cube, "main"), CF_NMAE, &o));
  ASSERT_EQ(0, t.higher_better);
  ASSERT_EQ(1, t.cells[3].best);
  ana_table_free(&t);
  done();
}

TEST(partial_cube_shows_n_and_missing_cells) {
  cf_cube_default(&fx);
  cf_experiment *fm = cf_find(&fx, "main");
  *cf_value(fm, 1, 0, 1, CF_SSIM) = NAN;         // cell (windowed, nav=1, m0=on), sub-01
  fx.jobs[fm->job[0 * 6 + 1]].status = 3; // failed job of cell 0, fold 1
  for (int s = 0; s < 6; s++) *cf_value(fm, 2, s, 1, CF_SSIM) = NAN; // (windowed, nav=2, off)
  // As the runner leaves a failed job: no values and no job index (cell 8 =
  // interleaved, nav=1, m0=off; fold 1 = sub-02, sub-05). A value whose job
  // index was never written (a cut-short write) does not count either.
  for (int s = 1; s < 6; s += 3) {
    for (int k = 0; k < CF_STAGES * CF_METRICS; k++) *cf_value(fm, 8, s, k / 3, k % 3) = NAN;
    fm->job[8 * 6 + s] = -1;
  }
  fm->job[8 * 6 + 0] = -1;
  open_cube("ana_table_partial.h5");
  ana_table_opts o;
  ana_table_opts_init(&o);
  ana_table t;
  ASSERT_OK(ana_table_build(&t, &cube, ana_cube_experiment(&cube, "main"), CF_SSIM, &o));
  ASSERT_EQ(4, t.cells[0].s.n); // the failed job (fold 1: sub-02, sub-05) is ignored
  ASSERT_EQ(6, t.cells[0].expected);
  ASSERT_EQ(5, t.cells[1].s.n);
  ASSERT_EQ(0, t.cells[6].s.n);
  ASSERT_EQ(3, t.cells[2].s.n); // interleaved, m0=off, nav=1
  ASSERT_EQ(6, t.cells[2].expected);
  char *md = render(&t, ANA_FMT_MD, 0);
  ASSERT(strstr(md, "(n=4)") != NULL);
  ASSERT(strstr(md, "(n=5)") != NULL);
  ASSERT(strstr(md, "(n=3)") != NULL);
  ASSERT(strstr(md, "| 2 | — |") != NULL);
  free(md);
  char *tex = render(&t, ANA_FMT_LATEX, 0);
  ASSERT(strstr(tex, "2 & -- &") != NULL);
  ASSERT(strstr(tex, "\\textbf{") != NULL);
  free(tex);
  ana_table_free(&t);
  done();
}

TEST(default_rows_take_every_axis_left_with_several_labels) {
  cf_cube_default(&fx);
  open_cube("ana_table_default_rows.h5");
  ana_table_opts o;
  ana_table_opts_init(&o);
  o.n_cols = 1; // rows left to the default (nav): strategy must join them
  snprintf(o.cols[0], sizeof o.cols[0], "m0");
  ana_table t;
  ASSERT_OK(ana_table_build(&t, &cube, ana_cube_experiment(&cube, "main"), 0, &o));
  ASSERT_EQ(2 * 4, t.n_rows); // strategy (outer) x nav
  char *md = render(&t, ANA_FMT_MD, 0);
  ASSERT(strstr(md, "strategy, nav") != NULL);
  free(md);
  ana_table_free(&t);
  done();
}

TEST(unplaced_axes_are_refused_with_their_labels) {
  cf_cube_default(&fx);
  open_cube("ana_table_unplaced.h5");
  ana_table_opts o;
  ana_table_opts_init(&o);
  o.n_rows = o.n_cols = 1;
  snprintf(o.rows[0], sizeof o.rows[0], "strategy");
  snprintf(o.cols[0], sizeof o.cols[0], "m0");
  ana_table t;
  ASSERT_EQ(ASL_EINVAL, ana_table_build(&t, &cube, ana_cube_experiment(&cube, "main"), 0, &o));
  ASSERT(strstr(asl_error_message(), "nav (1, 2, 4, 8)") != NULL);
  ASSERT(strstr(asl_error_message(), "--where") != NULL);
  ASSERT_OK(ana_axis_value_parse(&o.where[o.n_where++], "nav=8"));
  ASSERT_OK(ana_table_build(&t, &cube, ana_cube_experiment(&cube, "main"), 0, &o));
  ASSERT_EQ(2, t.n_rows);
  ASSERT(strstr(t.fixed, "nav=8") != NULL);
  ana_table_free(&t);
  ASSERT_OK(ana_axis_value_parse(&o.where[0], "nav=3"));
  ASSERT_EQ(ASL_EINVAL, ana_table_build(&t, &cube, ana_cube_experiment(&cube, "main"), 0, &o));
  ASSERT(strstr(asl_error_message(), "labels: 1, 2, 4, 8") != NULL);
  o.n_where = 0;
  snprintf(o.cols[0], sizeof o.cols[0], "subject");
  ASSERT_EQ(ASL_EINVAL, ana_table_build(&t, &cube, ana_cube_experiment(&cube, "main"), 0, &o));
  done();
}

TEST(snr_matching_puts_input_reference_in_a_row) {
  cf_cube_default(&fx);
  open_cube("ana_table_snr.h5");
  ana_table_opts o;
  ana_table_opts_init(&o);
  ana_table t;
  ASSERT_OK(ana_table_build(&t, &cube, ana_cube_experiment(&cube, "snr_matching"), 0, &o));
  ASSERT_EQ(3, t.n_rows);
  ASSERT_EQ(2, t.n_cols);
  ASSERT_STR_EQ("input", t.row_labels[2]);
  ASSERT_STR_EQ("train_snr_group", t.row_axes[0]);
  // Only the test group's 3 subjects are scored; n is complete, so not shown.
  ASSERT_EQ(3, t.cells[1].s.n);
  ASSERT_EQ(3, t.cells[1].expected);
  ASSERT_EQ(3, t.cells[2 * 2 + 1].s.n);
  char *md = render(&t, ANA_FMT_MD, 0);
  ASSERT(strstr(md, "(n=") == NULL);
  ASSERT(strstr(md, "| train_snr_group \\ test_snr_group |") != NULL);
  free(md);
  ana_table_free(&t);
  ASSERT_OK(ana_table_build(&t, &cube, ana_cube_experiment(&cube, "generalization"), 0, &o));
  ASSERT_EQ(4, t.n_rows);
  ASSERT_STR_EQ("GT50", t.col_labels[1]);
  ana_table_free(&t);
  done();
}

TEST(baseline_tests_are_paired_and_holm_adjusted) {
  cf_cube_default(&fx);
  open_cube("ana_table_baseline.h5");
  ana_table_opts o;
  ana_table_opts_init(&o);
  ASSERT_OK(ana_axis_value_parse(&o.baseline, "nav=1"));
  o.has_baseline = 1;
  o.test = ANA_TEST_TTEST;
  ana_table t;
  const ana_experiment *e = ana_cube_experiment(&cube, "main");
  ASSERT_OK(ana_table_build(&t, &cube, e, CF_SSIM, &o));
  ASSERT_EQ(12, t.n_tests);
  ASSERT_EQ(1, t.cells[0].is_baseline);
  ASSERT(isnan(t.cells[0].p));
  ASSERT(isnan(t.cells[4].p)); // the reference columns are not tested
  // Recompute one p-value directly from the fixture: (interleaved, m0=off), nav=8 vs nav=1.
  cf_experiment *fm = cf_find(&fx, "main");
  int a[5] = {1, 3, 0, 0, 0}, b[5] = {1, 0, 0, 0, 0};
  double x[6], y[6], raw[24];
  for (int s = 0; s < 6; s++) {
    x[s] = *cf_value(fm, cf_cell(fm, a), s, 1, CF_SSIM);
    y[s] = *cf_value(fm, cf_cell(fm, b), s, 1, CF_SSIM);
  }
  ana_test r;
  ASSERT_OK(ana_ttest_paired(x, y, 6, &r));
  const ana_cell *c = &t.cells[3 * 6 + 2];
  ASSERT_EQ(6, c->n_pairs);
  ASSERT_NEAR(r.pvalue, c->p, 1e-15);
  for (int i = 0; i < 24; i++) raw[i] = t.cells[i].p;
  ASSERT_OK(ana_holm(raw, 24, raw));
  ASSERT_NEAR(raw[3 * 6 + 2], c->p_adj, 1e-15);
  ASSERT(c->p_adj >= c->p);
  ASSERT_EQ(1, c->significant);
  char *md = render(&t, ANA_FMT_MD, 1);
  ASSERT(strstr(md, "†") != NULL);
  ASSERT(strstr(md, "(p=") != NULL);
  ASSERT(strstr(md, "Holm-adjusted p < 0.05 over 12 tests") != NULL);
  free(md);
  ana_table_free(&t);
  // Wilcoxon with n = 6: the smallest exact p is 1/32, so after Holm over 12
  // comparisons nothing is significant.
  o.test = ANA_TEST_WILCOXON;
  ASSERT_OK(ana_table_build(&t, &cube, e, CF_SSIM, &o));
  ASSERT_NEAR(0.03125, t.cells[3 * 6 + 2].p, 1e-12);
  for (int i = 0; i < 24; i++) ASSERT_EQ(0, t.cells[i].significant);
  ana_table_free(&t);
  // stage=input: every denoised cell against its own input.
  ASSERT_OK(ana_axis_value_parse(&o.baseline, "stage=input"));
  o.test = ANA_TEST_TTEST;
  ASSERT_OK(ana_table_build(&t, &cube, e, CF_SSIM, &o));
  ASSERT_EQ(16, t.n_tests);
  ana_table_free(&t);
  ASSERT_OK(ana_axis_value_parse(&o.baseline, "model=unet3d"));
  ASSERT_EQ(ASL_EINVAL, ana_table_build(&t, &cube, e, CF_SSIM, &o));
  done();
}

TEST(csv_table_has_one_field_group_per_column_and_empty_missing) {
  cf_cube_default(&fx);
  cf_experiment *fm = cf_find(&fx, "main");
  for (int s = 0; s < 6; s++) *cf_value(fm, 0, s, 1, CF_PSNR) = NAN;
  open_cube("ana_table_csv.h5");
  ana_table_opts o;
  ana_table_opts_init(&o);
  o.stage = ANA_STAGE_DENOISED;
  ana_table t;
  ASSERT_OK(ana_table_build(&t, &cube, ana_cube_experiment(&cube, "main"), CF_PSNR, &o));
  ASSERT_EQ(4, t.n_cols); // no reference with an explicit stage
  char *csv = render(&t, ANA_FMT_CSV, 0);
  const char *head = "experiment,metric,stage,nav,\"windowed, m0=off mean\",";
  ASSERT(strncmp(csv, head, strlen(head)) == 0);
  ASSERT(strstr(csv, "\nmain,psnr,denoised,1,,,0,0,") != NULL);
  ASSERT(strchr(csv, '\r') == NULL);
  int lines = 0;
  for (char *p = csv; *p; p++) lines += *p == '\n';
  ASSERT_EQ(5, lines);
  free(csv);
  csv = render_eol(&t, ANA_FMT_CSV, 0, ANA_EOL_CRLF); // RFC 4180's CRLF on request
  ASSERT(strstr(csv, "\r\nmain,psnr,denoised,1,,,0,0,") != NULL);
  lines = 0;
  for (char *p = csv; *p; p++) lines += *p == '\r' && p[1] == '\n';
  ASSERT_EQ(5, lines);
  free(csv);
  ana_table_free(&t);
  done();
}

TEST(table_run_renders_every_experiment_and_names_bad_choices) {
  cf_cube_default(&fx);
  open_cube("ana_table_run.h5");
  ana_table_opts o;
  ana_table_opts_init(&o);
  char *buf = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&buf, &len);
  ASSERT_OK(ana_table_run(out, &cube, &o));
  fclose(out);
  int tables = 0;
  for (char *p = buf; (p = strstr(p, "### ")) != NULL; p++) tables++;
  ASSERT_EQ(9, tables); // 3 experiments x 3 metrics
  ASSERT(strstr(buf, "### snr_matching: nmae (denoised)") != NULL);
  free(buf);
  // --where applies to the experiments that have the axis.
  ASSERT_OK(ana_axis_value_parse(&o.where[o.n_where++], "m0=on"));
  out = open_memstream(&buf, &len);
  ASSERT_OK(ana_table_run(out, &cube, &o));
  fclose(out);
  ASSERT(strstr(buf, "Fixed: m0=on, snr_group=all, model=unet3d.") != NULL);
  ASSERT(strstr(buf, "### generalization: ssim (denoised)") != NULL);
  free(buf);
  ASSERT_OK(ana_axis_value_parse(&o.where[0], "lr=0.1"));
  out = open_memstream(&buf, &len);
  ASSERT_EQ(ASL_EINVAL, ana_table_run(out, &cube, &o));
  ASSERT(strstr(asl_error_message(), "no experiment") != NULL);
  fclose(out);
  free(buf);
  o.n_where = 0;
  o.experiment = "nope";
  out = open_memstream(&buf, &len);
  ASSERT_EQ(ASL_EINVAL, ana_table_run(out, &cube, &o));
  ASSERT(strstr(asl_error_message(), "experiments: main, snr_matching, generalization") != NULL);
  o.experiment = "main";
  o.metric = "lpips";
  ASSERT_EQ(ASL_EINVAL, ana_table_run(out, &cube, &o));
  ASSERT(strstr(asl_error_message(), "metrics: ssim, psnr, nmae") != NULL);
  fclose(out);
  free(buf);
  done();
}

// --show-params: the distinct tuned values of a cell's jobs, ascending,
// after its numbers (outside the bold), and a `tuned` field per CSV column.
TEST(show_params_lists_the_tuned_values_of_each_cell) {
  cf_cube_default(&fx);
  cf_experiment *fm = cf_find(&fx, "main");
  int idx[5] = {0, 2, 1, 0, 0}; // windowed, nav=4, m0=on
  size_t cell = cf_cell(fm, idx);
  for (int s = 0; s < fm->n_subjects; s++) {
    int j = fm->job[cell * (size_t)fm->n_subjects + (size_t)s];
    ASSERT(j >= 0);
    fx.jobs[j].tuned = 1;
    fx.jobs[j].chosen_param = s % 2 ? 1.5 : 0.75;
  }
  open_cube("ana_table_params.h5");
  ana_table_opts o;
  ana_table_opts_init(&o);
  o.show_params = 1;
  ana_table t;
  ASSERT_OK(ana_table_build(&t, &cube, ana_cube_experiment(&cube, "main"), CF_SSIM, &o));
  ASSERT_STR_EQ("0.75/1.5", t.cells[2 * 6 + 1].tuned);
  ASSERT_STR_EQ("", t.cells[2 * 6 + 0].tuned); // no tuned job
  ASSERT_STR_EQ("", t.cells[2 * 6 + 5].tuned); // the input reference
  char *md = render(&t, ANA_FMT_MD, 0);
  ASSERT(strstr(md, " (tuned 0.75/1.5) |") != NULL);
  ASSERT(strstr(md, "(tuned V): the value") != NULL);
  free(md);
  char *csv = render(&t, ANA_FMT_CSV, 0);
  ASSERT(strstr(csv, "windowed, m0=on tuned") != NULL);
  ASSERT(strstr(csv, ",0.75/1.5,") != NULL);
  free(csv);
  ana_table_free(&t);
  // Without the option nothing is collected or shown.
  o.show_params = 0;
  ASSERT_OK(ana_table_build(&t, &cube, ana_cube_experiment(&cube, "main"), CF_SSIM, &o));
  ASSERT_STR_EQ("", t.cells[2 * 6 + 1].tuned);
  md = render(&t, ANA_FMT_MD, 0);
  ASSERT(strstr(md, "tuned") == NULL);
  free(md);
  ana_table_free(&t);
  done();
}

int main(void) {
  RUN(main_default_layout_is_nav_by_strategy_m0_with_input_reference);
  RUN(partial_cube_shows_n_and_missing_cells);
  RUN(default_rows_take_every_axis_left_with_several_labels);
  RUN(unplaced_axes_are_refused_with_their_labels);
  RUN(snr_matching_puts_input_reference_in_a_row);
  RUN(baseline_tests_are_paired_and_holm_adjusted);
  RUN(csv_table_has_one_field_group_per_column_and_empty_missing);
  RUN(table_run_renders_every_experiment_and_names_bad_choices);
  RUN(show_params_lists_the_tuned_values_of_each_cell);
  return DONE();
}
