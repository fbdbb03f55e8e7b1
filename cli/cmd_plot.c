#include "cli.h"

static const char usage_text[] =
    "usage: aslsweep plot DIR/results.h5 --x AXIS [--hue AXIS] [--metric M] -o FILE.png|FILE.svg\n";

int cmd_plot(int argc, char **argv) { return cli_not_available("plot", argc, argv, usage_text); }
