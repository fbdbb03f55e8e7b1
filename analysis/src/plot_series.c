// Line plots (metric vs x per hue, ±SD error bars) and grouped bars.
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "plot_data.h"
#include "plot_internal.h"
#include "plot_layout.h"

#define TWO_PI 6.283185307179586

static void error_bar(cairo_t *cr, double x, double ylo, double yhi, double cap) {
  cairo_set_line_width(cr, 0.9);
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
  double dodge = fmin(3.0, step * 0.3 / (d->nhue + 1));
  for (int h = 0; h < d->nhue; h++) {
    double off = (h - (d->nhue - 1) / 2.0) * dodge;
    ana_color(cr, h);
    cairo_set_line_width(cr, 1.5);
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
                ana_panel_y(p, d->mean[at] + d->sd[at]), 2.5);
      cairo_arc(cr, px, ana_panel_y(p, d->mean[at]), 2.5, 0, TWO_PI);
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
      cairo_rectangle(cr, bx + 0.5, fmin(top, base), bw - 1, fabs(base - top));
      cairo_fill(cr);
      cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
      error_bar(cr, bx + bw / 2, ana_panel_y(p, d->mean[at] - d->sd[at]),
                ana_panel_y(p, d->mean[at] + d->sd[at]), fmin(3, bw / 4));
    }
}

static void draw_panels(cairo_t *cr, const ana_plot_data *d, const ana_figure *fig, double lo,
                        double hi, int bars) {
  const char *metric = d->e->axes[d->e->n_design + 2].labels[d->metric];
  const char *xl[ANA_PLOT_MAX_LABELS];
  double xs[ANA_PLOT_MAX_LABELS];
  for (int f = 0; f < d->nfacet; f++) {
    ana_panel p;
    ana_figure_panel(fig, f, &p);
    p.ymin = lo, p.ymax = hi;
    char ft[96] = "";
    if (d->ax_facet >= 0)
      snprintf(ft, sizeof ft, "%s = %s", d->e->axes[d->ax_facet].name, ana_plot_label(d, d->ax_facet, f));
    ana_panel_frame(cr, &p, ft[0] ? ft : NULL, ana_pretty(metric));
    int nx = d->nx;
    for (int x = 0; x < nx; x++) {
      xs[x] = p.x0 + (x + 0.5) * p.w / d->nx;
      xl[x] = ana_plot_label(d, d->ax_x, x);
    }
    ana_x_ticks(cr, &p, xs, xl, nx, ana_pretty(d->e->axes[d->ax_x].name));
    if (bars) draw_bars(cr, d, &p, f);
    else draw_lines(cr, d, &p, f);
  }
}

// One panel per facet label, shared y range, legend of hue labels.
asl_status ana_plot_series(const ana_cube *c, const ana_plot_opts *o, int bars) {
  ana_plot_data d;
  asl_status st = ana_plot_data_build(&d, c, o);
  if (st) return st;
  ana_canvas cv;
  st = ana_canvas_open(&cv, o->output, o->width_in, o->height_in, o->dpi);
  if (st) {
    ana_plot_data_free(&d);
    return st;
  }
  cairo_t *cr = cv.cr;
  char title[256], sub[700], what[128];
  snprintf(what, sizeof what, "vs %s", d.e->axes[d.ax_x].name);
  ana_plot_titles(&d, what, 1, title, sizeof title, sub, sizeof sub);
  ana_figure_title(cr, &cv, title, sub);
  double lo = bars ? fmin(0, d.vmin) : d.vmin, hi = d.vmax, ticks[12];
  int nt;
  if (!bars) {
    double pad = 0.05 * (hi - lo);
    lo -= pad, hi += pad;
  }
  ana_nice_range(&lo, &hi, ticks, &nt);
  const char *hl[ANA_PLOT_MAX_LABELS];
  int nh = d.nhue;
  for (int h = 0; h < nh; h++) hl[h] = ana_plot_label(&d, d.ax_hue, h);
  const char *header = d.ax_hue >= 0 ? ana_pretty(d.e->axes[d.ax_hue].name) : NULL;
  double legend_w = d.ax_hue >= 0 ? ana_legend_width(cr, &cv, header, hl, nh) : 0;
  ana_panel_text pt = {.ytick_w = ana_y_tick_width(cr, lo, hi), .ylabel = 1, .xlabel = 1,
                       .panel_title = d.ax_facet >= 0};
  ana_figure fig;
  ana_figure_init(&fig, cr, &cv, d.nfacet, legend_w, 1, &pt);
  draw_panels(cr, &d, &fig, lo, hi, bars);
  if (d.ax_hue >= 0) ana_figure_legend(cr, &cv, &fig, fig.top + fig.margin_t, header, hl, nh, !bars);
  ana_plot_data_free(&d);
  return ana_canvas_close(&cv);
}
