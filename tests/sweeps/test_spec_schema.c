// Each schema rule with a spec that passes it (and the value landing in the
// plan) and one that breaks it (and the exact position reported).
#include <stdlib.h>

#include "harness.h"
#include "spec_helpers.h"

#define BASE "data: {phantom: {subjects: 6, shape: [32, 32, 16], timepoints: 16}}\n" \
             "grid: [32, 32, 16]\nfolds: 2\nsweep: {nav: [2, 4]}\n"

TEST(defaults_fill_every_section) {
  sweep_plan p;
  sweep_diags d;
  ASSERT_OK(load_spec(&p, &d, "data: {phantom: {}}\n", 0, NULL));
  ASSERT_STR_EQ("sweep", p.name);
  ASSERT_EQ(64, p.grid[0]);
  ASSERT_EQ(32, p.grid[2]);
  ASSERT_EQ(4, p.folds);
  ASSERT_EQ(2, p.snr_k);
  ASSERT_EQ(0, p.remainder_error);
  ASSERT_EQ(SWEEP_KEEP_SAMPLE, p.keep_volumes);
  ASSERT_NEAR(0.5, p.gt_fraction[1], 0);
  ASSERT_NEAR(0.25, p.gt_fraction[2], 0);
  ASSERT_EQ(50, p.train.epochs);
  ASSERT_STR_EQ("adam", p.train.optimizer);
  ASSERT_STR_EQ("l1", p.train.loss);
  ASSERT_EQ(0x1f, p.train.augment);
  ASSERT_EQ(3, p.n_metrics);
  ASSERT_STR_EQ("nmae", p.metrics[2]);
  ASSERT_EQ(1, p.n_models);
  ASSERT_STR_EQ("unet3d", p.models[0].kind);
  ASSERT_EQ(12, p.n_subjects);
  ASSERT_EQ(32, p.subject_nt[0]);
  // default axes: 2 strategies x 4 Nav x 2 M0 x 1 group x 1 model x 4 folds
  ASSERT_EQ(1, p.n_experiments);
  ASSERT_STR_EQ("main", p.experiments[0].name);
  ASSERT_EQ(64, p.n_train);
  ASSERT_EQ(64, p.n_infer);
  sweep_plan_free(&p);
  sweep_diags_free(&d);
}

TEST(train_section_is_read_and_checked) {
  sweep_plan p;
  sweep_diags d;
  ASSERT_OK(load_spec(&p, &d,
                      BASE "train: {epochs: 7, batch: 3, optimizer: adamw, lr: 2.5e-4,\n"
                           "  weight_decay: 0.01, loss: ssim, augment: [shift, rotate],\n"
                           "  val_fraction: 0.25, patches_per_volume: 5, early_stop: 3}\n",
                      0, NULL));
  ASSERT_EQ(7, p.train.epochs);
  ASSERT_EQ(3, p.train.batch);
  ASSERT_STR_EQ("adamw", p.train.optimizer);
  ASSERT_NEAR(2.5e-4, p.train.lr, 1e-15);
  ASSERT_STR_EQ("ssim", p.train.loss);
  ASSERT_EQ(SWEEP_AUG_SHIFT | SWEEP_AUG_ROTATE, p.train.augment);
  ASSERT_EQ(5, p.train.patches_per_volume);
  ASSERT_EQ(3, p.train.early_stop);
  sweep_plan_free(&p);
  // Every problem at once, each at its node.
  asl_status st = load_spec(&p, &d,
                            BASE "train:\n  epochs: 0\n  batchsize: 2\n  optimizer: sgd\n"
                                 "  augment: [flip_x, flip_z]\n",
                            0, NULL);
  ASSERT_EQ(ASL_ESPEC, st);
  ASSERT(diag_at(&d, "t.yaml:6:11: error: 0 is out of range"));
  ASSERT(diag_at(&d, "t.yaml:7:3: error: unknown key 'batchsize' in train (did you mean 'batch'?)"));
  ASSERT(diag_at(&d, "t.yaml:8:14: error: unknown value 'sgd'"));
  ASSERT(diag_at(&d, "t.yaml:9:21: error: unknown value 'flip_z' (did you mean 'flip_x'?)"));
  ASSERT_EQ(4, d.n);
  sweep_diags_free(&d);
}

TEST(lr_schedule_and_warmup_are_read_and_checked) {
  sweep_plan p;
  sweep_diags d;
  ASSERT_OK(load_spec(&p, &d, BASE "train: {epochs: 7}\n", 0, NULL));
  ASSERT_STR_EQ("constant", p.train.lr_schedule);
  ASSERT_EQ(0, p.train.warmup_epochs);
  sweep_plan_free(&p);
  ASSERT_OK(load_spec(&p, &d, BASE "train: {epochs: 7, lr_schedule: cosine, warmup_epochs: 2}\n", 0,
                      NULL));
  ASSERT_STR_EQ("cosine", p.train.lr_schedule);
  ASSERT_EQ(2, p.train.warmup_epochs);
  sweep_plan_free(&p);
  asl_status st = load_spec(&p, &d,
                            BASE "train:\n  epochs: 4\n  lr_schedule: cosin\n  warmup_epochs: 4\n",
                            0, NULL);
  ASSERT_EQ(ASL_ESPEC, st);
  ASSERT(diag_at(&d, "t.yaml:7:16: error: unknown value 'cosin' (did you mean 'cosine'?)"));
  ASSERT(diag_at(&d, "t.yaml:8:18: error: warmup_epochs 4 leaves no epoch at the full learning "
                     "rate of 4 epochs; use warmup_epochs < epochs"));
  ASSERT_EQ(2, d.n);
  sweep_diags_free(&d);
}

TEST(unknown_top_level_key_suggests_the_closest) {
  sweep_plan p;
  sweep_diags d;
  ASSERT_EQ(ASL_ESPEC, load_spec(&p, &d, BASE "experimants: {}\n", 0, NULL));
  ASSERT(diag_at(&d, "t.yaml:5:1: error: unknown key 'experimants' in the spec (did you mean "
                     "'experiments'?)"));
  sweep_diags_free(&d);
  // Far from every key: no suggestion.
  ASSERT_EQ(ASL_ESPEC, load_spec(&p, &d, BASE "zzzzzz: 1\n", 0, NULL));
  ASSERT(diag_has(&d, "unknown key 'zzzzzz' in the spec"));
  ASSERT(!diag_has(&d, "did you mean"));
  sweep_diags_free(&d);
}

TEST(models_kinds_params_and_trainability) {
  sweep_plan p;
  sweep_diags d;
  ASSERT_OK(load_spec(&p, &d,
                      BASE "models:\n  small: {kind: unet3d, base_channels: 8}\n"
                           "  vit: {kind: vit3d, patch: 8, dim: 64}\n  id: {kind: identity}\n"
                           "  blur: {kind: gaussian, sigma: 1.5}\n  nl: {kind: nlm}\n",
                      0, NULL));
  ASSERT_EQ(5, p.n_models);
  ASSERT_STR_EQ("small", p.models[0].name);
  ASSERT_EQ(1, p.models[0].n_params);
  ASSERT_STR_EQ("base_channels", p.models[0].params[0].key);
  ASSERT_STR_EQ("8", p.models[0].params[0].value);
  ASSERT_EQ(1, p.models[1].trainable);
  ASSERT_EQ(0, p.models[2].trainable);
  ASSERT_EQ(0, p.models[3].trainable);
  ASSERT_EQ(0, p.models[4].trainable);
  // base_channels 8 costs a quarter of the paper's 16-channel U-Net
  ASSERT_NEAR(1.4e5 / 4, sweep_model_flops_per_voxel(&p.models[0]), 1e-6);
  sweep_plan_free(&p);
  ASSERT_EQ(ASL_ESPEC, load_spec(&p, &d,
                                 BASE "models:\n  a: {kind: unet3d, sigma: 2}\n"
                                      "  b: {kind: identity, depth: 2}\n  c: {kind: gausian}\n",
                                 0, NULL));
  ASSERT(diag_at(&d, "t.yaml:6:21: error: unknown hyper-parameter 'sigma' for unet3d"));
  ASSERT(diag_at(&d, "t.yaml:7:23: error: unknown hyper-parameter 'depth' for identity"));
  ASSERT(diag_at(&d, "t.yaml:8:13: error: unknown value 'gausian' (did you mean 'gaussian'?)"));
  sweep_diags_free(&d);
}

TEST(model_parameters_follow_the_engine) {
  sweep_plan p;
  sweep_diags d;
  ASSERT_OK(load_spec(&p, &d,
                      BASE "models:\n  v: {kind: vit3d, patch: \"8,8,4\", dim: 64, heads: 4}\n"
                           "  n: {kind: nlm, patch: 5, search: 9}\n"
                           "  g: {kind: gaussian, border: zeros}\n",
                      0, NULL));
  // a token covers 8*8*4 voxels: 4 blocks x (8 + 16) x 64^2 / 256 + 4 x 64
  ASSERT_NEAR(4 * 24 * 4096 / 256.0 + 256, sweep_model_flops_per_voxel(&p.models[0]), 1e-9);
  ASSERT_NEAR(2 * 729 * 125, sweep_model_flops_per_voxel(&p.models[1]), 1e-9);
  sweep_plan_free(&p);
  ASSERT_EQ(ASL_ESPEC, load_spec(&p, &d,
                                 BASE "models:\n  v: {kind: vit3d, patch: \"8,8\", dim: 60, heads: 8}\n"
                                      "  n: {kind: nlm, patch: 4}\n"
                                      "  w: {kind: vit3d, patch: 12}\n",
                                 0, NULL));
  ASSERT(diag_at(&d, "t.yaml:6:27: error: vit3d.patch must be one size or \"x,y,z\""));
  ASSERT(diag_at(&d, "t.yaml:6:6: error: model 'v': dim 60 is not a multiple of heads 8"));
  ASSERT(diag_at(&d, "t.yaml:7:25: error: nlm.patch must be odd"));
  ASSERT(diag_at(&d, "t.yaml:2:7: error: grid 32x32x16 does not suit model 'w'"));
  sweep_diags_free(&d);
}

TEST(metrics_subset_in_spec_order) {
  sweep_plan p;
  sweep_diags d;
  ASSERT_OK(load_spec(&p, &d, BASE "metrics: [nmae, ssim]\n", 0, NULL));
  ASSERT_EQ(2, p.n_metrics);
  ASSERT_STR_EQ("nmae", p.metrics[0]);
  ASSERT_STR_EQ("ssim", p.metrics[1]);
  sweep_plan_free(&p);
  ASSERT_EQ(ASL_ESPEC, load_spec(&p, &d, BASE "metrics: [ssim, ssim]\n", 0, NULL));
  ASSERT(diag_at(&d, "t.yaml:5:17: error: 'ssim' is listed twice in metrics"));
  sweep_diags_free(&d);
}

TEST(keep_volumes_takes_none_sample_all_and_refuses_others) {
  sweep_plan p;
  sweep_diags d;
  const char *names[3] = {"none", "sample", "all"};
  int want[3] = {SWEEP_KEEP_NONE, SWEEP_KEEP_SAMPLE, SWEEP_KEEP_ALL};
  for (int k = 0; k < 3; k++) {
    char text[512];
    snprintf(text, sizeof text, BASE "keep_volumes: %s\n", names[k]);
    ASSERT_OK(load_spec(&p, &d, text, 0, NULL));
    ASSERT_EQ(want[k], p.keep_volumes);
    sweep_plan_free(&p);
  }
  ASSERT_EQ(ASL_ESPEC, load_spec(&p, &d, BASE "keep_volumes: every\n", 0, NULL));
  ASSERT(diag_at(&d, "t.yaml:5:15: error: unknown value 'every'"));
  sweep_diags_free(&d);
}

TEST(ground_truth_grid_folds_snr_groups_remainder) {
  sweep_plan p;
  sweep_diags d;
  ASSERT_OK(load_spec(&p, &d,
                      "data: {phantom: {subjects: 9, timepoints: 30}}\ngrid: [48, 48, 16]\n"
                      "folds: 3\nsnr_groups: 3\nremainder: drop\n"
                      "ground_truth: {GT50: 0.6, GT25: 0.3}\nsweep: {nav: [4, 8], snr_group: [g0, g2]}\n",
                      0, NULL));
  ASSERT_EQ(48, p.grid[0]);
  ASSERT_EQ(3, p.folds);
  ASSERT_EQ(3, p.snr_k);
  ASSERT_NEAR(0.6, p.gt_fraction[1], 1e-12);
  ASSERT_STR_EQ("g2", p.experiments[0].axes[3].labels[1]);
  sweep_plan_free(&p);
  // nav 4 and 8 do not divide 30: accepted under drop, refused under error.
  ASSERT_EQ(ASL_ESPEC, load_spec(&p, &d,
                                 "data: {phantom: {subjects: 9, timepoints: 30}}\n"
                                 "remainder: error\nsweep: {nav: [3, 4]}\n",
                                 0, NULL));
  ASSERT(diag_at(&d, "t.yaml:3:18: error: nav 4 does not divide Nt = 30 of sub-01 (and 8 more"));
  ASSERT_EQ(1, d.n);
  sweep_diags_free(&d);
}

TEST(axes_take_single_values_and_refuse_repeats) {
  sweep_plan p;
  sweep_diags d;
  ASSERT_OK(load_spec(&p, &d, BASE "experiments: {main: {strategy: interleaved, m0: true}}\n",
                      0, NULL));
  const sweep_experiment *e = &p.experiments[0];
  ASSERT_EQ(5, e->n_axes);
  ASSERT_EQ(1, e->axes[0].n);
  ASSERT_STR_EQ("interleaved", e->axes[0].labels[0]);
  ASSERT_STR_EQ("on", e->axes[2].labels[0]); // true is M0 on
  sweep_plan_free(&p);
  ASSERT_EQ(ASL_ESPEC, load_spec(&p, &d, BASE "experiments: {main: {nav: [4, 04]}}\n", 0, NULL));
  ASSERT(diag_at(&d, "t.yaml:5:31: error: '4' appears twice on axis 'nav'"));
  sweep_diags_free(&d);
}

int main(void) {
  RUN(defaults_fill_every_section);
  RUN(train_section_is_read_and_checked);
  RUN(lr_schedule_and_warmup_are_read_and_checked);
  RUN(unknown_top_level_key_suggests_the_closest);
  RUN(models_kinds_params_and_trainability);
  RUN(model_parameters_follow_the_engine);
  RUN(metrics_subset_in_spec_order);
  RUN(keep_volumes_takes_none_sample_all_and_refuses_others);
  RUN(ground_truth_grid_folds_snr_groups_remainder);
  RUN(axes_take_single_values_and_refuse_repeats);
  return DONE();
}
