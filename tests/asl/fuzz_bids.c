// Fuzz target `bids`: arbitrary bytes through every parser of outside input
// in the BIDS reader: the NIfTI reader (via a temp file, as .nii and, for
// gzip data, as .nii.gz), the JSON reader, the sidecar reader and the
// aslcontext.tsv parser. Beyond "never crash", it checks the readers'
// contracts: a refusal leaves nothing allocated, a success holds finite data.
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "asl/bids.h"
#include "asl/json.h"
#include "asl/nifti.h"

#define CHECK(cond)                                                    \
  do {                                                                 \
    if (!(cond)) {                                                     \
      fprintf(stderr, "fuzz_bids: contract broken: %s\n", #cond);      \
      abort();                                                         \
    }                                                                  \
  } while (0)

static void nifti_from_bytes(const uint8_t *data, size_t size, const char *ext) {
  char path[128];
  snprintf(path, sizeof path, "/tmp/fuzz_bids_%ld%s", (long)getpid(), ext);
  FILE *f = fopen(path, "wb");
  if (!f) return;
  size_t put = fwrite(data, 1, size, f);
  fclose(f);
  if (put == size) {
    asl_vol v;
    asl_status s = asl_nifti_read(&v, path);
    if (s == ASL_OK) {
      CHECK(v.data && v.nx > 0 && v.ny > 0 && v.nz > 0 && v.nt > 0);
      size_t n = asl_vol_nvox(&v) * (size_t)v.nt;
      for (size_t i = 0; i < n; i++) CHECK(isfinite(v.data[i]));
      asl_vol_free(&v);
    } else {
      CHECK(v.data == NULL);
      CHECK(strstr(asl_error_message(), path) != NULL);
    }
  }
  remove(path);
}

static void json_from_bytes(const uint8_t *data, size_t size) {
  asl_json d;
  if (asl_json_parse(&d, (const char *)data, size, "fuzz.json") == ASL_OK) {
    CHECK(d.n_nodes > 0 && d.n_nodes <= ASL_JSON_MAX_NODES);
    for (int i = 0; i < d.n_nodes; i++) {
      CHECK(d.nodes[i].next < d.n_nodes && d.nodes[i].first < d.n_nodes);
      if (d.nodes[i].type == ASL_JSON_STRING) CHECK(asl_json_string(&d, i) != NULL);
    }
    asl_json_free(&d);
  } else {
    CHECK(d.nodes == NULL && d.strings == NULL);
  }
  asl_bids_sidecar car;
  if (asl_bids_parse_sidecar((const char *)data, size, "fuzz.json", &car) == ASL_OK) {
    // One delay, none (missing: a warning), or several (multi-delay: pld 0).
    CHECK(car.pld >= 0.0 && car.pld <= 10.0 && car.n_plds >= 0 && car.n_plds <= ASL_BIDS_MAX_PLD);
    CHECK((car.pld > 0.0) == (car.n_plds == 1));
    for (int i = 0; i < car.n_plds; i++) CHECK(car.plds[i] > 0.0 && car.plds[i] <= 10.0);
    asl_bids_sidecar_free(&car);
  } else {
    CHECK(car.vol_pld == NULL);
  }
}

static void tsv_from_bytes(const uint8_t *data, size_t size) {
  int *types = NULL, n = 0;
  if (asl_bids_parse_aslcontext((const char *)data, size, "fuzz.tsv", &types, &n) == ASL_OK) {
    CHECK(types && n > 0 && (size_t)n <= size);
    for (int i = 0; i < n; i++) CHECK(types[i] >= 0 && types[i] <= 4);
    free(types);
  } else {
    CHECK(types == NULL && n == 0);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  nifti_from_bytes(data, size, ".nii");
  if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b) nifti_from_bytes(data, size, ".nii.gz");
  json_from_bytes(data, size);
  tsv_from_bytes(data, size);
  return 0;
}
