// The numbers behind a line, bar or heat-map plot: mean ± SD over test
// subjects per (facet, hue, x) label combination.
#ifndef ANA_PLOT_DATA_H
#define ANA_PLOT_DATA_H

#include "ana/plot.h"

// Labels a figure draws along x or in its legend (tick and legend arrays);
// a plot asking for more is refused, naming the limit, not cut short.
enum { ANA_PLOT_MAX_LABELS = 64 };

typedef struct {
  const ana_experiment *e;
  int ax_x, ax_hue, ax_facet; // design axis indices; -1 when unused
  int nx, nhue, nfacet;       // 1 for an unused axis
  int metric, stage;
  double *mean, *sd;          // [facet][hue][x]; NaN where no subject has a value
  int *n;
  double vmin, vmax;          // range of mean ± SD over finite cells
  char fixed[512];            // "snr_group=all, model=unet3d"
} ana_plot_data;

// Picks the experiment (see ana_plot_opts), places the axes and summarizes.
asl_status ana_plot_data_build(ana_plot_data *d, const ana_cube *c, const ana_plot_opts *o);
void ana_plot_data_free(ana_plot_data *d);

static inline size_t ana_plot_at(const ana_plot_data *d, int f, int h, int x) {
  return ((size_t)f * (size_t)d->nhue + (size_t)h) * (size_t)d->nx + (size_t)x;
}
// The label of `axis` (a design axis index, or -1 = "").
const char *ana_plot_label(const ana_plot_data *d, int axis, int i);

// Selects the experiment for `axis` (the named one, else "main" when it has
// the axis, else the first that has it).
asl_status ana_plot_pick_experiment(const ana_cube *c, const char *name, const char *axis,
                                    const ana_experiment **out);

// The figure title (the experiment in words) and subtitle (metric, stage,
// `what` is plotted, mean or mean ± SD, the fixed axes).
void ana_plot_titles(const ana_plot_data *d, const char *what, int with_sd, char *title,
                     size_t tlen, char *sub, size_t slen);

#endif
