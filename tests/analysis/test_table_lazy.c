// Tables and plots from lazily read cells (ana_cube_open_lazy, what
// `aslsweep table` and `plot` use) against the cells held whole: the same
// bytes in every format and option, with the default cache and with a cache
// of one single-cell slot (every access a miss or an eviction); and each
// cell a table needs read once, reference cells pooling several cells
// included, also when its row walks more places than the cache has runs.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <hdf5.h>

#include "ana/export.h"
#include "ana/plot.h"
#include "ana/table.h"
#include "cube/schema.h"
#include "cube_fixture.h"
#include "harness.h"

static cf_cube fx;
static char path[1024];

// The default study with a partial cell, a failed job and tuned values, so
// every branch of a cell's text shows up.
static void write_cube(void) {
  cf_cube_default(&fx);
  cf_experiment *m = cf_find(&fx, "main");
  for (int s = 0; s < 3; s++) *cf_value(m, 5, s, 1, CF_SSIM) = NAN;
  int j = m->job[9 * (size_t)m->n_subjects];
  fx.jobs[j].status = 3;
  for (int s = 0; s < m->n_subjects; s++) {
    int k = m->job[2 * (size_t)m->n_subjects + (size_t)s];
    fx.jobs[k].tuned = 1;
    fx.jobs[k].chosen_param = s % 2 ? 1.5 : 0.75;
  }
  cf_scratch_path(path, sizeof path, "ana_table_lazy.h5");
  ASSERT_EQ(0, cf_cube_write(&fx, path));
}

static char *table_text(const ana_cube *c, const ana_table_opts *o) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  ASSERT(f != NULL);
  ASSERT_OK(ana_table_run(f, c, o));
  fclose(f);
  return buf;
}

static void option_sets(ana_table_opts *o, int *n) {
  *n = 0;
  ana_table_opts_init(&o[(*n)++]);
  for (int f = ANA_FMT_MD; f <= ANA_FMT_CSV; f++) {
    ana_table_opts_init(&o[*n]);
    o[*n].format = (ana_format)f;
    o[(*n)++].show_params = 1;
  }
  ana_table_opts_init(&o[*n]);
  ASSERT_OK(ana_axis_value_parse(&o[*n].baseline, "nav=1"));
  o[*n].has_baseline = o[*n].show_pvalues = 1;
  o[(*n)++].experiment = "main";
  ana_table_opts_init(&o[*n]);
  ASSERT_OK(ana_axis_value_parse(&o[*n].baseline, "stage=input"));
  o[*n].has_baseline = 1, o[*n].test = ANA_TEST_TTEST, o[*n].format = ANA_FMT_LATEX;
  o[(*n)++].show_pvalues = 1;
  ana_table_opts_init(&o[*n]);
  o[*n].stage = ANA_STAGE_INPUT, o[*n].metric = "nmae", o[*n].format = ANA_FMT_CSV;
  o[(*n)++].eol = ANA_EOL_CRLF;
  ana_table_opts_init(&o[*n]);
  o[*n].experiment = "main", o[*n].n_rows = 1, o[*n].n_cols = 1;
  snprintf(o[*n].rows[0], ANA_LABEL_LEN, "m0");
  snprintf(o[*n].cols[0], ANA_LABEL_LEN, "nav");
  ASSERT_OK(ana_axis_value_parse(&o[*n].where[o[*n].n_where++], "strategy=windowed"));
  (*n)++;
}

// What ana_table_run writes, from whole tables (ana_table_build and
// ana_table_render), for option sets whose baseline applies everywhere.
static char *reference_text(const ana_cube *c, const ana_table_opts *o) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  ASSERT(f != NULL);
  int printed = 0;
  for (int i = 0; i < c->n_experiments; i++) {
    const ana_experiment *e = &c->experiments[i];
    if (o->experiment && strcmp(o->experiment, e->name) != 0) continue;
    for (int k = 0; k < ana_exp_n_metrics(e); k++) {
      if (o->metric && strcmp(o->metric, e->axes[e->n_design + 2].labels[k]) != 0) continue;
      ana_table t;
      ASSERT_OK(ana_table_build(&t, c, e, k, o));
      if (printed++) fputs(o->format == ANA_FMT_CSV ? ana_eol_text(o->eol) : "\n", f);
      ana_table_render(f, &t, o->format, o->show_pvalues, o->eol);
      ana_table_free(&t);
    }
  }
  fclose(f);
  return buf;
}

// Every option set, every cube, tables written whole and in blocks of 1, 2
// and 5 rows: the bytes of the whole tables built from the whole cells.
static void expect_same_tables(const ana_cube *whole, const ana_cube *lazy) {
  ana_table_opts o[16];
  int n;
  option_sets(o, &n);
  static const int blocks[] = {0, 1, 2, 5};
  for (int i = 0; i < n; i++) {
    char *ref = reference_text(whole, &o[i]);
    ASSERT(strlen(ref) > 200);
    for (int b = 0; b < 4; b++) {
      ana_table_set_stream_rows(blocks[b]);
      for (int k = 0; k < 2; k++) {
        char *text = table_text(k ? lazy : whole, &o[i]);
        if (strcmp(ref, text) != 0)
          HARNESS_FAIL("option set %d, %s cells, %d-row blocks: table differs:\n%s\n---\n%s", i,
                       k ? "lazy" : "whole", blocks[b], ref, text);
        free(text);
      }
    }
    ana_table_set_stream_rows(0);
    free(ref);
  }
}

TEST(lazy_tables_are_the_same_bytes_with_any_cache) {
  write_cube();
  ana_cube whole, lazy, tiny;
  ASSERT_OK(ana_cube_open(&whole, path));
  ASSERT_OK(ana_cube_open_lazy(&lazy, path));
  ana_cells_set_cache(1, 1); // one slot of one cell
  ASSERT_OK(ana_cube_open_lazy(&tiny, path));
  ana_cells_set_cache(0, 0);
  ASSERT(lazy.experiments[0].metrics == NULL && lazy.experiments[0].cells != NULL);
  expect_same_tables(&whole, &lazy);
  expect_same_tables(&whole, &tiny);
  // The tiny cache really was exercised: more reads than the default one.
  ASSERT(ana_exp_cell_reads(&tiny.experiments[0]) > ana_exp_cell_reads(&lazy.experiments[0]));
  ASSERT_EQ(0, (long)ana_exp_cell_reads(&whole.experiments[0]));
  ana_cube_free(&whole);
  ana_cube_free(&lazy);
  ana_cube_free(&tiny);
  cf_cube_free(&fx);
}

// One table of snr_matching: 2 x 2 main cells and an input row of 2
// entries, each pooling both train groups. With a single one-cell slot,
// reading subject by subject across the pooled cells would read 2 cells per
// subject; cell by cell it is one read per cell a position needs.
TEST(each_needed_cell_is_read_once_per_table) {
  write_cube();
  ana_cells_set_cache(1, 1);
  ana_cube c;
  ASSERT_OK(ana_cube_open_lazy(&c, path));
  ana_cells_set_cache(0, 0);
  const ana_experiment *e = ana_cube_experiment(&c, "snr_matching");
  ASSERT(e != NULL && ana_exp_n_subjects(e) == 6);
  ana_table_opts o;
  ana_table_opts_init(&o);
  ana_table t;
  size_t before = ana_exp_cell_reads(e);
  ASSERT_OK(ana_table_build(&t, &c, e, CF_SSIM, &o));
  ASSERT_EQ(3, t.n_rows);
  ASSERT_EQ(2, t.n_cols);
  ASSERT_EQ(4 + 2 * 2, (long)(ana_exp_cell_reads(e) - before));
  ana_table_free(&t);
  // --show-params reads the job indices of the same cells: no read more
  // than the one each main position costs.
  o.show_params = 1;
  before = ana_exp_cell_reads(e);
  ASSERT_OK(ana_table_build(&t, &c, e, CF_SSIM, &o));
  ASSERT_EQ(4 + 2 * 2, (long)(ana_exp_cell_reads(e) - before));
  ana_table_free(&t);
  // The default cache holds the whole small experiment: a second table of
  // another metric reads nothing new.
  ana_cube d;
  ASSERT_OK(ana_cube_open_lazy(&d, path));
  e = ana_cube_experiment(&d, "snr_matching");
  ASSERT_OK(ana_table_build(&t, &d, e, CF_SSIM, &o));
  ana_table_free(&t);
  before = ana_exp_cell_reads(e);
  ASSERT(before >= 1);
  ASSERT_OK(ana_table_build(&t, &d, e, CF_NMAE, &o));
  ASSERT_EQ((long)before, (long)ana_exp_cell_reads(e));
  ana_table_free(&t);
  ana_cube_free(&d);
  ana_cube_free(&c);
  cf_cube_free(&fx);
}

// Two places of the cells walked at once through a cache of one run of two
// cells: every access misses until ana_exp_plan_reads(e, 2) halves the runs
// and makes room for both; the values stay those of the fixture.
TEST(planned_reads_stop_two_walks_evicting_each_other) {
  write_cube();
  cf_experiment *fe = cf_find(&fx, "snr_matching");
  size_t cell = sizeof(float) * 6 * CF_STAGES * CF_METRICS + sizeof(int32_t) * 6;
  ana_cells_set_cache(2 * cell, 2 * cell);
  ana_cube c;
  ASSERT_OK(ana_cube_open_lazy(&c, path));
  ana_cells_set_cache(0, 0);
  const ana_experiment *e = ana_cube_experiment(&c, "snr_matching");
  ASSERT(e != NULL && e->n_cells == 4);
  for (int plan = 0; plan < 2; plan++) {
    if (plan) ASSERT_OK(ana_exp_plan_reads(e, 2));
    size_t before = ana_exp_cell_reads(e);
    for (int i = 0; i < 20; i++) {
      size_t at = i % 2 ? 2 : 1; // cells 1 and 2: runs [0, 2) and [2, 4)
      float want = *cf_value(fe, at, 3, 1, CF_NMAE);
      float got = ana_exp_raw(e, at, 3, 1, CF_NMAE);
      ASSERT(got == want || (isnan(got) && isnan(want)));
      ASSERT_EQ(fe->job[at * 6 + 3], ana_exp_job(e, at, 3));
    }
    ASSERT_EQ(plan ? 2 : 20, (long)(ana_exp_cell_reads(e) - before));
  }
  ana_cube_free(&c);
  cf_cube_free(&fx);
}

// A job index outside /jobs: a lazily opened cube refuses it as a whole
// read does (exit 2, the dataset and value named) when it has no row
// checksums; with them, verification names the cell instead.
TEST(lazy_open_refuses_a_job_index_outside_jobs) {
  cf_cube_default(&fx);
  cf_experiment *m = cf_find(&fx, "main");
  m->job[7 * (size_t)m->n_subjects + 2] = fx.n_jobs + 5;
  cf_scratch_path(path, sizeof path, "ana_lazy_badjob.h5");
  ASSERT_EQ(0, cf_cube_write(&fx, path));
  ana_cube c;
  ASSERT_OK(ana_cube_open_lazy(&c, path));
  ASSERT(c.verify.has_checksums && c.verify.n_bad >= 1);
  ana_cube_free(&c);
  hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
  ASSERT(f >= 0);
  ASSERT(H5Ldelete(f, cube_ds_path(CUBE_DS_JOB_CHECKSUM), H5P_DEFAULT) >= 0);
  H5Fclose(f);
  ASSERT_EQ(ASL_EFORMAT, ana_cube_open(&c, path));
  char whole[512];
  snprintf(whole, sizeof whole, "%s", asl_error_message());
  ASSERT_EQ(ASL_EFORMAT, ana_cube_open_lazy(&c, path));
  ASSERT_STR_EQ(whole, asl_error_message());
  ASSERT(strstr(whole, "/main/job holds") != NULL);
  cf_cube_free(&fx);
}

static char *slurp(const char *file, size_t *len) {
  FILE *f = fopen(file, "rb");
  ASSERT(f != NULL);
  fseek(f, 0, SEEK_END);
  *len = (size_t)ftell(f);
  rewind(f);
  char *b = malloc(*len + 1);
  ASSERT(b && fread(b, 1, *len, f) == *len);
  fclose(f);
  return b;
}

// A plot's PNG from each cube: the same bytes (same pixels, same chunks).
static void expect_same_plot(const ana_cube *whole, const ana_cube *lazy, ana_plot_opts *o,
                             const char *stem) {
  char a[1200], b[1300];
  cf_scratch_path(a, sizeof a - 8, stem);
  snprintf(b, sizeof b, "%s_lazy.png", a);
  strcat(a, ".png");
  o->output = a;
  ASSERT_OK(ana_plot(whole, o));
  o->output = b;
  ASSERT_OK(ana_plot(lazy, o));
  size_t na, nb;
  char *x = slurp(a, &na), *y = slurp(b, &nb);
  ASSERT(na > 1000);
  if (na != nb || memcmp(x, y, na) != 0) HARNESS_FAIL("%s: lazy plot differs", stem);
  free(x);
  free(y);
}

TEST(lazy_plots_are_the_same_pixels) {
  write_cube();
  ana_cube whole, tiny;
  ASSERT_OK(ana_cube_open(&whole, path));
  ana_cells_set_cache(1, 1);
  ASSERT_OK(ana_cube_open_lazy(&tiny, path));
  ana_cells_set_cache(0, 0);
  ana_plot_opts o;
  ana_plot_opts_init(&o);
  o.x = "nav", o.hue = "strategy", o.facet = "m0";
  expect_same_plot(&whole, &tiny, &o, "ana_lazy_line");
  ana_plot_opts_init(&o);
  o.experiment = "snr_matching", o.x = "test_snr_group", o.hue = "train_snr_group";
  o.metric = "nmae";
  expect_same_plot(&whole, &tiny, &o, "ana_lazy_heatmap");
  ana_cube_free(&whole);
  ana_cube_free(&tiny);
  ana_plot_release_fonts();
  cf_cube_free(&fx);
}

int main(void) {
  RUN(lazy_tables_are_the_same_bytes_with_any_cache);
  RUN(each_needed_cell_is_read_once_per_table);
  RUN(planned_reads_stop_two_walks_evicting_each_other);
  RUN(lazy_open_refuses_a_job_index_outside_jobs);
  RUN(lazy_plots_are_the_same_pixels);
  return DONE();
}
