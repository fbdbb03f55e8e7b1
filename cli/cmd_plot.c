#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ana/plot.h"
#include "cli.h"

static const char usage_text[] =
    "usage: aslsweep plot DIR/results.h5 --x AXIS [--hue AXIS] [--facet AXIS]\n"
    "         [--metric M] [--kind line|bar|heatmap|loss] [--experiment E]\n"
    "         [--where AXIS=LABEL ...] [--stage input|denoised]\n"
    "         [--size WxH | --size WxHin] [--dpi D] -o FILE.png|.svg|.pdf\n"
    "       aslsweep plot DIR/results.h5 --montage --job KEY [--subject ID] [--slice Z]\n"
    "         [--size PANEL] [--dpi D] -o FILE.png\n"
    "\n"
    "Size: --size 7x4in gives the figure in inches; --size WxH in pixels (PNG\n"
    "pixels; inches = pixels / dpi). Default 6x4in. --dpi D (default 150) sets\n"
    "PNG pixels per inch and is written in the PNG's pHYs chunk. Text and lines\n"
    "are sized in points, so a higher dpi is the same figure with more pixels\n"
    "(7x4in at 300 dpi: 2100x1200, text twice as many pixels as at 150).\n"
    "Montage: --size PANEL is each image panel in pixels (default 256).\n"
    "\n"
    "  line     metric vs x, one line per hue label, error bars ±SD\n"
    "  bar      grouped bars (x groups, one bar per hue label), ±SD\n"
    "  heatmap  hue (rows) x x (columns), mean written in each cell\n"
    "  loss     training (solid) / validation (dashed) loss per epoch, mean per\n"
    "           job group (--hue AXIS groups by that key segment)\n"
    "Default kind: line for an integer x (nav), heatmap for a train_*/test_* pair,\n"
    "bar otherwise, loss without --x. --facet draws one panel per label.\n"
    "--montage: input / denoised / GT100 / |error| of one axial slice of one infer\n"
    "job, from DIR/volumes/<job>_<subject>_{input,denoised,gt100}.nii.gz, plus the\n"
    "uncertainty map (SD of samples) of a diffusion model when the run kept one.\n"
    "Examples:\n"
    "  aslsweep plot run/results.h5 --x nav --hue strategy --facet m0 -o nav.png\n"
    "  aslsweep plot run/results.h5 --experiment snr_matching --x test_snr_group\n"
    "           --hue train_snr_group -o snr.svg\n"
    "A cube with job rows that fail their checksums is refused (exit 1, the rows\n"
    "named; `aslsweep verify DIR` lists them, rerunning the sweep redoes them).\n";

typedef struct {
  ana_plot_opts p;
  ana_montage_opts m;
  int montage;
  const char *path;
  double size_w, size_h; // --size as given
  int size_in;           // 1: inches, 0: pixels
} args;

static int usage_error(const char *msg, const char *arg) {
  fprintf(stderr, "aslsweep plot: %s%s\n(run 'aslsweep plot --help')\n", msg, arg);
  return CLI_USAGE;
}

static int parse_size(args *a, const char *v) {
  double w = 0, h = 0;
  int used = 0;
  if (sscanf(v, "%lfx%lf%n", &w, &h, &used) == 2 && w > 0 && h > 0 &&
      (v[used] == '\0' || strcmp(v + used, "in") == 0)) {
    a->size_w = w, a->size_h = h, a->size_in = v[used] != '\0';
    return CLI_OK;
  }
  char *end;
  long panel = strtol(v, &end, 10);
  if (*end == '\0' && panel > 0) {
    a->m.panel = (int)panel;
    return CLI_OK;
  }
  return usage_error("--size must be WxH (pixels), WxHin (inches, e.g. 7x4in) or PANEL "
                     "(montage), got ", v);
}

static int parse_dpi(args *a, const char *v) {
  char *end;
  double d = strtod(v, &end);
  if (*end || !(d >= 10 && d <= 2400))
    return usage_error("--dpi must be a number in 10..2400 (150 screen, 300 print), got ", v);
  a->p.dpi = a->m.dpi = d;
  return CLI_OK;
}

static int parse_value(args *a, const char *name, const char *v, int argc, char **argv, int *i) {
  if (!strcmp(name, "--x")) a->p.x = v;
  else if (!strcmp(name, "--hue")) a->p.hue = v;
  else if (!strcmp(name, "--facet")) a->p.facet = v;
  else if (!strcmp(name, "--metric")) a->p.metric = v;
  else if (!strcmp(name, "--experiment")) a->p.experiment = v;
  else if (!strcmp(name, "--stage")) a->p.stage = v;
  else if (!strcmp(name, "-o") || !strcmp(name, "--output")) a->p.output = a->m.output = v;
  else if (!strcmp(name, "--job")) a->m.job = v;
  else if (!strcmp(name, "--subject")) a->m.subject = v;
  else if (!strcmp(name, "--size")) return parse_size(a, v);
  else if (!strcmp(name, "--dpi")) return parse_dpi(a, v);
  else if (!strcmp(name, "--slice")) {
    char *end;
    a->m.slice = (int)strtol(v, &end, 10);
    if (*end || a->m.slice < 0) return usage_error("--slice must be a slice index >= 0, got ", v);
  } else if (!strcmp(name, "--kind")) {
    if (ana_plot_kind_parse(&a->p.kind, v)) return usage_error(asl_error_message(), "");
  } else if (!strcmp(name, "--where")) {
    for (;;) { // one or more AXIS=LABEL words
      if (a->p.n_where == ANA_TABLE_MAX_WHERE) return usage_error("too many --where values", "");
      if (ana_axis_value_parse(&a->p.where[a->p.n_where++], v))
        return usage_error(asl_error_message(), "");
      if (*i + 1 >= argc || argv[*i + 1][0] == '-' || !strchr(argv[*i + 1], '=')) break;
      v = argv[++*i];
    }
  } else {
    return usage_error("unknown option ", name);
  }
  return CLI_OK;
}

static int parse(args *a, int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    if (arg[0] != '-') {
      if (a->path) return usage_error("unexpected argument ", arg);
      a->path = arg;
      continue;
    }
    if (!strcmp(arg, "--montage")) {
      a->montage = 1;
      continue;
    }
    char name[32];
    const char *eq = strncmp(arg, "--", 2) == 0 ? strchr(arg, '=') : NULL;
    snprintf(name, sizeof name, "%.*s", eq ? (int)(eq - arg) : (int)strlen(arg), arg);
    const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
    if (!v) return usage_error(arg, " needs a value");
    int rc = parse_value(a, name, v, argc, argv, &i);
    if (rc != CLI_OK) return rc;
  }
  if (!a->path) return usage_error("missing DIR/results.h5", "");
  if (!a->p.output) return usage_error("missing -o FILE.png|.svg|.pdf", "");
  if (a->montage && !a->m.job) return usage_error("--montage needs --job KEY", "");
  if (a->size_w > 0) { // pixels become inches at the dpi given anywhere on the line
    a->p.width_in = a->size_in ? a->size_w : a->size_w / a->p.dpi;
    a->p.height_in = a->size_in ? a->size_h : a->size_h / a->p.dpi;
  }
  return CLI_OK;
}

int cmd_plot(int argc, char **argv) {
  if (cli_wants_help(argc, argv)) {
    fputs(usage_text, stdout);
    return CLI_OK;
  }
  args a;
  memset(&a, 0, sizeof a);
  ana_plot_opts_init(&a.p);
  ana_montage_opts_init(&a.m);
  int rc = parse(&a, argc, argv);
  if (rc != CLI_OK) return rc;
  ana_cube cube;
  asl_status st = ana_cube_open_lazy(&cube, a.path);
  if (st == ASL_OK && ana_cube_warning(&cube))
    fprintf(stderr, "aslsweep plot: warning: %s\n", ana_cube_warning(&cube));
  if (st == ASL_OK && ana_cube_report_rows(&cube, "aslsweep plot", stderr)) {
    ana_cube_free(&cube);
    return CLI_FAILURE;
  }
  if (st == ASL_OK) {
    st = a.montage ? ana_plot_montage(&cube, &a.m) : ana_plot(&cube, &a.p);
    ana_cube_free(&cube);
    ana_plot_release_fonts();
  }
  if (st == ASL_OK) return CLI_OK;
  fprintf(stderr, "aslsweep plot: %s\n", asl_error_message());
  return asl_exit_code(st);
}
