// 3x3x3 3D convolution, stride 1, zero padding 1: the semantics and weight
// layout of PyTorch's Conv3d(Ci, Co, 3, padding=1).
//
//   in:   (N, Ci, D, H, W)
//   w:    (Co, Ci, 3, 3, 3)
//   b:    (Co) or NULL
//   out:  (N, Co, D, H, W)
//
// Two versions of each kernel: a naive `_ref` (loops straight from the
// definition, kept as the oracle for the tests) and a fast one that needs a
// caller-provided workspace and splits its work over the OpenMP team.
// Backward accumulates (+=) into din, dw, db; the caller zeroes them once.
// The fast kernels are deterministic: every output and gradient element is
// summed by one thread in a fixed order, so results are bitwise identical
// run to run and for any OpenMP team size (no float atomics).
#ifndef NN_CONV3D_H
#define NN_CONV3D_H

#include <stddef.h>

// out = conv(in, w) + b. Overwrites out.
void nn_conv3d_forward_ref(float *out, const float *in, const float *w,
                           const float *b, int N, int Ci, int Co, int D, int H,
                           int W);

// din += conv_transpose(dout, w)  (skipped when din is NULL)
// dw  += sum_n dout (x) in        (correlation of dout with in)
// db  += sum over n, d, h, w of dout  (skipped when db is NULL)
void nn_conv3d_backward_ref(float *din, float *dw, float *db,
                            const float *dout, const float *in, const float *w,
                            int N, int Ci, int Co, int D, int H, int W);

// Floats of workspace the fast kernels need for this shape when run by an
// OpenMP team of `threads` threads: pass omp_get_max_threads() as it will
// be at the calls (the Winograd path keeps one tile buffer of
// 64 x 64 (Ci + Co) floats per thread; size again after nn_set_threads).
// Forward and backward share one size. A model allocates the maximum over
// its layers once and reuses it for every call; the contents need not be
// kept between calls. About (Ci + Co) N (D+2)(H+2)(W+2) floats, or
// 28 (Ci + Co) N D H W for the small grids that use im2col (4x8x8).
size_t nn_conv3d_workspace_floats(int N, int Ci, int Co, int D, int H, int W,
                                  int threads);

// Layers with at least 16 channels each way on grids of at least 64 2x2x2
// tiles per sample run the forward and the input gradient as Winograd
// F(2x2x2, 3x3x3) (docs/engine.md; ASLSWEEP_WINOGRAD=off|on overrides).
// Same results as the _ref kernels (within float rounding); `ws` holds at
// least nn_conv3d_workspace_floats(...) floats, aligned as malloc aligns
// (64-byte alignment is a little faster).
// No allocation inside.
void nn_conv3d_forward(float *out, const float *in, const float *w,
                       const float *b, int N, int Ci, int Co, int D, int H,
                       int W, float *ws);
void nn_conv3d_backward(float *din, float *dw, float *db, const float *dout,
                        const float *in, const float *w, int N, int Ci, int Co,
                        int D, int H, int W, float *ws);

#endif
