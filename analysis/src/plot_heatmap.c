// Heat map of the mean metric over --hue (rows) x --x (columns), values
// written in the cells, with a colour bar.
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "plot_data.h"
#include "plot_internal.h"
#include "plot_layout.h"

static void cell(cairo_t *cr, const ana_panel *p, const ana_plot_data *d, int f, int h, int x,
                 double lo, double hi, int higher_better) {
  double cw = p->w / d->nx, ch = p->h / d->nhue;
  double cx = p->x0 + x * cw, cy = p->y0 + h * ch;
  double m = d->mean[ana_plot_at(d, f, h, x)];
  char text[32];
  if (isnan(m)) {
    cairo_set_source_rgb(cr, 0.92, 0.92, 0.92);
    snprintf(text, sizeof text, "—");
  } else {
    // Bright = better whichever way the metric points.
    double t = hi > lo ? (m - lo) / (hi - lo) : 0.5, r, g, b;
    ana_colormap(higher_better ? t : 1 - t, &r, &g, &b);
    cairo_set_source_rgb(cr, r, g, b);
    snprintf(text, sizeof text, fabs(m) >= 10 ? "%.2f" : "%.3f", m);
  }
  cairo_rectangle(cr, cx, cy, cw, ch);
  cairo_fill(cr);
  double t = hi > lo && !isnan(m) ? (m - lo) / (hi - lo) : 1;
  double lum = higher_better ? t : 1 - t;
  cairo_set_source_rgb(cr, lum > 0.55 ? 0 : 1, lum > 0.55 ? 0 : 1, lum > 0.55 ? 0 : 1);
  if (isnan(m)) cairo_set_source_rgb(cr, 0.4, 0.4, 0.4);
  ana_text(cr, cx + cw / 2, cy + ch / 2, fmin(16, ch / 3), 0.5, 0.5, 0, 1, text);
}

static void colorbar(cairo_t *cr, const ana_canvas *cv, const ana_figure *fig, double lo,
                     double hi, int higher_better, const char *metric) {
  double x = cv->width - fig->legend_w + 24, y = fig->top + 40, h = cv->height - y - 80;
  for (int i = 0; i < 100; i++) {
    double t = 1 - i / 100.0, r, g, b;
    ana_colormap(higher_better ? t : 1 - t, &r, &g, &b);
    cairo_set_source_rgb(cr, r, g, b);
    cairo_rectangle(cr, x, y + i * h / 100, 20, h / 100 + 0.5);
    cairo_fill(cr);
  }
  char s[32];
  cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
  snprintf(s, sizeof s, "%.3g", hi);
  ana_text(cr, x + 26, y, 12, 0, 0.5, 0, 0, s);
  snprintf(s, sizeof s, "%.3g", lo);
  ana_text(cr, x + 26, y + h, 12, 0, 0.5, 0, 0, s);
  ana_text(cr, x + 10, y - 12, 13, 0.5, 1, 0, 1, metric);
}

asl_status ana_plot_heatmap(const ana_cube *c, const ana_plot_opts *o) {
  ana_plot_data d;
  asl_status st = ana_plot_data_build(&d, c, o);
  if (st) return st;
  ana_canvas cv;
  st = ana_canvas_open(&cv, o->output, o->width, o->height);
  if (st) return ana_plot_data_free(&d), st;
  cairo_t *cr = cv.cr;
  const char *metric = d.e->axes[d.e->n_design + 2].labels[d.metric];
  int hb = ana_metric_higher_better(metric);
  double lo = INFINITY, hi = -INFINITY;
  for (size_t i = 0; i < (size_t)d.nx * d.nhue * d.nfacet; i++)
    if (!isnan(d.mean[i])) lo = fmin(lo, d.mean[i]), hi = fmax(hi, d.mean[i]);
  char title[256], sub[600];
  snprintf(title, sizeof title, "%s: %s, %s", d.e->name, ana_pretty(metric),
           d.e->axes[d.e->n_design + 1].labels[d.stage]);
  snprintf(sub, sizeof sub, "mean over test subjects%s%s", d.fixed[0] ? "; " : "", d.fixed);
  ana_figure_title(cr, &cv, title, sub);
  ana_figure fig;
  ana_figure_init(&fig, &cv, d.nfacet, 110);
  const char *xl[64];
  double xs[64];
  for (int f = 0; f < d.nfacet; f++) {
    ana_panel p;
    ana_figure_panel(&fig, f, &p);
    p.x0 += 40, p.w -= 40; // room for row labels
    for (int h = 0; h < d.nhue; h++)
      for (int x = 0; x < d.nx; x++) cell(cr, &p, &d, f, h, x, lo, hi, hb);
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    for (int h = 0; h < d.nhue; h++)
      ana_text(cr, p.x0 - 6, p.y0 + (h + 0.5) * p.h / d.nhue, 12, 1, 0.5, 0, 0,
               ana_plot_label(&d, d.ax_hue, h));
    if (d.ax_hue >= 0)
      ana_text(cr, p.x0 - 70, p.y0 + p.h / 2, 13, 0.5, 0.5, -1.5707963267948966, 0,
               ana_pretty(d.e->axes[d.ax_hue].name));
    int nx = d.nx < 64 ? d.nx : 64;
    for (int x = 0; x < nx; x++) {
      xs[x] = p.x0 + (x + 0.5) * p.w / d.nx;
      xl[x] = ana_plot_label(&d, d.ax_x, x);
    }
    ana_x_ticks(cr, &p, xs, xl, nx, ana_pretty(d.e->axes[d.ax_x].name));
    if (d.ax_facet >= 0) {
      char ft[96];
      snprintf(ft, sizeof ft, "%s = %s", d.e->axes[d.ax_facet].name, ana_plot_label(&d, d.ax_facet, f));
      ana_text(cr, p.x0 + p.w / 2, p.y0 - 10, 14, 0.5, 1, 0, 1, ft);
    }
  }
  colorbar(cr, &cv, &fig, lo, hi, hb, ana_pretty(metric));
  ana_plot_data_free(&d);
  return ana_canvas_close(&cv);
}
