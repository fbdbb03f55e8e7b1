#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "ana/export.h"
#include "cli.h"

static const char usage_text[] =
    "usage: aslsweep export DIR/results.h5 --format csv|json [-o FILE] [--summary]\n"
    "         [--experiment E] [--line-ending lf|crlf]\n"
    "\n"
    "csv: a header line, RFC 4180 quoting, LF line ends (--line-ending crlf for\n"
    "RFC 4180's CRLF); json: JSON lines (absent values null). Default: stdout.\n"
    "\n"
    "Columns of the row export (one row per stored value):\n"
    "  experiment          experiment group\n"
    "  <axis> ...          one per design axis of any experiment (nav, strategy,\n"
    "                      m0, ...); empty where the experiment has no such axis\n"
    "  subject, fold       subject id and the fold it is tested in\n"
    "  stage               input or denoised\n"
    "  metric, value       metric name and the per-subject value\n"
    "  job, job_key        index and key of the job that wrote the value\n"
    "  job_status          pending, running, done or failed\n"
    "  seconds, rank, host, seed   that job's wall time, MPI rank, host, seed\n"
    "Columns of --summary (one row per table cell, subjects of done jobs only):\n"
    "  experiment, <axis> ..., stage, metric   as above\n"
    "  n                   subjects with a value\n"
    "  mean, sd            mean and sample SD (ddof 1), as in the tables\n"
    "  median, q1, q3      median and quartiles (linear interpolation)\n"
    "  ci95_lo, ci95_hi    95% percentile bootstrap CI of the mean (2000\n"
    "                      resamples, seeded from the cell: reproducible);\n"
    "                      empty when n < 2\n"
    "See docs/analysis.md.\n"
    "A cube with job rows that fail their checksums is refused (exit 1, the rows\n"
    "named; `aslsweep verify DIR` lists them, rerunning the sweep redoes them).\n";

static int usage_error(const char *msg, const char *arg) {
  fprintf(stderr, "aslsweep export: %s%s\n(run 'aslsweep export --help')\n", msg, arg);
  return CLI_USAGE;
}

int cmd_export(int argc, char **argv) {
  static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                       {"output", required_argument, NULL, 'o'},
                                       {"summary", no_argument, NULL, 's'},
                                       {"experiment", required_argument, NULL, 'e'},
                                       {"line-ending", required_argument, NULL, 'l'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  const char *format = NULL, *output = NULL;
  ana_export_opts o;
  ana_export_opts_init(&o);
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "f:o:e:sh", opts, NULL)) != -1) {
    if (c == 'h') return fputs(usage_text, stdout), CLI_OK;
    if (c == 'f') format = optarg;
    else if (c == 'o') output = optarg;
    else if (c == 'e') o.experiment = optarg;
    else if (c == 's') o.summary = 1;
    else if (c == 'l') {
      if (ana_line_ending_parse(&o.eol, optarg)) return usage_error(asl_error_message(), "");
    }
    else return usage_error("bad option", "");
  }
  if (optind != argc - 1) return usage_error("expected one DIR/results.h5", "");
  if (!format) return usage_error("--format csv|json is required", "");
  if (strcmp(format, "csv") == 0) o.format = ANA_EXPORT_CSV;
  else if (strcmp(format, "json") == 0) o.format = ANA_EXPORT_JSON;
  else return usage_error("--format must be csv or json, got ", format);
  ana_cube cube;
  // Export visits the cells in order: read them a run at a time.
  asl_status st = ana_cube_open_lazy(&cube, argv[optind]);
  if (st == ASL_OK && ana_cube_warning(&cube))
    fprintf(stderr, "aslsweep export: warning: %s\n", ana_cube_warning(&cube));
  if (st == ASL_OK && ana_cube_report_rows(&cube, "aslsweep export", stderr)) {
    ana_cube_free(&cube);
    return CLI_FAILURE;
  }
  if (st == ASL_OK) {
    FILE *out = output ? fopen(output, "w") : stdout;
    if (!out) {
      st = asl_fail(ASL_EIO, "%s: cannot write (does its folder exist?)", output);
    } else {
      st = ana_export(out, &cube, &o);
      if (output && fclose(out) != 0 && st == ASL_OK)
        st = asl_fail(ASL_EIO, "%s: write failed (disk full?)", output);
    }
    ana_cube_free(&cube);
  }
  if (st == ASL_OK) return CLI_OK;
  fprintf(stderr, "aslsweep export: %s\n", asl_error_message());
  return asl_exit_code(st);
}
