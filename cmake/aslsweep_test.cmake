# aslsweep_unit_test(NAME SOURCES... LIBS libs... [LABELS l...])
# Builds one test executable and registers it with ctest. Every test carries
# at least one of the labels unit, mpi, slurm, slow, fuzz.
function(aslsweep_unit_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  if(NOT T_LABELS)
    set(T_LABELS unit)
  endif()
  add_executable(${name} ${T_SOURCES})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  target_link_libraries(${name} PRIVATE ${T_LIBS})
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}"
    ENVIRONMENT "ASLSWEEP_SOURCE_DIR=${PROJECT_SOURCE_DIR};ASLSWEEP_BINARY_DIR=${PROJECT_BINARY_DIR};OPENBLAS_NUM_THREADS=1")
endfunction()

# aslsweep_library(NAME DEPS...): a static library from every src/*.c of the
# calling folder, with its public headers in include/.
function(aslsweep_library name)
  file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/src/*.c)
  if(NOT srcs)
    # A folder whose code has not landed yet still yields a linkable library.
    set(srcs ${CMAKE_CURRENT_BINARY_DIR}/${name}_empty.c)
    file(WRITE ${srcs} "typedef int ${name}_empty;\n")
  endif()
  add_library(${name} STATIC ${srcs})
  target_include_directories(${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
                                     PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(${name} PUBLIC ${ARGN})
endfunction()
