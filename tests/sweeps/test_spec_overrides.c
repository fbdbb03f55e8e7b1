// Command-line overrides (key.path=value, YAML flow values, positions
// "<override N>:1:COL") and ${...} interpolation (keys, environment, cycles).
#include <stdlib.h>

#include "harness.h"
#include "spec_helpers.h"

#define BASE "data: {phantom: {subjects: 6, shape: [32, 32, 16], timepoints: 16}}\n" \
             "grid: [32, 32, 16]\nfolds: 2\nsweep: {nav: [2, 4]}\ntrain: {epochs: 5}\n"

TEST(overrides_replace_and_add_keys) {
  sweep_plan p;
  sweep_diags d;
  char *ov[] = {"sweep.nav=[4,8]", "train.epochs=2", "train.loss=mse", "sweep.m0=on",
                "experiments.extra.nav=2"};
  ASSERT_OK(load_spec(&p, &d, BASE, 5, ov));
  ASSERT_EQ(2, p.train.epochs);
  ASSERT_STR_EQ("mse", p.train.loss);
  ASSERT_EQ(1, p.n_experiments); // experiments: created by the override
  ASSERT_STR_EQ("extra", p.experiments[0].name);
  ASSERT_STR_EQ("2", p.experiments[0].axes[1].labels[0]);
  ASSERT_EQ(1, p.experiments[0].axes[2].n); // inherited m0=on
  sweep_plan_free(&p);
  // Through a null experiment and a list index.
  char *ov3[] = {"experiments.main.nav=2", "sweep.nav.1=8"};
  ASSERT_OK(load_spec(&p, &d, BASE "experiments: {main: ~, other: {}}\n", 2, ov3));
  ASSERT_STR_EQ("2", p.experiments[0].axes[1].labels[0]);
  ASSERT_EQ(1, p.experiments[0].axes[1].n);
  ASSERT_STR_EQ("8", p.experiments[1].axes[1].labels[1]);
  sweep_plan_free(&p);
  char *ov4[] = {"name.x=1"};
  ASSERT_EQ(ASL_ESPEC, load_spec(&p, &d, BASE "name: run\n", 1, ov4));
  ASSERT(diag_at(&d, "<override 1>:1:6: error: cannot set 'x' inside the scalar 'run'"));
  sweep_diags_free(&d);
  // The spec text stored with a run is the spec after overrides; it loads
  // again into the same plan.
  char *ov2[] = {"sweep.nav=[4,8]", "train.epochs=2"};
  ASSERT_OK(load_spec(&p, &d, BASE, 2, ov2));
  sweep_plan q;
  ASSERT_OK(load_spec(&q, &d, p.text, 0, NULL));
  ASSERT_EQ(p.n_jobs, q.n_jobs);
  ASSERT_EQ(2, q.train.epochs);
  for (int i = 0; i < p.n_jobs; i++) {
    ASSERT_STR_EQ(p.jobs[i].key, q.jobs[i].key);
    ASSERT(p.jobs[i].seed == q.jobs[i].seed);
  }
  sweep_plan_free(&p);
  sweep_plan_free(&q);
  sweep_diags_free(&d);
}

// engine.device: cpu by default, cuda from the spec or an override (what
// `run --device` adds), anything else refused at the value; same job keys.
TEST(engine_device_key) {
  sweep_plan p, q;
  sweep_diags d;
  ASSERT_OK(load_spec(&p, &d, BASE, 0, NULL));
  ASSERT_STR_EQ("cpu", p.device);
  ASSERT_OK(load_spec(&q, &d, BASE "engine: {device: cuda}\n", 0, NULL));
  ASSERT_STR_EQ("cuda", q.device);
  ASSERT_EQ(p.n_jobs, q.n_jobs);
  for (int i = 0; i < p.n_jobs; i++) ASSERT_STR_EQ(p.jobs[i].key, q.jobs[i].key);
  sweep_plan_free(&q);
  char *ov[] = {"engine.device=cpu"};
  ASSERT_OK(load_spec(&q, &d, BASE "engine: {device: cuda}\n", 1, ov));
  ASSERT_STR_EQ("cpu", q.device);
  sweep_plan_free(&q);
  sweep_plan_free(&p);
  char *bad[] = {"engine.device=gpu"};
  ASSERT_EQ(ASL_ESPEC, load_spec(&p, &d, BASE, 1, bad));
  ASSERT(diag_has(&d, "expected one of: cpu, cuda"));
  sweep_diags_free(&d);
  ASSERT_EQ(ASL_ESPEC, load_spec(&p, &d, BASE "engine: cuda\n", 0, NULL));
  sweep_diags_free(&d);
}

// train.precision: fp32 by default; tf32/bf16 with engine.device: cuda,
// refused at the value on a CPU spec (also when --device cpu overrides a
// cuda spec); a reduced precision enters the train jobs' content text,
// fp32 written out changes nothing.
TEST(train_precision_key) {
  sweep_plan p, q;
  sweep_diags d;
  ASSERT_OK(load_spec(&p, &d, BASE, 0, NULL));
  ASSERT_STR_EQ("fp32", p.train.precision);
  char *ov[] = {"train.precision=bf16", "engine.device=cuda"};
  ASSERT_OK(load_spec(&q, &d, BASE, 2, ov));
  ASSERT_STR_EQ("bf16", q.train.precision);
  ASSERT_EQ(p.n_jobs, q.n_jobs);
  char *tp = sweep_job_content_text(&p, 0), *tq = sweep_job_content_text(&q, 0);
  ASSERT(tp && tq);
  ASSERT(p.jobs[0].kind == SWEEP_JOB_TRAIN);
  ASSERT(!strstr(tp, "train.precision"));
  ASSERT(strstr(tq, "train.precision=bf16\n"));
  free(tq);
  sweep_plan_free(&q);
  char *ov32[] = {"train.precision=fp32"};
  ASSERT_OK(load_spec(&q, &d, BASE, 1, ov32));
  tq = sweep_job_content_text(&q, 0);
  ASSERT(tq && strcmp(tp, tq) == 0);
  free(tp), free(tq);
  sweep_plan_free(&q);
  sweep_plan_free(&p);
  char *cpu[] = {"train.precision=tf32"};
  ASSERT_EQ(ASL_ESPEC, load_spec(&p, &d, BASE, 1, cpu));
  ASSERT(diag_at(&d, "<override 1>:1:17: error: train.precision tf32 needs engine.device: cuda"));
  sweep_diags_free(&d);
  char *back[] = {"engine.device=cpu"};
  ASSERT_EQ(ASL_ESPEC, load_spec(&p, &d,
                                 "data: {phantom: {subjects: 6, shape: [32, 32, 16], timepoints: 16}}\n"
                                 "grid: [32, 32, 16]\nfolds: 2\nsweep: {nav: [2, 4]}\n"
                                 "train: {epochs: 5, precision: bf16}\nengine: {device: cuda}\n",
                                 1, back));
  ASSERT(diag_at(&d, "t.yaml:5:31: error: train.precision bf16 needs engine.device: cuda"));
  sweep_diags_free(&d);
  char *bad[] = {"train.precision=fp16"};
  ASSERT_EQ(ASL_ESPEC, load_spec(&p, &d, BASE "engine: {device: cuda}\n", 1, bad));
  ASSERT(diag_has(&d, "expected one of: fp32, tf32, bf16"));
  sweep_diags_free(&d);
}

TEST(override_errors_point_into_the_override) {
  sweep_plan p;
  sweep_diags d;
  char *ov[] = {"train.epochs=2", "train.epochz=3", "sweep.nav=[2, 40]", "sweep.nav=[2,",
                "noequals", "train..lr=1"};
  ASSERT_EQ(ASL_ESPEC, load_spec(&p, &d, BASE, 6, ov));
  ASSERT(diag_at(&d, "<override 2>:1:7: error: unknown key 'epochz' in train (did you mean 'epochs'?)"));
  ASSERT(diag_at(&d, "<override 4>:1:14: error: malformed YAML"));
  ASSERT(diag_at(&d, "<override 5>:1:1: error: expected key.path=value"));
  ASSERT(diag_at(&d, "<override 6>:1:6: error: empty key"));
  sweep_diags_free(&d);
  // A value check lands on the value's own column.
  char *ov2[] = {"sweep.nav=[2, 40]"};
  ASSERT_EQ(ASL_ESPEC, load_spec(&p, &d, BASE, 1, ov2));
  ASSERT(diag_at(&d, "<override 1>:1:15: error: nav 40 is larger than Nt = 16"));
  sweep_diags_free(&d);
}

TEST(interpolation_of_keys_and_environment) {
  sweep_plan p;
  sweep_diags d;
  setenv("ASLSWEEP_TEST_EPOCHS", "9", 1);
  ASSERT_EQ(ASL_ESPEC,
            load_spec(&p, &d,
                      BASE "name: run-${train.epochs}-${env:ASLSWEEP_TEST_EPOCHS}\n"
                           "seed: ${folds}\n"
                           "experiments:\n  a: {nav: \"${sweep.nav}\"}\n"
                           "  b: {model: unet3d, m0: \"${env:ASLSWEEP_TEST_M0}\"}\n",
                      0, NULL));
  ASSERT(diag_at(&d, "t.yaml:10:26: error: environment variable 'ASLSWEEP_TEST_M0' is not set"));
  ASSERT_EQ(1, d.n); // the failed value is not reported again as a bad M0
  sweep_diags_free(&d);
  setenv("ASLSWEEP_TEST_M0", "on", 1);
  ASSERT_OK(load_spec(&p, &d,
                      BASE "name: run-${train.epochs}-${env:ASLSWEEP_TEST_EPOCHS}\n"
                           "seed: ${folds}\n"
                           "experiments:\n  a: {nav: \"${sweep.nav}\"}\n"
                           "  b: {model: unet3d, m0: \"${env:ASLSWEEP_TEST_M0}\"}\n",
                      0, NULL));
  ASSERT_STR_EQ("run-5-9", p.name);
  ASSERT(p.seed == 2);
  ASSERT_EQ(2, p.experiments[0].axes[1].n); // nav copied as a list
  ASSERT_STR_EQ("on", p.experiments[1].axes[2].labels[0]);
  sweep_plan_free(&p);
  sweep_diags_free(&d);
  unsetenv("ASLSWEEP_TEST_M0");
}

TEST(interpolation_cycles_and_missing_keys_are_reported) {
  sweep_plan p;
  sweep_diags d;
  ASSERT_EQ(ASL_ESPEC, load_spec(&p, &d,
                                 BASE "name: ${seed}\nseed: ${name}\n"
                                      "ground_truth: {GT50: \"${ground_truth.GT25}\", GT25: 0.2}\n"
                                      "remainder: ${nothing.here}\n",
                                 0, NULL));
  ASSERT(diag_at(&d, "t.yaml:7:7: error: interpolation cycle"));
  ASSERT(diag_at(&d, "t.yaml:9:12: error: interpolation '${nothing.here}' names no key"));
  ASSERT_EQ(2, d.n);
  sweep_diags_free(&d);
  // A self-reference and a reference into a mapping inside text.
  ASSERT_EQ(ASL_ESPEC, load_spec(&p, &d, BASE "name: x${train}\n", 0, NULL));
  ASSERT(diag_has(&d, "'${train}' is a mapping"));
  sweep_diags_free(&d);
  ASSERT_EQ(ASL_ESPEC, load_spec(&p, &d, BASE "name: ${name}\n", 0, NULL));
  ASSERT(diag_at(&d, "t.yaml:6:7: error: interpolation cycle"));
  sweep_diags_free(&d);
}

int main(void) {
  RUN(overrides_replace_and_add_keys);
  RUN(engine_device_key);
  RUN(train_precision_key);
  RUN(override_errors_point_into_the_override);
  RUN(interpolation_of_keys_and_environment);
  RUN(interpolation_cycles_and_missing_keys_are_reported);
  return DONE();
}
