# Fuzz target `checkpoint`: the engine's checkpoint loader on arbitrary
# bytes. Seed corpus: corpus/checkpoint/ (made by
# tests/engine/make_checkpoint_corpus.py).
aslsweep_fuzz_target(checkpoint ${PROJECT_SOURCE_DIR}/tests/engine/fuzz_checkpoint.c
  LIBS aslsweep_engine
  CORPUS ${CMAKE_CURRENT_SOURCE_DIR}/corpus/checkpoint)
