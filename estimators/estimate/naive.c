/* SPDX-License-Identifier: MIT */
/*
 * The formula blog posts quote: 8 tophash bytes per bucket plus key and value
 * bytes per entry, with 2^B buckets at 6.5 entries per bucket. Always shown so
 * that every correction has something to correct.
 */
#include "estimator.h"

void ms_naive(const struct ms_map_type *type, uint64_t len, uint64_t *ret_bytes,
              uint64_t *ret_buckets)
{
	unsigned B = 0;
	uint64_t kv, bytes;

	/* Go's own rule with loadFactor 6.5: grow while count > 8 && count > 6.5*2^B. */
	while (B < 63 && len > MS_BUCKET_SLOTS && len * 2 > 13 * ((uint64_t)1 << B))
		B++;
	kv = type->key.size_bytes + type->elem.size_bytes;
	if (!ms_mul_u64(kv, len, &bytes) || !ms_add_u64(bytes, ((uint64_t)1 << B) * 8, &bytes))
		bytes = UINT64_MAX;
	*ret_bytes = bytes;
	*ret_buckets = (uint64_t)1 << B;
}
