#include <stdio.h>
#include <stdlib.h>

#include "run/executor.h"

// The test double replaces the science only for the runner's own tests; the
// cube it writes is marked executor=test-double, and the warning keeps a
// stray export from passing for a real study.
const run_executor *run_executor_from_env(int rank) {
  if (!getenv("ASLSWEEP_INTERNAL_TEST_EXECUTOR")) return &run_executor_asl;
  if (rank == 0)
    fprintf(stderr, "aslsweep run: warning: ASLSWEEP_INTERNAL_TEST_EXECUTOR is set: running the "
                    "test double, not real training\n");
  return &run_executor_test_double;
}
