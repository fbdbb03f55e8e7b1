// Montage of one axial slice: input / denoised / GT100 / |denoised - GT100|
// (and a diffusion model's uncertainty map when the run kept one),
// from the volumes the runner keeps in DIR/volumes/: its packed per-rank
// files, or the NIfTI files of runs made before them (docs/cube.md).
#include <libgen.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ana/plot.h"
#include "asl/nifti.h"
#include "plot_canvas.h"
#include "plot_internal.h"
#include "plot_montage_packed.h"

#define GAP 6.0   // points between panels
#define BAR_W 8.0 // colour bar width, points

void ana_montage_opts_init(ana_montage_opts *o) {
  memset(o, 0, sizeof *o);
  o->slice = -1;
  o->panel = 256;
  o->dpi = ANA_PLOT_DPI;
}

static asl_status find_job(const ana_cube *c, const char *job, int *out) {
  for (int j = 0; j < c->jobs.n; j++)
    if (strcmp(ana_job_key(c, j), job) == 0) return *out = j, ASL_OK;
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

static void grey(double t, double *r, double *g, double *b) { *r = *g = *b = t; }

// The images of one slice and their scales: k < 3 share [lo, hi]; the error
// and uncertainty maps run from 0 to their own top.
typedef struct {
  const float *data[5];
  float lo, hi, top[5];
  int panels, nx, ny, z;
} slices;

static void draw_row(cairo_t *cr, const slices *sl, const asl_vol *v, double y0, double size) {
  static const char *names[5] = {"input", "denoised", "GT100", "|denoised \xe2\x88\x92 GT100|",
                                 "uncertainty (SD)"};
  static const char *bar_label[5] = {NULL, NULL, "intensity", "|error|", "SD of samples"};
  double x = GAP;
  for (int k = 0; k < sl->panels; k++) {
    float lo = k < 3 ? sl->lo : 0, hi = k < 3 ? sl->hi : sl->top[k];
    panel(cr, sl->data[k], sl->nx, sl->ny, v->dx, v->dy, lo, hi, k >= 3, x, y0, size);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    const char *n = names[k];
    ana_text(cr, x + size / 2, y0 + size + 3, ana_fit_size(cr, ANA_FS_LABEL, 4, 0, n, size + GAP),
             0.5, 0, 0, 0, n);
    x += size + GAP;
    if (bar_label[k]) // one shared grey bar after GT100, one per colour map
      x += ana_colorbar(cr, x, y0, BAR_W, size, lo, hi, k < 3 ? grey : ana_colormap, bar_label[k]) + 2 * GAP;
  }
}

static double row_width(cairo_t *cr, const slices *sl, double size) {
  double w = GAP + sl->panels * (size + GAP);
  w += ana_colorbar_width(cr, BAR_W, sl->lo, sl->hi, "intensity") + 2 * GAP;
  w += ana_colorbar_width(cr, BAR_W, 0, sl->top[3], "|error|") + 2 * GAP;
  if (sl->panels == 5) w += ana_colorbar_width(cr, BAR_W, 0, sl->top[4], "SD of samples") + 2 * GAP;
  return w;
}

static asl_status render(const ana_montage_opts *o, const ana_cube *c, int job, const char *subject,
                         const slices *sl, const asl_vol *v) {
  double dpi = o->dpi > 0 ? o->dpi : ANA_PLOT_DPI;
  double size = (o->panel > 0 ? o->panel : 256) * 72.0 / dpi;
  // Measure on a scratch context: the canvas size depends on the bars' text.
  cairo_surface_t *scratch = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, 1);
  cairo_t *m = cairo_create(scratch);
  double title_h = ANA_PAD + ana_text_height(m, ANA_FS_TITLE) + ANA_PAD;
  double w = row_width(m, sl, size), h = title_h + size + 3 + ana_text_height(m, ANA_FS_LABEL) + GAP;
  cairo_destroy(m);
  cairo_surface_destroy(scratch);
  ana_canvas cv;
  asl_status st = ana_canvas_open(&cv, o->output, w / 72, h / 72, dpi);
  if (st) return st;
  cairo_t *cr = cv.cr;
  char title[512];
  snprintf(title, sizeof title, "%s  |  %s  |  slice z=%d", ana_job_key(c, job), subject, sl->z);
  cairo_set_source_rgb(cr, 0, 0, 0);
  // Job keys are long: shrink the title to the width rather than clip it.
  ana_text(cr, cv.width / 2, ANA_PAD, ana_fit_size(cr, ANA_FS_TITLE, 4, 1, title, cv.width - 2 * ANA_PAD),
           0.5, 0, 0, 1, title);
  draw_row(cr, sl, v, title_h, size);
  return ana_canvas_close(&cv);
}

static asl_status draw(const ana_montage_opts *o, const ana_cube *c, int job, const char *subject,
                       asl_vol v[4]) {
  int nx = v[0].nx, ny = v[0].ny, nz = v[0].nz, z = o->slice < 0 ? nz / 2 : o->slice;
  if (z >= nz) return asl_fail(ASL_EINVAL, "--slice %d: the volumes have %d slices (0..%d)", z, nz, nz - 1);
  size_t n = (size_t)nx * ny;
  float *err = malloc(n * sizeof *err), *tmp = malloc(n * sizeof *tmp);
  if (!err || !tmp) return free(err), free(tmp), asl_fail(ASL_ENOMEM, "montage: out of memory");
  slices sl = {.nx = nx, .ny = ny, .z = z};
  for (int k = 0; k < 3; k++) sl.data[k] = v[k].data + (size_t)z * n;
  for (size_t i = 0; i < n; i++) err[i] = fabsf(sl.data[1][i] - sl.data[2][i]);
  // One grey window for the three images (GT100's 1st..99th percentile), so
  // they compare honestly; the error map on its own scale.
  sl.lo = quantile(sl.data[2], n, 0.01, tmp), sl.hi = quantile(sl.data[2], n, 0.99, tmp);
  sl.data[3] = err;
  sl.top[3] = quantile(err, n, 0.99, tmp);
  sl.data[4] = v[3].data ? v[3].data + (size_t)z * n : NULL;
  sl.top[4] = sl.data[4] ? quantile(sl.data[4], n, 0.99, tmp) : 0;
  sl.panels = sl.data[4] ? 5 : 4;
  asl_status st = render(o, c, job, subject, &sl, &v[0]);
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
  char vdir[1100], packed[2048] = "";
  snprintf(vdir, sizeof vdir, "%s/volumes", dir);
  const char *subject = o->subject;
  char key[CUBE_KEY_LEN];
  snprintf(key, sizeof key, "%s", ana_job_key(c, job));
  for (int s = 0; s < c->subjects.n && !packed[0]; s++) {
    const char *id = c->subjects.id[s];
    if (subject && strcmp(subject, id) != 0) continue;
    volume_path(probe, sizeof probe, dir, job, id, "denoised");
    if (access(probe, R_OK) == 0) subject = id;
    else if (ana_montage_packed_has(vdir, key, id, packed, sizeof packed)) subject = id;
    else continue;
    break;
  }
  if (!subject)
    return asl_fail(ASL_ENOTFOUND, "%s: no volumes of job %d (%s); the runner keeps them in "
                    "rank-R.h5 there (or <job>_<subject>_{input,denoised,gt100}.nii.gz) for the "
                    "subjects its spec's keep_volumes names", vdir, job, key);
  asl_vol v[4];
  memset(v, 0, sizeof v);
  st = packed[0] ? ana_montage_packed_load(v, packed, key, subject) : load(v, dir, job, subject);
  if (st == ASL_OK) st = draw(o, c, job, subject, v);
  for (int k = 0; k < 4; k++) asl_vol_free(&v[k]);
  return st;
}
