// `aslsweep plan SPEC --against DIR`: what `run` would do with DIR, job by
// job, naming the parts of a changed job's content key that changed.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asl/json_write.h"
#include "run/evolve.h"

static const char *const action_names[] = {"reuse", "run", "rerun"};

// The value of part `name` ("train.epochs") in a content text, as a
// pointer into it and a length; NULL when the part is absent.
static const char *part_value(const char *text, const char *name, size_t *len) {
  size_t n = strlen(name);
  for (const char *line = text; *line;) {
    const char *end = strchr(line, '\n');
    if (!end) end = line + strlen(line);
    if ((size_t)(end - line) > n && strncmp(line, name, n) == 0 && line[n] == '=') {
      *len = (size_t)(end - line) - n - 1;
      return line + n + 1;
    }
    line = *end ? end + 1 : end;
  }
  return NULL;
}

static void append(char *out, size_t size, const char *s, size_t n) {
  size_t at = strlen(out);
  if (at + n + 3 >= size) return;
  if (at) memcpy(out + at, ", ", 2), at += 2;
  memcpy(out + at, s, n);
  out[at + n] = '\0';
}

// Parts that differ between two content texts (one direction, then the
// parts only the old text has).
static void diff_parts(const char *a, const char *b, char *out, size_t size) {
  for (int pass = 0; pass < 2; pass++) {
    const char *x = pass ? b : a, *y = pass ? a : b;
    for (const char *line = x; *line;) {
      const char *eq = strchr(line, '='), *end = strchr(line, '\n');
      if (!end) end = line + strlen(line);
      if (eq && eq < end && strncmp(line, "upstream", 8) != 0) {
        char name[128];
        snprintf(name, sizeof name, "%.*s", (int)(eq - line), line);
        size_t vl = (size_t)(end - eq - 1), wl = 0;
        const char *w = part_value(y, name, &wl);
        if (pass == 0 ? !w || wl != vl || memcmp(w, eq + 1, vl) != 0 : !w)
          append(out, size, name, strlen(name));
      }
      line = *end ? end + 1 : end;
    }
  }
}

// What changed in new job j against job o of the old plan: its own parts,
// and for an infer job whose train job changed, "upstream: <its parts>".
static void changed(const sweep_plan *np, int j, const sweep_plan *op, int o, char *out,
                    size_t size) {
  out[0] = '\0';
  char *a = sweep_job_content_text(op, o), *b = sweep_job_content_text(np, j);
  if (a && b) diff_parts(a, b, out, size);
  int nt = np->jobs[j].train_job, ot = op->jobs[o].train_job;
  if (nt >= 0 && ot >= 0 && strcmp(np->jobs[nt].content_key, op->jobs[ot].content_key) != 0) {
    char up[256];
    changed(np, nt, op, ot, up, sizeof up);
    char both[300];
    int n = snprintf(both, sizeof both, "upstream (%s)", up[0] ? up : "train job");
    append(out, size, both, (size_t)n < sizeof both ? (size_t)n : sizeof both - 1);
  }
  free(a);
  free(b);
}

static int find_job(const sweep_plan *p, const char *key) {
  for (int i = 0; i < p->n_jobs; i++)
    if (strcmp(p->jobs[i].key, key) == 0) return i;
  return -1;
}

static void job_reason(const run_evolution *ev, const sweep_plan *p, const sweep_plan *old,
                       int j, char *why, size_t n) {
  why[0] = '\0';
  int o = ev->old_of[j];
  if (ev->action[j] == RUN_EVOLVE_RUN)
    snprintf(why, n, "%s", o < 0 ? "new" : "not done there");
  else if (ev->action[j] == RUN_EVOLVE_RERUN) {
    int oo = old ? find_job(old, p->jobs[j].key) : -1;
    if (oo >= 0) changed(p, j, old, oo, why, n);
    // Nothing the spec says differs: the inputs or the engine did.
    if (!why[0] && oo >= 0) snprintf(why, n, "data files or engine version");
    if (!why[0]) snprintf(why, n, "changed; the old cube's spec does not load here to name the parts");
  }
}

static void print_text(const run_evolution *ev, const sweep_plan *p, const sweep_plan *old,
                       const char *path, FILE *f) {
  fprintf(f, "# %s against %s: %d reuse, %d run, %d rerun, %d retire\n", p->name, path,
          ev->n_reuse, ev->n_run, ev->n_rerun, ev->n_retire);
  fprintf(f, "# index kind  action  key  (why)\n");
  char why[512];
  for (int j = 0; j < p->n_jobs; j++) {
    job_reason(ev, p, old, j, why, sizeof why);
    fprintf(f, "%7d %-5s %-7s %s%s%s%s\n", j, p->jobs[j].kind == SWEEP_JOB_TRAIN ? "train" : "infer",
            action_names[ev->action[j]], p->jobs[j].key, why[0] ? " (" : "", why,
            why[0] ? ")" : "");
  }
  for (int o = 0; o < ev->n_old; o++)
    if (ev->old_new[o] < 0) fprintf(f, "%7s %-5s %-7s %s (old job %d)\n", "-", "-", "retire",
                                    ev->old_key[o], o);
}

static void print_json(const run_evolution *ev, const sweep_plan *p, const sweep_plan *old,
                       const char *path, FILE *f) {
  fprintf(f, "{\"name\": ");
  asl_json_write_string(f, p->name);
  fprintf(f, ", \"against\": ");
  asl_json_write_string(f, path);
  fprintf(f, ", \"reuse\": %d, \"run\": %d, \"rerun\": %d, \"retire\": %d,\n\"jobs\": [\n",
          ev->n_reuse, ev->n_run, ev->n_rerun, ev->n_retire);
  char why[512];
  for (int j = 0; j < p->n_jobs; j++) {
    job_reason(ev, p, old, j, why, sizeof why);
    fprintf(f, "{\"index\": %d, \"key\": ", j);
    asl_json_write_string(f, p->jobs[j].key);
    fprintf(f, ", \"content_key\": \"%s\", \"action\": \"%s\", \"old_index\": %d, \"why\": ",
            p->jobs[j].content_key, action_names[ev->action[j]], ev->old_of[j]);
    asl_json_write_string(f, why);
    fprintf(f, "}%s\n", j + 1 < p->n_jobs ? "," : "");
  }
  fprintf(f, "],\n\"retired\": [");
  int first = 1;
  for (int o = 0; o < ev->n_old; o++) {
    if (ev->old_new[o] >= 0) continue;
    fprintf(f, "%s\n{\"old_index\": %d, \"key\": ", first ? "" : ",", o);
    asl_json_write_string(f, ev->old_key[o]);
    fprintf(f, "}");
    first = 0;
  }
  fprintf(f, "]}\n");
}

asl_status run_evolve_print(const sweep_plan *p, const char *dir, FILE *f, int json) {
  char path[4200];
  snprintf(path, sizeof path, "%s/results.h5", dir);
  FILE *probe = fopen(path, "rb");
  if (!probe)
    return asl_fail(ASL_ENOTFOUND, "%s: no results cube to compare with; check the --against "
                    "directory (one that 'aslsweep run --out' wrote)", path);
  fclose(probe);
  run_evolution ev;
  asl_status st = run_evolve_read(&ev, p, path);
  if (st) return st;
  // The old spec, expanded again, names what changed; it is only an
  // explanation, so a spec that no longer loads leaves the names out.
  sweep_plan old;
  sweep_diags d;
  int have_old = sweep_plan_load_text(&old, &d, "old spec", ev.old_spec, strlen(ev.old_spec), 0,
                                      NULL) == ASL_OK;
  sweep_diags_free(&d);
  if (have_old) {
    memcpy(old.data_fingerprint, p->data_fingerprint, sizeof old.data_fingerprint);
    if (sweep_plan_hash_jobs(&old)) {
      sweep_plan_free(&old);
      have_old = 0;
    }
  }
  if (json) print_json(&ev, p, have_old ? &old : NULL, path, f);
  else print_text(&ev, p, have_old ? &old : NULL, path, f);
  if (have_old) sweep_plan_free(&old);
  run_evolve_free(&ev);
  return ASL_OK;
}
