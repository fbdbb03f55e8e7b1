#include "cli.h"

static const char usage_text[] =
    "usage: aslsweep run SPEC.yaml --out DIR [key.path=value ...]\n";

int cmd_run(int argc, char **argv) { return cli_not_available("run", argc, argv, usage_text); }
