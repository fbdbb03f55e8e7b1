// Training curves from /jobs/train_loss and /jobs/val_loss: the mean over
// the train jobs of each group, per epoch.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot_internal.h"
#include "plot_layout.h"

#define MAX_GROUPS 10

// Value of segment "axis=value" in a job key ("main/strategy=windowed/nav=4/..."),
// or NULL.
static int key_segment(const char *key, const char *axis, char *out, size_t len) {
  size_t n = strlen(axis);
  for (const char *s = key; s && *s; s = strchr(s, '/') ? strchr(s, '/') + 1 : NULL) {
    if (strncmp(s, axis, n) == 0 && s[n] == '=') {
      const char *v = s + n + 1, *end = strchr(v, '/');
      size_t k = end ? (size_t)(end - v) : strlen(v);
      snprintf(out, len, "%.*s", (int)(k < len ? k : len - 1), v);
      return 1;
    }
  }
  return 0;
}

// The group of train job j, or 0 when the options filter it out.
static int group_of(const ana_cube *c, int j, const ana_plot_opts *o, char *g, size_t len) {
  if (c->jobs.kind[j] != 0) return 0;
  const char *key = ana_job_key(c, j);
  if (o->experiment) {
    size_t n = strlen(o->experiment);
    if (strncmp(key, o->experiment, n) != 0 || key[n] != '/') return 0;
  }
  char v[64];
  for (int i = 0; i < o->n_where; i++)
    if (!key_segment(key, o->where[i].axis, v, sizeof v) || strcmp(v, o->where[i].label) != 0)
      return 0;
  if (o->hue) return key_segment(key, o->hue, g, len);
  // Without --hue, folds of one condition form a group: drop "/fold=N".
  snprintf(g, len, "%s", key);
  char *f = strstr(g, "/fold=");
  if (f) {
    char *rest = strchr(f + 1, '/');
    memmove(f, rest ? rest : f + strlen(f), strlen(rest ? rest : f + strlen(f)) + 1);
  }
  return 1;
}

typedef struct {
  char name[256];
  double *sum_t, *sum_v;
  int *n_t, *n_v;
} group;

static int find_or_add(group *gs, int *n, const char *name, int epochs) {
  for (int i = 0; i < *n; i++)
    if (strcmp(gs[i].name, name) == 0) return i;
  if (*n == MAX_GROUPS) return -1;
  group *g = &gs[(*n)++];
  snprintf(g->name, sizeof g->name, "%s", name);
  g->sum_t = calloc((size_t)epochs, sizeof(double));
  g->sum_v = calloc((size_t)epochs, sizeof(double));
  g->n_t = calloc((size_t)epochs, sizeof(int));
  g->n_v = calloc((size_t)epochs, sizeof(int));
  return g->sum_t && g->sum_v && g->n_t && g->n_v ? *n - 1 : -2;
}

static void curve(cairo_t *cr, const ana_panel *p, const double *sum, const int *n, int epochs,
                  int dashed) {
  static const double dash[] = {4, 2.5};
  cairo_set_dash(cr, dash, dashed ? 2 : 0, 0);
  cairo_set_line_width(cr, 1.4);
  int pen = 0;
  for (int e = 0; e < epochs; e++) {
    if (!n[e]) {
      pen = 0;
      continue;
    }
    double x = p->x0 + (epochs > 1 ? e * p->w / (epochs - 1) : p->w / 2), y = ana_panel_y(p, sum[e] / n[e]);
    if (pen) cairo_line_to(cr, x, y);
    else cairo_move_to(cr, x, y);
    pen = 1;
  }
  cairo_stroke(cr);
  cairo_set_dash(cr, NULL, 0, 0);
}

static asl_status collect(const ana_cube *c, const ana_plot_opts *o, group *gs, int *ng) {
  int E = c->jobs.n_epochs, too_many = 0;
  for (int j = 0; j < c->jobs.n; j++) {
    char name[256];
    if (!group_of(c, j, o, name, sizeof name)) continue;
    const float *train = ana_job_train_loss(c, j), *val = ana_job_val_loss(c, j);
    if (!train || !val)
      return asl_fail(ASL_EHDF5, "%s: cannot read the loss rows of job %d", c->path, j);
    int has = 0;
    for (int e = 0; e < E; e++) has |= isfinite(train[e]);
    if (!has) continue;
    int g = find_or_add(gs, ng, name, E);
    if (g == -2) return asl_fail(ASL_ENOMEM, "loss plot: out of memory");
    if (g < 0) {
      too_many = 1;
      continue;
    }
    for (int e = 0; e < E; e++) {
      float t = train[e], v = val[e];
      if (isfinite(t)) gs[g].sum_t[e] += t, gs[g].n_t[e]++;
      if (isfinite(v)) gs[g].sum_v[e] += v, gs[g].n_v[e]++;
    }
  }
  if (too_many)
    return asl_fail(ASL_EINVAL, "loss plot: more than %d job groups; group with --hue AXIS (e.g. "
                    "--hue nav) or narrow with --experiment E / --where AXIS=LABEL", MAX_GROUPS);
  if (*ng == 0)
    return asl_fail(ASL_EINVAL, "%s: no train job with a recorded loss matches the selection",
                    c->path);
  return ASL_OK;
}

static void loss_range(const group *gs, int ng, int E, double *lo, double *hi) {
  *lo = INFINITY, *hi = -INFINITY;
  for (int g = 0; g < ng; g++)
    for (int e = 0; e < E; e++) {
      if (gs[g].n_t[e]) *lo = fmin(*lo, gs[g].sum_t[e] / gs[g].n_t[e]), *hi = fmax(*hi, gs[g].sum_t[e] / gs[g].n_t[e]);
      if (gs[g].n_v[e]) *lo = fmin(*lo, gs[g].sum_v[e] / gs[g].n_v[e]), *hi = fmax(*hi, gs[g].sum_v[e] / gs[g].n_v[e]);
    }
}

static void draw(cairo_t *cr, const ana_canvas *cv, const ana_cube *c, const ana_plot_opts *o,
                 group *gs, int ng) {
  int E = c->jobs.n_epochs;
  double lo, hi, ticks[12];
  int nt;
  loss_range(gs, ng, E, &lo, &hi);
  ana_nice_range(&lo, &hi, ticks, &nt);
  char title[300] = "Training loss";
  const ana_experiment *e = o->experiment ? ana_cube_experiment(c, o->experiment) : NULL;
  if (e) {
    snprintf(title, sizeof title, "Training loss: ");
    ana_plot_experiment_title(e, title + strlen(title), sizeof title - strlen(title));
  }
  ana_figure_title(cr, cv, title, "mean over the jobs of each group; solid: training, dashed: validation");
  const char *names[MAX_GROUPS];
  for (int g = 0; g < ng; g++) names[g] = gs[g].name;
  const char *header = o->hue ? ana_pretty(o->hue) : "job group";
  ana_panel_text pt = {.ytick_w = ana_y_tick_width(cr, lo, hi), .ylabel = 1, .xlabel = 1};
  ana_figure fig;
  ana_figure_init(&fig, cr, cv, 1, ana_legend_width(cr, cv, header, names, ng), 1, &pt);
  ana_panel p;
  ana_figure_panel(&fig, 0, &p);
  p.ymin = lo, p.ymax = hi;
  ana_panel_frame(cr, &p, NULL, "loss");
  double xs[64];
  char lab[64][12];
  const char *xl[64];
  int nx = 0, stride = E > 12 ? (E + 11) / 12 : 1;
  for (int ep = 0; ep < E && nx < 64; ep += stride, nx++) {
    xs[nx] = p.x0 + (E > 1 ? ep * p.w / (E - 1) : p.w / 2);
    snprintf(lab[nx], sizeof lab[nx], "%d", ep + 1);
    xl[nx] = lab[nx];
  }
  ana_x_ticks(cr, &p, xs, xl, nx, "epoch");
  for (int g = 0; g < ng; g++) {
    ana_color(cr, g);
    curve(cr, &p, gs[g].sum_t, gs[g].n_t, E, 0);
    ana_color(cr, g);
    curve(cr, &p, gs[g].sum_v, gs[g].n_v, E, 1);
  }
  ana_figure_legend(cr, cv, &fig, fig.top + fig.margin_t, header, names, ng, 1);
}

asl_status ana_plot_loss(const ana_cube *c, const ana_plot_opts *o) {
  group gs[MAX_GROUPS];
  int ng = 0;
  memset(gs, 0, sizeof gs);
  asl_status st = collect(c, o, gs, &ng);
  ana_canvas cv;
  if (st == ASL_OK) st = ana_canvas_open(&cv, o->output, o->width_in, o->height_in, o->dpi);
  if (st == ASL_OK) {
    draw(cv.cr, &cv, c, o, gs, ng);
    st = ana_canvas_close(&cv);
  }
  for (int g = 0; g < MAX_GROUPS; g++) {
    free(gs[g].sum_t);
    free(gs[g].sum_v);
    free(gs[g].n_t);
    free(gs[g].n_v);
  }
  return st;
}
