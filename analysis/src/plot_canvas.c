#include "plot_canvas.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

asl_status ana_canvas_open(ana_canvas *cv, const char *path, double width_in, double height_in,
                           double dpi) {
  memset(cv, 0, sizeof *cv);
  if (!(dpi >= 10 && dpi <= 2400))
    return asl_fail(ASL_EINVAL, "plot dpi %g: expected 10..2400 (150 screen, 300 print)", dpi);
  if (!(width_in >= 1 && height_in >= 1 && width_in <= 100 && height_in <= 100))
    return asl_fail(ASL_EINVAL, "plot size %gx%g in: each side must be 1..100 inches", width_in,
                    height_in);
  cv->px_w = (int)lround(width_in * dpi);
  cv->px_h = (int)lround(height_in * dpi);
  if (cv->px_w < 64 || cv->px_h < 64 || cv->px_w > 16384 || cv->px_h > 16384)
    return asl_fail(ASL_EINVAL, "plot size %dx%d pixels (%gx%g in at %g dpi): each side must be "
                    "64..16384 pixels", cv->px_w, cv->px_h, width_in, height_in, dpi);
  snprintf(cv->path, sizeof cv->path, "%s", path);
  cv->width = width_in * 72;
  cv->height = height_in * 72;
  cv->dpi = dpi;
  if (ends_with(path, ".png")) {
    cv->png = 1;
    cv->surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, cv->px_w, cv->px_h);
  } else if (ends_with(path, ".svg")) {
    cv->surface = cairo_svg_surface_create(path, cv->width, cv->height);
  } else if (ends_with(path, ".pdf")) {
    cv->surface = cairo_pdf_surface_create(path, cv->width, cv->height);
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
  // PNG pixels are exact; keep the points-to-pixels ratio the one both
  // sides share so nothing lands past the last pixel.
  if (cv->png) cairo_scale(cv->cr, cv->px_w / cv->width, cv->px_h / cv->height);
  return ASL_OK;
}

asl_status ana_canvas_close(ana_canvas *cv) {
  asl_status st = ASL_OK;
  cairo_status_t cs = cairo_status(cv->cr);
  if (cs != CAIRO_STATUS_SUCCESS)
    st = asl_fail(ASL_EIO, "%s: drawing failed (%s)", cv->path, cairo_status_to_string(cs));
  cairo_destroy(cv->cr);
  if (st == ASL_OK && cv->png) st = ana_png_write(cv->surface, cv->path, cv->dpi);
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

double ana_text_height(cairo_t *cr, double size) {
  cairo_font_extents_t fe;
  font(cr, size, 0);
  cairo_font_extents(cr, &fe);
  return fe.ascent + fe.descent;
}

double ana_fit_size(cairo_t *cr, double size, double min, int bold, const char *s, double avail) {
  double w = ana_text_width(cr, size, bold, s);
  if (w <= avail || w <= 0) return size;
  double fit = size * avail / w;
  return fit < min ? min : fit;
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

// Ticks at multiples of `step` inside [lo, hi] (up to max); the count.
static int ticks_at(double lo, double hi, double step, double *ticks, int max) {
  int n = 0;
  for (double t = ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step, n++)
    if (n < max) ticks[n] = fabs(t) < step * 1e-9 ? 0 : t;
  return n;
}

int ana_ticks_within(double lo, double hi, double *ticks, int max) {
  if (!(hi > lo)) {
    ticks[0] = lo;
    return 1;
  }
  // Nice steps from coarse to fine: the first that gives 4..6 ticks, else
  // the one closest to 5.
  static const double mult[] = {5, 2.5, 2, 1};
  double mag = pow(10, floor(log10(hi - lo))), best = 0;
  int best_n = 0;
  for (int d = 0; d < 4; d++)
    for (int m = 0; m < 4; m++) {
      double step = mult[m] * mag / pow(10, d);
      int n = ticks_at(lo, hi, step, ticks, max);
      if (n >= 4 && n <= 6 && n <= max) return n;
      if (!best_n || abs(n - 5) < abs(best_n - 5)) best = step, best_n = n;
    }
  int n = ticks_at(lo, hi, best, ticks, max);
  return n < max ? n : max;
}

static void tick_text(char *s, size_t len, double v) { snprintf(s, len, "%g", v); }

double ana_y_tick_width(cairo_t *cr, double lo, double hi) {
  double ticks[12], w = 0;
  int nt;
  ana_nice_range(&lo, &hi, ticks, &nt);
  for (int i = 0; i < nt; i++) {
    char s[32];
    tick_text(s, sizeof s, ticks[i]);
    w = fmax(w, ana_text_width(cr, ANA_FS_TICK, 0, s));
  }
  return w;
}

void ana_panel_frame(cairo_t *cr, const ana_panel *p, const char *title, const char *ylabel) {
  double lo = p->ymin, hi = p->ymax, ticks[12], tw = 0;
  int nt;
  ana_nice_range(&lo, &hi, ticks, &nt);
  cairo_set_line_width(cr, 0.6);
  for (int i = 0; i < nt; i++) {
    if (ticks[i] < p->ymin - 1e-12 || ticks[i] > p->ymax + 1e-12) continue;
    double y = ana_panel_y(p, ticks[i]);
    cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
    cairo_move_to(cr, p->x0, y);
    cairo_line_to(cr, p->x0 + p->w, y);
    cairo_stroke(cr);
    char s[32];
    tick_text(s, sizeof s, ticks[i]);
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    ana_text(cr, p->x0 - 3, y, ANA_FS_TICK, 1, 0.5, 0, 0, s);
    tw = fmax(tw, ana_text_width(cr, ANA_FS_TICK, 0, s));
  }
  cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
  cairo_rectangle(cr, p->x0, p->y0, p->w, p->h);
  cairo_stroke(cr);
  if (ylabel) {
    double fs = ana_fit_size(cr, ANA_FS_LABEL, 5, 0, ylabel, p->h);
    ana_text(cr, p->x0 - 3 - tw - ANA_PAD / 2, p->y0 + p->h / 2, fs, 0.5, 1, -M_PI / 2, 0, ylabel);
  }
  if (title) {
    double fs = ana_fit_size(cr, ANA_FS_LABEL, 5, 1, title, p->w);
    ana_text(cr, p->x0 + p->w / 2, p->y0 - 3, fs, 0.5, 1, 0, 1, title);
  }
}

double ana_colorbar_width(cairo_t *cr, double w, double lo, double hi, const char *label) {
  double ticks[8], tw = 0;
  int nt = ana_ticks_within(lo, hi, ticks, 8);
  for (int i = 0; i < nt; i++) {
    char s[32];
    tick_text(s, sizeof s, ticks[i]);
    tw = fmax(tw, ana_text_width(cr, ANA_FS_TICK, 0, s));
  }
  return w + 3 + 2 + tw + (label ? ANA_PAD / 2 + ana_text_height(cr, ANA_FS_LABEL) : 0);
}

double ana_colorbar(cairo_t *cr, double x, double y, double w, double h, double lo, double hi,
                    void (*map)(double t, double *r, double *g, double *b), const char *label) {
  for (int i = 0; i < 128; i++) {
    double t = 1 - (i + 0.5) / 128.0, r, g, b;
    map(t, &r, &g, &b);
    cairo_set_source_rgb(cr, r, g, b);
    cairo_rectangle(cr, x, y + i * h / 128, w, h / 128 + 0.3);
    cairo_fill(cr);
  }
  cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
  cairo_set_line_width(cr, 0.6);
  cairo_rectangle(cr, x, y, w, h);
  cairo_stroke(cr);
  double ticks[8], tw = 0;
  int nt = ana_ticks_within(lo, hi, ticks, 8);
  for (int i = 0; i < nt; i++) {
    double ty = hi > lo ? y + h - (ticks[i] - lo) / (hi - lo) * h : y + h / 2;
    char s[32];
    tick_text(s, sizeof s, ticks[i]);
    cairo_move_to(cr, x + w, ty);
    cairo_line_to(cr, x + w + 3, ty);
    cairo_stroke(cr);
    ana_text(cr, x + w + 5, ty, ANA_FS_TICK, 0, 0.5, 0, 0, s);
    tw = fmax(tw, ana_text_width(cr, ANA_FS_TICK, 0, s));
  }
  if (label) {
    double fs = ana_fit_size(cr, ANA_FS_LABEL, 5, 0, label, h);
    ana_text(cr, x + w + 5 + tw + ANA_PAD / 2, y + h / 2, fs, 0.5, 0, -M_PI / 2, 0, label);
  }
  return ana_colorbar_width(cr, w, lo, hi, label);
}
