// Reading the scan of `aslsweep denoise` (denoise_input.h).
#include "denoise_input.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "asl/bids.h"
#include "asl/nifti.h"
#include "asl/subject.h"
#include "check.h"

static asl_status need_file(const char *path, const char *what) {
  if (access(path, R_OK) == 0) return ASL_OK;
  return asl_fail(ASL_ENOTFOUND, "%s: cannot read the %s (missing or unreadable)", path, what);
}

// The BIDS aslcontext beside a series: sub-01_asl.nii.gz -> sub-01_aslcontext.tsv.
static int beside_context(const char *asl, char *out, size_t n) {
  const char *slash = strrchr(asl, '/'), *base = slash ? slash + 1 : asl;
  const char *suffix = strstr(base, "_asl.nii");
  if (!suffix) return 0;
  snprintf(out, n, "%.*s_aslcontext.tsv", (int)(suffix - asl), asl);
  return access(out, R_OK) == 0;
}

// Mean of the frames of `types` == want; ASL_ENOTFOUND when there is none.
static asl_status mean_of(const asl_vol *v, const int *types, int want, asl_vol *out) {
  int k = 0;
  for (int t = 0; t < v->nt; t++)
    k += !types || types[t] == want;
  if (k == 0) return ASL_ENOTFOUND;
  asl_status st = asl_vol_init_like(out, v, 1);
  size_t n = asl_vol_nvox(v);
  double *acc = st ? NULL : calloc(n, sizeof *acc);
  if (!st && !acc) asl_vol_free(out), st = asl_fail(ASL_ENOMEM, "mean volume");
  for (int t = 0; !st && t < v->nt; t++) {
    if (types && types[t] != want) continue;
    const float *f = asl_vol_frame(v, t);
    for (size_t i = 0; i < n; i++)
      acc[i] += f[i];
  }
  for (size_t i = 0; !st && i < n; i++)
    out->data[i] = (float)(acc[i] / k);
  free(acc);
  return st;
}

static int same_grid(const asl_vol *a, const asl_vol *b) {
  if (a->nx != b->nx || a->ny != b->ny || a->nz != b->nz) return 0;
  for (int r = 0; r < 3; r++)
    for (int c = 0; c < 4; c++)
      if (a->affine[r][c] - b->affine[r][c] > 0.01f || b->affine[r][c] - a->affine[r][c] > 0.01f)
        return 0;
  return 1;
}

// A 3D image (M0: the mean of its volumes) on the series' grid.
static asl_status read_on_grid(const char *path, const asl_vol *like, const char *what,
                               asl_vol *out) {
  asl_vol raw = {0};
  asl_status st = need_file(path, what);
  if (!st) st = asl_nifti_read(&raw, path);
  if (!st && !same_grid(&raw, like))
    st = asl_fail(ASL_ESHAPE,
                  "%s: %s grid %dx%dx%d does not match the ASL grid %dx%dx%d (size or voxel-to-mm "
                  "map); resample it onto the ASL series",
                  path, what, raw.nx, raw.ny, raw.nz, like->nx, like->ny, like->nz);
  if (!st && raw.nt == 1) {
    *out = raw;
    return ASL_OK;
  }
  if (!st) st = mean_of(&raw, NULL, 0, out);
  if (raw.data) asl_vol_free(&raw);
  return st;
}

// Series + volume types -> difference images (asl_subject_deltam's pairing).
static asl_status series(const run_denoise_opts *o, asl_vol *raw, int **types, exa_subject *u) {
  char ctx[4200];
  const char *ctx_path = o->aslcontext;
  if (!ctx_path && beside_context(o->asl, ctx, sizeof ctx)) ctx_path = ctx;
  asl_status st = need_file(o->asl, "ASL series");
  if (!st) st = asl_nifti_read(raw, o->asl);
  if (st) return st;
  snprintf(u->id, sizeof u->id, "scan");
  if (!ctx_path) return asl_vol_copy(&u->deltam, raw); // every volume a difference image
  int n = 0;
  st = need_file(ctx_path, "aslcontext table");
  if (!st) st = asl_bids_read_aslcontext(ctx_path, types, &n);
  if (!st && n != raw->nt)
    st = asl_fail(ASL_ESHAPE, "%s: %d rows, but %s has %d volumes; one row per volume", ctx_path, n,
                  o->asl, raw->nt);
  if (st) return st;
  asl_subject s;
  memset(&s, 0, sizeof s);
  snprintf(s.id, sizeof s.id, "volume types");
  s.asl = *raw, s.vol_type = *types; // a view: freed by the caller
  st = asl_subject_deltam(&s, &u->deltam);
  return st ? run_fail_wrap(st, "%s", ctx_path) : ASL_OK;
}

static asl_status mask_of(const run_denoise_opts *o, const asl_vol *raw, const int *types,
                          exa_subject *u, char *src, size_t n) {
  asl_vol ctl = {0};
  asl_status st = ASL_OK;
  snprintf(src, n, "none");
  if (o->mask) {
    st = read_on_grid(o->mask, &u->deltam, "mask", &u->mask);
    size_t inside = 0;
    for (size_t i = 0; !st && i < asl_vol_nvox(&u->mask); i++)
      inside += (u->mask.data[i] = u->mask.data[i] > 0.5f ? 1.0f : 0.0f) > 0;
    if (!st && inside == 0)
      st = asl_fail(ASL_EFORMAT, "%s: the mask is empty (no voxel above 0.5)", o->mask);
    if (!st)
      u->has_mask = 1, snprintf(src, n, "file");
    else if (u->mask.data)
      asl_vol_free(&u->mask);
    return st;
  }
  const asl_vol *from = u->has_m0 ? &u->m0 : NULL;
  if (!from && types && mean_of(raw, types, ASL_VOL_CONTROL, &ctl) == ASL_OK) from = &ctl;
  if (from) st = asl_mask_from_image(from, &u->mask);
  if (from && !st) u->has_mask = 1, snprintf(src, n, "%s", from == &ctl ? "from-ctrl" : "from-M0");
  if (st == ASL_ENOTFOUND) st = ASL_OK; // nothing positive to threshold: whole volume
  if (ctl.data) asl_vol_free(&ctl);
  return st;
}

asl_status run_denoise_read(const run_denoise_opts *o, exa_subject *u, char *mask_source,
                            size_t n) {
  asl_vol raw = {0};
  int *types = NULL;
  memset(u, 0, sizeof *u);
  asl_status st = series(o, &raw, &types, u);
  if (!st && o->m0)
    st = read_on_grid(o->m0, &u->deltam, "M0", &u->m0), u->has_m0 = !st;
  else if (!st && types && mean_of(&raw, types, ASL_VOL_M0, &u->m0) == ASL_OK)
    u->has_m0 = 1;
  if (!st) st = mask_of(o, &raw, types, u, mask_source, n);
  u->ok = !st;
  if (raw.data) asl_vol_free(&raw);
  free(types);
  if (st) run_denoise_subject_free(u);
  return st;
}

void run_denoise_subject_free(exa_subject *u) {
  if (u->deltam.data) asl_vol_free(&u->deltam);
  if (u->has_m0 || u->m0.data) asl_vol_free(&u->m0);
  if (u->has_mask || u->mask.data) asl_vol_free(&u->mask);
  memset(u, 0, sizeof *u);
}
