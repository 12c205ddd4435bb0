/* SPDX-License-Identifier: MIT */
/*
 * What every estimator shares (estimator.h), below them all: the request
 * context, tallies of allocations and slots, the PRNG of hash simulation.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "estimator.h"

void ms_rng_seed(struct ms_rng *r, uint64_t seed)
{
	/* splitmix64 expands the seed, as xoshiro's authors recommend */
	for (int i = 0; i < 4; i++) {
		uint64_t z = (seed += 0x9e3779b97f4a7c15ull);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		r->s[i] = z ^ (z >> 31);
	}
}

uint64_t ms_rng_binomial_half(struct ms_rng *r, uint64_t n)
{
	uint64_t k = 0;

	for (; n >= 64; n -= 64)
		k += (uint64_t)__builtin_popcountll(ms_rng_next(r));
	if (n)
		k += (uint64_t)__builtin_popcountll(ms_rng_next(r) >> (64 - n));
	return k;
}

void ms_tally_alloc(struct ms_tally *t, const struct ms_est_ctx *ctx, uint64_t req_bytes,
                    bool has_pointers, enum ms_corr raw_id, uint64_t count)
{
	struct ms_alloc a = ms_alloc_object(ctx->go, ctx->arch, req_bytes, has_pointers);

	if (raw_id < MS_CORR__COUNT) /* else the caller splits the raw bytes itself */
		t->corr[raw_id] += (int64_t)(a.req_bytes * count);
	t->corr[MS_CORR_MALLOC_HDR] += (int64_t)(a.header_bytes * count);
	t->corr[MS_CORR_ROUNDING] += (int64_t)(a.slack_bytes * count);
	t->total_bytes += a.total_bytes * count;
}

void ms_tally_slots(struct ms_tally *t, const struct ms_est_ctx *ctx, uint64_t nslots)
{
	uint64_t slot = ctx->kslot_bytes + ctx->vslot_bytes;
	uint64_t inserted = ctx->params->len;

	t->slots_bytes += nslots * slot;
	/* live entries are in the naive formula; deleted ones left their slots behind */
	t->corr[MS_CORR_DELETED] += (int64_t)(ctx->params->deleted * slot);
	t->corr[MS_CORR_EMPTY] += ((int64_t)nslots - (int64_t)inserted) * (int64_t)slot;
	/* the naive formula counts K and V, the slot holds K' and V' */
	t->corr[MS_CORR_OOL_KEYS] +=
	    (int64_t)ctx->live * ((int64_t)ctx->kslot_bytes - (int64_t)ctx->type->key.size_bytes);
	t->corr[MS_CORR_OOL_ELEMS] +=
	    (int64_t)ctx->live * ((int64_t)ctx->vslot_bytes - (int64_t)ctx->type->elem.size_bytes);
}

void ms_tally_out_of_line(struct ms_tally *t, const struct ms_est_ctx *ctx)
{
	if (ctx->key_indirect) {
		t->corr[MS_CORR_OOL_KEYS] += (int64_t)(ctx->live * ctx->key_obj_bytes);
		t->total_bytes += ctx->live * ctx->key_obj_bytes;
	}
	if (ctx->elem_indirect) {
		t->corr[MS_CORR_OOL_ELEMS] += (int64_t)(ctx->live * ctx->elem_obj_bytes);
		t->total_bytes += ctx->live * ctx->elem_obj_bytes;
	}
}

void ms_est_ctx_init(struct ms_est_ctx *ctx, const struct ms_map_type *type,
                     const struct ms_go_version *v, enum ms_arch arch,
                     const struct ms_estimate_params *params)
{
	uint64_t naive_bytes, naive_buckets;

	memset(ctx, 0, sizeof(*ctx));
	ctx->type = type;
	ctx->go = v;
	ctx->arch = arch;
	ctx->params = params;
	ctx->ptr_bytes = ms_arch_info(arch)->ptr_bytes;
	ctx->key_indirect = type->key.size_bytes > MS_MAX_INLINE_BYTES;
	ctx->elem_indirect = type->elem.size_bytes > MS_MAX_INLINE_BYTES;
	ctx->kslot_bytes = ctx->key_indirect ? ctx->ptr_bytes : type->key.size_bytes;
	ctx->vslot_bytes = ctx->elem_indirect ? ctx->ptr_bytes : type->elem.size_bytes;
	ctx->kslot_align = ctx->key_indirect ? ctx->ptr_bytes : type->key.align;
	ctx->vslot_align = ctx->elem_indirect ? ctx->ptr_bytes : type->elem.align;
	ctx->slot_has_pointers = ctx->key_indirect || ctx->elem_indirect ||
	                         type->key.has_pointers || type->elem.has_pointers;
	if (ctx->key_indirect)
		ctx->key_obj_bytes =
		    ms_alloc_object(v, arch, type->key.size_bytes, type->key.has_pointers)
		        .total_bytes;
	if (ctx->elem_indirect)
		ctx->elem_obj_bytes =
		    ms_alloc_object(v, arch, type->elem.size_bytes, type->elem.has_pointers)
		        .total_bytes;
	ctx->live = params->len - params->deleted;
	ms_naive(type, ctx->live, &naive_bytes, &naive_buckets);
	ctx->naive_tophash_bytes = naive_buckets * 8;
}

/*
 * Simulated runs: at least 24 for maps up to 2^20 entries, where the spread
 * matters; fewer (at least 4) for larger ones, whose relative spread is small,
 * so that the work stays near 2^25 simulated inserts (2 runs past 2^22).
 */
