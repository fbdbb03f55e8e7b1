// `aslsweep status DIR --json`: the same counts and checks as the table, as
// one JSON object for scripts and dashboards.
#include "asl/json_write.h"
#include "run/report.h"

static void counts(FILE *f, const char *name, const int c[4]) {
  fputs("{\"name\": ", f);
  asl_json_write_string(f, name);
  fprintf(f, ", \"done\": %d, \"failed\": %d, \"running\": %d, \"pending\": %d}", c[0], c[1],
          c[2], c[3]);
}

static void verify_json(FILE *f, const cube_verify_result *v) {
  fprintf(f, "{\"has_checksums\": %s, \"verified\": %d, \"unverified\": %d, \"failing\": [",
          v->has_checksums ? "true" : "false", v->n_verified, v->n_unverified);
  for (int i = 0; i < v->n_bad; i++) {
    fprintf(f, "%s{\"job\": %d, \"what\": ", i ? ", " : "", v->bad[i].job);
    asl_json_write_string(f, v->bad[i].what);
    fputc('}', f);
  }
  fputs("]}", f);
}

void run_report_print_json(const run_report *r, FILE *f) {
  int tot[4] = {0, 0, 0, 0};
  fputs("{\"cube\": ", f);
  asl_json_write_string(f, r->path);
  fputs(", \"spec_hash\": ", f);
  asl_json_write_string(f, r->spec_hash);
  fputs(", \"executor\": ", f);
  asl_json_write_string(f, r->executor);
  fprintf(f, ", \"jobs\": %d, \"experiments\": [", r->n_jobs);
  int first = 1;
  for (int i = 0; i < r->n_rows; i++) {
    const run_report_row *w = &r->rows[i];
    const int c[4] = {w->done, w->failed, w->running, w->pending};
    for (int k = 0; k < 4; k++) tot[k] += c[k];
    if (c[0] + c[1] + c[2] + c[3] == 0) continue;
    if (!first) fputs(", ", f);
    first = 0;
    counts(f, w->name, c);
  }
  fputs("], \"total\": ", f);
  counts(f, "total", tot);
  fputs(", \"first_failure\": ", f);
  if (r->first_error[0]) asl_json_write_string(f, r->first_error);
  else fputs("null", f);
  fputs(", \"verify\": ", f);
  verify_json(f, &r->verify);
  fputs("}\n", f);
}
