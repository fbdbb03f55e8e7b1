// The montage's volumes from a run's packed files (DIR/volumes/*.h5,
// cube/volumes.h) rather than one NIfTI file per image.
#ifndef ANA_PLOT_MONTAGE_PACKED_H
#define ANA_PLOT_MONTAGE_PACKED_H

#include <stddef.h>

#include "asl/volume.h"

// 1 when a packed file in volumes_dir holds the denoised image of the job
// (by key) and subject; `path` receives that file.
int ana_montage_packed_has(const char *volumes_dir, const char *key, const char *subject,
                           char *path, size_t n);
// Loads input, denoised, gt100 and (when kept) uncertainty into v[0..3].
asl_status ana_montage_packed_load(asl_vol v[4], const char *path, const char *key,
                                   const char *subject);

#endif
