// Small serial-HDF5 read helpers for the cube reader: each checks the
// object's presence, type and size and fails with a message naming the file
// and the object, so a malformed cube never crashes the analysis commands.
#ifndef ANA_H5READ_H
#define ANA_H5READ_H

#include <hdf5.h>
#include <stddef.h>

#include "asl/status.h"

// Reads a string attribute (fixed or variable length) into buf (NUL-terminated,
// truncated to len-1).
asl_status h5r_attr_str(hid_t loc, const char *file, const char *where, const char *name,
                        char *buf, size_t len);
// Reads a scalar integer attribute.
asl_status h5r_attr_int(hid_t loc, const char *file, const char *where, const char *name,
                        long long *out);

// Shape of dataset `name` in `loc`: rank into *rank, dims into dims (up to
// `max_rank`).
asl_status h5r_shape(hid_t loc, const char *file, const char *where, const char *name,
                     int max_rank, int *rank, hsize_t *dims);

// Reads a fixed-length string dataset of `n` elements into `out`, `stride`
// bytes per element (each NUL-terminated, truncated to stride-1).
asl_status h5r_strings(hid_t loc, const char *file, const char *where, const char *name,
                       size_t n, char *out, size_t stride);

// Reads a numeric dataset of exactly `n` elements converted to `memtype`.
asl_status h5r_numbers(hid_t loc, const char *file, const char *where, const char *name,
                       size_t n, hid_t memtype, void *out);

// 1 when `name` is a link in `loc`, 0 otherwise.
int h5r_exists(hid_t loc, const char *name);
// 1 when dataset `name` holds integers, 0 when it holds strings, -1 otherwise.
int h5r_is_int(hid_t loc, const char *name);

#endif
