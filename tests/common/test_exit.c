// asl_exit_code: every status has its documented exit status, and an unknown
// code is a run-time failure rather than success.
#include "asl/exit.h"
#include "harness.h"

TEST(exit_code_of_every_status) {
  ASSERT_EQ(0, asl_exit_code(ASL_OK));
  ASSERT_EQ(3, asl_exit_code(ASL_EINTERRUPTED));
  const asl_status usage[] = {ASL_EFORMAT, ASL_EINVAL, ASL_ENOTFOUND, ASL_ESHAPE, ASL_ESPEC,
                              ASL_ECHECKSUM, ASL_EUNSUPPORTED};
  for (size_t i = 0; i < sizeof usage / sizeof usage[0]; i++) ASSERT_EQ(2, asl_exit_code(usage[i]));
  const asl_status runtime[] = {ASL_ENOMEM, ASL_EIO, ASL_ENUMERIC, ASL_EMPI, ASL_EHDF5};
  for (size_t i = 0; i < sizeof runtime / sizeof runtime[0]; i++)
    ASSERT_EQ(1, asl_exit_code(runtime[i]));
  ASSERT_EQ(1, asl_exit_code((asl_status)-999));
}

TEST(exit_help_names_all_four_codes) {
  ASSERT(strstr(asl_exit_help, "0 success") != NULL);
  ASSERT(strstr(asl_exit_help, "1 run-time failure") != NULL);
  ASSERT(strstr(asl_exit_help, "2 bad usage or bad input") != NULL);
  ASSERT(strstr(asl_exit_help, "3 interrupted") != NULL);
}

int main(void) {
  RUN(exit_code_of_every_status);
  RUN(exit_help_names_all_four_codes);
  return DONE();
}
