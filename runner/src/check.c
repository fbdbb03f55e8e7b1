#include "check.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

asl_status run_mpi_fail(int rc, const char *call, const char *where, int line,
                        const char *fmt, ...) {
  char what[1024], reason[MPI_MAX_ERROR_STRING] = "";
  int len = 0;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  MPI_Error_string(rc, reason, &len);
  const char *base = strrchr(where, '/');
  return asl_fail(ASL_EMPI, "%s: MPI %s failed (%s) [%s:%d]", what, call, reason,
                  base ? base + 1 : where, line);
}
