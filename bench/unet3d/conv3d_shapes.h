// The 3x3x3 convolutions of the paper's U-Net at 64x64x32 with 2 input
// channels (docs/engine.md): one row per distinct shape, with how many
// times it occurs in one forward pass. torch_conv3d.py holds the same list.
#ifndef BENCH_CONV3D_SHAPES_H
#define BENCH_CONV3D_SHAPES_H

typedef struct {
  const char *name;
  int ci, co, d, h, w, count;
} bench_conv_shape;

static const bench_conv_shape bench_conv_shapes[] = {
    {"enc0.a", 2, 16, 32, 64, 64, 1},     {"enc0.b", 16, 16, 32, 64, 64, 3},
    {"enc1.a", 16, 32, 16, 32, 32, 1},    {"enc1.b", 32, 32, 16, 32, 32, 3},
    {"enc2.a", 32, 64, 8, 16, 16, 1},     {"enc2.b", 64, 64, 8, 16, 16, 3},
    {"enc3.a", 64, 128, 4, 8, 8, 1},      {"enc3.b", 128, 128, 4, 8, 8, 3},
    {"centre", 128, 128, 2, 4, 4, 3},     {"dec3.a", 256, 128, 4, 8, 8, 1},
    {"dec2.a", 128, 64, 8, 16, 16, 1},    {"dec1.a", 64, 32, 16, 32, 32, 1},
    {"dec0.a", 32, 16, 32, 64, 64, 1},
};
#define BENCH_CONV_NSHAPES ((int)(sizeof bench_conv_shapes / sizeof bench_conv_shapes[0]))

#endif
