// Every plot kind rendered to PNG and SVG (and PDF once): valid files of the
// requested size that are not blank; the montage from NIfTI volumes. Each
// kind at two sizes and dpis: text scales with the dpi (the title's ink
// height), nothing touches the image border (legends, colour bars, labels
// all inside), and the PNG's pHYs chunk carries the dpi.
#include <cairo.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "ana/plot.h"
#include "asl/nifti.h"
#include "cube_fixture.h"
#include "harness.h"

static cf_cube fx;
static ana_cube cube;
static char dir[1024], cube_path[1100];

static void setup(void) {
  cf_scratch_path(dir, sizeof dir, "ana_plot_run");
  mkdir(dir, 0755);
  snprintf(cube_path, sizeof cube_path, "%s/results.h5", dir);
  cf_cube_default(&fx);
  // A partial cube: one missing cell must leave a gap, not break the plot.
  cf_experiment *m = cf_find(&fx, "main");
  for (int s = 0; s < 6; s++) *cf_value(m, 4, s, 1, CF_SSIM) = NAN;
  ASSERT_EQ(0, cf_cube_write(&fx, cube_path));
  ASSERT_OK(ana_cube_open(&cube, cube_path));
}

static void teardown(void) {
  ana_cube_free(&cube);
  cf_cube_free(&fx);
}

static uint32_t be32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

// PNG signature, IHDR size, and more than `min_frac` of pixels not white.
static void check_png(const char *path, int w, int h, double min_frac) {
  static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  unsigned char head[24];
  FILE *f = fopen(path, "rb");
  ASSERT(f != NULL);
  ASSERT_EQ(24, fread(head, 1, 24, f));
  fclose(f);
  ASSERT(memcmp(head, sig, 8) == 0);
  ASSERT(memcmp(head + 12, "IHDR", 4) == 0);
  ASSERT_EQ(w, be32(head + 16));
  ASSERT_EQ(h, be32(head + 20));
  cairo_surface_t *s = cairo_image_surface_create_from_png(path);
  ASSERT_EQ(CAIRO_STATUS_SUCCESS, cairo_surface_status(s));
  ASSERT_EQ(w, cairo_image_surface_get_width(s));
  const unsigned char *px = cairo_image_surface_get_data(s);
  int stride = cairo_image_surface_get_stride(s);
  long ink = 0;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) ink += (*(const uint32_t *)(px + (size_t)y * stride + 4 * (size_t)x) & 0xffffff) != 0xffffff;
  cairo_surface_destroy(s);
  if (!(ink > min_frac * w * h)) HARNESS_FAIL("%s: only %ld non-white pixels", path, ink);
}

// Minimal XML well-formedness: balanced tags, quoted attributes, root <svg>.
static void check_svg(const char *path, int w, int h) {
  FILE *f = fopen(path, "rb");
  ASSERT(f != NULL);
  static char buf[4 << 20];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  char stack[64][32];
  int depth = 0, roots = 0, elements = 0;
  for (const char *p = buf; (p = strchr(p, '<')) != NULL;) {
    if (!strncmp(p, "<?", 2)) { p = strstr(p, "?>"); ASSERT(p); continue; }
    if (!strncmp(p, "<!--", 4)) { p = strstr(p, "-->"); ASSERT(p); continue; }
    int closing = p[1] == '/';
    const char *name = p + 1 + closing;
    size_t len = strcspn(name, " \t\r\n/>");
    ASSERT(len > 0 && len < 32);
    const char *q = name + len;
    char quote = 0;
    for (; *q && (quote || *q != '>'); q++)
      if (quote ? *q == quote : (*q == '"' || *q == '\'')) quote = quote ? 0 : *q;
    ASSERT(*q == '>');
    int self = q[-1] == '/';
    if (closing) {
      ASSERT(depth > 0);
      ASSERT(strncmp(stack[depth - 1], name, len) == 0 && stack[depth - 1][len] == '\0');
      depth--;
    } else {
      if (depth == 0) {
        roots++;
        ASSERT(len == 3 && !strncmp(name, "svg", 3));
        char attr[64];
        snprintf(attr, sizeof attr, "width=\"%d", w);
        ASSERT(strstr(name, attr) != NULL && strstr(name, attr) < q);
        snprintf(attr, sizeof attr, "height=\"%d", h);
        ASSERT(strstr(name, attr) != NULL && strstr(name, attr) < q);
      }
      elements++;
      if (!self) {
        ASSERT(depth < 64);
        snprintf(stack[depth++], 32, "%.*s", (int)len, name);
      }
    }
    p = q + 1;
  }
  ASSERT_EQ(0, depth);
  ASSERT_EQ(1, roots);
  ASSERT(elements > 20); // axes, text glyphs, marks: not an empty page
}

static cairo_surface_t *load_png(const char *path) {
  cairo_surface_t *s = cairo_image_surface_create_from_png(path);
  ASSERT_EQ(CAIRO_STATUS_SUCCESS, cairo_surface_status(s));
  return s;
}

static int is_bg(cairo_surface_t *s, int x, int y) {
  const unsigned char *px = cairo_image_surface_get_data(s);
  uint32_t v = *(const uint32_t *)(px + (size_t)y * cairo_image_surface_get_stride(s) + 4 * (size_t)x);
  return (v & 0xffffff) == 0xffffff;
}

static int row_blank(cairo_surface_t *s, int y) {
  for (int x = 0; x < cairo_image_surface_get_width(s); x++)
    if (!is_bg(s, x, y)) return 0;
  return 1;
}

// Nothing drawn on the outermost rows and columns: no legend, label or
// colour bar runs off the image.
static void check_border_clean(const char *path) {
  cairo_surface_t *s = load_png(path);
  int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
  for (int x = 0; x < w; x++)
    if (!is_bg(s, x, 0) || !is_bg(s, x, h - 1)) HARNESS_FAIL("%s: ink on the top/bottom edge at x=%d", path, x);
  for (int y = 0; y < h; y++)
    if (!is_bg(s, 0, y) || !is_bg(s, w - 1, y)) HARNESS_FAIL("%s: ink on the left/right edge at y=%d", path, y);
  cairo_surface_destroy(s);
}

// Ink height of the first band of text from the top (the title), in pixels.
static int title_ink_height(const char *path) {
  cairo_surface_t *s = load_png(path);
  int h = cairo_image_surface_get_height(s), y0 = 0;
  while (y0 < h && row_blank(s, y0)) y0++;
  int y1 = y0;
  while (y1 < h && !row_blank(s, y1)) y1++;
  cairo_surface_destroy(s);
  ASSERT(y0 < h && y1 > y0);
  return y1 - y0;
}

// The pHYs chunk: present before IDAT, metre unit, the same value on both
// axes; returns pixels per metre.
static long png_ppm(const char *path) {
  FILE *f = fopen(path, "rb");
  ASSERT(f != NULL);
  static unsigned char buf[1 << 22];
  size_t n = fread(buf, 1, sizeof buf, f);
  fclose(f);
  for (size_t at = 8; at + 12 <= n;) {
    uint32_t len = be32(buf + at);
    const unsigned char *type = buf + at + 4;
    if (!memcmp(type, "IDAT", 4)) break;
    if (!memcmp(type, "pHYs", 4)) {
      ASSERT_EQ(9, len);
      ASSERT_EQ(be32(type + 4), be32(type + 8));
      ASSERT_EQ(1, type[12]);
      return (long)be32(type + 4);
    }
    at += 12 + len;
  }
  HARNESS_FAIL("%s: no pHYs chunk before IDAT", path);
  return 0;
}

static void png_size(const char *path, int *w, int *h) {
  cairo_surface_t *s = load_png(path);
  *w = cairo_image_surface_get_width(s), *h = cairo_image_surface_get_height(s);
  cairo_surface_destroy(s);
}

static void render_both(ana_plot_opts *o, const char *stem) {
  char png[1200], svg[1200];
  snprintf(png, sizeof png, "%s/%s.png", dir, stem);
  snprintf(svg, sizeof svg, "%s/%s.svg", dir, stem);
  o->output = png;
  ASSERT_OK(ana_plot(&cube, o));
  check_png(png, (int)lround(o->width_in * o->dpi), (int)lround(o->height_in * o->dpi), 0.02);
  check_border_clean(png);
  o->output = svg;
  ASSERT_OK(ana_plot(&cube, o));
  check_svg(svg, (int)lround(o->width_in * 72), (int)lround(o->height_in * 72));
}

// The same plot as 6x4 in at 150 dpi and 8x5 in at 300 dpi: pixel sizes
// follow inches x dpi, pHYs carries the dpi, the title's ink is twice as
// tall at twice the dpi, and both images keep their border clean.
static void check_scaling(ana_plot_opts *o, const char *stem) {
  char a[1200], b[1200];
  snprintf(a, sizeof a, "%s/%s_150.png", dir, stem);
  snprintf(b, sizeof b, "%s/%s_300.png", dir, stem);
  o->width_in = 6, o->height_in = 4, o->dpi = 150, o->output = a;
  ASSERT_OK(ana_plot(&cube, o));
  o->width_in = 8, o->height_in = 5, o->dpi = 300, o->output = b;
  ASSERT_OK(ana_plot(&cube, o));
  int w, h;
  png_size(a, &w, &h);
  ASSERT(w == 900 && h == 600);
  png_size(b, &w, &h);
  ASSERT(w == 2400 && h == 1500);
  ASSERT_EQ(lround(150 / 0.0254), png_ppm(a));
  ASSERT_EQ(lround(300 / 0.0254), png_ppm(b));
  check_border_clean(a);
  check_border_clean(b);
  double ratio = (double)title_ink_height(b) / title_ink_height(a);
  if (!(ratio > 1.8 && ratio < 2.2)) HARNESS_FAIL("%s: title ink grew %.2fx for 2x dpi", stem, ratio);
}

TEST(line_plot_with_hue_and_facets) {
  setup();
  ana_plot_opts o;
  ana_plot_opts_init(&o);
  o.x = "nav", o.hue = "strategy", o.facet = "m0";
  render_both(&o, "line");
  o.width_in = 640 / 150.0, o.height_in = 480 / 150.0, o.metric = "nmae";
  render_both(&o, "line_small"); // --size 640x480 in pixels
  check_scaling(&o, "line_scaled");
  teardown();
}

TEST(bar_plot_groups_m0_off_on) {
  setup();
  ana_plot_opts o;
  ana_plot_opts_init(&o);
  o.x = "m0", o.hue = "strategy";
  ASSERT_OK(ana_axis_value_parse(&o.where[o.n_where++], "nav=4"));
  render_both(&o, "bar");
  check_scaling(&o, "bar_scaled");
  o.width_in = 6, o.height_in = 4, o.dpi = 150;
  char pdf[1200];
  snprintf(pdf, sizeof pdf, "%s/bar.pdf", dir);
  o.output = pdf;
  ASSERT_OK(ana_plot(&cube, &o));
  FILE *f = fopen(pdf, "rb");
  char head[5] = {0};
  ASSERT(f && fread(head, 1, 5, f) == 5);
  fclose(f);
  ASSERT(memcmp(head, "%PDF-", 5) == 0);
  teardown();
}

TEST(heatmap_of_snr_matching) {
  setup();
  ana_plot_opts o;
  ana_plot_opts_init(&o);
  o.experiment = "snr_matching", o.x = "test_snr_group", o.hue = "train_snr_group";
  render_both(&o, "heatmap"); // kind chosen automatically from the axis names
  o.kind = ANA_PLOT_HEATMAP;
  o.experiment = "generalization", o.x = "test_input", o.hue = "train_target";
  render_both(&o, "heatmap_gen");
  check_scaling(&o, "heatmap_scaled");
  teardown();
}

TEST(loss_curves_per_job_group) {
  setup();
  ana_plot_opts o;
  ana_plot_opts_init(&o);
  o.kind = ANA_PLOT_LOSS;
  o.experiment = "main", o.hue = "nav";
  render_both(&o, "loss");
  check_scaling(&o, "loss_scaled");
  o.width_in = 6, o.height_in = 4, o.dpi = 150;
  o.hue = NULL, o.experiment = "snr_matching";
  render_both(&o, "loss_groups"); // long group names: the legend stays inside
  o.width_in = 4, o.height_in = 3;
  render_both(&o, "loss_groups_narrow");
  o.experiment = NULL; // 21 groups: refused with advice
  o.output = "unused.png";
  ASSERT_EQ(ASL_EINVAL, ana_plot(&cube, &o));
  ASSERT(strstr(asl_error_message(), "--hue") != NULL);
  teardown();
}

TEST(plot_errors_name_the_problem) {
  setup();
  ana_plot_opts o;
  ana_plot_opts_init(&o);
  o.x = "nav", o.output = "x.gif";
  ASSERT_EQ(ASL_EINVAL, ana_plot(&cube, &o));
  ASSERT(strstr(asl_error_message(), ".png, .svg or .pdf") != NULL);
  o.x = "m0", o.output = "x.png";
  ASSERT_EQ(ASL_EINVAL, ana_plot(&cube, &o));
  ASSERT(strstr(asl_error_message(), "strategy (windowed, interleaved)") != NULL);
  o.x = "nope";
  ASSERT_EQ(ASL_EINVAL, ana_plot(&cube, &o));
  teardown();
}

// Colour bars: runs of columns whose pixels between 30% and 70% of the
// height fall smoothly from top to bottom (at most 4 levels a row, a
// gradient, unlike the images' edges) by more than 80 levels in all; grey
// (r = g = b) or colour (viridis).
static int count_bars(const char *path, int colour) {
  cairo_surface_t *s = load_png(path);
  int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
  const unsigned char *px = cairo_image_surface_get_data(s);
  int stride = cairo_image_surface_get_stride(s), bars = 0, in_bar = 0;
  for (int x = 0; x < w; x++) {
    int ok = 1, prev = 1 << 30, top = -1, bottom = -1;
    for (int y = h * 3 / 10; y < h * 7 / 10 && ok; y++) {
      uint32_t v = *(const uint32_t *)(px + (size_t)y * stride + 4 * (size_t)x);
      int r = v >> 16 & 255, g = v >> 8 & 255, b = v & 255;
      int grey = r == g && g == b, level = colour ? g : r;
      ok = (colour ? !grey : grey) && level <= prev + 1 && (prev == 1 << 30 || prev - level <= 4);
      prev = level;
      if (top < 0) top = level;
      bottom = level;
    }
    ok = ok && top - bottom > 80;
    bars += ok && !in_bar;
    in_bar = ok;
  }
  cairo_surface_destroy(s);
  return bars;
}

TEST(titles_name_the_experiment_in_words) {
  setup();
  char t[256];
  ana_plot_experiment_title(ana_cube_experiment(&cube, "main"), t, sizeof t);
  ASSERT_STR_EQ("Averaging strategy \xc3\x97 Nav \xc3\x97 M0", t); // the spec's description
  ana_experiment e;
  memset(&e, 0, sizeof e);
  snprintf(e.name, sizeof e.name, "snr_matching");
  snprintf(e.description, sizeof e.description, "snr_matching"); // the runner's default
  ana_plot_experiment_title(&e, t, sizeof t);
  ASSERT_STR_EQ("SNR matching", t);
  snprintf(e.name, sizeof e.name, "target_sweep");
  e.description[0] = '\0';
  ana_plot_experiment_title(&e, t, sizeof t);
  ASSERT_STR_EQ("Target sweep", t);
  snprintf(e.description, sizeof e.description, "GT_50 targets x 2 models");
  ana_plot_experiment_title(&e, t, sizeof t);
  ASSERT_STR_EQ("GT_50 targets \xc3\x97 2 models", t);
  teardown();
}

// Writes a 3D volume whose value is f(x, y, z).
static void write_volume(const char *path, int which) {
  asl_vol v;
  ASSERT_OK(asl_vol_init(&v, 40, 32, 6, 1));
  v.dx = v.dy = 2.0f, v.dz = 4.0f;
  for (int z = 0; z < 6; z++)
    for (int y = 0; y < 32; y++)
      for (int x = 0; x < 40; x++) {
        double r = hypot(x - 20.0, y - 16.0), brain = r < 13 ? 60.0 + 20 * sin(x * 0.5) : 0;
        double noise = which == 0 ? 15 * sin(x * 7.1 + y * 3.3 + z) : which == 1 ? 3 * sin(x * 5.3 + y) : 0;
        v.data[((size_t)z * 32 + y) * 40 + x] = (float)(brain + noise);
      }
  ASSERT_OK(asl_nifti_write(&v, path));
  asl_vol_free(&v);
}

TEST(montage_shows_four_panels_from_volumes) {
  setup();
  char vol[1200], png[1200];
  snprintf(vol, sizeof vol, "%s/volumes", dir);
  mkdir(vol, 0755);
  cf_experiment *m = cf_find(&fx, "main");
  int job = m->job[7 * 6 + 3]; // an infer job; sub-04
  static const char *what[3] = {"input", "denoised", "gt100"};
  for (int k = 0; k < 3; k++) {
    snprintf(vol, sizeof vol, "%s/volumes/%d_sub-04_%s.nii.gz", dir, job, what[k]);
    write_volume(vol, k);
  }
  snprintf(png, sizeof png, "%s/montage.png", dir);
  ana_montage_opts o;
  ana_montage_opts_init(&o);
  o.job = fx.jobs[job].key, o.output = png, o.panel = 128;
  ASSERT_OK(ana_plot_montage(&cube, &o)); // subject found from the files
  int w, h;
  png_size(png, &w, &h);
  ASSERT(w > 4 * 128 && h > 128);
  check_png(png, w, h, 0.15);
  check_border_clean(png);
  ASSERT_EQ(lround(150 / 0.0254), png_ppm(png));
  ASSERT_EQ(1, count_bars(png, 0)); // one grey intensity scale for the three images
  ASSERT_EQ(1, count_bars(png, 1)); // and one colour bar for the error map
  // Twice the dpi with twice the panel pixels: the same figure, text twice as tall.
  char png2[1200];
  snprintf(png2, sizeof png2, "%s/montage_300.png", dir);
  o.output = png2, o.panel = 256, o.dpi = 300;
  ASSERT_OK(ana_plot_montage(&cube, &o));
  int w2, h2;
  png_size(png2, &w2, &h2);
  ASSERT(abs(w2 - 2 * w) <= 2 && abs(h2 - 2 * h) <= 2);
  ASSERT_EQ(lround(300 / 0.0254), png_ppm(png2));
  check_border_clean(png2);
  double ratio = (double)title_ink_height(png2) / title_ink_height(png);
  ASSERT(ratio > 1.8 && ratio < 2.2);
  o.output = png, o.panel = 128, o.dpi = 150;
  char idx[16];
  snprintf(idx, sizeof idx, "%d", job);
  o.job = idx, o.subject = "sub-04", o.slice = 5;
  ASSERT_OK(ana_plot_montage(&cube, &o));
  o.slice = 6;
  ASSERT_EQ(ASL_EINVAL, ana_plot_montage(&cube, &o));
  ASSERT(strstr(asl_error_message(), "6 slices") != NULL);
  o.slice = -1, o.subject = "sub-01";
  ASSERT(ana_plot_montage(&cube, &o) != ASL_OK);
  ASSERT(strstr(asl_error_message(), "sub-01_input.nii.gz") != NULL);
  teardown();
}

int main(void) {
  RUN(line_plot_with_hue_and_facets);
  RUN(bar_plot_groups_m0_off_on);
  RUN(heatmap_of_snr_matching);
  RUN(loss_curves_per_job_group);
  RUN(plot_errors_name_the_problem);
  RUN(titles_name_the_experiment_in_words);
  RUN(montage_shows_four_panels_from_volumes);
  ana_plot_release_fonts(); // leak checkers see only the code under test
  return DONE();
}
