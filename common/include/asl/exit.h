// The one mapping from a status code to a process exit status, shared by
// every subcommand so that the same failure exits the same way everywhere.
//
//   0  success
//   1  a run-time failure (out of memory, disk, MPI, HDF5, NaN)
//   2  bad usage or bad input (options, spec, missing, malformed or corrupt
//      files)
//   3  interrupted with work left: requeue and rerun the same command
#ifndef ASL_EXIT_H
#define ASL_EXIT_H

#include "asl/status.h"

enum {
  ASL_EXIT_OK = 0,
  ASL_EXIT_FAILURE = 1,
  ASL_EXIT_USAGE = 2,
  ASL_EXIT_INTERRUPTED = 3,
};

int asl_exit_code(asl_status s);

// The four lines above as help text, for every --help and the man pages.
extern const char asl_exit_help[];

#endif
