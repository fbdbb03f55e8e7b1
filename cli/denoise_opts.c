#include "denoise_opts.h"

#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "nn/device.h"

int denoise_usage_error(const char *msg, const char *arg, const char *usage) {
  fprintf(stderr, "aslsweep denoise: %s%s\n%s", msg, arg ? arg : "", usage);
  return CLI_USAGE;
}

static int positive(const char *s, int *out) {
  char *end;
  long v = strtol(s, &end, 10);
  if (*s == '\0' || *end != '\0' || v < 1 || v > 1 << 20) return -1;
  *out = (int)v;
  return 0;
}

int denoise_common_option(int c, const char *arg, int *nav_post, int *threads,
                          const char *usage) {
  switch (c) {
  case DENOISE_OPT_NAV_POST:
    if (positive(arg, nav_post))
      return denoise_usage_error("--nav-post must be a positive integer, got ", arg, usage);
    return CLI_OK;
  case DENOISE_OPT_THREADS:
    if (positive(arg, threads))
      return denoise_usage_error("--threads must be a positive integer, got ", arg, usage);
    return CLI_OK;
  case DENOISE_OPT_DEVICE: {
    nn_device d;
    if (nn_device_parse(arg, &d)) return denoise_usage_error(asl_error_message(), NULL, usage);
    nn_set_default_device(d); // the checkpoint loads onto it
    return CLI_OK;
  }
  default: return -1;
  }
}
