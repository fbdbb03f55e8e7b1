// Checked HDF5 and MPI calls (in the manner of IOR's MPI_CHECK): every
// return code is tested and a failure becomes an asl_status whose message
// names what was being done, the call, and the library's own reason.
// Both macros assume a local `asl_status st` and a `fail:` label.
#ifndef RUN_CHECK_H
#define RUN_CHECK_H

#include <hdf5.h>
#include <mpi.h>

#include "asl/status.h"
#include "cube/h5.h"

asl_status run_mpi_fail(int rc, const char *call, const char *where, int line,
                        const char *fmt, ...) __attribute__((format(printf, 5, 6)));

// HDF5 checks are the cube library's (cube/h5.h).
#define HCHECK(call, ...) CUBE_CHECK(call, __VA_ARGS__)

#define MPICHECK(call, ...)                                              \
  do {                                                                   \
    int rc_ = (call);                                                    \
    if (rc_ != MPI_SUCCESS) {                                            \
      st = run_mpi_fail(rc_, #call, __FILE__, __LINE__, __VA_ARGS__);    \
      goto fail;                                                         \
    }                                                                    \
  } while (0)

#define run_fail_wrap cube_fail_wrap
#define run_h5_close cube_h5_close

#endif
