// A small test harness: each test is a function, each check aborts the test
// with file:line and the values, and the program's exit status is the number
// of failed tests (so ctest sees every failure).
//
//   TEST(averaging_windowed_groups_consecutive) { ASSERT_EQ(3, f()); }
//   int main(void) { RUN(averaging_windowed_groups_consecutive); return DONE(); }
#ifndef ASLSWEEP_TEST_HARNESS_H
#define ASLSWEEP_TEST_HARNESS_H

#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

static int harness_failed, harness_run;
static jmp_buf harness_jump;

#define TEST(name) static void test_##name(void)

#define RUN(name)                                  \
  do {                                             \
    harness_run++;                                 \
    if (setjmp(harness_jump) == 0) {               \
      test_##name();                               \
      printf("ok   %s\n", #name);                  \
    } else {                                       \
      harness_failed++;                            \
      printf("FAIL %s\n", #name);                  \
    }                                              \
    fflush(stdout);                                \
  } while (0)

#define DONE()                                                          \
  (printf("%d passed, %d failed\n", harness_run - harness_failed,       \
          harness_failed),                                              \
   harness_failed != 0)

#define HARNESS_FAIL(...)                                 \
  do {                                                    \
    fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);       \
    fprintf(stderr, __VA_ARGS__);                         \
    fprintf(stderr, "\n");                                \
    longjmp(harness_jump, 1);                             \
  } while (0)

#define ASSERT(cond) \
  do {               \
    if (!(cond)) HARNESS_FAIL("assertion failed: %s", #cond); \
  } while (0)

#define ASSERT_EQ(expected, actual)                                          \
  do {                                                                       \
    long long e_ = (long long)(expected), a_ = (long long)(actual);          \
    if (e_ != a_) HARNESS_FAIL("%s == %s: expected %lld, got %lld", #expected, \
                               #actual, e_, a_);                             \
  } while (0)

#define ASSERT_NEAR(expected, actual, tol)                                     \
  do {                                                                         \
    double e_ = (double)(expected), a_ = (double)(actual);                     \
    if (!(fabs(e_ - a_) <= (tol)))                                             \
      HARNESS_FAIL("%s ~ %s: expected %.9g, got %.9g (tol %g)", #expected,     \
                   #actual, e_, a_, (double)(tol));                            \
  } while (0)

#define ASSERT_STR_EQ(expected, actual)                                        \
  do {                                                                         \
    const char *e_ = (expected), *a_ = (actual);                               \
    if (a_ == NULL || strcmp(e_, a_) != 0)                                     \
      HARNESS_FAIL("%s: expected \"%s\", got \"%s\"", #actual, e_,             \
                   a_ ? a_ : "(null)");                                        \
  } while (0)

// A call returning asl_status must succeed; prints the recorded message if not.
#define ASSERT_OK(call)                                                         \
  do {                                                                          \
    int s_ = (call);                                                            \
    if (s_ != 0) HARNESS_FAIL("%s failed (%d): %s", #call, s_, asl_error_message()); \
  } while (0)

#endif
