// NIfTI reading and writing through nifticlib (libnifti2, which handles both
// NIfTI-1 and NIfTI-2). See asl/nifti.h for the contract.
#include "asl/nifti.h"

#include <errno.h>
#include <math.h>
#include <nifti2_io.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

// A gzip stream cannot expand more than about 1032:1, so a .gz file claiming
// more voxel bytes than this many times its size is truncated or forged; the
// check keeps a hostile header from making nifticlib allocate gigabytes.
#define GZIP_MAX_RATIO 1100.0
// Refuse images beyond 2^31 voxels: far larger than any ASL scan.
#define MAX_VOXELS ((int64_t)1 << 31)

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

// Reads n little- or big-endian bytes as an unsigned integer.
static uint64_t raw_uint(const unsigned char *p, int n, int swapped) {
  uint64_t v = 0;
  for (int i = 0; i < n; i++) v |= (uint64_t)p[swapped ? n - 1 - i : i] << (8 * i);
  return v;
}

// Header size and magic of NIfTI-1 ("n+1"/"ni1" at byte 344, size 348) or
// NIfTI-2 ("n+2"/"ni2" at byte 4, size 540), either byte order, and dim[0]
// in 1..7. nifticlib's is_nifti_file() knows only NIfTI-1, and nifticlib
// overruns a stack array when given a NIfTI-2 header with a wild dim[0]
// (found by fuzzing), so the raw header is checked here first. ANALYZE files
// (no magic) are refused: their orientation is ambiguous.
static int looks_like_nifti(const char *path) {
  unsigned char h[348];
  znzFile fp = znzopen(path, "rb", nifti_is_gzfile(path));
  if (znz_isnull(fp)) return 0;
  size_t got = znzread(h, 1, sizeof h, fp);
  znzclose(fp);
  if (got < 24) return 0;
  int swapped = raw_uint(h, 4, 0) != 348 && raw_uint(h, 4, 0) != 540;
  uint64_t size = raw_uint(h, 4, swapped), ndim;
  if (size == 540) {
    if (!(h[4] == 'n' && (h[5] == '+' || h[5] == 'i') && h[6] == '2' && h[7] == 0)) return 0;
    ndim = raw_uint(h + 16, 8, swapped);
  } else if (size == 348 && got == sizeof h) {
    if (!(h[344] == 'n' && (h[345] == '+' || h[345] == 'i') && h[346] == '1' && h[347] == 0)) return 0;
    ndim = raw_uint(h + 40, 2, swapped);
  } else {
    return 0;
  }
  return ndim >= 1 && ndim <= 7;
}

// Copies nifticlib's native-typed buffer into float32 with scaling.
static asl_status convert_data(float *out, const nifti_image *nim, const char *path) {
  int64_t n = nim->nvox;
  double slope = nim->scl_slope, inter = nim->scl_inter;
  int scale = slope != 0.0 && isfinite(slope) && isfinite(inter) && !(slope == 1.0 && inter == 0.0);
#define CONVERT(type)                                                         \
  for (int64_t i = 0; i < n; i++) {                                           \
    double x = (double)((const type *)nim->data)[i];                          \
    out[i] = (float)(scale ? x * slope + inter : x);                          \
  }                                                                           \
  break;
  switch (nim->datatype) {
    case NIFTI_TYPE_UINT8: CONVERT(uint8_t)
    case NIFTI_TYPE_INT8: CONVERT(int8_t)
    case NIFTI_TYPE_INT16: CONVERT(int16_t)
    case NIFTI_TYPE_UINT16: CONVERT(uint16_t)
    case NIFTI_TYPE_INT32: CONVERT(int32_t)
    case NIFTI_TYPE_UINT32: CONVERT(uint32_t)
    case NIFTI_TYPE_INT64: CONVERT(int64_t)
    case NIFTI_TYPE_UINT64: CONVERT(uint64_t)
    case NIFTI_TYPE_FLOAT32: CONVERT(float)
    case NIFTI_TYPE_FLOAT64: CONVERT(double)
    default:
      return asl_fail(ASL_EUNSUPPORTED,
                      "%s: NIfTI datatype %d (%s) is not a real scalar type; convert the image "
                      "to float32 or an integer type",
                      path, nim->datatype, nifti_datatype_string(nim->datatype));
  }
#undef CONVERT
  for (int64_t i = 0; i < n; i++)
    if (!isfinite(out[i]))
      return asl_fail(ASL_ENUMERIC,
                      "%s: voxel %lld is %s; replace NaN/Inf voxels (e.g. with 0) before use", path,
                      (long long)i, isnan(out[i]) ? "NaN" : "Inf");
  return ASL_OK;
}

static float sane_size(double d) {
  d = fabs(d);
  return (isfinite(d) && d > 0.0) ? (float)d : 1.0f;
}

static void copy_geometry(asl_vol *v, const nifti_image *nim) {
  v->dx = sane_size(nim->dx), v->dy = sane_size(nim->dy), v->dz = sane_size(nim->dz);
  const nifti_dmat44 *m = NULL;
  if (nim->sform_code > 0) m = &nim->sto_xyz;
  else if (nim->qform_code > 0) m = &nim->qto_xyz;
  int finite = 1;
  if (m)
    for (int i = 0; i < 4; i++)
      for (int j = 0; j < 4; j++) finite = finite && isfinite(m->m[i][j]);
  memset(v->affine, 0, sizeof v->affine);
  if (m && finite) {
    for (int i = 0; i < 4; i++)
      for (int j = 0; j < 4; j++) v->affine[i][j] = (float)m->m[i][j];
  } else {
    v->affine[0][0] = v->dx, v->affine[1][1] = v->dy, v->affine[2][2] = v->dz;
    v->affine[3][3] = 1.0f;
  }
}

// Size along dimension d (1..4); unused dimensions count as 1 (nifticlib may
// leave them 0).
static int64_t dim_size(const nifti_image *nim, int d) {
  return nim->dim[0] >= d ? nim->dim[d] : 1;
}

// Bytes of memory available now (MemAvailable), or half the RAM when the
// kernel does not say.
static double available_bytes(void) {
  FILE *f = fopen("/proc/meminfo", "r");
  char line[256];
  long long kb = -1;
  while (f && fgets(line, sizeof line, f))
    if (sscanf(line, "MemAvailable: %lld kB", &kb) == 1) break;
  if (f) fclose(f);
  if (kb > 0) return (double)kb * 1024.0;
  return 0.5 * (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE);
}

// The most voxels one image may claim before anything is allocated:
// ASLSWEEP_MAX_VOXELS, or as many as let the raw bytes plus the float copy
// take a quarter of the memory available now (a scan is loaded with a few
// derived series next to it).
static asl_status voxel_cap(const char *path, int nbyper, int64_t *cap, const char **why) {
  const char *env = getenv("ASLSWEEP_MAX_VOXELS");
  if (env && *env) {
    char *end;
    long long v = strtoll(env, &end, 10);
    if (*end || v < 1)
      return asl_fail(ASL_EINVAL, "%s: ASLSWEEP_MAX_VOXELS=%s is not a positive voxel count", path,
                      env);
    *cap = v;
    *why = "ASLSWEEP_MAX_VOXELS";
    return ASL_OK;
  }
  double v = 0.25 * available_bytes() / (double)(sizeof(float) + (size_t)(nbyper > 0 ? nbyper : 1));
  *cap = v > (double)MAX_VOXELS ? MAX_VOXELS : (int64_t)v;
  *why = "a quarter of the memory available now";
  return ASL_OK;
}

// Checks the header alone: dimensions in use, size limits, and that the file
// can hold the voxel bytes it announces.
static asl_status check_header(const nifti_image *nim, const char *path, off_t file_size) {
  for (int d = 5; d <= 7; d++)
    if (nim->dim[0] >= d && nim->dim[d] > 1)
      return asl_fail(ASL_ESHAPE,
                      "%s: dimension %d has size %lld; only 3D and 4D images (x, y, z, time) are "
                      "supported: reshape the image to at most 4 dimensions",
                      path, d, (long long)nim->dim[d]);
  int64_t nx = dim_size(nim, 1), ny = dim_size(nim, 2), nz = dim_size(nim, 3),
          nt = dim_size(nim, 4);
  if (nx < 1 || ny < 1 || nz < 1 || nt < 1 || nx > 65535 || ny > 65535 || nz > 65535 ||
      nt > 65535 || nx * ny * nz * nt > MAX_VOXELS)
    return asl_fail(ASL_EFORMAT, "%s: implausible dimensions %lldx%lldx%lldx%lld; the header is corrupt",
                    path, (long long)nx, (long long)ny, (long long)nz, (long long)nt);
  if (nim->nvox != nx * ny * nz * nt || nim->nbyper < 1)
    return asl_fail(ASL_EFORMAT, "%s: inconsistent voxel count in the header; the file is corrupt",
                    path);
  int64_t cap = MAX_VOXELS;
  const char *why = "";
  asl_status s = voxel_cap(path, nim->nbyper, &cap, &why);
  if (s) return s;
  if (nx * ny * nz * nt > cap)
    return asl_fail(ASL_EFORMAT, "%s: the header claims %lldx%lldx%lldx%lld = %lld voxels, more "
                    "than the %lld allowed (%s); if the image is real, raise "
                    "ASLSWEEP_MAX_VOXELS or free memory, else the header is corrupt",
                    path, (long long)nx, (long long)ny, (long long)nz, (long long)nt,
                    (long long)(nx * ny * nz * nt), (long long)cap, why);
  double need = (double)nim->nvox * nim->nbyper + (double)nim->iname_offset;
  int gz = ends_with(path, ".gz");
  if ((!gz && need > (double)file_size) || (gz && need > GZIP_MAX_RATIO * (double)file_size + 1e6))
    return asl_fail(ASL_EFORMAT,
                    "%s: truncated: the header announces %.0f bytes of voxels but the file holds "
                    "%lld bytes; copy or download the file again",
                    path, need, (long long)file_size);
  return ASL_OK;
}

// Reads the voxel bytes ourselves instead of nifti_image_load(), which
// silently turns NaN/Inf floats into 0: a NaN in a scan must be reported.
static asl_status read_raw(nifti_image *nim, const char *path) {
  size_t nbytes = (size_t)nim->nvox * (size_t)nim->nbyper;
  const char *iname = nim->iname ? nim->iname : path;
  znzFile fp = znzopen(iname, "rb", nifti_is_gzfile(iname));
  if (znz_isnull(fp)) return asl_fail(ASL_EIO, "%s: cannot open the voxel data", iname);
  nim->data = malloc(nbytes ? nbytes : 1);
  size_t got = 0;
  if (nim->data && znzseek(fp, (znz_off_t)nim->iname_offset, SEEK_SET) >= 0)
    got = znzread(nim->data, 1, nbytes, fp);
  znzclose(fp);
  if (!nim->data) return asl_fail(ASL_ENOMEM, "%s: out of memory for %zu bytes", path, nbytes);
  if (got != nbytes)
    return asl_fail(ASL_EFORMAT,
                    "%s: truncated or corrupt: %zu of %zu voxel bytes could be read; copy or "
                    "download the file again",
                    path, got, nbytes);
  if (nim->swapsize > 1 && nim->byteorder != nifti_short_order())
    nifti_swap_Nbytes(nim->nvox, nim->swapsize, nim->data);
  return ASL_OK;
}

static asl_status load_image(asl_vol *v, nifti_image *nim, const char *path) {
  asl_status s = read_raw(nim, path);
  if (s != ASL_OK) return s;
  s = asl_vol_init(v, (int)dim_size(nim, 1), (int)dim_size(nim, 2), (int)dim_size(nim, 3),
                   (int)dim_size(nim, 4));
  if (s != ASL_OK) return s;
  s = convert_data(v->data, nim, path);
  if (s != ASL_OK) {
    asl_vol_free(v);
    return s;
  }
  copy_geometry(v, nim);
  return ASL_OK;
}

asl_status asl_nifti_read(asl_vol *v, const char *path) {
  memset(v, 0, sizeof *v);
  struct stat st;
  if (stat(path, &st) != 0)
    return asl_fail(ASL_ENOTFOUND, "%s: cannot open (%s); check the path", path, strerror(errno));
  if (!S_ISREG(st.st_mode))
    return asl_fail(ASL_EIO, "%s: not a regular file; give a .nii or .nii.gz file", path);
  if (!ends_with(path, ".nii") && !ends_with(path, ".nii.gz"))
    return asl_fail(ASL_EFORMAT, "%s: not a NIfTI file name; give a single-file .nii or .nii.gz",
                    path);
  nifti_set_debug_level(0); // our own messages replace nifticlib's stderr prints
  if (!looks_like_nifti(path))
    return asl_fail(ASL_EFORMAT,
                    "%s: not a NIfTI-1/2 file (bad header size, magic or dim[0]); convert it to "
                    "NIfTI (e.g. with dcm2niix)",
                    path);
  nifti_image *nim = nifti_image_read(path, 0);
  if (!nim)
    return asl_fail(ASL_EFORMAT, "%s: unreadable NIfTI header (corrupt or truncated file)", path);
  asl_status s = check_header(nim, path, st.st_size);
  if (s == ASL_OK) s = load_image(v, nim, path);
  nifti_image_free(nim);
  return s;
}

static nifti_image *make_image(const asl_vol *v, int datatype) {
  int64_t dims[8] = {v->nt > 1 ? 4 : 3, v->nx, v->ny, v->nz, v->nt, 1, 1, 1};
  nifti_image *nim = nifti_make_new_nim(dims, datatype, 0);
  if (!nim) return NULL;
  nim->nifti_type = NIFTI_FTYPE_NIFTI1_1;
  nim->pixdim[1] = nim->dx = v->dx;
  nim->pixdim[2] = nim->dy = v->dy;
  nim->pixdim[3] = nim->dz = v->dz;
  nim->pixdim[4] = nim->dt = 1.0;
  nim->xyz_units = NIFTI_UNITS_MM;
  nim->time_units = NIFTI_UNITS_SEC;
  nim->sform_code = NIFTI_XFORM_SCANNER_ANAT;
  nim->qform_code = NIFTI_XFORM_SCANNER_ANAT;
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 4; j++) nim->sto_xyz.m[i][j] = v->affine[i][j];
  nim->sto_ijk = nifti_dmat44_inverse(nim->sto_xyz);
  double dx, dy, dz;
  nifti_dmat44_to_quatern(nim->sto_xyz, &nim->quatern_b, &nim->quatern_c, &nim->quatern_d,
                          &nim->qoffset_x, &nim->qoffset_y, &nim->qoffset_z, &dx, &dy, &dz,
                          &nim->qfac);
  nim->qto_xyz = nifti_quatern_to_dmat44(nim->quatern_b, nim->quatern_c, nim->quatern_d,
                                         nim->qoffset_x, nim->qoffset_y, nim->qoffset_z,
                                         nim->dx, nim->dy, nim->dz, nim->qfac);
  nim->qto_ijk = nifti_dmat44_inverse(nim->qto_xyz);
  return nim;
}

static void fill_data(nifti_image *nim, const asl_vol *v) {
  size_t n = asl_vol_nvox(v) * (size_t)v->nt;
  if (nim->datatype == NIFTI_TYPE_FLOAT32) {
    memcpy(nim->data, v->data, n * sizeof(float));
    return;
  }
  if (nim->datatype == NIFTI_TYPE_INT16) {
    // Scale so the largest magnitude maps to 32000: quantization error is
    // then below 1/64000 of the range.
    float big = 0.0f;
    for (size_t i = 0; i < n; i++)
      if (isfinite(v->data[i]) && fabsf(v->data[i]) > big) big = fabsf(v->data[i]);
    nim->scl_slope = big > 0.0f ? big / 32000.0 : 1.0;
    nim->scl_inter = 0.0;
    int16_t *out = nim->data;
    for (size_t i = 0; i < n; i++)
      out[i] = isfinite(v->data[i]) ? (int16_t)lrint(v->data[i] / nim->scl_slope) : 0;
    return;
  }
  uint8_t *out = nim->data;
  for (size_t i = 0; i < n; i++) {
    float x = v->data[i];
    out[i] = (uint8_t)(x <= 0.0f || !isfinite(x) ? 0 : x >= 255.0f ? 255 : lrintf(x));
  }
}

// nifticlib prints its own error when it cannot open the output, so check
// the folder first and keep stderr for our message alone.
static int dir_writable(const char *path) {
  char dir[4096];
  size_t n = strlen(path);
  if (n >= sizeof dir) return 0;
  memcpy(dir, path, n + 1);
  char *slash = strrchr(dir, '/');
  if (!slash) return access(".", W_OK) == 0;
  if (slash == dir) slash[1] = '\0';
  else *slash = '\0';
  return access(dir, W_OK) == 0;
}

static asl_status write_as(const asl_vol *v, const char *path, int datatype) {
  if (!v->data || v->nx < 1 || v->ny < 1 || v->nz < 1 || v->nt < 1)
    return asl_fail(ASL_EINVAL, "%s: cannot write an empty volume", path);
  if (!ends_with(path, ".nii") && !ends_with(path, ".nii.gz"))
    return asl_fail(ASL_EINVAL, "%s: output name must end in .nii or .nii.gz", path);
  if (!dir_writable(path))
    return asl_fail(ASL_EIO, "%s: cannot write (check that the folder exists and is writable)",
                    path);
  nifti_set_debug_level(0);
  nifti_image *nim = make_image(v, datatype);
  if (!nim) return asl_fail(ASL_ENOMEM, "%s: cannot build the NIfTI header", path);
  nim->data = malloc((size_t)nim->nvox * nim->nbyper);
  asl_status s = ASL_OK;
  if (!nim->data) {
    s = asl_fail(ASL_ENOMEM, "%s: out of memory for %lld voxels", path, (long long)nim->nvox);
  } else if (nifti_set_filenames(nim, path, 0, 1) != 0) {
    s = asl_fail(ASL_EINVAL, "%s: nifticlib refuses this file name", path);
  } else {
    fill_data(nim, v);
    // Write options 1|2: write the data and leave the file open, so a failed
    // open shows up as NULL instead of being lost inside nifticlib. gzip
    // level 1, Huffman-only for images: measured MR data (noise in every
    // voxel) gains nothing from LZ77 matching but pays 2x the time for it;
    // masks and labels (uint8, long runs) keep LZ77.
    znzFile fp = nifti_image_write_hdr_img(nim, 3, datatype == NIFTI_TYPE_UINT8 ? "wb1" : "wb1h");
    if (znz_isnull(fp))
      s = asl_fail(ASL_EIO, "%s: cannot write (check that the folder exists and is writable)",
                   path);
    else if (Xznzclose(&fp) != 0)
      s = asl_fail(ASL_EIO, "%s: write failed on close (disk full?)", path);
  }
  nifti_image_free(nim);
  return s;
}

asl_status asl_nifti_write(const asl_vol *v, const char *path) {
  return write_as(v, path, NIFTI_TYPE_FLOAT32);
}

asl_status asl_nifti_write_i16(const asl_vol *v, const char *path) {
  return write_as(v, path, NIFTI_TYPE_INT16);
}

asl_status asl_nifti_write_u8(const asl_vol *v, const char *path) {
  return write_as(v, path, NIFTI_TYPE_UINT8);
}
