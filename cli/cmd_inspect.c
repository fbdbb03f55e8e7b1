#include "cli.h"

static const char usage_text[] =
    "usage: aslsweep inspect BIDS_DIR\n";

int cmd_inspect(int argc, char **argv) { return cli_not_available("inspect", argc, argv, usage_text); }
