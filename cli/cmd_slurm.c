#include "cli.h"

static const char usage_text[] =
    "usage: aslsweep slurm SPEC.yaml --out DIR [--nodes N] [--ntasks-per-node K] [--time HH:MM:SS] [--partition P] [--submit]\n";

int cmd_slurm(int argc, char **argv) { return cli_not_available("slurm", argc, argv, usage_text); }
