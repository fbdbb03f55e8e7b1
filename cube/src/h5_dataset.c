// Cube datasets: creation from the schema table (datasets written at run
// time contiguous, allocated and filled up front; those written whole at
// creation chunked and compressed) and hyperslab reads and writes.
#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include "cube/h5.h"
#include "cube/layout.h"

// Dataset `name` of rank x dims with the creation properties dcpl, which
// it closes (the tail both layouts below share).
static asl_status create_closing(hid_t *out, hid_t loc, const char *name, hid_t type, int rank,
                                 const hsize_t *dims, hid_t dcpl) {
  asl_status st = ASL_OK;
  hid_t space = H5I_INVALID_HID;
  CUBE_CHECK(space = H5Screate_simple(rank, dims, NULL), "dataspace of %s", name);
  CUBE_CHECK(*out = H5Dcreate2(loc, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
             "create dataset %s", name);
fail:
  cube_h5_close(&dcpl);
  cube_h5_close(&space);
  return st;
}

asl_status cube_h5_dataset(hid_t *out, hid_t loc, const char *name, hid_t type, int rank,
                           const hsize_t *dims, const void *fill) {
  asl_status st = ASL_OK;
  hid_t dcpl = H5I_INVALID_HID;
  *out = H5I_INVALID_HID;
  CUBE_CHECK(dcpl = H5Pcreate(H5P_DATASET_CREATE), "creation properties of %s", name);
  CUBE_CHECK(H5Pset_layout(dcpl, H5D_CONTIGUOUS), "contiguous layout of %s", name);
  CUBE_CHECK(H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY), "early allocation of %s", name);
  if (fill) {
    CUBE_CHECK(H5Pset_fill_value(dcpl, type, fill), "fill value of %s", name);
    CUBE_CHECK(H5Pset_fill_time(dcpl, H5D_FILL_TIME_ALLOC), "fill time of %s", name);
  }
  return create_closing(out, loc, name, type, rank, dims, dcpl);
fail:
  cube_h5_close(&dcpl);
  return st;
}

// The table's fill value in the file type's own bytes (an exact value: no
// conversion by HDF5, so NaN keeps its bit pattern).
static void fill_bytes(const cube_dataset_def *x, unsigned char *out) {
  switch (x->type) {
  case CUBE_T_I8: *(int8_t *)out = (int8_t)x->fill; break;
  case CUBE_T_I32: *(int32_t *)out = (int32_t)x->fill; break;
  case CUBE_T_I64: *(int64_t *)out = (int64_t)x->fill; break;
  case CUBE_T_U64: *(uint64_t *)out = (uint64_t)x->fill; break;
  case CUBE_T_F32: *(float *)out = (float)x->fill; break;
  case CUBE_T_F64: *(double *)out = x->fill; break;
  case CUBE_T_STR: break;
  }
}

// About 256 KiB of raw values per chunk: small enough that a reader of one
// row decompresses little, large enough that the index stays small.
#define CUBE_CHUNK_BYTES ((size_t)256 << 10)

asl_status cube_h5_dataset_packed(hid_t *out, hid_t loc, const char *name, hid_t type,
                                  const hsize_t *dims) {
  if (dims[0] == 0) return cube_h5_dataset(out, loc, name, type, 1, dims, NULL);
  asl_status st = ASL_OK;
  hid_t dcpl = H5I_INVALID_HID;
  size_t elem = H5Tget_size(type);
  hsize_t chunk[1] = {CUBE_CHUNK_BYTES / (elem ? elem : 1)};
  if (chunk[0] < 1) chunk[0] = 1;
  if (chunk[0] > dims[0]) chunk[0] = dims[0];
  *out = H5I_INVALID_HID;
  CUBE_CHECK(dcpl = H5Pcreate(H5P_DATASET_CREATE), "creation properties of %s", name);
  CUBE_CHECK(H5Pset_chunk(dcpl, 1, chunk), "chunks of %s", name);
  CUBE_CHECK(H5Pset_shuffle(dcpl), "shuffle filter of %s", name);
  CUBE_CHECK(H5Pset_deflate(dcpl, 4), "deflate filter of %s", name);
  return create_closing(out, loc, name, type, 1, dims, dcpl);
fail:
  cube_h5_close(&dcpl);
  return st;
}

int cube_ds_packed(cube_ds d, hsize_t n) {
  const cube_dataset_def *x = &cube_datasets[d];
  return n > CUBE_PACK_MIN && !x->has_fill && (x->shape == CUBE_SHAPE_S || x->shape == CUBE_SHAPE_J);
}

asl_status cube_ds_create(hid_t *out, hid_t loc, cube_ds d, int rank, const hsize_t *dims) {
  const cube_dataset_def *x = &cube_datasets[d];
  asl_status st = ASL_OK;
  // Room for the longest string type: a string fill (host "") is str_len bytes.
  _Alignas(8) unsigned char fill[CUBE_ERROR_LEN] = {0};
  hid_t type = H5I_INVALID_HID;
  *out = H5I_INVALID_HID;
  CUBE_CHECK(type = cube_file_type(x->type, x->str_len), "type of %s", x->name);
  // The fill's bytes are native; the file types are little-endian, as are
  // the machines this runs on.
  if (x->type == CUBE_T_STR && x->str_len > sizeof fill)
    return asl_fail(ASL_EINVAL, "%s: a string fill value longer than %zu bytes", x->name, sizeof fill);
  if (x->has_fill) fill_bytes(x, fill);
  if (rank == 1 && cube_ds_packed(d, dims[0])) st = cube_h5_dataset_packed(out, loc, x->name, type, dims);
  else st = cube_h5_dataset(out, loc, x->name, type, rank, dims, x->has_fill ? fill : NULL);
  if (!st && x->type == CUBE_T_STR) st = cube_attr_utf8(*out);
fail:
  if (x->type == CUBE_T_STR) cube_h5_close(&type);
  return st;
}

static asl_status block_io(int write, hid_t ds, hid_t memtype, int rank, const hsize_t *start,
                           const hsize_t *count, void *buf) {
  asl_status st = ASL_OK;
  hid_t fspace = H5I_INVALID_HID, mspace = H5I_INVALID_HID;
  CUBE_CHECK(fspace = H5Dget_space(ds), "file dataspace");
  CUBE_CHECK(H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL),
             "hyperslab selection");
  CUBE_CHECK(mspace = H5Screate_simple(rank, count, NULL), "memory dataspace");
  if (write)
    CUBE_CHECK(H5Dwrite(ds, memtype, mspace, fspace, H5P_DEFAULT, buf), "hyperslab write");
  else
    CUBE_CHECK(H5Dread(ds, memtype, mspace, fspace, H5P_DEFAULT, buf), "hyperslab read");
fail:
  cube_h5_close(&mspace);
  cube_h5_close(&fspace);
  return st;
}

asl_status cube_write_block(hid_t ds, hid_t memtype, int rank, const hsize_t *start,
                            const hsize_t *count, const void *buf) {
  return block_io(1, ds, memtype, rank, start, count, (void *)buf);
}

asl_status cube_read_block(hid_t ds, hid_t memtype, int rank, const hsize_t *start,
                           const hsize_t *count, void *buf) {
  return block_io(0, ds, memtype, rank, start, count, buf);
}

int cube_labels_numeric(int n, char *const *labels) {
  for (int i = 0; i < n; i++) {
    const char *s = labels[i];
    if (*s == '-') s++;
    if (!*s || strlen(s) > 9) return 0;
    for (; *s; s++)
      if (!isdigit((unsigned char)*s)) return 0;
  }
  return n > 0;
}
