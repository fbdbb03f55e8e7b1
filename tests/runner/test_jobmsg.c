// Job messages: a job packed by the manager comes out of a worker's table
// field for field, with its train job's key; the table holds only those
// slots in memory and none after the drop; a message that does not fit the
// plan is refused.
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "sched.h"

static char *dup_text(const char *s) {
  char *d = malloc(strlen(s) + 1);
  strcpy(d, s);
  return d;
}

// Two train jobs, then infer jobs far apart in a 5,000-job plan, so that
// their slots lie on different pages of the table.
static void make_plan(sweep_plan *p, sweep_axis *axes, sweep_experiment *x) {
  memset(p, 0, sizeof *p);
  axes[0] = (sweep_axis){.name = "nav", .n = 4};
  axes[1] = (sweep_axis){.name = "model", .n = 3};
  *x = (sweep_experiment){.name = "main", .n_axes = 2, .axes = axes};
  p->n_experiments = 1;
  p->experiments = x;
  p->n_jobs = 5000;
  p->jobs = calloc((size_t)p->n_jobs, sizeof *p->jobs);
  for (int j = 0; j < p->n_jobs; j++) {
    sweep_job *jb = &p->jobs[j];
    char key[64];
    jb->kind = j < 2 ? SWEEP_JOB_TRAIN : SWEEP_JOB_INFER;
    snprintf(key, sizeof key, "%s/job=%d", j < 2 ? "train" : "main", j);
    jb->key = dup_text(key);
    jb->seed = 0x9e3779b97f4a7c15ull * (uint64_t)(j + 1);
    jb->train_job = j < 2 ? -1 : j % 2;
    jb->experiment = j < 2 ? -1 : 0;
    jb->cost = j;
    snprintf(jb->cond.strategy, sizeof jb->cond.strategy, "windowed");
    snprintf(jb->cond.test_group, sizeof jb->cond.test_group, "g%d", j % 3);
    jb->cond.nav = 1 + j % 4;
    jb->cond.fold = j % 5;
    snprintf(jb->content_key, sizeof jb->content_key, "%032x", j);
    if (j >= 2) {
      jb->coords = malloc(2 * sizeof(int));
      jb->coords[0] = j % 4, jb->coords[1] = j % 3;
    }
  }
}

static void free_plan(sweep_plan *p) {
  for (int j = 0; j < p->n_jobs; j++) free(p->jobs[j].key), free(p->jobs[j].coords);
  free(p->jobs);
}

TEST(job_message_round_trip_holds_only_the_job) {
  sweep_plan p;
  sweep_axis axes[2];
  sweep_experiment x;
  make_plan(&p, axes, &x);
  sweep_plan jobless = p;
  jobless.n_jobs = 0, jobless.jobs = NULL;
  run_jobmsg m = {0};
  run_job_table t;
  ASSERT_OK(run_job_table_init(&t, &jobless, p.n_jobs));
  ASSERT_EQ(p.n_jobs, t.plan.n_jobs);
  ASSERT_EQ(0, run_job_table_resident(&t));
  int picks[] = {4999, 2, 2500, 3};
  for (int i = 0; i < 4; i++) {
    int j = picks[i], got = -1;
    ASSERT_OK(run_jobmsg_pack(&m, &p, j));
    ASSERT_OK(run_job_table_take(&t, m.buf, m.len, &got));
    ASSERT_EQ(j, got);
    const sweep_job *a = &p.jobs[j], *b = &t.plan.jobs[j];
    ASSERT_STR_EQ(a->key, b->key);
    ASSERT_EQ(a->kind, b->kind);
    ASSERT(a->seed == b->seed);
    ASSERT_EQ(a->train_job, b->train_job);
    ASSERT_EQ(a->experiment, b->experiment);
    ASSERT(memcmp(&a->cond, &b->cond, sizeof a->cond) == 0);
    ASSERT_STR_EQ(a->content_key, b->content_key);
    ASSERT(b->coords && b->coords[0] == a->coords[0] && b->coords[1] == a->coords[1]);
    ASSERT_STR_EQ(p.jobs[a->train_job].key, t.plan.jobs[a->train_job].key);
    // The job's slot and its train job's: two pages here, nothing else.
    long pages = run_job_table_resident(&t);
    ASSERT(pages >= 1 && pages <= 2);
    // Only this job's slots are held: the previous ones were dropped when
    // it came in (reading them here would map pages and spoil the count).
    ASSERT(t.held[0] == j && t.held[1] == a->train_job);
  }
  ASSERT_EQ(4, t.n_taken);
  run_job_table_drop(&t);
  ASSERT_EQ(0, run_job_table_resident(&t));
  for (int i = 0; i < 4; i++) ASSERT(t.plan.jobs[picks[i]].key == NULL);
  run_job_table_free(&t);
  free(m.buf);
  free_plan(&p);
}

TEST(job_message_that_does_not_fit_is_refused) {
  sweep_plan p;
  sweep_axis axes[2];
  sweep_experiment x;
  make_plan(&p, axes, &x);
  run_jobmsg m = {0};
  run_job_table t;
  ASSERT_OK(run_job_table_init(&t, &p, 100)); // a plan of fewer jobs than job 2500
  int got = -1;
  ASSERT_OK(run_jobmsg_pack(&m, &p, 2500));
  ASSERT(run_job_table_take(&t, m.buf, m.len, &got) == ASL_EMPI);
  ASSERT(strstr(asl_error_message(), "does not describe a job of this plan") != NULL);
  ASSERT_OK(run_jobmsg_pack(&m, &p, 50));
  ASSERT(run_job_table_take(&t, m.buf, m.len - 1, &got) == ASL_EMPI); // cut short
  ASSERT(run_job_table_take(&t, m.buf, 8, &got) == ASL_EMPI);
  ASSERT_EQ(-1, got);
  ASSERT_OK(run_job_table_take(&t, m.buf, m.len, &got));
  ASSERT_EQ(50, got);
  run_job_table_free(&t);
  free(m.buf);
  free_plan(&p);
}

int main(void) {
  RUN(job_message_round_trip_holds_only_the_job);
  RUN(job_message_that_does_not_fit_is_refused);
  return DONE();
}
