// Run-time choice of the kernel instruction set (nn/isa.h): the override and
// its errors, every variant this CPU runs against the _ref convolution on
// odd shapes, avx2 == avx512 bitwise, and bitwise reproducible training per
// variant. The last bits between generic and the FMA variants are printed
// (docs/engine.md quotes them).
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "asl/rng.h"
#include "conv_data.h"
#include "harness.h"
#include "nn/conv3d.h"
#include "nn/isa.h"
#include "nn/model.h"

static const char *const all_isas[] = {"avx512", "avx2", "generic"};
enum { N_ISAS = 3 };

// Runs first, before anything has chosen a variant: the environment
// override, a bad value refused by nn_isa_init and by model creation.
TEST(bad_aslsweep_isa_is_refused_naming_what_this_cpu_supports) {
  setenv("ASLSWEEP_ISA", "avx9000", 1);
  ASSERT_EQ(ASL_EINVAL, nn_isa_init());
  const char *msg = asl_error_message();
  ASSERT(strstr(msg, "ASLSWEEP_ISA=avx9000"));
  ASSERT(strstr(msg, "unknown"));
  ASSERT(strstr(msg, nn_isa_supported()));
  nn_model *m = NULL;
  const int grid[3] = {16, 16, 16};
  ASSERT_EQ(ASL_EINVAL, nn_model_create(&m, "unet3d", 1, grid, NULL, 0, 1));
  ASSERT(m == NULL);
  setenv("ASLSWEEP_ISA", "generic", 1);
  ASSERT_OK(nn_isa_init());
  ASSERT(strcmp(nn_isa_name(), "generic") == 0);
  unsetenv("ASLSWEEP_ISA");
}

// Each known name is accepted exactly when this CPU runs it; a refusal
// names the missing set and the supported ones; "" picks the best.
TEST(select_accepts_exactly_the_supported_variants) {
  ASSERT(nn_isa_available("generic"));
  ASSERT(!nn_isa_available("sse9"));
  for (int i = 0; i < N_ISAS; i++) {
    int ok = nn_isa_available(all_isas[i]);
    asl_status s = nn_isa_select(all_isas[i]);
    ASSERT_EQ(ok ? ASL_OK : ASL_EINVAL, s);
    if (ok) ASSERT(strcmp(nn_isa_name(), all_isas[i]) == 0);
    else ASSERT(strstr(asl_error_message(), "this CPU lacks it"));
    ASSERT_EQ(ok, strstr(nn_isa_supported(), all_isas[i]) != NULL);
  }
  ASSERT_OK(nn_isa_select(""));
  ASSERT(strncmp(nn_isa_supported(), nn_isa_name(), strlen(nn_isa_name())) == 0);
  printf("     this CPU supports %s\n", nn_isa_supported());
}

// Padded and im2col layouts, channels below, at and past a register block
// (8 forward, 3 weight-gradient), one channel, batch 1, thin edges.
static const shape shapes[] = {
    {1, 3, 5, 5, 6, 7},     // im2col, 5 rows: both 4-row sub-blocks
    {2, 5, 11, 9, 10, 13},  // padded, batch 2, 8 + 3 rows
    {1, 1, 1, 8, 9, 17},    // padded, one channel each way
    {1, 9, 4, 3, 3, 3},     // im2col, tiny grid
    {1, 8, 16, 4, 3, 20},   // whole blocks, thin z and y
    {2, 8, 4, 8, 16, 16},   // the last decoder conv of the small U-Net
};
enum { N_SHAPES = (int)(sizeof shapes / sizeof shapes[0]) };

typedef struct {
  float *out, *din, *dw, *db;
} conv_result;

static void conv_free(conv_result *r) { free(r->out), free(r->din), free(r->dw), free(r->db); }

// Forward and backward of shape s with the fast kernels (ref = 0) or the
// reference (ref = 1), on fixed random data.
static conv_result conv_run(const shape *s, int ref) {
  size_t ni = (size_t)s->N * s->Ci * s->D * s->H * s->W;
  size_t no = (size_t)s->N * s->Co * s->D * s->H * s->W, nw = (size_t)s->Co * s->Ci * 27;
  float *in = rand_buf(ni, 1), *w = rand_buf(nw, 2), *b = rand_buf(s->Co, 3), *g = rand_buf(no, 4);
  conv_result r = {malloc(no * sizeof(float)), calloc(ni, sizeof(float)),
                   calloc(nw, sizeof(float)), calloc(s->Co, sizeof(float))};
  if (ref) {
    nn_conv3d_forward_ref(r.out, in, w, b, s->N, s->Ci, s->Co, s->D, s->H, s->W);
    nn_conv3d_backward_ref(r.din, r.dw, r.db, g, in, w, s->N, s->Ci, s->Co, s->D, s->H, s->W);
  } else {
    size_t n = nn_conv3d_workspace_floats(s->N, s->Ci, s->Co, s->D, s->H, s->W,
                                          omp_get_max_threads());
    float *ws = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) ws[i] = 1e30f;  // must not be read unset
    nn_conv3d_forward(r.out, in, w, b, s->N, s->Ci, s->Co, s->D, s->H, s->W, ws);
    nn_conv3d_backward(r.din, r.dw, r.db, g, in, w, s->N, s->Ci, s->Co, s->D, s->H, s->W, ws);
    free(ws);
  }
  free(in), free(w), free(b), free(g);
  return r;
}

static void assert_close(const char *what, const float *a, const float *b, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!(fabs((double)a[i] - b[i]) <= 1e-4 * (1.0 + fabs((double)b[i]))))
      HARNESS_FAIL("%s %s[%zu]: %.9g vs reference %.9g", nn_isa_name(), what, i, a[i], b[i]);
}

TEST(every_variant_matches_the_reference_on_odd_shapes) {
  for (int k = 0; k < N_SHAPES; k++) {
    const shape *s = &shapes[k];
    size_t ni = (size_t)s->N * s->Ci * s->D * s->H * s->W;
    size_t no = (size_t)s->N * s->Co * s->D * s->H * s->W;
    conv_result want = conv_run(s, 1);
    for (int i = 0; i < N_ISAS; i++) {
      if (!nn_isa_available(all_isas[i])) continue;
      ASSERT_OK(nn_isa_select(all_isas[i]));
      conv_result got = conv_run(s, 0);
      assert_close("out", got.out, want.out, no);
      assert_close("din", got.din, want.din, ni);
      assert_close("dw", got.dw, want.dw, (size_t)s->Co * s->Ci * 27);
      assert_close("db", got.db, want.db, s->Co);
      conv_free(&got);
    }
    conv_free(&want);
  }
  ASSERT_OK(nn_isa_select(""));
}

// The AVX2 kernels sum in the AVX-512 order: identical bits, not just close.
TEST(avx2_and_avx512_give_identical_bits) {
  if (!nn_isa_available("avx512") || !nn_isa_available("avx2")) {
    printf("     (this CPU lacks avx512 or avx2: nothing to compare)\n");
    return;
  }
  for (int k = 0; k < N_SHAPES; k++) {
    const shape *s = &shapes[k];
    size_t ni = (size_t)s->N * s->Ci * s->D * s->H * s->W;
    size_t no = (size_t)s->N * s->Co * s->D * s->H * s->W;
    ASSERT_OK(nn_isa_select("avx512"));
    conv_result a = conv_run(s, 0);
    ASSERT_OK(nn_isa_select("avx2"));
    conv_result b = conv_run(s, 0);
    ASSERT(memcmp(a.out, b.out, no * sizeof(float)) == 0);
    ASSERT(memcmp(a.din, b.din, ni * sizeof(float)) == 0);
    ASSERT(memcmp(a.dw, b.dw, (size_t)s->Co * s->Ci * 27 * sizeof(float)) == 0);
    conv_free(&a), conv_free(&b);
  }
  ASSERT_OK(nn_isa_select(""));
}

// ---- training: same seed, threads and ISA -> same weights -----------------
enum { TX = 16, TY = 16, TZ = 8, TB = 2, TV = TX * TY * TZ, STEPS = 2 };

// Weights of a small U-Net after STEPS Adam steps on fixed data (caller
// frees), with the loss of the last step.
static float *train_small(size_t *n, float *loss) {
  const int grid[3] = {TX, TY, TZ};
  nn_param p[] = {{"base_channels", "3"}, {"depth", "3"}, {"dropout", "0"}};
  nn_model *m;
  ASSERT_OK(nn_model_create(&m, "unet3d", 2, grid, p, 3, 42));
  nn_optim_config oc;
  nn_optim_config_default(&oc);
  ASSERT_OK(nn_model_set_optimizer(m, &oc));
  float *x = rand_buf(TB * 2 * TV, 5), *y = rand_buf(TB * TV, 6);
  for (int s = 0; s < STEPS; s++) ASSERT_OK(nn_train_step(m, x, y, NULL, TB, loss));
  *n = nn_model_param_count(m);
  float *w = malloc(*n * sizeof(float));
  memcpy(w, nn_model_params(m), *n * sizeof(float));
  nn_model_free(m);
  free(x), free(y);
  return w;
}

TEST(training_is_bitwise_reproducible_for_each_variant) {
  nn_set_threads(2);
  float *first[N_ISAS] = {0}, loss[N_ISAS] = {0};
  size_t n = 0;
  for (int i = 0; i < N_ISAS; i++) {
    if (!nn_isa_available(all_isas[i])) continue;
    ASSERT_OK(nn_isa_select(all_isas[i]));
    float again_loss;
    first[i] = train_small(&n, &loss[i]);
    float *again = train_small(&n, &again_loss);
    ASSERT(memcmp(first[i], again, n * sizeof(float)) == 0);
    free(again);
  }
  // The FMA variants agree bit for bit; generic only to rounding.
  if (first[0] && first[1]) ASSERT(memcmp(first[0], first[1], n * sizeof(float)) == 0);
  int best = first[0] ? 0 : first[1] ? 1 : 2;
  if (best != 2) {
    double dmax = 0;
    for (size_t k = 0; k < n; k++) {
      double d = fabs((double)first[best][k] - first[2][k]);
      if (d > dmax) dmax = d;
    }
    printf("     generic vs %s after %d Adam steps: max |dw| %.3g, loss %.9g vs %.9g\n",
           all_isas[best], STEPS, dmax, loss[2], loss[best]);
    ASSERT(dmax < 1e-2);  // Adam steps are at most ~lr (1e-3) each
    ASSERT_NEAR(loss[best], loss[2], 1e-4 * fabs(loss[best]));
  }
  for (int i = 0; i < N_ISAS; i++) free(first[i]);
  ASSERT_OK(nn_isa_select(""));
}

int main(void) {
  RUN(bad_aslsweep_isa_is_refused_naming_what_this_cpu_supports);
  RUN(select_accepts_exactly_the_supported_variants);
  RUN(every_variant_matches_the_reference_on_odd_shapes);
  RUN(avx2_and_avx512_give_identical_bits);
  RUN(training_is_bitwise_reproducible_for_each_variant);
  return DONE();
}
