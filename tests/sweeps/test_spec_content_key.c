// Content keys (docs/runner.md, "Content keys"): a job's key changes exactly
// when something that decides its result changes.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "spec_helpers.h"

#define BASE                                                                        \
  "seed: 3\ndata: {phantom: {subjects: 4, shape: [24, 24, 12], timepoints: 16}}\n" \
  "grid: [16, 16, 16]\nfolds: 2\ntrain: {epochs: 2}\nsweep: {nav: [2, 4], model: [u, id]}\n" \
  "models: {u: {kind: unet3d, base_channels: 4}, id: {kind: identity}}\n"

static void keyed(sweep_plan *p, const char *text, int n_ov, char **ov) {
  sweep_diags d;
  ASSERT_OK(load_spec(p, &d, text, n_ov, ov));
  sweep_diags_free(&d);
  ASSERT_OK(sweep_plan_content_keys(p));
}

// The content key of the job with `key` in p ("" when there is none).
static const char *ck(const sweep_plan *p, const char *key) {
  int j = find_job(p, key);
  return j >= 0 ? p->jobs[j].content_key : "";
}

#define TRAIN_U "train/strategy=windowed/nav=2/m0=off/train_group=all/train_target=GT100/model=u/fold=0"
#define INFER_U "main/strategy=windowed/nav=2/m0=off/snr_group=all/model=u/fold=0"
#define INFER_ID "main/strategy=windowed/nav=2/m0=off/snr_group=all/model=id/fold=0"

TEST(content_keys_are_32_hex_digits_unique_and_repeatable) {
  sweep_plan a, b;
  keyed(&a, BASE, 0, NULL);
  keyed(&b, BASE, 0, NULL);
  ASSERT(a.n_jobs > 4);
  for (int i = 0; i < a.n_jobs; i++) {
    ASSERT_EQ(SWEEP_CONTENT_KEY_HEX, (int)strlen(a.jobs[i].content_key));
    ASSERT_EQ((int)strlen(a.jobs[i].content_key), (int)strspn(a.jobs[i].content_key, "0123456789abcdef"));
    ASSERT_STR_EQ(a.jobs[i].content_key, b.jobs[i].content_key);
    for (int k = 0; k < i; k++) ASSERT(strcmp(a.jobs[i].content_key, a.jobs[k].content_key) != 0);
  }
  sweep_plan_free(&a);
  sweep_plan_free(&b);
}

TEST(a_training_setting_changes_trained_jobs_only) {
  sweep_plan a, b;
  char *ov[] = {"train.epochs=3"};
  keyed(&a, BASE, 0, NULL);
  keyed(&b, BASE, 1, ov);
  ASSERT(strcmp(ck(&a, TRAIN_U), ck(&b, TRAIN_U)) != 0);
  ASSERT(strcmp(ck(&a, INFER_U), ck(&b, INFER_U)) != 0); // through its upstream key
  ASSERT_STR_EQ(ck(&a, INFER_ID), ck(&b, INFER_ID));      // a baseline trains nothing
  // The part that changed is named in the canonical text.
  char *t = sweep_job_content_text(&b, find_job(&b, TRAIN_U));
  ASSERT(t && strstr(t, "\ntrain.epochs=3\n"));
  free(t);
  sweep_plan_free(&a);
  sweep_plan_free(&b);
}

TEST(adding_a_model_or_nav_leaves_the_other_keys_alone) {
  sweep_plan a, b;
  char *ov[] = {"sweep.nav=[2, 4, 8]", "sweep.model=[u, id, g]", "models.g.kind=gaussian"};
  keyed(&a, BASE, 0, NULL);
  keyed(&b, BASE, 3, ov);
  ASSERT(b.n_jobs > a.n_jobs);
  for (int i = 0; i < a.n_jobs; i++) ASSERT_STR_EQ(a.jobs[i].content_key, ck(&b, a.jobs[i].key));
  sweep_plan_free(&a);
  sweep_plan_free(&b);
}

TEST(writing_out_a_default_does_not_change_the_key) {
  sweep_plan a, b, c;
  char *same[] = {"models.u.depth=4"}, *other[] = {"models.u.base_channels=8"};
  keyed(&a, BASE, 0, NULL);
  keyed(&b, BASE, 1, same);
  keyed(&c, BASE, 1, other);
  ASSERT_STR_EQ(ck(&a, TRAIN_U), ck(&b, TRAIN_U));
  ASSERT(strcmp(ck(&a, TRAIN_U), ck(&c, TRAIN_U)) != 0);
  sweep_plan_free(&a);
  sweep_plan_free(&b);
  sweep_plan_free(&c);
}

TEST(the_seed_and_the_data_change_every_key) {
  sweep_plan a, b, c;
  char *seed[] = {"seed=4"}, *data[] = {"data.phantom.timepoints=32"};
  keyed(&a, BASE, 0, NULL);
  keyed(&b, BASE, 1, seed);
  keyed(&c, BASE, 1, data);
  for (int i = 0; i < a.n_jobs; i++) {
    ASSERT(strcmp(a.jobs[i].content_key, ck(&b, a.jobs[i].key)) != 0);
    ASSERT(strcmp(a.jobs[i].content_key, ck(&c, a.jobs[i].key)) != 0);
  }
  sweep_plan_free(&a);
  sweep_plan_free(&b);
  sweep_plan_free(&c);
}

static void write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  ASSERT(f != NULL);
  fputs(text, f);
  fclose(f);
}

TEST(a_changed_input_file_changes_the_data_fingerprint) {
  char dir[] = "/tmp/aslsweep-ck-XXXXXX", sub[256], file[300];
  ASSERT(mkdtemp(dir) != NULL);
  snprintf(sub, sizeof sub, "%s/sub-01", dir);
  ASSERT_EQ(0, mkdir(sub, 0777));
  snprintf(file, sizeof file, "%s/scan.tsv", sub);
  write_text(file, "volume_type\ncontrol\nlabel\n");
  sweep_plan p = {0};
  p.bids_root = dir;
  ASSERT_OK(sweep_plan_content_keys(&p));
  char first[SWEEP_CONTENT_KEY_HEX + 1];
  memcpy(first, p.data_fingerprint, sizeof first);
  write_text(file, "volume_type\nlabel\ncontrol\n"); // same size, other bytes
  ASSERT_OK(sweep_plan_content_keys(&p));
  ASSERT(strcmp(first, p.data_fingerprint) != 0);
  unlink(file);
  ASSERT_OK(sweep_plan_content_keys(&p));
  ASSERT(strcmp(first, p.data_fingerprint) != 0);
  rmdir(sub);
  rmdir(dir);
}

static void fingerprint(sweep_plan *p, const char *cache, char out[SWEEP_CONTENT_KEY_HEX + 1]) {
  ASSERT_OK(sweep_plan_content_keys_cached(p, cache, cache != NULL));
  memcpy(out, p->data_fingerprint, SWEEP_CONTENT_KEY_HEX + 1);
}

static void forge(const char *cache, const char *file, long long ctime_shift, uint64_t hash) {
  struct stat sb;
  ASSERT_EQ(0, stat(file, &sb));
  FILE *f = fopen(cache, "w");
  ASSERT(f != NULL);
  fprintf(f, "%llu %llu %lld %lld %016llx %s\n", (unsigned long long)sb.st_ino,
          (unsigned long long)sb.st_size,
          (long long)sb.st_mtim.tv_sec * 1000000000LL + sb.st_mtim.tv_nsec,
          (long long)sb.st_ctim.tv_sec * 1000000000LL + sb.st_ctim.tv_nsec + ctime_shift,
          (unsigned long long)hash, file);
  fclose(f);
}

static long file_size(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0 ? (long)sb.st_size : -1;
}

TEST(the_hash_cache_is_used_and_never_trusted_for_a_changed_file) {
  char dir[] = "/tmp/aslsweep-ckc-XXXXXX", file[300], cache[300];
  ASSERT(mkdtemp(dir) != NULL);
  snprintf(file, sizeof file, "%s/scan.tsv", dir);
  snprintf(cache, sizeof cache, "%s/.fingerprints", dir); // hidden: not an input itself
  write_text(file, "volume_type\ncontrol\nlabel\n");
  sweep_plan p = {0};
  p.bids_root = dir;
  char plain[SWEEP_CONTENT_KEY_HEX + 1], cached[SWEEP_CONTENT_KEY_HEX + 1];
  fingerprint(&p, NULL, plain);
  // A file written just now is not remembered: its times could repeat.
  fingerprint(&p, cache, cached);
  ASSERT_STR_EQ(plain, cached);
  ASSERT_EQ(0L, file_size(cache));
  // An entry matching the file's inode, size, mtime and ctime is believed
  // (a forged hash shows the file was not read again) ...
  forge(cache, file, 0, 0x1234);
  fingerprint(&p, cache, cached);
  ASSERT(strcmp(plain, cached) != 0);
  // ... and kept; one whose ctime differs is not.
  ASSERT(file_size(cache) > 0);
  forge(cache, file, -1, 0x1234);
  fingerprint(&p, cache, cached);
  ASSERT_STR_EQ(plain, cached);
  unlink(cache);
  unlink(file);
  rmdir(dir);
}

int main(void) {
  RUN(content_keys_are_32_hex_digits_unique_and_repeatable);
  RUN(a_training_setting_changes_trained_jobs_only);
  RUN(adding_a_model_or_nav_leaves_the_other_keys_alone);
  RUN(writing_out_a_default_does_not_change_the_key);
  RUN(the_seed_and_the_data_change_every_key);
  RUN(a_changed_input_file_changes_the_data_fingerprint);
  RUN(the_hash_cache_is_used_and_never_trusted_for_a_changed_file);
  return DONE();
}
