// Tidy exports: every finite value of a fixture cube appears exactly once in
// the CSV (parsed here with an independent RFC 4180 reader), JSON lines carry
// the same rows, and the summary export matches the table numbers.
#include <math.h>
#include <stdlib.h>

#include "ana/export.h"
#include "cube_fixture.h"
#include "harness.h"

#define MAX_FIELDS 64

typedef struct {
  int n;
  char *f[MAX_FIELDS];
} record;

// Record terminator the parser demands: "\n" (the default) or "\r\n".
static const char *want_eol = "\n";

// Reads one RFC 4180 record from *p (quoted fields, doubled quotes) that
// ends in exactly want_eol.
static int parse_record(const char **p, record *r) {
  const char *s = *p;
  if (*s == '\0') return 0;
  r->n = 0;
  for (;;) {
    char *buf = malloc(strlen(s) + 1);
    size_t k = 0;
    if (*s == '"') {
      s++;
      for (;;) {
        if (*s == '\0') HARNESS_FAIL("unterminated quoted field");
        if (*s == '"' && s[1] == '"') buf[k++] = '"', s += 2;
        else if (*s == '"') { s++; break; }
        else buf[k++] = *s++;
      }
    } else {
      while (*s && *s != ',' && *s != '\r' && *s != '\n') buf[k++] = *s++;
    }
    buf[k] = '\0';
    ASSERT(r->n < MAX_FIELDS);
    r->f[r->n++] = buf;
    if (*s == ',') { s++; continue; }
    if (strncmp(s, want_eol, strlen(want_eol)) != 0)
      HARNESS_FAIL("record does not end in %s", want_eol[0] == '\r' ? "CRLF" : "LF");
    s += strlen(want_eol);
    break;
  }
  *p = s;
  return 1;
}

static void free_record(record *r) {
  for (int i = 0; i < r->n; i++) free(r->f[i]);
}

static int column(const record *h, const char *name) {
  for (int i = 0; i < h->n; i++)
    if (strcmp(h->f[i], name) == 0) return i;
  HARNESS_FAIL("no column %s", name);
  return -1;
}

static int label_index(const cf_axis *a, const char *text) {
  for (int i = 0; i < a->n; i++)
    if (strcmp(a->labels[i], text) == 0) return i;
  HARNESS_FAIL("label %s not on axis %s", text, a->name);
  return -1;
}

static char *export_eol(ana_cube *c, ana_export_format fmt, int summary, ana_line_ending eol) {
  char *buf = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&buf, &len);
  ana_export_opts o;
  ana_export_opts_init(&o);
  o.format = fmt, o.summary = summary, o.eol = eol;
  ASSERT_OK(ana_export(out, c, &o));
  fclose(out);
  return buf;
}

static char *export_text(ana_cube *c, ana_export_format fmt, int summary) {
  return export_eol(c, fmt, summary, ANA_EOL_LF);
}

static cf_cube fx;
static ana_cube cube;

static void setup(const char *name) {
  char path[1024];
  cf_cube_default(&fx);
  cf_experiment *m = cf_find(&fx, "main");
  *cf_value(m, 3, 2, 1, CF_NMAE) = NAN;
  fx.jobs[m->job[5 * 6 + 1]].status = 3; // failed: exported, with its status
  snprintf(fx.jobs[m->job[0]].host, 64, "rack 1,\"b\"\nnode");
  cf_scratch_path(path, sizeof path, name);
  ASSERT_EQ(0, cf_cube_write(&fx, path));
  ASSERT_OK(ana_cube_open(&cube, path));
}

// Counts per fixture value how often the export holds it; checks each value.
static int count_rows(const char *csv, int **counts) {
  const char *p = csv;
  record h, r;
  ASSERT(parse_record(&p, &h));
  int ce = column(&h, "experiment"), cs = column(&h, "subject"), cst = column(&h, "stage"),
      cm = column(&h, "metric"), cv = column(&h, "value"), chost = column(&h, "host");
  int rows = 0, saw_host = 0;
  while (parse_record(&p, &r)) {
    ASSERT_EQ(h.n, r.n);
    int e = -1;
    for (int i = 0; i < fx.n_experiments; i++)
      if (strcmp(fx.exp[i].name, r.f[ce]) == 0) e = i;
    ASSERT(e >= 0);
    cf_experiment *x = &fx.exp[e];
    int idx[CF_MAX_AXES];
    for (int a = 0; a < x->n_design; a++)
      idx[a] = label_index(&x->axes[a], r.f[column(&h, x->axes[a].name)]);
    int s = atoi(r.f[cs] + 4) - 1, st = strcmp(r.f[cst], "denoised") == 0;
    int m = strcmp(r.f[cm], "ssim") == 0 ? 0 : strcmp(r.f[cm], "psnr") == 0 ? 1 : 2;
    size_t cell = cf_cell(x, idx);
    size_t flat = ((cell * (size_t)x->n_subjects + (size_t)s) * CF_STAGES + (size_t)st) * CF_METRICS + (size_t)m;
    counts[e][flat]++;
    ASSERT(strtof(r.f[cv], NULL) == x->metrics[flat]); // exact float32 round trip
    saw_host |= strcmp(r.f[chost], "rack 1,\"b\"\nnode") == 0;
    rows++;
    free_record(&r);
  }
  ASSERT(saw_host);
  free_record(&h);
  return rows;
}

TEST(csv_export_holds_every_finite_value_exactly_once) {
  setup("ana_export_rows.h5");
  int *counts[CF_MAX_EXPERIMENTS];
  for (int e = 0; e < fx.n_experiments; e++)
    counts[e] = calloc(fx.exp[e].n_cells * (size_t)fx.n_subjects * CF_STAGES * CF_METRICS, sizeof(int));
  char *csv = export_text(&cube, ANA_EXPORT_CSV, 0);
  int rows = count_rows(csv, counts);
  int finite = 0;
  for (int e = 0; e < fx.n_experiments; e++) {
    size_t n = fx.exp[e].n_cells * (size_t)fx.n_subjects * CF_STAGES * CF_METRICS;
    for (size_t i = 0; i < n; i++) {
      int want = isfinite(fx.exp[e].metrics[i]) ? 1 : 0;
      ASSERT_EQ(want, counts[e][i]);
      finite += want;
    }
    free(counts[e]);
  }
  ASSERT_EQ(finite, rows);
  ASSERT(finite > 500);
  ASSERT(strstr(csv, ",failed,") != NULL);
  free(csv);
  // JSON lines: the same number of rows, typed values.
  char *js = export_text(&cube, ANA_EXPORT_JSON, 0);
  int lines = 0;
  for (char *p = js; *p; p++) lines += *p == '\n';
  ASSERT_EQ(finite, lines);
  ASSERT(strncmp(js, "{\"experiment\":\"main\",\"strategy\":\"windowed\",\"nav\":1,", 50) == 0);
  ASSERT(strstr(js, "\"host\":\"rack 1,\\\"b\\\"\\nnode\"") != NULL);
  ASSERT(strstr(js, "\"strategy\":null,\"nav\":4,") != NULL);
  free(js);
  ana_cube_free(&cube);
  cf_cube_free(&fx);
}

TEST(summary_export_has_one_row_per_cell_with_table_numbers) {
  setup("ana_export_summary.h5");
  char *csv = export_text(&cube, ANA_EXPORT_CSV, 1);
  const char *p = csv;
  record h, r;
  ASSERT(parse_record(&p, &h));
  int cn = column(&h, "n"), cmean = column(&h, "mean"), csd = column(&h, "sd");
  int rows = 0, checked = 0;
  cf_experiment *m = cf_find(&fx, "main");
  while (parse_record(&p, &r)) {
    // main, interleaved, nav=8, m0=on, denoised, ssim: the full 6 subjects.
    if (strcmp(r.f[0], "main") == 0 && strcmp(r.f[column(&h, "strategy")], "interleaved") == 0 &&
        strcmp(r.f[column(&h, "nav")], "8") == 0 && strcmp(r.f[column(&h, "m0")], "on") == 0 &&
        strcmp(r.f[column(&h, "stage")], "denoised") == 0 &&
        strcmp(r.f[column(&h, "metric")], "ssim") == 0) {
      double sum = 0, ss = 0;
      for (int s = 0; s < 6; s++) sum += *cf_value(m, 15, s, 1, CF_SSIM);
      for (int s = 0; s < 6; s++)
        ss += pow(*cf_value(m, 15, s, 1, CF_SSIM) - sum / 6, 2);
      ASSERT_EQ(6, atoi(r.f[cn]));
      ASSERT_NEAR(sum / 6, strtod(r.f[cmean], NULL), 1e-8);
      ASSERT_NEAR(sqrt(ss / 5), strtod(r.f[csd], NULL), 1e-8);
      double lo = strtod(r.f[column(&h, "ci95_lo")], NULL), hi = strtod(r.f[column(&h, "ci95_hi")], NULL);
      ASSERT(lo < sum / 6 && sum / 6 < hi);
      // About ±1.96 SE = ±0.8 SD wide for n = 6, not ±2 SD.
      ASSERT(hi - lo > 0.8 * sqrt(ss / 5) && hi - lo < 2.2 * sqrt(ss / 5));
      checked++;
    }
    // The failed job's cell (cell 5) loses fold 1's subjects.
    if (strcmp(r.f[0], "main") == 0 && strcmp(r.f[column(&h, "strategy")], "windowed") == 0 &&
        strcmp(r.f[column(&h, "nav")], "4") == 0 && strcmp(r.f[column(&h, "m0")], "on") == 0) {
      ASSERT_EQ(4, atoi(r.f[cn]));
      checked++;
    }
    rows++;
    free_record(&r);
  }
  free_record(&h);
  ASSERT_EQ(1 + 6, checked);
  ASSERT_EQ((16 + 4 + 9) * CF_STAGES * CF_METRICS, rows);
  free(csv);
  ana_cube_free(&cube);
  cf_cube_free(&fx);
}

TEST(csv_lines_end_in_lf_by_default_and_crlf_on_request) {
  setup("ana_export_eol.h5");
  char *lf = export_text(&cube, ANA_EXPORT_CSV, 1);
  ASSERT(strchr(lf, '\r') == NULL); // cut/awk see "seed", not "seed\r"
  ASSERT(strstr(lf, ",ci95_lo,ci95_hi\n") != NULL);
  char *crlf = export_eol(&cube, ANA_EXPORT_CSV, 1, ANA_EOL_CRLF);
  ASSERT(strstr(crlf, ",ci95_lo,ci95_hi\r\n") != NULL);
  size_t n_lf = 0, n_cr = 0, bare = 0;
  for (const char *p = lf; *p; p++) n_lf += *p == '\n';
  for (const char *p = crlf; *p; p++) {
    n_cr += *p == '\r';
    bare += *p == '\n' && (p == crlf || p[-1] != '\r');
  }
  ASSERT(n_lf > 100);
  ASSERT_EQ(n_lf, n_cr); // the same records, each ended by CRLF
  ASSERT_EQ(0, bare);
  ASSERT_EQ(strlen(lf) + n_lf, strlen(crlf));
  // The row export's quoted line break stays inside its field either way.
  want_eol = "\r\n";
  free(crlf);
  crlf = export_eol(&cube, ANA_EXPORT_CSV, 0, ANA_EOL_CRLF);
  const char *p = crlf;
  record h, r;
  ASSERT(parse_record(&p, &h));
  int rows = 0;
  while (parse_record(&p, &r)) {
    ASSERT_EQ(h.n, r.n);
    free_record(&r);
    rows++;
  }
  ASSERT(rows > 500);
  free_record(&h);
  want_eol = "\n";
  ana_line_ending eol;
  ASSERT_OK(ana_line_ending_parse(&eol, "crlf"));
  ASSERT_EQ(ANA_EOL_CRLF, eol);
  ASSERT_EQ(ASL_EINVAL, ana_line_ending_parse(&eol, "cr"));
  ASSERT(strstr(asl_error_message(), "lf or crlf") != NULL);
  free(lf);
  free(crlf);
  ana_cube_free(&cube);
  cf_cube_free(&fx);
}

// A cube opened lazily (cells read a run at a time, as `aslsweep export`
// does) exports byte for byte what the cube read whole exports.
TEST(lazy_cells_export_the_same_bytes) {
  char path[1024];
  setup("export_lazy.h5");
  cf_scratch_path(path, sizeof path, "export_lazy.h5");
  ana_cube lazy;
  ASSERT_OK(ana_cube_open_lazy(&lazy, path));
  ASSERT(lazy.experiments[0].metrics == NULL && lazy.experiments[0].cells != NULL);
  for (int summary = 0; summary < 2; summary++) {
    char *a = export_text(&cube, ANA_EXPORT_CSV, summary);
    char *b = export_text(&lazy, ANA_EXPORT_CSV, summary);
    ASSERT_STR_EQ(a, b);
    free(a);
    free(b);
  }
  char *a = export_text(&cube, ANA_EXPORT_JSON, 0), *b = export_text(&lazy, ANA_EXPORT_JSON, 0);
  ASSERT_STR_EQ(a, b);
  free(a);
  free(b);
  ana_cube_free(&lazy);
  ana_cube_free(&cube);
  cf_cube_free(&fx);
}

int main(void) {
  RUN(csv_export_holds_every_finite_value_exactly_once);
  RUN(lazy_cells_export_the_same_bytes);
  RUN(summary_export_has_one_row_per_cell_with_table_numbers);
  RUN(csv_lines_end_in_lf_by_default_and_crlf_on_request);
  return DONE();
}
