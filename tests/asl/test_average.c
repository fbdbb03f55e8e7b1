// Pre-averaging, ground truths and post-averaging on hand-computed series.
#include "asl/average.h"
#include "harness.h"

// A 2x1x1 series of nt frames; voxel 0 of frame t is a[t], voxel 1 is 10*a[t].
static void toy_series(asl_vol *v, const float *a, int nt) {
  ASSERT_OK(asl_vol_init(v, 2, 1, 1, nt));
  for (int t = 0; t < nt; t++) {
    asl_vol_frame(v, t)[0] = a[t];
    asl_vol_frame(v, t)[1] = 10.0f * a[t];
  }
}

static void expect_frames(const asl_vol *v, const double *want, int n) {
  ASSERT_EQ(n, v->nt);
  for (int t = 0; t < n; t++) {
    ASSERT_NEAR(want[t], asl_vol_frame(v, t)[0], 1e-6);
    ASSERT_NEAR(10.0 * want[t], asl_vol_frame(v, t)[1], 1e-5);
  }
}

static const float four[4] = {1, 2, 4, 8};

TEST(windowed_nav2_averages_consecutive_pairs) {
  asl_vol d, out;
  toy_series(&d, four, 4);
  int dropped = -1;
  ASSERT_OK(asl_preaverage(&out, &d, 2, ASL_WINDOWED, 1, &dropped));
  ASSERT_EQ(0, dropped);
  expect_frames(&out, (const double[]){1.5, 6.0}, 2);
  asl_vol_free(&out), asl_vol_free(&d);
}

TEST(interleaved_nav2_averages_stride_two) {
  asl_vol d, out;
  toy_series(&d, four, 4);
  ASSERT_OK(asl_preaverage(&out, &d, 2, ASL_INTERLEAVED, 1, NULL));
  expect_frames(&out, (const double[]){2.5, 5.0}, 2); // (1+4)/2, (2+8)/2
  asl_vol_free(&out), asl_vol_free(&d);
}

TEST(nav_equal_nt_gives_gt100_and_nav1_is_identity) {
  asl_vol d, out;
  toy_series(&d, four, 4);
  for (int s = 0; s < 2; s++) {
    ASSERT_OK(asl_preaverage(&out, &d, 4, (asl_strategy)s, 1, NULL));
    expect_frames(&out, (const double[]){3.75}, 1);
    asl_vol_free(&out);
    ASSERT_OK(asl_preaverage(&out, &d, 1, (asl_strategy)s, 1, NULL));
    expect_frames(&out, (const double[]){1, 2, 4, 8}, 4);
    asl_vol_free(&out);
  }
  asl_vol_free(&d);
}

TEST(ground_truths_of_four_points) {
  asl_vol d, gt;
  toy_series(&d, four, 4);
  ASSERT_OK(asl_ground_truth(&gt, &d, 1.0));
  expect_frames(&gt, (const double[]){3.75}, 1);
  asl_vol_free(&gt);
  ASSERT_OK(asl_ground_truth(&gt, &d, 0.5));
  expect_frames(&gt, (const double[]){1.5}, 1);
  asl_vol_free(&gt);
  ASSERT_OK(asl_ground_truth(&gt, &d, 0.25));
  expect_frames(&gt, (const double[]){1.0}, 1);
  asl_vol_free(&gt), asl_vol_free(&d);
}

TEST(ground_truth_count_floors_and_keeps_one_point) {
  ASSERT_EQ(15, asl_ground_truth_count(30, 0.5));
  ASSERT_EQ(7, asl_ground_truth_count(30, 0.25));
  ASSERT_EQ(3, asl_ground_truth_count(7, 0.5));
  ASSERT_EQ(3, asl_ground_truth_count(10, 0.3)); // 0.3*10 is 2.9999... in binary
  ASSERT_EQ(1, asl_ground_truth_count(3, 0.25));
  ASSERT_EQ(9, asl_ground_truth_count(9, 1.0));
  asl_vol d, gt;
  toy_series(&d, four, 4);
  ASSERT_EQ(ASL_EINVAL, asl_ground_truth(&gt, &d, 0.0));
  ASSERT_EQ(ASL_EINVAL, asl_ground_truth(&gt, &d, 1.5));
  ASSERT(gt.data == NULL);
  asl_vol_free(&d);
}

static const float seven[7] = {0, 1, 2, 3, 4, 5, 6};

TEST(remainder_drop_discards_trailing_points_for_both_strategies) {
  asl_vol d, out;
  toy_series(&d, seven, 7);
  int dropped = 0;
  ASSERT_OK(asl_preaverage(&out, &d, 2, ASL_WINDOWED, 0, &dropped));
  ASSERT_EQ(1, dropped);
  expect_frames(&out, (const double[]){0.5, 2.5, 4.5}, 3);
  asl_vol_free(&out);
  // Interleaved over the first 6 points, stride 3: {0,3}, {1,4}, {2,5}.
  ASSERT_OK(asl_preaverage(&out, &d, 2, ASL_INTERLEAVED, 0, &dropped));
  ASSERT_EQ(1, dropped);
  expect_frames(&out, (const double[]){1.5, 2.5, 3.5}, 3);
  asl_vol_free(&out);
  ASSERT_OK(asl_preaverage(&out, &d, 3, ASL_INTERLEAVED, 0, &dropped));
  ASSERT_EQ(1, dropped);
  expect_frames(&out, (const double[]){2.0, 3.0}, 2); // {0,2,4}, {1,3,5}
  asl_vol_free(&out), asl_vol_free(&d);
}

TEST(remainder_error_and_nav_out_of_range_are_refused) {
  asl_vol d, out;
  toy_series(&d, seven, 7);
  ASSERT_EQ(ASL_EINVAL, asl_preaverage(&out, &d, 2, ASL_WINDOWED, 1, NULL));
  ASSERT(strstr(asl_error_message(), "does not divide Nt = 7") != NULL);
  ASSERT(out.data == NULL);
  ASSERT_EQ(ASL_EINVAL, asl_preaverage(&out, &d, 8, ASL_WINDOWED, 0, NULL));
  ASSERT(strstr(asl_error_message(), "Nav = 8") != NULL);
  ASSERT_EQ(ASL_EINVAL, asl_preaverage(&out, &d, 0, ASL_INTERLEAVED, 0, NULL));
  ASSERT_EQ(3, asl_preaverage_count(7, 2));
  ASSERT(asl_preaverage_count(7, 8) < 0);
  asl_vol_free(&d);
}

// A 3x2x2 series of 8 frames with unrelated values in every voxel.
static void busy_series(asl_vol *v) {
  ASSERT_OK(asl_vol_init(v, 3, 2, 2, 8));
  v->affine[0][3] = -12.5f;
  for (size_t i = 0; i < asl_vol_nvox(v) * 8; i++) v->data[i] = (float)((i * 37) % 23) - 7.0f;
}

TEST(post_average_of_pre_averages_is_gt100_when_nav_times_navpost_is_nt) {
  asl_vol d, gt;
  busy_series(&d);
  ASSERT_OK(asl_ground_truth(&gt, &d, 1.0));
  const int navs[] = {1, 2, 4, 8};
  for (int s = 0; s < 2; s++)
    for (int i = 0; i < 4; i++) {
      asl_vol pre, post;
      ASSERT_OK(asl_preaverage(&pre, &d, navs[i], (asl_strategy)s, 1, NULL));
      int dropped = -1;
      ASSERT_OK(asl_postaverage(&post, &pre, 8 / navs[i], &dropped));
      ASSERT_EQ(0, dropped);
      ASSERT_EQ(1, post.nt);
      for (size_t v = 0; v < asl_vol_nvox(&d); v++) ASSERT_NEAR(gt.data[v], post.data[v], 1e-5);
      ASSERT(post.affine[0][3] == -12.5f);
      asl_vol_free(&pre), asl_vol_free(&post);
    }
  asl_vol_free(&gt), asl_vol_free(&d);
}

TEST(post_average_groups_in_index_order_and_drops_trailing_images) {
  static const float five[5] = {1, 3, 5, 7, 100};
  asl_vol imgs, out;
  toy_series(&imgs, five, 5);
  int dropped = 0;
  ASSERT_OK(asl_postaverage(&out, &imgs, 2, &dropped));
  ASSERT_EQ(1, dropped);
  expect_frames(&out, (const double[]){2.0, 6.0}, 2);
  asl_vol_free(&out);
  ASSERT_OK(asl_postaverage(&out, &imgs, 1, &dropped));
  ASSERT_EQ(0, dropped);
  expect_frames(&out, (const double[]){1, 3, 5, 7, 100}, 5);
  asl_vol_free(&out);
  ASSERT_EQ(ASL_EINVAL, asl_postaverage(&out, &imgs, 6, NULL));
  ASSERT_EQ(ASL_EINVAL, asl_postaverage(&out, &imgs, 0, NULL));
  asl_vol_free(&imgs);
}

TEST(strategy_names_round_trip) {
  asl_strategy s;
  ASSERT_OK(asl_strategy_parse("interleaved", &s));
  ASSERT_EQ(ASL_INTERLEAVED, s);
  ASSERT_STR_EQ("interleaved", asl_strategy_name(s));
  ASSERT_OK(asl_strategy_parse("windowed", &s));
  ASSERT_STR_EQ("windowed", asl_strategy_name(s));
  ASSERT_EQ(ASL_EINVAL, asl_strategy_parse("window", &s));
  ASSERT(strstr(asl_error_message(), "'window'") != NULL);
}

int main(void) {
  RUN(windowed_nav2_averages_consecutive_pairs);
  RUN(interleaved_nav2_averages_stride_two);
  RUN(nav_equal_nt_gives_gt100_and_nav1_is_identity);
  RUN(ground_truths_of_four_points);
  RUN(ground_truth_count_floors_and_keeps_one_point);
  RUN(remainder_drop_discards_trailing_points_for_both_strategies);
  RUN(remainder_error_and_nav_out_of_range_are_refused);
  RUN(post_average_of_pre_averages_is_gt100_when_nav_times_navpost_is_nt);
  RUN(post_average_groups_in_index_order_and_drops_trailing_images);
  RUN(strategy_names_round_trip);
  return DONE();
}
