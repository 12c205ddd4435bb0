/* SPDX-License-Identifier: MIT */
#include "emit.h"

struct ms_error *ms_emit_estimates(FILE *out, enum ms_format fmt, const struct ms_map_type *type,
                                   const struct ms_estimate *ests, size_t n,
                                   const struct ms_emit_opts *opts)
{
	if (n == 0)
		return ms_error_create(MS_ERR_INTERNAL, "no estimate to print");
	if (fmt == MS_FORMAT_JSON)
		return ms_emit_estimates_json(out, type, ests, n);
	return ms_emit_estimates_text(out, type, ests, n, opts);
}

struct ms_error *ms_emit_capacity(FILE *out, enum ms_format fmt, const struct ms_map_type *type,
                                  uint64_t budget_bytes, uint64_t max_len,
                                  const struct ms_estimate *at_max, const struct ms_emit_opts *opts)
{
	if (fmt == MS_FORMAT_JSON)
		return ms_emit_capacity_json(out, type, budget_bytes, max_len, at_max);
	return ms_emit_capacity_text(out, type, budget_bytes, max_len, at_max, opts);
}
