// The `aslsweep table` body: every selected experiment × metric.
#include <string.h>

#include "name_list.h"
#include "table_internal.h"

// With no --experiment, a --baseline axis that an experiment's table does not
// show (nav, when nav is fixed there) leaves that table untested, with a note.
static int baseline_applies(const ana_experiment *e, const ana_layout *L, const ana_table_opts *o) {
  if (strcmp(o->baseline.axis, CUBE_AXIS_STAGE) == 0) return 1;
  for (int i = 0; i < L->n_row_axes; i++)
    if (strcmp(e->axes[L->row_axes[i]].name, o->baseline.axis) == 0) return 1;
  for (int i = 0; i < L->n_col_axes; i++)
    if (strcmp(e->axes[L->col_axes[i]].name, o->baseline.axis) == 0) return 1;
  return 0;
}

// The options experiment e's tables are built with: without the baseline
// when it does not apply (noted once).
static asl_status own_options(const ana_experiment *e, const ana_table_opts *o,
                              ana_table_opts *own, int *noted) {
  *own = *o;
  if (!o->has_baseline || o->experiment) return ASL_OK;
  ana_layout L;
  asl_status st = ana_layout_resolve(&L, e, o);
  if (st || baseline_applies(e, &L, o)) return st;
  own->has_baseline = 0;
  if (!(*noted)++)
    fprintf(stderr, "aslsweep table: note: --baseline %s=%s does not apply to experiment %s (%s "
            "is not on its rows or columns); its tables have no tests\n",
            o->baseline.axis, o->baseline.label, e->name, o->baseline.axis);
  return ASL_OK;
}

static asl_status one_experiment(FILE *out, const ana_cube *c, const ana_experiment *e,
                                 const ana_table_opts *o, int *printed) {
  const ana_axis *m = &e->axes[e->n_design + 2];
  int only = -1;
  if (o->metric && strcmp(o->metric, "all") != 0) {
    only = ana_axis_label(m, o->metric);
    if (only < 0) {
      char list[256] = "";
      for (int i = 0; i < m->n; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "",
                 m->labels[i]);
      return asl_fail(ASL_EINVAL, "%s: experiment %s has no metric '%s' (metrics: %s, or all)",
                      c->path, e->name, o->metric, list);
    }
  }
  int noted = 0;
  ana_table_opts own;
  for (int k = 0; k < m->n; k++) {
    if (only >= 0 && k != only) continue;
    asl_status st = own_options(e, o, &own, &noted);
    const char *sep = o->format == ANA_FMT_CSV ? ana_eol_text(o->eol) : "\n";
    if (st == ASL_OK) st = ana_table_stream(out, c, e, k, &own, *printed ? sep : NULL);
    if (st) return st;
    (*printed)++;
  }
  return ASL_OK;
}

static int has_design_axis(const ana_experiment *e, const char *axis) {
  int a = ana_exp_axis(e, axis);
  return a >= 0 && a < e->n_design;
}

// Over every experiment, a --where axis must exist in at least one of them.
static asl_status check_where_axes(const ana_cube *c, const ana_table_opts *o) {
  for (int w = 0; w < o->n_where; w++) {
    int found = 0;
    for (int i = 0; i < c->n_experiments; i++)
      found |= has_design_axis(&c->experiments[i], o->where[w].axis);
    if (!found)
      return asl_fail(ASL_EINVAL, "--where %s=%s: no experiment of %s has an axis %s",
                      o->where[w].axis, o->where[w].label, c->path, o->where[w].axis);
  }
  return ASL_OK;
}

// Without --experiment, each experiment takes the --where values of the axes
// it has (--where model=unet3d filters main and leaves generalization alone).
static void keep_own_where(ana_table_opts *o, const ana_experiment *e) {
  int k = 0;
  for (int w = 0; w < o->n_where; w++)
    if (has_design_axis(e, o->where[w].axis)) o->where[k++] = o->where[w];
  o->n_where = k;
}

static const char *experiment_name(const void *c, int i) {
  return ((const ana_cube *)c)->experiments[i].name;
}

asl_status ana_table_run(FILE *out, const ana_cube *c, const ana_table_opts *o) {
  int printed = 0;
  if (o->experiment) {
    const ana_experiment *e = ana_cube_experiment(c, o->experiment);
    if (!e) {
      char list[1024];
      ana_name_list(list, sizeof list, c->n_experiments, experiment_name, c);
      return asl_fail(ASL_EINVAL, "%s: no experiment '%s' (experiments: %s)", c->path,
                      o->experiment, list[0] ? list : "none");
    }
    return one_experiment(out, c, e, o, &printed);
  }
  if (c->n_experiments == 0)
    return asl_fail(ASL_EINVAL, "%s: the cube holds no experiment", c->path);
  asl_status st = check_where_axes(c, o);
  for (int i = 0; st == ASL_OK && i < c->n_experiments; i++) {
    ana_table_opts own = *o;
    keep_own_where(&own, &c->experiments[i]);
    st = one_experiment(out, c, &c->experiments[i], &own, &printed);
  }
  return st;
}
