# Run at every build (cmake -P): writes OUT with the source tree's git
# revision, rewriting it only when the revision changed so that nothing
# recompiles needlessly. A tree without git (a release tarball) says
# "unknown".
execute_process(COMMAND git -C "${SRC}" describe --always --dirty --tags
  OUTPUT_VARIABLE rev OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR rev STREQUAL "")
  set(rev unknown)
endif()
set(text "#define ASLSWEEP_GIT_REVISION \"${rev}\"\n")
if(EXISTS "${OUT}")
  file(READ "${OUT}" old)
endif()
if(NOT old STREQUAL text)
  file(WRITE "${OUT}" "${text}")
endif()
