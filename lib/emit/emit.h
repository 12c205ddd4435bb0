/* SPDX-License-Identifier: MIT */
/* Emitters, one file per format; lib/emit/dispatch.c dispatches. */
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

struct ms_error *ms_emit_simulation_json(FILE *out, const struct ms_map_type *type,
                                         const char *script_text, const struct ms_sim_run *runs,
                                         size_t n);
struct ms_error *ms_emit_simulation_text(FILE *out, const struct ms_map_type *type,
                                         const char *script_text, const struct ms_sim_run *runs,
                                         size_t n, const struct ms_emit_opts *opts);
struct ms_error *ms_emit_simulation_html(FILE *out, const struct ms_map_type *type,
                                         const char *script_text, const struct ms_sim_run *runs,
                                         size_t n);

/* "41.2 MiB", or "43205632 B" with exact_bytes; negative values get a '-'. */
void ms_emit_bytes(char *buf, size_t len, double bytes, const struct ms_emit_opts *opts);
/* "+1.20 MiB" / "-512 B": a signed change. */
void ms_emit_delta(char *buf, size_t len, int64_t bytes, const struct ms_emit_opts *opts);

/* A self-contained HTML page of a report or a diff (lib/emit/emit_html.c). */
struct ms_error *ms_emit_inspect_html(FILE *out, const struct ms_inspect_report *r,
                                      const struct ms_report_view *view);
struct ms_error *ms_emit_diff_html(FILE *out, const struct ms_diff *d, size_t top);

/* The whole report as a recorded layout (kind "layout", every map, by address). */
struct ms_error *ms_emit_layout_json(FILE *out, const struct ms_inspect_report *r);
/* Fill the report's summary (totals, found_by, by type and package) from its maps. */
struct ms_error *ms_report_summarize(struct ms_inspect_report *r);

#endif
