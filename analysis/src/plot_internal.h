// Plot kinds, dispatched from ana_plot().
#ifndef ANA_PLOT_INTERNAL_H
#define ANA_PLOT_INTERNAL_H

#include "ana/plot.h"

// ASL_EINVAL unless `path` ends in .png, .svg or .pdf.
asl_status ana_plot_check_output(const char *path);
asl_status ana_plot_series(const ana_cube *c, const ana_plot_opts *o, int bars);
asl_status ana_plot_heatmap(const ana_cube *c, const ana_plot_opts *o);
asl_status ana_plot_loss(const ana_cube *c, const ana_plot_opts *o);

#endif
