#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "cube/checksum.h"

static const char usage_text[] =
    "usage: aslsweep verify DIR|DIR/results.h5\n"
    "\n"
    "Recomputes the checksum of every committed job row of the results cube (a\n"
    "CRC-32 over the job's /jobs row and the metric cells it wrote; layout in\n"
    "docs/cube.md) and compares it with the stored one. Every row that fails is\n"
    "named with its job key and experiment; so are cells holding numbers that no\n"
    "job wrote. `aslsweep run SPEC --out DIR` reruns the jobs whose rows fail.\n"
    "A cube written before row checksums is reported as unverified (a note).\n"
    "Serial, no MPI; safe while the run goes on (rows still running are skipped).\n"
    "\n"
    "exit status: 0 \"ok: N rows verified\"; 1 rows fail (each named on stderr);\n"
    "2 bad usage, no cube in DIR, or a cube of another format version\n";

int cmd_verify(int argc, char **argv) {
  static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
  int c;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    if (c == 'h') return fputs(usage_text, stdout), CLI_OK;
    return fputs(usage_text, stderr), CLI_USAGE;
  }
  if (optind != argc - 1) {
    fprintf(stderr, "aslsweep verify: give one run directory\n%s", usage_text);
    return CLI_USAGE;
  }
  char path[4200];
  struct stat sb;
  if (stat(argv[optind], &sb) == 0 && S_ISDIR(sb.st_mode))
    snprintf(path, sizeof path, "%s/results.h5", argv[optind]);
  else
    snprintf(path, sizeof path, "%s", argv[optind]);
  if (stat(path, &sb) != 0) {
    fprintf(stderr, "aslsweep verify: %s: no results cube here (has `aslsweep run` started in "
            "it?)\n", path);
    return CLI_USAGE;
  }
  cube_verify_result r;
  asl_status st = cube_verify_path(path, &r);
  if (st) {
    fprintf(stderr, "aslsweep verify: %s\n", asl_error_message());
    return st == ASL_EFORMAT || st == ASL_ENOTFOUND ? CLI_USAGE : CLI_FAILURE;
  }
  int bad = cube_verify_print(&r, "aslsweep verify", path, NULL, stderr);
  if (!bad)
    printf("ok: %d rows verified%s\n", r.n_verified,
           r.has_checksums ? "" : " (the cube has no row checksums: nothing to verify)");
  cube_verify_free(&r);
  return bad ? CLI_FAILURE : CLI_OK;
}
