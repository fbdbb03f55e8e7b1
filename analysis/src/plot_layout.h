// Figure layout shared by the plot kinds: a title band, a legend column on
// the right and a grid of facet panels.
#ifndef ANA_PLOT_LAYOUT_H
#define ANA_PLOT_LAYOUT_H

#include "plot_canvas.h"

typedef struct {
  double legend_w;    // 0: no legend column
  int n_panels, cols, rows;
  double cell_w, cell_h, top;
} ana_figure;

// Splits the canvas below the title into n_panels grid cells.
void ana_figure_init(ana_figure *f, const ana_canvas *cv, int n_panels, double legend_w);
// The data area of panel i (margins leave room for tick labels and titles).
void ana_figure_panel(const ana_figure *f, int i, ana_panel *p);
// Draws the figure title and an optional subtitle.
void ana_figure_title(cairo_t *cr, const ana_canvas *cv, const char *title, const char *subtitle);
// Legend entries with colour swatches (line = 1: a line sample, else a box).
void ana_figure_legend(cairo_t *cr, const ana_canvas *cv, const ana_figure *f, const char *header,
                       const char *const *labels, int n, int line);
// Categorical x tick labels at the given positions and the x axis label.
void ana_x_ticks(cairo_t *cr, const ana_panel *p, const double *xs, const char *const *labels,
                 int n, const char *xlabel);

#endif
