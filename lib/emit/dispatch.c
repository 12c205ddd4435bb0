/* SPDX-License-Identifier: MIT */
#include "emit.h"

#include <stdio.h>

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

struct ms_error *ms_emit_simulation(FILE *out, enum ms_format fmt, const struct ms_map_type *type,
                                    const char *script_text, const struct ms_sim_run *runs,
                                    size_t n, const struct ms_emit_opts *opts)
{
	if (n == 0)
		return ms_error_create(MS_ERR_INTERNAL, "no simulation to print");
	if (fmt == MS_FORMAT_JSON)
		return ms_emit_simulation_json(out, type, script_text, runs, n);
	if (fmt == MS_FORMAT_HTML)
		return ms_emit_simulation_html(out, type, script_text, runs, n);
	return ms_emit_simulation_text(out, type, script_text, runs, n, opts);
}

void ms_emit_bytes(char *buf, size_t len, double bytes, const struct ms_emit_opts *opts)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double v = bytes < 0 ? -bytes : bytes;
	const char *sign = bytes < 0 ? "-" : "";
	int u = 0;

	if (opts->exact_bytes || v < 1024) {
		snprintf(buf, len, "%s%.0f B", sign, v);
		return;
	}
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, "%s%.*f %s", sign, v < 10 ? 2 : 1, v, units[u]);
}

void ms_emit_delta(char *buf, size_t len, int64_t bytes, const struct ms_emit_opts *opts)
{
	char tmp[40];

	ms_emit_bytes(tmp, sizeof(tmp), (double)(bytes < 0 ? -bytes : bytes), opts);
	snprintf(buf, len, "%s%s", bytes < 0 ? "-" : "+", tmp);
}
