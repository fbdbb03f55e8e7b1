// Line plots (metric vs x per hue, ±SD error bars) and grouped bars.
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "plot_data.h"
#include "plot_internal.h"
#include "plot_layout.h"

#define TWO_PI 6.283185307179586

static void error_bar(cairo_t *cr, double x, double ylo, double yhi, double cap) {
  cairo_set_line_width(cr, 1.4);
  cairo_move_to(cr, x, ylo);
  cairo_line_to(cr, x, yhi);
  cairo_move_to(cr, x - cap, ylo);
  cairo_line_to(cr, x + cap, ylo);
  cairo_move_to(cr, x - cap, yhi);
  cairo_line_to(cr, x + cap, yhi);
  cairo_stroke(cr);
}

static void draw_lines(cairo_t *cr, const ana_plot_data *d, const ana_panel *p, int f) {
  double step = p->w / d->nx;
  double dodge = fmin(6.0, step * 0.3 / (d->nhue + 1));
  for (int h = 0; h < d->nhue; h++) {
    double off = (h - (d->nhue - 1) / 2.0) * dodge;
    ana_color(cr, h);
    cairo_set_line_width(cr, 2.5);
    int pen = 0;
    for (int x = 0; x < d->nx; x++) { // the line, broken at missing points
      double m = d->mean[ana_plot_at(d, f, h, x)];
      if (isnan(m)) {
        pen = 0;
        continue;
      }
      double px = p->x0 + (x + 0.5) * step + off, py = ana_panel_y(p, m);
      if (pen) cairo_line_to(cr, px, py);
      else cairo_move_to(cr, px, py);
      pen = 1;
    }
    cairo_stroke(cr);
    for (int x = 0; x < d->nx; x++) {
      size_t at = ana_plot_at(d, f, h, x);
      if (isnan(d->mean[at])) continue;
      double px = p->x0 + (x + 0.5) * step + off;
      error_bar(cr, px, ana_panel_y(p, d->mean[at] - d->sd[at]),
                ana_panel_y(p, d->mean[at] + d->sd[at]), 4);
      cairo_arc(cr, px, ana_panel_y(p, d->mean[at]), 4, 0, TWO_PI);
      cairo_fill(cr);
    }
  }
}

static void draw_bars(cairo_t *cr, const ana_plot_data *d, const ana_panel *p, int f) {
  double step = p->w / d->nx, group = step * 0.8, bw = group / d->nhue;
  double base = ana_panel_y(p, p->ymin < 0 && p->ymax > 0 ? 0 : p->ymin);
  for (int x = 0; x < d->nx; x++)
    for (int h = 0; h < d->nhue; h++) {
      size_t at = ana_plot_at(d, f, h, x);
      if (isnan(d->mean[at])) continue;
      double bx = p->x0 + x * step + (step - group) / 2 + h * bw, top = ana_panel_y(p, d->mean[at]);
      ana_color(cr, h);
      cairo_rectangle(cr, bx + 1, fmin(top, base), bw - 2, fabs(base - top));
      cairo_fill(cr);
      cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
      error_bar(cr, bx + bw / 2, ana_panel_y(p, d->mean[at] - d->sd[at]),
                ana_panel_y(p, d->mean[at] + d->sd[at]), fmin(5, bw / 4));
    }
}

// One panel per facet label, shared y range, legend of hue labels.
asl_status ana_plot_series(const ana_cube *c, const ana_plot_opts *o, int bars) {
  ana_plot_data d;
  asl_status st = ana_plot_data_build(&d, c, o);
  if (st) return st;
  ana_canvas cv;
  st = ana_canvas_open(&cv, o->output, o->width, o->height);
  if (st) {
    ana_plot_data_free(&d);
    return st;
  }
  cairo_t *cr = cv.cr;
  const char *metric = d.e->axes[d.e->n_design + 2].labels[d.metric];
  char title[256];
  snprintf(title, sizeof title, "%s: %s vs %s, %s", d.e->name, ana_pretty(metric),
           ana_pretty(d.e->axes[d.ax_x].name), d.e->axes[d.e->n_design + 1].labels[d.stage]);
  char sub[600];
  snprintf(sub, sizeof sub, "mean ± SD over test subjects%s%s", d.fixed[0] ? "; " : "", d.fixed);
  ana_figure_title(cr, &cv, title, sub);
  ana_figure fig;
  ana_figure_init(&fig, &cv, d.nfacet, d.ax_hue >= 0 ? 180 : 0);
  double lo = bars ? fmin(0, d.vmin) : d.vmin, hi = d.vmax, ticks[12];
  int nt;
  if (!bars) {
    double pad = 0.05 * (hi - lo);
    lo -= pad, hi += pad;
  }
  ana_nice_range(&lo, &hi, ticks, &nt);
  const char *xl[64];
  double xs[64];
  for (int f = 0; f < d.nfacet; f++) {
    ana_panel p;
    ana_figure_panel(&fig, f, &p);
    p.ymin = lo, p.ymax = hi;
    char ft[96] = "";
    if (d.ax_facet >= 0)
      snprintf(ft, sizeof ft, "%s = %s", d.e->axes[d.ax_facet].name, ana_plot_label(&d, d.ax_facet, f));
    ana_panel_frame(cr, &p, ft[0] ? ft : NULL, ana_pretty(metric));
    int nx = d.nx < 64 ? d.nx : 64;
    for (int x = 0; x < nx; x++) {
      xs[x] = p.x0 + (x + 0.5) * p.w / d.nx;
      xl[x] = ana_plot_label(&d, d.ax_x, x);
    }
    ana_x_ticks(cr, &p, xs, xl, nx, ana_pretty(d.e->axes[d.ax_x].name));
    if (bars) draw_bars(cr, &d, &p, f);
    else draw_lines(cr, &d, &p, f);
  }
  const char *hl[64];
  int nh = d.nhue < 64 ? d.nhue : 64;
  for (int h = 0; h < nh; h++) hl[h] = ana_plot_label(&d, d.ax_hue, h);
  if (d.ax_hue >= 0)
    ana_figure_legend(cr, &cv, &fig, ana_pretty(d.e->axes[d.ax_hue].name), hl, nh, !bars);
  ana_plot_data_free(&d);
  return ana_canvas_close(&cv);
}
