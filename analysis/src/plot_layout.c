#include "plot_layout.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define SWATCH 16.0
#define LEGEND_MAX_FRAC 0.4
#define TICK_LEN 3.0

double ana_figure_title_h(cairo_t *cr, int subtitle) {
  double h = ANA_PAD + ana_text_height(cr, ANA_FS_TITLE) + ANA_PAD / 2;
  if (subtitle) h += ana_text_height(cr, ANA_FS_SUBTITLE) + ANA_PAD / 2;
  return h;
}

void ana_figure_init(ana_figure *f, cairo_t *cr, const ana_canvas *cv, int n_panels,
                     double legend_w, int subtitle, const ana_panel_text *t) {
  memset(f, 0, sizeof *f);
  f->legend_w = legend_w;
  f->n_panels = n_panels < 1 ? 1 : n_panels;
  f->cols = (int)ceil(sqrt((double)f->n_panels));
  f->rows = (f->n_panels + f->cols - 1) / f->cols;
  f->top = ana_figure_title_h(cr, subtitle);
  f->cell_w = (cv->width - legend_w) / f->cols;
  f->cell_h = (cv->height - f->top) / f->rows;
  double label_h = ana_text_height(cr, ANA_FS_LABEL), tick_h = ana_text_height(cr, ANA_FS_TICK);
  f->margin_l = ANA_PAD + (t->ylabel ? label_h + ANA_PAD / 2 : 0) + t->ytick_w + TICK_LEN + 2;
  f->margin_r = ANA_PAD * 1.5;
  f->margin_t = (t->panel_title ? label_h + 4 : 0) + ANA_PAD / 2;
  f->margin_b = TICK_LEN + 2 + tick_h + (t->xlabel ? ANA_PAD / 2 + label_h : 0) + ANA_PAD;
}

void ana_figure_panel(const ana_figure *f, int i, ana_panel *p) {
  int r = i / f->cols, c = i % f->cols;
  p->x0 = c * f->cell_w + f->margin_l;
  p->y0 = f->top + r * f->cell_h + f->margin_t;
  p->w = f->cell_w - f->margin_l - f->margin_r;
  p->h = f->cell_h - f->margin_t - f->margin_b;
  if (p->w < 10) p->w = 10;
  if (p->h < 10) p->h = 10;
}

void ana_figure_title(cairo_t *cr, const ana_canvas *cv, const char *title, const char *subtitle) {
  double avail = cv->width - 2 * ANA_PAD;
  cairo_set_source_rgb(cr, 0, 0, 0);
  ana_text(cr, cv->width / 2, ANA_PAD, ana_fit_size(cr, ANA_FS_TITLE, 4, 1, title, avail), 0.5, 0,
           0, 1, title);
  if (subtitle && subtitle[0]) {
    cairo_set_source_rgb(cr, 0.35, 0.35, 0.35);
    double y = ANA_PAD + ana_text_height(cr, ANA_FS_TITLE) + ANA_PAD / 2;
    ana_text(cr, cv->width / 2, y, ana_fit_size(cr, ANA_FS_SUBTITLE, 4, 0, subtitle, avail), 0.5,
             0, 0, 0, subtitle);
  }
}

static double content_width(cairo_t *cr, double fs, const char *header, const char *const *labels,
                            int n) {
  double w = header ? ana_text_width(cr, fs, 1, header) : 0;
  for (int i = 0; i < n; i++) w = fmax(w, SWATCH + 4 + ana_text_width(cr, fs, 0, labels[i]));
  return w;
}

double ana_legend_width(cairo_t *cr, const ana_canvas *cv, const char *header,
                        const char *const *labels, int n) {
  if (n <= 0) return 0;
  double w = content_width(cr, ANA_FS_LEGEND, header, labels, n) + 2 * ANA_PAD;
  return fmin(w, LEGEND_MAX_FRAC * cv->width);
}

// Copies `s` into out, cut in the middle with "…" until it fits `avail`.
static void elide(cairo_t *cr, double fs, int bold, const char *s, double avail, char *out,
                  size_t len) {
  snprintf(out, len, "%s", s);
  size_t n = strlen(s);
  for (size_t keep = n; keep > 4 && ana_text_width(cr, fs, bold, out) > avail + 0.01; keep--) {
    size_t head = keep / 2, tail = keep - head;
    while (head > 0 && (s[head] & 0xc0) == 0x80) head--; // whole UTF-8 characters
    while (tail > 0 && (s[n - tail] & 0xc0) == 0x80) tail--;
    snprintf(out, len, "%.*s\xe2\x80\xa6%s", (int)head, s, s + n - tail);
  }
}

void ana_figure_legend(cairo_t *cr, const ana_canvas *cv, const ana_figure *f, double y,
                       const char *header, const char *const *labels, int n, int line) {
  if (f->legend_w <= 0 || n <= 0) return;
  double x = cv->width - f->legend_w + ANA_PAD, avail = f->legend_w - 2 * ANA_PAD;
  double fs = ANA_FS_LEGEND, need = content_width(cr, fs, header, labels, n);
  if (need > avail + 0.01) fs = fmax(5, fs * avail / need);
  // Entries that do not fit the height shrink too.
  double step = 1.6 * ana_text_height(cr, fs), room = cv->height - y - ANA_PAD;
  if ((n + 1) * step > room) fs *= room / ((n + 1) * step), step = room / (n + 1);
  double sw = SWATCH * fs / ANA_FS_LEGEND;
  char text[512];
  cairo_set_source_rgb(cr, 0, 0, 0);
  if (header) {
    elide(cr, fs, 1, header, avail, text, sizeof text);
    ana_text(cr, x, y, fs, 0, 0, 0, 1, text);
  }
  for (int i = 0; i < n; i++) {
    double yy = y + (i + 1) * step + step / 2;
    ana_color(cr, i);
    if (line) {
      cairo_set_line_width(cr, 1.5);
      cairo_move_to(cr, x, yy);
      cairo_line_to(cr, x + sw, yy);
      cairo_stroke(cr);
      cairo_arc(cr, x + sw / 2, yy, 2.2, 0, 2 * M_PI);
      cairo_fill(cr);
    } else {
      cairo_rectangle(cr, x, yy - step * 0.3, sw, step * 0.6);
      cairo_fill(cr);
    }
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    elide(cr, fs, 0, labels[i], avail - sw - 4, text, sizeof text);
    ana_text(cr, x + sw + 4, yy, fs, 0, 0.5, 0, 0, text);
  }
}

void ana_x_ticks(cairo_t *cr, const ana_panel *p, const double *xs, const char *const *labels,
                 int n, const char *xlabel) {
  cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
  cairo_set_line_width(cr, 0.6);
  double ybase = p->y0 + p->h, fs = ANA_FS_TICK, wmax = 0;
  double step = n > 1 ? fabs(xs[1] - xs[0]) : p->w;
  for (int i = 0; i < n; i++) wmax = fmax(wmax, ana_text_width(cr, fs, 0, labels[i]));
  if (wmax > 0.92 * step) fs = fmax(4, fs * 0.92 * step / wmax);
  for (int i = 0; i < n; i++) {
    cairo_move_to(cr, xs[i], ybase);
    cairo_line_to(cr, xs[i], ybase + TICK_LEN);
    cairo_stroke(cr);
    ana_text(cr, xs[i], ybase + TICK_LEN + 2, fs, 0.5, 0, 0, 0, labels[i]);
  }
  if (xlabel) {
    // A narrow panel drops the label's explanation in parentheses before the
    // text gets too small to read, so neighbouring panels' labels never meet.
    char text[256];
    snprintf(text, sizeof text, "%s", xlabel);
    char *paren = strstr(text, " (");
    if (paren && ana_text_width(cr, 6.5, 0, text) > p->w) *paren = '\0';
    double y = ybase + TICK_LEN + 2 + ana_text_height(cr, ANA_FS_TICK) + ANA_PAD / 2;
    double lfs = ana_fit_size(cr, ANA_FS_LABEL, 3, 0, text, p->w);
    ana_text(cr, p->x0 + p->w / 2, y, lfs, 0.5, 0, 0, 0, text);
  }
}
