// Drawing helpers shared by the plot kinds: the output surface, text,
// colours, tick choice and a framed panel with axes.
#ifndef ANA_PLOT_CANVAS_H
#define ANA_PLOT_CANVAS_H

#include <cairo.h>

#include "asl/status.h"

typedef struct {
  cairo_surface_t *surface;
  cairo_t *cr;
  int png;            // write the image surface at the end
  char path[1024];
  double width, height;
} ana_canvas;

// Creates the surface for `path` by extension (.png, .svg, .pdf) and paints
// it white.
asl_status ana_canvas_open(ana_canvas *cv, const char *path, int width, int height);
// Finishes the file; reports write failures.
asl_status ana_canvas_close(ana_canvas *cv);
// Frees without writing (on an error path).
void ana_canvas_abort(ana_canvas *cv);

// Text anchored at (x, y): ax/ay in {0, 0.5, 1} for left/centre/right and
// top/middle/bottom; rotated by `angle` radians about the anchor.
void ana_text(cairo_t *cr, double x, double y, double size, double ax, double ay, double angle,
              int bold, const char *s);
double ana_text_width(cairo_t *cr, double size, int bold, const char *s);

// Qualitative palette (tab10) and a perceptual sequential map (viridis-like).
void ana_color(cairo_t *cr, int i);
void ana_colormap(double t, double *r, double *g, double *b);

// "Nav (time points averaged)" for "nav", "SSIM" for "ssim"...
const char *ana_pretty(const char *name);

// A plotting rectangle with a y range and "nice" ticks.
typedef struct {
  double x0, y0, w, h; // the data area in surface coordinates
  double ymin, ymax;
} ana_panel;

// Widens [lo, hi] to nice tick bounds; fills ticks (up to 12) and their count.
void ana_nice_range(double *lo, double *hi, double *ticks, int *n_ticks);
// Draws the frame, y ticks with grid lines, the y label and the title.
void ana_panel_frame(cairo_t *cr, const ana_panel *p, const char *title, const char *ylabel);
double ana_panel_y(const ana_panel *p, double v);

#endif
