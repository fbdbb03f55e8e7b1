// The checkpoint file layout shared by the writer and the reader (the
// byte-by-byte description is at the top of checkpoint.c).
#ifndef NN_CHECKPOINT_FORMAT_H
#define NN_CHECKPOINT_FORMAT_H

#include <stdint.h>

static const char CKPT_MAGIC[8] = {'A', 'S', 'L', 'N', 'N', 'C', 'K', 'P'};
enum { CKPT_VERSION = 1, CKPT_HEADER_MAX = 1 << 16, CKPT_MAX_PARAMS = 64 };

// The fixed-size block after the header text.
typedef struct {
  uint64_t n_params, n_buffers;
  int64_t step;
  int32_t epoch;
  uint32_t reserved, opt_kind, loss;
  float lr, beta1, beta2, eps, weight_decay;
  uint32_t reserved2; // keeps rng 8-byte aligned: no hidden padding
  uint64_t rng[4], user_size;
} ckpt_fixed;
_Static_assert(sizeof(ckpt_fixed) == 104, "checkpoint block must be packed");

#endif
