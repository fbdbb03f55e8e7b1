#include "cli.h"

static const char usage_text[] =
    "usage: aslsweep plan SPEC.yaml [--json] [key.path=value ...]\n";

int cmd_plan(int argc, char **argv) { return cli_not_available("plan", argc, argv, usage_text); }
