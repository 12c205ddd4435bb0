/* SPDX-License-Identifier: MIT */
/* Emitters of a diff between two reports: text for people, JSON for dashboards. */
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "format.h"

static json_t *side_json(const struct ms_map_report *m)
{
	struct ms_map_detail scratch;
	const struct ms_map_detail *dt;
	json_t *o;
	char addr[32];

	if (!m)
		return json_null();
	dt = ms_map_report_detail(m, &scratch); /* tombstones, overflow_buckets */
	o = json_object();
	snprintf(addr, sizeof(addr), "0x%" PRIx64, m->addr);
	json_object_set_new(o, "address", json_string(addr));
	json_object_set_new(o, "len", json_integer((json_int_t)m->len));
	json_object_set_new(o, "held_bytes", json_integer((json_int_t)m->held_bytes));
	json_object_set_new(o, "reclaimable_bytes", json_integer((json_int_t)m->reclaimable_bytes));
	if (m->graph) {
		json_object_set_new(o, "payload_bytes", json_integer((json_int_t)m->payload_bytes));
		json_object_set_new(o, "retained_bytes",
		                    json_integer((json_int_t)m->retained_bytes));
	}
	json_object_set_new(o, "impl", json_string(ms_map_impl_name(m->impl)));
	if (m->impl == MS_IMPL_CLASSIC)
		json_object_set_new(o, "overflow_buckets",
		                    json_integer((json_int_t)dt->overflow_buckets));
	else
		json_object_set_new(o, "tombstones", json_integer((json_int_t)dt->tombstones));
	return o;
}

static json_t *report_json(const struct ms_inspect_report *r)
{
	json_t *o = json_object();

	json_object_set_new(o, "source", json_string(r->source));
	json_object_set_new(o, "go_version", json_string(r->go_version));
	json_object_set_new(o, "recorded_at",
	                    r->recorded_at ? json_string(r->recorded_at) : json_null());
	json_object_set_new(o, "maps", json_integer((json_int_t)r->nmaps));
	json_object_set_new(o, "held_bytes", json_integer((json_int_t)r->total_held_bytes));
	return o;
}

struct ms_error *ms_emit_diff_json(FILE *out, const struct ms_diff *d, size_t top,
                                   const struct ms_emit_opts *opts)
{
	json_t *doc = json_object(), *maps = json_array(), *sum = json_object();
	int rc;

	json_object_set_new(doc, "schema_version", json_integer(MS_SCHEMA_VERSION));
	json_object_set_new(doc, "kind", json_string("diff"));
	json_object_set_new(doc, "a", report_json(d->a));
	json_object_set_new(doc, "b", report_json(d->b));
	for (int s = 0; s < 4; s++)
		json_object_set_new(sum, ms_diff_status_name((enum ms_diff_status)s),
		                    json_integer((json_int_t)d->counts[s]));
	json_object_set_new(sum, "delta_len", json_integer(d->delta_len));
	json_object_set_new(sum, "delta_held_bytes", json_integer(d->delta_held));
	json_object_set_new(sum, "delta_reclaimable_bytes", json_integer(d->delta_reclaimable));
	if (d->graph) {
		json_object_set_new(sum, "delta_total_payload_bytes",
		                    json_integer(d->delta_total_payload));
		json_object_set_new(sum, "delta_total_retained_bytes",
		                    json_integer(d->delta_total_retained));
	}
	json_object_set_new(doc, "summary", sum);
	for (size_t i = 0; i < d->n && (!top || i < top); i++) {
		const struct ms_diff_entry *e = &d->entries[i];
		json_t *o = json_object();
		const struct ms_map_report *m = e->b ? e->b : e->a;

		json_object_set_new(o, "key", json_string(e->key));
		json_object_set_new(o, "status", json_string(ms_diff_status_name(e->status)));
		json_object_set_new(o, "type", json_string(m->type));
		json_object_set_new(o, "impl", json_string(ms_map_impl_name(m->impl)));
		json_object_set_new(o, "impl_changed", json_boolean(e->impl_changed));
		json_object_set_new(o, "a", side_json(e->a));
		json_object_set_new(o, "b", side_json(e->b));
		json_object_set_new(o, "delta_len", json_integer(e->delta_len));
		json_object_set_new(o, "delta_held_bytes", json_integer(e->delta_held));
		json_object_set_new(o, "delta_reclaimable_bytes",
		                    json_integer(e->delta_reclaimable));
		if (e->graph) {
			json_object_set_new(o, "delta_payload_bytes",
			                    json_integer(e->delta_payload));
			json_object_set_new(o, "delta_retained_bytes",
			                    json_integer(e->delta_retained));
		}
		json_object_set_new(
		    o, m->impl == MS_IMPL_CLASSIC ? "delta_overflow_buckets" : "delta_tombstones",
		    json_integer(e->delta_waste));
		json_array_append_new(maps, o);
	}
	json_object_set_new(doc, "maps", maps);
	rc = json_dumpf(doc, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (rc != 0 || fputc('\n', out) == EOF)
		return ms_error_create(MS_ERR_IO, "cannot write JSON output");
	return NULL;
}

struct ms_error *ms_emit_diff_text(FILE *out, const struct ms_diff *d, size_t top,
                                   const struct ms_emit_opts *o)
{
	char held[40], a[40], b[40];
	size_t shown = 0;

	ms_emit_delta(held, sizeof(held), d->delta_held, o);
	fprintf(out, "a: %s (%s, %zu maps)\nb: %s (%s, %zu maps)\n", d->a->source, d->a->go_version,
	        d->a->nmaps, d->b->source, d->b->go_version, d->b->nmaps);
	fprintf(out,
	        "held %s, len %+" PRId64 "; %" PRIu64 " changed, %" PRIu64 " same, %" PRIu64
	        " appeared, %" PRIu64 " disappeared\n\n",
	        held, d->delta_len, d->counts[MS_DIFF_CHANGED], d->counts[MS_DIFF_SAME],
	        d->counts[MS_DIFF_APPEARED], d->counts[MS_DIFF_DISAPPEARED]);
	if (d->graph) {
		ms_emit_delta(a, sizeof(a), d->delta_total_payload, o);
		ms_emit_delta(b, sizeof(b), d->delta_total_retained, o);
		fprintf(out, "payload %s, retained %s (--retained)\n\n", a, b);
	}
	fprintf(out, "%-12s %-44s %12s %12s %12s %10s\n", "status", "map", "held a", "held b",
	        "change", "len change");
	for (size_t i = 0; i < d->n && (!top || shown < top); i++) {
		const struct ms_diff_entry *e = &d->entries[i];

		if (e->status == MS_DIFF_SAME)
			continue;
		ms_emit_bytes(a, sizeof(a), e->a ? (double)e->a->held_bytes : 0, o);
		ms_emit_bytes(b, sizeof(b), e->b ? (double)e->b->held_bytes : 0, o);
		ms_emit_delta(held, sizeof(held), e->delta_held, o);
		fprintf(out, "%-12s %-44s %12s %12s %12s %+10" PRId64,
		        ms_diff_status_name(e->status), e->key, e->a ? a : "-", e->b ? b : "-",
		        held, e->delta_len);
		if (e->impl_changed)
			fprintf(out, "  changed impl %s->%s", ms_map_impl_name(e->a->impl),
			        ms_map_impl_name(e->b->impl));
		fputc('\n', out);
		shown++;
	}
	if (ferror(out))
		return ms_error_create(MS_ERR_IO, "cannot write the diff");
	return NULL;
}
