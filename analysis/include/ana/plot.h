// Figures from a results cube, drawn with cairo into PNG, SVG or PDF (by the
// output file's extension).
//
// Kinds:
//   line     metric vs --x (one line per --hue label), error bars ±SD
//   bar      grouped bars: --x groups, one bar per --hue label, ±SD
//   heatmap  mean metric of --hue (rows) x --x (columns), values in the cells
//   loss     training (solid) and validation (dashed) loss per epoch, mean
//            over the jobs of each group (--hue axis value in the job key, or
//            the key without its fold)
// Titles name the experiment by its spec description (else a readable form of
// its name); legends and colour bars sit in a right-hand column measured from
// their text, so nothing is clipped.
// --facet draws one panel per label of that axis. Axes not on x/hue/facet
// must have one label or be fixed with --where, as for tables. The values
// are those of the tables (mean ± SD over test subjects of done jobs).
#ifndef ANA_PLOT_H
#define ANA_PLOT_H

#include "ana/cube.h"
#include "ana/table.h"

typedef enum {
  ANA_PLOT_AUTO = 0,
  ANA_PLOT_LINE,
  ANA_PLOT_BAR,
  ANA_PLOT_HEATMAP,
  ANA_PLOT_LOSS
} ana_plot_kind;

typedef struct {
  const char *experiment; // NULL: "main" when it has --x, else the first that has
  const char *x, *hue, *facet;
  const char *metric;     // NULL: the experiment's first metric
  const char *stage;      // NULL: "denoised"
  ana_plot_kind kind;     // AUTO: line for an integer x, heatmap for train_*/test_*
                          // pairs, bar otherwise
  int n_where;
  ana_axis_value where[ANA_TABLE_MAX_WHERE];
  // The figure's physical size; text, lines and margins are fixed in points,
  // so a PNG at a higher dpi is the same figure with more pixels. Defaults:
  // 6 x 4 in at 150 dpi (900 x 600 pixels).
  double width_in, height_in;
  double dpi;             // PNG pixels per inch, also written to its pHYs chunk
  const char *output;     // FILE.png | FILE.svg | FILE.pdf
} ana_plot_opts;

#define ANA_PLOT_DPI 150.0

void ana_plot_opts_init(ana_plot_opts *o);
// "Averaging strategy × Nav × M0" from the description "averaging strategy x
// Nav x M0"; without a description (or one equal to the name) a readable form
// of the name ("SNR matching" for snr_matching).
void ana_plot_experiment_title(const ana_experiment *e, char *out, size_t len);
// Parses "line" | "bar" | "heatmap" | "loss" (ASL_EINVAL otherwise).
asl_status ana_plot_kind_parse(ana_plot_kind *k, const char *text);
asl_status ana_plot(const ana_cube *c, const ana_plot_opts *o);

// One axial slice of input / denoised / GT100 (one shared grey scale with its
// colour bar) / |denoised - GT100| (its own colour bar) for one infer job
// and subject, from DIR/volumes/<job-index>_<subject>_{input,
// denoised,gt100}.nii.gz (docs/cube.md).
typedef struct {
  const char *run_dir;  // NULL: the folder of the cube file
  const char *job;      // job key or job index
  const char *subject;  // NULL: the job's first subject with volumes
  int slice;            // -1: the middle slice
  int panel;            // image panel size in pixels; 0: 256
  double dpi;           // PNG pixels per inch; text is sized in points; 0: 150
  const char *output;
} ana_montage_opts;

void ana_montage_opts_init(ana_montage_opts *o);
asl_status ana_plot_montage(const ana_cube *c, const ana_montage_opts *o);

// Frees cairo's and fontconfig's process-wide font caches so leak checkers
// see only aslsweep's own memory. Call once, after the last plot.
void ana_plot_release_fonts(void);

#endif
