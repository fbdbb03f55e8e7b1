#include "cli.h"

static const char usage_text[] =
    "usage: aslsweep bench [--model unet3d|vit3d|...] [--batch B] [--threads T] [--json]\n";

int cmd_bench(int argc, char **argv) { return cli_not_available("bench", argc, argv, usage_text); }
