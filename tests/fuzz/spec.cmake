# Fuzz target `spec`: the sweep spec loader (YAML, overrides, interpolation,
# validation, expansion) on arbitrary bytes.
aslsweep_fuzz_target(spec ${PROJECT_SOURCE_DIR}/tests/sweeps/fuzz_spec.c
  LIBS aslsweep_sweeps
  CORPUS ${CMAKE_CURRENT_SOURCE_DIR}/corpus/spec)
