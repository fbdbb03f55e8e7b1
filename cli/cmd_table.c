#include "cli.h"

static const char usage_text[] =
    "usage: aslsweep table DIR/results.h5 [--experiment E] [--rows AXIS] [--cols AXIS] [--metric M] [--format md|latex|csv]\n";

int cmd_table(int argc, char **argv) { return cli_not_available("table", argc, argv, usage_text); }
