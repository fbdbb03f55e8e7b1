// Checkpoints: exact round trip, bitwise resume (N steps + save + load + M
// steps == N + M steps), clear errors for corrupt, truncated and foreign
// files, atomic replacement, and bitwise determinism with 2 threads.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "asl/rng.h"
#include "harness.h"
#include "nn/model.h"

enum { GX = 16, GY = 16, GZ = 8, B = 2, V = GX * GY * GZ };
static float xs[B * 2 * V], ys[B * V];
static char path[256];

static nn_model *new_model(uint64_t seed) {
  const int grid[3] = {GX, GY, GZ};
  nn_param p[] = {{"base_channels", "4"}, {"depth", "3"}, {"dropout", "0.05"}};
  nn_model *m;
  if (nn_model_create(&m, "unet3d", 2, grid, p, 3, seed)) return NULL;
  nn_optim_config c;
  nn_optim_config_default(&c);
  c.kind = NN_OPT_ADAMW, c.weight_decay = 0.01f;
  nn_model_set_optimizer(m, &c);
  return m;
}

// Batch `step`: a fixed function of the step, so runs can be replayed.
static void batch(int step) {
  asl_rng r;
  asl_rng_seed_key(&r, 77, "batch");
  for (int k = 0; k < step; k++) asl_rng_next(&r);
  for (int i = 0; i < B * 2 * V; i++) xs[i] = (float)asl_rng_normal(&r);
  for (int i = 0; i < B * V; i++) ys[i] = 0.5f * xs[(i / V) * 2 * V + i % V];
}

static void train(nn_model *m, int from, int to) {
  for (int s = from; s < to; s++) {
    batch(s);
    float loss;
    ASSERT_OK(nn_train_step(m, xs, ys, NULL, B, &loss));
  }
}

static int same_weights(nn_model *a, nn_model *b) {
  size_t n = nn_model_param_count(a);
  return n == nn_model_param_count(b) &&
         memcmp(nn_model_params(a), nn_model_params(b), n * sizeof(float)) == 0;
}

TEST(round_trip_restores_everything) {
  nn_model *m = new_model(1), *l;
  ASSERT(m);
  train(m, 0, 2);
  double blob[3] = {1.5, -2, 3e10}, back[3];
  ASSERT_OK(nn_checkpoint_save(m, path, 7, blob, sizeof blob));
  int epoch = 0;
  ASSERT_OK(nn_checkpoint_load(&l, path, &epoch, back, sizeof back));
  ASSERT_EQ(7, epoch);
  ASSERT(memcmp(blob, back, sizeof blob) == 0);
  ASSERT(same_weights(m, l));
  ASSERT_STR_EQ("unet3d", nn_model_kind(l));
  ASSERT_EQ(2, nn_model_in_channels(l));
  int g[3];
  nn_model_grid(l, g);
  ASSERT(g[0] == GX && g[1] == GY && g[2] == GZ);
  ASSERT(access(path, F_OK) == 0);
  char tmp[300];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  ASSERT(access(tmp, F_OK) != 0); // renamed away
  nn_model_free(m);
  nn_model_free(l);
}

TEST(resume_after_save_and_load_is_bitwise_identical) {
  nn_model *straight = new_model(9), *first = new_model(9), *resumed;
  train(straight, 0, 5);
  train(first, 0, 3);
  ASSERT_OK(nn_checkpoint_save(first, path, 3, NULL, 0));
  nn_model_free(first);
  ASSERT_OK(nn_checkpoint_load(&resumed, path, NULL, NULL, 0));
  train(resumed, 3, 5);
  ASSERT(same_weights(straight, resumed));
  float a, b; // inference mode uses the BN running statistics
  batch(9);
  ASSERT_OK(nn_eval_loss(straight, xs, ys, NULL, B, &a));
  ASSERT_OK(nn_eval_loss(resumed, xs, ys, NULL, B, &b));
  ASSERT(a == b);
  nn_model_free(straight);
  nn_model_free(resumed);
}

static unsigned char *slurp(size_t *n) {
  FILE *f = fopen(path, "rb");
  fseek(f, 0, SEEK_END);
  *n = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *b = malloc(*n);
  ASSERT(fread(b, 1, *n, f) == *n);
  fclose(f);
  return b;
}

TEST(corrupt_truncated_and_foreign_files_give_clear_errors) {
  nn_model *m = new_model(2), *l = NULL;
  ASSERT_OK(nn_checkpoint_save(m, path, 1, NULL, 0));
  size_t n;
  unsigned char *b = slurp(&n), *c = malloc(n);
  memcpy(c, b, n);
  c[n / 2] ^= 0x40;
  ASSERT_EQ(ASL_ECHECKSUM, nn_checkpoint_load_mem(&l, c, n, "flip.ckpt", NULL, NULL, 0));
  ASSERT(strstr(asl_error_message(), "flip.ckpt") && l == NULL);
  for (size_t cut = 0; cut < n; cut += n / 7 + 1)
    ASSERT(nn_checkpoint_load_mem(&l, b, cut, "cut", NULL, NULL, 0) != ASL_OK && !l);
  memcpy(c, b, n);
  c[0] = 'X';
  ASSERT_EQ(ASL_EFORMAT, nn_checkpoint_load_mem(&l, c, n, "magic", NULL, NULL, 0));
  ASSERT(strstr(asl_error_message(), "not an aslsweep checkpoint"));
  int user = 0;
  ASSERT_EQ(ASL_EFORMAT, nn_checkpoint_load_mem(&l, b, n, "blob", NULL, &user, sizeof user));
  ASSERT(strstr(asl_error_message(), "caller state"));
  ASSERT_EQ(ASL_EIO, nn_checkpoint_load(&l, "/nonexistent/x.ckpt", NULL, NULL, 0));
  ASSERT(strstr(asl_error_message(), "/nonexistent/x.ckpt"));
  free(b);
  free(c);
  nn_model_free(m);
}

TEST(interrupted_save_leaves_the_previous_checkpoint) {
  nn_model *m = new_model(3), *l;
  ASSERT_OK(nn_checkpoint_save(m, path, 4, NULL, 0));
  // A writer killed mid-way leaves only a partial PATH.tmp behind.
  char tmp[300];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE *f = fopen(tmp, "wb");
  fputs("ASLNNCKP partial", f);
  fclose(f);
  int epoch = 0;
  ASSERT_OK(nn_checkpoint_load(&l, path, &epoch, NULL, 0));
  ASSERT_EQ(4, epoch);
  nn_model_free(l);
  // A save into a folder that does not exist fails and touches nothing.
  ASSERT_EQ(ASL_EIO, nn_checkpoint_save(m, "/nonexistent/dir/m.ckpt", 1, NULL, 0));
  ASSERT_OK(nn_checkpoint_save(m, path, 5, NULL, 0)); // replaces the stale tmp
  ASSERT_OK(nn_checkpoint_load(&l, path, &epoch, NULL, 0));
  ASSERT_EQ(5, epoch);
  nn_model_free(l);
  nn_model_free(m);
}

TEST(same_seed_and_two_threads_give_bitwise_identical_weights) {
  nn_set_threads(2);
  nn_model *a = new_model(11), *b = new_model(11), *c = new_model(12);
  train(a, 0, 3);
  train(b, 0, 3);
  train(c, 0, 3);
  ASSERT(same_weights(a, b));
  ASSERT(!same_weights(a, c)); // the seed matters
  nn_model_free(a);
  nn_model_free(b);
  nn_model_free(c);
  nn_set_threads(1);
}

TEST(baseline_checkpoints_round_trip) {
  const int grid[3] = {10, 9, 7};
  nn_param p[] = {{"sigma", "1.5"}, {"border", "zeros"}};
  nn_model *m, *l;
  ASSERT_OK(nn_model_create(&m, "gaussian", 1, grid, p, 2, 1));
  ASSERT_OK(nn_checkpoint_save(m, path, 0, NULL, 0));
  ASSERT_OK(nn_checkpoint_load(&l, path, NULL, NULL, 0));
  ASSERT_STR_EQ("gaussian", nn_model_kind(l));
  ASSERT(nn_model_flops(l, 10, 9, 7) == nn_model_flops(m, 10, 9, 7));
  nn_model_free(m);
  nn_model_free(l);
}

// The fuzz seed corpus is written by an independent Python writer of the
// format (make_checkpoint_corpus.py): its valid files must load, the broken
// ones must fail with the right code.
TEST(independently_written_files_load_and_broken_ones_fail) {
  const char *root = getenv("ASLSWEEP_SOURCE_DIR");
  ASSERT(root);
  char f[1024];
  nn_model *m;
  char blob[17];
  int epoch = 0;
  snprintf(f, sizeof f, "%s/tests/fuzz/corpus/checkpoint/unet_tiny.ckpt", root);
  ASSERT_OK(nn_checkpoint_load(&m, f, &epoch, blob, sizeof blob));
  ASSERT_EQ(2, epoch);
  ASSERT(memcmp(blob, "runner-state-0123", 17) == 0);
  ASSERT_NEAR(0.01, nn_model_params(m)[0], 1e-9);
  nn_model_free(m);
  const char *ok[] = {"identity.ckpt", "gaussian.ckpt"};
  for (int i = 0; i < 2; i++) {
    snprintf(f, sizeof f, "%s/tests/fuzz/corpus/checkpoint/%s", root, ok[i]);
    ASSERT_OK(nn_checkpoint_load(&m, f, NULL, NULL, 0));
    nn_model_free(m);
  }
  struct { const char *file; asl_status s; const char *says; } bad[] = {
      {"truncated.ckpt", ASL_ECHECKSUM, "checksum"},
      {"bad_magic.ckpt", ASL_EFORMAT, "magic"},
      {"version2.ckpt", ASL_EFORMAT, "version 2"},
      {"lying_sizes.ckpt", ASL_EFORMAT, "sizes"},
      {"unknown_key.ckpt", ASL_EFORMAT, "unknown parameter 'radius'"}};
  for (int i = 0; i < 5; i++) {
    snprintf(f, sizeof f, "%s/tests/fuzz/corpus/checkpoint/%s", root, bad[i].file);
    ASSERT_EQ(bad[i].s, nn_checkpoint_load(&m, f, NULL, NULL, 0));
    if (!strstr(asl_error_message(), bad[i].says) || !strstr(asl_error_message(), bad[i].file))
      HARNESS_FAIL("%s: unexpected message: %s", bad[i].file, asl_error_message());
  }
}

int main(void) {
  nn_set_threads(1); // tiny grids: a team would mostly wait
  snprintf(path, sizeof path, "/tmp/aslsweep_test_ckpt_%d.ckpt", (int)getpid());
  RUN(round_trip_restores_everything);
  RUN(resume_after_save_and_load_is_bitwise_identical);
  RUN(corrupt_truncated_and_foreign_files_give_clear_errors);
  RUN(interrupted_save_leaves_the_previous_checkpoint);
  RUN(same_seed_and_two_threads_give_bitwise_identical_weights);
  RUN(baseline_checkpoints_round_trip);
  RUN(independently_written_files_load_and_broken_ones_fail);
  char tmp[300];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  unlink(path);
  unlink(tmp);
  return DONE();
}
