// Figure layout shared by the plot kinds: a title band, a legend column on
// the right and a grid of facet panels. Every margin is measured from the
// text that goes in it, in points, so a figure keeps its proportions at any
// size or dpi and nothing is drawn past the edge.
#ifndef ANA_PLOT_LAYOUT_H
#define ANA_PLOT_LAYOUT_H

#include "plot_canvas.h"

typedef struct {
  double legend_w;    // 0: no legend column
  int n_panels, cols, rows;
  double cell_w, cell_h, top;
  double margin_l, margin_r, margin_t, margin_b; // around a panel's data area
} ana_figure;

// What the panels hold, for their margins.
typedef struct {
  double ytick_w;     // widest y tick label (ana_y_tick_width), 0: none
  int ylabel;         // a rotated y axis label
  int xlabel;         // an x axis label under the tick labels
  int panel_title;    // a title above each panel (facets)
} ana_panel_text;

// Height of the title band: the title and an optional subtitle.
double ana_figure_title_h(cairo_t *cr, int subtitle);
// Splits the canvas below the title band into n_panels grid cells, leaving
// legend_w on the right.
void ana_figure_init(ana_figure *f, cairo_t *cr, const ana_canvas *cv, int n_panels,
                     double legend_w, int subtitle, const ana_panel_text *t);
// The data area of panel i.
void ana_figure_panel(const ana_figure *f, int i, ana_panel *p);
// Draws the figure title and an optional subtitle, each shrunk to the width.
void ana_figure_title(cairo_t *cr, const ana_canvas *cv, const char *title, const char *subtitle);
// Width a legend of these entries needs (swatch, gap, longest label, pads),
// at most 40% of the canvas width (longer labels are shrunk, then elided).
double ana_legend_width(cairo_t *cr, const ana_canvas *cv, const char *header,
                        const char *const *labels, int n);
// Legend entries with colour swatches (line = 1: a line sample, else a box),
// in the legend column, starting at y (points from the top).
void ana_figure_legend(cairo_t *cr, const ana_canvas *cv, const ana_figure *f, double y,
                       const char *header, const char *const *labels, int n, int line);
// Categorical x tick labels at the given positions (shrunk so neighbours do
// not overlap) and the x axis label.
void ana_x_ticks(cairo_t *cr, const ana_panel *p, const double *xs, const char *const *labels,
                 int n, const char *xlabel);

#endif
