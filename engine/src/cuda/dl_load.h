// Opening a CUDA library at run time (cudnn_load.c, cublas_load.c): the
// first of its file names that dlopen finds, then each symbol into its
// function pointer, the first missing one named in the caller's reason.
#ifndef NN_CUDA_DL_LOAD_H
#define NN_CUDA_DL_LOAD_H

#include <stddef.h>

typedef struct {
  void *handle;     // from nn_dl_open; NULL when no name loaded
  const char *lib;  // as named in messages: "cuDNN"
  const char *need; // the version this build needs, for messages: "cuDNN 9"
  char *why;        // the reason a load failed, written here
  size_t why_size;
  int ok; // 1 until a symbol is missing
} nn_dl_lib;

// Tries names[0..n) in order; 1 when one loaded (then dlerror() holds
// nothing of interest), 0 with dlerror()'s text still to be read.
int nn_dl_open(nn_dl_lib *l, const char *const *names, size_t n);

// Stores symbol `name` into the function pointer at fp (size bytes); once a
// symbol is missing, l->ok is 0, l->why names it and later calls do nothing.
void nn_dl_resolve(nn_dl_lib *l, const char *name, void *fp, size_t size);

#endif
