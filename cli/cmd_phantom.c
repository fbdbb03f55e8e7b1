#include "cli.h"

static const char usage_text[] =
    "usage: aslsweep phantom --out DIR [--subjects N] [--shape X,Y,Z] [--timepoints N] [--seed S]\n";

int cmd_phantom(int argc, char **argv) { return cli_not_available("phantom", argc, argv, usage_text); }
