// Winograd F(2x2x2, 3x3x3) path of the 3x3x3 convolution (conv3d_wino.c).
#ifndef NN_CONV3D_WINO_H
#define NN_CONV3D_WINO_H

#include <stddef.h>

// 1 when the Winograd path is used for a convolution of Cin input and Cout
// output channels on N samples of D x H x W (the same answer on every
// instruction set, so the FMA variants keep computing the same bits).
int conv3d_wino_chosen(int N, int Cin, int Cout, int D, int H, int W);

// Floats of workspace conv3d_wino needs with `threads` threads (one tile
// buffer per thread: pass omp_get_max_threads() of the calling thread).
size_t conv3d_wino_workspace_floats(int N, int Cin, int Cout, int D, int H,
                                    int W, int threads);

// flip = 0: out (N, Co, D, H, W) = conv(in (N, Ci, ...), w) + b.
// flip = 1: out (N, Ci, ...) += the input gradient of dout = in (N, Co, ...).
// w is (Co, Ci, 27) either way; accumulate adds into out instead of storing.
void conv3d_wino(float *out, const float *b, int accumulate, const float *in,
                 const float *w, int Ci, int Co, int flip, int N, int D, int H,
                 int W, float *ws);

#endif
