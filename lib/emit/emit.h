/* SPDX-License-Identifier: MIT */
/*
 * Emitters, one file per format and kind of output, each behind one of the
 * signatures below; lib/emit/dispatch.c picks them from a table by format.
 * Emitters format the model and compute nothing; they share lib/emit/format.c.
 */
#ifndef MS_EMIT_H
#define MS_EMIT_H

#include "mapsize.h"

typedef struct ms_error *ms_estimates_emitter(FILE *out, const struct ms_map_type *type,
                                              const struct ms_estimate *ests, size_t n,
                                              const struct ms_emit_opts *opts);
typedef struct ms_error *ms_capacity_emitter(FILE *out, const struct ms_map_type *type,
                                             uint64_t budget_bytes, uint64_t max_len,
                                             const struct ms_estimate *at_max,
                                             const struct ms_emit_opts *opts);
typedef struct ms_error *ms_simulation_emitter(FILE *out, const struct ms_map_type *type,
                                               const char *script_text,
                                               const struct ms_sim_run *runs, size_t n,
                                               const struct ms_emit_opts *opts);
/* view NULL: every map, biggest first. */
typedef struct ms_error *ms_inspect_emitter(FILE *out, const struct ms_inspect_report *r,
                                            const struct ms_report_view *view,
                                            const struct ms_emit_opts *opts);
typedef struct ms_error *ms_diff_emitter(FILE *out, const struct ms_diff *d, size_t top,
                                         const struct ms_emit_opts *opts);

/* estimate: emit_text.c, emit_json.c */
ms_estimates_emitter ms_emit_estimates_text, ms_emit_estimates_json;
ms_capacity_emitter ms_emit_capacity_text, ms_emit_capacity_json;
/* simulate: emit_sim.c, emit_html.c */
ms_simulation_emitter ms_emit_simulation_text, ms_emit_simulation_json, ms_emit_simulation_html;
/* inspect, attach, replay: emit_inspect.c, emit_html.c */
ms_inspect_emitter ms_emit_inspect_text, ms_emit_inspect_json, ms_emit_inspect_ndjson,
    ms_emit_inspect_prometheus, ms_emit_inspect_html;
/* diff: emit_diff.c, emit_html.c */
ms_diff_emitter ms_emit_diff_text, ms_emit_diff_json, ms_emit_diff_html;
/* inspect and diff as profiles: emit_pprof.c, emit_folded.c */
ms_inspect_emitter ms_emit_inspect_pprof, ms_emit_inspect_folded;
ms_diff_emitter ms_emit_diff_pprof, ms_emit_diff_folded;

/*
 * The maps of a view (NULL: every map, biggest first), in its order
 * (emit_inspect.c). Owned array of borrowed pointers; NULL when out of memory.
 */
const struct ms_map_report **ms_emit_view_maps(const struct ms_inspect_report *r,
                                               const struct ms_report_view *view, size_t *ret_n);

/* The whole report as a recorded layout (kind "layout", every map, by address). */
MS_MUST_CHECK struct ms_error *ms_emit_layout_json(FILE *out, const struct ms_inspect_report *r);

#endif
