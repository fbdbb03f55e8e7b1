#include "cli.h"

static const char usage_text[] =
    "usage: aslsweep validate SPEC.yaml [key.path=value ...]\n";

int cmd_validate(int argc, char **argv) { return cli_not_available("validate", argc, argv, usage_text); }
