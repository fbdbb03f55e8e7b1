// Subcommands of the aslsweep binary. Each lives in cli/cmd_<name>.c, parses
// its own options (getopt_long, `--help` always) and calls one library entry.
// Exit status: asl_exit_code() (asl/exit.h) for every failure status, so
// the same failure exits the same way in every command.
#ifndef ASLSWEEP_CLI_H
#define ASLSWEEP_CLI_H

#include "asl/exit.h"
#include "sweep/plan.h"

enum { CLI_OK = ASL_EXIT_OK, CLI_FAILURE = ASL_EXIT_FAILURE, CLI_USAGE = ASL_EXIT_USAGE };

typedef struct {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *summary;
} cli_command;

#define CLI_COMMANDS(X)                                                              \
  X(phantom, "write a realistic ASL phantom dataset as BIDS-ASL")                    \
  X(inspect, "check a BIDS-ASL dataset: grids, Nt, M0, mask, SNR groups")            \
  X(metrics, "score a prediction against a reference: SSIM, PSNR, NMAE")             \
  X(validate, "check a sweep spec and count its jobs")                               \
  X(plan, "list every job of a sweep spec with dependencies and cost")               \
  X(run, "run a sweep under mpirun/srun into DIR/results.h5 (resumes DIR)")          \
  X(status, "done / failed / pending jobs of a run directory")                       \
  X(verify, "check every job row of a results cube against its checksum")          \
  X(log, "every attempt of given jobs (or of every failed job) from DIR/logs")     \
  X(merge, "gather the parts of a job-array run (run --slice) into DIR/results.h5")  \
  X(table, "ablation table (mean ± SD, paired tests) from a results cube")           \
  X(export, "tidy CSV or JSON lines from a results cube")                            \
  X(plot, "PNG/SVG/PDF figures from a results cube")                                 \
  X(denoise, "apply a trained checkpoint to an ASL scan")                            \
  X(bench, "time the engine's training step and inference on this machine")         \
  X(slurm, "write (and submit) a Slurm batch script for a sweep")

#define CLI_DECLARE(name, summary) int cmd_##name(int argc, char **argv);
CLI_COMMANDS(CLI_DECLARE)
#undef CLI_DECLARE

// True when argv holds -h or --help; lets a command print its usage before
// any other parsing.
int cli_wants_help(int argc, char **argv);
// Loads SPEC with "key.path=value" overrides into *p. On a bad spec prints
// every FILE:LINE:COL diagnostic on stderr (nothing when quiet: MPI ranks
// other than 0) and returns the exit status (CLI_USAGE for a bad or missing
// spec); CLI_OK otherwise.
int cli_load_plan(const char *cmd, sweep_plan *p, const char *spec, int n_over, char **over,
                  int quiet);
// Prints "aslsweep NAME: not yet available" and returns CLI_USAGE. Used only by
// subcommands whose library has not landed; never reports success.
int cli_not_available(const char *name, int argc, char **argv, const char *usage);

#endif
