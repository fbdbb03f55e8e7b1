// ana_plot: option defaults, the automatic kind, dispatch.
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <string.h>
#include <strings.h>
#include <stdio.h>

#include "plot_data.h"
#include "plot_internal.h"

void ana_plot_opts_init(ana_plot_opts *o) {
  memset(o, 0, sizeof *o);
  o->width_in = 6;
  o->height_in = 4;
  o->dpi = ANA_PLOT_DPI;
}

// Known experiment names read as words; others get underscores as spaces.
static const char *known_name(const char *name) {
  static const char *map[][2] = {{"main", "Main experiment"},
                                 {"snr_matching", "SNR matching"},
                                 {"generalization", "Generalization"},
                                 {"post_averaging", "Pre- vs post-averaging"}};
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
    if (strcmp(map[i][0], name) == 0) return map[i][1];
  return NULL;
}

void ana_plot_experiment_title(const ana_experiment *e, char *out, size_t len) {
  const char *d = e->description[0] && strcmp(e->description, e->name) != 0 ? e->description : NULL;
  if (!d) d = known_name(e->name);
  int raw_name = !d; // identifiers read with spaces; free text stays as written
  if (!d) d = e->name;
  size_t k = 0;
  for (const char *p = d; *p && k + 4 < len; p++) {
    if (strncmp(p, " x ", 3) == 0) { // "a x b": a multiplication sign
      memcpy(out + k, " \xc3\x97 ", 4); // U+00D7
      k += 4, p += 2;
      continue;
    }
    char ch = raw_name && *p == '_' ? ' ' : *p;
    if (k == 0 && ch >= 'a' && ch <= 'z') ch = (char)(ch - 'a' + 'A');
    out[k++] = ch;
  }
  out[k] = '\0';
}

asl_status ana_plot_kind_parse(ana_plot_kind *k, const char *text) {
  static const char *names[] = {"auto", "line", "bar", "heatmap", "loss"};
  for (int i = 0; i < 5; i++)
    if (strcmp(text, names[i]) == 0) return *k = (ana_plot_kind)i, ASL_OK;
  return asl_fail(ASL_EINVAL, "--kind %s: expected line, bar, heatmap or loss", text);
}

static int prefixed(const char *s, const char *p) { return s && strncmp(s, p, strlen(p)) == 0; }

// Integer x (nav, nav_post): a line over it; a train_*/test_* pair: the
// matching heat map; anything else: grouped bars.
static asl_status auto_kind(const ana_cube *c, const ana_plot_opts *o, ana_plot_kind *k) {
  if (!o->x) {
    *k = ANA_PLOT_LOSS;
    return ASL_OK;
  }
  const ana_experiment *e;
  asl_status st = ana_plot_pick_experiment(c, o->experiment, o->x, &e);
  if (st) return st;
  int a = ana_exp_axis(e, o->x);
  if (a >= 0 && e->axes[a].is_int) *k = ANA_PLOT_LINE;
  else if ((prefixed(o->x, "test_") && prefixed(o->hue, "train_")) ||
           (prefixed(o->x, "train_") && prefixed(o->hue, "test_")))
    *k = ANA_PLOT_HEATMAP;
  else
    *k = ANA_PLOT_BAR;
  return ASL_OK;
}

asl_status ana_plot_check_output(const char *path) {
  static const char *ext[] = {".png", ".svg", ".pdf"};
  if (!path) return asl_fail(ASL_EINVAL, "plot: -o FILE.png|.svg|.pdf is required");
  size_t n = strlen(path);
  for (int i = 0; i < 3; i++)
    if (n > 4 && strcasecmp(path + n - 4, ext[i]) == 0) return ASL_OK;
  return asl_fail(ASL_EINVAL, "%s: the output must end in .png, .svg or .pdf", path);
}

asl_status ana_plot(const ana_cube *c, const ana_plot_opts *o) {
  asl_status ok = ana_plot_check_output(o->output);
  if (ok) return ok;
  ana_plot_kind k = o->kind;
  asl_status st = k == ANA_PLOT_AUTO ? auto_kind(c, o, &k) : ASL_OK;
  if (st) return st;
  switch (k) {
  case ANA_PLOT_LINE: return ana_plot_series(c, o, 0);
  case ANA_PLOT_BAR: return ana_plot_series(c, o, 1);
  case ANA_PLOT_HEATMAP: return ana_plot_heatmap(c, o);
  default: return ana_plot_loss(c, o);
  }
}

void ana_plot_release_fonts(void) {
  cairo_debug_reset_static_data();
  FcFini();
}
