// Status codes shared by every aslsweep library.
//
// Functions that can fail return asl_status: 0 on success, a negative code
// otherwise. The code says what kind of failure; the text of the failure
// (which file, which job, which value, what to do) is kept per thread and
// read with asl_error_message(). Set both in one step with asl_fail().
#ifndef ASL_STATUS_H
#define ASL_STATUS_H

#include <stdio.h>
#include <stdlib.h>

#define ASL_STATUS_MAP(X)                                                \
  X(ASL_OK, 0, "success")                                                \
  X(ASL_ENOMEM, -1, "out of memory")                                     \
  X(ASL_EIO, -2, "input/output error")                                   \
  X(ASL_EFORMAT, -3, "malformed or unsupported file")                    \
  X(ASL_EINVAL, -4, "invalid argument")                                  \
  X(ASL_ENOTFOUND, -5, "not found")                                      \
  X(ASL_ESHAPE, -6, "shape mismatch")                                    \
  X(ASL_ENUMERIC, -7, "numerical failure (NaN or Inf)")                  \
  X(ASL_ESPEC, -8, "invalid sweep spec")                                 \
  X(ASL_EMPI, -9, "MPI failure")                                         \
  X(ASL_EHDF5, -10, "HDF5 failure")                                      \
  X(ASL_EINTERRUPTED, -11, "interrupted by a signal")                    \
  X(ASL_ECHECKSUM, -12, "checksum mismatch")                             \
  X(ASL_EUNSUPPORTED, -13, "not supported")

typedef enum {
#define ASL_STATUS_ENUM(name, value, text) name = value,
  ASL_STATUS_MAP(ASL_STATUS_ENUM)
#undef ASL_STATUS_ENUM
} asl_status;

// Short fixed text for a code ("out of memory").
const char *asl_strerror(asl_status s);

// Records a formatted message for this thread and returns `s`, so a failing
// path reads `return asl_fail(ASL_EFORMAT, "%s: not a NIfTI file", path);`.
asl_status asl_fail(asl_status s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

// The last message recorded by asl_fail() on this thread, or the code's
// short text when none was recorded since asl_error_clear().
const char *asl_error_message(void);
void asl_error_clear(void);

// Programmer errors (broken invariants, not bad input): abort with the place.
#define ASL_ASSERT(cond)                                                  \
  do {                                                                    \
    if (!(cond)) {                                                        \
      fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__, __LINE__, \
              #cond);                                                     \
      abort();                                                            \
    }                                                                     \
  } while (0)

#endif
