// Pieces shared by the subject loader's files; not public.
#ifndef ASL_SUBJECT_INTERNAL_H
#define ASL_SUBJECT_INTERNAL_H

#include "asl/subject.h"

// Checks that control and label volumes come in adjacent pairs (either order)
// and that at least one difference volume results; *n_deltam gets the count.
asl_status asl_context_check(const int *types, int n, const char *name, int *n_deltam);

// True when b has a's x/y/z size and (within 0.01 mm) its voxel-to-mm map.
int asl_same_grid(const asl_vol *a, const asl_vol *b);

// Mean of the frames of `src` whose type is `type` into the 3D `out` (which
// must not hold memory); ASL_ENOTFOUND when there are none.
asl_status asl_mean_of_type(const asl_vol *src, const int *types, int type, asl_vol *out);

// "<dir>/<stem>_<suffix>.nii.gz", or the .nii name when only that exists.
void asl_subject_path(const asl_subject *s, const char *suffix, char *path, size_t n);

// Loads M0 as the sidecar's M0Type says; sets s->m0 and s->has_m0.
asl_status asl_subject_load_m0(asl_subject *s, double m0_estimate);
// Loads the mask file (from `masks`, else ROOT/derivatives/*/) or derives
// one; sets s->mask, has_mask, mask_source.
asl_status asl_subject_load_mask(asl_subject *s, const char *root, const asl_bids_scan *scan,
                                 const char *masks);

#endif
