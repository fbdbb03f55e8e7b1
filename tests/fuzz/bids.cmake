# Fuzz target `bids`: the NIfTI reader, the JSON/sidecar reader and the
# aslcontext.tsv parser on arbitrary bytes. Seed corpus: corpus/bids/ (made
# by corpus/bids/make_corpus.py).
aslsweep_fuzz_target(bids ${PROJECT_SOURCE_DIR}/tests/asl/fuzz_bids.c
  LIBS aslsweep_asl
  CORPUS ${CMAKE_CURRENT_SOURCE_DIR}/corpus/bids)
