// Checked HDF5 and MPI calls (in the manner of IOR's MPI_CHECK): every
// return code is tested and a failure becomes an asl_status whose message
// names what was being done, the call, and the library's own reason.
// Both macros assume a local `asl_status st` and a `fail:` label.
#ifndef RUN_CHECK_H
#define RUN_CHECK_H

#include <hdf5.h>
#include <mpi.h>

#include "asl/status.h"

asl_status run_h5_fail(const char *call, const char *where, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
asl_status run_mpi_fail(int rc, const char *call, const char *where, int line,
                        const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#define HCHECK(call, ...)                                               \
  do {                                                                   \
    if ((call) < 0) {                                                    \
      st = run_h5_fail(#call, __FILE__, __LINE__, __VA_ARGS__);          \
      goto fail;                                                         \
    }                                                                    \
  } while (0)

#define MPICHECK(call, ...)                                              \
  do {                                                                   \
    int rc_ = (call);                                                    \
    if (rc_ != MPI_SUCCESS) {                                            \
      st = run_mpi_fail(rc_, #call, __FILE__, __LINE__, __VA_ARGS__);    \
      goto fail;                                                         \
    }                                                                    \
  } while (0)

// asl_fail with `prefix: <the current message>`. asl_fail formats into the
// buffer asl_error_message() returns, so passing that message to it as an
// argument would read and write the same memory; this copies it first.
asl_status run_fail_wrap(asl_status st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

// Closes an HDF5 handle if it is open and marks it closed.
void run_h5_close(hid_t *id);

#endif
