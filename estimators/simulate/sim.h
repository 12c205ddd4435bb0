/* SPDX-License-Identifier: MIT */
/*
 * Per-key map models for mapsize simulate: one per implementation, behind one
 * interface, each a re-implementation of the runtime's algorithm on 64-bit key
 * ids (insert, delete, clear, growth, evacuation, tombstones) that keeps the
 * heap bytes the real map would hold. Adding one: write estimators/sim_NAME.c,
 * add it to ms_sim_model_for() in simulate.c, and give tests/go/run_simulate_truth.py
 * its configurations.
 */
#ifndef MS_SIM_H
#define MS_SIM_H

#include "estimator.h"
#include "simscript.h"

struct ms_sim_map;

struct ms_sim_model {
	const char *name;
	/* make(map[K]V, hint); hint MS_SIM_NO_HINT: make(map[K]V). rng is the runtime's rand(). */
	struct ms_error *(*create)(const struct ms_est_ctx *ctx, struct ms_rng *rng, uint64_t hint,
	                           struct ms_sim_map **ret);
	void (*destroy)(struct ms_sim_map *m);
	/* m[key] = v; *ret_new tells whether the key was new. */
	struct ms_error *(*assign)(struct ms_sim_map *m, uint64_t key, bool *ret_new);
	/* delete(m, key); false if the key was not there. */
	struct ms_error *(*remove)(struct ms_sim_map *m, uint64_t key, bool *ret_found);
	struct ms_error *(*clear)(struct ms_sim_map *m);
	/* Bytes held now, and the most held at any moment so far (inside grows too). */
	void (*bytes)(const struct ms_sim_map *m, uint64_t *ret_held, uint64_t *ret_peak);
	void (*shape)(const struct ms_sim_map *m, struct ms_sim_shape *ret);
	/* A hint: key will be assigned or deleted soon; load its bucket or group. */
	void (*prefetch)(const struct ms_sim_map *m, uint64_t key);
};

extern const struct ms_sim_model ms_sim_bucket, ms_sim_swiss;

/* The runtime's hash of key under seed, as wide as a uintptr (hash_bits 32 or 64). */
static inline uint64_t ms_sim_hash(uint64_t key, uint64_t seed, unsigned hash_bits)
{
	uint64_t z = (key * 0x9E3779B97F4A7C15u) ^ seed;

	z ^= z >> 30;
	z *= 0xBF58476D1CE4E5B9u;
	z ^= z >> 27;
	z *= 0x94D049BB133111EBu;
	z ^= z >> 31;
	return hash_bits == 32 ? z & 0xFFFFFFFFu : z;
}

#endif
