/* SPDX-License-Identifier: MIT */
/*
 * Estimators: one per map implementation, behind one interface.
 *
 * Adding an implementation:
 *  1. write estimators/estimate/NAME.c defining `const struct ms_estimator ms_estimator_NAME`
 *     (its walker of real memory goes in estimators/walk/, its per-key model for
 *     simulate in estimators/simulate/: see walk.h and sim.h);
 *  2. add it to the table in registry.c and to estimators/meson.build;
 *  3. map the Go versions that use it in lib/gomodel/gover.c (ms_go_map_impl);
 *  4. add its configurations to tests/go/run_estimate_truth.py: the Go runtime is the judge;
 *  5. optionally an analytic model (.analytic) for large lens, compared with .run in
 *     tests/unit/test_estimate_model.c.
 *
 * An estimator fills a struct ms_tally: the exact bytes of one possible outcome,
 * split by cause. Seed-dependent implementations are run once per hash seed and
 * the registry turns the tallies into an expectation and a spread.
 */
#ifndef MS_ESTIMATOR_H
#define MS_ESTIMATOR_H

#include "gover.h"
#include "mapsize.h"

/* Correction ids, in the order they are reported. */
enum ms_corr {
	MS_CORR_TOPHASH,     /* classic: tophash bytes of the main buckets vs naive */
	MS_CORR_CONTROL,     /* swiss: control words vs naive's tophash bytes */
	MS_CORR_PADDING,     /* swiss: padding inside slots or groups */
	MS_CORR_EMPTY,       /* slots allocated but never filled */
	MS_CORR_DELETED,     /* slots whose entries were deleted */
	MS_CORR_OVF_PTRS,    /* classic: overflow pointer of each main bucket */
	MS_CORR_OOL_KEYS,    /* keys > 128 bytes: pointer in the slot + own object */
	MS_CORR_OOL_ELEMS,   /* values > 128 bytes: same */
	MS_CORR_PREALLOC,    /* classic: preallocated overflow buckets in the array */
	MS_CORR_OVF_BUCKETS, /* classic: overflow buckets allocated one by one */
	MS_CORR_OVF_SLICE,   /* classic, pointer-free: mapextra.overflow slice */
	MS_CORR_GROWTH,      /* classic: old array still held while evacuating */
	MS_CORR_HEADERS,     /* hmap/mapextra or Map/table structs */
	MS_CORR_DIRECTORY,   /* swiss: directory of table pointers */
	MS_CORR_ROUNDING,    /* size-class and page rounding */
	MS_CORR_MALLOC_HDR,  /* 8-byte malloc headers (1.22+) */
	MS_CORR__COUNT
};

struct ms_corr_info {
	const char *id;
	const char *reason;
};
extern const struct ms_corr_info ms_corr_info[MS_CORR__COUNT];

/* Everything an estimator needs, derived once from the request. */
struct ms_est_ctx {
	const struct ms_map_type *type;
	const struct ms_go_version *go;
	enum ms_arch arch;
	const struct ms_estimate_params *params;
	unsigned ptr_bytes;
	/* K' and V': the inline sizes (a pointer when indirect) */
	uint64_t kslot_bytes, vslot_bytes;
	uint32_t kslot_align, vslot_align;
	bool key_indirect, elem_indirect;
	bool slot_has_pointers;                 /* K' or V' has pointers */
	uint64_t key_obj_bytes, elem_obj_bytes; /* alloc of an out-of-line key/value */
	uint64_t live;                          /* entries left: len - deleted */
	uint64_t naive_tophash_bytes;
	/* simulate: m[k] = v compiles to a fast assign (mapassign_fast32/64/str) */
	bool fast_assign;
};

/* Fill ctx for one request (params must outlive ctx). */
void ms_est_ctx_init(struct ms_est_ctx *ctx, const struct ms_map_type *type,
                     const struct ms_go_version *v, enum ms_arch arch,
                     const struct ms_estimate_params *params);

/* One outcome: bytes per correction plus the shape. */
struct ms_tally {
	int64_t corr[MS_CORR__COUNT];
	uint64_t slots_bytes; /* bytes of K'/V' in all allocated slots (checks the sum) */
	uint64_t total_bytes; /* sum of allocation sizes, computed independently */
	uint64_t peak_bytes;
	struct ms_estimate_shape shape;
};

struct ms_estimator {
	const char *name; /* "naive", "bucket", "swiss" */
	enum ms_map_impl impl;
	/* Fill the parts of ret->shape that never depend on the hash seed. Required. */
	void (*describe)(const struct ms_est_ctx *ctx, struct ms_estimate_shape *ret);
	/* Can the bytes depend on the hash seed for this request? Required. */
	bool (*seed_dependent)(const struct ms_est_ctx *ctx);
	/* One outcome for hash seed `seed`. Required. */
	struct ms_error *(*run)(const struct ms_est_ctx *ctx, uint64_t seed, struct ms_tally *ret);
	/* The analytic model (MS_MODEL_ANALYTIC): up to MS_EST_MAX_OUTCOMES weighted
	 * outcomes whose weighted mean and spread stand for the seeds' (weights sum to
	 * 1; ret[i].shape comes filled by describe). Optional: without it every len is
	 * simulated. */
	struct ms_error *(*analytic)(const struct ms_est_ctx *ctx, struct ms_tally *ret,
	                             double *ret_weights, unsigned *ret_n);
};

#define MS_EST_MAX_OUTCOMES 16

/* Poisson(mu) chain lengths: mean of f(c) = ceil(c/per) - 1 (c >= 1) and its
 * variance per bucket in a sum over buckets with a fixed total (analytic.c). */
struct ms_pois_moments {
	double mean, var;
};
void ms_pois_moments(double mu, unsigned per, struct ms_pois_moments *ret);
/* Binomial(n, q): P(X = k) and P(X > K); n may be up to 2^40. */
double ms_binom_pmf(double n, double q, uint64_t k);
double ms_binom_tail_gt(double n, double q, uint64_t K);
/* Variance per old bucket of the evacuated count x*N inserts into a growth (x <= ln 2). */
double ms_evac_var_per_bucket(double x);
double ms_normal_cdf(double z);
/* Three-point Gauss-Hermite rule: z and weights matching a normal's mean and variance. */
extern const double ms_gh3_z[3], ms_gh3_w[3];

extern const struct ms_estimator ms_estimator_bucket;
extern const struct ms_estimator ms_estimator_swiss;

/* The naive formula people quote: buckets*8 + (key+value)*len, buckets from load 6.5. */
void ms_naive(const struct ms_map_type *type, uint64_t len, uint64_t *ret_bytes,
              uint64_t *ret_buckets);

/* Helpers shared by estimators. */

/* Heap bytes of one object of bytes (size class, malloc header) on ctx's version and arch. */
static inline uint64_t ms_est_alloc(const struct ms_est_ctx *ctx, uint64_t bytes, bool ptrs)
{
	return ms_alloc_object(ctx->go, ctx->arch, bytes, ptrs).total_bytes;
}

/* Swiss: a table struct and its groups for cap slots. */
static inline uint64_t ms_swiss_table_alloc(const struct ms_est_ctx *ctx, uint64_t cap,
                                            uint64_t group_bytes, bool group_ptrs)
{
	return ms_est_alloc(ctx, ms_go_swiss_table_bytes(ctx->arch), true) +
	       ms_est_alloc(ctx, cap / MS_GROUP_SLOTS * group_bytes, group_ptrs);
}

/* Bucket and group geometry and what a hint allocates (bucket.c, swiss.c), shared with
 * the per-key models of estimators/simulate. */
uint64_t ms_bucket_bytes(const struct ms_est_ctx *ctx);
unsigned ms_bucket_hint_B(const struct ms_est_ctx *ctx, uint64_t hint, uint64_t bucket_bytes);
/* makeBucketArray: buckets allocated for 2^B, preallocated overflow included. */
uint64_t ms_bucket_array_len(const struct ms_est_ctx *ctx, unsigned B, uint64_t bucket_bytes,
                             bool ptrs);
void ms_swiss_group_layout(const struct ms_est_ctx *ctx, uint64_t *ret_group, uint64_t *ret_slot);
bool ms_swiss_hint_layout(const struct ms_est_ctx *ctx, uint64_t hint, uint64_t group_bytes,
                          uint64_t *ret_dir, uint64_t *ret_cap);

/* Record one allocation: raw bytes go to corr[raw_id], header and slack to theirs. */
void ms_tally_alloc(struct ms_tally *t, const struct ms_est_ctx *ctx, uint64_t req_bytes,
                    bool has_pointers, enum ms_corr raw_id, uint64_t count);
/* Split the K'/V' bytes of nslots slots into live, deleted and empty. */
void ms_tally_slots(struct ms_tally *t, const struct ms_est_ctx *ctx, uint64_t nslots);
/* Out-of-line keys and values of the live entries. */
void ms_tally_out_of_line(struct ms_tally *t, const struct ms_est_ctx *ctx);

/* A small, fast PRNG (xoshiro256**) for hash simulation. */
struct ms_rng {
	uint64_t s[4];
};
void ms_rng_seed(struct ms_rng *r, uint64_t seed);
static inline uint64_t ms_rng_next(struct ms_rng *r)
{
	uint64_t *s = r->s;
	uint64_t x = s[1] * 5;
	uint64_t result = ((x << 7) | (x >> 57)) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = (s[3] << 45) | (s[3] >> 19);
	return result;
}
/* incrnoverflow: does one more overflow bucket count? Always below B = 16, then with
 * probability 1/2^(B-15) (the runtime's fastrand). */
static inline bool ms_classic_overflow_counts(unsigned B, struct ms_rng *r)
{
	return B < 16 || (ms_rng_next(r) & (((uint64_t)1 << (B - 15)) - 1)) == 0;
}

/* Binomial(n, 1/2). */
uint64_t ms_rng_binomial_half(struct ms_rng *r, uint64_t n);

#endif
