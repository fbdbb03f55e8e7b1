#include "asl/exit.h"

const char asl_exit_help[] =
    "exit status: 0 success, 1 run-time failure, 2 bad usage or bad input,\n"
    "3 interrupted with work left (requeue and rerun the same command)\n";

int asl_exit_code(asl_status s) {
  switch (s) {
    case ASL_OK: return ASL_EXIT_OK;
    case ASL_EINTERRUPTED: return ASL_EXIT_INTERRUPTED;
    // What the user gave is wrong: fixing the command or the file fixes it.
    case ASL_EFORMAT:
    case ASL_EINVAL:
    case ASL_ENOTFOUND:
    case ASL_ESHAPE:
    case ASL_ESPEC:
    case ASL_ECHECKSUM: // a corrupt or mismatched input file
    case ASL_EUNSUPPORTED: return ASL_EXIT_USAGE;
    // The input was fine; the machine, the file system or the numbers failed.
    case ASL_ENOMEM:
    case ASL_EIO:
    case ASL_ENUMERIC:
    case ASL_EMPI:
    case ASL_EHDF5: return ASL_EXIT_FAILURE;
  }
  return ASL_EXIT_FAILURE;
}
