#include "cli.h"

static const char usage_text[] =
    "usage: aslsweep status DIR\n";

int cmd_status(int argc, char **argv) { return cli_not_available("status", argc, argv, usage_text); }
