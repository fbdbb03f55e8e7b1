// The batch script text: golden lines for every option, the signal/requeue
// glue, array mode and the merge script; the result is valid bash.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "slurm/sbatch.h"

#define ASSERT_HAS(text, needle)                                           \
  do {                                                                     \
    if (strstr((text), (needle)) == NULL)                                  \
      HARNESS_FAIL("script lacks \"%s\":\n%s", (needle), (text));          \
  } while (0)
#define ASSERT_LACKS(text, needle)                                         \
  do {                                                                     \
    if (strstr((text), (needle)) != NULL) HARNESS_FAIL("script has \"%s\"", (needle)); \
  } while (0)

static slurm_workload workload(void) {
  slurm_workload w = {.name = "paper study", .n_jobs = 12, .n_train = 4, .n_infer = 8,
                      .total_cost = 48, .critical_cost = 11, .width = 4};
  return w;
}

static slurm_options opts(void) {
  slurm_options o;
  slurm_options_init(&o);
  o.spec_path = "/home/u/paper.yaml";
  o.out_dir = "/scratch/u/runs/paper";
  o.aslsweep = "/opt/aslsweep/bin/aslsweep";
  return o;
}

// Renders o and checks it is valid bash (`bash -n`); the caller frees t.
static void render(slurm_text *t, const slurm_options *o, int cores) {
  slurm_workload w = workload();
  slurm_resources r;
  ASSERT_OK(slurm_suggest(&r, o, &w, &(slurm_site){cores, 0}));
  slurm_text_init(t);
  ASSERT_OK(slurm_script_render(t, o, &r, &w));
  char path[] = "/tmp/aslsweep-sbatch-XXXXXX";
  int fd = mkstemp(path);
  ASSERT(fd >= 0);
  ASSERT_EQ((long)t->len, (long)write(fd, t->s, t->len));
  close(fd);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "bash -n %s", path);
  int rc = system(cmd);
  unlink(path);
  ASSERT_EQ(0, rc);
}

TEST(defaults_give_signal_requeue_append_and_logs_in_dir) {
  slurm_options o = opts();
  slurm_text t;
  render(&t, &o, 32);
  ASSERT(strncmp(t.s, "#!/bin/bash\n", 12) == 0);
  ASSERT_HAS(t.s, "\n#SBATCH --job-name=aslsweep-paper_study\n");
  ASSERT_HAS(t.s, "\n#SBATCH --nodes=1\n#SBATCH --ntasks-per-node=6\n#SBATCH --cpus-per-task=5\n");
  ASSERT_HAS(t.s, "\n#SBATCH --signal=B:USR1@300\n#SBATCH --requeue\n#SBATCH --open-mode=append\n");
  ASSERT_HAS(t.s, "\n#SBATCH --output=/scratch/u/runs/paper/slurm-%j.out\n");
  ASSERT_HAS(t.s, "# Suggested from the plan's cost estimates: nodes tasks-per-node cpus-per-task.");
  ASSERT_HAS(t.s, "\n# Plan: 12 jobs (4 train, 8 infer), total cost 48, longest chain 11 -> at most 5 busy workers\n");
  ASSERT_HAS(t.s, "\n# Allocation: 1 node x 6 tasks x 5 CPUs = 5 workers + 1 manager rank (32 cores per node)\n");
  ASSERT_HAS(t.s, "\naslsweep=/opt/aslsweep/bin/aslsweep\nspec=/home/u/paper.yaml\nout=/scratch/u/runs/paper\n");
  ASSERT_HAS(t.s, "run_args=(run \"$spec\" --out \"$out\" --threads-per-rank "
                  "\"${SLURM_CPUS_PER_TASK:-$cpus_per_task}\" --grace \"$runner_grace\")\n");
  ASSERT_HAS(t.s, "\nrunner_grace=100 ");
  ASSERT_HAS(t.s, "srun --kill-on-bad-exit=1 --cpus-per-task=\"${SLURM_CPUS_PER_TASK:-$cpus_per_task}\" \\\n"
                  "    \"$aslsweep\" \"${run_args[@]}\" &\n");
  ASSERT_HAS(t.s, "mpirun -n \"$ranks\" \"$aslsweep\" \"${run_args[@]}\" &\n");
  ASSERT_HAS(t.s, "\nranks=6 ");
  ASSERT_HAS(t.s, "trap 'forward USR1' USR1\n");
  ASSERT_HAS(t.s, "trap 'forward TERM' TERM\n");
  ASSERT_HAS(t.s, "kill -s \"$1\" \"$step\"");
  ASSERT_HAS(t.s, "\nrequeue_status=3 ");
  ASSERT_HAS(t.s, "elif scontrol requeue \"$job_ref\"; then\n");
  ASSERT_HAS(t.s, "job_ref=${SLURM_JOB_ID:-}\n");
  ASSERT_HAS(t.s, "export OMP_NUM_THREADS=${SLURM_CPUS_PER_TASK:-$cpus_per_task}\n");
  ASSERT_HAS(t.s, "exit \"$status\"\n");
  ASSERT_LACKS(t.s, "--time=");
  ASSERT_LACKS(t.s, "--partition=");
  ASSERT_LACKS(t.s, "--array");
  ASSERT_LACKS(t.s, "--slice");
  slurm_text_free(&t);
}

// engine.device: cuda (gpus_per_task from the plan) asks one GPU per rank.
TEST(cuda_spec_asks_one_gpu_per_task) {
  slurm_options o = opts();
  slurm_text t;
  render(&t, &o, 32);
  ASSERT_LACKS(t.s, "--gpus-per-task");
  slurm_text_free(&t);
  slurm_workload w = workload();
  w.gpus_per_task = 1;
  slurm_resources r;
  ASSERT_OK(slurm_suggest(&r, &o, &w, &(slurm_site){32, 0}));
  slurm_text_init(&t);
  ASSERT_OK(slurm_script_render(&t, &o, &r, &w));
  ASSERT_HAS(t.s, "\n#SBATCH --cpus-per-task=5\n#SBATCH --gpus-per-task=1\n");
  slurm_text_free(&t);
}

TEST(every_option_reaches_the_script) {
  slurm_options o = opts();
  o.nodes = 4;
  o.ntasks_per_node = 8;
  o.cpus_per_task = 4;
  o.time = "1-12:00:00";
  o.partition = "compute";
  o.account = "asl_lab";
  o.qos = "long";
  o.mem = "120G";
  o.grace = 900;
  o.job_name = "pcasl-ablation";
  const char *extra[] = {"#SBATCH --constraint=skylake", "#SBATCH --mail-type=END"};
  const char *ov[] = {"train.epochs=5", "name=it's"};
  o.extra = extra;
  o.n_extra = 2;
  o.overrides = ov;
  o.n_overrides = 2;
  slurm_text t;
  render(&t, &o, 32);
  ASSERT_HAS(t.s, "\n#SBATCH --job-name=pcasl-ablation\n");
  ASSERT_HAS(t.s, "\n#SBATCH --nodes=4\n#SBATCH --ntasks-per-node=8\n#SBATCH --cpus-per-task=4\n");
  ASSERT_HAS(t.s, "\n#SBATCH --time=1-12:00:00\n");
  ASSERT_HAS(t.s, "\n#SBATCH --partition=compute\n");
  ASSERT_HAS(t.s, "\n#SBATCH --account=asl_lab\n");
  ASSERT_HAS(t.s, "\n#SBATCH --qos=long\n");
  ASSERT_HAS(t.s, "\n#SBATCH --mem=120G\n");
  ASSERT_HAS(t.s, "\n#SBATCH --signal=B:USR1@900\n");
  ASSERT_HAS(t.s, "\n#SBATCH --constraint=skylake\n#SBATCH --mail-type=END\n");
  ASSERT_HAS(t.s, "--grace \"$runner_grace\" 'train.epochs=5' 'name=it'\\''s')\n");
  ASSERT_HAS(t.s, "\nrunner_grace=300 ");
  ASSERT_HAS(t.s, "\nranks=32 ");
  ASSERT_HAS(t.s, "\ncpus_per_task=4\ngrace=900\n");
  ASSERT_LACKS(t.s, "# Suggested from");
  // Every #SBATCH line comes before the first command: sbatch stops reading there.
  const char *last = strstr(t.s, "#SBATCH --mail-type=END");
  ASSERT(last != NULL && last < strstr(t.s, "\nset -u\n"));
  slurm_text_free(&t);
}

TEST(array_mode_runs_one_slice_per_task_into_its_part) {
  slurm_options o = opts();
  o.array_chunks = 5;
  o.time = "04:00:00";
  o.partition = "short";
  slurm_text t;
  render(&t, &o, 16);
  ASSERT_HAS(t.s, "\n#SBATCH --array=0-4\n");
  ASSERT_HAS(t.s, "\n#SBATCH --output=/scratch/u/runs/paper/slurm-%A_%a.out\n");
  ASSERT_HAS(t.s, "run_args=(run \"$spec\" --out \"$out/parts/$part\" --slice \"$part/5\" --threads-per-rank");
  ASSERT_HAS(t.s, "job_ref=${SLURM_ARRAY_JOB_ID:-}_$part\n");
  ASSERT_HAS(t.s, "part=${SLURM_ARRAY_TASK_ID:?");
  ASSERT_HAS(t.s, "Submit: sbatch /scratch/u/runs/paper/submit.sbatch (then the merge job");

  slurm_workload w = workload();
  slurm_text m;
  slurm_text_init(&m);
  ASSERT_OK(slurm_merge_script_render(&m, &o, &w));
  ASSERT_HAS(m.s, "#SBATCH --job-name=aslsweep-paper_study-merge\n");
  ASSERT_HAS(m.s, "#SBATCH --nodes=1\n#SBATCH --ntasks=1\n");
  ASSERT_HAS(m.s, "#SBATCH --time=04:00:00\n#SBATCH --partition=short\n");
  ASSERT_HAS(m.s, "#SBATCH --output=/scratch/u/runs/paper/slurm-%j-merge.out\n");
  ASSERT_HAS(m.s, "for ((i = 0; i < 5; i++)); do parts+=(\"$out/parts/$i\"); done\n");
  ASSERT_HAS(m.s, "exec \"$aslsweep\" merge --out \"$out\" \"${parts[@]}\"\n");
  slurm_text_free(&m);
  slurm_text_free(&t);
}

TEST(merge_script_needs_array_mode) {
  slurm_options o = opts();
  slurm_workload w = workload();
  slurm_text m;
  slurm_text_init(&m);
  ASSERT_EQ(ASL_EINVAL, slurm_merge_script_render(&m, &o, &w));
  ASSERT(strstr(asl_error_message(), "--array-chunks") != NULL);
  slurm_text_free(&m);
}

TEST(render_refuses_bad_options) {
  slurm_options o = opts();
  slurm_workload w = workload();
  slurm_resources r;
  ASSERT_OK(slurm_suggest(&r, &o, &w, &(slurm_site){8, 0}));
  o.time = "90 minutes";
  slurm_text t;
  slurm_text_init(&t);
  ASSERT_EQ(ASL_EINVAL, slurm_script_render(&t, &o, &r, &w));
  ASSERT(strstr(asl_error_message(), "--time '90 minutes'") != NULL);
  slurm_text_free(&t);
}

TEST(shell_quote_survives_quotes) {
  slurm_text t;
  slurm_text_init(&t);
  ASSERT_OK(slurm_text_shell_quote(&t, "a'b c$d"));
  ASSERT_STR_EQ("'a'\\''b c$d'", t.s);
  slurm_text_free(&t);
}

int main(void) {
  RUN(defaults_give_signal_requeue_append_and_logs_in_dir);
  RUN(cuda_spec_asks_one_gpu_per_task);
  RUN(every_option_reaches_the_script);
  RUN(array_mode_runs_one_slice_per_task_into_its_part);
  RUN(merge_script_needs_array_mode);
  RUN(render_refuses_bad_options);
  RUN(shell_quote_survives_quotes);
  return DONE();
}
