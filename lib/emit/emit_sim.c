/* SPDX-License-Identifier: MIT */
/*
 * Emitters for mapsize simulate: text (a table per Go version and a small
 * chart of held bytes over time) and JSON (doc/schema/simulate.schema.json).
 * They format only; every number comes from the runs.
 */
#include <jansson.h>
#include <string.h>

#include "emit.h"
#include "format.h"

static json_t *juint(uint64_t v)
{
	return json_integer((json_int_t)v);
}

static void structure_json(json_t *o, enum ms_map_impl impl, const struct ms_sim_shape *s)
{
	if (impl == MS_IMPL_CLASSIC) {
		json_object_set_new(o, "B", juint(s->B));
		json_object_set_new(o, "overflow_buckets", juint(s->overflow_buckets));
		json_object_set_new(o, "growing", json_boolean(s->growing));
		json_object_set_new(o, "same_size_growth", json_boolean(s->same_size));
		json_object_set_new(o, "nevacuate", juint(s->nevacuate));
	} else {
		json_object_set_new(o, "small", json_boolean(s->small));
		json_object_set_new(o, "tables", juint(s->tables));
		json_object_set_new(o, "dir_len", juint(s->dir_len));
		json_object_set_new(o, "tombstones", juint(s->tombstones));
	}
	json_object_set_new(o, "capacity_slots", juint(s->capacity_slots));
}

static json_t *range(uint64_t lo, uint64_t hi)
{
	return json_pack("[II]", (json_int_t)lo, (json_int_t)hi);
}

/* {"held_bytes": [lo, hi], ...}: every seed-dependent number's spread over seeds. */
static json_t *spread_json(enum ms_map_impl impl, const struct ms_sim_point *p)
{
	json_t *o = json_object();

	json_object_set_new(o, "len", range(p->low.len, p->high.len));
	json_object_set_new(o, "held_bytes", range(p->low.held_bytes, p->high.held_bytes));
	json_object_set_new(o, "capacity_slots",
	                    range(p->low.capacity_slots, p->high.capacity_slots));
	if (impl == MS_IMPL_CLASSIC) {
		json_object_set_new(o, "B", range(p->low.B, p->high.B));
		json_object_set_new(o, "overflow_buckets",
		                    range(p->low.overflow_buckets, p->high.overflow_buckets));
		json_object_set_new(o, "growing", range(p->low.growing, p->high.growing));
	} else {
		json_object_set_new(o, "small", range(p->low.small, p->high.small));
		json_object_set_new(o, "tables", range(p->low.tables, p->high.tables));
		json_object_set_new(o, "dir_len", range(p->low.dir_len, p->high.dir_len));
		json_object_set_new(o, "tombstones", range(p->low.tombstones, p->high.tombstones));
	}
	return o;
}

static json_t *point_json(const struct ms_sim_run *r, const struct ms_sim_point *p)
{
	json_t *o = json_object();

	json_object_set_new(o, "name", json_string(p->name));
	json_object_set_new(o, "ops", juint(p->ops));
	json_object_set_new(o, "len", juint(p->shape.len));
	json_object_set_new(o, "held_bytes", juint(p->shape.held_bytes));
	json_object_set_new(o, "held_low_bytes", juint(p->low.held_bytes));
	json_object_set_new(o, "held_high_bytes", juint(p->high.held_bytes));
	json_object_set_new(o, "live_bytes", juint(p->shape.live_bytes));
	structure_json(o, r->impl, &p->shape);
	json_object_set_new(o, "spread", spread_json(r->impl, p));
	return o;
}

static json_t *run_json(const struct ms_sim_run *r)
{
	char ver[64];
	json_t *o = json_object(), *cps = json_array(), *fin, *peak, *series = json_object();
	json_t *held = json_array(), *len = json_array();

	ms_go_version_format(&r->go, ver, sizeof(ver));
	json_object_set_new(o, "go_version", json_string(ver));
	json_object_set_new(o, "impl", json_string(ms_map_impl_name(r->impl)));
	json_object_set_new(o, "seeds", juint(r->nseeds));
	for (size_t i = 0; i < r->npoints; i++)
		json_array_append_new(cps, point_json(r, &r->points[i]));
	json_object_set_new(o, "checkpoints", cps);
	fin = point_json(r, &r->final);
	json_object_set_new(fin, "peak_bytes", juint(r->peak_bytes));
	json_object_set_new(fin, "peak_low_bytes", juint(r->peak_low_bytes));
	json_object_set_new(fin, "peak_high_bytes", juint(r->peak_high_bytes));
	json_object_set_new(fin, "peak_ops", juint(r->peak_ops));
	json_object_set_new(fin, "peak_after",
	                    r->peak_after ? json_string(r->peak_after) : json_null());
	peak = json_object();
	json_object_set_new(peak, "len", juint(r->peak_shape.len));
	json_object_set_new(peak, "held_bytes", juint(r->peak_shape.held_bytes));
	structure_json(peak, r->impl, &r->peak_shape);
	json_object_set_new(fin, "peak_structure", peak);
	json_object_set_new(o, "final", fin);
	for (size_t i = 0; i < r->nseries; i++) {
		json_array_append_new(held, juint(r->series_held[i]));
		json_array_append_new(len, juint(r->series_len[i]));
	}
	json_object_set_new(series, "step_ops", juint(r->series_step));
	json_object_set_new(series, "held_bytes", held);
	json_object_set_new(series, "len", len);
	json_object_set_new(o, "series", series);
	return o;
}

struct ms_error *ms_emit_simulation_json(FILE *out, const struct ms_map_type *type,
                                         const char *script_text, const struct ms_sim_run *runs,
                                         size_t n, const struct ms_emit_opts *opts)
{
	json_t *doc = json_object(), *arr = json_array();
	int rc;

	json_object_set_new(doc, "schema_version", json_integer(MS_SCHEMA_VERSION));
	json_object_set_new(doc, "kind", json_string("simulation"));
	json_object_set_new(doc, "type", json_string(type->name));
	json_object_set_new(doc, "arch", json_string(ms_arch_info(runs[0].arch)->name));
	json_object_set_new(doc, "script", script_text ? json_string(script_text) : json_null());
	json_object_set_new(doc, "ops", juint(runs[0].final.ops));
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, run_json(&runs[i]));
	json_object_set_new(doc, "runs", arr);
	rc = json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (rc != 0 || fputc('\n', out) == EOF)
		return ms_error_create(MS_ERR_IO, "cannot write the JSON output");
	return NULL;
}

/* ---- text ------------------------------------------------------------------ */

static void structure_text(char *buf, size_t len, enum ms_map_impl impl,
                           const struct ms_sim_shape *s)
{
	if (impl == MS_IMPL_CLASSIC)
		snprintf(buf, len, "B=%u, %llu overflow%s", s->B,
		         (unsigned long long)s->overflow_buckets,
		         s->growing ? (s->same_size ? ", same-size growth" : ", growing") : "");
	else if (s->small)
		snprintf(buf, len, "small (one group)");
	else
		snprintf(buf, len, "%llu table%s, %llu slots, dir %llu, %llu tombstones",
		         (unsigned long long)s->tables, s->tables == 1 ? "" : "s",
		         (unsigned long long)s->capacity_slots, (unsigned long long)s->dir_len,
		         (unsigned long long)s->tombstones);
}

static void point_text(FILE *out, const struct ms_sim_run *r, const struct ms_sim_point *p,
                       const struct ms_emit_opts *opts)
{
	char held[32], lo[32], hi[32], st[128], spread[80] = "";

	ms_emit_bytes(held, sizeof(held), (double)p->shape.held_bytes, opts);
	if (p->low.held_bytes != p->high.held_bytes) {
		ms_emit_bytes(lo, sizeof(lo), (double)p->low.held_bytes, opts);
		ms_emit_bytes(hi, sizeof(hi), (double)p->high.held_bytes, opts);
		snprintf(spread, sizeof(spread), "%s .. %s", lo, hi);
	}
	structure_text(st, sizeof(st), r->impl, &p->shape);
	fprintf(out, "  %-16s %12llu %10llu %12s  %-25s %s\n", p->name, (unsigned long long)p->ops,
	        (unsigned long long)p->shape.len, held, spread, st);
}

/* Held bytes over time as one line of eighth blocks, scaled to max. */
static void chart_text(FILE *out, const struct ms_sim_run *r, uint64_t max)
{
	static const char *const blocks[] = {"\u2581", "\u2582", "\u2583", "\u2584",
	                                     "\u2585", "\u2586", "\u2587", "\u2588"};
	size_t width = 64, n = r->nseries;

	fputs("  held over time  ", out);
	for (size_t c = 0; c < width && n; c++) {
		/* the largest sample in this column's share of the series */
		size_t a = c * n / width, b = (c + 1) * n / width;
		uint64_t v = 0;

		if (b <= a)
			b = a + 1;
		for (size_t i = a; i < b && i < n; i++)
			v = r->series_held[i] > v ? r->series_held[i] : v;
		fputs(blocks[max ? (size_t)((double)v / (double)max * 7.999) : 0], out);
	}
	fputc('\n', out);
}

/* The versions side by side: the final state and the peak. */
static void summary_text(FILE *out, const struct ms_sim_run *runs, size_t n,
                         const struct ms_emit_opts *opts)
{
	fprintf(out, "\n%-22s %12s %12s %12s  %s\n", "side by side", "final held", "peak",
	        "live bytes", "final structure");
	for (size_t i = 0; i < n; i++) {
		const struct ms_sim_run *r = &runs[i];
		char ver[64], held[32], peak[32], live[32], st[128];

		ms_go_version_format(&r->go, ver, sizeof(ver));
		ms_emit_bytes(held, sizeof(held), (double)r->final.shape.held_bytes, opts);
		ms_emit_bytes(peak, sizeof(peak), (double)r->peak_bytes, opts);
		ms_emit_bytes(live, sizeof(live), (double)r->final.shape.live_bytes, opts);
		structure_text(st, sizeof(st), r->impl, &r->final.shape);
		fprintf(out, "%-22s %12s %12s %12s  %s\n", ver, held, peak, live, st);
	}
}

struct ms_error *ms_emit_simulation_text(FILE *out, const struct ms_map_type *type,
                                         const char *script_text, const struct ms_sim_run *runs,
                                         size_t n, const struct ms_emit_opts *opts)
{
	uint64_t max = 0;

	fprintf(out, "%s on %s, %llu operations", type->name, ms_arch_info(runs[0].arch)->name,
	        (unsigned long long)runs[0].final.ops);
	if (script_text) {
		size_t len = strcspn(script_text, "\n");

		fprintf(out, ": %.*s%s", (int)(len > 100 ? 100 : len), script_text,
		        len > 100 || script_text[len] ? " ..." : "");
	}
	fputs("\n", out);
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < runs[i].nseries; k++)
			max = runs[i].series_held[k] > max ? runs[i].series_held[k] : max;
	for (size_t i = 0; i < n; i++) {
		const struct ms_sim_run *r = &runs[i];
		char ver[64], peak[32], lo[32], hi[32], st[128];

		ms_go_version_format(&r->go, ver, sizeof(ver));
		fprintf(out, "\n%s (%s map, %u hash seeds; median seed, spread over seeds)\n", ver,
		        ms_map_impl_name(r->impl), r->nseeds);
		fprintf(out, "  %-16s %12s %10s %12s  %-25s %s\n", "checkpoint", "ops", "len",
		        "held", "over seeds", "structure");
		for (size_t k = 0; k < r->npoints; k++)
			point_text(out, r, &r->points[k], opts);
		point_text(out, r, &r->final, opts);
		ms_emit_bytes(peak, sizeof(peak), (double)r->peak_bytes, opts);
		ms_emit_bytes(lo, sizeof(lo), (double)r->peak_low_bytes, opts);
		ms_emit_bytes(hi, sizeof(hi), (double)r->peak_high_bytes, opts);
		fprintf(out, "  peak %s (%s .. %s), first seed's at operation %llu", peak, lo, hi,
		        (unsigned long long)r->peak_ops);
		if (r->peak_after)
			fprintf(out, " after checkpoint %s", r->peak_after);
		structure_text(st, sizeof(st), r->impl, &r->peak_shape);
		fprintf(out, "\n    then: len %llu, %s\n", (unsigned long long)r->peak_shape.len,
		        st);
		chart_text(out, r, max);
	}
	if (n > 1)
		summary_text(out, runs, n, opts);
	if (ferror(out))
		return ms_error_create(MS_ERR_IO, "cannot write the output");
	return NULL;
}
