#include "plot_data.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ana/stats.h"
#include "plot_canvas.h"
#include "name_list.h"

static int design_axis(const ana_experiment *e, const char *name) {
  int a = name ? ana_exp_axis(e, name) : -1;
  return a < e->n_design ? a : -1;
}

asl_status ana_plot_pick_experiment(const ana_cube *c, const char *name, const char *axis,
                                    const ana_experiment **out) {
  *out = NULL;
  if (name) {
    *out = ana_cube_experiment(c, name);
    if (!*out) return asl_fail(ASL_EINVAL, "%s: no experiment '%s'", c->path, name);
    return ASL_OK;
  }
  const ana_experiment *m = ana_cube_experiment(c, "main");
  if (m && (!axis || design_axis(m, axis) >= 0)) *out = m;
  for (int i = 0; !*out && i < c->n_experiments; i++)
    if (!axis || design_axis(&c->experiments[i], axis) >= 0) *out = &c->experiments[i];
  if (!*out)
    return asl_fail(ASL_EINVAL, "%s: no experiment has an axis '%s'; name one with --experiment",
                    c->path, axis ? axis : "");
  return ASL_OK;
}

static const char *axis_label(const void *a, int i) { return ((const ana_axis *)a)->labels[i]; }

static void labels_of(const ana_axis *a, char *out, size_t len) {
  ana_name_list(out, len, a->n, axis_label, a);
}

// fixed[a] = label of a --where or single-label axis; -1 for x/hue/facet.
static asl_status place(ana_plot_data *d, const ana_plot_opts *o, int *fixed) {
  const ana_experiment *e = d->e;
  char list[512];
  const char *names[3] = {o->x, o->hue, o->facet}, *flags[3] = {"--x", "--hue", "--facet"};
  int *slots[3] = {&d->ax_x, &d->ax_hue, &d->ax_facet};
  for (int a = 0; a < e->n_design; a++) fixed[a] = e->axes[a].n == 1 ? 0 : -2;
  for (int k = 0; k < 3; k++) {
    *slots[k] = -1;
    if (!names[k]) continue;
    int a = design_axis(e, names[k]);
    if (a < 0) return asl_fail(ASL_EINVAL, "%s %s: experiment %s has no such axis", flags[k], names[k], e->name);
    if (fixed[a] == -1) return asl_fail(ASL_EINVAL, "axis %s is used twice", names[k]);
    *slots[k] = a;
    fixed[a] = -1;
  }
  for (int i = 0; i < o->n_where; i++) {
    int a = design_axis(e, o->where[i].axis);
    int l = a >= 0 ? ana_axis_label(&e->axes[a], o->where[i].label) : -1;
    if (a < 0 || l < 0 || fixed[a] == -1) {
      if (a >= 0) labels_of(&e->axes[a], list, sizeof list);
      return asl_fail(ASL_EINVAL, "--where %s=%s: %s", o->where[i].axis, o->where[i].label,
                      a < 0 ? "no such axis" : fixed[a] == -1 ? "axis already plotted" : list);
    }
    fixed[a] = l;
  }
  char msg[1024] = "";
  for (int a = 0; a < e->n_design; a++)
    if (fixed[a] == -2) {
      labels_of(&e->axes[a], list, sizeof list);
      snprintf(msg + strlen(msg), sizeof msg - strlen(msg), "%s%s (%s)", msg[0] ? "; " : "",
               e->axes[a].name, list);
    } else if (fixed[a] >= 0) {
      snprintf(d->fixed + strlen(d->fixed), sizeof d->fixed - strlen(d->fixed), "%s%s=%s",
               d->fixed[0] ? ", " : "", e->axes[a].name, e->axes[a].labels[fixed[a]]);
    }
  if (msg[0])
    return asl_fail(ASL_EINVAL, "experiment %s: axes not placed: %s; use them as --x/--hue/--facet "
                    "or fix one label with --where AXIS=LABEL", e->name, msg);
  return ASL_OK;
}

static asl_status pick_metric_stage(ana_plot_data *d, const ana_plot_opts *o) {
  const ana_experiment *e = d->e;
  const ana_axis *m = &e->axes[e->n_design + 2], *s = &e->axes[e->n_design + 1];
  d->metric = o->metric ? ana_axis_label(m, o->metric) : 0;
  d->stage = ana_axis_label(s, o->stage ? o->stage : cube_stage_names[CUBE_STAGE_DENOISED]);
  char list[256];
  if (d->metric < 0) {
    labels_of(m, list, sizeof list);
    return asl_fail(ASL_EINVAL, "--metric %s: experiment %s has metrics %s", o->metric, e->name, list);
  }
  if (d->stage < 0) {
    labels_of(s, list, sizeof list);
    return asl_fail(ASL_EINVAL, "--stage %s: stages are %s", o->stage, list);
  }
  return ASL_OK;
}

static void summarize_all(ana_plot_data *d, const ana_cube *c, int *fixed, double *v) {
  const ana_experiment *e = d->e;
  int ns = ana_exp_n_subjects(e), idx[64];
  d->vmin = INFINITY;
  d->vmax = -INFINITY;
  for (int f = 0; f < d->nfacet; f++)
    for (int h = 0; h < d->nhue; h++)
      for (int x = 0; x < d->nx; x++) {
        for (int a = 0; a < e->n_design; a++) idx[a] = fixed[a] >= 0 ? fixed[a] : 0;
        if (d->ax_x >= 0) idx[d->ax_x] = x;
        if (d->ax_hue >= 0) idx[d->ax_hue] = h;
        if (d->ax_facet >= 0) idx[d->ax_facet] = f;
        size_t cell = ana_exp_cell(e, idx);
        for (int s = 0; s < ns; s++) v[s] = ana_exp_value(c, e, cell, s, d->stage, d->metric);
        ana_summary sm;
        ana_summarize(v, ns, &sm);
        size_t at = ana_plot_at(d, f, h, x);
        d->mean[at] = sm.n ? sm.mean : NAN;
        d->sd[at] = sm.n > 1 ? sm.sd : 0;
        d->n[at] = sm.n;
        if (sm.n) {
          d->vmin = fmin(d->vmin, sm.mean - d->sd[at]);
          d->vmax = fmax(d->vmax, sm.mean + d->sd[at]);
        }
      }
}

asl_status ana_plot_data_build(ana_plot_data *d, const ana_cube *c, const ana_plot_opts *o) {
  memset(d, 0, sizeof *d);
  if (!o->x) return asl_fail(ASL_EINVAL, "--x AXIS is required for this kind of plot");
  asl_status st = ana_plot_pick_experiment(c, o->experiment, o->x, &d->e);
  if (st) return st;
  if (d->e->n_design > 64) return asl_fail(ASL_EFORMAT, "experiment %s: too many axes", d->e->name);
  int fixed[64];
  st = place(d, o, fixed);
  if (st == ASL_OK) st = pick_metric_stage(d, o);
  if (st) return st;
  d->nx = d->e->axes[d->ax_x].n;
  d->nhue = d->ax_hue >= 0 ? d->e->axes[d->ax_hue].n : 1;
  d->nfacet = d->ax_facet >= 0 ? d->e->axes[d->ax_facet].n : 1;
  if (d->nx > ANA_PLOT_MAX_LABELS || d->nhue > ANA_PLOT_MAX_LABELS) {
    int x = d->nx > ANA_PLOT_MAX_LABELS, a = x ? d->ax_x : d->ax_hue;
    return asl_fail(ASL_EINVAL, "--%s %s: experiment %s has %d %s labels, a figure shows at most "
                    "%d along x or in its legend: split the study (--experiment), or put the axis "
                    "on --facet, or use `aslsweep table` (no limit)", x ? "x" : "hue",
                    d->e->axes[a].name, d->e->name, d->e->axes[a].n, d->e->axes[a].name,
                    ANA_PLOT_MAX_LABELS);
  }
  size_t n = (size_t)d->nx * (size_t)d->nhue * (size_t)d->nfacet;
  d->mean = malloc(n * sizeof *d->mean);
  d->sd = malloc(n * sizeof *d->sd);
  d->n = malloc(n * sizeof *d->n);
  double *v = malloc(((size_t)ana_exp_n_subjects(d->e) + 1) * sizeof *v);
  if (!d->mean || !d->sd || !d->n || !v) {
    free(v);
    ana_plot_data_free(d);
    return asl_fail(ASL_ENOMEM, "plot: out of memory");
  }
  summarize_all(d, c, fixed, v);
  free(v);
  if (!isfinite(d->vmin)) {
    ana_plot_data_free(d);
    return asl_fail(ASL_EINVAL, "%s: experiment %s has no values of done jobs to plot yet",
                    c->path, d->e->name);
  }
  return ASL_OK;
}

void ana_plot_data_free(ana_plot_data *d) {
  free(d->mean);
  free(d->sd);
  free(d->n);
  d->mean = d->sd = NULL;
  d->n = NULL;
}

const char *ana_plot_label(const ana_plot_data *d, int axis, int i) {
  return axis >= 0 ? d->e->axes[axis].labels[i] : "";
}

// Title: the experiment in words; subtitle: what is plotted, the statistic
// and the axes held fixed.
void ana_plot_titles(const ana_plot_data *d, const char *what, int with_sd, char *title,
                     size_t tlen, char *sub, size_t slen) {
  ana_plot_experiment_title(d->e, title, tlen);
  const char *metric = d->e->axes[d->e->n_design + 2].labels[d->metric];
  snprintf(sub, slen, "%s (%s) %s; %s over test subjects%s%s", ana_pretty(metric),
           d->e->axes[d->e->n_design + 1].labels[d->stage], what,
           with_sd ? "mean \xc2\xb1 SD" : "mean", d->fixed[0] ? "; " : "",
           d->fixed);
}
