#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "ana/export.h"
#include "cli.h"

static const char usage_text[] =
    "usage: aslsweep export DIR/results.h5 --format csv|json [-o FILE] [--summary]\n"
    "         [--experiment E]\n"
    "\n"
    "Tidy rows, one per stored value: experiment, every design axis, subject,\n"
    "fold, stage, metric, value, then the job that wrote it (job, job_key,\n"
    "job_status, seconds, rank, host, seed). csv: RFC 4180 with a header;\n"
    "json: JSON lines. --summary writes one row per table cell instead (n, mean,\n"
    "sd, median, q1, q3 over subjects of done jobs). Default output: stdout.\n"
    "See docs/analysis.md.\n";

static int usage_error(const char *msg, const char *arg) {
  fprintf(stderr, "aslsweep export: %s%s\n(run 'aslsweep export --help')\n", msg, arg);
  return CLI_USAGE;
}

int cmd_export(int argc, char **argv) {
  static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                       {"output", required_argument, NULL, 'o'},
                                       {"summary", no_argument, NULL, 's'},
                                       {"experiment", required_argument, NULL, 'e'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  const char *format = NULL, *output = NULL, *experiment = NULL;
  int summary = 0, c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "f:o:e:sh", opts, NULL)) != -1) {
    if (c == 'h') return fputs(usage_text, stdout), CLI_OK;
    if (c == 'f') format = optarg;
    else if (c == 'o') output = optarg;
    else if (c == 'e') experiment = optarg;
    else if (c == 's') summary = 1;
    else return usage_error("bad option", "");
  }
  if (optind != argc - 1) return usage_error("expected one DIR/results.h5", "");
  if (!format) return usage_error("--format csv|json is required", "");
  ana_export_format fmt;
  if (strcmp(format, "csv") == 0) fmt = ANA_EXPORT_CSV;
  else if (strcmp(format, "json") == 0) fmt = ANA_EXPORT_JSON;
  else return usage_error("--format must be csv or json, got ", format);
  ana_cube cube;
  asl_status st = ana_cube_open(&cube, argv[optind]);
  if (st == ASL_OK && ana_cube_warning(&cube))
    fprintf(stderr, "aslsweep export: warning: %s\n", ana_cube_warning(&cube));
  if (st == ASL_OK) {
    FILE *out = output ? fopen(output, "w") : stdout;
    if (!out) {
      st = asl_fail(ASL_EIO, "%s: cannot write (does its folder exist?)", output);
    } else {
      st = ana_export(out, &cube, fmt, summary, experiment);
      if (output && fclose(out) != 0 && st == ASL_OK)
        st = asl_fail(ASL_EIO, "%s: write failed (disk full?)", output);
    }
    ana_cube_free(&cube);
  }
  if (st == ASL_OK) return CLI_OK;
  fprintf(stderr, "aslsweep export: %s\n", asl_error_message());
  return asl_exit_code(st);
}
