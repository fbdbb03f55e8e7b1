// Heat map of the mean metric over --hue (rows) x --x (columns), values
// written in the cells, with a colour bar.
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "plot_data.h"
#include "plot_internal.h"
#include "plot_layout.h"

#define BAR_W 10.0

static void cell(cairo_t *cr, const ana_panel *p, const ana_plot_data *d, int f, int h, int x,
                 double lo, double hi, int higher_better) {
  double cw = p->w / d->nx, ch = p->h / d->nhue;
  double cx = p->x0 + x * cw, cy = p->y0 + h * ch;
  double m = d->mean[ana_plot_at(d, f, h, x)];
  char text[32];
  if (isnan(m)) {
    cairo_set_source_rgb(cr, 0.92, 0.92, 0.92);
    snprintf(text, sizeof text, "\xe2\x80\x94");
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
  double fs = ana_fit_size(cr, fmin(ANA_FS_LABEL, ch / 2.5), 4, 1, text, cw * 0.9);
  ana_text(cr, cx + cw / 2, cy + ch / 2, fs, 0.5, 0.5, 0, 1, text);
}

// The colour map as the cells use it for a lower-is-better metric.
static void colormap_flipped(double t, double *r, double *g, double *b) {
  ana_colormap(1 - t, r, g, b);
}

static void panel(cairo_t *cr, const ana_plot_data *d, const ana_figure *fig, int f, double lo,
                  double hi, int hb) {
  ana_panel p;
  ana_figure_panel(fig, f, &p);
  for (int h = 0; h < d->nhue; h++)
    for (int x = 0; x < d->nx; x++) cell(cr, &p, d, f, h, x, lo, hi, hb);
  cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
  double tw = 0;
  for (int h = 0; h < d->nhue; h++) {
    const char *l = ana_plot_label(d, d->ax_hue, h);
    ana_text(cr, p.x0 - 3, p.y0 + (h + 0.5) * p.h / d->nhue, ANA_FS_TICK, 1, 0.5, 0, 0, l);
    tw = fmax(tw, ana_text_width(cr, ANA_FS_TICK, 0, l));
  }
  if (d->ax_hue >= 0) {
    const char *yl = ana_pretty(d->e->axes[d->ax_hue].name);
    ana_text(cr, p.x0 - 3 - tw - ANA_PAD / 2, p.y0 + p.h / 2,
             ana_fit_size(cr, ANA_FS_LABEL, 5, 0, yl, p.h), 0.5, 1, -1.5707963267948966, 0, yl);
  }
  const char *xl[ANA_PLOT_MAX_LABELS];
  double xs[ANA_PLOT_MAX_LABELS];
  int nx = d->nx;
  for (int x = 0; x < nx; x++) {
    xs[x] = p.x0 + (x + 0.5) * p.w / d->nx;
    xl[x] = ana_plot_label(d, d->ax_x, x);
  }
  ana_x_ticks(cr, &p, xs, xl, nx, ana_pretty(d->e->axes[d->ax_x].name));
  if (d->ax_facet >= 0) {
    char ft[96];
    snprintf(ft, sizeof ft, "%s = %s", d->e->axes[d->ax_facet].name, ana_plot_label(d, d->ax_facet, f));
    ana_text(cr, p.x0 + p.w / 2, p.y0 - 3, ana_fit_size(cr, ANA_FS_LABEL, 5, 1, ft, p.w), 0.5, 1,
             0, 1, ft);
  }
}

asl_status ana_plot_heatmap(const ana_cube *c, const ana_plot_opts *o) {
  ana_plot_data d;
  asl_status st = ana_plot_data_build(&d, c, o);
  if (st) return st;
  ana_canvas cv;
  st = ana_canvas_open(&cv, o->output, o->width_in, o->height_in, o->dpi);
  if (st) return ana_plot_data_free(&d), st;
  cairo_t *cr = cv.cr;
  const char *metric = d.e->axes[d.e->n_design + 2].labels[d.metric];
  int hb = ana_metric_higher_better(metric);
  double lo = INFINITY, hi = -INFINITY;
  for (size_t i = 0; i < (size_t)d.nx * d.nhue * d.nfacet; i++)
    if (!isnan(d.mean[i])) lo = fmin(lo, d.mean[i]), hi = fmax(hi, d.mean[i]);
  char title[256], sub[700], what[128], bar_label[96];
  snprintf(what, sizeof what, "by %s and %s", d.ax_hue >= 0 ? d.e->axes[d.ax_hue].name : "-",
           d.e->axes[d.ax_x].name);
  ana_plot_titles(&d, what, 0, title, sizeof title, sub, sizeof sub);
  ana_figure_title(cr, &cv, title, sub);
  snprintf(bar_label, sizeof bar_label, "%s, mean", ana_pretty(metric));
  double bar_w = ana_colorbar_width(cr, BAR_W, lo, hi, bar_label) + 2 * ANA_PAD;
  double row_w = 0;
  for (int h = 0; h < d.nhue; h++)
    row_w = fmax(row_w, ana_text_width(cr, ANA_FS_TICK, 0, ana_plot_label(&d, d.ax_hue, h)));
  ana_panel_text pt = {.ytick_w = row_w, .ylabel = d.ax_hue >= 0, .xlabel = 1,
                       .panel_title = d.ax_facet >= 0};
  ana_figure fig;
  ana_figure_init(&fig, cr, &cv, d.nfacet, bar_w, 1, &pt);
  for (int f = 0; f < d.nfacet; f++) panel(cr, &d, &fig, f, lo, hi, hb);
  double y = fig.top + fig.margin_t, h = cv.height - y - fig.margin_b;
  ana_colorbar(cr, cv.width - bar_w + ANA_PAD, y, BAR_W, h, lo, hi,
               hb ? ana_colormap : colormap_flipped, bar_label);
  ana_plot_data_free(&d);
  return ana_canvas_close(&cv);
}
