/* SPDX-License-Identifier: MIT */
/* Emitters, one file per format; lib/emit.c dispatches. */
#ifndef MS_EMIT_H
#define MS_EMIT_H

#include "mapsize.h"

struct ms_error *ms_emit_estimates_json(FILE *out, const struct ms_map_type *type,
                                        const struct ms_estimate *ests, size_t n);
struct ms_error *ms_emit_capacity_json(FILE *out, const struct ms_map_type *type,
                                       uint64_t budget_bytes, uint64_t max_len,
                                       const struct ms_estimate *at_max);
struct ms_error *ms_emit_estimates_text(FILE *out, const struct ms_map_type *type,
                                        const struct ms_estimate *ests, size_t n,
                                        const struct ms_emit_opts *opts);
struct ms_error *ms_emit_capacity_text(FILE *out, const struct ms_map_type *type,
                                       uint64_t budget_bytes, uint64_t max_len,
                                       const struct ms_estimate *at_max,
                                       const struct ms_emit_opts *opts);

#endif
