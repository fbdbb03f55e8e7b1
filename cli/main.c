#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "nn/isa.h"
#include "run/run.h"

static const cli_command commands[] = {
#define CLI_ENTRY(n, s) {#n, cmd_##n, s},
    CLI_COMMANDS(CLI_ENTRY)
#undef CLI_ENTRY
};
static const int n_commands = (int)(sizeof commands / sizeof commands[0]);

// Printed after every command's own --help, so the options and exit codes
// every command shares are stated once and alike.
static const char common_help[] =
    "common options (every command):\n"
    "  -h, --help     this help\n"
    "  -V, --version  version, git revision, build type, MPI, HDF5 and BLAS in use\n";

static void usage(FILE *f) {
  fprintf(f,
          "aslsweep %s — deep-learning denoising ablation studies for ASL MRI\n\n"
          "usage: aslsweep COMMAND [OPTIONS]   (aslsweep COMMAND --help for details)\n\n"
          "commands:\n",
          ASLSWEEP_VERSION);
  for (int i = 0; i < n_commands; i++)
    fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
  fprintf(f, "\n%s%s", common_help, asl_exit_help);
}

int cli_wants_help(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--") == 0) break;
    if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) return 1;
  }
  return 0;
}

// --version or -V anywhere before "--" (the way -h/--help is found).
static int wants_version(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--") == 0) break;
    if (strcmp(argv[i], "-V") == 0 || strcmp(argv[i], "--version") == 0) return 1;
  }
  return 0;
}

static int run_command(const cli_command *c, int argc, char **argv) {
  if (wants_version(argc, argv)) return run_version_print(stdout), CLI_OK;
  int help = cli_wants_help(argc, argv);
  int rc = c->run(argc, argv);
  if (help && rc == CLI_OK) printf("\n%s%s", common_help, asl_exit_help);
  return rc;
}

int cli_not_available(const char *name, int argc, char **argv, const char *usage_text) {
  if (cli_wants_help(argc, argv)) {
    fputs(usage_text, stdout);
    return CLI_OK;
  }
  fprintf(stderr, "aslsweep %s: not yet available in this version\n", name);
  return CLI_USAGE;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return CLI_USAGE;
  }
  const char *name = argv[1];
  if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "help") == 0) {
    usage(stdout);
    return CLI_OK;
  }
  if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
    if (nn_isa_init()) {
      fprintf(stderr, "aslsweep: %s\n", asl_error_message());
      return CLI_USAGE;
    }
    run_version_print(stdout);
    return CLI_OK;
  }
  for (int i = 0; i < n_commands; i++)
    if (strcmp(commands[i].name, name) == 0) return run_command(&commands[i], argc - 1, argv + 1);
  fprintf(stderr, "aslsweep: unknown command '%s' (run 'aslsweep --help' for the list)\n", name);
  return CLI_USAGE;
}
