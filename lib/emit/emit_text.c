/* SPDX-License-Identifier: MIT */
/* Text emitter for people: aligned columns, corrections named. Formats only. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "emit.h"
#include "format.h"

static void fmt_bytes(char *buf, size_t len, double bytes, const struct ms_emit_opts *opts)
{
	ms_emit_bytes(buf, len, bytes, opts);
}

static void fmt_signed(char *buf, size_t len, int64_t bytes, const struct ms_emit_opts *opts)
{
	char tmp[40];

	ms_emit_bytes(tmp, sizeof(tmp), (double)(bytes < 0 ? -bytes : bytes), opts);
	snprintf(buf, len, "%s %s", bytes < 0 ? "-" : "+", tmp);
}

static const char *impl_text(enum ms_map_impl impl)
{
	switch (impl) {
	case MS_IMPL_CLASSIC:
		return "classic buckets";
	case MS_IMPL_SWISS:
		return "Swiss tables";
	case MS_IMPL_SWISS_SPLIT:
		return "Swiss tables, split groups";
	default:
		return "?";
	}
}

static void shape_text(FILE *out, const struct ms_estimate *e)
{
	const struct ms_estimate_shape *s = &e->shape;

	if (e->impl == MS_IMPL_CLASSIC) {
		fprintf(out,
		        "  shape: B=%u, %" PRIu64 " buckets of %" PRIu64 " B, %" PRIu64
		        " preallocated overflow",
		        s->B, s->buckets, s->bucket_bytes, s->prealloc_overflow);
		if (!e->exact)
			fprintf(out, ", %.1f overflow buckets in use (expected)",
			        s->overflow_buckets);
		if (s->growing_probability > 0)
			fprintf(out, ", growth still in progress in %.0f%% of %s",
			        100 * s->growing_probability,
			        e->model == MS_MODEL_ANALYTIC ? "outcomes" : "runs");
	} else if (s->small) {
		fprintf(out, "  shape: small map, one group of %" PRIu64 " B", s->group_bytes);
	} else {
		fprintf(out,
		        "  shape: %.1f tables, directory of %.1f, %.1f groups of %" PRIu64
		        " B, %" PRIu64 " slots",
		        s->tables, s->dir_len, s->groups, s->group_bytes, s->capacity_slots);
		if (!e->exact)
			fprintf(out, " (expected)");
	}
	if (s->key_indirect || s->elem_indirect)
		fprintf(out, "; %s stored out of line",
		        s->key_indirect && s->elem_indirect ? "keys and values"
		        : s->key_indirect                   ? "keys"
		                                            : "values");
	fputc('\n', out);
}

static void one_text(FILE *out, const struct ms_map_type *type, const struct ms_estimate *e,
                     const struct ms_emit_opts *opts)
{
	char ver[64], a[48], b[48];
	size_t idw = strlen("naive formula");

	ms_go_version_format(&e->go, ver, sizeof(ver));
	fprintf(out, "%s, %" PRIu64 " entries: %s %s, %s\n\n", type->name, e->len, ver,
	        ms_arch_info(e->arch)->name, impl_text(e->impl));
	for (size_t i = 0; i < e->ncorrections; i++)
		if (strlen(e->corrections[i].id) + 2 > idw)
			idw = strlen(e->corrections[i].id) + 2;
	fmt_bytes(a, sizeof(a), (double)e->naive_bytes, opts);
	fprintf(out,
	        "  %-*s %14s   %" PRIu64 " buckets x 8 + (%" PRIu64 " + %" PRIu64 ") x %" PRIu64
	        "\n",
	        (int)idw, "naive formula", a, e->naive_buckets, type->key.size_bytes,
	        type->elem.size_bytes, e->len);
	for (size_t i = 0; i < e->ncorrections; i++) {
		const struct ms_correction *c = &e->corrections[i];

		if (c->bytes == 0)
			continue;
		fmt_signed(a, sizeof(a), c->bytes, opts);
		fprintf(out, "  %-*s %14s   %s\n", (int)idw, c->id, a, c->reason);
	}
	fmt_bytes(a, sizeof(a), (double)e->total_bytes, opts);
	fprintf(out, "  %-*s %14s   %s\n", (int)idw, "= total", a,
	        e->exact ? "exact" : "expected over random hash seeds");
	if (!e->exact) {
		fmt_bytes(a, sizeof(a), (double)e->total_low_bytes, opts);
		fmt_bytes(b, sizeof(b), (double)e->total_high_bytes, opts);
		if (e->model == MS_MODEL_ANALYTIC)
			fprintf(out, "  %-*s %14s   to %s (analytic model)\n", (int)idw, "  range",
			        a, b);
		else
			fprintf(out, "  %-*s %14s   to %s (%u simulated seeds)\n", (int)idw,
			        "  range", a, b, e->nseeds);
	}
	if (e->naive_bytes) {
		fprintf(out, "  %-*s %13.1f%%\n", (int)idw, "  naive error",
		        100.0 * ((double)e->naive_bytes - (double)e->total_bytes) /
		            (double)e->total_bytes);
	}
	if (e->len) {
		fmt_bytes(a, sizeof(a), (double)e->total_bytes / (double)e->len, opts);
		fprintf(out, "  %-*s %14s   key+value are %" PRIu64 " B\n", (int)idw, "per entry",
		        a, type->key.size_bytes + type->elem.size_bytes);
	}
	fmt_bytes(a, sizeof(a), (double)e->peak_bytes, opts);
	fprintf(out, "  %-*s %14s   largest live footprint while inserting\n", (int)idw, "peak", a);
	if (e->payload_bytes) {
		fmt_bytes(a, sizeof(a), (double)e->payload_bytes, opts);
		fprintf(out, "  %-*s %14s   what keys and values point to, not in the total\n",
		        (int)idw, "payload", a);
	}
	fputc('\n', out);
	shape_text(out, e);
}

static void compare_text(FILE *out, const struct ms_map_type *type, const struct ms_estimate *e,
                         size_t n, const struct ms_emit_opts *opts)
{
	fprintf(out, "%s, %" PRIu64 " entries, %s\n\n", type->name, e[0].len,
	        ms_arch_info(e[0].arch)->name);
	fprintf(out, "  %-20s %-16s %14s %14s %14s %9s %12s\n", "go", "implementation", "total",
	        "low", "high", "per entry", "vs naive");
	for (size_t i = 0; i < n; i++) {
		char ver[64], t[48], l[48], h[48], p[48];

		ms_go_version_format(&e[i].go, ver, sizeof(ver));
		fmt_bytes(t, sizeof(t), (double)e[i].total_bytes, opts);
		fmt_bytes(l, sizeof(l), (double)e[i].total_low_bytes, opts);
		fmt_bytes(h, sizeof(h), (double)e[i].total_high_bytes, opts);
		fmt_bytes(p, sizeof(p), e[i].len ? (double)e[i].total_bytes / (double)e[i].len : 0,
		          opts);
		fprintf(out, "  %-20s %-16s %14s %14s %14s %9s %+11.1f%%\n", ver,
		        ms_map_impl_name(e[i].impl), t, l, h, p,
		        e[i].total_bytes
		            ? 100.0 * ((double)e[i].naive_bytes - (double)e[i].total_bytes) /
		                  (double)e[i].total_bytes
		            : 0.0);
	}
}

struct ms_error *ms_emit_estimates_text(FILE *out, const struct ms_map_type *type,
                                        const struct ms_estimate *ests, size_t n,
                                        const struct ms_emit_opts *opts)
{
	if (n == 1)
		one_text(out, type, &ests[0], opts);
	else
		compare_text(out, type, ests, n, opts);
	return ferror(out) ? ms_error_create(MS_ERR_IO, "cannot write output") : NULL;
}

struct ms_error *ms_emit_capacity_text(FILE *out, const struct ms_map_type *type,
                                       uint64_t budget_bytes, uint64_t max_len,
                                       const struct ms_estimate *at_max,
                                       const struct ms_emit_opts *opts)
{
	char ver[64], b[48], t[48];

	ms_go_version_format(&at_max->go, ver, sizeof(ver));
	fmt_bytes(b, sizeof(b), (double)budget_bytes, opts);
	fmt_bytes(t, sizeof(t), (double)at_max->total_bytes, opts);
	fprintf(out, "%s on %s %s: %s%" PRIu64 " entries fit in %s (expected %s at that len)\n",
	        type->name, ver, ms_arch_info(at_max->arch)->name,
	        max_len >= MS_MAX_ESTIMATE_LEN ? "at least " : "", max_len, b, t);
	return ferror(out) ? ms_error_create(MS_ERR_IO, "cannot write output") : NULL;
}
