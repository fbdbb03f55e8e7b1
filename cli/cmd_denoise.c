#include "cli.h"

static const char usage_text[] =
    "usage: aslsweep denoise --checkpoint CKPT --asl ASL.nii.gz [--aslcontext TSV] [--m0 M0.nii.gz] -o OUT.nii.gz\n";

int cmd_denoise(int argc, char **argv) { return cli_not_available("denoise", argc, argv, usage_text); }
