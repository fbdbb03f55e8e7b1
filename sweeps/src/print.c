// Listings of a plan for `aslsweep validate` and `aslsweep plan`.
#include <stdio.h>
#include <string.h>

#include "asl/json_write.h"
#include "spec.h"

void sweep_plan_write_axes(const sweep_plan *p, FILE *f) {
  for (int i = 0; i < p->n_experiments; i++) {
    const sweep_experiment *e = &p->experiments[i];
    int jobs = 0;
    for (int j = p->n_train; j < p->n_jobs; j++) jobs += p->jobs[j].experiment == i;
    fprintf(f, "  %s:", e->name);
    for (int a = 0; a < e->n_axes; a++) fprintf(f, " %s=%d", e->axes[a].name, e->axes[a].n);
    fprintf(f, " fold=%d (%d infer jobs)\n", p->folds, jobs);
  }
}

static void write_json(const sweep_plan *p, FILE *f) {
  fprintf(f, "{\"name\": ");
  asl_json_write_string(f, p->name);
  fprintf(f, ", \"n_jobs\": %d, \"n_train\": %d, \"n_infer\": %d, \"experiments\": [", p->n_jobs,
          p->n_train, p->n_infer);
  for (int i = 0; i < p->n_experiments; i++) {
    const sweep_experiment *e = &p->experiments[i];
    fprintf(f, "%s{\"name\": ", i ? ", " : "");
    asl_json_write_string(f, e->name);
    fprintf(f, ", \"axes\": {");
    for (int a = 0; a < e->n_axes; a++) {
      fprintf(f, "%s", a ? ", " : "");
      asl_json_write_string(f, e->axes[a].name);
      fprintf(f, ": [");
      for (int l = 0; l < e->axes[a].n; l++) {
        fprintf(f, "%s", l ? ", " : "");
        asl_json_write_string(f, e->axes[a].labels[l]);
      }
      fprintf(f, "]");
    }
    fprintf(f, "}}");
  }
  fprintf(f, "],\n\"jobs\": [\n");
  for (int i = 0; i < p->n_jobs; i++) {
    const sweep_job *j = &p->jobs[i];
    fprintf(f, "{\"index\": %d, \"kind\": \"%s\", \"key\": ", i,
            j->kind == SWEEP_JOB_TRAIN ? "train" : "infer");
    asl_json_write_string(f, j->key);
    fprintf(f, ", \"depends_on\": [");
    if (j->train_job >= 0) fprintf(f, "%d", j->train_job);
    fprintf(f, "], \"experiment\": %d, \"fold\": %d, \"seed\": %llu, \"cost\": %.6g",
            j->experiment, j->cond.fold, (unsigned long long)j->seed, j->cost);
    if (j->content_key[0]) fprintf(f, ", \"content_key\": \"%s\"", j->content_key);
    fprintf(f, "}%s\n", i + 1 < p->n_jobs ? "," : "");
  }
  fprintf(f, "]}\n");
}

void sweep_plan_write_jobs(const sweep_plan *p, FILE *f, int json) {
  if (json) {
    write_json(p, f);
    return;
  }
  double total = 0;
  for (int i = 0; i < p->n_jobs; i++) total += p->jobs[i].cost;
  fprintf(f, "# %s: %d jobs (%d train, %d infer), est. %.3g FLOP in all\n", p->name, p->n_jobs,
          p->n_train, p->n_infer, total);
  fprintf(f, "# index kind  needs  cost(FLOP)  key\n");
  for (int i = 0; i < p->n_jobs; i++) {
    const sweep_job *j = &p->jobs[i];
    char dep[16] = "-";
    if (j->train_job >= 0) snprintf(dep, sizeof dep, "%d", j->train_job);
    fprintf(f, "%7d %-5s %6s  %10.3g  %s\n", i, j->kind == SWEEP_JOB_TRAIN ? "train" : "infer", dep,
            j->cost, j->key);
  }
}
