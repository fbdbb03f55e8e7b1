#include "plot_layout.h"

#include <math.h>
#include <string.h>

#define TITLE_H 56.0

void ana_figure_init(ana_figure *f, const ana_canvas *cv, int n_panels, double legend_w) {
  memset(f, 0, sizeof *f);
  f->legend_w = legend_w;
  f->n_panels = n_panels < 1 ? 1 : n_panels;
  f->cols = (int)ceil(sqrt((double)f->n_panels));
  f->rows = (f->n_panels + f->cols - 1) / f->cols;
  f->top = TITLE_H;
  f->cell_w = (cv->width - legend_w) / f->cols;
  f->cell_h = (cv->height - TITLE_H) / f->rows;
}

void ana_figure_panel(const ana_figure *f, int i, ana_panel *p) {
  int r = i / f->cols, c = i % f->cols;
  double left = 78, right = 16, top = 30, bottom = 62;
  p->x0 = c * f->cell_w + left;
  p->y0 = f->top + r * f->cell_h + top;
  p->w = f->cell_w - left - right;
  p->h = f->cell_h - top - bottom;
  if (p->w < 10) p->w = 10;
  if (p->h < 10) p->h = 10;
}

void ana_figure_title(cairo_t *cr, const ana_canvas *cv, const char *title, const char *subtitle) {
  cairo_set_source_rgb(cr, 0, 0, 0);
  ana_text(cr, cv->width / 2, 10, 17, 0.5, 0, 0, 1, title);
  if (subtitle && subtitle[0]) {
    cairo_set_source_rgb(cr, 0.35, 0.35, 0.35);
    ana_text(cr, cv->width / 2, 33, 12, 0.5, 0, 0, 0, subtitle);
  }
}

void ana_figure_legend(cairo_t *cr, const ana_canvas *cv, const ana_figure *f, const char *header,
                       const char *const *labels, int n, int line) {
  if (f->legend_w <= 0 || n <= 0) return;
  double x = cv->width - f->legend_w + 10, y = f->top + 30;
  // Long axis names shrink to fit the legend column.
  double avail = f->legend_w - 16, w = ana_text_width(cr, 13, 1, header);
  double size = w > avail ? fmax(8, 13 * avail / w) : 13;
  cairo_set_source_rgb(cr, 0, 0, 0);
  ana_text(cr, x, y, size, 0, 0, 0, 1, header);
  for (int i = 0; i < n; i++) {
    double yy = y + 24 + i * 22;
    ana_color(cr, i);
    if (line) {
      cairo_set_line_width(cr, 2.5);
      cairo_move_to(cr, x, yy + 7);
      cairo_line_to(cr, x + 24, yy + 7);
      cairo_stroke(cr);
      cairo_arc(cr, x + 12, yy + 7, 3.5, 0, 2 * 3.14159265358979);
      cairo_fill(cr);
    } else {
      cairo_rectangle(cr, x, yy, 24, 14);
      cairo_fill(cr);
    }
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    ana_text(cr, x + 32, yy + 7, 12, 0, 0.5, 0, 0, labels[i]);
  }
}

void ana_x_ticks(cairo_t *cr, const ana_panel *p, const double *xs, const char *const *labels,
                 int n, const char *xlabel) {
  cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
  cairo_set_line_width(cr, 1);
  double ybase = p->y0 + p->h;
  for (int i = 0; i < n; i++) {
    cairo_move_to(cr, xs[i], ybase);
    cairo_line_to(cr, xs[i], ybase + 5);
    cairo_stroke(cr);
    ana_text(cr, xs[i], ybase + 8, 12, 0.5, 0, 0, 0, labels[i]);
  }
  if (xlabel) ana_text(cr, p->x0 + p->w / 2, ybase + 32, 13, 0.5, 0, 0, 0, xlabel);
}
