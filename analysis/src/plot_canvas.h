// Drawing helpers shared by the plot kinds: the output surface, text,
// colours, tick choice and a framed panel with axes.
//
// Every plot draws in points (1/72 inch) on a figure of a physical size;
// a PNG surface is scaled by dpi/72, so text, lines and margins keep their
// size relative to the figure at any resolution, and the PNG records its
// dpi in a pHYs chunk.
#ifndef ANA_PLOT_CANVAS_H
#define ANA_PLOT_CANVAS_H

#include <cairo.h>

#include "asl/status.h"

// Font sizes (points) and spacing shared by the plot kinds.
#define ANA_FS_TITLE 11.0
#define ANA_FS_SUBTITLE 8.0
#define ANA_FS_LABEL 9.0
#define ANA_FS_TICK 8.0
#define ANA_FS_LEGEND 8.0
#define ANA_PAD 6.0

typedef struct {
  cairo_surface_t *surface;
  cairo_t *cr;
  int png;            // write the image surface at the end
  char path[1024];
  double width, height; // in points, the drawing units
  double dpi;           // PNG pixels per inch
  int px_w, px_h;       // PNG size in pixels
} ana_canvas;

// Creates the surface for `path` by extension (.png, .svg, .pdf) of
// width_in x height_in inches (PNG: rounded to whole pixels at `dpi`) and
// paints it white.
asl_status ana_canvas_open(ana_canvas *cv, const char *path, double width_in, double height_in,
                           double dpi);
// Finishes the file; reports write failures.
asl_status ana_canvas_close(ana_canvas *cv);
// Frees without writing (on an error path).
void ana_canvas_abort(ana_canvas *cv);
// Writes an image surface as PNG with a pHYs chunk of `dpi` (plot_png.c).
asl_status ana_png_write(cairo_surface_t *s, const char *path, double dpi);

// Text anchored at (x, y): ax/ay in {0, 0.5, 1} for left/centre/right and
// top/middle/bottom; rotated by `angle` radians about the anchor.
void ana_text(cairo_t *cr, double x, double y, double size, double ax, double ay, double angle,
              int bold, const char *s);
double ana_text_width(cairo_t *cr, double size, int bold, const char *s);
// Height of a line of text (ascent + descent) at `size`.
double ana_text_height(cairo_t *cr, double size);
// The largest size <= `size` (and >= `min`) at which `s` fits in `avail`.
double ana_fit_size(cairo_t *cr, double size, double min, int bold, const char *s, double avail);

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
// Nice ticks inside [lo, hi] (not widened), 4..6 of them when the range
// allows; returns the count.
int ana_ticks_within(double lo, double hi, double *ticks, int max);
// Width of the widest y tick label of [lo, hi] at the tick font.
double ana_y_tick_width(cairo_t *cr, double lo, double hi);
// Draws the frame, y ticks with grid lines, the y label and the title.
void ana_panel_frame(cairo_t *cr, const ana_panel *p, const char *title, const char *ylabel);
double ana_panel_y(const ana_panel *p, double v);

// A vertical colour bar at (x, y), w x h, from lo (bottom) to hi (top):
// `map(t, ...)` colours t in [0, 1]; 4..6 ticks on the right and `label`
// rotated beside them. Returns the width it used, ticks and label included.
double ana_colorbar(cairo_t *cr, double x, double y, double w, double h, double lo, double hi,
                    void (*map)(double t, double *r, double *g, double *b), const char *label);
// Width ana_colorbar() will use for a bar of width w over [lo, hi].
double ana_colorbar_width(cairo_t *cr, double w, double lo, double hi, const char *label);

#endif
