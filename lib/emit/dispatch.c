/* SPDX-License-Identifier: MIT */
/*
 * The top of lib/emit: which emitter writes which format, as one table. Every
 * emitter sits below this file; the helpers they share (format.c) below them.
 */
#include <stdio.h>

#include "emit.h"

/*
 * One row per format; a NULL entry means the format has no emitter for that
 * kind of output, and the text emitter (the first row) writes it. cmd/opts.c
 * only offers each command the formats it has.
 */
static const struct emitters {
	enum ms_format fmt;
	ms_estimates_emitter *estimates;
	ms_capacity_emitter *capacity;
	ms_simulation_emitter *simulation;
	ms_inspect_emitter *inspect;
	ms_diff_emitter *diff;
} emitters[] = {
    {MS_FORMAT_TEXT, ms_emit_estimates_text, ms_emit_capacity_text, ms_emit_simulation_text,
     ms_emit_inspect_text, ms_emit_diff_text},
    {MS_FORMAT_JSON, ms_emit_estimates_json, ms_emit_capacity_json, ms_emit_simulation_json,
     ms_emit_inspect_json, ms_emit_diff_json},
    {MS_FORMAT_NDJSON, NULL, NULL, NULL, ms_emit_inspect_ndjson, NULL},
    {MS_FORMAT_PROMETHEUS, NULL, NULL, NULL, ms_emit_inspect_prometheus, NULL},
    {MS_FORMAT_HTML, NULL, NULL, ms_emit_simulation_html, ms_emit_inspect_html, ms_emit_diff_html},
    {MS_FORMAT_PPROF, NULL, NULL, NULL, ms_emit_inspect_pprof, ms_emit_diff_pprof},
    {MS_FORMAT_FOLDED, NULL, NULL, NULL, ms_emit_inspect_folded, ms_emit_diff_folded},
};

static const struct emitters *row(enum ms_format fmt)
{
	for (size_t i = 0; i < sizeof(emitters) / sizeof(emitters[0]); i++)
		if (emitters[i].fmt == fmt)
			return &emitters[i];
	return &emitters[0];
}

/* The emitter of kind member for fmt, or the text one. */
#define EMITTER(fmt, member) (row(fmt)->member ? row(fmt)->member : emitters[0].member)

struct ms_error *ms_emit_estimates(FILE *out, enum ms_format fmt, const struct ms_map_type *type,
                                   const struct ms_estimate *ests, size_t n,
                                   const struct ms_emit_opts *opts)
{
	if (n == 0)
		return ms_error_create(MS_ERR_INTERNAL, "no estimate to print");
	return EMITTER(fmt, estimates)(out, type, ests, n, opts);
}

struct ms_error *ms_emit_capacity(FILE *out, enum ms_format fmt, const struct ms_map_type *type,
                                  uint64_t budget_bytes, uint64_t max_len,
                                  const struct ms_estimate *at_max, const struct ms_emit_opts *opts)
{
	return EMITTER(fmt, capacity)(out, type, budget_bytes, max_len, at_max, opts);
}

struct ms_error *ms_emit_simulation(FILE *out, enum ms_format fmt, const struct ms_map_type *type,
                                    const char *script_text, const struct ms_sim_run *runs,
                                    size_t n, const struct ms_emit_opts *opts)
{
	if (n == 0)
		return ms_error_create(MS_ERR_INTERNAL, "no simulation to print");
	return EMITTER(fmt, simulation)(out, type, script_text, runs, n, opts);
}

struct ms_error *ms_emit_inspect(FILE *out, enum ms_format fmt, const struct ms_inspect_report *r,
                                 const struct ms_report_view *view, const struct ms_emit_opts *opts)
{
	return EMITTER(fmt, inspect)(out, r, view, opts);
}

struct ms_error *ms_emit_diff(FILE *out, enum ms_format fmt, const struct ms_diff *d, size_t top,
                              const struct ms_emit_opts *opts)
{
	return EMITTER(fmt, diff)(out, d, top, opts);
}
