// cuDNN is opened when a model first moves to the GPU, not linked: one
// aslsweep binary (and its .deb) then runs on CPU-only nodes that have no
// cuDNN, and finds the site's cuDNN 9 (a module, a pip wheel, the toolkit)
// on LD_LIBRARY_PATH where there is a GPU. The CUDA runtime itself is linked
// statically, and reaches the driver the same way. Each cuDNN function the
// backend calls is defined here under its own name and forwards to the
// library's; nn_cudnn_load() is what nn_cuda_probe() asks first.
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#include <cudnn.h>

#include "cuda_backend.h"
#include "dl_load.h"

// X(return type, name, (parameters), (arguments))
#define CUDNN_FUNCS(X)                                                                         \
  X(cudnnStatus_t, cudnnCreate, (cudnnHandle_t * h), (h))                                      \
  X(cudnnStatus_t, cudnnDestroy, (cudnnHandle_t h), (h))                                       \
  X(cudnnStatus_t, cudnnSetStream, (cudnnHandle_t h, cudaStream_t s), (h, s))                  \
  X(cudnnStatus_t, cudnnCreateTensorDescriptor, (cudnnTensorDescriptor_t * d), (d))            \
  X(cudnnStatus_t, cudnnDestroyTensorDescriptor, (cudnnTensorDescriptor_t d), (d))             \
  X(cudnnStatus_t, cudnnSetTensorNdDescriptorEx,                                               \
    (cudnnTensorDescriptor_t d, cudnnTensorFormat_t f, cudnnDataType_t t, int n,               \
     const int dims[]),                                                                        \
    (d, f, t, n, dims))                                                                        \
  X(cudnnStatus_t, cudnnCreateFilterDescriptor, (cudnnFilterDescriptor_t * d), (d))            \
  X(cudnnStatus_t, cudnnDestroyFilterDescriptor, (cudnnFilterDescriptor_t d), (d))             \
  X(cudnnStatus_t, cudnnSetFilterNdDescriptor,                                                 \
    (cudnnFilterDescriptor_t d, cudnnDataType_t t, cudnnTensorFormat_t f, int n,               \
     const int dims[]),                                                                        \
    (d, t, f, n, dims))                                                                        \
  X(cudnnStatus_t, cudnnCreateConvolutionDescriptor, (cudnnConvolutionDescriptor_t * d), (d))  \
  X(cudnnStatus_t, cudnnDestroyConvolutionDescriptor, (cudnnConvolutionDescriptor_t d), (d))   \
  X(cudnnStatus_t, cudnnSetConvolutionNdDescriptor,                                            \
    (cudnnConvolutionDescriptor_t d, int n, const int pad[], const int stride[],               \
     const int dil[], cudnnConvolutionMode_t mode, cudnnDataType_t t),                         \
    (d, n, pad, stride, dil, mode, t))                                                         \
  X(cudnnStatus_t, cudnnSetConvolutionMathType,                                                \
    (cudnnConvolutionDescriptor_t d, cudnnMathType_t m), (d, m))                               \
  X(cudnnStatus_t, cudnnGetConvolutionForwardAlgorithm_v7,                                     \
    (cudnnHandle_t h, const cudnnTensorDescriptor_t x, const cudnnFilterDescriptor_t w,        \
     const cudnnConvolutionDescriptor_t c, const cudnnTensorDescriptor_t y, const int req,     \
     int *got, cudnnConvolutionFwdAlgoPerf_t *perf),                                           \
    (h, x, w, c, y, req, got, perf))                                                           \
  X(cudnnStatus_t, cudnnGetConvolutionBackwardDataAlgorithm_v7,                                \
    (cudnnHandle_t h, const cudnnFilterDescriptor_t w, const cudnnTensorDescriptor_t dy,       \
     const cudnnConvolutionDescriptor_t c, const cudnnTensorDescriptor_t dx, const int req,    \
     int *got, cudnnConvolutionBwdDataAlgoPerf_t *perf),                                       \
    (h, w, dy, c, dx, req, got, perf))                                                         \
  X(cudnnStatus_t, cudnnGetConvolutionBackwardFilterAlgorithm_v7,                              \
    (cudnnHandle_t h, const cudnnTensorDescriptor_t x, const cudnnTensorDescriptor_t dy,       \
     const cudnnConvolutionDescriptor_t c, const cudnnFilterDescriptor_t dw, const int req,    \
     int *got, cudnnConvolutionBwdFilterAlgoPerf_t *perf),                                     \
    (h, x, dy, c, dw, req, got, perf))                                                         \
  X(cudnnStatus_t, cudnnGetConvolutionForwardWorkspaceSize,                                    \
    (cudnnHandle_t h, const cudnnTensorDescriptor_t x, const cudnnFilterDescriptor_t w,        \
     const cudnnConvolutionDescriptor_t c, const cudnnTensorDescriptor_t y,                    \
     cudnnConvolutionFwdAlgo_t a, size_t *bytes),                                              \
    (h, x, w, c, y, a, bytes))                                                                 \
  X(cudnnStatus_t, cudnnGetConvolutionBackwardDataWorkspaceSize,                               \
    (cudnnHandle_t h, const cudnnFilterDescriptor_t w, const cudnnTensorDescriptor_t dy,       \
     const cudnnConvolutionDescriptor_t c, const cudnnTensorDescriptor_t dx,                   \
     cudnnConvolutionBwdDataAlgo_t a, size_t *bytes),                                          \
    (h, w, dy, c, dx, a, bytes))                                                               \
  X(cudnnStatus_t, cudnnGetConvolutionBackwardFilterWorkspaceSize,                             \
    (cudnnHandle_t h, const cudnnTensorDescriptor_t x, const cudnnTensorDescriptor_t dy,       \
     const cudnnConvolutionDescriptor_t c, const cudnnFilterDescriptor_t dw,                   \
     cudnnConvolutionBwdFilterAlgo_t a, size_t *bytes),                                        \
    (h, x, dy, c, dw, a, bytes))                                                               \
  X(cudnnStatus_t, cudnnConvolutionForward,                                                    \
    (cudnnHandle_t h, const void *alpha, const cudnnTensorDescriptor_t xd, const void *x,      \
     const cudnnFilterDescriptor_t wd, const void *w, const cudnnConvolutionDescriptor_t c,    \
     cudnnConvolutionFwdAlgo_t a, void *ws, size_t wsb, const void *beta,                      \
     const cudnnTensorDescriptor_t yd, void *y),                                               \
    (h, alpha, xd, x, wd, w, c, a, ws, wsb, beta, yd, y))                                      \
  X(cudnnStatus_t, cudnnConvolutionBackwardData,                                               \
    (cudnnHandle_t h, const void *alpha, const cudnnFilterDescriptor_t wd, const void *w,      \
     const cudnnTensorDescriptor_t dyd, const void *dy, const cudnnConvolutionDescriptor_t c,  \
     cudnnConvolutionBwdDataAlgo_t a, void *ws, size_t wsb, const void *beta,                  \
     const cudnnTensorDescriptor_t dxd, void *dx),                                             \
    (h, alpha, wd, w, dyd, dy, c, a, ws, wsb, beta, dxd, dx))                                  \
  X(cudnnStatus_t, cudnnConvolutionBackwardFilter,                                             \
    (cudnnHandle_t h, const void *alpha, const cudnnTensorDescriptor_t xd, const void *x,      \
     const cudnnTensorDescriptor_t dyd, const void *dy, const cudnnConvolutionDescriptor_t c,  \
     cudnnConvolutionBwdFilterAlgo_t a, void *ws, size_t wsb, const void *beta,                \
     const cudnnFilterDescriptor_t dwd, void *dw),                                             \
    (h, alpha, xd, x, dyd, dy, c, a, ws, wsb, beta, dwd, dw))

#define POINTER(ret, name, params, args) static ret(*p_##name) params;
CUDNN_FUNCS(POINTER)
static size_t (*p_cudnnGetVersion)(void);
static const char *(*p_cudnnGetErrorString)(cudnnStatus_t);

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int loaded;
static char why_text[512];

static void load_once(void) {
  const char *names[] = {"libcudnn.so.9", "libcudnn.so"};
  nn_dl_lib lib = {.lib = "cuDNN", .need = "cuDNN 9", .why = why_text, .why_size = sizeof why_text};
  if (!nn_dl_open(&lib, names, sizeof names / sizeof *names)) {
    snprintf(why_text, sizeof why_text,
             "cannot load cuDNN 9 (%s): put the folder holding libcudnn.so.9 on "
             "LD_LIBRARY_PATH (a cuDNN module, or the nvidia-cudnn wheel's lib/)",
             dlerror());
    return;
  }
#define RESOLVE(ret, name, params, args) nn_dl_resolve(&lib, #name, &p_##name, sizeof p_##name);
  CUDNN_FUNCS(RESOLVE)
  nn_dl_resolve(&lib, "cudnnGetVersion", &p_cudnnGetVersion, sizeof p_cudnnGetVersion);
  nn_dl_resolve(&lib, "cudnnGetErrorString", &p_cudnnGetErrorString,
                sizeof p_cudnnGetErrorString);
  if (lib.ok && p_cudnnGetVersion() / 10000 != CUDNN_MAJOR) {
    snprintf(why_text, sizeof why_text, "cuDNN %zu found, this build needs cuDNN %d",
             p_cudnnGetVersion(), CUDNN_MAJOR);
    lib.ok = 0;
  }
  loaded = lib.ok;
}

int nn_cudnn_load(const char **why) {
  pthread_once(&once, load_once);
  if (why) *why = loaded ? "" : why_text;
  return loaded;
}

// The forwarding definitions: before a successful load they report the
// library as not initialized instead of jumping through a null pointer.
#define FORWARD(ret, name, params, args) \
  ret name params { return loaded ? p_##name args : CUDNN_STATUS_NOT_INITIALIZED; }
CUDNN_FUNCS(FORWARD)

size_t cudnnGetVersion(void) { return loaded ? p_cudnnGetVersion() : 0; }

const char *cudnnGetErrorString(cudnnStatus_t status) {
  return loaded ? p_cudnnGetErrorString(status) : "cuDNN not loaded";
}
