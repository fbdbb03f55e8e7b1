// The Winograd F(2x2x2, 3x3x3) path of the 3x3x3 convolution
// (engine/src/conv3d_wino.c), forced on shapes that exercise its edges --
// channels off the register block, odd sizes with clipped edge tiles,
// batch 1, runs of more than 16 tiles, chunks spanning samples -- against
// the _ref kernels under every instruction set this CPU runs: the forward
// with bias and the input gradient accumulated into a non-zero array. Also
// the AVX2 and AVX-512 paths bit for bit, thread-count independence, and
// the per-layer rule. The largest relative error seen is printed
// (docs/engine.md quotes it).
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "asl/rng.h"
#include "conv_data.h"
#include "conv3d_wino.h"
#include "harness.h"
#include "nn/conv3d.h"
#include "nn/isa.h"

static const char *const all_isas[] = {"avx512", "avx2", "generic"};
enum { N_ISAS = 3 };

static const shape shapes[] = {
    {1, 3, 5, 5, 6, 7},      // odd everything, one partial tile each way
    {2, 13, 11, 9, 10, 13},  // channels off the 8-row block, batch 2
    {1, 1, 1, 3, 3, 3},      // one channel, 2x2x2 tiles mostly clipped
    {1, 4, 9, 3, 5, 37},     // 19 tiles along x: groups of 16 overhang
    {3, 8, 16, 6, 4, 8},     // chunks of 48 tiles spanning samples
    {2, 16, 16, 8, 16, 16},  // many chunks, split over the team
};
enum { N_SHAPES = (int)(sizeof shapes / sizeof shapes[0]) };

static size_t vol(const shape *s, int C) { return (size_t)s->N * C * s->D * s->H * s->W; }

static float *wino_ws(const shape *s) {
  size_t a = conv3d_wino_workspace_floats(s->N, s->Ci, s->Co, s->D, s->H, s->W, omp_get_max_threads());
  size_t b = conv3d_wino_workspace_floats(s->N, s->Co, s->Ci, s->D, s->H, s->W, omp_get_max_threads());
  size_t n = a > b ? a : b;
  float *ws = malloc(n * sizeof(float));
  for (size_t i = 0; i < n; i++) ws[i] = 1e30f;  // must not reach an output
  return ws;
}

typedef struct {
  float *out, *din;
} wino_result;

// Forward with bias, and the input gradient added to din0 (fixed data).
static wino_result run_wino(const shape *s) {
  float *in = rand_buf(vol(s, s->Ci), 1), *w = rand_buf((size_t)s->Co * s->Ci * 27, 2);
  float *b = rand_buf(s->Co, 3), *g = rand_buf(vol(s, s->Co), 4);
  wino_result r = {malloc(vol(s, s->Co) * sizeof(float)), rand_buf(vol(s, s->Ci), 5)};
  float *ws = wino_ws(s);
  conv3d_wino(r.out, b, 0, in, w, s->Ci, s->Co, 0, s->N, s->D, s->H, s->W, ws);
  conv3d_wino(r.din, NULL, 1, g, w, s->Ci, s->Co, 1, s->N, s->D, s->H, s->W, ws);
  free(ws), free(in), free(w), free(b), free(g);
  return r;
}

static wino_result run_ref(const shape *s) {
  float *in = rand_buf(vol(s, s->Ci), 1), *w = rand_buf((size_t)s->Co * s->Ci * 27, 2);
  float *b = rand_buf(s->Co, 3), *g = rand_buf(vol(s, s->Co), 4);
  wino_result r = {malloc(vol(s, s->Co) * sizeof(float)), rand_buf(vol(s, s->Ci), 5)};
  float *dw = calloc((size_t)s->Co * s->Ci * 27, sizeof(float));
  nn_conv3d_forward_ref(r.out, in, w, b, s->N, s->Ci, s->Co, s->D, s->H, s->W);
  nn_conv3d_backward_ref(r.din, dw, NULL, g, in, w, s->N, s->Ci, s->Co, s->D, s->H, s->W);
  free(dw), free(in), free(w), free(b), free(g);
  return r;
}

static double worst_rel = 0;

// |a - b| <= 1e-4 (1 + |b|), the tolerance of the direct kernels' tests.
static void assert_close(const char *what, const float *a, const float *b, size_t n) {
  for (size_t i = 0; i < n; i++) {
    double err = fabs((double)a[i] - b[i]) / (1.0 + fabs((double)b[i]));
    if (!(err <= 1e-4))
      HARNESS_FAIL("%s %s[%zu]: %.9g vs reference %.9g", nn_isa_name(), what, i, a[i], b[i]);
    if (err > worst_rel) worst_rel = err;
  }
}

TEST(winograd_matches_the_reference_on_odd_shapes_under_every_isa) {
  for (int k = 0; k < N_SHAPES; k++) {
    const shape *s = &shapes[k];
    wino_result want = run_ref(s);
    for (int i = 0; i < N_ISAS; i++) {
      if (!nn_isa_available(all_isas[i])) continue;
      ASSERT_OK(nn_isa_select(all_isas[i]));
      wino_result got = run_wino(s);
      assert_close("out", got.out, want.out, vol(s, s->Co));
      assert_close("din", got.din, want.din, vol(s, s->Ci));
      free(got.out), free(got.din);
    }
    free(want.out), free(want.din);
  }
  printf("     largest |winograd - ref| / (1 + |ref|): %.3g\n", worst_rel);
  ASSERT(worst_rel > 0);  // the comparison saw rounding, so it ran
  ASSERT_OK(nn_isa_select(""));
}

TEST(winograd_avx2_and_avx512_give_identical_bits) {
  if (!nn_isa_available("avx512") || !nn_isa_available("avx2")) {
    printf("     (this CPU lacks avx512 or avx2: nothing to compare)\n");
    return;
  }
  for (int k = 0; k < N_SHAPES; k++) {
    const shape *s = &shapes[k];
    ASSERT_OK(nn_isa_select("avx512"));
    wino_result a = run_wino(s);
    ASSERT_OK(nn_isa_select("avx2"));
    wino_result b = run_wino(s);
    ASSERT(memcmp(a.out, b.out, vol(s, s->Co) * sizeof(float)) == 0);
    ASSERT(memcmp(a.din, b.din, vol(s, s->Ci) * sizeof(float)) == 0);
    free(a.out), free(a.din), free(b.out), free(b.din);
  }
  ASSERT_OK(nn_isa_select(""));
}

TEST(winograd_bits_do_not_depend_on_the_thread_count) {
  const shape *s = &shapes[N_SHAPES - 1];
  int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  wino_result a = run_wino(s);
  omp_set_num_threads(3);
  wino_result b = run_wino(s);
  omp_set_num_threads(saved);
  ASSERT(memcmp(a.out, b.out, vol(s, s->Co) * sizeof(float)) == 0);
  ASSERT(memcmp(a.din, b.din, vol(s, s->Ci) * sizeof(float)) == 0);
  free(a.out), free(a.din), free(b.out), free(b.din);
}

// The U-Net layers it is chosen for (docs/engine.md), whatever the batch,
// and the override.
TEST(winograd_rule_picks_the_measured_layers) {
  unsetenv("ASLSWEEP_WINOGRAD");
  ASSERT(!conv3d_wino_chosen(4, 2, 16, 32, 64, 64));     // enc0.a: 2 channels
  ASSERT(conv3d_wino_chosen(4, 16, 16, 32, 64, 64));     // enc0.b
  ASSERT(conv3d_wino_chosen(1, 16, 16, 32, 64, 64));     // ... at batch 1
  ASSERT(conv3d_wino_chosen(4, 64, 64, 8, 16, 16));      // enc2.b
  ASSERT(!conv3d_wino_chosen(4, 128, 128, 4, 8, 8));     // enc3.b: 32 tiles
  ASSERT(!conv3d_wino_chosen(4, 128, 128, 2, 4, 4));     // centre
  setenv("ASLSWEEP_WINOGRAD", "on", 1);
  ASSERT(conv3d_wino_chosen(4, 128, 128, 2, 4, 4));
  setenv("ASLSWEEP_WINOGRAD", "off", 1);
  ASSERT(!conv3d_wino_chosen(4, 16, 16, 32, 64, 64));
  ASSERT_OK(nn_isa_init());
  setenv("ASLSWEEP_WINOGRAD", "auto", 1);
  ASSERT(conv3d_wino_chosen(4, 16, 16, 32, 64, 64));
  ASSERT_OK(nn_isa_init());
  // A typo is refused, naming the variable and what it accepts.
  setenv("ASLSWEEP_WINOGRAD", "yes", 1);
  ASSERT_EQ(ASL_EINVAL, nn_isa_init());
  ASSERT(strstr(asl_error_message(), "ASLSWEEP_WINOGRAD=yes"));
  ASSERT(strstr(asl_error_message(), "off, on or auto"));
  unsetenv("ASLSWEEP_WINOGRAD");
  ASSERT_OK(nn_isa_init());
}

// Through the public API on a layer the rule sends to Winograd: forward and
// the full backward still match the reference.
TEST(public_convolution_on_a_winograd_layer_matches_the_reference) {
  const shape s = {1, 16, 24, 6, 18, 20};
  ASSERT(conv3d_wino_chosen(s.N, s.Ci, s.Co, s.D, s.H, s.W));
  ASSERT(conv3d_wino_chosen(s.N, s.Co, s.Ci, s.D, s.H, s.W));
  size_t ni = vol(&s, s.Ci), no = vol(&s, s.Co), nw = (size_t)s.Co * s.Ci * 27;
  float *in = rand_buf(ni, 11), *w = rand_buf(nw, 12), *g = rand_buf(no, 13);
  float *out = malloc(no * sizeof(float)), *ref = malloc(no * sizeof(float));
  float *din = calloc(ni, sizeof(float)), *din_ref = calloc(ni, sizeof(float));
  float *dw = calloc(nw, sizeof(float)), *dw_ref = calloc(nw, sizeof(float));
  size_t n = nn_conv3d_workspace_floats(s.N, s.Ci, s.Co, s.D, s.H, s.W, omp_get_max_threads());
  float *ws = malloc(n * sizeof(float));
  for (size_t i = 0; i < n; i++) ws[i] = 1e30f;
  nn_conv3d_forward(out, in, w, NULL, s.N, s.Ci, s.Co, s.D, s.H, s.W, ws);
  nn_conv3d_backward(din, dw, NULL, g, in, w, s.N, s.Ci, s.Co, s.D, s.H, s.W, ws);
  nn_conv3d_forward_ref(ref, in, w, NULL, s.N, s.Ci, s.Co, s.D, s.H, s.W);
  nn_conv3d_backward_ref(din_ref, dw_ref, NULL, g, in, w, s.N, s.Ci, s.Co, s.D, s.H, s.W);
  assert_close("out", out, ref, no);
  assert_close("din", din, din_ref, ni);
  assert_close("dw", dw, dw_ref, nw);
  free(in), free(w), free(g), free(out), free(ref), free(din), free(din_ref);
  free(dw), free(dw_ref), free(ws);
}

int main(void) {
  RUN(winograd_matches_the_reference_on_odd_shapes_under_every_isa);
  RUN(winograd_avx2_and_avx512_give_identical_bits);
  RUN(winograd_bits_do_not_depend_on_the_thread_count);
  RUN(winograd_rule_picks_the_measured_layers);
  RUN(public_convolution_on_a_winograd_layer_matches_the_reference);
  return DONE();
}
