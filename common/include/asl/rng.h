// Deterministic random numbers: every random draw in aslsweep comes from an
// asl_rng seeded from the spec seed and a job key, so results never depend on
// rank count, thread count or scheduling order.
//
// Generator: xoshiro256** (Blackman & Vigna), seeded through splitmix64. Its
// whole state is four words, so checkpoints store it verbatim.
#ifndef ASL_RNG_H
#define ASL_RNG_H

#include <stdint.h>

typedef struct {
  uint64_t s[4];
} asl_rng;

void asl_rng_seed(asl_rng *r, uint64_t seed);
// Seed from a base seed and a string (a job key, a subject id): the same pair
// always gives the same stream, different strings give unrelated streams.
void asl_rng_seed_key(asl_rng *r, uint64_t seed, const char *key);
uint64_t asl_rng_next(asl_rng *r);
// Uniform in [0, 1) with 53 random bits.
double asl_rng_uniform(asl_rng *r);
// Uniform integer in [0, n), n > 0, without modulo bias.
uint64_t asl_rng_below(asl_rng *r, uint64_t n);
// Standard normal (Box-Muller; one value per call, no cached spare so the
// state alone determines the stream).
double asl_rng_normal(asl_rng *r);
// 64-bit FNV-1a hash of a string, for deriving seeds from keys.
uint64_t asl_hash64(const char *s);

#endif
