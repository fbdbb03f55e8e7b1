// Allocation suggestions from a plan's cost estimates: workers never exceed
// what the plan can use (total cost / longest chain, number of jobs), cores go
// to ranks first and threads second, and given values are kept.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "slurm/sbatch.h"

// A plan of n_train train jobs (cost tc) with per_train infer jobs (cost ic)
// each, plus n_base baseline infer jobs without a train job (cost ic).
typedef struct {
  sweep_plan p;
  sweep_job jobs[1024];
} toy_plan;

static void toy_init(toy_plan *t, int n_train, int per_train, int n_base, double tc, double ic) {
  memset(t, 0, sizeof *t);
  t->p.name = "toy";
  t->p.jobs = t->jobs;
  int n = 0;
  for (int i = 0; i < n_train; i++)
    t->jobs[n++] = (sweep_job){.key = "train", .kind = SWEEP_JOB_TRAIN, .cost = tc, .train_job = -1};
  for (int i = 0; i < n_train * per_train; i++)
    t->jobs[n++] = (sweep_job){.key = "infer", .kind = SWEEP_JOB_INFER, .cost = ic, .train_job = i / per_train};
  for (int i = 0; i < n_base; i++)
    t->jobs[n++] = (sweep_job){.key = "base", .kind = SWEEP_JOB_INFER, .cost = ic, .train_job = -1};
  t->p.n_jobs = n;
}

static slurm_options opts(void) {
  slurm_options o;
  slurm_options_init(&o);
  o.spec_path = "/d/s.yaml";
  o.out_dir = "/d/out";
  return o;
}

TEST(workload_sums_costs_and_finds_the_longest_chain) {
  static toy_plan t;
  toy_init(&t, 4, 2, 3, 10, 1);
  slurm_workload w;
  ASSERT_OK(slurm_workload_from_plan(&w, &t.p));
  ASSERT_EQ(15, w.n_jobs);
  ASSERT_EQ(4, w.n_train);
  ASSERT_EQ(11, w.n_infer);
  ASSERT_NEAR(4 * 10 + 11 * 1, w.total_cost, 1e-12);
  ASSERT_NEAR(11, w.critical_cost, 1e-12);
  ASSERT_EQ(7, w.width); // 4 train + 3 baselines need nothing
  ASSERT_STR_EQ("toy", w.name);
}

TEST(workload_refuses_a_nan_cost) {
  static toy_plan t;
  toy_init(&t, 2, 1, 0, 10, 1);
  t.jobs[3].cost = NAN;
  slurm_workload w;
  ASSERT_EQ(ASL_EINVAL, slurm_workload_from_plan(&w, &t.p));
  ASSERT(strstr(asl_error_message(), "job 'infer'") != NULL);
}

TEST(small_plan_gets_one_node_with_ranks_then_threads) {
  static toy_plan t;
  toy_init(&t, 4, 2, 0, 10, 1); // total 48, chain 11 -> 5 useful workers
  slurm_workload w;
  ASSERT_OK(slurm_workload_from_plan(&w, &t.p));
  slurm_options o = opts();
  slurm_resources r;
  ASSERT_OK(slurm_suggest(&r, &o, &w, &(slurm_site){32, 0}));
  ASSERT_EQ(5, r.useful_workers);
  ASSERT_EQ(1, r.nodes);
  ASSERT_EQ(6, r.ntasks_per_node); // 5 workers + the manager
  ASSERT_EQ(5, r.cpus_per_task);   // 32 cores / 6 ranks
  ASSERT_EQ(SLURM_SUGGESTED_NODES | SLURM_SUGGESTED_TASKS | SLURM_SUGGESTED_CPUS, r.suggested);
  ASSERT(strstr(r.plan_line, "12 jobs (4 train, 8 infer), total cost 48, longest chain 11 -> at most 5 busy workers") != NULL);
  ASSERT_STR_EQ("1 node x 6 tasks x 5 CPUs = 5 workers + 1 manager rank (32 cores per node)", r.alloc_line);
}

TEST(large_plan_spreads_over_nodes_up_to_the_useful_workers) {
  static toy_plan t;
  toy_init(&t, 200, 2, 0, 100, 2); // total 20800, chain 102 -> 204 workers
  slurm_workload w;
  ASSERT_OK(slurm_workload_from_plan(&w, &t.p));
  slurm_options o = opts();
  slurm_resources r;
  ASSERT_OK(slurm_suggest(&r, &o, &w, &(slurm_site){32, 0}));
  ASSERT_EQ(204, r.useful_workers);
  ASSERT_EQ(7, r.nodes); // 205 ranks / 32 cores
  ASSERT_EQ(30, r.ntasks_per_node);
  ASSERT_EQ(1, r.cpus_per_task);
  ASSERT(r.nodes * r.ntasks_per_node - 1 >= r.useful_workers);
}

TEST(given_nodes_are_kept_and_cores_left_become_threads) {
  static toy_plan t;
  toy_init(&t, 4, 2, 0, 10, 1);
  slurm_workload w;
  ASSERT_OK(slurm_workload_from_plan(&w, &t.p));
  slurm_options o = opts();
  o.nodes = 4;
  slurm_resources r;
  ASSERT_OK(slurm_suggest(&r, &o, &w, &(slurm_site){32, 0}));
  ASSERT_EQ(4, r.nodes);
  ASSERT_EQ(2, r.ntasks_per_node); // ceil(6 ranks / 4 nodes)
  ASSERT_EQ(16, r.cpus_per_task);
  ASSERT_EQ(SLURM_SUGGESTED_TASKS | SLURM_SUGGESTED_CPUS, r.suggested);
  ASSERT(strstr(r.alloc_line, "; 2 workers will idle") != NULL); // 8 ranks, 5 useful workers
}

TEST(given_cpus_per_task_limit_ranks_per_node) {
  static toy_plan t;
  toy_init(&t, 4, 2, 0, 10, 1);
  slurm_workload w;
  ASSERT_OK(slurm_workload_from_plan(&w, &t.p));
  slurm_options o = opts();
  o.cpus_per_task = 8;
  slurm_resources r;
  ASSERT_OK(slurm_suggest(&r, &o, &w, &(slurm_site){32, 0}));
  ASSERT_EQ(2, r.nodes); // 4 ranks of 8 CPUs per node, 6 ranks wanted
  ASSERT_EQ(3, r.ntasks_per_node);
  ASSERT_EQ(8, r.cpus_per_task);
}

TEST(given_everything_is_kept) {
  static toy_plan t;
  toy_init(&t, 4, 2, 0, 10, 1);
  slurm_workload w;
  ASSERT_OK(slurm_workload_from_plan(&w, &t.p));
  slurm_options o = opts();
  o.nodes = 3;
  o.ntasks_per_node = 7;
  o.cpus_per_task = 2;
  slurm_resources r;
  ASSERT_OK(slurm_suggest(&r, &o, &w, &(slurm_site){0, 0}));
  ASSERT_EQ(3, r.nodes);
  ASSERT_EQ(7, r.ntasks_per_node);
  ASSERT_EQ(2, r.cpus_per_task);
  ASSERT_EQ(0, r.suggested);
  ASSERT(strstr(r.alloc_line, "32 cores per node assumed") != NULL);
}

TEST(one_job_gets_one_rank_that_runs_it) {
  static toy_plan t;
  toy_init(&t, 0, 0, 1, 0, 5);
  slurm_workload w;
  ASSERT_OK(slurm_workload_from_plan(&w, &t.p));
  slurm_options o = opts();
  slurm_resources r;
  ASSERT_OK(slurm_suggest(&r, &o, &w, &(slurm_site){2, 0}));
  ASSERT_EQ(1, r.useful_workers);
  ASSERT_EQ(1, r.nodes);
  ASSERT_EQ(1, r.ntasks_per_node); // rank 0 runs the job itself
  ASSERT_EQ(2, r.cpus_per_task);
  ASSERT_STR_EQ("1 node x 1 tasks x 2 CPUs = 1 worker, rank 0 among them (2 cores per node)", r.alloc_line);
}

TEST(two_useful_workers_need_no_manager_rank) {
  static toy_plan t;
  toy_init(&t, 2, 1, 0, 10, 1); // total 22, chain 11 -> 2 workers
  slurm_workload w;
  ASSERT_OK(slurm_workload_from_plan(&w, &t.p));
  slurm_options o = opts();
  slurm_resources r;
  ASSERT_OK(slurm_suggest(&r, &o, &w, &(slurm_site){8, 0}));
  ASSERT_EQ(2, r.useful_workers);
  ASSERT_EQ(2, r.ntasks_per_node);
  ASSERT_EQ(4, r.cpus_per_task);
  ASSERT_STR_EQ("1 node x 2 tasks x 4 CPUs = 2 workers, rank 0 among them (8 cores per node)", r.alloc_line);
}

TEST(zero_costs_count_every_job_as_useful) {
  static toy_plan t;
  toy_init(&t, 3, 1, 0, 0, 0);
  slurm_workload w;
  ASSERT_OK(slurm_workload_from_plan(&w, &t.p));
  slurm_options o = opts();
  slurm_resources r;
  ASSERT_OK(slurm_suggest(&r, &o, &w, &(slurm_site){64, 0}));
  ASSERT_EQ(6, r.useful_workers);
}

TEST(nodes_are_capped_for_huge_plans) {
  static toy_plan t;
  toy_init(&t, 1000, 0, 0, 1, 1); // 1000 independent equal jobs -> 1000 workers
  slurm_workload w;
  ASSERT_OK(slurm_workload_from_plan(&w, &t.p));
  slurm_options o = opts();
  o.ntasks_per_node = 4;
  slurm_resources r;
  ASSERT_OK(slurm_suggest(&r, &o, &w, &(slurm_site){8, 0}));
  ASSERT_EQ(1000, r.useful_workers);
  ASSERT_EQ(64, r.nodes);
  ASSERT_EQ(4, r.ntasks_per_node);
  ASSERT_EQ(2, r.cpus_per_task);
}

TEST(nodes_are_capped_at_the_partition_size) {
  static toy_plan t;
  toy_init(&t, 4, 2, 0, 10, 1); // 5 useful workers
  slurm_workload w;
  ASSERT_OK(slurm_workload_from_plan(&w, &t.p));
  slurm_options o = opts();
  slurm_resources r;
  ASSERT_OK(slurm_suggest(&r, &o, &w, &(slurm_site){2, 0}));
  ASSERT_EQ(3, r.nodes); // 6 ranks of one core on 2-core nodes
  ASSERT_OK(slurm_suggest(&r, &o, &w, &(slurm_site){2, 1}));
  ASSERT_EQ(1, r.nodes); // the partition has one node
  ASSERT_EQ(2, r.ntasks_per_node);
  ASSERT_EQ(1, r.cpus_per_task);
  ASSERT_STR_EQ("1 node x 2 tasks x 1 CPUs = 2 workers, rank 0 among them (2 cores per node)",
                r.alloc_line);
}

TEST(grace_defaults_to_300_or_a_quarter_of_a_short_limit) {
  static toy_plan t;
  toy_init(&t, 1, 1, 0, 1, 1);
  slurm_workload w;
  ASSERT_OK(slurm_workload_from_plan(&w, &t.p));
  slurm_options o = opts();
  slurm_resources r;
  ASSERT_OK(slurm_suggest(&r, &o, &w, &(slurm_site){4, 0}));
  ASSERT_EQ(300, r.grace);
  o.time = "00:02:00";
  ASSERT_OK(slurm_suggest(&r, &o, &w, &(slurm_site){4, 0}));
  ASSERT_EQ(30, r.grace);
  o.time = "12:00:00";
  ASSERT_OK(slurm_suggest(&r, &o, &w, &(slurm_site){4, 0}));
  ASSERT_EQ(300, r.grace);
  o.grace = 45;
  ASSERT_OK(slurm_suggest(&r, &o, &w, &(slurm_site){4, 0}));
  ASSERT_EQ(45, r.grace);
  ASSERT_EQ(ASL_EINVAL, slurm_suggest(&r, &o, &w, &(slurm_site){-1, 0}));
}

// 64 trainings with 4 infer jobs each cut into 16 chunks of 4 chains: each
// array task asks for what its own chunk can use, not the whole study.
TEST(array_tasks_are_sized_by_their_chunk_not_the_study) {
  static toy_plan t;
  toy_init(&t, 64, 4, 0, 10, 1);
  static int slice_of[1024];
  for (int i = 0; i < t.p.n_jobs; i++) {
    int chain = t.jobs[i].kind == SWEEP_JOB_TRAIN ? i : t.jobs[i].train_job;
    slice_of[i] = chain % 16;
  }
  slurm_workload whole, chunk;
  ASSERT_OK(slurm_workload_from_plan(&whole, &t.p));
  ASSERT_OK(slurm_workload_of_chunks(&chunk, &t.p, slice_of, 16));
  ASSERT_EQ(20, chunk.n_jobs);
  ASSERT_EQ(4, chunk.n_train);
  ASSERT_EQ(16, chunk.chunks);
  ASSERT_EQ(320, chunk.study_jobs);
  ASSERT_NEAR(4 * 10 + 16 * 1, chunk.total_cost, 1e-12);
  slurm_options o = opts();
  slurm_site site = {0};
  slurm_resources rw, rc;
  ASSERT_OK(slurm_suggest(&rw, &o, &whole, &site));
  ASSERT_OK(slurm_suggest(&rc, &o, &chunk, &site));
  // The study: (640 + 256) / 11 -> 82 workers; one chunk: 56 / 11 -> 6.
  ASSERT_EQ(82, rw.useful_workers);
  ASSERT_EQ(6, rc.useful_workers);
  ASSERT_EQ(1, rc.nodes);
  ASSERT_EQ(7, rc.ntasks_per_node); // 6 workers + the manager rank
  ASSERT(strstr(rc.plan_line, "largest of 16 chunks of a 320-job study") != NULL);
}

TEST(chunk_workload_is_the_most_demanding_chunk) {
  static toy_plan t;
  toy_init(&t, 4, 4, 0, 10, 1);
  static int slice_of[64];
  // chunk 0: one chain (5 jobs); chunk 1: three chains.
  for (int i = 0; i < t.p.n_jobs; i++) {
    int chain = t.jobs[i].kind == SWEEP_JOB_TRAIN ? i : t.jobs[i].train_job;
    slice_of[i] = chain == 0 ? 0 : 1;
  }
  slurm_workload w;
  ASSERT_OK(slurm_workload_of_chunks(&w, &t.p, slice_of, 2));
  ASSERT_EQ(15, w.n_jobs);
  slice_of[0] = 5;
  ASSERT_EQ(ASL_EINVAL, slurm_workload_of_chunks(&w, &t.p, slice_of, 2));
}

TEST(array_chunks_above_max_array_size_are_refused_naming_the_limit) {
  slurm_options o = opts();
  o.array_chunks = 1000;
  o.max_array_size = 0; // unknown: not checked
  ASSERT_OK(slurm_check_array_size(&o));
  o.max_array_size = 1000;
  ASSERT_OK(slurm_check_array_size(&o));
  o.max_array_size = 501;
  ASSERT_EQ(ASL_EINVAL, slurm_check_array_size(&o));
  ASSERT(strstr(asl_error_message(), "MaxArraySize is 501 (array indices 0..500)") != NULL);
  ASSERT(strstr(asl_error_message(), "use --array-chunks 501 or fewer") != NULL);
  o.array_chunks = 0; // one job, no array
  ASSERT_OK(slurm_check_array_size(&o));
}

int main(void) {
  RUN(workload_sums_costs_and_finds_the_longest_chain);
  RUN(workload_refuses_a_nan_cost);
  RUN(small_plan_gets_one_node_with_ranks_then_threads);
  RUN(large_plan_spreads_over_nodes_up_to_the_useful_workers);
  RUN(given_nodes_are_kept_and_cores_left_become_threads);
  RUN(given_cpus_per_task_limit_ranks_per_node);
  RUN(given_everything_is_kept);
  RUN(one_job_gets_one_rank_that_runs_it);
  RUN(two_useful_workers_need_no_manager_rank);
  RUN(zero_costs_count_every_job_as_useful);
  RUN(nodes_are_capped_for_huge_plans);
  RUN(nodes_are_capped_at_the_partition_size);
  RUN(grace_defaults_to_300_or_a_quarter_of_a_short_limit);
  RUN(array_tasks_are_sized_by_their_chunk_not_the_study);
  RUN(chunk_workload_is_the_most_demanding_chunk);
  RUN(array_chunks_above_max_array_size_are_refused_naming_the_limit);
  return DONE();
}
