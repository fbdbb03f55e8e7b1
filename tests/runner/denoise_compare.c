// Test helper for mpi_denoise.sh: compares `aslsweep denoise` output with
// what the runner kept, without Python.
//   denoise_compare OUT.nii.gz FRAME REF3D.nii.gz SERIES.nii.gz NT
// Checks that OUT has NT volumes on SERIES' matrix and affine, and prints
// the largest |OUT[FRAME] - REF3D| and the largest |REF3D| on one line.
// Exit 0 when the shapes and affines agree, 1 otherwise.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "asl/nifti.h"

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: denoise_compare OUT FRAME REF3D SERIES NT\n");
    return 2;
  }
  asl_vol out = {0}, ref = {0}, ser = {0};
  int frame = atoi(argv[2]), nt = atoi(argv[5]);
  if (asl_nifti_read(&out, argv[1]) || asl_nifti_read(&ref, argv[3]) ||
      asl_nifti_read(&ser, argv[4])) {
    fprintf(stderr, "denoise_compare: %s\n", asl_error_message());
    return 1;
  }
  int ok = out.nx == ser.nx && out.ny == ser.ny && out.nz == ser.nz && out.nt == nt;
  ok = ok && ref.nx == out.nx && ref.ny == out.ny && ref.nz == out.nz && frame < out.nt;
  for (int r = 0; r < 4; r++)
    for (int c = 0; c < 4; c++)
      ok = ok && fabsf(out.affine[r][c] - ser.affine[r][c]) < 1e-4f;
  if (!ok) {
    fprintf(stderr,
            "denoise_compare: %s is %dx%dx%dx%d, expected %dx%dx%dx%d with the series' affine\n",
            argv[1], out.nx, out.ny, out.nz, out.nt, ser.nx, ser.ny, ser.nz, nt);
    return 1;
  }
  double diff = 0, big = 0;
  const float *o = asl_vol_frame(&out, frame);
  for (size_t i = 0; i < asl_vol_nvox(&ref); i++) {
    diff = fmax(diff, fabs((double)o[i] - ref.data[i]));
    big = fmax(big, fabs((double)ref.data[i]));
  }
  printf("%.9g %.9g\n", diff, big);
  asl_vol_free(&out), asl_vol_free(&ref), asl_vol_free(&ser);
  return 0;
}
