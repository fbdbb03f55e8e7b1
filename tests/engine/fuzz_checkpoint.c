// Fuzz target `checkpoint`: the checkpoint loader on arbitrary bytes. Each
// input is tried as it is and once more with its trailing checksum repaired,
// so mutations reach the header and size checks behind the checksum.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nn/model.h"

static void try_load(const uint8_t *data, size_t size) {
  nn_model *m = NULL;
  char blob[17];
  // The seed corpus's U-Net carries a 17-byte caller blob; others none.
  if (nn_checkpoint_load_mem(&m, data, size, "fuzz", NULL, blob, sizeof blob) != ASL_OK)
    nn_checkpoint_load_mem(&m, data, size, "fuzz", NULL, NULL, 0);
  if (m) {
    // A model that loads must be usable: its size queries must work.
    (void)nn_model_param_count(m);
    (void)nn_model_size_multiple(m);
    nn_model_free(m);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  try_load(data, size);
  if (size >= 16) {
    uint8_t *copy = malloc(size);
    if (!copy) return 0;
    memcpy(copy, data, size);
    uint64_t h = nn_checksum64(copy, size - 8);
    memcpy(copy + size - 8, &h, 8);
    try_load(copy, size);
    free(copy);
  }
  return 0;
}
