#include "plot_canvas.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

asl_status ana_canvas_open(ana_canvas *cv, const char *path, int width, int height) {
  memset(cv, 0, sizeof *cv);
  if (width < 64 || height < 64 || width > 16384 || height > 16384)
    return asl_fail(ASL_EINVAL, "plot size %dx%d: each side must be 64..16384", width, height);
  snprintf(cv->path, sizeof cv->path, "%s", path);
  cv->width = width;
  cv->height = height;
  if (ends_with(path, ".png")) {
    cv->png = 1;
    cv->surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height);
  } else if (ends_with(path, ".svg")) {
    cv->surface = cairo_svg_surface_create(path, width, height);
  } else if (ends_with(path, ".pdf")) {
    cv->surface = cairo_pdf_surface_create(path, width, height);
  } else {
    return asl_fail(ASL_EINVAL, "%s: the output must end in .png, .svg or .pdf", path);
  }
  if (cairo_surface_status(cv->surface) != CAIRO_STATUS_SUCCESS) {
    asl_status st = asl_fail(ASL_EIO, "%s: cannot create (%s)", path,
                             cairo_status_to_string(cairo_surface_status(cv->surface)));
    cairo_surface_destroy(cv->surface);
    cv->surface = NULL;
    return st;
  }
  cv->cr = cairo_create(cv->surface);
  cairo_set_source_rgb(cv->cr, 1, 1, 1);
  cairo_paint(cv->cr);
  return ASL_OK;
}

asl_status ana_canvas_close(ana_canvas *cv) {
  asl_status st = ASL_OK;
  cairo_status_t cs = cairo_status(cv->cr);
  if (cs != CAIRO_STATUS_SUCCESS)
    st = asl_fail(ASL_EIO, "%s: drawing failed (%s)", cv->path, cairo_status_to_string(cs));
  cairo_destroy(cv->cr);
  if (st == ASL_OK && cv->png) {
    cs = cairo_surface_write_to_png(cv->surface, cv->path);
    if (cs != CAIRO_STATUS_SUCCESS)
      st = asl_fail(ASL_EIO, "%s: cannot write PNG (%s)", cv->path, cairo_status_to_string(cs));
  }
  cairo_surface_finish(cv->surface);
  cs = cairo_surface_status(cv->surface);
  if (st == ASL_OK && cs != CAIRO_STATUS_SUCCESS)
    st = asl_fail(ASL_EIO, "%s: cannot write (%s)", cv->path, cairo_status_to_string(cs));
  cairo_surface_destroy(cv->surface);
  memset(cv, 0, sizeof *cv);
  return st;
}

void ana_canvas_abort(ana_canvas *cv) {
  if (cv->cr) cairo_destroy(cv->cr);
  if (cv->surface) cairo_surface_destroy(cv->surface);
  memset(cv, 0, sizeof *cv);
}

static void font(cairo_t *cr, double size, int bold) {
  cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                         bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, size);
}

double ana_text_width(cairo_t *cr, double size, int bold, const char *s) {
  cairo_text_extents_t e;
  font(cr, size, bold);
  cairo_text_extents(cr, s, &e);
  return e.x_advance;
}

void ana_text(cairo_t *cr, double x, double y, double size, double ax, double ay, double angle,
              int bold, const char *s) {
  cairo_text_extents_t e;
  cairo_font_extents_t fe;
  font(cr, size, bold);
  cairo_text_extents(cr, s, &e);
  cairo_font_extents(cr, &fe);
  cairo_save(cr);
  cairo_translate(cr, x, y);
  cairo_rotate(cr, angle);
  // Anchor on the advance width and the font's ascent so labels line up.
  double h = fe.ascent;
  cairo_move_to(cr, -ax * e.x_advance, -ay * h + h);
  cairo_show_text(cr, s);
  cairo_restore(cr);
}

void ana_color(cairo_t *cr, int i) {
  static const double tab10[10][3] = {
      {0.122, 0.467, 0.706}, {1.000, 0.498, 0.055}, {0.173, 0.627, 0.173}, {0.839, 0.153, 0.157},
      {0.580, 0.404, 0.741}, {0.549, 0.337, 0.294}, {0.890, 0.467, 0.761}, {0.498, 0.498, 0.498},
      {0.737, 0.741, 0.133}, {0.090, 0.745, 0.812}};
  const double *c = tab10[((i % 10) + 10) % 10];
  cairo_set_source_rgb(cr, c[0], c[1], c[2]);
}

void ana_colormap(double t, double *r, double *g, double *b) {
  // Five viridis control points, linearly interpolated.
  static const double v[5][3] = {{0.267, 0.005, 0.329}, {0.230, 0.322, 0.546},
                                 {0.128, 0.567, 0.551}, {0.369, 0.789, 0.383},
                                 {0.993, 0.906, 0.144}};
  if (!(t >= 0)) t = 0;
  if (t > 1) t = 1;
  double s = t * 4;
  int k = s >= 4 ? 3 : (int)s;
  double f = s - k;
  *r = v[k][0] + f * (v[k + 1][0] - v[k][0]);
  *g = v[k][1] + f * (v[k + 1][1] - v[k][1]);
  *b = v[k][2] + f * (v[k + 1][2] - v[k][2]);
}

const char *ana_pretty(const char *name) {
  static const char *map[][2] = {
      {"nav", "Nav (time points per pre-averaged image)"},
      {"nav_post", "Nav_post (images per post-average)"},
      {"m0", "M0 input"},
      {"strategy", "Averaging strategy"},
      {"model", "Model"},
      {"snr_group", "SNR group"},
      {"train_snr_group", "Training SNR group"},
      {"test_snr_group", "Test SNR group"},
      {"train_target", "Training target"},
      {"test_input", "Test input"},
      {"ssim", "SSIM"},
      {"psnr", "PSNR (dB)"},
      {"nmae", "NMAE"},
  };
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
    if (strcmp(map[i][0], name) == 0) return map[i][1];
  return name;
}

void ana_nice_range(double *lo, double *hi, double *ticks, int *n_ticks) {
  double span = *hi - *lo;
  if (!(span > 0)) {
    double pad = fabs(*lo) > 0 ? fabs(*lo) * 0.1 : 1.0;
    *lo -= pad;
    *hi += pad;
    span = *hi - *lo;
  }
  double raw = span / 5, mag = pow(10, floor(log10(raw))), step = mag;
  if (raw / mag > 5) step = 10 * mag;
  else if (raw / mag > 2) step = 5 * mag;
  else if (raw / mag > 1) step = 2 * mag;
  *lo = floor(*lo / step) * step;
  *hi = ceil(*hi / step) * step;
  *n_ticks = 0;
  for (double t = *lo; t <= *hi + step * 0.5 && *n_ticks < 12; t += step)
    ticks[(*n_ticks)++] = fabs(t) < step * 1e-9 ? 0 : t;
}

double ana_panel_y(const ana_panel *p, double v) {
  return p->y0 + p->h - (v - p->ymin) / (p->ymax - p->ymin) * p->h;
}

void ana_panel_frame(cairo_t *cr, const ana_panel *p, const char *title, const char *ylabel) {
  double lo = p->ymin, hi = p->ymax, ticks[12];
  int nt;
  ana_nice_range(&lo, &hi, ticks, &nt);
  cairo_set_line_width(cr, 1);
  for (int i = 0; i < nt; i++) {
    if (ticks[i] < p->ymin - 1e-12 || ticks[i] > p->ymax + 1e-12) continue;
    double y = ana_panel_y(p, ticks[i]);
    cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
    cairo_move_to(cr, p->x0, y);
    cairo_line_to(cr, p->x0 + p->w, y);
    cairo_stroke(cr);
    char s[32];
    snprintf(s, sizeof s, "%g", ticks[i]);
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    ana_text(cr, p->x0 - 6, y, 12, 1, 0.5, 0, 0, s);
  }
  cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
  cairo_rectangle(cr, p->x0, p->y0, p->w, p->h);
  cairo_stroke(cr);
  if (ylabel) ana_text(cr, p->x0 - 52, p->y0 + p->h / 2, 13, 0.5, 0.5, -M_PI / 2, 0, ylabel);
  if (title) ana_text(cr, p->x0 + p->w / 2, p->y0 - 10, 14, 0.5, 1, 0, 1, title);
}
