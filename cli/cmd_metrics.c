#include "cli.h"

static const char usage_text[] =
    "usage: aslsweep metrics --ref REF.nii.gz --pred PRED.nii.gz [--mask MASK.nii.gz] [--json]\n";

int cmd_metrics(int argc, char **argv) { return cli_not_available("metrics", argc, argv, usage_text); }
