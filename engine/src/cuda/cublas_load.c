// cuBLAS is opened when a ViT first moves to the GPU, not linked, for the
// reasons cuDNN is (cudnn_load.c): the binary runs on nodes without it, and
// a U-Net on the GPU never needs it. Each cuBLAS function the backend calls
// is defined here under its own name and forwards to the library's.
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#include <cublas_v2.h>

#include "cuda_backend.h"
#include "dl_load.h"

// X(name, (parameters), (arguments)); every one returns cublasStatus_t.
#define CUBLAS_FUNCS(X)                                                                        \
  X(cublasCreate_v2, (cublasHandle_t * h), (h))                                                \
  X(cublasDestroy_v2, (cublasHandle_t h), (h))                                                 \
  X(cublasSetStream_v2, (cublasHandle_t h, cudaStream_t s), (h, s))                            \
  X(cublasSetMathMode, (cublasHandle_t h, cublasMath_t m), (h, m))                             \
  X(cublasGemmEx,                                                                              \
    (cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,        \
     const void *alpha, const void *A, cudaDataType at, int lda, const void *B,                \
     cudaDataType bt, int ldb, const void *beta, void *C, cudaDataType ct, int ldc,            \
     cublasComputeType_t comp, cublasGemmAlgo_t algo),                                         \
    (h, ta, tb, m, n, k, alpha, A, at, lda, B, bt, ldb, beta, C, ct, ldc, comp, algo))         \
  X(cublasGemmStridedBatchedEx,                                                                \
    (cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,        \
     const void *alpha, const void *A, cudaDataType at, int lda, long long int sa,             \
     const void *B, cudaDataType bt, int ldb, long long int sb, const void *beta, void *C,     \
     cudaDataType ct, int ldc, long long int sc, int count, cublasComputeType_t comp,          \
     cublasGemmAlgo_t algo),                                                                   \
    (h, ta, tb, m, n, k, alpha, A, at, lda, sa, B, bt, ldb, sb, beta, C, ct, ldc, sc, count,   \
     comp, algo))

#define POINTER(name, params, args) static cublasStatus_t(*p_##name) params;
CUBLAS_FUNCS(POINTER)
static const char *(*p_cublasGetStatusString)(cublasStatus_t);

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int loaded;
static char why_text[512];

static void load_once(void) {
  char major[32], need[32];
  snprintf(major, sizeof major, "libcublas.so.%d", CUBLAS_VER_MAJOR);
  snprintf(need, sizeof need, "cuBLAS %d", CUBLAS_VER_MAJOR);
  const char *names[] = {major, "libcublas.so"};
  nn_dl_lib lib = {.lib = "cuBLAS", .need = need, .why = why_text, .why_size = sizeof why_text};
  if (!nn_dl_open(&lib, names, sizeof names / sizeof *names)) {
    snprintf(why_text, sizeof why_text,
             "cannot load cuBLAS %d (%s): put the folder holding %s on LD_LIBRARY_PATH "
             "(the CUDA toolkit's lib64/, or the nvidia-cublas wheel's lib/)",
             CUBLAS_VER_MAJOR, dlerror(), major);
    return;
  }
#define RESOLVE(name, params, args) nn_dl_resolve(&lib, #name, &p_##name, sizeof p_##name);
  CUBLAS_FUNCS(RESOLVE)
  nn_dl_resolve(&lib, "cublasGetStatusString", &p_cublasGetStatusString,
                sizeof p_cublasGetStatusString);
  loaded = lib.ok;
}

int nn_cublas_load(const char **why) {
  pthread_once(&once, load_once);
  if (why) *why = loaded ? "" : why_text;
  return loaded;
}

#define FORWARD(name, params, args) \
  cublasStatus_t name params { return loaded ? p_##name args : CUBLAS_STATUS_NOT_INITIALIZED; }
CUBLAS_FUNCS(FORWARD)

const char *cublasGetStatusString(cublasStatus_t status) {
  return loaded ? p_cublasGetStatusString(status) : "cuBLAS not loaded";
}
