// A derivative's header from its source's (asl/nifti.h): asl_nifti_write
// builds the geometry from the float affine, which keeps the position but
// not the source's qform/sform codes or its exact quaternion.
#include <errno.h>
#include <nifti2_io.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "asl/nifti.h"

static void copy_geometry(nifti_image *out, const nifti_image *src) {
  out->qform_code = src->qform_code, out->sform_code = src->sform_code;
  out->quatern_b = src->quatern_b, out->quatern_c = src->quatern_c;
  out->quatern_d = src->quatern_d, out->qfac = src->qfac;
  out->qoffset_x = src->qoffset_x, out->qoffset_y = src->qoffset_y;
  out->qoffset_z = src->qoffset_z;
  out->qto_xyz = src->qto_xyz, out->qto_ijk = src->qto_ijk;
  out->sto_xyz = src->sto_xyz, out->sto_ijk = src->sto_ijk;
  for (int i = 1; i <= 3; i++) out->pixdim[i] = src->pixdim[i];
  out->dx = src->dx, out->dy = src->dy, out->dz = src->dz;
}

static asl_status write_to(nifti_image *nim, const char *tmp, const char *path) {
  if (nifti_set_filenames(nim, tmp, 0, 1) != 0)
    return asl_fail(ASL_EINVAL, "%s: nifticlib refuses this file name", tmp);
  znzFile fp = nifti_image_write_hdr_img(nim, 3, "wb1h");
  if (znz_isnull(fp)) return asl_fail(ASL_EIO, "%s: cannot write", tmp);
  if (Xznzclose(&fp) != 0) return asl_fail(ASL_EIO, "%s: write failed on close (disk full?)", tmp);
  if (rename(tmp, path) != 0)
    return asl_fail(ASL_EIO, "%s: cannot replace (%s)", path, strerror(errno));
  return ASL_OK;
}

asl_status asl_nifti_restamp(const char *path, const char *source, double tr, const char *descrip) {
  nifti_set_debug_level(0);
  nifti_image *src = nifti_image_read(source, 0);
  if (!src) return asl_fail(ASL_EFORMAT, "%s: unreadable NIfTI header", source);
  nifti_image *nim = nifti_image_read(path, 1); // our own float32 output: no NaN to hide
  asl_status st = ASL_OK;
  if (!nim) st = asl_fail(ASL_EFORMAT, "%s: unreadable NIfTI file", path);
  if (!st) {
    copy_geometry(nim, src);
    nim->pixdim[4] = nim->dt = tr > 0.0 ? (float)tr : src->dt;
    nim->xyz_units = NIFTI_UNITS_MM, nim->time_units = NIFTI_UNITS_SEC;
    snprintf(nim->descrip, sizeof nim->descrip, "%.79s", descrip ? descrip : "");
    char tmp[4200];
    size_t n = strlen(path);
    int gz = n > 3 && strcmp(path + n - 3, ".gz") == 0;
    snprintf(tmp, sizeof tmp, "%.*s.tmp%s", (int)(n - (gz ? 7 : 4)), path, gz ? ".nii.gz" : ".nii");
    st = write_to(nim, tmp, path);
    if (st) unlink(tmp);
  }
  nifti_image_free(nim);
  nifti_image_free(src);
  return st;
}
