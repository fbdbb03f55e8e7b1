// Tidy CSV / JSON-lines exports (rows and per-cell summaries).
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ana/export.h"
#include "ana/stats.h"
#include "asl/json_write.h"
#include "asl/rng.h"
#include "text_out.h"

#define MAX_COLS 64

enum { F_STR = 0, F_NUM = 1, F_NULL = 2 };

typedef struct {
  const char *name;
  int kind;
  char text[600];
} field;

typedef struct {
  FILE *out;
  ana_export_format fmt;
  const char *eol;
  int header_done;
  int n_axes;                        // union of design axes, in first-seen order
  char axes[MAX_COLS][ANA_LABEL_LEN];
  field f[MAX_COLS + 24];
  int n;
} writer;

static field *add(writer *w, const char *name, int kind) {
  field *f = &w->f[w->n++];
  f->name = name;
  f->kind = kind;
  f->text[0] = '\0';
  return f;
}

static void add_str(writer *w, const char *name, const char *v) {
  snprintf(add(w, name, F_STR)->text, sizeof w->f[0].text, "%s", v);
}

static void add_num(writer *w, const char *name, double v, int digits) {
  if (!isfinite(v)) {
    add(w, name, F_NULL);
    return;
  }
  snprintf(add(w, name, F_NUM)->text, sizeof w->f[0].text, "%.*g", digits, v);
}

static void emit(writer *w) {
  if (w->fmt == ANA_EXPORT_CSV) {
    if (!w->header_done) {
      for (int i = 0; i < w->n; i++) {
        if (i) fputc(',', w->out);
        ana_csv_field(w->out, w->f[i].name);
      }
      fputs(w->eol, w->out);
      w->header_done = 1;
    }
    for (int i = 0; i < w->n; i++) {
      if (i) fputc(',', w->out);
      if (w->f[i].kind != F_NULL) ana_csv_field(w->out, w->f[i].text);
    }
    fputs(w->eol, w->out);
  } else {
    fputc('{', w->out);
    int first = 1;
    for (int i = 0; i < w->n; i++) {
      if (!first) fputc(',', w->out);
      first = 0;
      asl_json_write_string(w->out, w->f[i].name);
      fputc(':', w->out);
      if (w->f[i].kind == F_STR) asl_json_write_string(w->out, w->f[i].text);
      else fputs(w->f[i].kind == F_NUM ? w->f[i].text : "null", w->out);
    }
    fputs("}\n", w->out);
  }
  w->n = 0;
}

// The experiment name and one column per design axis of the union.
static void add_design(writer *w, const ana_experiment *e, size_t cell) {
  int idx[64];
  ana_exp_cell_coords(e, cell, idx);
  add_str(w, "experiment", e->name);
  for (int k = 0; k < w->n_axes; k++) {
    int a = ana_exp_axis(e, w->axes[k]);
    if (a < 0 || a >= e->n_design) {
      add(w, w->axes[k], F_NULL);
      continue;
    }
    const ana_axis *ax = &e->axes[a];
    if (ax->is_int) add_num(w, w->axes[k], ax->ivalues[idx[a]], 10);
    else add_str(w, w->axes[k], ax->labels[idx[a]]);
  }
}

static const char *status_name(int s) {
  static const char *names[] = {"pending", "running", "done", "failed"};
  return s >= 0 && s < 4 ? names[s] : "unknown";
}

static void add_job(writer *w, const ana_cube *c, int j) {
  if (j >= c->jobs.n) j = -1; // an index no job has (verification names such cells)
  add_num(w, "job", j, 10);
  if (j < 0) {
    static const char *cols[] = {"job_key", "job_status", "seconds", "rank", "host", "seed"};
    for (int i = 0; i < 6; i++) add(w, cols[i], F_NULL);
    return;
  }
  const ana_jobs *J = &c->jobs;
  add_str(w, "job_key", ana_job_key(c, j));
  add_str(w, "job_status", status_name(J->status[j]));
  add_num(w, "seconds", J->seconds[j], 9);
  add_num(w, "rank", J->rank[j], 10);
  add_str(w, "host", ana_job_host(c, j));
  snprintf(add(w, "seed", F_NUM)->text, sizeof w->f[0].text, "%" PRIu64, J->seed[j]);
}

static void rows_of(writer *w, const ana_cube *c, const ana_experiment *e) {
  int ns = ana_exp_n_subjects(e), nst = ana_exp_n_stages(e), nm = ana_exp_n_metrics(e);
  const ana_axis *stage = &e->axes[e->n_design + 1], *metric = &e->axes[e->n_design + 2];
  for (size_t cell = 0; cell < e->n_cells; cell++)
    for (int s = 0; s < ns; s++)
      for (int st = 0; st < nst; st++)
        for (int m = 0; m < nm; m++) {
          float v = ana_exp_raw(e, cell, s, st, m);
          if (!isfinite(v)) continue;
          add_design(w, e, cell);
          add_str(w, CUBE_AXIS_SUBJECT, c->subjects.id[s]);
          add_num(w, "fold", c->subjects.fold[s], 10);
          add_str(w, CUBE_AXIS_STAGE, stage->labels[st]);
          add_str(w, CUBE_AXIS_METRIC, metric->labels[m]);
          ana_format_float(add(w, "value", F_NUM)->text, sizeof w->f[0].text, v);
          add_job(w, c, ana_exp_job(e, cell, s));
          emit(w);
        }
}

// 95% percentile bootstrap CI of the mean, seeded from the cell's identity so
// every export of the same cube prints the same interval.
static void add_ci(writer *w, const ana_experiment *e, size_t cell, int st, int m, double *buf,
                   int ns) {
  int k = 0;
  for (int s = 0; s < ns; s++)
    if (isfinite(buf[s])) buf[k++] = buf[s];
  double lo = NAN, hi = NAN;
  if (k >= 2) {
    char id[128];
    snprintf(id, sizeof id, "%s/%zu/%d/%d", e->name, cell, st, m);
    if (ana_bootstrap_ci(buf, k, ANA_EXPORT_BOOTSTRAP, 0.95, asl_hash64(id), &lo, &hi))
      lo = hi = NAN;
  }
  add_num(w, "ci95_lo", lo, 9);
  add_num(w, "ci95_hi", hi, 9);
}

static void summary_of(writer *w, const ana_cube *c, const ana_experiment *e, double *buf) {
  int ns = ana_exp_n_subjects(e), nst = ana_exp_n_stages(e), nm = ana_exp_n_metrics(e);
  for (size_t cell = 0; cell < e->n_cells; cell++)
    for (int st = 0; st < nst; st++)
      for (int m = 0; m < nm; m++) {
        for (int s = 0; s < ns; s++) buf[s] = ana_exp_value(c, e, cell, s, st, m);
        ana_summary sm;
        ana_summarize(buf, ns, &sm);
        add_design(w, e, cell);
        add_str(w, CUBE_AXIS_STAGE, e->axes[e->n_design + 1].labels[st]);
        add_str(w, CUBE_AXIS_METRIC, e->axes[e->n_design + 2].labels[m]);
        add_num(w, "n", sm.n, 10);
        add_num(w, "mean", sm.mean, 9);
        add_num(w, "sd", sm.sd, 9);
        add_num(w, "median", sm.median, 9);
        add_num(w, "q1", sm.q1, 9);
        add_num(w, "q3", sm.q3, 9);
        add_ci(w, e, cell, st, m, buf, ns);
        emit(w);
      }
}

static void collect_axes(writer *w, const ana_experiment *e) {
  for (int a = 0; a < e->n_design; a++) {
    int seen = 0;
    for (int k = 0; k < w->n_axes; k++) seen |= strcmp(w->axes[k], e->axes[a].name) == 0;
    if (!seen && w->n_axes < MAX_COLS)
      snprintf(w->axes[w->n_axes++], ANA_LABEL_LEN, "%s", e->axes[a].name);
  }
}

void ana_export_opts_init(ana_export_opts *o) {
  memset(o, 0, sizeof *o);
  o->format = ANA_EXPORT_CSV;
  o->eol = ANA_EOL_LF;
}

asl_status ana_line_ending_parse(ana_line_ending *eol, const char *text) {
  if (strcmp(text, "lf") == 0) return *eol = ANA_EOL_LF, ASL_OK;
  if (strcmp(text, "crlf") == 0) return *eol = ANA_EOL_CRLF, ASL_OK;
  return asl_fail(ASL_EINVAL, "--line-ending %s: expected lf or crlf", text);
}

asl_status ana_export(FILE *out, const ana_cube *c, const ana_export_opts *o) {
  const char *experiment = o->experiment;
  int summary = o->summary;
  writer *w = calloc(1, sizeof *w);
  double *buf = malloc(((size_t)c->subjects.n + 1) * sizeof *buf);
  if (!w || !buf) {
    free(w);
    free(buf);
    return asl_fail(ASL_ENOMEM, "export: out of memory");
  }
  w->out = out;
  w->fmt = o->format;
  w->eol = ana_eol_text(o->eol);
  int found = 0;
  for (int i = 0; i < c->n_experiments; i++)
    if (!experiment || strcmp(experiment, c->experiments[i].name) == 0)
      collect_axes(w, &c->experiments[i]), found++;
  for (int i = 0; i < c->n_experiments; i++) {
    const ana_experiment *e = &c->experiments[i];
    if (experiment && strcmp(experiment, e->name) != 0) continue;
    if (summary) summary_of(w, c, e, buf);
    else rows_of(w, c, e);
  }
  free(w);
  free(buf);
  if (experiment && !found)
    return asl_fail(ASL_EINVAL, "%s: no experiment '%s'", c->path, experiment);
  if (ferror(out)) return asl_fail(ASL_EIO, "export: write error");
  return ASL_OK;
}
