// `aslsweep --version`: what was built and what it runs on, one key=value
// per line so bug reports and scripts can quote or grep it.
#include <hdf5.h>
#include <mpi.h>
#include <stdio.h>
#include <string.h>

#include "aslsweep_revision.h"
#include "nn/isa.h"
#include "nn/model.h"
#include "run/run.h"

// Open MPI's library text runs to several lines; the first names it.
static void first_line(char *s) {
  s[strcspn(s, "\n\r")] = '\0';
  size_t n = strlen(s);
  while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == ',')) s[--n] = '\0';
}

void run_version_print(FILE *f) {
  char mpi[MPI_MAX_LIBRARY_VERSION_STRING + 1] = "";
  int len = 0;
  // One of the few MPI calls allowed before MPI_Init.
  if (MPI_Get_library_version(mpi, &len) != MPI_SUCCESS) snprintf(mpi, sizeof mpi, "unknown");
  first_line(mpi);
  unsigned maj = 0, min = 0, rel = 0;
  H5get_libversion(&maj, &min, &rel);
  hbool_t parallel = 0;
#ifdef H5_HAVE_PARALLEL
  parallel = 1;
#endif
  char blas[256];
  snprintf(blas, sizeof blas, "%s", nn_blas_version());
  first_line(blas);
  fprintf(f, "aslsweep %s\n", ASLSWEEP_VERSION);
  fprintf(f, "revision=%s\n", ASLSWEEP_GIT_REVISION);
  fprintf(f, "build=%s\n", ASLSWEEP_BUILD_TYPE);
  fprintf(f, "mpi=%s\n", mpi);
  fprintf(f, "hdf5=%u.%u.%u%s\n", maj, min, rel, parallel ? " (parallel)" : " (serial)");
  fprintf(f, "blas=%s\n", blas);
  // The convolution kernels' instruction set, chosen at run time from CPUID
  // (or ASLSWEEP_ISA): timings mean little without it.
  if (nn_isa_init() == ASL_OK) fprintf(f, "isa=%s\n", nn_isa_name());
  else fprintf(f, "isa=unusable (%s)\n", asl_error_message());
}
