// The learning-rate schedule: warm-up ramp, constant plateau, cosine decay,
// against values worked out by hand.
#include <math.h>

#include "harness.h"
#include "nn/optim.h"

TEST(constant_without_warmup_is_the_base_rate) {
  for (int e = 0; e < 10; e++) ASSERT_NEAR(2e-3, nn_lr_at(2e-3, NN_LR_CONSTANT, 0, 10, e), 0);
}

TEST(warmup_ramps_linearly_to_the_base_rate) {
  // 4 warm-up epochs: base/4, base/2, 3 base/4, base; then the plateau.
  ASSERT_NEAR(0.25, nn_lr_at(1.0, NN_LR_CONSTANT, 4, 10, 0), 1e-15);
  ASSERT_NEAR(0.50, nn_lr_at(1.0, NN_LR_CONSTANT, 4, 10, 1), 1e-15);
  ASSERT_NEAR(0.75, nn_lr_at(1.0, NN_LR_CONSTANT, 4, 10, 2), 1e-15);
  ASSERT_NEAR(1.00, nn_lr_at(1.0, NN_LR_CONSTANT, 4, 10, 3), 1e-15);
  ASSERT_NEAR(1.00, nn_lr_at(1.0, NN_LR_CONSTANT, 4, 10, 9), 1e-15);
  ASSERT_NEAR(0.5, nn_lr_at(1.0, NN_LR_COSINE, 2, 10, 0), 1e-15);
}

TEST(cosine_decays_from_base_to_near_zero) {
  // warmup 2 of 10 epochs: the decay spans 8 epochs, e = 2 + k at
  // (1 + cos(pi k / 8)) / 2.
  ASSERT_NEAR(1.0, nn_lr_at(1.0, NN_LR_COSINE, 2, 10, 2), 1e-15);
  ASSERT_NEAR(0.5, nn_lr_at(1.0, NN_LR_COSINE, 2, 10, 6), 1e-12);
  double last = nn_lr_at(1.0, NN_LR_COSINE, 2, 10, 9);
  ASSERT_NEAR(0.5 * (1.0 + cos(3.14159265358979323846 * 7.0 / 8.0)), last, 1e-12);
  ASSERT(last > 0.0 && last < 0.05);
  double prev = 2.0;
  for (int e = 2; e < 10; e++) {
    double lr = nn_lr_at(1.0, NN_LR_COSINE, 2, 10, e);
    ASSERT(lr < prev);
    prev = lr;
  }
  // Scales with the base rate.
  ASSERT_NEAR(3e-3 * 0.5, nn_lr_at(3e-3, NN_LR_COSINE, 2, 10, 6), 1e-15);
}

int main(void) {
  RUN(constant_without_warmup_is_the_base_rate);
  RUN(warmup_ramps_linearly_to_the_base_rate);
  RUN(cosine_decays_from_base_to_near_zero);
  return DONE();
}
