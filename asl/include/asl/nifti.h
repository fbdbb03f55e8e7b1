// NIfTI-1/2 files (.nii, .nii.gz) to and from asl_vol, through nifticlib.
//
// Reading converts any real datatype (u8..u64, s8..s64, float32/64) to
// float32, applies scl_slope/scl_inter (slope 0 means "no scaling", as the
// standard says), and takes the geometry from the sform when its code is set,
// else the qform, else the voxel sizes alone. Complex and RGB data, images
// with more than four dimensions in use, truncated files, non-NIfTI files and
// NaN/Inf voxels are refused with a message naming the file, the reason and
// what to do. Nothing here aborts on bad input.
#ifndef ASL_NIFTI_H
#define ASL_NIFTI_H

#include "asl/volume.h"

// Reads `path` into `v` (which must not hold memory). On failure `v` is left
// empty (data == NULL) and the message says why.
asl_status asl_nifti_read(asl_vol *v, const char *path);

// Writes `v` as float32 NIfTI-1 with sform and qform from v->affine (scanner
// space, mm, seconds); gzip-compressed when `path` ends in ".gz".
asl_status asl_nifti_write(const asl_vol *v, const char *path);

// Writes `v` as int16 with scl_slope = max|v| / 32000 (as scanners store
// images): half the bytes of float32 and faster to compress, with a
// quantization error below 1/64000 of the largest magnitude.
asl_status asl_nifti_write_i16(const asl_vol *v, const char *path);

// Writes `v` as uint8 (values rounded and clamped to 0..255): for masks and
// label images, which tools expect as integers.
asl_status asl_nifti_write_u8(const asl_vol *v, const char *path);

// Rewrites the header of the NIfTI file `path` (voxels unchanged) for a
// derivative of `source`: the source's qform and sform (codes, quaternion,
// matrices) and voxel sizes, pixdim[4] = `tr` seconds (0 keeps the source's),
// units mm and s, and `descrip` (at most 79 characters). Written to a
// temporary name and renamed, so `path` is never left half-written.
asl_status asl_nifti_restamp(const char *path, const char *source, double tr, const char *descrip);

#endif
