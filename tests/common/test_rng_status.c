#include "asl/rng.h"
#include "asl/status.h"
#include "harness.h"

TEST(rng_same_seed_same_stream) {
  asl_rng a, b;
  asl_rng_seed(&a, 42);
  asl_rng_seed(&b, 42);
  for (int i = 0; i < 100; i++) ASSERT(asl_rng_next(&a) == asl_rng_next(&b));
}

TEST(rng_key_changes_stream) {
  asl_rng a, b;
  asl_rng_seed_key(&a, 7, "main/nav=4");
  asl_rng_seed_key(&b, 7, "main/nav=8");
  ASSERT(asl_rng_next(&a) != asl_rng_next(&b));
}

TEST(rng_uniform_and_normal_moments) {
  asl_rng r;
  asl_rng_seed(&r, 1);
  double su = 0, sn = 0, sn2 = 0;
  int n = 200000;
  for (int i = 0; i < n; i++) {
    double u = asl_rng_uniform(&r);
    ASSERT(u >= 0 && u < 1);
    su += u;
    double z = asl_rng_normal(&r);
    sn += z;
    sn2 += z * z;
  }
  ASSERT_NEAR(0.5, su / n, 0.005);
  ASSERT_NEAR(0.0, sn / n, 0.01);
  ASSERT_NEAR(1.0, sn2 / n, 0.02);
}

TEST(rng_below_stays_in_range) {
  asl_rng r;
  asl_rng_seed(&r, 3);
  int counts[7] = {0};
  for (int i = 0; i < 70000; i++) counts[asl_rng_below(&r, 7)]++;
  for (int i = 0; i < 7; i++) ASSERT(counts[i] > 9000 && counts[i] < 11000);
}

TEST(status_message_is_kept_per_failure) {
  asl_error_clear();
  ASSERT_STR_EQ("invalid argument", asl_strerror(ASL_EINVAL));
  asl_status s = asl_fail(ASL_EFORMAT, "%s: not a NIfTI file", "x.nii");
  ASSERT_EQ(ASL_EFORMAT, s);
  ASSERT_STR_EQ("x.nii: not a NIfTI file", asl_error_message());
  asl_error_clear();
  ASSERT_STR_EQ("success", asl_error_message());
}

TEST(status_message_can_wrap_the_previous_one) {
  asl_fail(ASL_EIO, "sub-02_asl.nii.gz: truncated");
  asl_fail(ASL_EFORMAT, "job main/nav=4: %s (regenerate the file)", asl_error_message());
  ASSERT_STR_EQ("job main/nav=4: sub-02_asl.nii.gz: truncated (regenerate the file)",
                asl_error_message());
}

int main(void) {
  RUN(rng_same_seed_same_stream);
  RUN(rng_key_changes_stream);
  RUN(rng_uniform_and_normal_moments);
  RUN(rng_below_stays_in_range);
  RUN(status_message_is_kept_per_failure);
  RUN(status_message_can_wrap_the_previous_one);
  return DONE();
}
