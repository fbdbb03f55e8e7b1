// cuDNN convolutions (legacy API, present in cuDNN 9): descriptors and
// algorithm choice per shape, and the three calls the U-Net needs.
#include <stdio.h>
#include <string.h>

#include "cuda_conv.h"

// The most workspace one algorithm may take; larger ones are skipped.
#define CONV_WS_LIMIT ((size_t)2 << 30)

#define DNN(call, what)                                                      \
  do {                                                                       \
    cudnnStatus_t st_ = (call);                                              \
    if (st_ != CUDNN_STATUS_SUCCESS)                                         \
      return asl_fail(ASL_EIO, "cuDNN %s: %s", what, cudnnGetErrorString(st_)); \
  } while (0)

// Tensor cores allowed: TF32 for float data, or BF16 data.
#define TC(s) ((s)->tf32 || (s)->bf16)

static int tensor_op(cudnnMathType_t m) {
  return m == CUDNN_TENSOR_OP_MATH || m == CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION;
}

// What the three perf lists of cuDNN have in common.
typedef struct {
  cudnnStatus_t status;
  cudnnDeterminism_t det;
  size_t mem;
  cudnnMathType_t math;
} candidate;

#define CANDIDATES(out, perf, n)                                           \
  for (int i_ = 0; i_ < (n); i_++)                                         \
    (out)[i_] = (candidate){perf[i_].status, perf[i_].determinism,         \
                            perf[i_].memory, perf[i_].mathType}

// The first entry of cuDNN's heuristic ranking that passed its check, fits
// the workspace limit, in FP32 mode does not use tensor cores and, in
// deterministic mode, is deterministic; -1 if none. Should cuDNN offer no
// deterministic algorithm for a shape, the best other one is taken with a
// warning: training still runs, and reruns may differ in the last bits.
static int pick(const candidate *c, int n, const nn_cuda_conv_shape *s,
                const char *what) {
  for (int pass = s->deterministic ? 0 : 1; pass < 2; pass++)
    for (int i = 0; i < n; i++) {
      if (c[i].status != CUDNN_STATUS_SUCCESS || c[i].mem > CONV_WS_LIMIT) continue;
      if (!s->tf32 && !s->bf16 && tensor_op(c[i].math)) continue;
      if (pass == 0 && c[i].det != CUDNN_DETERMINISTIC) continue;
      if (pass == 1 && s->deterministic)
        fprintf(stderr, "cuDNN: no deterministic %s algorithm for ci %d, co %d, "
                "kernel %d; reruns may differ in the last bits\n", what,
                s->ci, s->co, s->k);
      return i;
    }
  return -1;
}

static asl_status describe(nn_cuda_conv *c, const nn_cuda_conv_shape *s) {
  const int od = (s->d + 2 * s->pad - s->k) / s->stride + 1;
  const int oh = (s->h + 2 * s->pad - s->k) / s->stride + 1;
  const int ow = (s->w + 2 * s->pad - s->k) / s->stride + 1;
  const int xd[5] = {s->N, s->ci, s->d, s->h, s->w};
  const int yd[5] = {s->N, s->co, od, oh, ow};
  const int wd[5] = {s->co, s->ci, s->k, s->k, s->k};
  const int pad[3] = {s->pad, s->pad, s->pad};
  const int str[3] = {s->stride, s->stride, s->stride}, dil[3] = {1, 1, 1};
  // BF16: tensors and filter in bfloat16, products accumulated in float.
  const cudnnDataType_t t = s->bf16 ? CUDNN_DATA_BFLOAT16 : CUDNN_DATA_FLOAT;
  DNN(cudnnSetTensorNdDescriptorEx(c->x, CUDNN_TENSOR_NCHW, t, 5, xd), "input descriptor");
  DNN(cudnnSetTensorNdDescriptorEx(c->y, CUDNN_TENSOR_NCHW, t, 5, yd), "output descriptor");
  DNN(cudnnSetFilterNdDescriptor(c->w, t, CUDNN_TENSOR_NCHW, 5, wd), "filter descriptor");
  DNN(cudnnSetConvolutionNdDescriptor(c->conv, 3, pad, str, dil,
                                      CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT),
      "convolution descriptor");
  DNN(cudnnSetConvolutionMathType(c->conv, TC(s) ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH),
      "math type");
  return ASL_OK;
}

static asl_status choose_forward(nn_cuda_conv *c, cudnnHandle_t h,
                                 const nn_cuda_conv_shape *s) {
  cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
  candidate cand[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
  int n = 0;
  size_t b = 0;
  DNN(cudnnGetConvolutionForwardAlgorithm_v7(h, c->x, c->w, c->conv, c->y,
                                             CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &n, perf),
      "forward algorithm");
  CANDIDATES(cand, perf, n);
  const int k = pick(cand, n, s, "forward");
  if (k < 0)
    return asl_fail(ASL_EUNSUPPORTED, "cuDNN offers no usable forward convolution "
                    "(ci %d, co %d, kernel %d) in this mode", s->ci, s->co, s->k);
  c->fwd = perf[k].algo;
  c->math_fwd = TC(s) ? perf[k].mathType : CUDNN_FMA_MATH;
  DNN(cudnnSetConvolutionMathType(c->conv, c->math_fwd), "math type");
  DNN(cudnnGetConvolutionForwardWorkspaceSize(h, c->x, c->w, c->conv, c->y, c->fwd, &b),
      "forward workspace");
  if (b > c->ws_bytes) c->ws_bytes = b;
  return ASL_OK;
}

static asl_status choose_data(nn_cuda_conv *c, cudnnHandle_t h,
                              const nn_cuda_conv_shape *s) {
  cudnnConvolutionBwdDataAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
  candidate cand[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
  int n = 0;
  size_t b = 0;
  DNN(cudnnSetConvolutionMathType(c->conv, TC(s) ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH), "math type");
  DNN(cudnnGetConvolutionBackwardDataAlgorithm_v7(h, c->w, c->y, c->conv, c->x,
                                                  CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &n, perf),
      "data-gradient algorithm");
  CANDIDATES(cand, perf, n);
  const int k = pick(cand, n, s, "data-gradient");
  if (k < 0)
    return asl_fail(ASL_EUNSUPPORTED, "cuDNN offers no usable data-gradient "
                    "convolution (ci %d, co %d, kernel %d) in this mode", s->ci, s->co, s->k);
  c->bwd_data = perf[k].algo;
  c->math_data = TC(s) ? perf[k].mathType : CUDNN_FMA_MATH;
  DNN(cudnnSetConvolutionMathType(c->conv, c->math_data), "math type");
  DNN(cudnnGetConvolutionBackwardDataWorkspaceSize(h, c->w, c->y, c->conv, c->x, c->bwd_data, &b),
      "data-gradient workspace");
  if (b > c->ws_bytes) c->ws_bytes = b;
  return ASL_OK;
}

static asl_status choose_filter(nn_cuda_conv *c, cudnnHandle_t h,
                                const nn_cuda_conv_shape *s) {
  cudnnConvolutionBwdFilterAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
  candidate cand[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
  int n = 0;
  size_t b = 0;
  DNN(cudnnSetConvolutionMathType(c->conv, TC(s) ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH), "math type");
  DNN(cudnnGetConvolutionBackwardFilterAlgorithm_v7(h, c->x, c->y, c->conv, c->w,
                                                    CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &n, perf),
      "filter-gradient algorithm");
  CANDIDATES(cand, perf, n);
  const int k = pick(cand, n, s, "filter-gradient");
  if (k < 0)
    return asl_fail(ASL_EUNSUPPORTED, "cuDNN offers no usable filter-gradient "
                    "convolution (ci %d, co %d, kernel %d) in this mode", s->ci, s->co, s->k);
  c->bwd_filter = perf[k].algo;
  c->math_filter = TC(s) ? perf[k].mathType : CUDNN_FMA_MATH;
  DNN(cudnnSetConvolutionMathType(c->conv, c->math_filter), "math type");
  DNN(cudnnGetConvolutionBackwardFilterWorkspaceSize(h, c->x, c->y, c->conv, c->w,
                                                     c->bwd_filter, &b),
      "filter-gradient workspace");
  if (b > c->ws_bytes) c->ws_bytes = b;
  return ASL_OK;
}

asl_status nn_cuda_conv_setup(nn_cuda_conv *c, cudnnHandle_t h,
                              const nn_cuda_conv_shape *s) {
  if (!c->ready) {
    memset(c, 0, sizeof *c);
    DNN(cudnnCreateTensorDescriptor(&c->x), "create descriptor");
    DNN(cudnnCreateTensorDescriptor(&c->y), "create descriptor");
    DNN(cudnnCreateFilterDescriptor(&c->w), "create descriptor");
    DNN(cudnnCreateConvolutionDescriptor(&c->conv), "create descriptor");
    c->ready = 1;
  }
  c->ws_bytes = 0;
  asl_status st = describe(c, s);
  // Inference needs the forward of a convolution and the data gradient of
  // the transposed one; training all three.
  if (!st) st = choose_forward(c, h, s);
  if (!st) st = choose_data(c, h, s);
  c->math_filter = CUDNN_FMA_MATH;
  if (!st && s->train) st = choose_filter(c, h, s);
  return st;
}

void nn_cuda_conv_free(nn_cuda_conv *c) {
  if (!c->ready) return;
  cudnnDestroyTensorDescriptor(c->x);
  cudnnDestroyTensorDescriptor(c->y);
  cudnnDestroyFilterDescriptor(c->w);
  cudnnDestroyConvolutionDescriptor(c->conv);
  c->ready = 0;
}

asl_status nn_cuda_conv_forward(nn_cuda_conv *c, cudnnHandle_t h, void *y,
                                const void *x, const void *w, void *ws,
                                size_t ws_bytes, float beta) {
  const float one = 1.0f;
  DNN(cudnnSetConvolutionMathType(c->conv, c->math_fwd), "math type");
  DNN(cudnnConvolutionForward(h, &one, c->x, x, c->w, w, c->conv, c->fwd, ws,
                              ws_bytes, &beta, c->y, y),
      "convolution forward");
  return ASL_OK;
}

asl_status nn_cuda_conv_backward_data(nn_cuda_conv *c, cudnnHandle_t h,
                                      void *dx, const void *dy,
                                      const void *w, void *ws,
                                      size_t ws_bytes, float beta) {
  const float one = 1.0f;
  DNN(cudnnSetConvolutionMathType(c->conv, c->math_data), "math type");
  DNN(cudnnConvolutionBackwardData(h, &one, c->w, w, c->y, dy, c->conv,
                                   c->bwd_data, ws, ws_bytes, &beta, c->x, dx),
      "convolution data gradient");
  return ASL_OK;
}

asl_status nn_cuda_conv_backward_filter(nn_cuda_conv *c, cudnnHandle_t h,
                                        void *dw, const void *x,
                                        const void *dy, void *ws,
                                        size_t ws_bytes, float beta) {
  const float one = 1.0f;
  DNN(cudnnSetConvolutionMathType(c->conv, c->math_filter), "math type");
  DNN(cudnnConvolutionBackwardFilter(h, &one, c->x, x, c->y, dy, c->conv,
                                     c->bwd_filter, ws, ws_bytes, &beta, c->w, dw),
      "convolution filter gradient");
  return ASL_OK;
}
