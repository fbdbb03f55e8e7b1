// Validation of `aslsweep slurm` options: time limits, counts, names, extra
// lines and overrides; every bad value is refused with a message naming it.
#include <string.h>

#include "harness.h"
#include "slurm/sbatch.h"

static slurm_options valid(void) {
  slurm_options o;
  slurm_options_init(&o);
  o.spec_path = "/data/spec.yaml";
  o.out_dir = "/scratch/runs/a";
  o.aslsweep = "/opt/aslsweep/bin/aslsweep";
  return o;
}

// The check fails with ASL_EINVAL and the message holds `needle`.
#define ASSERT_REFUSED(o, needle)                                         \
  do {                                                                    \
    asl_error_clear();                                                    \
    ASSERT_EQ(ASL_EINVAL, slurm_options_check(&(o)));                     \
    if (strstr(asl_error_message(), (needle)) == NULL)                    \
      HARNESS_FAIL("message '%s' lacks '%s'", asl_error_message(), needle); \
  } while (0)

TEST(time_accepts_hh_mm_ss_and_days) {
  long s = 0;
  ASSERT_OK(slurm_parse_time("12:00:00", &s));
  ASSERT_EQ(43200, s);
  ASSERT_OK(slurm_parse_time("0:01:30", &s));
  ASSERT_EQ(90, s);
  ASSERT_OK(slurm_parse_time("2-03:04:05", &s));
  ASSERT_EQ(2 * 86400 + 3 * 3600 + 4 * 60 + 5, s);
  ASSERT_OK(slurm_parse_time("100:00:00", &s));
  ASSERT_EQ(360000, s);
}

TEST(time_refuses_other_forms) {
  const char *bad[] = {"",        "90",       "1:30",      "01:60:00", "01:00:60", "1-24:00:00",
                       "1-2",     "00:00:00", "-1:00:00",  "1:2:3:4",  "ab:cd:ef", "12:00:00 ",
                       "1-:00:00", "01:00:1x", "1:000:00", "1--1:00:00"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    long s = -7;
    asl_error_clear();
    if (slurm_parse_time(bad[i], &s) != ASL_EINVAL) HARNESS_FAIL("accepted --time '%s'", bad[i]);
    ASSERT_EQ(-7, s);
    ASSERT(strstr(asl_error_message(), "HH:MM:SS or D-HH:MM:SS") != NULL);
  }
}

TEST(valid_options_pass) {
  slurm_options o = valid();
  o.nodes = 4;
  o.ntasks_per_node = 8;
  o.cpus_per_task = 4;
  o.time = "1-00:00:00";
  o.partition = "gpu-long";
  o.account = "proj_42";
  o.qos = "normal";
  o.mem = "64G";
  o.grace = 600;
  const char *extra[] = {"#SBATCH --constraint=skylake"};
  const char *ov[] = {"train.epochs=3"};
  o.n_extra = 1;
  o.extra = extra;
  o.n_overrides = 1;
  o.overrides = ov;
  ASSERT_OK(slurm_options_check(&o));
}

TEST(counts_below_one_are_refused) {
  slurm_options o = valid();
  o.nodes = -1;
  ASSERT_REFUSED(o, "--nodes -1");
  o = valid();
  o.ntasks_per_node = -3;
  ASSERT_REFUSED(o, "--ntasks-per-node -3");
  o = valid();
  o.cpus_per_task = -2;
  ASSERT_REFUSED(o, "--cpus-per-task -2");
  o = valid();
  o.array_chunks = -1;
  ASSERT_REFUSED(o, "--array-chunks -1");
  o = valid();
  o.grace = 70000;
  ASSERT_REFUSED(o, "--grace 70000");
}

TEST(bad_time_and_grace_longer_than_time_are_refused) {
  slurm_options o = valid();
  o.time = "2h";
  ASSERT_REFUSED(o, "--time '2h'");
  o.time = "00:02:00";
  o.grace = 120;
  ASSERT_REFUSED(o, "not shorter than --time 00:02:00");
  o.grace = 119;
  ASSERT_OK(slurm_options_check(&o));
}

TEST(names_and_memory_are_checked) {
  slurm_options o = valid();
  o.partition = "gpu long";
  ASSERT_REFUSED(o, "--partition 'gpu long'");
  o = valid();
  o.account = "a;rm -rf";
  ASSERT_REFUSED(o, "--account");
  o = valid();
  o.qos = "";
  ASSERT_REFUSED(o, "--qos ''");
  o = valid();
  const char *bad_mem[] = {"lots", "0", "16GB", "-4G", "G", "16 G"};
  for (size_t i = 0; i < sizeof bad_mem / sizeof bad_mem[0]; i++) {
    o.mem = bad_mem[i];
    ASSERT_REFUSED(o, "--mem");
  }
  const char *good_mem[] = {"4000", "16G", "512M", "1T", "64g"};
  for (size_t i = 0; i < sizeof good_mem / sizeof good_mem[0]; i++) {
    o.mem = good_mem[i];
    ASSERT_OK(slurm_options_check(&o));
  }
}

TEST(paths_that_would_break_the_script_are_refused) {
  slurm_options o = valid();
  o.out_dir = "/scratch/my runs";
  ASSERT_REFUSED(o, "--out '/scratch/my runs'");
  o = valid();
  o.spec_path = "/data/$HOME.yaml";
  ASSERT_REFUSED(o, "spec path");
  o = valid();
  o.out_dir = "/scratch/run%j";
  ASSERT_REFUSED(o, "'%'");
  o = valid();
  o.out_dir = NULL;
  ASSERT_REFUSED(o, "--out DIR");
}

TEST(extra_lines_must_be_whole_sbatch_lines) {
  slurm_options o = valid();
  const char *bad[] = {"--constraint=x", "#SBATCH ", "#SBATCH --x\n#SBATCH --y", "# SBATCH --x"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    o.n_extra = 1;
    o.extra = &bad[i];
    ASSERT_REFUSED(o, "--extra");
  }
}

TEST(overrides_must_be_key_equals_value) {
  slurm_options o = valid();
  const char *bad[] = {"epochs", "=3", "a=1\nb=2"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    o.n_overrides = 1;
    o.overrides = &bad[i];
    ASSERT_REFUSED(o, "key.path=value");
  }
}

int main(void) {
  RUN(time_accepts_hh_mm_ss_and_days);
  RUN(time_refuses_other_forms);
  RUN(valid_options_pass);
  RUN(counts_below_one_are_refused);
  RUN(bad_time_and_grace_longer_than_time_are_refused);
  RUN(names_and_memory_are_checked);
  RUN(paths_that_would_break_the_script_are_refused);
  RUN(extra_lines_must_be_whole_sbatch_lines);
  RUN(overrides_must_be_key_equals_value);
  return DONE();
}
