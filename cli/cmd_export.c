#include "cli.h"

static const char usage_text[] =
    "usage: aslsweep export DIR/results.h5 --format csv|json [-o FILE]\n";

int cmd_export(int argc, char **argv) { return cli_not_available("export", argc, argv, usage_text); }
