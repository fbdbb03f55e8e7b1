// HDF5 helpers for every reader and writer of the results cube: checked
// calls, quiet error printing, typed attributes and datasets from the schema
// table, hyperslab I/O, and the format-version check.
#ifndef CUBE_H5_H
#define CUBE_H5_H

#include <hdf5.h>

#include "asl/status.h"
#include "cube/schema.h"

#define CUBE_MAX_RANK 32

// A failed HDF5 call as an ASL_EHDF5 status whose message says what was
// being done (fmt, which names the file), the call, HDF5's own reason and
// the source place.
asl_status cube_h5_fail(const char *call, const char *where, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

// Checks an HDF5 call (negative = failure). Assumes a local `asl_status st`
// and a `fail:` label.
#define CUBE_CHECK(call, ...)                                      \
  do {                                                             \
    if ((call) < 0) {                                              \
      st = cube_h5_fail(#call, __FILE__, __LINE__, __VA_ARGS__);   \
      goto fail;                                                   \
    }                                                              \
  } while (0)

// `prefix: <the current message>` with status st (copies the message first:
// asl_fail writes into the buffer asl_error_message() returns).
asl_status cube_fail_wrap(asl_status st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

// Closes an HDF5 handle of any kind if it is open and marks it closed.
void cube_h5_close(hid_t *id);

// HDF5's automatic error printing, switched off for the span of one cube
// operation (the cube code reports failures itself) and put back as it was,
// so a program's own HDF5 use keeps its settings.
typedef struct {
  H5E_auto2_t fn;
  void *data;
} cube_h5_quiet;
void cube_h5_quiet_begin(cube_h5_quiet *q);
void cube_h5_quiet_end(const cube_h5_quiet *q);

// The file (little-endian) and memory (native) types of a schema type.
// Strings: a fixed-length NUL-terminated ASCII type of `len` bytes, which
// the caller closes (cube_h5_close); numeric types are library constants.
hid_t cube_file_type(cube_type t, size_t len);
hid_t cube_mem_type(cube_type t, size_t len);
hid_t cube_str_type(size_t len);

asl_status cube_attr_str(hid_t loc, const char *name, const char *value);
asl_status cube_attr_int(hid_t loc, const char *name, int value);
// Reads a fixed-length string attribute into out (NUL-terminated, truncated to n).
asl_status cube_attr_read_str(hid_t loc, const char *name, char *out, size_t n);
// The same, whole, into *out (malloc'd; the caller frees): lists such as
// `experiments` have no length limit.
asl_status cube_attr_read_str_alloc(hid_t loc, const char *name, char **out);

// Contiguous dataset with space allocated (and filled with `fill` when not
// NULL) at creation, so later raw writes change no metadata.
asl_status cube_h5_dataset(hid_t *out, hid_t loc, const char *name, hid_t type, int rank,
                           const hsize_t *dims, const void *fill);
// A 1-D dataset chunked (about 256 KiB of values per chunk) with the
// shuffle and deflate filters: for values written whole at creation. Under
// parallel HDF5 its writes must be collective (cube_ds_write does that).
asl_status cube_h5_dataset_packed(hid_t *out, hid_t loc, const char *name, hid_t type,
                                  const hsize_t *dims);
// 1 when table dataset d of n values is stored packed (format version 2):
// the (S) and (J) datasets without a fill value (written whole when the
// cube is made) of more than CUBE_PACK_MIN values; smaller ones stay
// contiguous, where a chunk index would cost more than it saves.
#define CUBE_PACK_MIN 1024
int cube_ds_packed(cube_ds d, hsize_t n);
// The dataset `d` of the schema table in `loc` (its group, or an experiment
// group), with the table's type, string length and fill value.
asl_status cube_ds_create(hid_t *out, hid_t loc, cube_ds d, int rank, const hsize_t *dims);

// Writes/reads `buf` (laid out as `count`) at `start` of dataset `ds`.
asl_status cube_write_block(hid_t ds, hid_t memtype, int rank, const hsize_t *start,
                            const hsize_t *count, const void *buf);
asl_status cube_read_block(hid_t ds, hid_t memtype, int rank, const hsize_t *start,
                           const hsize_t *count, void *buf);

// 1 when every label is a decimal integer (the axis is then stored as int32).
int cube_labels_numeric(int n, char *const *labels);

// Refuses (ASL_EFORMAT) a file whose root `format_version` is not
// CUBE_FORMAT_VERSION, naming both versions and the program version that
// wrote it; a file without the attribute is not a cube. *version (when not
// NULL) receives the file's version, or -1 when it has none.
asl_status cube_check_version(hid_t file, const char *path, int *version);

#endif
