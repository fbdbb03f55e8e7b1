// Expansion of specs into the job DAG: counts, order, keys, seeds, shared
// train jobs, baselines, coordinates, exclude/include, post-averaging, costs
// and the subject folds.
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"
#include "spec_helpers.h"

#define DATA "data: {phantom: {subjects: 6, shape: [32, 32, 16], timepoints: 16}}\n" \
             "grid: [32, 32, 16]\nfolds: 2\n"
#define MODELS "models: {unet: {kind: unet3d, base_channels: 8}, id: {kind: identity}}\n"

TEST(train_jobs_first_and_infer_jobs_point_at_their_condition) {
  sweep_plan p;
  sweep_diags d;
  ASSERT_OK(load_spec(&p, &d, DATA MODELS "sweep: {nav: [2, 4], snr_group: all}\n", 0, NULL));
  // 2 strategies x 2 Nav x 2 M0 x 1 group x 2 folds, U-Net only for training
  ASSERT_EQ(16, p.n_train);
  ASSERT_EQ(32, p.n_infer);
  for (int i = 0; i < p.n_jobs; i++) {
    const sweep_job *j = &p.jobs[i];
    ASSERT_EQ(i < p.n_train ? SWEEP_JOB_TRAIN : SWEEP_JOB_INFER, j->kind);
    if (j->kind == SWEEP_JOB_TRAIN) {
      ASSERT_EQ(-1, j->experiment);
      continue;
    }
    ASSERT_EQ(0, j->experiment);
    if (!p.models[j->cond.model].trainable) {
      ASSERT_EQ(-1, j->train_job);
      continue;
    }
    const sweep_job *t = &p.jobs[j->train_job];
    ASSERT(j->train_job < p.n_train);
    ASSERT_STR_EQ(j->cond.strategy, t->cond.strategy);
    ASSERT_EQ(j->cond.nav, t->cond.nav);
    ASSERT_EQ(j->cond.m0, t->cond.m0);
    ASSERT_EQ(j->cond.fold, t->cond.fold);
    ASSERT_EQ(j->cond.model, t->cond.model);
  }
  int k = find_job(&p, "main/strategy=interleaved/nav=4/m0=on/snr_group=all/model=unet/fold=1");
  ASSERT(k >= 0);
  ASSERT_STR_EQ("train/strategy=interleaved/nav=4/m0=on/train_group=all/train_target=GT100/"
                "model=unet/fold=1",
                p.jobs[p.jobs[k].train_job].key);
  // coords index the experiment's axes: strategy, nav, m0, snr_group, model
  const sweep_experiment *e = &p.experiments[0];
  ASSERT_EQ(5, e->n_axes);
  const char *want[] = {"interleaved", "4", "on", "all", "unet"};
  for (int a = 0; a < 5; a++) ASSERT_STR_EQ(want[a], e->axes[a].labels[p.jobs[k].coords[a]]);
  sweep_plan_free(&p);
  sweep_diags_free(&d);
}

TEST(seeds_follow_keys_not_order) {
  sweep_plan a, b, c;
  sweep_diags d;
  ASSERT_OK(load_spec(&a, &d, "seed: 5\n" DATA MODELS "sweep: {nav: [2, 4]}\n", 0, NULL));
  ASSERT_OK(load_spec(&b, &d, "seed: 5\n" DATA MODELS "sweep: {nav: [4, 2], model: [id, unet]}\n",
                      0, NULL));
  ASSERT_OK(load_spec(&c, &d, "seed: 6\n" DATA MODELS "sweep: {nav: [2, 4]}\n", 0, NULL));
  ASSERT_EQ(a.n_jobs, b.n_jobs);
  int differ = 0, moved = 0;
  for (int i = 0; i < a.n_jobs; i++) {
    int j = find_job(&b, a.jobs[i].key);
    ASSERT(j >= 0);
    moved += j != i;
    ASSERT(a.jobs[i].seed == b.jobs[j].seed);
    differ += a.jobs[i].seed != c.jobs[i].seed;
  }
  ASSERT(moved > 0);            // the order did change
  ASSERT_EQ(a.n_jobs, differ);  // and the spec seed changes every job seed
  sweep_plan_free(&a);
  sweep_plan_free(&b);
  sweep_plan_free(&c);
  sweep_diags_free(&d);
}

TEST(paper_example_job_counts_match_docs) {
  char path[4096];
  const char *src = getenv("ASLSWEEP_SOURCE_DIR");
  snprintf(path, sizeof path, "%s/examples/paper.yaml", src ? src : ".");
  sweep_plan p;
  sweep_diags d;
  ASSERT_OK(sweep_plan_load(&p, &d, path, 0, NULL));
  // docs/spec.md, "Job counts of examples/paper.yaml"
  ASSERT_EQ(672, p.n_train);
  ASSERT_EQ(1664, p.n_infer);
  int per[4] = {0};
  for (int i = p.n_train; i < p.n_jobs; i++) per[p.jobs[i].experiment]++;
  ASSERT_EQ(960, per[0]);
  ASSERT_EQ(256, per[1]);
  ASSERT_EQ(192, per[2]);
  ASSERT_EQ(256, per[3]);
  // SNR matching trains nothing new: every train job is main's.
  int k = find_job(&p, "snr_matching/strategy=windowed/nav=4/m0=off/model=unet3d/"
                       "train_snr_group=low/test_snr_group=high/fold=3");
  ASSERT(k >= 0);
  ASSERT_STR_EQ("train/strategy=windowed/nav=4/m0=off/train_group=low/train_target=GT100/"
                "model=unet3d/fold=3",
                p.jobs[p.jobs[k].train_job].key);
  ASSERT_STR_EQ("high", p.jobs[k].cond.test_group);
  ASSERT_STR_EQ("low", p.jobs[k].cond.train_group);
  const sweep_experiment *post = find_experiment(&p, "post_averaging");
  ASSERT(post != NULL);
  ASSERT_STR_EQ("nav_post", post->axes[5].name);
  sweep_plan_free(&p);
  sweep_diags_free(&d);
}

TEST(generalization_trains_per_target_and_infers_per_input) {
  sweep_plan p;
  sweep_diags d;
  ASSERT_OK(load_spec(&p, &d,
                      DATA MODELS "experiments:\n  gen:\n    nav: 4\n    strategy: windowed\n"
                                  "    m0: on\n    model: unet\n"
                                  "    train_target: [GT25, GT50, GT100]\n"
                                  "    test_input: [GT25, GT50]\n",
                      0, NULL));
  ASSERT_EQ(3 * 2, p.n_train);     // targets x folds
  ASSERT_EQ(3 * 2 * 2, p.n_infer); // x test inputs
  int k = find_job(&p, "gen/strategy=windowed/nav=4/m0=on/snr_group=all/model=unet/"
                       "train_target=GT50/test_input=GT25/fold=0");
  ASSERT(k >= 0);
  ASSERT_STR_EQ("GT50", p.jobs[p.jobs[k].train_job].cond.train_target);
  ASSERT_STR_EQ("GT25", p.jobs[k].cond.test_input);
  sweep_plan_free(&p);
  sweep_diags_free(&d);
}

TEST(post_averaging_holds_the_product_and_refuses_gt100) {
  sweep_plan p;
  sweep_diags d;
  ASSERT_OK(load_spec(&p, &d,
                      DATA MODELS "sweep: {strategy: windowed, m0: off, model: unet}\n"
                                  "experiments:\n  main: {nav: [2, 4, 8]}\n"
                                  "  post: {nav: [1, 2, 4, 8], product: 8}\n",
                      0, NULL));
  const sweep_experiment *e = find_experiment(&p, "post");
  ASSERT_EQ(6, e->n_axes);
  ASSERT_EQ(4, e->axes[5].n); // nav_post 8, 4, 2, 1
  // main: 3 Nav x 2 folds trained; post adds only Nav 1
  ASSERT_EQ(8, p.n_train);
  ASSERT_EQ(6 + 8, p.n_infer);
  int k = find_job(&p, "post/strategy=windowed/nav=2/m0=off/snr_group=all/model=unet/nav_post=4/fold=1");
  ASSERT(k >= 0);
  ASSERT_EQ(4, p.jobs[k].cond.nav_post);
  ASSERT(find_job(&p, "post/strategy=windowed/nav=2/m0=off/snr_group=all/model=unet/nav_post=2/fold=1") < 0);
  sweep_plan_free(&p);
  ASSERT_EQ(ASL_ESPEC, load_spec(&p, &d,
                                 DATA MODELS "experiments:\n  post:\n    nav: [2, 4]\n"
                                             "    product: 16\n",
                                 0, NULL));
  ASSERT(diag_at(&d, "t.yaml:8:14: error: nav 2 x nav_post 8 = Nt = 16"));
  ASSERT(diag_has(&d, "GT100 itself"));
  sweep_diags_free(&d);
}

TEST(exclude_drops_and_include_adds_combinations) {
  sweep_plan p;
  sweep_diags d;
  ASSERT_OK(load_spec(&p, &d,
                      DATA MODELS "sweep: {nav: [2, 4], model: unet}\n"
                                  "exclude: [{strategy: interleaved, nav: 4}, {m0: on, nav: 2}]\n"
                                  "include: [{strategy: windowed, nav: 8, m0: off}]\n",
                      0, NULL));
  // 8 combinations - 2 (interleaved, 4, *) - 2 (*, 2, on) + 1 added: 5 x 2 folds
  ASSERT_EQ(10, p.n_infer);
  ASSERT(find_job(&p, "main/strategy=interleaved/nav=4/m0=off/snr_group=all/model=unet/fold=0") < 0);
  ASSERT(find_job(&p, "main/strategy=windowed/nav=2/m0=on/snr_group=all/model=unet/fold=0") < 0);
  int k = find_job(&p, "main/strategy=windowed/nav=8/m0=off/snr_group=all/model=unet/fold=1");
  ASSERT(k >= 0);
  const sweep_experiment *e = &p.experiments[0];
  ASSERT_EQ(3, e->axes[1].n); // nav gained the label 8
  ASSERT_STR_EQ("8", e->axes[1].labels[p.jobs[k].coords[1]]);
  sweep_plan_free(&p);
  // Excluding everything leaves no job: refused.
  ASSERT_EQ(ASL_ESPEC, load_spec(&p, &d, DATA MODELS "exclude: [{snr_group: all}]\n", 0, NULL));
  ASSERT(diag_has(&d, "no jobs"));
  sweep_diags_free(&d);
}

// A worker's load (sweep_plan_load_no_jobs) makes no job but the same
// experiments, include: labels included, as the full load of the file.
TEST(no_jobs_load_keeps_experiments_and_makes_no_job) {
  const char *text = DATA MODELS "sweep: {nav: [2, 4], model: [unet, id]}\n"
                                 "include: [{strategy: windowed, nav: 8, m0: off}]\n"
                                 "experiments: {a: ~, b: {m0: off, model: id}}\n";
  char path[] = "/tmp/spec_no_jobs_XXXXXX";
  int fd = mkstemp(path);
  ASSERT(fd >= 0);
  FILE *f = fdopen(fd, "w");
  ASSERT(f && fputs(text, f) >= 0 && fclose(f) == 0);
  sweep_plan full, none;
  sweep_diags d;
  ASSERT_OK(sweep_plan_load(&full, &d, path, 0, NULL));
  sweep_diags_free(&d);
  ASSERT_OK(sweep_plan_load_no_jobs(&none, &d, path, 0, NULL));
  sweep_diags_free(&d);
  ASSERT(full.n_jobs > 0);
  ASSERT_EQ(0, none.n_jobs);
  ASSERT(none.jobs == NULL);
  ASSERT_STR_EQ(full.text, none.text);
  ASSERT_EQ(full.n_subjects, none.n_subjects);
  ASSERT_EQ(full.n_experiments, none.n_experiments);
  for (int e = 0; e < full.n_experiments; e++) {
    const sweep_experiment *x = &full.experiments[e], *y = &none.experiments[e];
    ASSERT_STR_EQ(x->name, y->name);
    ASSERT_EQ(x->n_axes, y->n_axes);
    for (int a = 0; a < x->n_axes; a++) {
      ASSERT_STR_EQ(x->axes[a].name, y->axes[a].name);
      ASSERT_EQ(x->axes[a].n, y->axes[a].n);
      for (int l = 0; l < x->axes[a].n; l++) ASSERT_STR_EQ(x->axes[a].labels[l], y->axes[a].labels[l]);
    }
  }
  // nav gained the include:'s label 8 in both.
  ASSERT_EQ(3, none.experiments[0].axes[1].n);
  sweep_plan_free(&full);
  sweep_plan_free(&none);
  // A spec error is still an error without jobs (Nav against Nt).
  f = fopen(path, "w");
  ASSERT(f && fputs(DATA MODELS "sweep: {nav: 32}\n", f) >= 0 && fclose(f) == 0);
  ASSERT_EQ(ASL_ESPEC, sweep_plan_load_no_jobs(&none, &d, path, 0, NULL));
  ASSERT(d.n > 0);
  sweep_diags_free(&d);
  unlink(path);
}

TEST(costs_follow_the_documented_formula) {
  sweep_plan p;
  sweep_diags d;
  ASSERT_OK(load_spec(&p, &d,
                      DATA "models: {u: {kind: unet3d, base_channels: 16}}\n"
                           "train: {epochs: 3, patches_per_volume: 2}\n"
                           "sweep: {strategy: windowed, nav: 4, m0: off}\n",
                      0, NULL));
  ASSERT_EQ(2, p.n_train);
  // 1.4e5 FLOP/voxel x 32*32*16 voxels x 3 x 3 epochs x (6 x 1/2 subjects x
  // 16/4 images) x 2 patches
  double train = 1.4e5 * 16384 * 3 * 3 * (3 * 4) * 2;
  ASSERT_NEAR(train, p.jobs[0].cost, train * 1e-12);
  // inference: forward FLOPs x phantom voxels x (3 subjects x 4 images)
  double infer = 1.4e5 * 16384 * 3 * 4;
  ASSERT_NEAR(infer, p.jobs[2].cost, infer * 1e-12);
  sweep_plan_free(&p);
  sweep_diags_free(&d);
}

TEST(subject_folds_are_balanced_and_seeded) {
  sweep_plan p;
  sweep_diags d;
  ASSERT_OK(load_spec(&p, &d, "seed: 11\ndata: {phantom: {subjects: 10}}\nfolds: 3\n", 0, NULL));
  int count[3] = {0}, first[10];
  for (int i = 0; i < 10; i++) {
    first[i] = sweep_subject_fold(&p, 10, i);
    ASSERT(first[i] >= 0 && first[i] < 3);
    ASSERT_EQ(first[i], sweep_subject_fold(&p, 10, i));
    count[first[i]]++;
  }
  ASSERT(count[0] >= 3 && count[0] <= 4 && count[1] >= 3 && count[1] <= 4 && count[2] >= 3);
  p.seed = 12;
  int changed = 0;
  for (int i = 0; i < 10; i++) changed += sweep_subject_fold(&p, 10, i) != first[i];
  ASSERT(changed > 0);
  sweep_plan_free(&p);
  sweep_diags_free(&d);
}

int main(void) {
  RUN(train_jobs_first_and_infer_jobs_point_at_their_condition);
  RUN(seeds_follow_keys_not_order);
  RUN(paper_example_job_counts_match_docs);
  RUN(generalization_trains_per_target_and_infers_per_input);
  RUN(post_averaging_holds_the_product_and_refuses_gt100);
  RUN(exclude_drops_and_include_adds_combinations);
  RUN(no_jobs_load_keeps_experiments_and_makes_no_job);
  RUN(costs_follow_the_documented_formula);
  RUN(subject_folds_are_balanced_and_seeded);
  return DONE();
}
