// Tables as Markdown, LaTeX (booktabs) or CSV.
#include <math.h>
#include <string.h>

#include "table_internal.h"
#include "text_out.h"

void ana_table_wide_init(ana_table_wide *w) {
  memset(w, 0, sizeof *w);
  w->nz_common = w->common = -1;
}

// Cells of the held rows into the table-wide numbers (call after
// ana_table_mark_best: the expected counts are final).
void ana_table_wide_add(ana_table_wide *w, const ana_table *t) {
  for (int i = 0; i < t->n_held * t->n_cols; i++) {
    const ana_cell *c = &t->cells[i];
    if (c->s.n > 0 && fabs(c->s.mean) > w->max_abs) w->max_abs = fabs(c->s.mean);
    if (c->expected == 0) w->any_zero = 1;
    else w->nz_common = w->nz_common < 0 || w->nz_common == c->expected ? c->expected : 0;
  }
}

// The cells expecting 0 show max_n: one more value to agree with.
void ana_table_wide_finish(ana_table_wide *w, int max_n) {
  w->common = w->nz_common;
  if (w->any_zero) w->common = w->nz_common < 0 || w->nz_common == max_n ? max_n : 0;
}

static int decimals(const ana_table_wide *w) { return w->max_abs >= 10 ? 2 : 3; }

static const char *test_name(ana_test_kind k) {
  return k == ANA_TEST_TTEST ? "t-test" : "Wilcoxon signed-rank test";
}

// Cell text for md (latex = 0) or LaTeX (latex = 1).
static void cell_text(char *out, size_t len, const ana_cell *c, int latex, int dec, int show_p) {
  if (c->s.n == 0) {
    snprintf(out, len, "%s", latex ? "--" : "—");
    return;
  }
  char body[160], n[100] = "", p[48] = "";
  const char *pm = latex ? " $\\pm$ " : " ± ";
  if (c->s.n > 1) snprintf(body, sizeof body, "%.*f%s%.*f", dec, c->s.mean, pm, dec, c->s.sd);
  else snprintf(body, sizeof body, "%.*f", dec, c->s.mean);
  if (c->tuned[0]) snprintf(n, sizeof n, " (tuned %s)", c->tuned);
  if (c->s.n < c->expected)
    snprintf(n + strlen(n), sizeof n - strlen(n), " (n=%d)", c->s.n);
  if (show_p && isfinite(c->p_adj)) snprintf(p, sizeof p, " (p=%.3g)", c->p_adj);
  const char *sig = c->significant ? (latex ? "$^\\dagger$" : "†") : "";
  if (c->best)
    snprintf(out, len, latex ? "\\textbf{%s}%s%s%s" : "**%s**%s%s%s", body, sig, n, p);
  else
    snprintf(out, len, "%s%s%s%s", body, sig, n, p);
}

static void join_axes(char *out, size_t len, const char (*axes)[ANA_LABEL_LEN], int n) {
  out[0] = '\0';
  for (int i = 0; i < n; i++)
    snprintf(out + strlen(out), len - strlen(out), "%s%s", i ? ", " : "", axes[i]);
}

// The legend under a table; LaTeX gets its symbols in math mode and the
// baseline's name escaped.
static void legend(char *out, size_t len, const ana_table *t, const ana_table_wide *w,
                   int latex) {
  char base[200];
  if (latex) ana_latex_escape(base, sizeof base, t->baseline);
  else snprintf(base, sizeof base, "%s", t->baseline);
  // One n for the whole table when every cell expects the same subjects.
  int common = w->common;
  char n[64] = "n shown where subjects are missing";
  if (common > 0) snprintf(n, sizeof n, "n = %d unless shown", common);
  snprintf(out, len, "Cells: mean %s SD (sample SD) over test subjects, folds pooled; %s. "
           "Bold: best of row (%s is better).",
           latex ? "$\\pm$" : "±", n, t->higher_better ? "higher" : "lower");
  if (t->baseline[0])
    snprintf(out + strlen(out), len - strlen(out),
             " %s: differs from %s (%s paired by subject, Holm-adjusted p %s %g over %d tests).",
             latex ? "$^\\dagger$" : "†", base, test_name(t->test), latex ? "$<$" : "<", t->alpha,
             t->n_tests);
  if (t->show_params)
    snprintf(out + strlen(out), len - strlen(out),
             " (tuned V): the value of the model's auto parameter chosen on each fold's "
             "training subjects, distinct values joined by /.");
  snprintf(out + strlen(out), len - strlen(out), " %s: no data.", latex ? "--" : "—");
}

static void md_head(FILE *out, const ana_table *t) {
  char rows[160], cols[160];
  join_axes(rows, sizeof rows, t->row_axes, t->n_row_axes);
  join_axes(cols, sizeof cols, t->col_axes, t->n_col_axes);
  fprintf(out, "### %s: %s (%s)\n\n", t->experiment, t->metric, t->stage_name);
  if (t->fixed[0]) fprintf(out, "Fixed: %s.\n\n", t->fixed);
  fprintf(out, "| %s%s%s |", rows[0] ? rows : "", cols[0] ? " \\ " : "", cols);
  for (int c = 0; c < t->n_cols; c++) fprintf(out, " %s |", t->col_labels[c]);
  fprintf(out, "\n|---|");
  for (int c = 0; c < t->n_cols; c++) fputs("---:|", out);
  fputc('\n', out);
}

static void md_rows(FILE *out, const ana_table *t, const ana_table_wide *w, int show_p) {
  char text[640];
  for (int r = 0; r < t->n_held; r++) {
    fprintf(out, "| %s |", t->row_labels[r]);
    for (int c = 0; c < t->n_cols; c++) {
      cell_text(text, sizeof text, &t->cells[r * t->n_cols + c], 0, decimals(w), show_p);
      fprintf(out, " %s |", text);
    }
    fputc('\n', out);
  }
}

static void md_tail(FILE *out, const ana_table *t, const ana_table_wide *w) {
  char text[640];
  legend(text, sizeof text, t, w, 0);
  fprintf(out, "\n%s\n", text);
}

// Row r of the held rows: reference cells only.
static int reference_row(const ana_table *t, int r) {
  for (int c = 0; c < t->n_cols; c++)
    if (t->cells[r * t->n_cols + c].kind != ANA_CELL_REFERENCE) return 0;
  return 1;
}

static void latex_head(FILE *out, const ana_table *t, const ana_table_wide *w) {
  char a[160], b[160], esc[768], text[800];
  join_axes(a, sizeof a, t->row_axes, t->n_row_axes);
  join_axes(b, sizeof b, t->col_axes, t->n_col_axes);
  // Wide tables (many columns, p-values) shrink to the text width instead of
  // running off the page; narrow ones keep their natural size.
  fprintf(out, "%% %s: %s (%s); needs \\usepackage{booktabs,graphicx}\n"
          "\\begin{table}[ht]\n\\centering\n", t->experiment, t->metric, t->stage_name);
  legend(esc, sizeof esc, t, w, 1);
  char title[700];
  snprintf(title, sizeof title, "%s: %s (%s)%s%s", t->experiment, t->metric, t->stage_name,
           t->fixed[0] ? "; fixed: " : "", t->fixed);
  ana_latex_escape(text, sizeof text, title);
  fprintf(out, "\\caption{%s. %s}\n"
          "\\resizebox{\\ifdim\\width>\\linewidth\\linewidth\\else\\width\\fi}{!}{%%\n"
          "\\begin{tabular}{l", text, esc);
  for (int c = 0; c < t->n_cols; c++) fputc('c', out);
  ana_latex_escape(esc, sizeof esc, a);
  fprintf(out, "}\n\\toprule\n%s", esc);
  if (b[0]) {
    ana_latex_escape(esc, sizeof esc, b);
    fprintf(out, " $\\backslash$ %s", esc);
  }
  for (int c = 0; c < t->n_cols; c++) {
    ana_latex_escape(esc, sizeof esc, t->col_labels[c]);
    fprintf(out, " & %s", esc);
  }
  fputs(" \\\\\n\\midrule\n", out);
}

static void latex_rows(FILE *out, const ana_table *t, ana_table_wide *w, int show_p) {
  char esc[768], text[800];
  for (int r = 0; r < t->n_held; r++) {
    int ref = reference_row(t, r);
    if (t->r0 + r > 0 && ref && !w->prev_ref) fputs("\\midrule\n", out);
    w->prev_ref = ref;
    ana_latex_escape(esc, sizeof esc, t->row_labels[r]);
    fputs(esc, out);
    for (int c = 0; c < t->n_cols; c++) {
      cell_text(text, sizeof text, &t->cells[r * t->n_cols + c], 1, decimals(w), show_p);
      fprintf(out, " & %s", text);
    }
    fputs(" \\\\\n", out);
  }
}

static void csv_num(FILE *out, double v, int ok) {
  fputc(',', out);
  if (ok && isfinite(v)) fprintf(out, "%.9g", v);
}

static void csv_head(FILE *out, const ana_table *t, const char *eol) {
  char rows[160], h[200];
  join_axes(rows, sizeof rows, t->row_axes, t->n_row_axes);
  fputs("experiment,metric,stage,", out);
  ana_csv_field(out, rows[0] ? rows : "row");
  static const char *fields[] = {"mean", "sd", "n", "best", "p", "p_holm", "significant"};
  int nf = t->baseline[0] ? 7 : 4;
  for (int c = 0; c < t->n_cols; c++) {
    for (int f = 0; f < nf; f++) {
      snprintf(h, sizeof h, "%s %s", t->col_labels[c], fields[f]);
      fputc(',', out);
      ana_csv_field(out, h);
    }
    if (t->show_params) {
      snprintf(h, sizeof h, "%s tuned", t->col_labels[c]);
      fputc(',', out);
      ana_csv_field(out, h);
    }
  }
  fputs(eol, out);
}

static void csv_rows(FILE *out, const ana_table *t, const char *eol) {
  int nf = t->baseline[0] ? 7 : 4;
  for (int r = 0; r < t->n_held; r++) {
    ana_csv_field(out, t->experiment);
    fputc(',', out);
    ana_csv_field(out, t->metric);
    fprintf(out, ",%s,", t->stage_name);
    ana_csv_field(out, t->row_labels[r]);
    for (int c = 0; c < t->n_cols; c++) {
      const ana_cell *x = &t->cells[r * t->n_cols + c];
      int has = x->s.n > 0;
      csv_num(out, x->s.mean, has);
      csv_num(out, x->s.sd, has);
      csv_num(out, x->s.n, 1);
      csv_num(out, x->best, x->kind == ANA_CELL_MAIN);
      if (nf == 7) {
        csv_num(out, x->p, 1);
        csv_num(out, x->p_adj, 1);
        csv_num(out, x->significant, isfinite(x->p_adj));
      }
      if (t->show_params) {
        fputc(',', out);
        ana_csv_field(out, x->tuned);
      }
    }
    fputs(eol, out);
  }
}

void ana_table_render_head(FILE *out, const ana_table *t, ana_format format,
                           ana_line_ending eol, const ana_table_wide *w) {
  if (format == ANA_FMT_LATEX) latex_head(out, t, w);
  else if (format == ANA_FMT_CSV) csv_head(out, t, ana_eol_text(eol));
  else md_head(out, t);
}

void ana_table_render_rows(FILE *out, const ana_table *t, ana_format format, int show_pvalues,
                           ana_line_ending eol, ana_table_wide *w) {
  if (format == ANA_FMT_LATEX) latex_rows(out, t, w, show_pvalues);
  else if (format == ANA_FMT_CSV) csv_rows(out, t, ana_eol_text(eol));
  else md_rows(out, t, w, show_pvalues);
}

void ana_table_render_tail(FILE *out, const ana_table *t, ana_format format,
                           const ana_table_wide *w) {
  if (format == ANA_FMT_LATEX) fputs("\\bottomrule\n\\end{tabular}}\n\\end{table}\n", out);
  else if (format == ANA_FMT_MD) md_tail(out, t, w);
}

void ana_table_render(FILE *out, const ana_table *t, ana_format format, int show_pvalues,
                      ana_line_ending eol) {
  ana_table_wide w;
  ana_table_wide_init(&w);
  ana_table_wide_add(&w, t);
  ana_table_wide_finish(&w, 0); // a built table's cells already show max_n
  ana_table_render_head(out, t, format, eol, &w);
  ana_table_render_rows(out, t, format, show_pvalues, eol, &w);
  ana_table_render_tail(out, t, format, &w);
}
