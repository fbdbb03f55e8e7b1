// What both forms of `aslsweep denoise` parse alike (cmd_denoise.c, the
// single scan; denoise_bids.c, the BIDS-App): the usage error and the
// options --nav-post, --threads and --device.
#ifndef CLI_DENOISE_OPTS_H
#define CLI_DENOISE_OPTS_H

// getopt_long codes of the shared options.
enum { DENOISE_OPT_NAV_POST = 'p', DENOISE_OPT_THREADS = 't', DENOISE_OPT_DEVICE = 'd' };

// Prints "aslsweep denoise: <msg><arg>" and the form's usage on stderr;
// returns CLI_USAGE.
int denoise_usage_error(const char *msg, const char *arg, const char *usage);

// Takes option c when it is a shared one: stores --nav-post and --threads
// (positive integers), makes --device the default device the checkpoint
// loads onto. Returns CLI_OK, CLI_USAGE after denoise_usage_error, or -1
// when c is another option.
int denoise_common_option(int c, const char *arg, int *nav_post, int *threads,
                          const char *usage);

#endif
