// Montage of one axial slice: input / denoised / GT100 / |denoised - GT100|
// (and a diffusion model's uncertainty map when the run kept one),
// from the volumes the runner keeps in DIR/volumes/ (docs/cube.md).
#include <libgen.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ana/plot.h"
#include "asl/nifti.h"
#include "plot_canvas.h"
#include "plot_internal.h"

#define GAP 10
#define TITLE_H 36
#define LABEL_H 24

void ana_montage_opts_init(ana_montage_opts *o) {
  memset(o, 0, sizeof *o);
  o->slice = -1;
  o->panel = 256;
}

static asl_status find_job(const ana_cube *c, const char *job, int *out) {
  for (int j = 0; j < c->jobs.n; j++)
    if (strcmp(c->jobs.key[j], job) == 0) return *out = j, ASL_OK;
  char *end;
  long v = strtol(job, &end, 10);
  if (*job && *end == '\0' && v >= 0 && v < c->jobs.n) return *out = (int)v, ASL_OK;
  return asl_fail(ASL_EINVAL, "%s: no job '%s' (give a job key from 'aslsweep export' or an index "
                  "0..%d)", c->path, job, c->jobs.n - 1);
}

static void volume_path(char *out, size_t len, const char *dir, int job, const char *subject,
                        const char *what) {
  snprintf(out, len, "%s/volumes/%d_%s_%s.nii.gz", dir, job, subject, what);
}

// v[3] is the diffusion models' uncertainty map, read when the runner kept
// one (left empty otherwise).
static asl_status load(asl_vol v[4], const char *dir, int job, const char *subject) {
  static const char *what[4] = {"input", "denoised", "gt100", "uncertainty"};
  char path[2048];
  for (int k = 0; k < 4; k++) {
    volume_path(path, sizeof path, dir, job, subject, what[k]);
    if (k == 3 && access(path, R_OK) != 0) break;
    asl_status st = asl_nifti_read(&v[k], path);
    if (st) return st;
    if (k && (v[k].nx != v[0].nx || v[k].ny != v[0].ny || v[k].nz != v[0].nz))
      return asl_fail(ASL_ESHAPE, "%s: grid %dx%dx%d differs from the input's %dx%dx%d", path,
                      v[k].nx, v[k].ny, v[k].nz, v[0].nx, v[0].ny, v[0].nz);
  }
  return ASL_OK;
}

static int cmp_float(const void *a, const void *b) {
  float x = *(const float *)a, y = *(const float *)b;
  return (x > y) - (x < y);
}

// The q-quantile of n values (copied, sorted).
static float quantile(const float *v, size_t n, double q, float *tmp) {
  memcpy(tmp, v, n * sizeof *v);
  qsort(tmp, n, sizeof *tmp, cmp_float);
  return tmp[(size_t)(q * (double)(n - 1))];
}

// Draws slice data (nx*ny values) scaled to [lo, hi] into a panel, y flipped
// so anterior is up; grey or the sequential colour map.
static void panel(cairo_t *cr, const float *s, int nx, int ny, float dx, float dy, float lo,
                  float hi, int colour, double x0, double y0, double size) {
  cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, nx, ny);
  unsigned char *px = cairo_image_surface_get_data(img);
  int stride = cairo_image_surface_get_stride(img);
  cairo_surface_flush(img);
  for (int y = 0; y < ny; y++)
    for (int x = 0; x < nx; x++) {
      double t = hi > lo ? (s[(size_t)(ny - 1 - y) * nx + x] - lo) / (hi - lo) : 0;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      double r = t, g = t, b = t;
      if (colour) ana_colormap(t, &r, &g, &b);
      uint32_t *p = (uint32_t *)(px + (size_t)y * stride) + x;
      *p = (uint32_t)(r * 255 + 0.5) << 16 | (uint32_t)(g * 255 + 0.5) << 8 | (uint32_t)(b * 255 + 0.5);
    }
  cairo_surface_mark_dirty(img);
  double w = nx * fabs(dx > 0 ? dx : 1), h = ny * fabs(dy > 0 ? dy : 1);
  double scale = size / fmax(w, h);
  cairo_save(cr);
  cairo_translate(cr, x0 + (size - w * scale) / 2, y0 + (size - h * scale) / 2);
  cairo_scale(cr, scale * (dx > 0 ? dx : 1), scale * (dy > 0 ? dy : 1));
  cairo_set_source_surface(cr, img, 0, 0);
  cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_BILINEAR);
  cairo_paint(cr);
  cairo_restore(cr);
  cairo_surface_destroy(img);
}

static asl_status draw(const ana_montage_opts *o, const ana_cube *c, int job, const char *subject,
                       asl_vol v[4]) {
  int nx = v[0].nx, ny = v[0].ny, nz = v[0].nz, z = o->slice < 0 ? nz / 2 : o->slice;
  if (z >= nz) return asl_fail(ASL_EINVAL, "--slice %d: the volumes have %d slices (0..%d)", z, nz, nz - 1);
  size_t n = (size_t)nx * ny;
  float *err = malloc(n * sizeof *err), *tmp = malloc(n * sizeof *tmp);
  if (!err || !tmp) return free(err), free(tmp), asl_fail(ASL_ENOMEM, "montage: out of memory");
  const float *sl[3];
  for (int k = 0; k < 3; k++) sl[k] = v[k].data + (size_t)z * n;
  for (size_t i = 0; i < n; i++) err[i] = fabsf(sl[1][i] - sl[2][i]);
  // One grey window for the three images (GT100's 1st..99th percentile), so
  // they compare honestly; the error map on its own scale.
  float lo = quantile(sl[2], n, 0.01, tmp), hi = quantile(sl[2], n, 0.99, tmp);
  float emax = quantile(err, n, 0.99, tmp);
  const float *unc = v[3].data ? v[3].data + (size_t)z * n : NULL;
  float umax = unc ? quantile(unc, n, 0.99, tmp) : 0;
  int panels = unc ? 5 : 4, size = o->panel > 0 ? o->panel : 256;
  ana_canvas cv;
  asl_status st =
      ana_canvas_open(&cv, o->output, panels * size + (panels + 1) * GAP, size + TITLE_H + LABEL_H + GAP);
  if (st == ASL_OK) {
    cairo_t *cr = cv.cr;
    char title[512];
    snprintf(title, sizeof title, "%s  |  %s  |  slice z=%d", c->jobs.key[job], subject, z);
    // Job keys are long: shrink the title to the width rather than clip it.
    double tw = ana_text_width(cr, 14, 1, title), fs = tw > cv.width - 20 ? 14 * (cv.width - 20) / tw : 14;
    cairo_set_source_rgb(cr, 0, 0, 0);
    ana_text(cr, cv.width / 2, 10, fs, 0.5, 0, 0, 1, title);
    static const char *names[5] = {"input", "denoised", "GT100", "|denoised − GT100|",
                                   "uncertainty (SD of samples)"};
    const float *data[5] = {sl[0], sl[1], sl[2], err, unc};
    const float top[5] = {hi, hi, hi, emax, umax};
    for (int k = 0; k < panels; k++) {
      double x0 = GAP + k * (size + GAP), y0 = TITLE_H;
      panel(cr, data[k], nx, ny, v[0].dx, v[0].dy, k < 3 ? lo : 0, top[k], k >= 3, x0, y0, size);
      cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
      ana_text(cr, x0 + size / 2.0, y0 + size + 4, 13, 0.5, 0, 0, 0, names[k]);
    }
    st = ana_canvas_close(&cv);
  }
  free(err);
  free(tmp);
  return st;
}

asl_status ana_plot_montage(const ana_cube *c, const ana_montage_opts *o) {
  if (!o->job || !o->output)
    return asl_fail(ASL_EINVAL, "montage: --job KEY and -o FILE.png are required");
  int job = -1;
  asl_status st = ana_plot_check_output(o->output);
  if (st == ASL_OK) st = find_job(c, o->job, &job);
  if (st) return st;
  char dir[1024], probe[2048];
  if (o->run_dir) snprintf(dir, sizeof dir, "%s", o->run_dir);
  else {
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", c->path);
    snprintf(dir, sizeof dir, "%s", dirname(tmp));
  }
  const char *subject = o->subject;
  for (int s = 0; !subject && s < c->subjects.n; s++) {
    volume_path(probe, sizeof probe, dir, job, c->subjects.id[s], "denoised");
    if (access(probe, R_OK) == 0) subject = c->subjects.id[s];
  }
  if (!subject)
    return asl_fail(ASL_ENOTFOUND, "%s/volumes: no volumes of job %d (%s); the runner keeps "
                    "<job>_<subject>_{input,denoised,gt100}.nii.gz there", dir, job, c->jobs.key[job]);
  asl_vol v[4];
  memset(v, 0, sizeof v);
  st = load(v, dir, job, subject);
  if (st == ASL_OK) st = draw(o, c, job, subject, v);
  for (int k = 0; k < 4; k++) asl_vol_free(&v[k]);
  return st;
}
